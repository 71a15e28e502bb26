"""The UDFs called through xlwings' own dispatch (``xlwings.udfs.call_udf``), as Excel calls them.

Arguments pass through xlwings' conversions (omitted optional arguments, COM ranges with
empty cells, ``ndim=2``, ``ThisWorkbook``), and return values through its shaping for Excel.
See tests/xlfake.py for what is real and what is a stand-in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import wmo_xl
from wmo_xl import horizon
import xlfake
from xlfake import MISSING, ComRange, ComWorkbook
from wmo_xl.costs import cost
from wmo_xl.menukaart import load_menu


@pytest.fixture()
def xu(active_bundle, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    xu, _ = xlfake.install(monkeypatch)
    return xu


def menu_rows(extra_empty: int = 3) -> list[list[Any]]:
    """The Menukaart range as COM hands it over: header, rows, then empty rows (None)."""
    df = load_menu().to_frame()
    rows = [list(df.columns)] + [[None if v != v else v for v in r] for r in df.astype(object).values.tolist()]
    return rows + [[None] * len(rows[0])] * extra_empty


def scenario_rows() -> list[list[Any]]:
    return [["naam", "duurder"], ["indexatie", 0.05], ["verzilveringsgraad", None], ["hbh_extra_clienten", 0.1]]


def test_scalars_and_an_omitted_optional_argument(xu) -> None:  # type: ignore[no-untyped-def]
    out = xlfake.call(xu, "wmo_forecast", "WK020203", 2021.0, MISSING)  # Excel numbers are floats
    assert out == [[pytest.approx(wmo_xl.forecast("WK020203", 2021))]]  # xlwings returns a 1 x 1 block
    assert xlfake.call(xu, "wmo_forecast", "WK020203", 2021.0, "totaal") == out
    assert xlfake.call(xu, "wmo_forecast", "WK020203", 2021.0, "jeugd")[0][0].startswith("#WMO! unknown category")


def test_one_cell_ranges_arrive_as_scalars(xu) -> None:  # type: ignore[no-untyped-def]
    out = xlfake.call(xu, "wmo_forecast", ComRange([["WK020203"]]), ComRange([[2021.0]]), ComRange([[None]]))
    assert out == [[pytest.approx(wmo_xl.forecast("WK020203", 2021))]]  # an empty category cell = totaal


def test_empty_required_cell_is_na(xu) -> None:  # type: ignore[no-untyped-def]
    assert xlfake.call(xu, "wmo_forecast", ComRange([[None]]), 2021.0, MISSING) == [["#N/A"]]


def test_menu_range_with_empty_rows_and_ndim2(xu) -> None:  # type: ignore[no-untyped-def]
    out = xlfake.call(xu, "wmo_cost", "hbh_zin", 250.0, ComRange(menu_rows()), MISSING)
    assert out == [[pytest.approx(cost(load_menu().get("hbh_zin"), 250.0))]]
    # one data row: without ndim=2 xlwings would hand a flat list; the UDF still sees rows
    header, first = menu_rows()[:2]
    out = xlfake.call(xu, "wmo_cost", first[0], 10.0, ComRange([header, first]), 2026.0)
    assert out == [[pytest.approx(cost(load_menu().get(first[0]), 10.0, 2026))]]


def test_forecast_sheet_block_shape_and_empty_cells(xu) -> None:  # type: ignore[no-untyped-def]
    beyond = horizon.reach(2018, 10) + 1  # past the synthetic model's fitted paths and today's budget years
    years = ComRange([[2015.0, 2018.0, 2019.0, None, float(beyond)]])  # an empty year cell is skipped
    out = xlfake.call(xu, "wmo_forecast_sheet", "GM0202", years, MISSING, MISSING)
    assert {len(r) for r in out} == {5}  # label + 4 years, rectangular
    assert out[0][0] == "Gemeente totaal" and out[0][2] == pytest.approx(wmo_xl.forecast("GM0202", 2018))
    assert out[0][4].startswith(f"#WMO! year {beyond} outside")  # beyond the model: a message in that column
    assert out[3][1:] == [0, 0, 1, beyond - 2018] and out[4][1:4] == ["waarneming", "waarneming", "prognose"]
    wijk_rows = out[7:]
    assert [r[0] for r in wijk_rows] == [f"WK0202{i:02d}" for i in range(12)]
    assert all(v is not None for r in out for v in r)  # xlwings sends "" for empty, never None


def test_budget_block_through_dispatch_poisons_totals(xu) -> None:  # type: ignore[no-untyped-def]
    rows = menu_rows()
    years = ComRange([[2022.0, 2023.0, None, None, None]])  # the shipped card's VNG series prices from 2022 on
    good = xlfake.call(xu, "wmo_budget", "GM0202", years, ComRange(rows), ComRange(scenario_rows()), MISSING)
    labels = [r[0] for r in good]
    total = good[labels.index("Totaal Wmo")]
    assert all(isinstance(v, float) for v in total[2:4])
    price = rows[0].index("prijs")
    bad = [list(r) for r in rows]
    bad[3][price] = "n.t.b."
    out = xlfake.call(xu, "wmo_budget", "GM0202", years, ComRange(bad), ComRange(scenario_rows()), MISSING)
    for label in ("Totaal Wmo", "Totaal ondergrens 80% (EUR)", "Totaal bovengrens 80% (EUR)", f"Subtotaal {bad[3][rows[0].index('categorie')]}"):
        row = out[labels.index(label)]
        assert all(str(v).startswith("#WMO!") and bad[3][0] in str(v) for v in row[2:4]), (label, row)


def test_budget_block_keeps_its_shape_when_everything_fails(xu) -> None:  # type: ignore[no-untyped-def]
    years = ComRange([[2021.0, 2022.0]])
    good = xlfake.call(xu, "wmo_budget", "GM0202", years, ComRange(menu_rows()), ComRange(scenario_rows()), MISSING)
    bad_scenario = scenario_rows() + [["korting", 0.5]]
    out = xlfake.call(xu, "wmo_budget", "GM0202", years, ComRange(menu_rows()), ComRange(bad_scenario), MISSING)
    assert len(out) == len(good) and {len(r) for r in out} == {len(good[0])}  # every shown cell says why
    assert {v for r in out for v in r} == {out[0][0]} and out[0][0].startswith("#WMO! unknown scenario parameter 'korting'")


def test_budget_for_an_unknown_gemeente_has_no_number_anywhere(xu) -> None:  # type: ignore[no-untyped-def]
    years = ComRange([[2021.0, 2022.0]])
    out = xlfake.call(xu, "wmo_budget", "GM9999", years, ComRange(menu_rows()), ComRange(scenario_rows()), MISSING)
    labels = [r[0] for r in out]
    for r in out[labels.index("Clienten per categorie") + 1:]:
        assert not any(isinstance(v, float) for v in r[2:]), r
    assert out[labels.index("Totaal Wmo")][2].startswith("#WMO!") and "GM9999" in out[labels.index("Totaal Wmo")][2]


# --------------------------------------------------------------------- which model
def test_workbook_without_own_model_says_so(xu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    info = dict(map(tuple, xlfake.call(xu, "wmo_model_info", MISSING, workbook=ComWorkbook(str(tmp_path / "begroting.xlsm")))))
    assert info["Actief model"] == "landelijk model"


def _own_model(monkeypatch: pytest.MonkeyPatch, book: Path, bundle_dir: Path) -> None:
    """Record ``bundle_dir`` as the workbook's own (trusted) model, as which_model would."""
    from wmo_xl.bundle import ModelChoice, choice

    monkeypatch.setitem(choice._choices, str(book), ModelChoice(bundle_dir, f"eigen model ({bundle_dir.name})"))


