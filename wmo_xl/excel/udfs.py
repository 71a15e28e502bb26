"""Excel functions (xlwings UDFs): cells in, core calls, Excel-friendly values out.

This is the thin Excel layer: no logic lives here. Arguments may arrive as a scalar, a 1-D
list (a row or column) or a 2-D list (a block), and empty cells as None. Bad input gives a
cell text starting with ``#WMO!`` that says what is wrong and what is accepted; an empty
required cell gives ``#N/A``; never a traceback, never a silent 0.

Two kinds of functions:

- **Block functions** fill a whole sheet part in one call (:func:`wmo_forecast_sheet`,
  :func:`wmo_budget`, :func:`wmo_model_info`). Each UDF cell is a COM round trip of
  ~20 ms in Excel, so the template uses only these: three calls per full recalculation.
  Inside a block a figure that fails is a ``#WMO!`` text, and every subtotal or total that
  depends on it is a ``#WMO!`` text too: a total never silently drops a failing figure
  (Excel's SUM would skip the text and show a smaller number).
- **Single-cell functions** (:func:`wmo_forecast`, :func:`wmo_cost`, ...) for users' own
  sheets.

Which model: a workbook with its own retrained model (beside the file) uses it; the
workbook is found through ``xw.Book.caller()`` (the ``ThisWorkbook`` xlwings hands to the
UDF server), not through a ``caller`` range, whose construction reads ``Range.CLSID`` and
fails where pywin32 has no generated Excel cache (xlwings #1404). When the own model
cannot be looked up (e.g. a OneDrive/SharePoint URL without a local folder), the national
model answers and WMO_MODEL_INFO and the sheets' model line say so.

The Excel functions carry no type annotations on purpose: xlwings reads a parameter's
annotation as its converter, and ``Any`` is no converter (tests/test_udf_wrappers.py).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import xlwings as xw

from .. import horizon
from ..bundle import NATIONAL, ModelChoice, get_bundle, which_model
from ..errors import WmoError
from ..inputs import check_grid, check_years_count, one_cell, parse_cost_year, parse_count, vector

NA = "#N/A"
PREFIX = "#WMO! "
F = TypeVar("F", bound=Callable[..., Any])

#: Years past the last CBS observation after which a figure is called an extrapolation.
EXTRAPOLATION_AFTER = horizon.EXTRAPOLATION_AFTER


class _Missing(Exception):
    """A required cell is empty."""


# ------------------------------------------------------------------------ arguments
def _flat(value: Any) -> list[Any]:
    """Scalar, 1-D or 2-D list -> flat list without empty cells."""
    if not isinstance(value, (list, tuple)):
        return [] if _empty(value) else [value]
    out: list[Any] = []
    for v in value:  # a range is at most 2-D: no recursion needed for rows of cells
        if isinstance(v, (list, tuple)):
            out.extend(x for x in v if not _empty(x))
        elif not _empty(v):
            out.append(v)
    return out


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and math.isnan(value))


def _one(value: Any, name: str) -> Any:
    """A single cell's value; #N/A when empty, #WMO! for a range (even one with blanks:
    which cell was meant is not certain; wmo_xl.inputs.one_cell)."""
    v = one_cell(value, name)
    if v is None:
        raise _Missing(name)
    return v


def _optional(value: Any, default: Any, name: str = "category") -> Any:
    """An optional single cell: the default when empty; a range of several cells is refused."""
    v = one_cell(value, name)
    return default if v is None else v


def _rows(value: Any) -> list[list[Any]]:
    """A range as a 2-D list, whatever shape xlwings handed over."""
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if value and all(isinstance(r, (list, tuple)) for r in value):
        return [list(r) for r in value]
    return [list(value)]


def _year_or_none(value: Any) -> int | None:
    """A cost year (2000-2100), or None for an empty cell (the price year)."""
    y = _optional(value, None, "year")
    return None if y is None else parse_cost_year(y)


def _years(value: Any) -> list[int]:
    """A row or column of year cells; empty cells are skipped, anything else must be a year."""
    from ..schemas import years_query

    items = _flat(value)
    if not items:
        raise _Missing("years")
    check_years_count(items)
    return years_query(items).years


# ---------------------------------------------------------------------- which model
def _caller_book() -> Any:
    """The calling workbook (``xw.Book.caller()``), or None outside Excel."""
    try:
        return xw.Book.caller()
    except Exception:  # not called from Excel (Python, tests, Linux)
        return None


def workbook_model(book: Any = None) -> ModelChoice:
    """Which model the calling workbook uses, found without touching ``Range.CLSID``.

    xlwings maps a OneDrive/SharePoint ``FullName`` URL to the synced local folder; when
    it cannot, the national model answers and the status says why (never a silent switch).
    """
    book = book if book is not None else _caller_book()
    if book is None:
        return which_model(None)
    try:
        fullname = str(book.fullname)
    except Exception as exc:  # xlwings could not map a OneDrive/SharePoint URL
        return ModelChoice(None, f"{NATIONAL} (eigen model niet gezocht: werkmap heeft geen lokaal pad)", _short(exc))
    if "://" in fullname:
        return ModelChoice(None, f"{NATIONAL} (eigen model niet gezocht: werkmap staat online zonder lokale map)", fullname)
    return which_model(fullname)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


def _model() -> Path | None:
    return workbook_model().path


def _reach(model: Path | None, category: str = "totaal") -> tuple[int, int, int]:
    """(first data year, last observed year, last year the model forecasts)."""
    est = get_bundle(model).model(category)
    return int(est.first_year), int(est.origin), int(est.reach)


def year_status(year: int, last_observed: int) -> str:
    """What a figure for ``year`` is: an observation, a forecast or an extrapolation."""
    return horizon.status(year, last_observed)


# -------------------------------------------------------------------------- errors
def _message(exc: BaseException) -> str:
    if isinstance(exc, _Missing):
        return NA
    if isinstance(exc, WmoError):
        return PREFIX + str(exc)
    return f"{PREFIX}internal error ({type(exc).__name__}): {exc}"


def excel_safe(func: F) -> F:
    """Turn core errors into cell values: WmoError -> '#WMO! ...', empty input -> '#N/A'."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # a bug must still not show a traceback in a cell
            return _message(exc)

    return wrapper  # type: ignore[return-value]


