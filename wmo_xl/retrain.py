"""Retrain on a municipality's own figures: validate the Data sheet, recalibrate, save.

One code path for both front ends (the Retrain button via xlwings, ``wmo-xl retrain`` via
openpyxl): they differ only in the :class:`~wmo_xl.sheets.SheetAccess` they pass.

Recalibration keeps the national model's estimated behaviour (noise, spread, interval
quantiles) and replaces what local figures know better: each wijk's latest level, the
gemeente's recent growth (shrunk towards the national model's implied growth, since two or
three local years are little evidence) and, with four or more years, a wijk's own trend.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError, field_validator

from .bundle import Bundle, get_bundle, local_bundle_path, write_bundle
from .codes import gemeente_of, is_wijk, normalize_code
from .data import category_of, normalize_name
from .errors import WmoError
from .model import OFFSET, WmoForecaster
from .inputs import parse_count
from .schemas import parse_year
from .sheets import SheetAccess

DATA_SHEET = "Data"
REPORT_SHEET = "Controle"
MIN_ROWS = 3
#: Pseudo-number of year-on-year transitions pulling local growth to the national growth.
GROWTH_PRIOR_PAIRS = 2.0
#: Pseudo-number of years pulling a wijk's own trend to its gemeente's growth.
TREND_PRIOR_YEARS = 6.0

_ALIASES = {
    "wijk": ("wijk", "coderingregio", "codering", "wijkcode", "code"),
    "jaar": ("jaar", "year", "perioden", "periode"),
    "clienten": ("clienten", "clients", "wmoclienten", "aantal"),
    "categorie": ("categorie", "category", "typemaatwerkarrangement"),
    "inwoners": ("inwoners", "aantalinwoners", "inhabitants"),
    "k65plus": ("k65plus", "k65jaarofouder", "age65plus", "65plus"),
}


@dataclass
class Problem:
    """One rejected or suspicious value, as listed on the Controle sheet."""

    row: int  # sheet row (1-based, as Excel shows it)
    column: str
    value: Any
    problem: str
    severity: str = "fout"

    def as_row(self) -> list[Any]:
        v = self.value
        return [self.row, self.column, "" if v is None else (v if isinstance(v, (int, float)) else str(v)), self.problem, self.severity]


@dataclass
class RetrainResult:
    bundle_path: Path
    rows_used: int
    problems: list[Problem]
    gemeenten: list[str]
    years: list[int]
    local_backtest: dict[str, Any] = field(default_factory=dict)


class DataRow(BaseModel):
    """One pasted row: a wijk, a year, a count (and optional category)."""

    wijk: str
    jaar: int
    clienten: float
    categorie: str = "totaal"

    @field_validator("wijk", mode="before")
    @classmethod
    def _wijk(cls, v: object) -> str:
        if v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError("empty wijk code")
        code = normalize_code(v)
        if not is_wijk(code):
            raise ValueError(f"{code!r} is not a wijk code (WK + 6 digits, e.g. WK051802)")
        return code

    @field_validator("jaar", mode="before")
    @classmethod
    def _jaar(cls, v: object) -> int:
        # CBS period codes such as '2019JJ00' carry the year in their first four characters
        year = parse_year(v.strip()[:4] if isinstance(v, str) else v)
        if year < 2000:
            raise ValueError(f"{v!r} is not a year from 2000 on")
        if year > dt.date.today().year:
            raise ValueError(f"{year} lies in the future")
        return year

    @field_validator("clienten", mode="before")
    @classmethod
    def _clienten(cls, v: object) -> float:
        if isinstance(v, bool) or v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError("empty count")
        if isinstance(v, str) and v.strip() in (".", "x", "-"):
            raise ValueError(f"{v.strip()!r} = suppressed by CBS: missing, not 0; row skipped")
        return parse_count(v, "")  # '1.490' is ambiguous, not 1.49 (wmo_xl.inputs)

    @field_validator("categorie", mode="before")
    @classmethod
    def _categorie(cls, v: object) -> str:
        return category_of(v)


def _header_index(values: list[list[Any]]) -> int:
    """Row index of the header: the first row whose first cell is 'wijk' (or the CBS code column)."""
    for i, row in enumerate(values[:50]):
        if row and normalize_name(row[0]) in ("wijk", "coderingregio"):
            return i
    raise WmoError(f"no header row found on sheet {DATA_SHEET!r}: the first cell of the header must be 'wijk'")


def parse_rows(
    values: list[list[Any]], known: set[str] | None = None, known_gemeenten: set[str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate the Data sheet. Returns the usable rows and every problem found.

    ``known``: wijk codes of the national model; a code outside it is still used (a new or
    redrawn wijk has only its own history) but reported as a warning.
    """
    h = _header_index(values)
    header = [normalize_name(c) if c is not None else "" for c in values[h]]
    cols: dict[str, int] = {}
    for canon, aliases in _ALIASES.items():
        for a in aliases:
            if a in header:
                cols[canon] = header.index(a)
                break
    missing = [c for c in ("wijk", "jaar", "clienten") if c not in cols]
    if missing:
        raise WmoError(f"the header on sheet {DATA_SHEET!r} lacks {', '.join(missing)}: needs wijk, jaar, clienten (or year, clients)")
    good: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, int, str], int] = {}
    for offset, raw in enumerate(values[h + 1:], start=1):
        sheet_row = h + 1 + offset
        cells = list(raw) + [None] * len(header)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells[: len(header)]):
            break
        record = {k: cells[i] for k, i in cols.items() if k in ("wijk", "jaar", "clienten", "categorie") and cells[i] is not None}
        try:
            row = DataRow(**record)
        except ValidationError as exc:
            err = exc.errors()[0]
            col = str(err["loc"][0]) if err.get("loc") else "?"
            msg = str(err.get("ctx", {}).get("error", err["msg"])).removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "empty"
            problems.append(Problem(sheet_row, col, cells[cols[col]] if col in cols else None, msg))
            continue
        key = (row.wijk, row.jaar, row.categorie)
        if key in seen:
            problems.append(Problem(sheet_row, "wijk", row.wijk, f"duplicate of row {seen[key]} ({row.wijk}, {row.jaar}); first one used"))
            continue
        seen[key] = sheet_row
        if known_gemeenten is not None and gemeente_of(row.wijk) not in known_gemeenten:
            problems.append(Problem(sheet_row, "wijk", row.wijk, f"unknown gemeente {gemeente_of(row.wijk)}: not in the national model"))
            continue
        if known is not None and row.wijk not in known:
            problems.append(Problem(sheet_row, "wijk", row.wijk, "not in the national model (new or redrawn wijk): only its own figures are used", "waarschuwing"))
        good.append({"wijk": row.wijk, "year": row.jaar, "clients": row.clienten, "category": row.categorie, "row": sheet_row})
    df = pd.DataFrame(good, columns=["wijk", "year", "clients", "category", "row"])
    df["gemeente"] = df["wijk"].map(gemeente_of) if len(df) else pd.Series(dtype=str)
    return df, problems


