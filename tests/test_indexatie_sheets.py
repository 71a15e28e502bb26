"""The Indexatie sheet and the eigen-bijdrage parameters in the template (UDFs registered) and in the
zero-install export (recalculated by ``formulas`` with nothing registered), against the core and the CLI."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xlcalc
from clirun import run
from wmo_xl.costs import Scenario, budget
from wmo_xl.excel import contract as C
from wmo_xl.excel import indexatie_sheet as IX
from wmo_xl.indexatie import load_series, series_from_rows
from wmo_xl.menukaart import load_menu

os.environ.setdefault("TQDM_DISABLE", "1")
YEARS = [2022, 2023, 2024, 2025, 2026]  # the export's budget years (its years 2016-2026; today's T+1.. not among them)
TYEARS = [2022, 2023, 2024, 2025]  # the template's, built "on" 2021-06-01: T+1 .. T+4


def _cell(sol: Any, book: str, sheet: str, ref: str) -> Any:
    v = sol[xlcalc.key(book, sheet, ref)]
    v = v.value if hasattr(v, "value") else v
    v = np.asarray(v, dtype=object).reshape(-1)[0]
    return v.item() if isinstance(v, np.generic) else v


def _index_row(path: Path, year: int) -> int:
    ws = openpyxl.load_workbook(path)[IX.SHEET]
    return next(r for r in range(1, 60) if ws.cell(r, 1).value == year)


def _rows_by_label(path: Path, sheet: str, col: int = 2) -> dict[str, list[int]]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    out: dict[str, list[int]] = {}
    for r in range(1, ws.max_row + 1):
        v = ws.cell(r, col).value
        if isinstance(v, str):
            out.setdefault(v, []).append(r)
    return out


# ------------------------------------------------------------------------------ template
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path):  # type: ignore[no-untyped-def]
    from wmo_xl.bundle import set_active_model
    from wmo_xl.excel.template import build_workbook

    set_active_model(bundle_dir)
    try:
        path = build_workbook(tmp_path_factory.mktemp("ix") / "wmo_xl.xlsm", gemeente="GM0202", today=date(2021, 6, 1))
        xl = xlcalc.load(path)
        xlcalc.reset_calls()
        sol = xl.calculate()
        yield path, xl, sol, dict(xlcalc.calls)
    finally:
        set_active_model(None)


def test_template_recalculation_makes_one_udf_call_per_block(template) -> None:  # type: ignore[no-untyped-def]
    _, _, _, calls = template
    assert calls == {"wmo_forecast_sheet": 1, "wmo_budget": 1, "wmo_model_info": 1, "wmo_realisatie": 1, "wmo_wijken_budget": 1}


def test_template_indexatie_sheet_shows_the_series(template) -> None:  # type: ignore[no-untyped-def]
    path, _, sol, _ = template
    wb = openpyxl.load_workbook(path, data_only=True)
    assert C.INDEXATIE in wb.sheetnames and IX.RANGE_NAME in wb.defined_names
    ws = wb[IX.SHEET]
    series = load_series()
    for r in series.rows:
        row = _index_row(path, r.jaar)
        assert ws.cell(row, 5).value == r.status and ws.cell(row, 6).value == r.bron
        assert _cell(sol, path.name, IX.SHEET, f"D{row}") == pytest.approx(r.gewogen)
        assert _cell(sol, path.name, IX.SHEET, f"G{row}") == pytest.approx(series.level(series.base_year, r.jaar))


def test_template_year_overwritten_on_indexatie_sheet_moves_every_vng_cost(template, bundle_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.bundle import set_active_model

    path, xl, sol, _ = template
    row = _index_row(path, 2024)
    edit = {xlcalc.key(path.name, IX.SHEET, f"B{row}"): 0.12}  # OVA 2024 12% instead of 6%: gewogen 0.9 x 0.12 + 0.1 x 0.031
    # the blocks priced by the series: Budget, and Realisatie and Wijken, whose euros are the budget's
    assert xlcalc.dependent_calls(xl, edit) == {"wmo_budget": 1, "wmo_realisatie": 1, "wmo_wijken_budget": 1}
    set_active_model(bundle_dir)
    try:
        new = xl.calculate(inputs=edit)
    finally:
        set_active_model(None)
    factor = (1 + 0.9 * 0.12 + 0.1 * 0.031) / 1.0571
    labels = _rows_by_label(path, C.BUDGET)
    shown = {row.dienst: row.omschrijving or row.dienst for row in load_menu().rows}  # services show their Dutch label
    for dienst in ("hbh_zin", "begeleiding_pgb", "sportrolstoel"):
        r = labels[shown[dienst]][0]
        for j, y in enumerate(TYEARS):
            col = "DEFG"[j]
            before, after = _cell(sol, path.name, C.BUDGET, f"{col}{r}"), _cell(new, path.name, C.BUDGET, f"{col}{r}")
            assert after == pytest.approx(before * (factor if y >= 2024 else 1.0)), (dienst, y)
    # and equal to the core with the edited series
    rows = [[r.jaar, r.gewogen] for r in load_series().rows]
    rows[1][1] = 0.9 * 0.12 + 0.1 * 0.031
    edited = series_from_rows([["jaar", "gewogen"], *rows])
    want = budget("GM0202", TYEARS, scenario=_template_scenario(path), model=bundle_dir, index=edited)
    total = labels["Totaal Wmo"][0]
    for j, y in enumerate(TYEARS):
        assert _cell(new, path.name, C.BUDGET, f"{'DEFG'[j]}{total}") == pytest.approx(want[want["jaar"] == y]["basis"].sum())


def _template_scenario(path: Path) -> Scenario:
    ws = openpyxl.load_workbook(path, data_only=True)[C.BUDGET]
    first, last = C.BUDGET_SCENARIO.split(":")
    params = {ws[f"B{r}"].value: ws[f"C{r}"].value for r in range(int(first[1:]), int(last[1:]) + 1)}
    return Scenario(**{k: v for k, v in params.items() if v is not None})


def test_template_budget_sheet_shows_the_eigen_bijdrage_parameters_and_preset(template) -> None:  # type: ignore[no-untyped-def]
    path, _, _, _ = template
    ws = openpyxl.load_workbook(path, data_only=True)[C.BUDGET]
    first, last = C.BUDGET_SCENARIO.split(":")
    notes = {ws[f"B{r}"].value: (ws[f"C{r}"].value, ws[f"D{r}"].value) for r in range(int(first[1:]), int(last[1:]) + 1)}
    assert notes["eigen_bijdrage"][0] == "abonnementstarief"
    assert notes["eigen_bijdrage_vanaf"][0] is None and notes["hbh_effect_ivb"][0] is None
    text = notes["hbh_effect_ivb"][1]
    assert "-7,0%" in text and "-13,0%" in text and "-23,1%" in text and "390.000" in text and "hbh_extra_clienten" in text


def test_template_double_counting_is_said_in_every_cell(template, bundle_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.bundle import set_active_model

    path, xl, _, _ = template
    first = int(C.BUDGET_SCENARIO.split(":")[0][1:])
    names = [k for k, *_ in __import__("wmo_xl.excel.template", fromlist=["x"]).SCENARIO_FIELDS]
    at = {k: f"C{first + i}" for i, k in enumerate(names)}
    edit = {xlcalc.key(path.name, C.BUDGET, at["eigen_bijdrage"]): "ivb", xlcalc.key(path.name, C.BUDGET, at["eigen_bijdrage_vanaf"]): 2024,
            xlcalc.key(path.name, C.BUDGET, at["hbh_effect_ivb"]): -0.1}  # hbh_extra_clienten stays 0.05
    set_active_model(bundle_dir)
    try:
        new = xl.calculate(inputs=edit)
    finally:
        set_active_model(None)
    total = _rows_by_label(path, C.BUDGET)["Totaal Wmo"][0]
    v = _cell(new, path.name, C.BUDGET, f"D{total}")
    assert isinstance(v, str) and "both change HbH clients" in v


# -------------------------------------------------------------------------------- export
@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path):  # type: ignore[no-untyped-def]
    import formulas
    import formulas.functions

    from wmo_xl.excel.export import export_workbook

    funcs = formulas.get_functions()
    saved = {k: funcs.pop(k) for k in [k for k in funcs if str(k).upper().startswith("WMO_")]}  # nothing registered
    try:
        path = export_workbook(["GM0202"], tmp_path_factory.mktemp("ixe") / "export.xlsx", model=bundle_dir,
                               years=list(range(2016, 2027)))
        xl = formulas.ExcelModel().loads(str(path)).finish()
        yield path, xl, xl.calculate()
    finally:
        funcs.update(saved)


def _export_blocks(path: Path) -> tuple[dict[str, list[int]], dict[str, int]]:
    labels = _rows_by_label(path, "Budget")
    # service rows show their omschrijving in B; the dienst code stands right of the budget years
    for code, rows in _rows_by_label(path, "Budget", col=4 + len(YEARS)).items():
        labels.setdefault(code, rows)
    params = {k: v[0] for k, v in labels.items() if k in ("eigen_bijdrage", "eigen_bijdrage_vanaf", "hbh_effect_ivb",
                                                           "hbh_extra_clienten", "indexatie", "verzilveringsgraad")}
    return labels, params


def test_export_budget_years_and_costs_equal_the_cli(export, bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    path, _, sol = export
    ws = openpyxl.load_workbook(path, data_only=True)["Budget"]
    assert [ws.cell(5, c).value for c in range(4, 9)] == YEARS  # the first forecast years the VNG series prices
    code, out, err = run(["budget", "--gemeente", "GM0202", "--years", "2022-2026", "--model", str(bundle_dir),
                          "--format", "csv", "--detail"], capsys)
    assert code == 0, err
    cli = pd.read_csv(io.StringIO(out)).set_index(["dienst", "jaar"])["basis"]
    labels, _ = _export_blocks(path)
    for dienst in (r.dienst for r in load_menu().rows):
        r = labels[dienst][0]  # the basis block comes first
        for j, y in enumerate(YEARS):
            assert _cell(sol, path.name, "Budget", f"{'DEFGH'[j]}{r}") == pytest.approx(cli[(dienst, y)], abs=0.051), (dienst, y)  # the CSV has cents
    total = labels["Totaal basis"][0]
    for j, y in enumerate(YEARS):
        assert _cell(sol, path.name, "Budget", f"{'DEFGH'[j]}{total}") == pytest.approx(cli.xs(y, level="jaar").sum(), abs=0.051 * 15)


def test_export_costs_follow_an_edited_year(export) -> None:  # type: ignore[no-untyped-def]
    path, xl, sol = export
    row = _index_row(path, 2025)
    new = xl.calculate(inputs={f"'[{path.name}]{IX.SHEET.upper()}'!D{row}": 0.08})  # the gewogen cell overwritten
    labels, _ = _export_blocks(path)
    factor = 1.08 / 1.03944
    for label in ("hbh_zin", "wonen_bruikleen", "Totaal basis"):
        r = labels[label][0]
        for j, y in enumerate(YEARS):
            before = _cell(sol, path.name, "Budget", f"{'DEFGH'[j]}{r}")
            after = _cell(new, path.name, "Budget", f"{'DEFGH'[j]}{r}")
            assert after == pytest.approx(before * (factor if y >= 2025 else 1.0)), (label, y)


def test_export_gap_in_the_series_is_an_error_not_a_skipped_year(export) -> None:  # type: ignore[no-untyped-def]
    path, xl, _ = export
    row = _index_row(path, 2024)
    new = xl.calculate(inputs={f"'[{path.name}]{IX.SHEET.upper()}'!A{row}": 2031})
    labels, _ = _export_blocks(path)
    total = labels["Totaal basis"][0]
    assert not isinstance(_cell(new, path.name, "Budget", f"F{total}"), float)  # 2024 on: no level, no number
    assert isinstance(_cell(new, path.name, "Budget", f"E{total}"), float)  # 2023 keeps its level


def test_export_ivb_before_and_after_its_start_and_the_double_count_guard(export, bundle_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path, xl, sol = export
    labels, params = _export_blocks(path)
    key = lambda label: f"'[{path.name}]BUDGET'!C{params[label]}"  # noqa: E731
    inputs = {key("eigen_bijdrage"): "ivb", key("eigen_bijdrage_vanaf"): 2025, key("hbh_effect_ivb"): -0.13,
              key("hbh_extra_clienten"): 0}
    new = xl.calculate(inputs=inputs)
    ws = openpyxl.load_workbook(path, data_only=True)["Budget"]
    scen_fields = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(11, 11 + 11)}
    scen_fields.update({"eigen_bijdrage": "ivb", "eigen_bijdrage_vanaf": 2025, "hbh_effect_ivb": -0.13, "hbh_extra_clienten": 0})
    sc = Scenario(**{k: v for k, v in scen_fields.items() if v is not None})
    want = budget("GM0202", YEARS, scenario=sc, model=bundle_dir).set_index(["dienst", "jaar"])
    r = labels["hbh_zin"][1]  # the scenario block
    for j, y in enumerate(YEARS):
        got = _cell(new, path.name, "Budget", f"{'DEFGH'[j]}{r}")
        assert got == pytest.approx(want.loc[("hbh_zin", y), "scenario"], rel=1e-9), y
    # with the base's prices (indexatie blank): scenario = base before the start year, 13% fewer HbH euros from it on
    same = xl.calculate(inputs={**inputs, key("indexatie"): ""})
    base_r, scen_r = labels["hbh_zin"][0], labels["hbh_zin"][1]
    ratios = [_cell(same, path.name, "Budget", f"{c}{scen_r}") / _cell(same, path.name, "Budget", f"{c}{base_r}") for c in "DEFGH"]
    assert ratios == pytest.approx([1, 1, 1, 0.87, 0.87])
    # both HbH effects at once: the parameter and every scenario cost are errors, the base stays
    both = xl.calculate(inputs={**inputs, key("hbh_extra_clienten"): 0.05})
    assert str(_cell(both, path.name, "Budget", f"D{params['eigen_bijdrage']}")) == "#VALUE!"
    assert str(_cell(new, path.name, "Budget", f"D{params['eigen_bijdrage']}")) == "ivb"
    assert not isinstance(_cell(both, path.name, "Budget", f"D{labels['Totaal scenario'][0]}"), float)
    assert isinstance(_cell(both, path.name, "Budget", f"D{labels['Totaal basis'][0]}"), float)