def is_message(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith(PREFIX) or value == NA)


def poisoned_sum(values: Sequence[Any], what: str) -> Any:
    """Sum of figures, or a message naming the first failing figure: never a smaller total."""
    for v in values:
        if is_message(v):
            reason = v[len(PREFIX):] if v.startswith(PREFIX) else "an input is empty"
            return f"{PREFIX}{what} incomplete: {reason}"
    return float(sum(v for v in values if v is not None))


def _fill(rows: int, cols: int, message: str) -> list[list[Any]]:
    """A block of the expected shape that holds the message in every cell."""
    return [[message] * max(cols, 1) for _ in range(max(rows, 1))]


# ------------------------------------------------------------ single-cell functions
@xw.func
@excel_safe
def wmo_forecast(wijk, year, category=None):  # no annotations: see module docstring
    """Wmo-clienten van een wijk of gemeente in een jaar (waargenomen CBS-waarde of prognose).

    wijk: wijkcode (WK051802) of gemeentecode (GM0518); year: jaartal; category: totaal (standaard), hbh, ondersteuning_thuis, hulpmiddelen of verblijf (wat het model heeft; landelijk model: totaal en hbh).
    """
    from ..forecast import forecast

    return forecast(_one(wijk, "wijk"), _one(year, "year"), _optional(category, "totaal"), model=_model())


@xw.func
@excel_safe
def wmo_forecast_table(wijken, years, category=None):  # no annotations: see module docstring
    """Raster wijken x jaren met Wmo-clienten in een aanroep (dynamische matrix).

    wijken: kolom of rij met wijk- of gemeentecodes; years: rij of kolom met jaartallen; category: totaal, hbh, ondersteuning_thuis, hulpmiddelen of verblijf (wat het model heeft; landelijk model: totaal en hbh).
    """
    import numpy as np

    from ..codes import is_gemeente
    from ..forecast import forecast, forecast_table
    from ..schemas import years_query

    codes, year_cells = _trimmed(vector(wijken, "wijken")), _trimmed(vector(years, "years"))
    if not codes or not year_cells:
        raise _Missing("wijken/years")
    check_years_count(year_cells)
    check_grid(len(codes), len(year_cells))
    model = _model()
    q = years_query([y for y in year_cells if y is not None], _optional(category, "totaal"))
    # blank cells among the codes or years keep their place as an empty row or column, so
    # cell (i, j) is always the forecast of code i in year j (blanks after the last code or
    # year are dropped: a range reaching below a spilled list of wijken shifts nothing)
    rows = [i for i, c in enumerate(codes) if c is not None]
    cols = [j for j, y in enumerate(year_cells) if y is not None]
    # a grid column before the category's first data year (HbH starts in 2017) stays empty,
    # so switching the Forecast sheet to hbh does not turn the whole grid into one message
    first, _, _ = _reach(model, q.category)
    shown = [(j, y) for j, y in zip(cols, q.years) if y >= first]
    grid = np.full((len(codes), len(year_cells)), np.nan)
    if shown:
        table = forecast_table([codes[i] for i in rows], [y for _, y in shown], q.category, model=model)
        values = table["clients"].to_numpy(dtype=float).reshape(len(rows), len(shown))
        grid[np.ix_(rows, [j for j, _ in shown])] = values
    out: list[list[Any]] = np.where(np.isnan(grid), None, grid).tolist()
    # a gemeente's past year with too many wijken without a CBS value: the reason, not a blank
    for i, code in zip(rows, table["wijk"].iloc[::len(shown)] if shown else []):
        if not is_gemeente(code):
            continue
        for j, y in shown:
            if out[i][j] is None:
                try:
                    forecast(code, y, q.category, model=model)
                except WmoError as exc:
                    out[i][j] = _message(exc)
    return out


