"""Excel functions (xlwings UDFs): cells in, core calls, Excel-friendly values out.

This is the thin Excel layer: no logic lives here. Arguments may arrive as a scalar, a 1-D
list (a row or column) or a 2-D list (a block), and empty cells as None. Bad input gives a
cell text starting with ``#WMO!`` that says what is wrong and what is accepted; an empty
required cell gives ``#N/A``; never a traceback, never a silent 0.

Each function takes the reserved xlwings argument ``caller`` (the calling range, hidden in
Excel) to find a workbook's own retrained model; called from Python it is simply None.

The Excel functions carry no type annotations on purpose: xlwings reads a parameter's
annotation as its converter, and ``Any`` is no converter (tests/test_udf_wrappers.py).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import xlwings as xw

from .bundle import ModelChoice, get_bundle, which_model
from .errors import WmoError
from .inputs import check_grid, check_years_count, one_cell, parse_cost_year, parse_count, vector

NA = "#N/A"
PREFIX = "#WMO! "
F = TypeVar("F", bound=Callable[..., Any])


class _Missing(Exception):
    """A required cell is empty."""


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
    """A single cell's value; #N/A when empty, #WMO! for a range (even one with blanks)."""
    v = one_cell(value, name)
    if v is None:
        raise _Missing(name)
    return v


def _optional(value: Any, default: Any, name: str = "category") -> Any:
    """An optional single cell: the default when empty; a range of several cells is refused."""
    v = one_cell(value, name)
    return default if v is None else v


def _workbook_choice(caller: Any) -> ModelChoice:
    """The calling workbook's model (its own trusted bundle, or None for the active model) and status."""
    try:
        name = None if caller is None else caller.sheet.book.fullname
    except Exception:  # no COM access (e.g. a test double): fall back to the active model
        name = None
    return which_model(name)


def _workbook_model(caller: Any) -> Any:
    """Path of the calling workbook's retrained bundle, or None for the active model."""
    return _workbook_choice(caller).path


