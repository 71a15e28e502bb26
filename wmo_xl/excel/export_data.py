"""What the exported workbook carries: forecast rows, category shares, model facts.

Gathered only through the core's public API (``forecast_table``, ``category_clients``,
``get_bundle``, ``wijken_of``), so the export shows exactly the numbers ``wmo-xl forecast``
and ``wmo-xl budget`` give. Missing values (a suppressed CBS count, a year before a
category's first data year) stay NaN here and become "." in the file, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import horizon
from ..bundle import get_bundle
from ..codes import check_code, is_gemeente
from ..costs import category_clients
from ..errors import WmoError
from ..forecast import forecast_table
from ..menukaart import load_category_shares
from ..wijken import gemeenten as gemeente_names
from ..wijken import wijken_of


@dataclass
class ForecastRow:
    """One code and category: clients, lower and upper per export year (NaN = no value)."""

    gemeente: str
    categorie: str
    code: str
    niveau: str  # "gemeente" or "wijk"
    clients: list[float]
    lower: list[float]
    upper: list[float]

    @property
    def key(self) -> str:
        return f"{self.code}|{self.categorie}"


@dataclass
class ExportData:
    """Everything the workbook writer needs, computed once."""

    gemeenten: list[str]
    names: dict[str, str]
    years: list[int]
    categories: list[str]  # model categories: totaal, hbh (if the bundle has it)
    last_observed: int
    first_years: dict[str, int]
    rows: list[ForecastRow]
    share_categories: list[str]
    shares: dict[tuple[str, str], list[float]]  # (gemeente, categorie) -> share of totaal per year
    manifest: dict[str, Any]
    kind: str
    model_name: str
    max_horizon: int

    def row(self, code: str, categorie: str = "totaal") -> ForecastRow:
        for r in self.rows:
            if r.code == code and r.categorie == categorie:
                return r
        raise KeyError(f"{code}|{categorie}")


def check_years(years: Iterable[int], model: str | Path | None = None) -> list[int]:
    """Sorted unique years within the totaal model's range, or a WmoError naming it."""
    est = get_bundle(model).model("totaal")
    out = sorted({int(y) for y in years})
    if not out:
        raise WmoError("no years given: pass a range like 2017-2023")
    for y in out:
        est.check_year(y)  # the core's own message: "year 2010 outside 2015-2028: ..."
    return out


def default_years(model: str | Path | None = None) -> list[int]:
    """The last CBS year, this year and the budget years (T+1 .. T+4); every year in
    between too when the data are recent (at most 3 years old), so no column is skipped
    that a controller would miss."""
    est = get_bundle(model).model("totaal")
    origin, now = int(est.origin), horizon.today().year
    budget = horizon.budget_years()
    start = origin + 1 if now - origin <= horizon.EXTRAPOLATION_AFTER else now
    return sorted({origin, *range(start, budget[-1] + 1)})


def check_gemeenten(codes: Sequence[str], model: str | Path | None = None) -> list[str]:
    """Validated gemeente codes known to the model, in the order given, without repeats."""
    if not codes:
        raise WmoError("no gemeente given: pass --gemeente GMxxxx (repeatable) or --all")
    known = gemeente_names(model)
    out: list[str] = []
    for c in codes:
        code = check_code(c)
        if not is_gemeente(code):
            raise WmoError(f"{code} is not a gemeente code: expected GM + 4 digits (GM0518)")
        if code not in known:
            raise WmoError(f"unknown gemeente {code}: not in the model")
        if code not in out:
            out.append(code)
    return out


def _table_rows(gemeente: str, categorie: str, years: list[int], first: int, model: str | Path | None) -> list[ForecastRow]:
    """The gemeente row and its wijk rows of one category; years before ``first`` stay NaN."""
    shown = [y for y in years if y >= first]
    codes = [gemeente] + wijken_of(gemeente, category=categorie, model=model)
    n = len(years)
    out = []
    if shown:
        table = forecast_table(codes, shown, categorie, model=model)
        cols = [years.index(y) for y in shown]
    for i, code in enumerate(codes):
        vals = {k: [float("nan")] * n for k in ("clients", "lower", "upper")}
        if shown:
            part = table.iloc[i * len(shown):(i + 1) * len(shown)]
            for k, target in vals.items():
                for j, v in zip(cols, part[k].to_numpy(dtype=float)):
                    target[j] = float(v)
        out.append(ForecastRow(gemeente, categorie, code, "gemeente" if i == 0 else "wijk", **vals))
    return out


def _shares(gemeente: str, years: list[int], first_all: int, total: list[float], model: str | Path | None,
            cats: list[str]) -> dict[tuple[str, str], list[float]]:
    """Share of the gemeente total per category and year, as ``category_clients`` uses it."""
    n = len(years)
    out = {(gemeente, c): [float("nan")] * n for c in cats}
    shown = [y for y in years if y >= first_all]
    if not shown:
        return out
    usable = [y for y in shown if np.isfinite(total[years.index(y)]) and total[years.index(y)] > 0]
    if not usable:
        return out
    try:  # the usual case in one call; year by year only when some year is incomplete
        cc = category_clients(gemeente, usable, model=model).set_index(["jaar", "categorie"])["clienten"]
        for y in usable:
            for c in cats:
                out[(gemeente, c)][years.index(y)] = float(cc[(y, c)]) / total[years.index(y)]
        return out
    except WmoError:
        pass
    for y in usable:
        j = years.index(y)
        t = total[j]
        try:
            cc = category_clients(gemeente, [y], model=model, categories=cats).set_index("categorie")["clienten"]
        except WmoError:
            cc = None
        for c in cats:
            if cc is not None:
                out[(gemeente, c)][j] = float(cc[c]) / t
                continue
            # a modelled category's incomplete past year (or a year before its data) leaves
            # only that share NaN ("." -> #N/A in the file)
            try:
                v = category_clients(gemeente, [y], model=model, categories=[c])["clienten"].iloc[0]
            except WmoError:
                continue
            out[(gemeente, c)][j] = float(v) / t
    return out


def gather(gemeenten: Sequence[str], years: Sequence[int], model: str | Path | None = None) -> ExportData:
    """Forecast rows, shares and model facts for the given gemeenten and years."""
    bundle = get_bundle(model)
    year_list = check_years(years, model)
    codes = check_gemeenten(list(gemeenten), model)
    categories = [c for c in ("totaal", "hbh") if c in bundle.models]
    first = {c: int(bundle.model(c).first_year) for c in categories}
    share_cats = list(load_category_shares())
    rows: list[ForecastRow] = []
    shares: dict[tuple[str, str], list[float]] = {}
    first_all = max(first.values())  # category_clients needs every model's years (HbH share)
    for g in codes:
        for c in categories:
            try:
                rows.extend(_table_rows(g, c, year_list, first[c], model))
            except WmoError:
                if c == "totaal":
                    raise
                # the HbH model lacks this gemeente (no HbH data): its HbH rows are simply absent (#N/A)
        total = next(r for r in rows if r.code == g and r.categorie == "totaal").clients
        shares.update(_shares(g, year_list, first_all, total, model, share_cats))
    est = bundle.model("totaal")
    names = gemeente_names(model)
    return ExportData(
        gemeenten=codes, names={g: names.get(g, g) for g in codes}, years=year_list, categories=categories,
        last_observed=int(est.origin), first_years=first, rows=rows, share_categories=share_cats, shares=shares,
        manifest=dict(bundle.manifest), kind=bundle.kind, model_name=Path(bundle.path).name,
        max_horizon=int(est.max_horizon),
    )