def _implied_growth(est: WmoForecaster, rows: np.ndarray) -> float:
    """Yearly growth the national model expects for these wijken (first forecast years)."""
    if len(rows) == 0:
        return 0.0
    a, b = est.mean_[rows, 0].sum(), est.mean_[rows, 1].sum()
    return float(np.log(b / a)) if a > 0 and b > 0 else 0.0


def _gemeente_growth(local: pd.DataFrame) -> tuple[float, int]:
    """Mean log growth of matched wijk sums over consecutive local years, and the pair count."""
    p = local.pivot_table(index="wijk", columns="year", values="clients", aggfunc="sum")
    years = sorted(p.columns)
    rates, weights = [], []
    for a, b in zip(years, years[1:]):
        if b != a + 1:
            continue
        m = p[[a, b]].dropna()
        if len(m) and m[a].sum() > 0 and m[b].sum() > 0:
            rates.append(np.log(m[b].sum() / m[a].sum()))
            weights.append(m[a].sum())
    if not rates:
        return 0.0, 0
    return float(np.average(rates, weights=weights)), len(rates)


def recalibrate(national: WmoForecaster, local: pd.DataFrame) -> WmoForecaster:
    """A forecaster for the local rows' gemeenten: local levels and trends, national spread.

    ``local``: tidy rows (wijk, year, clients) of one category. The result knows the wijken
    of the local gemeenten (national ones and new codes), with origin = last local year.
    """
    if local.empty:
        raise WmoError("no valid rows to retrain on")
    est = copy.copy(national)
    gemeenten = sorted(set(local["gemeente"]))
    nat_rows = np.concatenate([national.gemeente_index_.get(g, np.array([], dtype=int)) for g in gemeenten]).astype(int)
    origin = int(local["year"].max())
    obs = local.sort_values("year")
    last = obs.groupby("wijk").tail(1).set_index("wijk")
    wijken = sorted(set(national.wijken_[nat_rows]) | set(last.index))
    H = national.max_horizon
    horizons = np.arange(1, H + 1)
    mean = np.zeros((len(wijken), H))
    lower = np.zeros_like(mean)
    upper = np.zeros_like(mean)
    sd = np.zeros_like(mean)
    last_year = np.full(len(wijken), np.nan)
    growth: dict[str, float] = {}
    for g in gemeenten:
        g_rows = national.gemeente_index_.get(g, np.array([], dtype=int))
        g_local, n = _gemeente_growth(local[local["gemeente"] == g])
        g_nat = _implied_growth(national, g_rows)
        growth[g] = (n * g_local + GROWTH_PRIOR_PAIRS * g_nat) / (n + GROWTH_PRIOR_PAIRS)
    for i, w in enumerate(wijken):
        g = growth[gemeente_of(w)]
        if w in last.index:
            y, ly = float(last.loc[w, "clients"]), int(last.loc[w, "year"])
            hist = obs[obs["wijk"] == w]
            if len(hist) >= 4:
                slope = float(np.polyfit(hist["year"], np.log(hist["clients"] + OFFSET), 1)[0])
                k = (len(hist) - 2) / (len(hist) - 2 + TREND_PRIOR_YEARS)
                g = g + k * (slope - g)
        else:  # a national wijk without local rows: its national level at the local origin
            j = national.index_[w]
            h0 = origin - national.origin_
            y = float(national.mean_[j, h0 - 1]) if 1 <= h0 <= H else float(national.observed_.get((w, origin), np.nan))
            if not np.isfinite(y):
                y = float(national.mean_[j, 0])
            ly = origin
        steps = (origin - ly) + horizons
        mu = np.log(y + OFFSET) + g * steps
        v = national.var_year_ * steps + national.var_noise_ / (y + OFFSET)
        s = np.sqrt(v)
        mean[i] = np.maximum(np.exp(mu) - OFFSET, 0)
        lower[i] = np.maximum(np.exp(mu + national.q_low_ * s) - OFFSET, 0)
        upper[i] = np.maximum(np.exp(mu + national.q_high_ * s) - OFFSET, 0)
        sd[i] = s
        last_year[i] = ly if w in last.index else np.nan
    est.origin_ = origin
    est.first_year_ = int(min(local["year"].min(), national.first_year_))
    est.wijken_ = np.array(wijken, dtype=object)
    est.gemeente_ = np.array([gemeente_of(w) for w in wijken], dtype=object)
    est.inhabitants_ = np.array([national.inhabitants_[national.index_[w]] if w in national.index_ else np.nan for w in wijken])
    est.mean_, est.lower_, est.upper_, est.sd_, est.last_year_ = mean, lower, upper, sd, last_year
    est.index_ = {w: i for i, w in enumerate(wijken)}
    est.gemeente_index_ = {g: np.flatnonzero(est.gemeente_ == g) for g in gemeenten}
    observed = {k: v for k, v in national.observed_.items() if gemeente_of(k[0]) in gemeenten}
    observed.update({(w, int(y)): float(c) for w, y, c in local[["wijk", "year", "clients"]].itertuples(index=False)})
    est.observed_ = observed
    est.local_growth_ = growth
    return est