def _trimmed(cells: list[Any]) -> list[Any]:
    """Cells up to the last non-blank one."""
    n = len(cells)
    while n and cells[n - 1] is None:
        n -= 1
    return cells[:n]


@xw.func
@excel_safe
def wmo_range(wijk, year, category=None):  # no annotations: see module docstring
    """Ondergrens en bovengrens (80%-interval) van de prognose, als 1 x 2 (twee cellen naast elkaar)."""
    from ..forecast import forecast_interval

    lower, upper = forecast_interval(_one(wijk, "wijk"), _one(year, "year"), _optional(category, "totaal"), model=_model())
    return [[lower, upper]]


@xw.func
@xw.arg("menu", ndim=2)
@xw.arg("indexatie", ndim=2)
@excel_safe
def wmo_cost(service, clients, menu, year=None, indexatie=None):  # no annotations: see module docstring
    """Kosten in euro per jaar van een dienst van de menukaart voor een aantal clienten.

    service: dienst (bv. hbh_zin); clients: clienten van de categorie; menu: het bereik Menukaart met kopregel; year: jaar voor indexatie (leeg = prijsjaar); indexatie: het bereik WmoIndexatie (blad Indexatie) voor diensten met indexatie vng (leeg = de meegeleverde VNG-reeks, zonder uw wijzigingen).
    """
    from ..costs import cost

    dienst = _one(service, "service")
    n = parse_count(_one(clients, "clients"), "clients")
    if menu is None or not _flat(menu):
        raise WmoError("menukaart is empty: pass the Menukaart range with its header row")
    row = _menu(_rows(menu)).get(dienst)
    return cost(row, n, _year_or_none(year), _series(indexatie))


@xw.func
@xw.arg("menu", ndim=2)
@xw.arg("scenario", ndim=2)
@xw.arg("indexatie", ndim=2)
@excel_safe
def wmo_cost_scenario(service, clients, menu, year, scenario, indexatie=None):  # no annotations: see module docstring
    """Kosten in euro van een dienst in een scenario (parameters: 2 kolommen, naam en waarde; indexatie: het bereik WmoIndexatie, leeg = meegeleverde VNG-reeks)."""
    from ..costs import scenario_cost

    dienst = _one(service, "service")
    n = parse_count(_one(clients, "clients"), "clients")
    y = parse_cost_year(_one(year, "year"))
    if menu is None or not _flat(menu):
        raise WmoError("menukaart is empty: pass the Menukaart range with its header row")
    row = _menu(_rows(menu)).get(dienst)
    return scenario_cost(row, n, y, _scenario(scenario), _series(indexatie))


def _menu(rows: list[list[Any]]) -> Any:
    """The menukaart of a range; an error names the cell as Excel shows it when the range is
    the workbook's Menukaart name (looked up only then), else the row under the header."""
    from ..menukaart import TableOrigin, menu_from_rows

    try:
        return menu_from_rows(rows)
    except WmoError:
        where = _menu_origin(rows)
        if where is None:
            raise
        return menu_from_rows(rows, origin=TableOrigin(where[0], header_row=where[1], first_col=where[2]))


@xw.func
@excel_safe
def wmo_wijken(gemeente):  # no annotations: see module docstring
    """De wijkcodes van een gemeente die het model kent, als kolom; met de wijknaam ernaast als het model namen kent (na wmo-xl refresh)."""
    from ..wijken import wijk_names, wijken_of

    model = _model()
    codes = wijken_of(_one(gemeente, "gemeente"), model=model)
    names = wijk_names(model)
    if not names:  # the bundled model has no names: one column, as before
        return [[w] for w in codes]
    return [[w, names.get(w, "")] for w in codes]


@xw.func
@excel_safe
def wmo_clients(gemeente, year, categorie):  # no annotations: see module docstring
    """Clienten van een kostencategorie (hbh, begeleiding, dagbesteding, hulpmiddelen, vervoer, wonen) in een gemeente en jaar: uit de modelprognose van hbh, ondersteuning_thuis of hulpmiddelen als het model die heeft, anders totaal x aandeel."""
    from ..costs import category_clients
    from ..schemas import query

    cat = _one(categorie, "categorie")  # normalised by the core ('HBH', 'Hulp bij het huishouden' -> hbh)
    q = query(_one(gemeente, "gemeente"), _one(year, "year"))
    table = category_clients(q.code, [q.year], model=_model(), categories=[cat])
    return float(table["clienten"].iloc[0])


