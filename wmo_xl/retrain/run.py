"""Retrain orchestration: read the Data sheet, report on Controle, recalibrate, save signed.

One code path for both front ends (the Retrain button via xlwings, ``wmo-xl retrain`` via
openpyxl): they differ only in the :class:`BookAccess` they pass. The Protocol lives here in
the core; the Excel layer implements it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..bundle import FORECAST_FILE, Bundle, get_bundle, local_bundle_path, write_bundle
from ..codes import gemeente_of
from ..errors import WmoError
from ..safefiles import WorkbookLock
from ..fitted import FittedForecast
from .recalibrate import local_backtest, recalibrate, trend_of
from .rows import DATA_SHEET, DataSheetError, Problem, parse_rows

REPORT_SHEET = "Controle"
MIN_ROWS = 3


class BookAccess(Protocol):
    """The calls retraining makes on a workbook (open in Excel or a closed file)."""

    @property
    def path(self) -> Path: ...

    def read(self, sheet: str) -> list[list[Any]]: ...

    def write_sheet(self, sheet: str, rows: list[list[Any]]) -> None: ...

    def status(self, message: str | None) -> None: ...

    def save(self) -> None: ...

    # optional: ``merged(sheet)`` -> the merged areas (0-based first row, first column, last
    # row, last column), so merged Data cells are read as Excel shows them (rows.parse_rows)


@dataclass
class RetrainResult:
    bundle_path: Path
    rows_used: int
    problems: list[Problem]
    gemeenten: list[str]
    years: list[int]
    local_backtest: dict[str, Any] = field(default_factory=dict)


def retrain_frame(
    local: pd.DataFrame, out: str | Path, national: Bundle | None = None, source: str = "eigen cijfers",
    workbook: str | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Recalibrate every category present in ``local`` and write the local bundle atomically.

    The bundle is signed with this user's key and names ``workbook`` (the file it belongs
    to), so it is used beside that workbook only (:mod:`wmo_xl.bundle.choice`).
    """
    national = national or get_bundle()
    models: dict[str, FittedForecast] = {}
    backtests: dict[str, Any] = {}
    for cat, rows in local.groupby("category"):
        base = national.model(str(cat))
        trend = trend_of(national.manifest, str(cat))
        models[str(cat)] = recalibrate(base, rows, trend)
        backtests[str(cat)] = local_backtest(base, rows, trend)
    gemeenten = sorted(set(local["gemeente"]))
    for cat, base in national.models.items():  # categories without local rows: national, same gemeenten
        if cat not in models:
            own = {g: np.flatnonzero(base.gemeente == g) for g in gemeenten}  # own wijken, not a merged area's
            keep = [g for g in gemeenten if len(own[g])]
            if keep:
                idx = np.concatenate([own[g] for g in keep])
                rows = pd.DataFrame({"wijk": [str(w) for w in base.codes[idx]]})
                rows["year"] = base.origin
                rows["clients"] = [base.observed_value(i, base.origin) for i in idx]
                rows = rows.dropna()
                rows["gemeente"] = rows["wijk"].map(gemeente_of)
                if not rows.empty:
                    models[cat] = recalibrate(base, rows, trend_of(national.manifest, cat))
    years = sorted(int(y) for y in local["year"].unique())
    nat = national.manifest
    manifest = {
        "kind": "local",
        "workbook": workbook,
        "wmo_xl_version": nat.get("wmo_xl_version"),
        "based_on": {"path": str(national.path), "model_sha256": nat.get("files", {}).get(FORECAST_FILE), "training_years": nat.get("training_years")},
        "gemeenten": gemeenten,
        "training_years": {"totaal": sorted(set(nat.get("training_years", {}).get("totaal", [])) | set(years))},
        "local_years": years,
        "local_rows": int(len(local)),
        "local_backtest": backtests.get("totaal", next(iter(backtests.values()), {})),
        "local_backtests": backtests,
        "trend": {c: trend_of(nat, c) for c in models},  # national (weight, damping) the local growth was carried with
        "data_provenance": {**nat.get("data_provenance", {}), "local": source},
        "backtests": nat.get("backtests", []),
    }
    path = write_bundle(out, models, manifest, gemeentenamen={g: national.gemeentenamen.get(g, g) for g in gemeenten})
    return path, manifest


REPORT_HEADER = ["rij", "kolom", "waarde", "probleem", "soort"]