def test_workbook_own_model_found_through_thisworkbook_not_clsid(xu, tmp_path: Path, bundle_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    book = tmp_path / "Begroting 2027 (1).xlsm"  # any file name
    _own_model(monkeypatch, book, bundle_dir)
    info = dict(map(tuple, xlfake.call(xu, "wmo_model_info", MISSING, workbook=ComWorkbook(str(book)))))
    assert info["Actief model"] == f"eigen model ({bundle_dir.name})"


def test_onedrive_url_without_local_folder_is_stated(xu, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    for var in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(var, raising=False)
    url = "https://d.docs.live.net/4c1c0ffee/Documenten/begroting.xlsm"
    info = dict(map(tuple, xlfake.call(xu, "wmo_model_info", MISSING, workbook=ComWorkbook(url))))
    assert info["Actief model"] == "landelijk model (eigen model niet gezocht: werkmap heeft geen lokaal pad)"
    assert info["Details (technisch)"]  # what xlwings said, for IT
    out = xlfake.call(xu, "wmo_forecast", "WK020203", 2021.0, MISSING, workbook=ComWorkbook(url))
    assert out == [[pytest.approx(wmo_xl.forecast("WK020203", 2021))]]  # the national model answers, and says so above


def test_onedrive_url_with_synced_folder_maps_to_the_local_path(xu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundle_dir: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OneDriveConsumer", str(tmp_path))
    (tmp_path / "Documenten").mkdir()
    local = tmp_path / "Documenten" / "begroting.xlsm"
    local.write_bytes(b"")
    _own_model(monkeypatch, local, bundle_dir)
    url = "https://d.docs.live.net/4c1c0ffee/Documenten/begroting.xlsm"
    info = dict(map(tuple, xlfake.call(xu, "wmo_model_info", MISSING, workbook=ComWorkbook(url))))
    assert info["Actief model"] == f"eigen model ({bundle_dir.name})"


def test_budget_without_years_fills_its_shape_with_the_reason(xu) -> None:  # type: ignore[no-untyped-def]
    years = ComRange([[2021.0, 2022.0]])
    good = xlfake.call(xu, "wmo_budget", "GM0202", years, ComRange(menu_rows()), ComRange(scenario_rows()), MISSING)
    out = xlfake.call(xu, "wmo_budget", "GM0202", ComRange([[None, None]]), ComRange(menu_rows()), ComRange(scenario_rows()), MISSING)
    assert len(out) == len(good) and {v for r in out for v in r} == {"#N/A"}