def _series(values: Any) -> Any:
    """The Indexatie sheet's range (header jaar, ..., gewogen) -> the VNG series; None or an
    empty range: the shipped series (wmo_xl/data/indexatie.csv)."""
    from ..indexatie import series_from_rows

    if values is None or not _flat(values):
        return None
    return series_from_rows(_rows(values), "Indexatie")


def _scenario(values: Any) -> Any:
    """A 2-column range (parameter, waarde) -> Scenario; empty values keep the base.

    A one-column range, a parameter named twice or TRUE/FALSE as a value are refused
    (wmo_xl.costs.scenario_from_rows)."""
    from ..costs import scenario_from_rows

    return scenario_from_rows(_rows(values) if values is not None else [], "scenario")


# ------------------------------------------------------------------ block functions
@xw.func
@excel_safe
def wmo_model_info(stamp=None):  # no annotations: see module docstring
    """Tabel met het actieve model: welk model deze werkmap gebruikt, versie, trainingsjaren, bron, backtest-WAPE.

    stamp: de cel die de knoppen na hertrainen of terugzetten bijwerken (zo rekent deze tabel opnieuw).
    """
    from ..modelinfo import model_info_rows

    choice = workbook_model()
    rows = model_info_rows(get_bundle(choice.path), status=choice.status, detail=choice.detail)
    _, last, _ = _reach(choice.path)
    rows.insert(1, ["Laatste CBS-waarneming", last])
    return rows


FORECAST_HEAD = ["Gemeente totaal", "Ondergrens (80%)", "Bovengrens (80%)"]


@xw.func
@excel_safe
def wmo_forecast_sheet(gemeente, years, category=None, stamp=None):  # no annotations: see module docstring
    """Het hele Forecast-blad in een aanroep: gemeentetotaal, 80%-grenzen, jaren na de laatste waarneming, status, en per wijk de clienten.

    gemeente: gemeentecode (GM0518); years: rij met jaartallen; category: totaal, hbh, ondersteuning_thuis, hulpmiddelen of verblijf (wat het model heeft; landelijk model: totaal en hbh); stamp: modelstempel (zie WMO_MODEL_INFO).
    """
    from ..forecast import forecast, forecast_interval, forecast_table
    from ..schemas import years_query
    from ..wijken import wijken_of

    code = _one(gemeente, "gemeente")
    q = years_query(_years(years), _optional(category, "totaal"))
    choice = workbook_model()  # one look-up per block: the figures and the model line agree
    model = choice.path
    wijken = wijken_of(code, q.category, model=model)
    first, last, _ = _reach(model, q.category)
    head: list[list[Any]] = [[label] for label in FORECAST_HEAD]
    head.append([f"Jaren na laatste waarneming ({last})"])
    head.append(["Status"])
    grid: list[list[Any]] = [[w] for w in wijken]
    for y in q.years:
        try:
            if y < first:  # before the category's first data year (HbH: 2017): empty, not an error
                col: list[Any] = [None] * (3 + len(wijken))
            else:
                values = forecast_table(wijken, [y], q.category, model=model)["clients"].tolist()
                cells = [None if v != v else float(v) for v in values]
                try:
                    lo, hi = forecast_interval(code, y, q.category, model=model)
                    col = [forecast(code, y, q.category, model=model), lo, hi] + cells
                except WmoError as exc:  # e.g. an incomplete past year: the wijken stay, the total says why
                    col = [_message(exc)] * 3 + cells
                col[:3] = [v if isinstance(v, str) or v == v else None for v in col[:3]]
        except WmoError as exc:
            col = [_message(exc)] * (3 + len(wijken))
        for i in range(3):
            head[i].append(col[i])
        head[3].append(max(0, y - last))
        head[4].append(year_status(y, last))
        for i, row in enumerate(grid):
            row.append(col[3 + i])
    header = [["Wijk", *q.years]]
    return head + [[_header_line(choice, code, q.category, model)] + [None] * len(q.years)] + header + grid


def map_note(code: Any) -> str | None:
    """The block header's line for an old gemeente code (or a wijk of one): what became of it
    (``Let op: GM0457 Weesp hoort sinds 2022 bij GM0363 Amsterdam``); None for today's codes."""
    from ..gemeenten import notes_for

    notes = notes_for([str(code)], dutch=True) if isinstance(code, str) else []
    return f"Let op: {notes[0]}" if notes else None


#: Row of each block that carries its model line (first cell only; the rest of the row stays empty).
FORECAST_MODEL_ROW = 5
BUDGET_MODEL_ROW = 3


def _model_line(choice: ModelChoice) -> str:
    """'Model: ...' for the calling workbook: which model answers, and why (Dutch). The
    national model named by WMO_XL_MODEL (e.g. a refreshed one) is named by its folder."""
    from ..modelinfo import bundle_status, model_line

    if choice.path is None and choice.status == NATIONAL:
        return model_line(bundle_status(get_bundle(None)))
    return model_line(choice.status)