def controle_rows(problems: list[Problem], used: int, outcome: str) -> list[list[Any]]:
    """The Controle sheet: the header, every problem, then one outcome line that agrees with them.

    "geen problemen gevonden" only when there are none, and never beside a refusal: the
    last line says what happened (hertraind, or why not) and how many rows counted.
    """
    errors = sum(p.severity == "fout" for p in problems)
    warnings = len(problems) - errors
    rows: list[list[Any]] = [list(REPORT_HEADER)] + [p.as_row() for p in problems]
    failed = outcome.startswith("te weinig")
    if problems:
        found = f"{errors} regel(s) afgekeurd, {warnings} waarschuwing(en); {used} regel(s) geldig"
    elif failed:  # nothing wrong with the rows, but too few of them: no "geen problemen" beside a refusal
        found = f"{used} geldige regel(s), geen afgekeurd"
    else:
        found = f"geen problemen gevonden; {used} regel(s) gebruikt"
    rows.append(["", "", "", f"{found}; {outcome}", "fout" if failed else "uitkomst"])
    return rows


def _rectangular(rows: list[list[Any]]) -> list[list[Any]]:
    """Pad rows to one width: xlwings writes a 2-D block, which must not be ragged."""
    width = max(len(r) for r in rows)
    return [list(r) + [None] * (width - len(r)) for r in rows]


def retrain(book: BookAccess, national_path: str | Path | None = None, progress: Callable[[str], None] | None = None) -> RetrainResult:
    """The retrain macro: read Data, report problems on Controle, fit, save the local bundle.

    Nothing on the Data sheet is changed. If too few valid rows remain, it stops with a
    WmoError (the Controle sheet still lists the problems) and no model is written.
    """

    def say(msg: str) -> None:
        book.status(f"wmo_xl: {msg}")
        if progress:
            progress(msg)

    try:
        with WorkbookLock(book.path):  # one retrain per workbook at a time (a second one stops here)
            say("gegevens lezen")
            national = get_bundle(national_path)
            known = {str(w) for m in national.models.values() for w in m.codes}
            merged = getattr(book, "merged", None)
            try:
                local, problems = parse_rows(book.read(DATA_SHEET), known, {gemeente_of(w) for w in known},
                                             merged(DATA_SHEET) if merged else None)
            except DataSheetError as exc:  # the header itself: said on Controle too, in Dutch
                book.write_sheet(REPORT_SHEET, [list(REPORT_HEADER), ["", "", "", f"niet hertraind: {exc.reason_nl}", "fout"]])
                book.save()
                raise
            usable = local.groupby("category")["wijk"].count().max() if len(local) else 0
            if usable < MIN_ROWS:
                too_few = f"te weinig geldige regels ({int(usable)}; minimaal {MIN_ROWS}): niet hertraind"
                report = controle_rows(problems, int(len(local)), too_few)
                book.write_sheet(REPORT_SHEET, _rectangular(report))
                book.save()
                raise DataSheetError(f"only {int(usable)} valid rows on sheet {DATA_SHEET!r} (at least {MIN_ROWS} needed); "
                                     f"see sheet {REPORT_SHEET!r}", f"{too_few}; zie blad {REPORT_SHEET}")
            say(f"{len(local)} regels gebruikt, {sum(p.severity == 'fout' for p in problems)} afgekeurd; model kalibreren")
            out = local_bundle_path(book.path)
            path, manifest = retrain_frame(local, out, national, source=f"eigen cijfers uit {book.path.name}", workbook=book.path.name)
            bt = manifest["local_backtest"]
            report = controle_rows(problems, int(len(local)), f"hertraind: eigen model opgeslagen in {path.name}")
            report.append([])
            report.append(["Lokale backtest", bt.get("year"), "WAPE eigen model", bt.get("wape_local", bt.get("note_nl", "")), ""])
            report.append(["", "", "WAPE landelijk model", bt["wape_national"] if bt.get("wape_national") is not None else bt.get("note_nl", ""), ""])
            say("rapport schrijven")
            book.write_sheet(REPORT_SHEET, _rectangular(report))
            book.save()
            say(f"klaar: eigen model opgeslagen in {path.name}")
            return RetrainResult(path, int(len(local)), problems, manifest["gemeenten"], manifest["local_years"], bt)
    except WmoError as exc:
        book.status(f"wmo_xl: niet hertraind - {getattr(exc, 'reason_nl', exc)}")
        raise
