"""The Excel functions called as xlwings calls them: scalars, 1-D and 2-D lists, None."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wmo_xl
from wmo_xl.excel import udfs
from wmo_xl.costs import cost
from wmo_xl.menukaart import load_menu


@pytest.fixture()
def menu_range() -> list[list[object]]:
    """The default menukaart as xlwings hands over a range: header row, then rows."""
    df = load_menu().to_frame()
    return [list(df.columns)] + df.astype(object).values.tolist()


@pytest.mark.parametrize("wijk", ["WK020203", ["WK020203"], [["WK020203"]], " wk020203 "])
@pytest.mark.parametrize("year", [2021, 2021.0, [2021], [[2021.0]]])
def test_forecast_accepts_cell_shapes(active_bundle, wijk, year) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast(wijk, year) == pytest.approx(wmo_xl.forecast("WK020203", 2021))


def test_forecast_table_grid_matches_core(active_bundle) -> None:  # type: ignore[no-untyped-def]
    codes = [["WK010101"], ["GM0202"], ["WK030305"]]  # a column
    years = [[2018, 2019, 2023]]  # a row
    grid = udfs.wmo_forecast_table(codes, years)
    assert len(grid) == 3 and all(len(r) == 3 for r in grid)
    for i, c in enumerate(["WK010101", "GM0202", "WK030305"]):
        for j, y in enumerate([2018, 2019, 2023]):
            assert grid[i][j] == pytest.approx(wmo_xl.forecast(c, y))


def test_forecast_table_suppressed_cell_is_empty_not_zero(active_bundle) -> None:  # type: ignore[no-untyped-def]
    grid = udfs.wmo_forecast_table(["WK010100"], [2018, 2019])
    assert grid[0][0] is None and grid[0][1] > 0


def test_range_is_one_by_two(active_bundle) -> None:  # type: ignore[no-untyped-def]
    out = udfs.wmo_range("GM0101", 2022)
    assert len(out) == 1 and len(out[0]) == 2
    assert out[0][0] < udfs.wmo_forecast("GM0101", 2022) < out[0][1]


def test_cost_from_menu_range(menu_range) -> None:  # type: ignore[no-untyped-def]
    expected = cost(load_menu().get("hbh_zin"), 250.0, 2026)
    assert udfs.wmo_cost("hbh_zin", 250, menu_range, 2026) == pytest.approx(expected)
    assert udfs.wmo_cost([["hbh_zin"]], [[250.0]], menu_range, [[2026.0]]) == pytest.approx(expected)
    assert udfs.wmo_cost("hbh_zin", 250, menu_range, None) == pytest.approx(cost(load_menu().get("hbh_zin"), 250.0))


def test_price_edit_in_range_recalculates(menu_range) -> None:  # type: ignore[no-untyped-def]
    base = udfs.wmo_cost("dagbesteding_zin", 80, menu_range, 2025)
    col = menu_range[0].index("prijs")
    row = next(i for i, r in enumerate(menu_range) if r[0] == "dagbesteding_zin")
    menu_range[row][col] = menu_range[row][col] * 1.10
    assert udfs.wmo_cost("dagbesteding_zin", 80, menu_range, 2025) == pytest.approx(base * 1.10)


def test_wijken_column_and_model_info(active_bundle) -> None:  # type: ignore[no-untyped-def]
    col = udfs.wmo_wijken("GM0303")
    assert col == [[f"WK0303{k:02d}"] for k in range(12)]
    info = dict((r[0], r[1]) for r in udfs.wmo_model_info())
    assert info["Actief model"] == "landelijk model"
    assert info["Trainingsjaren"] == "2015-2018"


# --- bad input: one test each ------------------------------------------------------------
def test_unknown_wijk(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast("WK999901", 2020).startswith("#WMO! unknown wijk WK999901")


def test_unknown_gemeente(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_wijken("GM9999").startswith("#WMO! unknown gemeente GM9999")


def test_invalid_code(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast("Utrecht", 2020).startswith("#WMO! invalid code")


def test_year_out_of_range(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast("WK020203", 2050).startswith("#WMO! year 2050 outside")


def test_year_not_a_number(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast("WK020203", "volgend jaar").startswith("#WMO! year")


def test_unknown_category(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast("WK020203", 2020, "jeugd").startswith("#WMO! unknown category")


def test_empty_required_cell_is_na(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast(None, 2020) == "#N/A"
    assert udfs.wmo_forecast("WK020203", [[None]]) == "#N/A"
    assert udfs.wmo_forecast_table([[None], [None]], [2020]) == "#N/A"
    assert udfs.wmo_cost(None, 10, [["dienst"]]) == "#N/A"


def test_several_cells_where_one_is_expected(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_forecast(["WK020203", "WK020204"], 2020).startswith("#WMO! wijk must be one cell")


def test_cost_unknown_service(menu_range) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_cost("massage", 10, menu_range).startswith("#WMO! unknown service 'massage'")


def test_cost_negative_price_names_row_and_column(menu_range) -> None:  # type: ignore[no-untyped-def]
    menu_range[2][menu_range[0].index("prijs")] = -3
    assert udfs.wmo_cost("hbh_zin", 10, menu_range) == "#WMO! menukaart row 2 (hbh_pgb), column prijs: -3 is negative"


def test_cost_non_numeric_price(menu_range) -> None:  # type: ignore[no-untyped-def]
    menu_range[1][menu_range[0].index("prijs")] = "n.t.b."
    assert udfs.wmo_cost("hbh_zin", 10, menu_range).startswith("#WMO! menukaart row 1 (hbh_zin), column prijs: 'n.t.b.' is not a number")


def test_cost_share_outside_0_1(menu_range) -> None:  # type: ignore[no-untyped-def]
    menu_range[3][menu_range[0].index("aandeel")] = 1.2
    assert udfs.wmo_cost("hbh_zin", 10, menu_range) == "#WMO! menukaart row 3 (begeleiding_zin), column aandeel: 1.2 is outside 0-1"


def test_cost_empty_menu() -> None:
    assert udfs.wmo_cost("hbh_zin", 10, [[None, None], [None, None]]).startswith("#WMO! menukaart is empty")


def test_cost_clients_not_a_number(menu_range) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_cost("hbh_zin", "veel", menu_range).startswith("#WMO! clients 'veel' is not a number")


def test_unexpected_error_is_a_cell_message_not_a_traceback(active_bundle, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setattr(sys.modules["wmo_xl.forecast"], "forecast", lambda *a, **k: 1 / 0)
    assert udfs.wmo_forecast("WK020203", 2020).startswith("#WMO! internal error (ZeroDivisionError)")


def test_grid_leaves_years_before_the_data_empty(active_bundle) -> None:  # type: ignore[no-untyped-def]
    grid = udfs.wmo_forecast_table(["WK010101"], [[2010, 2015, 2019]])
    assert grid[0][0] is None
    assert grid[0][1] == pytest.approx(wmo_xl.forecast("WK010101", 2015))
    assert udfs.wmo_forecast("WK010101", 2010).startswith("#WMO! year 2010 outside")  # one cell: a message


def test_clients_per_category(active_bundle) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.menukaart import load_category_shares

    total = wmo_xl.forecast("GM0202", 2022)
    assert udfs.wmo_clients("GM0202", 2022, "Vervoer") == pytest.approx(total * load_category_shares()["vervoer"])


def test_clients_unknown_category(active_bundle) -> None:  # type: ignore[no-untyped-def]
    assert udfs.wmo_clients("GM0202", 2022, "jeugd").startswith("#WMO! categorie 'jeugd' is not a known category")


# --- totals never hide a failing figure ----------------------------------------------------
_figures = st.lists(st.one_of(st.floats(min_value=0, max_value=1e9), st.just("#WMO! menukaart row 2, column prijs: -3 is negative"),
                              st.just("#N/A"), st.none()), max_size=12)


@given(_figures)
def test_poisoned_sum_is_a_message_exactly_when_a_figure_fails(values: list[object]) -> None:
    out = udfs.poisoned_sum(values, "total")
    if any(isinstance(v, str) for v in values):
        assert isinstance(out, str) and out.startswith("#WMO! total incomplete: ")
    else:
        assert out == pytest.approx(sum(v for v in values if v is not None))


@pytest.mark.parametrize("row", [1, 2])
def test_a_bad_price_fails_only_its_own_service_and_the_totals_even_in_the_first_row(active_bundle, menu_range, row) -> None:  # type: ignore[no-untyped-def]
    prijs = menu_range[0].index("prijs")
    bad = [list(r) for r in menu_range]
    bad[row][prijs] = "abc"
    dienst, other = bad[row][0], bad[3 - row][0]
    block = udfs.wmo_budget("GM0202", [[2023, 2024]], bad)
    by_label = {r[0]: r for r in block if isinstance(r[0], str)}
    assert all(udfs.is_message(v) and dienst in v for v in by_label[dienst][2:] if v not in ("", None))
    assert any(isinstance(v, float) for v in by_label[other][2:])  # the neighbour keeps its euros
    totals = [r for label, r in by_label.items() if label.startswith(("Subtotaal hbh", "Totaal"))]
    assert totals and all(udfs.is_message(v) for r in totals for v in r[2:] if v not in ("", None))
    assert not any(isinstance(v, float) for r in totals for v in r[2:])