def _estimate_label(code: Any, category: str, model: Path | None) -> str | None:
    """The block header's label of a figure estimated from demographics (None: counted by CBS)."""
    from ..forecast import estimate_note

    try:
        return estimate_note(str(code), model, category)
    except WmoError:
        return None


def _header_line(choice: ModelChoice, code: Any, category: str, model: Path | None) -> str:
    """The block's header line: what became of an old code, whether the figures are a
    demographic estimate, then the model (one cell, Dutch)."""
    parts = [map_note(code), _estimate_label(code, category, model), _model_line(choice)]
    return " - ".join(p for p in parts if p)


BUDGET_LABELS = {"basis": "Basis (EUR)", "scenario": "Scenario (EUR)", "verschil": "Verschil scenario - basis (EUR)"}


@dataclass
class _MenuLine:
    """One menukaart row as the Budget block sees it: parsed, or the reason it is not."""

    dienst: str
    categorie: str
    row: Any = None
    error: str | None = None


def _menu_lines(menu: Any) -> list[_MenuLine]:
    """Every menukaart row until the first empty one, each parsed on its own, so one bad
    price fails only its own service (and every total that contains it)."""
    from ..menukaart import TableOrigin, menu_from_rows, menu_header, nothing_below

    rows = _rows(menu)
    if not rows or not _flat(rows[:1]):
        raise WmoError("menukaart is empty: pass the Menukaart range with its header row")
    header = menu_header(rows[0])  # the header only (lacking columns, a column twice): a bad first row fails its own service
    pos_d, pos_c = header.index("dienst"), header.index("categorie")
    lines: list[_MenuLine] = []
    seen: set[str] = set()
    for i, raw in enumerate(rows[1:], start=1):
        if all(_empty(v) for v in raw):
            nothing_below(rows, i, "menukaart")  # a service below an empty row would be silently unread
            break
        cells = list(raw) + [None] * (len(header) - len(raw))
        name = "" if _empty(cells[pos_d]) else str(cells[pos_d]).strip()
        cat = "" if _empty(cells[pos_c]) else str(cells[pos_c]).strip().lower()
        line = _MenuLine(name or f"(rij {i})", cat)
        try:
            line.row = menu_from_rows([rows[0], cells], origin=TableOrigin(skip=i - 1)).rows[0]
            line.dienst, line.categorie = line.row.dienst, line.row.categorie
            if line.dienst.lower() in seen:
                raise WmoError(f"service {line.dienst!r} appears twice")
            seen.add(line.dienst.lower())
        except WmoError as exc:
            where = _menu_origin(rows)  # only on an error: where the range lies, as Excel names its cells
            if where is not None and line.row is None:
                try:
                    menu_from_rows([rows[0], cells], origin=TableOrigin(where[0], header_row=where[1], first_col=where[2], skip=i - 1))
                except WmoError as located:
                    exc = located
            line.error = f"{PREFIX}{exc}"
        lines.append(line)
    if not lines:
        raise WmoError("menukaart has a header but no rows")
    return lines


def _menu_origin(rows: list[list[Any]]) -> tuple[str, int, int] | None:
    """Sheet, header row and first column of the workbook's Menukaart name, when the range
    passed has its shape (so it is that range); None outside Excel or for another range."""
    from . import contract

    book = _caller_book()
    if book is None:
        return None
    try:
        rng = book.names[contract.MENU_NAME].refers_to_range
        if rng.shape != (len(rows), max(len(r) for r in rows)):
            return None
        return str(rng.sheet.name), int(rng.row), int(rng.column)
    except Exception:  # no such name, or an Excel without these calls: the row number instead
        return None


@xw.func
@xw.arg("menu", ndim=2)
@xw.arg("scenario", ndim=2)
@xw.arg("indexatie", ndim=2)
@excel_safe
def wmo_budget(gemeente, years, menu, scenario=None, stamp=None, indexatie=None):  # no annotations: see module docstring
    """Het hele Budget-blad in een aanroep: clienten per categorie en kosten per dienst x jaar (basis, scenario, verschil), subtotalen, totaal en de 80%-bandbreedte in euro.

    gemeente: gemeentecode; years: rij met begrotingsjaren (lege cellen tellen niet); menu: het bereik Menukaart met kopregel; scenario: 2 kolommen (naam, waarde); stamp: modelstempel; indexatie: het bereik WmoIndexatie (blad Indexatie; leeg = meegeleverde VNG-reeks).
    """
    from ..menukaart import load_category_shares

    cats = list(load_category_shares())
    height, width = _budget_shape(years, menu, cats)
    try:
        year_list = _years(years)
        lines = _menu_lines(menu)
        order = cats + sorted({ln.categorie for ln in lines} - set(cats))
        return _budget_block(_one(gemeente, "gemeente"), year_list, lines, order, cats, scenario, 2 + 3 * len(year_list) + 2,
                             indexatie)
    except Exception as exc:  # the whole block fails: every cell says why (no number survives)
        return _fill(height, width, _message(exc))


