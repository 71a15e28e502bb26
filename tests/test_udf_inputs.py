"""Awkward cell arguments to the Excel functions: a number, '#WMO! ...' or #N/A, never a wrong number.

The property tests draw arguments from the whole space xlwings can hand over (scalars,
None, TRUE/FALSE, floats, text, dates, 1-D and 2-D ranges with blanks) and check the result
type; the grid tests check that cell (i, j) is always the forecast of code i in year j.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wmo_xl
from wmo_xl.excel import udfs
from wmo_xl.costs import Scenario, cost, scenario_cost
from wmo_xl.menukaart import load_menu

CODES = ["WK010101", "WK020203", "GM0202", "WK030305", "GM0101"]
YEARS = [2016, 2018, 2019, 2021, 2023]


@pytest.fixture()
def menu_range() -> list[list[object]]:
    df = load_menu().to_frame()
    return [list(df.columns)] + df.astype(object).values.tolist()


def _set(menu: list[list[object]], column: str, value: object, row: int = 1) -> list[list[object]]:
    out = [list(r) for r in menu]
    out[row][out[0].index(column)] = value
    return out


# --- the silently wrong numbers of issue 11, one by one ---------------------------------


@pytest.mark.parametrize(("column", "value", "message"), [
    ("prijs", "8.000", "not certain"), ("prijs", True, "TRUE"), ("aandeel", True, "TRUE"), ("verzilveringsgraad", False, "FALSE"),
    ("prijs", "1,234.56", "not certain"), ("prijs", "1.234,56", None), ("prijs", "32,40", None), ("aandeel", "90%", None), ("categorie", "HBH", None),
    ("categorie", "Hulp bij het huishouden", None), ("categorie", "jeugd", "not a known category"),
    ("prijsjaar", True, "TRUE"), ("prijsjaar", 2023.5, "whole"), ("indexatie", "3%", None), ("prijs", dt.date(2024, 1, 1), "date"),
])
def test_menu_cells(active_bundle, menu_range, column, value, message) -> None:  # type: ignore[no-untyped-def]
    menu = _set(menu_range, column, value)
    result = udfs.wmo_cost("hbh_zin", 100, menu, 2025)
    if message is None:
        row = load_menu().rows[0]
        expected = {"prijs": {"1.234,56": 1234.56, "32,40": 32.40}, "aandeel": {"90%": 0.9}, "indexatie": {"3%": 0.03}}
        update = {column: expected[column][value]} if column in expected else {}
        assert result == pytest.approx(cost(row.model_copy(update=update), 100, 2025))
    else:
        assert isinstance(result, str) and result.startswith("#WMO! menukaart row 1 (hbh_zin), column " + column) and message in result


@pytest.mark.parametrize(("clients", "expected"), [
    (1490, 1490.0), ("1490", 1490.0), ("1.490", "not certain"), (True, "TRUE"), (-5, "negative"), (1e300, "outside"),
    (float("nan"), "#N/A"), (None, "#N/A"), ([[100, 200]], "one cell"), ([[100], [None]], "one cell"), ("", "#N/A"),
])
def test_cost_clients(menu_range, clients, expected) -> None:  # type: ignore[no-untyped-def]
    result = udfs.wmo_cost("hbh_zin", clients, menu_range, 2025)
    if isinstance(expected, float):
        assert result == pytest.approx(cost(load_menu().rows[0], expected, 2025))
    else:
        assert isinstance(result, str) and expected in result


@pytest.mark.parametrize("year", [1900, 3000, -1, 1999, 2101, True, 2025.5, "abc", [[2025, 2026]]])
def test_cost_years_refused(menu_range, year) -> None:  # type: ignore[no-untyped-def]
    for result in (udfs.wmo_cost("hbh_zin", 100, menu_range, year),
                   udfs.wmo_cost_scenario("hbh_zin", 100, menu_range, year, [["indexatie", 0.05]])):
        assert isinstance(result, str) and result.startswith("#WMO! ")


@pytest.mark.parametrize(("args", "kind"), [
    (("WK020203", [[2021, 2022]]), "one cell"), (("WK020203", [[2021, None]]), "one cell"),
    ((["WK020203", "WK020204"], 2021), "one cell"), (("WK020203", 2021, ["totaal", "hbh"]), "one cell"),
    (("WK020203", 2021, [["hbh"], [None]]), "one cell"), (("WK020203", True), "not a year"), (("WK020203", 2021.5), "whole"),
    ((True, 2021), "not text"), (("WK020203", dt.datetime(2021, 1, 1)), "not a year"),
])
def test_forecast_single_cell_arguments(active_bundle, args, kind) -> None:  # type: ignore[no-untyped-def]
    result = udfs.wmo_forecast(*args)
    assert isinstance(result, str) and result.startswith("#WMO! ") and kind in result


@pytest.mark.parametrize(("categorie", "share_of"), [("HBH", None), ("Begeleiding", "begeleiding"), ("hulp bij het huishouden", None)])
def test_clients_category_normalised(active_bundle, categorie, share_of) -> None:  # type: ignore[no-untyped-def]
    result = udfs.wmo_clients("GM0202", 2022, categorie)
    expected = udfs.wmo_clients("GM0202", 2022, share_of or "hbh")
    assert isinstance(result, float) and result == pytest.approx(expected)


# --- scenario ranges --------------------------------------------------------------------


def test_scenario_range_categories_and_parameters(menu_range) -> None:  # type: ignore[no-untyped-def]
    menu = _set(_set(menu_range, "categorie", "HBH"), "categorie", "Begeleiding", row=3)
    sc = [["hbh_extra_clienten", 0.1], ["substitutie_aandeel", 0.5]]
    hbh = udfs.wmo_cost_scenario("hbh_zin", 100, menu, 2026, sc)
    base = load_menu().rows[0]
    assert hbh == pytest.approx(scenario_cost(base, 100, 2026, Scenario(hbh_extra_clienten=0.1)))
    assert hbh == pytest.approx(cost(base, 110, 2026))
    dienst = menu[3][0]
    beg = udfs.wmo_cost_scenario(dienst, 100, menu, 2026, sc)
    assert beg == pytest.approx(cost(load_menu().get(dienst), 100, 2026) * (1 - 0.5 + 0.5 * 0.5))


@pytest.mark.parametrize(("scenario", "message"), [
    ([["indexatie", 0.03], ["indexatie", 0.05]], "appears twice"),
    ([["indexatie"], [0.05]], "one column"),
    ([["indexatie", 0.03, 0.05]], "more than one column"),
    ([["indexatie", True]], "TRUE"),
    ([["verzilveringsgraad", False]], "FALSE"),
    ([["hbh_extra_clienten", "1.000"]], "not certain"),
    ([["hbh_vanaf_jaar", 3000]], "2000-2100"),
    ([["onbekend", 1]], "unknown scenario parameter"),
    ([[None, 0.5]], "no parameter name"),
    ([["indexatie", 2]], "above 0.5"),
])
def test_bad_scenario_ranges(menu_range, scenario, message) -> None:  # type: ignore[no-untyped-def]
    result = udfs.wmo_cost_scenario("hbh_zin", 100, menu_range, 2026, scenario)
    assert isinstance(result, str) and result.startswith("#WMO! ") and message in result, result


def test_scenario_range_with_blanks_and_percent(menu_range) -> None:  # type: ignore[no-untyped-def]
    sc = [["indexatie", "5%"], [None, None], ["verzilveringsgraad", None]]
    row = load_menu().rows[0]
    assert udfs.wmo_cost_scenario("hbh_zin", 100, menu_range, 2026, sc) == pytest.approx(
        scenario_cost(row, 100, 2026, Scenario(indexatie=0.05)))


# --- the grid: cell (i, j) is code i in year j -------------------------------------------


def test_grid_with_blank_cells_keeps_positions(active_bundle) -> None:  # type: ignore[no-untyped-def]
    codes = [[None], ["WK010101"], [None], ["GM0202"], [""], ["WK030305"], [None]]
    years = [[None, 2018, None, 2023, "  "]]
    grid = udfs.wmo_forecast_table(codes, years)
    assert len(grid) == 6 and all(len(r) == 4 for r in grid)  # trailing blanks dropped, leading and inner kept
    for i, c in enumerate([None, "WK010101", None, "GM0202", None, "WK030305"]):
        for j, y in enumerate([None, 2018, None, 2023]):
            if c is None or y is None:
                assert grid[i][j] is None
            else:
                assert grid[i][j] == pytest.approx(wmo_xl.forecast(c, y))


def test_grid_refuses_blocks_and_huge_requests(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert "one row or one column" in udfs.wmo_forecast_table([["WK010101", "WK010102"], ["WK010103", "WK010104"]], [2019])
    assert "at most 60" in udfs.wmo_forecast_table(["WK010101"], list(range(2000, 2100)))
    assert udfs.wmo_forecast_table([None, ""], [2019]) == "#N/A"


codes_st = st.lists(st.one_of(st.none(), st.sampled_from(CODES)), min_size=1, max_size=6)
years_st = st.lists(st.one_of(st.none(), st.sampled_from(YEARS)), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codes=codes_st, years=years_st, as_column=st.booleans())
def test_grid_cell_i_j_is_code_i_year_j(active_bundle, codes, years, as_column) -> None:  # type: ignore[no-untyped-def]
    wijken = [[c] for c in codes] if as_column else [codes]
    grid = udfs.wmo_forecast_table(wijken, [years])
    if all(c is None for c in codes) or all(y is None for y in years):
        assert grid == "#N/A"
        return
    n = max(i for i, c in enumerate(codes) if c is not None) + 1  # blanks after the last code shift nothing
    m = max(j for j, y in enumerate(years) if y is not None) + 1
    assert isinstance(grid, list) and len(grid) == n and all(len(r) == m for r in grid)
    for i, c in enumerate(codes[:n]):
        for j, y in enumerate(years[:m]):
            if c is None or y is None:
                assert grid[i][j] is None
                continue
            try:
                expected = wmo_xl.forecast(c, y)
            except wmo_xl.WmoError as exc:  # a past year without a CBS value: empty, or the reason for a gemeente
                assert grid[i][j] is None or grid[i][j] == udfs.PREFIX + str(exc)
                continue
            assert grid[i][j] == pytest.approx(expected)


# --- the whole argument space: never an exception, never a bare Python object -----------

scalar_st = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**6, max_value=10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(CODES + ["GM9999", "WK999999", " wk010101 ", "hbh", "totaal", "HBH", "1.490",
                                                   "2021", "32,40", "#N/A"]),
    st.sampled_from(YEARS + [2021.0, 1900, 3000, -1]), st.dates().map(lambda d: dt.datetime(d.year, d.month, d.day)),
)
cell_st = st.one_of(
    scalar_st, st.lists(scalar_st, max_size=3), st.lists(st.lists(scalar_st, min_size=1, max_size=3), min_size=1, max_size=3),
)


def _ok(result: object) -> bool:
    if isinstance(result, str):
        return result == "#N/A" or (result.startswith("#WMO! ") and "internal error" not in result and "\n" not in result)
    if isinstance(result, float):
        return math.isfinite(result) and result >= 0
    if isinstance(result, list):
        return all(isinstance(r, list) and all(v is None or isinstance(v, (float, str, int)) for v in r) for r in result)
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=cell_st, b=cell_st, c=cell_st)
def test_forecast_functions_never_raise(active_bundle, a, b, c) -> None:  # type: ignore[no-untyped-def]
    for f in (udfs.wmo_forecast, udfs.wmo_range, udfs.wmo_forecast_table, udfs.wmo_clients):
        assert _ok(f(a, b, c)), (f.__name__, a, b, c, f(a, b, c))
    assert _ok(udfs.wmo_wijken(a))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(service=cell_st, clients=cell_st, year=cell_st, scenario=cell_st, column=st.sampled_from(
    ["prijs", "aandeel", "verzilveringsgraad", "eenheden_per_client_per_jaar", "prijsjaar", "indexatie", "categorie"]),
    value=scalar_st)
def test_cost_functions_never_raise(menu_range, service, clients, year, scenario, column, value) -> None:  # type: ignore[no-untyped-def]
    menu = _set(menu_range, column, value)
    for args in ((service, clients, menu, year), ("hbh_zin", clients, menu, year), ("hbh_zin", 100, menu, year)):
        assert _ok(udfs.wmo_cost(*args)), args
        assert _ok(udfs.wmo_cost_scenario(*args, scenario)), args


def _block_ok(result: object) -> bool:
    """A block: a 2-D list whose cells are numbers, labels, None or messages, but no internal error."""
    if isinstance(result, str):
        return _ok(result)
    return isinstance(result, list) and all(
        isinstance(r, list) and all(v is None or isinstance(v, (int, float)) or (isinstance(v, str) and "internal error" not in v)
                                    for v in r) for r in result)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gemeente=cell_st, years=cell_st, category=cell_st)
def test_forecast_sheet_block_never_raises(active_bundle, gemeente, years, category) -> None:  # type: ignore[no-untyped-def]
    assert _block_ok(udfs.wmo_forecast_sheet(gemeente, years, category)), (gemeente, years, category)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gemeente=st.one_of(st.sampled_from(["GM0202", "GM0101", "GM9999", "gm0303"]), cell_st),
       years=st.one_of(st.lists(st.one_of(st.none(), st.sampled_from(YEARS + [3000, True, "2021"])), min_size=1, max_size=4), cell_st),
       scenario=cell_st, column=st.sampled_from(["prijs", "aandeel", "categorie", "prijsjaar", "dienst"]), value=scalar_st)
def test_budget_block_never_raises(menu_range, active_bundle, gemeente, years, scenario, column, value) -> None:  # type: ignore[no-untyped-def]
    menu = _set(menu_range, column, value)
    assert _block_ok(udfs.wmo_budget(gemeente, [years] if isinstance(years, list) and years and not isinstance(years[0], list) else years,
                                     menu, scenario))


def test_budget_block_with_a_service_below_an_empty_row_fails_as_a_whole(menu_range, active_bundle) -> None:  # type: ignore[no-untyped-def]
    menu = [list(r) for r in menu_range]
    menu.insert(3, [None] * len(menu[0]))
    block = udfs.wmo_budget("GM0202", [[2021, 2022]], menu)
    cells = {v for r in block for v in r}
    assert len(cells) == 1 and next(iter(cells)).startswith("#WMO! menukaart row 4 comes after the empty row 3")