def excel_safe(func: F) -> F:
    """Turn core errors into cell values: WmoError -> '#WMO! ...', empty input -> '#N/A'."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _Missing:
            return NA
        except WmoError as exc:
            return PREFIX + str(exc)
        except Exception as exc:  # a bug must still not show a traceback in a cell
            return f"{PREFIX}internal error ({type(exc).__name__}): {exc}"

    return wrapper  # type: ignore[return-value]


@xw.func
@excel_safe
def wmo_forecast(wijk, year, category=None, caller=None):  # no annotations: see module docstring
    """Wmo-clienten van een wijk of gemeente in een jaar (waargenomen CBS-waarde of prognose).

    wijk: wijkcode (WK051802) of gemeentecode (GM0518); year: jaartal; category: totaal (standaard) of hbh.
    """
    from .forecast import forecast

    return forecast(_one(wijk, "wijk"), _one(year, "year"), _optional(category, "totaal"), model=_workbook_model(caller))


@xw.func
@excel_safe
def wmo_forecast_table(wijken, years, category=None, caller=None):  # no annotations: see module docstring
    """Raster wijken x jaren met Wmo-clienten in een aanroep (dynamische matrix).

    wijken: kolom of rij met wijk- of gemeentecodes; years: rij of kolom met jaartallen; category: totaal of hbh.
    """
    from .forecast import forecast_table
    from .schemas import years_query

    codes, year_cells = _trimmed(vector(wijken, "wijken")), _trimmed(vector(years, "years"))
    if not codes or not year_cells:
        raise _Missing("wijken/years")
    check_years_count(year_cells)
    check_grid(len(codes), len(year_cells))
    model = _workbook_model(caller)
    q = years_query([y for y in year_cells if y is not None], _optional(category, "totaal"))
    # blank cells among the codes or years keep their place as an empty row or column, so
    # cell (i, j) is always the forecast of code i in year j (blanks after the last code or
    # year are dropped: a range reaching below a spilled list of wijken shifts nothing)
    rows = [i for i, c in enumerate(codes) if c is not None]
    cols = [j for j, y in enumerate(year_cells) if y is not None]
    # a grid column before the category's first data year (HbH starts in 2017) stays empty,
    # so switching the Forecast sheet to hbh does not turn the whole grid into one message
    first = get_bundle(model).model(q.category).first_year
    shown = [(j, y) for j, y in zip(cols, q.years) if y >= first]
    grid = np.full((len(codes), len(year_cells)), np.nan)
    if shown:
        table = forecast_table([codes[i] for i in rows], [y for _, y in shown], q.category, model=model)
        values = table["clients"].to_numpy(dtype=float).reshape(len(rows), len(shown))
        grid[np.ix_(rows, [j for j, _ in shown])] = values
    return np.where(np.isnan(grid), None, grid).tolist()


@xw.func
@excel_safe
def wmo_range(wijk, year, category=None, caller=None):  # no annotations: see module docstring
    """Ondergrens en bovengrens (80%-interval) van de prognose, als 1 x 2 (twee cellen naast elkaar)."""
    from .forecast import forecast_interval

    lower, upper = forecast_interval(_one(wijk, "wijk"), _one(year, "year"), _optional(category, "totaal"), model=_workbook_model(caller))
    return [[lower, upper]]


@xw.func
@xw.arg("menu", ndim=2)
@excel_safe
def wmo_cost(service, clients, menu, year=None):  # no annotations: see module docstring
    """Kosten in euro per jaar van een dienst van de menukaart voor een aantal clienten.

    service: dienst (bv. hbh_zin); clients: clienten van de categorie; menu: het bereik Menukaart met kopregel; year: jaar voor indexatie (leeg = prijsjaar).
    """
    from .costs import cost
    from .menukaart import menu_from_rows

    dienst = _one(service, "service")
    n = parse_count(_one(clients, "clients"), "clients")
    if menu is None or (isinstance(menu, (list, tuple)) and not _flat(menu)):
        raise WmoError("menukaart is empty: pass the Menukaart range with its header row")
    rows = menu if isinstance(menu, (list, tuple)) and menu and isinstance(menu[0], (list, tuple)) else [menu]
    row = menu_from_rows(rows).get(dienst)
    y = _optional(year, None, "year")
    return cost(row, n, None if y is None else parse_cost_year(y))


@xw.func
@excel_safe
def wmo_wijken(gemeente, caller=None):  # no annotations: see module docstring
    """De wijkcodes van een gemeente die het model kent, als kolom."""
    from .wijken import wijken_of

    return [[w] for w in wijken_of(_one(gemeente, "gemeente"), model=_workbook_model(caller))]


@xw.func
@excel_safe
def wmo_model_info(caller=None):  # no annotations: see module docstring
    """Tabel met het actieve model: soort (landelijk of eigen hertraind), versie, trainingsjaren, bron, backtest-WAPE."""
    from .modelinfo import model_info_rows

    choice = _workbook_choice(caller)
    return model_info_rows(get_bundle(choice.path), status=choice.status)


def _trimmed(cells: list[Any]) -> list[Any]:
    """Cells up to the last non-blank one."""
    n = len(cells)
    while n and cells[n - 1] is None:
        n -= 1
    return cells[:n]


def _scenario(values: Any) -> Any:
    """A 2-column range (parameter, waarde) -> Scenario; empty values keep the base."""
    from .costs import scenario_from_rows

    return scenario_from_rows(values, "scenario")


@xw.func
@excel_safe
def wmo_clients(gemeente, year, categorie, caller=None):  # no annotations: see module docstring
    """Clienten van een Wmo-categorie (hbh, begeleiding, dagbesteding, hulpmiddelen, vervoer, wonen) in een gemeente en jaar."""
    from .costs import category_clients
    from .schemas import query

    cat = _one(categorie, "categorie")
    q = query(_one(gemeente, "gemeente"), _one(year, "year"))
    table = category_clients(q.code, [q.year], model=_workbook_model(caller), categories=[cat])
    return float(table["clienten"].iloc[0])


@xw.func
@xw.arg("menu", ndim=2)
@xw.arg("scenario", ndim=2)
@excel_safe
def wmo_cost_scenario(service, clients, menu, year, scenario):  # no annotations: see module docstring
    """Kosten in euro van een dienst in een scenario (parameters: 2 kolommen, naam en waarde)."""
    from .costs import scenario_cost
    from .menukaart import menu_from_rows

    dienst = _one(service, "service")
    n = parse_count(_one(clients, "clients"), "clients")
    y = parse_cost_year(_one(year, "year"))
    if menu is None or not _flat(menu):
        raise WmoError("menukaart is empty: pass the Menukaart range with its header row")
    rows = menu if isinstance(menu, (list, tuple)) and menu and isinstance(menu[0], (list, tuple)) else [menu]
    row = menu_from_rows(rows).get(dienst)
    return scenario_cost(row, n, y, _scenario(scenario))