def _budget_shape(years: Any, menu: Any, cats: list[str]) -> tuple[int, int]:
    """Rows and columns the block has, from the raw cells (never raises), so that a block
    that fails as a whole still covers every cell it would have filled."""
    n = max(1, len(_flat(years)))
    rows = _rows(menu) if menu is not None else []
    header = [str(h).strip().lower() for h in rows[0]] if rows else []
    col = header.index("categorie") if "categorie" in header else 2
    services: list[str] = []
    for raw in rows[1:]:
        if all(_empty(v) for v in raw):
            break
        services.append(str(raw[col]).strip().lower() if len(raw) > col and not _empty(raw[col]) else "")
    groups = len(set(services)) if services else 1
    return 3 + 1 + 1 + len(cats) + 1 + 1 + max(1, len(services)) + groups + 1 + 2, 2 + 3 * n + 2


def _budget_block(code: Any, years: list[int], lines: list[_MenuLine], order: list[str], cats: list[str],
                  scenario_range: Any, width: int, index_range: Any = None) -> list[list[Any]]:
    from ..costs import category_clients, cost, scenario_cost
    from ..forecast import forecast, forecast_interval
    from ..schemas import query

    scen = _scenario(scenario_range)
    try:  # a bad Indexatie sheet fails the services indexed by it (and their totals), not the flat-rate ones
        series = _series(index_range)
    except WmoError as exc:
        series = _message(exc)
    choice = workbook_model()  # one look-up per block: the figures and the model line agree
    model = choice.path
    _, last, _ = _reach(model)
    n = len(years)

    def row3(label: str, second: Any, parts: dict[str, list[Any]]) -> list[Any]:
        out: list[Any] = [label, second]
        for k, key in enumerate(("basis", "scenario", "verschil")):
            out += parts.get(key, [None] * n)
            if k < 2:
                out.append(None)
        return out

    block: list[list[Any]] = [row3("Jaar", None, {k: list(years) for k in BUDGET_LABELS})]
    beyond = [max(0, y - last) for y in years]
    block.append(row3(f"Jaren na laatste waarneming ({last})", None, {k: beyond for k in BUDGET_LABELS}))
    block.append(row3("Status", None, {k: [year_status(y, last) for y in years] for k in BUDGET_LABELS}))

    # clients per category and year; a year the model cannot reach is a message in its column
    clients: dict[tuple[str, int], Any] = {}
    factor: dict[int, tuple[Any, Any]] = {}
    for y in years:
        try:
            q = query(code, y)
            table = category_clients(q.code, [y], model=model).set_index("categorie")["clienten"]
            lo, hi = forecast_interval(q.code, y, model=model)
            mean = forecast(q.code, y, model=model)
            for c in cats:
                clients[(c, y)] = float(table[c])
            factor[y] = (lo / mean, hi / mean) if mean else (1.0, 1.0)
        except WmoError as exc:
            for c in cats:
                clients[(c, y)] = _message(exc)
            factor[y] = (_message(exc), _message(exc))
    block.append([_header_line(choice, code, "totaal", model)] + [None] * (width - 1))
    block.append(row3("Clienten per categorie", None, {}))
    sources = _sources(code, model)
    for c in cats:
        base = [clients[(c, y)] for y in years]
        alt = [v if is_message(v) else v * scen.client_factor(c, y) for v, y in zip(base, years)]
        diff = [_minus(a, b) for a, b in zip(alt, base)]
        # the second column says where the figure comes from (only beside a number)
        source = (f"model {sources[c]}" if sources.get(c) else "aandeel totaal") if any(not is_message(v) for v in base) else None
        block.append(row3(c, source, {"basis": base, "scenario": alt, "verschil": diff}))
    block.append([None] * width)
    labels = dict(BUDGET_LABELS)
    if scen.naam not in ("scenario", "basis"):  # the scenario's name is shown, not taken and dropped
        labels["scenario"] = f"Scenario: {scen.naam[:60]} (EUR)"
    block.append(row3("Dienst", "Categorie", {k: [v] + [None] * (n - 1) for k, v in labels.items()}))

    totals: dict[str, list[list[Any]]] = {"basis": [[] for _ in years], "scenario": [[] for _ in years]}
    for cat in order:
        group = [ln for ln in lines if ln.categorie == cat]
        if not group:
            continue
        sub: dict[str, list[list[Any]]] = {"basis": [[] for _ in years], "scenario": [[] for _ in years]}
        for ln in group:
            parts: dict[str, list[Any]] = {"basis": [], "scenario": []}
            for j, y in enumerate(years):
                for key in ("basis", "scenario"):
                    parts[key].append(_line_cost(ln, clients, cats, y, scen, key, cost, scenario_cost, series))
                    sub[key][j].append(parts[key][-1])
            parts["verschil"] = [_minus(a, b) for a, b in zip(parts["scenario"], parts["basis"])]
            block.append(row3(ln.dienst, ln.categorie, parts))
        subtotal = {key: [poisoned_sum(v, f"subtotal {cat}") for v in sub[key]] for key in sub}
        subtotal["verschil"] = [_minus(a, b) for a, b in zip(subtotal["scenario"], subtotal["basis"])]
        block.append(row3(f"Subtotaal {cat}", None, subtotal))
        for key in totals:
            for j in range(n):
                totals[key][j].append(subtotal[key][j])
    total = {key: [poisoned_sum(v, "total") for v in totals[key]] for key in totals}
    total["verschil"] = [_minus(a, b) for a, b in zip(total["scenario"], total["basis"])]
    block.append(row3("Totaal Wmo", None, total))
    for label, k in (("Totaal ondergrens 80% (EUR)", 0), ("Totaal bovengrens 80% (EUR)", 1)):
        parts = {key: [_times(t, factor[y][k]) for t, y in zip(total[key], years)] for key in ("basis", "scenario")}
        block.append(row3(label, None, parts))
    return block