def wape(actual: np.ndarray, pred: np.ndarray) -> float:
    return float(np.abs(pred - actual).sum() / actual.sum()) if actual.sum() > 0 else float("nan")


def local_backtest(national: WmoForecaster, local: pd.DataFrame) -> dict[str, Any]:
    """Hold out the last local year: retrained forecast vs the national model's, WAPE."""
    years = sorted(local["year"].unique())
    if len(years) < 2:
        return {"year": int(years[-1]) if years else None, "note": "one local year: no backtest"}
    target = int(years[-1])
    train, test = local[local["year"] < target], local[local["year"] == target]
    est = recalibrate(national, train)
    test = test[test["wijk"].isin(est.index_)]
    idx = np.array([est.index_[w] for w in test["wijk"]])
    h = target - est.origin_
    pred_local = est.mean_[idx, h - 1]
    result: dict[str, Any] = {"year": target, "n_wijken": int(len(test)), "wape_local": round(wape(test["clients"].to_numpy(), pred_local), 4)}
    if target > national.origin_ and target - national.origin_ <= national.max_horizon:
        known = test["wijk"].isin(national.index_).to_numpy()
        nidx = np.array([national.index_[w] for w in test["wijk"][known]])
        result["wape_national"] = round(wape(test["clients"].to_numpy()[known], national.mean_[nidx, target - national.origin_ - 1]), 4)
        result["wape_local_same_wijken"] = round(wape(test["clients"].to_numpy()[known], pred_local[known]), 4)
    else:
        result["wape_national"] = None
        result["note"] = f"the national model already contains {target} (data to {national.origin_})"
    return result