def _sources(code: Any, model: Path | None) -> dict[str, str]:
    """Per cost category the model category its clients come from ("" = share of the total);
    empty for a code the core refuses (its rows carry the message instead)."""
    from ..costs import category_sources

    try:
        return category_sources(code, model=model)
    except WmoError:
        return {}


def _line_cost(ln: _MenuLine, clients: dict[tuple[str, int], Any], cats: list[str], year: int, scen: Any, key: str,
               cost: Callable[..., float], scenario_cost: Callable[..., float], series: Any = None) -> Any:
    """One service's euros in one year, or the message why not."""
    if ln.error:
        return ln.error
    if is_message(series) and (ln.row.indexatie == "vng" and not (key == "scenario" and scen.indexatie is not None)):
        return series
    if ln.categorie not in cats:
        return f"{PREFIX}menukaart service {ln.dienst!r} has category {ln.categorie!r} without a client share: known are {', '.join(cats)}"
    c = clients[(ln.categorie, year)]
    if is_message(c):
        return c
    try:
        index = None if is_message(series) else series
        return cost(ln.row, c, year, index) if key == "basis" else scenario_cost(ln.row, c, year, scen, index)
    except WmoError as exc:
        return _message(exc)


def _minus(a: Any, b: Any) -> Any:
    if is_message(a):
        return a
    if is_message(b):
        return b
    return None if a is None or b is None else a - b


def _times(a: Any, b: Any) -> Any:
    if is_message(a):
        return a
    if is_message(b):
        return b
    return a * b


# ------------------------------------------------ realisation and euros per wijk (issue 19)
#: Fixed block sizes (padded with empty cells): a spilled block keeps one shape, so a dienst more
#: or a gemeente with more wijken never turns the stored spill range into #VALUE! / #SPILL!.
REALISATIE_ROWS = 1 + 60 + 20  # header, the Menukaart name's 60 rows, 19 diensten not on it and Totaal
WIJKEN_ROWS = 2 + 121  # header, Totaal gemeente, 120 wijken and 'zonder wijkcijfer'
WIJKEN_COLS = 2 + 5  # wijk, naam and the Budget sheet's five year cells


def _padded(block: list[list[Any]], rows: int, cols: int) -> list[list[Any]]:
    """The block with empty cells up to rows x cols (never cut: a larger block stays whole)."""
    width = max(cols, max(len(r) for r in block))
    out = [list(r) + [None] * (width - len(r)) for r in block]
    return out + [[None] * width for _ in range(rows - len(out))]


REALISATIE_HEAD = ["Dienst", "Begroot", "Gerealiseerd", "Perioden", "Prognose jaareinde", "Verschil", "Verschil %", "Signaal",
                   "Toelichting"]


@xw.func
@xw.arg("menu", ndim=2)
@xw.arg("scenario", ndim=2)
@xw.arg("realisatie", ndim=2)
@xw.arg("profiel", ndim=2)
@xw.arg("indexatie", ndim=2)
def wmo_realisatie(gemeente, jaar, menu, scenario, begroting, realisatie, profiel=None, drempel_euro=None, drempel_pct=None,
                   stamp=None, indexatie=None):  # no annotations: see module docstring
    """Het hele Realisatie-blad in een aanroep: per dienst en totaal begroot, gerealiseerd, perioden, prognose jaareinde, verschil, verschil % en signaal (groen/oranje/rood).

    gemeente: gemeentecode; jaar: begrotingsjaar; menu: het bereik Menukaart; scenario: 2 kolommen (naam, waarde); begroting: basis of scenario; realisatie: dienst, periode, bedrag met kopregel; profiel: idem, vorig jaar (leeg = lineair); drempel_euro, drempel_pct: drempels voor oranje (rood = twee keer); stamp: modelstempel; indexatie: het bereik van blad Indexatie (leeg = de meegeleverde VNG-reeks), zodat begroot gelijk is aan blad Budget.
    """
    try:
        block = _realisatie_block(gemeente, jaar, menu, scenario, begroting, realisatie, profiel, drempel_euro, drempel_pct, indexatie)
    except Exception as exc:  # the whole block fails: every cell says why (no number survives)
        return _fill(REALISATIE_ROWS, len(REALISATIE_HEAD), _message(exc))
    return _padded(block, REALISATIE_ROWS, len(REALISATIE_HEAD))


def _realisatie_block(gemeente: Any, jaar: Any, menu: Any, scenario: Any, begroting: Any, realisatie: Any, profiel: Any,
                      drempel_euro: Any, drempel_pct: Any, indexatie: Any = None) -> list[list[Any]]:
    """The rows of WMO_REALISATIE (header first), or an exception for the whole block."""
    from ..inputs import parse_cost_year
    from ..menukaart import menu_from_rows
    from ..realisatie import drempels, realisatie as run, realisatie_from_rows

    code = _one(gemeente, "gemeente")
    year = parse_cost_year(_one(jaar, "jaar"), "jaar")
    keuze = str(_optional(begroting, "basis", "begroting")).strip().lower()
    if keuze not in ("basis", "scenario"):
        raise WmoError(f"begroting {keuze!r}: accepted are basis, scenario")
    if menu is None or not _flat(menu):
        raise WmoError("menukaart is empty: pass the Menukaart range with its header row")
    real = realisatie_from_rows(_rows(realisatie) if realisatie is not None else [], source="realisatie", jaar=year,
                                allow_empty=True)
    prof = realisatie_from_rows(_rows(profiel), source="profiel", allow_empty=True) if profiel is not None else None
    scen = _scenario(scenario) if keuze == "scenario" else None
    rows = run(code, year, real, menu=menu_from_rows(_rows(menu)), scenario=scen,
               profiel=prof, drempel=drempels(_optional(drempel_euro, None, "drempel_euro"),
                                              _optional(drempel_pct, None, "drempel_pct")), model=_model(),
               index=_series(indexatie))
    out: list[list[Any]] = [list(REALISATIE_HEAD)]
    for r in rows:
        pct = None if r.verschil_pct != r.verschil_pct else r.verschil_pct / 100.0
        out.append([r.dienst, r.begroot, r.gerealiseerd, r.perioden, r.prognose, r.verschil, pct, r.signaal, r.toelichting])
    return out


@xw.func
@xw.arg("menu", ndim=2)
@xw.arg("indexatie", ndim=2)
def wmo_wijken_budget(gemeente, years, menu, stamp=None, indexatie=None):  # no annotations: see module docstring
    """Het Wijken-blad in een aanroep: de basisbegroting per wijk en jaar in euro (aandeel van de wijk in de Wmo-clienten x begroting), gesorteerd op het eerste jaar, met het gemeentetotaal.

    gemeente: gemeentecode; years: rij met begrotingsjaren (lege cellen tellen niet); menu: het bereik Menukaart; stamp: modelstempel; indexatie: het bereik van blad Indexatie (leeg = de meegeleverde VNG-reeks).
    """
    try:
        block = _wijken_block(gemeente, years, menu, indexatie)
    except Exception as exc:  # the whole block fails: every cell says why
        return _fill(WIJKEN_ROWS, WIJKEN_COLS, _message(exc))
    return _padded(block, WIJKEN_ROWS, WIJKEN_COLS)


def _wijken_block(gemeente: Any, years: Any, menu: Any, indexatie: Any = None) -> list[list[Any]]:
    from ..menukaart import menu_from_rows
    from ..wijkbudget import per_wijk, wide

    year_list = _years(years)
    if menu is None or not _flat(menu):
        raise WmoError("menukaart is empty: pass the Menukaart range with its header row")
    table = per_wijk(_one(gemeente, "gemeente"), year_list, menu_from_rows(_rows(menu)), model=_model(), index=_series(indexatie))
    grid = wide(table)
    totals = table.groupby("jaar")["euro"].sum()
    out: list[list[Any]] = [["Wijk", "Naam", *year_list], ["Totaal gemeente", None, *[float(totals[y]) for y in year_list]]]
    for r in grid.itertuples(index=False):
        values = [float(v) if v == v else None for v in r[2:]]
        out.append([r[0] or None, r[1] or None, *values])
    return out