def retrain_frame(
    local: pd.DataFrame, out: str | Path, national: Bundle | None = None, source: str = "eigen cijfers",
) -> tuple[Path, dict[str, Any]]:
    """Recalibrate every category present in ``local`` and write the local bundle atomically."""
    national = national or get_bundle()
    models: dict[str, WmoForecaster] = {}
    backtests: dict[str, Any] = {}
    for cat, rows in local.groupby("category"):
        base = national.model(str(cat))
        models[str(cat)] = recalibrate(base, rows)
        backtests[str(cat)] = local_backtest(base, rows)
    gemeenten = sorted(set(local["gemeente"]))
    for cat, base in national.models.items():  # categories without local rows: national, same gemeenten
        if cat not in models:
            keep = [g for g in gemeenten if g in base.gemeente_index_]
            if keep:
                rows = pd.DataFrame({"wijk": [w for g in keep for w in base.wijken_[base.gemeente_index_[g]]]})
                rows["year"] = base.origin_
                rows["clients"] = [base.observed_.get((w, base.origin_), np.nan) for w in rows["wijk"]]
                rows = rows.dropna()
                rows["gemeente"] = rows["wijk"].map(gemeente_of)
                if not rows.empty:
                    models[cat] = recalibrate(base, rows)
    years = sorted(int(y) for y in local["year"].unique())
    nat = national.manifest
    manifest = {
        "kind": "local",
        "wmo_xl_version": nat.get("wmo_xl_version"),
        "based_on": {"path": str(national.path), "model_sha256": nat.get("files", {}).get("model.joblib"), "training_years": nat.get("training_years")},
        "gemeenten": gemeenten,
        "training_years": {"totaal": sorted(set(nat.get("training_years", {}).get("totaal", [])) | set(years))},
        "local_years": years,
        "local_rows": int(len(local)),
        "local_backtest": backtests.get("totaal", next(iter(backtests.values()), {})),
        "local_backtests": backtests,
        "data_provenance": {**nat.get("data_provenance", {}), "local": source},
        "backtests": nat.get("backtests", []),
    }
    path = write_bundle(out, models, manifest, gemeentenamen={g: national.gemeentenamen.get(g, g) for g in gemeenten})
    return path, manifest


def _rectangular(rows: list[list[Any]]) -> list[list[Any]]:
    """Pad rows to one width: xlwings writes a 2-D block, which must not be ragged."""
    width = max(len(r) for r in rows)
    return [list(r) + [None] * (width - len(r)) for r in rows]


def retrain(book: SheetAccess, national_path: str | Path | None = None, progress: Callable[[str], None] | None = None) -> RetrainResult:
    """The retrain macro: read Data, report problems on Controle, fit, save the local bundle.

    Nothing on the Data sheet is changed. If too few valid rows remain, it stops with a
    WmoError (the Controle sheet still lists the problems) and no model is written.
    """

    def say(msg: str) -> None:
        book.status(f"wmo_xl: {msg}")
        if progress:
            progress(msg)

    try:
        say("gegevens lezen")
        national = get_bundle(national_path)
        known = {str(w) for m in national.models.values() for w in m.wijken_}
        local, problems = parse_rows(book.read(DATA_SHEET), known, {gemeente_of(w) for w in known})
        report = [["rij", "kolom", "waarde", "probleem", "soort"]] + [p.as_row() for p in problems]
        if len(report) == 1:
            report.append(["", "", "", "geen problemen gevonden", ""])
        usable = local.groupby("category")["wijk"].count().max() if len(local) else 0
        if usable < MIN_ROWS:
            report.append(["", "", "", f"te weinig geldige regels ({int(usable)}; minimaal {MIN_ROWS}): niet hertraind", "fout"])
            book.write_sheet(REPORT_SHEET, _rectangular(report))
            book.save()
            raise WmoError(f"only {int(usable)} valid rows on sheet {DATA_SHEET!r} (at least {MIN_ROWS} needed); see sheet {REPORT_SHEET!r}")
        say(f"{len(local)} regels gebruikt, {sum(p.severity == 'fout' for p in problems)} afgekeurd; model kalibreren")
        out = local_bundle_path(book.path)
        path, manifest = retrain_frame(local, out, national, source=f"eigen cijfers uit {book.path.name}")
        bt = manifest["local_backtest"]
        report.append([])
        report.append(["Lokale backtest", bt.get("year"), "WAPE eigen model", bt.get("wape_local"), ""])
        report.append(["", "", "WAPE landelijk model", bt.get("wape_national") if bt.get("wape_national") is not None else bt.get("note", ""), ""])
        say("rapport schrijven")
        book.write_sheet(REPORT_SHEET, _rectangular(report))
        book.save()
        say(f"klaar: eigen model opgeslagen in {path.name}")
        return RetrainResult(path, int(len(local)), problems, manifest["gemeenten"], manifest["local_years"], bt)
    except WmoError as exc:
        book.status(f"wmo_xl: niet hertraind - {exc}")
        raise
