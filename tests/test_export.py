"""The zero-install workbook (wmo-xl export-workbook): LAMBDA names, native formulas, errors, rendering.

Every check recalculates the written file with the ``formulas`` package with nothing
registered: what it computes is what the file itself says, and it is compared with the
core (``forecast_table``, ``costs.budget``, the ``wmo_cost`` UDF) and the CLI.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from wmo_xl.bundle import national_bundle_path
from wmo_xl.cli import main
from wmo_xl.costs import Scenario, budget
from wmo_xl.forecast import forecast_table
from wmo_xl.menukaart import load_menu
from clirun import run

os.environ.setdefault("TQDM_DISABLE", "1")

try:  # the UDF module moves into wmo_xl.excel
    from wmo_xl.excel.udfs import wmo_cost
except ImportError:  # pragma: no cover - before the move
    from wmo_xl.udfs import wmo_cost

HAS_NATIONAL = (national_bundle_path() / "manifest.json").is_file()
needs_national = pytest.mark.skipif(not HAS_NATIONAL, reason="national model bundle not present")


# ------------------------------------------------------------------ recalculation helpers
@pytest.fixture(autouse=True, scope="module")
def nothing_registered() -> Any:
    """The file must compute on its own: no Python function under a WMO_ name (other test
    modules register the template's UDFs with ``formulas``; they are set aside here)."""
    import formulas
    import formulas.functions

    funcs = formulas.get_functions()
    saved = {k: funcs.pop(k) for k in [k for k in funcs if str(k).upper().startswith("WMO_")]}
    yield
    funcs.update(saved)


def is_error(v: Any) -> bool:
    from formulas.tokens.operand import XlError

    return isinstance(v, XlError) or (isinstance(v, str) and v.startswith("#"))


def scalar(v: Any) -> Any:
    v = v.value if hasattr(v, "value") else v
    v = np.asarray(v, dtype=object).reshape(-1)[0]
    return v.item() if isinstance(v, np.generic) else v


def with_test_sheet(path: Path, cells: dict[str, str], out: Path) -> Path:
    """A copy of ``path`` with a sheet 'Test' holding the given formulas (a user's own formulas)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Test")
    for ref, formula in cells.items():
        if ":" in ref:
            from openpyxl.worksheet.formula import ArrayFormula

            ws[ref.split(":")[0]] = ArrayFormula(ref, formula)
        else:
            ws[ref] = formula
    wb.save(out)
    return out


def model_of(path: Path) -> Any:
    import formulas

    return formulas.ExcelModel().loads(str(path)).finish()


def key(path: Path, sheet: str, cell: str) -> str:
    return f"'[{path.name}]{sheet.upper()}'!{cell}"


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): getattr(c.value, "text", c.value) for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"}  # an array formula (Realisatie) as its text


def header_column(ws: Any, name: str) -> tuple[int, int]:
    """(row, column) of a header cell by its text."""
    for row in ws.iter_rows():
        for c in row:
            if c.value == name:
                return c.row, c.column
    raise AssertionError(f"no header {name!r} on {ws.title}")


def totaal_rows(path: Path) -> dict[str, list[str]]:
    """Budget rows labelled 'Totaal ...' -> their cells with a formula."""
    ws = openpyxl.load_workbook(path)["Budget"]
    out = {}
    for row in ws.iter_rows():
        label = row[1].value if len(row) > 1 else None
        if isinstance(label, str) and label.startswith("Totaal"):
            out[label] = [c.coordinate for c in row[2:] if isinstance(c.value, str) and c.value.startswith("=")]
    return out


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path) -> Path:
    """Export of GM0202 from the synthetic bundle (years 2016-2026: budget years 2022-2026, the first the VNG series prices), through the CLI."""
    from wmo_xl.excel.export import export_workbook

    out = tmp_path_factory.mktemp("exp") / "proefstad.xlsx"
    return export_workbook(["GM0202", "GM0101"], out, model=bundle_dir, years=list(range(2016, 2027)))


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interface example: wmo-xl export-workbook --gemeente GM0518 --years 2017-2030 --out FILE."""
    if not HAS_NATIONAL:
        pytest.skip("national model bundle not present")
    out = tmp_path_factory.mktemp("nat") / "gm0518.xlsx"
    old = sys.argv
    sys.argv = ["wmo-xl", "export-workbook", "--gemeente", "GM0518", "--years", "2017-2030", "--out", str(out)]
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    finally:
        sys.argv = old
    return out


# ------------------------------------------------------------------ the file
def test_macro_free_xlsx_with_names_and_sheets(synthetic: Path) -> None:
    with zipfile.ZipFile(synthetic) as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
    assert not any("vbaProject" in n for n in names) and "macroEnabled" not in types
    wb = openpyxl.load_workbook(synthetic)
    assert wb.sheetnames == ["Forecast", "Budget", "Realisatie", "Wijken", "Menukaart", "Indexatie", "Model", "Prognose", "Aandelen"]
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)
    defined = wb.defined_names
    for name in ("WMO_FORECAST", "WMO_RANGE", "WMO_COST", "WMO_FORECAST_CAT", "WMO_RANGE_CAT", "WMO_CLIENTS"):
        assert defined[name].attr_text.startswith("_xlfn.LAMBDA(")
    params = {n: re.findall(r"_xlpm\.(\w+)", defined[n].attr_text.split(",IF(")[0].split(",CHOOSE(")[0]) for n in ("WMO_FORECAST", "WMO_RANGE", "WMO_COST")}
    assert params["WMO_FORECAST"][:2] == ["wijk", "jaar"] and params["WMO_RANGE"][:2] == ["wijk", "jaar"]
    assert params["WMO_COST"][:4] == ["dienst", "clienten", "menukaart", "jaar"]
    # the Menukaart name covers the Excel table including its header row
    sheet, ref = next(iter(defined["Menukaart"].destinations))
    table = wb[sheet].tables["tblMenukaart"]
    assert sheet == "Menukaart" and ref.replace("$", "") == table.ref
    first = wb[sheet][ref.replace("$", "").split(":")[0]]
    assert first.value == "dienst"


def test_sheet_cells_use_classic_functions_only(synthetic: Path) -> None:
    """No LAMBDA name and no function newer than Excel 2016 in the sheets' own cells."""
    newer = re.compile(r"WMO_|LAMBDA|_xlfn|XLOOKUP|LET\(|FILTER\(|CHOOSEROWS|\bIFS\(|TEXTJOIN|CONCAT\(")
    cells = formula_cells(synthetic)
    assert len(cells) > 300
    assert not [(k, f) for k, f in cells.items() if newer.search(f)]


def test_every_formula_has_its_cached_value(synthetic: Path) -> None:
    cached = openpyxl.load_workbook(synthetic, data_only=True)
    sol = model_of(synthetic).calculate()
    cells = formula_cells(synthetic)
    bad = []
    for sheet, ref in cells:
        got, want = scalar(sol[key(synthetic, sheet, ref)]), cached[sheet][ref].value
        want = "" if want is None else want
        same = got == want or (isinstance(want, (int, float)) and isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9))
        if not same:
            bad.append((sheet, ref, got, want))
    assert not bad, bad[:5]
    assert not any(is_error(cached[s][r].value) for s, r in cells)


@needs_national
def test_national_cached_values_equal_recalculation(user_cells: dict[str, Any]) -> None:
    """Every formula of the interface example file: its cached value is what it computes."""
    original = user_cells["path"].with_name("gm0518.xlsx")
    cached = openpyxl.load_workbook(original, data_only=True)
    cells = formula_cells(original)
    bad = []
    for sheet, ref in cells:
        got, want = cell(user_cells, ref, sheet), cached[sheet][ref].value
        want = "" if want is None else want
        if not (got == want or (isinstance(want, float) and isinstance(got, float) and math.isclose(got, want, rel_tol=1e-9))):
            bad.append((sheet, ref, got, want))
    assert len(cells) > 500 and not bad, bad[:5]


def test_forecast_sheet_marks_observed_and_extrapolated_years(synthetic: Path, bundle_dir: Path) -> None:
    ws = openpyxl.load_workbook(synthetic, data_only=True)["Forecast"]
    row, col = header_column(ws, "Jaar")
    years = [ws.cell(row, c).value for c in range(col + 1, col + 8)]
    ahead = [ws.cell(row + 1, c).value for c in range(col + 1, col + 8)]
    status = [ws.cell(row + 2, c).value for c in range(col + 1, col + 8)]
    assert years == list(range(2016, 2023)) and ahead == [y - 2018 for y in years]
    assert status == ["waarneming"] * 3 + ["prognose"] * 3 + ["extrapolatie"]
    assert ws.cell(row + 3, col + 1).fill.fgColor.rgb != ws.cell(row + 3, col + 4).fill.fgColor.rgb  # observed shaded
    # the wijk grid shows the gemeente's wijken with the core's numbers; a suppressed count is '.'
    table = forecast_table(["GM0202"], list(range(2016, 2023)), model=bundle_dir)
    assert ws.cell(row + 3, col + 4).value == pytest.approx(table["clients"].iloc[3], rel=1e-12)
    grid = {ws.cell(r, 2).value: [ws.cell(r, c).value for c in range(3, 10)] for r in range(row + 8, ws.max_row + 1) if ws.cell(r, 2).value}
    assert len(grid) == 12 and all(k.startswith("WK0202") for k in grid)
    assert any("." in v for v in grid.values())  # WK020200 2018 is suppressed in the fixture


def test_protection_inputs_unlocked_data_locked(synthetic: Path) -> None:
    wb = openpyxl.load_workbook(synthetic)
    for name in ("Forecast", "Budget", "Model", "Prognose", "Aandelen"):
        assert wb[name].protection.sheet and not wb[name].protection.password
    fc, bu = wb["Forecast"], wb["Budget"]
    assert not fc["C4"].protection.locked and fc["C4"].fill.fgColor.rgb.endswith("FFF2CC")
    assert not bu["D5"].protection.locked and bu["D5"].fill.fgColor.rgb.endswith("FFF2CC")  # a budget year
    r, c = header_column(bu, "waarde")
    assert all(not bu.cell(r + i, c).protection.locked for i in range(1, 9))  # scenario parameters
    assert bu["D30"].protection.locked and fc["D12"].protection.locked
    me = wb["Menukaart"]
    r, c = header_column(me, "prijs")
    assert me.cell(r + 1, c).fill.fgColor.rgb.endswith("FFF2CC")


def test_overwrite_refused_without_force_and_backup_kept(tmp_path: Path, bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mijn.xlsx"
    out.write_bytes(b"my own work")
    argv = ["export-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--years", "2017-2023", "--out", str(out)]
    code, _, err = run(argv, capsys)
    assert code == 2 and "exists" in err and "--force" in err and out.read_bytes() == b"my own work"
    code, stdout, _ = run(argv + ["--force"], capsys)
    assert code == 0 and "written" in stdout
    backups = list(tmp_path.glob("mijn.backup-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"my own work"
    assert zipfile.is_zipfile(out) and not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize(("extra", "message"), [
    (["--gemeente", "GM9999"], "unknown gemeente GM9999"),
    (["--gemeente", "WK010101"], "not a gemeente code"),
    (["--gemeente", "GM0101", "--years", "2010-2020"], "year 2010 outside"),
    (["--gemeente", "GM0101", "--all"], "not both"),
    ([], "no gemeente given"),
])
def test_bad_input_one_line(tmp_path: Path, bundle_dir: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    code, _, err = run(["export-workbook", "--model", str(bundle_dir), "--out", str(tmp_path / "x.xlsx"), *extra], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


AUDIT = Path(sys.executable).with_name("openxml-audit")


@pytest.mark.skipif(not AUDIT.exists(), reason="openxml-audit not installed")
def test_package_passes_the_office_open_xml_schemas(synthetic: Path) -> None:
    res = subprocess.run([str(AUDIT), "-f", "microsoft365", str(synthetic)], capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0 and "Errors: 0" in res.stdout, res.stdout[-2000:]


def test_out_must_be_xlsx(tmp_path: Path, bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["export-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", str(tmp_path / "x.xlsm")], capsys)
    assert code == 2 and ".xlsx" in err


# ------------------------------------------------------------------ the interface, checked as specified
@pytest.fixture(scope="module")
def user_cells(national: Path) -> dict[str, Any]:
    """Users' own formulas on an added sheet: forecasts, ranges, costs, errors (one recalculation)."""
    old = sys.argv
    buf = io.StringIO()
    from contextlib import redirect_stdout

    sys.argv = ["wmo-xl", "forecast", "--gemeente", "GM0518", "--year", "2020", "--format", "csv"]
    try:
        with redirect_stdout(buf):
            main()
    except SystemExit as exc:
        assert not exc.code
    finally:
        sys.argv = old
    cli = pd.read_csv(io.StringIO(buf.getvalue()))
    exact = forecast_table(list(cli["wijk"]) + ["GM0518"], [2020])
    cells: dict[str, str] = {}
    for i, w in enumerate(exact["wijk"], start=1):
        cells[f"A{i}"] = f'=WMO_FORECAST("{w}",2020)'
        cells[f"B{i}"] = f'=INDEX(WMO_RANGE("{w}",2020),1,1)'
        cells[f"C{i}"] = f'=INDEX(WMO_RANGE("{w}",2020),1,2)'
        cells[f"D{i}"] = f'=WMO_FORECAST_CAT("{w}",2020,"totaal")'
    cells["F1:G1"] = f'=WMO_RANGE("{exact["wijk"].iloc[0]}",2020)'  # the 1 x 2 result as an array formula
    ws = openpyxl.load_workbook(national, data_only=True)["Menukaart"]
    r0, _ = header_column(ws, "dienst")
    menu_rows = [[c.value for c in row] for row in ws.iter_rows(min_row=r0, max_row=r0 + len(load_menu().rows), max_col=12)]
    services = [r[0] for r in menu_rows[1:]]
    for i, sv in enumerate(services, start=1):
        cells[f"H{i}"] = f'=WMO_COST("{sv}",1000,Menukaart,2025)'
        cells[f"I{i}"] = f'=WMO_COST("{sv}",37.5,Menukaart,0)'
    errors = {"K1": '=WMO_FORECAST("WK999999",2020)', "K2": "=SUM(K1,A1)", "K3": '=INDEX(WMO_RANGE("WK999999",2020),1,1)',
              "K4": "=SUM(K3,A1:A3)", "K5": '=WMO_FORECAST("WK051801",1990)', "K6": '=WMO_COST("geen_dienst",10,Menukaart,2025)',
              "K7": '=WMO_COST("hbh_zin",-1,Menukaart,2025)', "K8": '=WMO_FORECAST_CAT("WK051801",2020,"zorg")',
              "K9": '=SUM(A1,WMO_FORECAST("WK999999",2020))'}
    cells.update(errors)
    budget_ws = openpyxl.load_workbook(national, data_only=True)["Budget"]
    r_years, _ = header_column(budget_ws, "Begrotingsjaren (geel = invullen)")
    years = [budget_ws.cell(r_years, c).value for c in range(4, 9) if budget_ws.cell(r_years, c).value is not None]
    names_cells = {}
    for i, row in enumerate(load_menu().rows):
        for j, y in enumerate(years):
            ref = f"{openpyxl.utils.get_column_letter(13 + j)}{i + 1}"
            names_cells[(row.dienst, y)] = ref
            cells[ref] = f'=WMO_COST("{row.dienst}",WMO_CLIENTS("GM0518",{y},"{row.categorie}"),Menukaart,{y})'
    path = with_test_sheet(national, cells, national.with_name("user.xlsx"))
    xl = model_of(path)
    sol = xl.calculate()
    return {"path": path, "xl": xl, "sol": sol, "cli": cli, "exact": exact, "menu_rows": menu_rows, "services": services,
            "errors": errors, "names_cells": names_cells, "years": years}


def cell(u: dict[str, Any], ref: str, sheet: str = "Test") -> Any:
    return scalar(u["sol"][key(u["path"], sheet, ref)])


@needs_national
def test_interface_forecast_and_range_equal_cli(user_cells: dict[str, Any]) -> None:
    u = user_cells
    for i, row in enumerate(u["exact"].itertuples(), start=1):
        assert cell(u, f"A{i}") == pytest.approx(row.clients, rel=1e-9) and cell(u, f"D{i}") == cell(u, f"A{i}")
        assert cell(u, f"B{i}") == pytest.approx(row.lower, rel=1e-9) and cell(u, f"C{i}") == pytest.approx(row.upper, rel=1e-9)
    assert u["exact"]["wijk"].iloc[-1] == "GM0518" and cell(u, f"B{len(u['exact'])}") < cell(u, f"A{len(u['exact'])}")
    for i, row in enumerate(u["cli"].itertuples(), start=1):  # the CLI prints one decimal
        got = (round(cell(u, f"A{i}"), 1), round(cell(u, f"B{i}"), 1), round(cell(u, f"C{i}"), 1))
        assert got == pytest.approx((row.clients, row.lower, row.upper), abs=0.051)
    spill = np.asarray(u["sol"][key(u["path"], "Test", "F1:G1")].value, dtype=object).reshape(-1)
    assert list(spill) == [cell(u, "B1"), cell(u, "C1")]


@needs_national
def test_interface_cost_equals_udf_on_the_same_rows(user_cells: dict[str, Any]) -> None:
    u = user_cells
    for i, sv in enumerate(u["services"], start=1):
        assert cell(u, f"H{i}") == pytest.approx(wmo_cost(sv, 1000, u["menu_rows"], 2025), rel=1e-9)
        assert cell(u, f"I{i}") == pytest.approx(wmo_cost(sv, 37.5, u["menu_rows"], None), rel=1e-9)


@needs_national
def test_interface_unknown_wijk_is_an_error_and_so_is_its_sum(user_cells: dict[str, Any]) -> None:
    u = user_cells
    assert isinstance(cell(u, "A1"), float) and cell(u, "A1") >= 0
    assert all(is_error(cell(u, ref)) for ref in u["errors"]), {ref: cell(u, ref) for ref in u["errors"]}


@needs_national
def test_interface_price_edit_moves_every_totaal_row(user_cells: dict[str, Any]) -> None:
    path, xl = user_cells["path"], user_cells["xl"]
    me = openpyxl.load_workbook(path)["Menukaart"]
    r, c = header_column(me, "prijs")
    totals = totaal_rows(path)
    assert {"Totaal basis", "Totaal scenario"} <= set(totals) and len(totals) >= 6
    outputs = [key(path, "Budget", ref) for refs in totals.values() for ref in refs]
    for row in (r + 1, r + len(load_menu().rows)):  # the first and the last service
        price_cell = f"{openpyxl.utils.get_column_letter(c)}{row}"
        price = me[price_cell].value
        inp = key(path, "Menukaart", price_cell)
        base = xl.calculate(inputs={inp: price}, outputs=outputs)
        up = xl.calculate(inputs={inp: price * 1.1}, outputs=outputs)
        bad = xl.calculate(inputs={inp: "abc"}, outputs=outputs)
        for k in outputs:
            b, v = scalar(base[k]), scalar(up[k])
            assert isinstance(b, float) and v > b, (k, b, v)
            assert is_error(scalar(bad[k])), k
    # an empty, negative or Dutch-text price is refused the same way (never read as 0)
    import schedula

    for value in (schedula.EMPTY, -1.0, "32,40"):
        sol = xl.calculate(inputs={inp: value}, outputs=outputs)
        assert all(is_error(scalar(sol[k])) for k in outputs), value
    xl.calculate(inputs={inp: price}, outputs=outputs)


@needs_national
def test_forecast_sheet_follows_category_input(user_cells: dict[str, Any]) -> None:
    """Switching the Forecast sheet to hbh shows the HbH model's gemeente and wijk figures."""
    path, xl = user_cells["path"], user_cells["xl"]
    ws = openpyxl.load_workbook(path)["Forecast"]
    r_year, _ = header_column(ws, "Jaar")
    r_grid, _ = header_column(ws, "Wijk")
    years = [ws.cell(r_year, c).value for c in range(3, 10)]
    outputs = [key(path, "Forecast", ws.cell(r, c).coordinate) for r in (r_year + 3, r_grid + 1) for c in range(3, 10)]
    outputs.append(key(path, "Forecast", ws.cell(r_grid + 1, 2).coordinate))
    sol = xl.calculate(inputs={key(path, "Forecast", "C5"): "hbh"}, outputs=outputs)
    got = [scalar(sol[k]) for k in outputs]
    wijk = got[-1]
    hbh = forecast_table(["GM0518", wijk], [y for y in years if y >= 2017], "hbh")
    assert wijk.startswith("WK0518")
    assert got[:7] == pytest.approx(list(hbh["clients"].iloc[:7]), rel=1e-9)
    want = [v if np.isfinite(v) else "." for v in hbh["clients"].iloc[7:]]  # a suppressed CBS count shows '.'
    assert [g if isinstance(g, str) else pytest.approx(g, rel=1e-9) for g in got[7:14]] == want
    xl.calculate(inputs={key(path, "Forecast", "C5"): "totaal"}, outputs=outputs)


@needs_national
def test_cells_names_and_budget_agree(user_cells: dict[str, Any]) -> None:
    """The Budget sheet's cells, the LAMBDA names and wmo_xl's own budget: 1e-9 relative."""
    u = user_cells
    national = u["path"]
    cached = openpyxl.load_workbook(national.with_name("gm0518.xlsx"), data_only=True)["Budget"]
    years = u["years"]
    params = {}
    r_par, c_par = header_column(cached, "parameter")
    for i in range(1, 9):
        k, val = cached.cell(r_par + i, c_par).value, cached.cell(r_par + i, c_par + 1).value
        if val is not None:
            params[k] = val
    ref = budget("GM0518", years, load_menu(), Scenario(**params)).set_index(["dienst", "jaar"])
    menu = {row.dienst for row in load_menu().rows}
    for title, measure, total in (("Kosten basis (EUR)", "basis", "Totaal basis"), ("Kosten scenario (EUR)", "scenario", "Totaal scenario")):
        r = header_column(cached, title)[0] + 2
        seen = 0
        while cached.cell(r, 2).value != total:
            dienst = cached.cell(r, 4 + len(years)).value  # the code column right of the years (B shows the omschrijving)
            if dienst in menu:
                seen += 1
                for j, y in enumerate(years):
                    coord = cached.cell(r, 4 + j).coordinate
                    want = ref.loc[(dienst, y), measure]
                    assert cached[coord].value == pytest.approx(want, rel=1e-9)
                    assert cell(u, coord, "Budget") == pytest.approx(want, rel=1e-9)
                    if measure == "basis":
                        assert cell(u, u["names_cells"][(dienst, y)]) == pytest.approx(want, rel=1e-9)
            r += 1
        assert seen == len(menu)
        assert [cell(u, cached.cell(r, 4 + j).coordinate, "Budget") for j in range(len(years))] == pytest.approx(
            [ref.xs(y, level="jaar")[measure].sum() for y in years], rel=1e-9)


@needs_national
def test_scenario_parameter_out_of_range_fails_the_totals(user_cells: dict[str, Any]) -> None:
    national, xl = user_cells["path"], user_cells["xl"]
    bu = openpyxl.load_workbook(national)["Budget"]
    r, c = header_column(bu, "parameter")
    row = next(r + i for i in range(1, 9) if bu.cell(r + i, c).value == "indexatie")
    ref = bu.cell(row, c + 1).coordinate
    totals = totaal_rows(national)
    outputs = [key(national, "Budget", ref) for ref in totals["Totaal scenario"]]
    for bad in (0.9, "4%x"):
        sol = xl.calculate(inputs={key(national, "Budget", ref): bad}, outputs=outputs)
        assert all(is_error(scalar(sol[k])) for k in outputs)
    sol = xl.calculate(inputs={key(national, "Budget", ref): bu[ref].value}, outputs=outputs)
    assert all(isinstance(scalar(sol[k]), float) for k in outputs)


@needs_national
def test_one_gemeente_is_small(national: Path) -> None:
    assert national.stat().st_size < 300_000


# ------------------------------------------------------------------ LibreOffice
def _render(path: Path, tmp: Path) -> str:
    """Convert with LibreOffice, recalculating everything on load (its own numbers, not the cache)."""
    profile = tmp / "lo" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
        "<value>0</value></prop></item></oor:items>", encoding="utf-8")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp / 'lo'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(path)], check=True, capture_output=True, timeout=180)
    pdf = tmp / (path.stem + ".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-l", "4", str(pdf), str(tmp / "page")], check=True, timeout=120)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(any(shutil.which(t) is None for t in ("soffice", "pdftotext", "pdftoppm")), reason="LibreOffice/poppler not installed")
def test_libreoffice_shows_numbers_and_no_error_cell(synthetic: Path, tmp_path: Path) -> None:
    text = _render(synthetic, tmp_path)
    bad = [ln for ln in text.splitlines() if re.search(r"Err:\d+|#N/A|#VALUE!|#NAME\?|#REF!|#DIV/0!|#NUM!", ln)]
    assert not bad, bad[:5]
    # GM0202 is a real code: today's name (data/gemeenten_2024.csv) wins over the fixture's "Proefstad"
    assert "Totaal basis" in text and "Totaal scenario ondergrens (80%)" in text and "Arnhem" in text
    assert len(re.findall(r"€ [\d,]{5,}", text)) > 100
    assert len(list(tmp_path.glob("page-*.png"))) >= 3


# ------------------------------------------------------------------ WMO_COST as a property
@pytest.fixture(scope="module")
def cost_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A minimal workbook: one Menukaart row as input cells and the export's WMO_COST name."""
    import xlsxwriter

    from wmo_xl.excel.export_names import cost_name
    from wmo_xl.menukaart import COLUMNS

    path = tmp_path_factory.mktemp("cost") / "cost.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Menukaart")
    row = load_menu().rows[0]
    ws.write_row(0, 0, COLUMNS)
    ws.write_row(1, 0, [getattr(row, c) for c in COLUMNS])
    wb.define_name("Menukaart", f"=Menukaart!$A$1:${chr(64 + len(COLUMNS))}$2")
    wb.define_name("WMO_COST", cost_name())
    t = wb.add_worksheet("T")
    t.write_number("A1", 10.0)
    t.write_number("A2", 2025)
    t.write_formula("A3", f'=WMO_COST("{row.dienst}",A1,Menukaart,A2)')
    wb.close()
    return model_of(path), path


def _cost_inputs(path: Path) -> dict[str, str]:
    from wmo_xl.menukaart import COLUMNS

    return {c: key(path, "Menukaart", f"{chr(65 + i)}2") for i, c in enumerate(COLUMNS)}


#: One value outside MenuRow's range (or text, or empty) per menu column, and for the clients.
BAD = {"aandeel": [-0.01, 1.01, "abc"], "verzilveringsgraad": [-0.5, 1.5], "eenheden_per_client_per_jaar": [-1.0],
       "prijs": [-0.01, "abc", "32,40", None], "indexatie": [-0.51, 0.55], "prijsjaar": [1999, 2101, 2020.5], "clients": [-1.0]}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clients=hs.floats(0, 1e5), aandeel=hs.floats(0, 1), verz=hs.floats(0, 1), units=hs.floats(0, 500),
       price=hs.floats(0, 5000), indexatie=hs.floats(-0.5, 0.5), prijsjaar=hs.integers(2000, 2030), year=hs.integers(2015, 2035),
       broken=hs.sampled_from([None, *BAD]), pick=hs.integers(0, 3))
def test_wmo_cost_name_is_the_core_cost_or_an_error(cost_book: tuple[Any, Path], clients: float, aandeel: float, verz: float,
                                                      units: float, price: float, indexatie: float, prijsjaar: int, year: int,
                                                      broken: str | None, pick: int) -> None:
    """Valid rows: the core's cost to 1e-9; one value out of range, text or empty: an Excel error."""
    import schedula

    from wmo_xl.costs import cost
    from wmo_xl.menukaart import MenuRow

    xl, path = cost_book
    cells = _cost_inputs(path)
    values: dict[str, Any] = {"aandeel": aandeel, "verzilveringsgraad": verz, "eenheden_per_client_per_jaar": units, "prijs": price,
                              "indexatie": indexatie, "prijsjaar": prijsjaar, "clients": clients}
    if broken is not None:
        values[broken] = BAD[broken][pick % len(BAD[broken])]
    inputs = {cells[k]: (schedula.EMPTY if v is None else v) for k, v in values.items() if k != "clients"}
    inputs[key(path, "T", "A1")] = values["clients"]
    inputs[key(path, "T", "A2")] = year
    out = key(path, "T", "A3")
    got = scalar(xl.calculate(inputs=inputs, outputs=[out])[out])
    if broken is not None:
        assert is_error(got), (broken, values, got)
        return
    row = MenuRow(**{**load_menu().rows[0].model_dump(), **{k: v for k, v in values.items() if k != "clients"}})
    assert got == pytest.approx(cost(row, clients, year), rel=1e-9, abs=1e-9)


# ------------------------------------------------------------------ the template's export button
class _Book:
    """A stand-in for the open template (SheetAccess): its path and the Forecast sheet."""

    def __init__(self, path: Path, gemeente: Any) -> None:
        self.path, self.messages = path, []
        self._forecast = [[None] * 4 for _ in range(5)]
        self._forecast[3][2] = gemeente

    def read(self, sheet: str) -> list[list[Any]]:
        assert sheet == "Forecast"
        return self._forecast

    def status(self, message: str | None) -> None:
        self.messages.append(message)


def test_template_button_exports_beside_the_workbook_and_never_replaces(tmp_path: Path, active_bundle: Path) -> None:
    from wmo_xl.excel import macros

    book = _Book(tmp_path / "wmo_xl.xlsm", "gm0202 ")
    first = macros.export_workbook(book)
    assert first == tmp_path / "wmo_xl_GM0202_zonder_macros.xlsx" and zipfile.is_zipfile(first)
    assert "landelijk model" in book.messages[-1] and first.name in book.messages[-1]
    before = first.read_bytes()
    second = macros.export_workbook(book)
    assert second == tmp_path / "wmo_xl_GM0202_zonder_macros (2).xlsx" and first.read_bytes() == before
    assert openpyxl.load_workbook(second)["Forecast"]["C4"].value == "GM0202"


@pytest.mark.parametrize("gemeente", [None, "GM9999"])
def test_template_button_says_why_it_did_not_export(tmp_path: Path, active_bundle: Path, gemeente: Any) -> None:
    from wmo_xl.excel import macros

    book = _Book(tmp_path / "wmo_xl.xlsm", gemeente)
    assert macros.export_workbook(book) is None
    assert book.messages[-1].startswith("wmo_xl: niet geexporteerd - ") and not list(tmp_path.iterdir())


def test_template_has_the_export_button_and_sub() -> None:
    from oletools.olevba import VBA_Parser

    from wmo_xl.excel import contract as C

    template = Path(__file__).resolve().parents[1] / "workbook" / "wmo_xl.xlsm"
    modules = {Path(name).stem: code for _, _, name, code in VBA_Parser(str(template)).extract_macros()}
    assert f'Sub {C.EXPORT_MACRO}()' in modules[C.VBA_MACRO_MODULE]
    assert f'RunPython "{C.EXPORT_PYTHON}"' in modules[C.VBA_MACRO_MODULE]
    with zipfile.ZipFile(template) as z:
        vml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    assert vml.count(f"<x:FmlaMacro>[0]!{C.EXPORT_MACRO}</x:FmlaMacro>") == 1
    assert "Exporteren zonder macro" in vml


def test_template_button_after_a_retrain_exports_the_own_model(tmp_path: Path, active_bundle: Path, cbs_frame: pd.DataFrame) -> None:
    """Retrain on own figures (two newer years), then Exporteren: the file carries the own model."""
    from test_retrain import local_rows, make_workbook

    from wmo_xl.bundle import forget_workbook_choices
    from wmo_xl.excel import macros
    from wmo_xl.excel.sheets import OpenpyxlBook
    from wmo_xl.retrain import retrain

    wb_path = make_workbook(tmp_path / "begroting.xlsx", local_rows(cbs_frame, "GM0202"))
    local = retrain(OpenpyxlBook(wb_path)).bundle_path
    forget_workbook_choices()
    book = _Book(wb_path, "GM0202")
    out = macros.export_workbook(book)
    assert out is not None and "eigen model" in book.messages[-1]
    wb = openpyxl.load_workbook(out, data_only=True)
    info = {r[1]: r[2] for r in wb["Model"].iter_rows(values_only=True) if len(r) > 2 and r[1]}
    assert info["Model"].startswith("eigen model") and info["Laatste waarneming"] == 2020
    rows = {r[0]: r for r in wb["Prognose"].iter_rows(min_row=6, values_only=True)}
    years = [c for c in next(wb["Prognose"].iter_rows(min_row=5, max_row=5, values_only=True))[5:] if isinstance(c, int)]
    own = forecast_table(["GM0202"], years[: len(years) // 3], model=local)["clients"].tolist()
    first_forecast = next(y for y in years if y > 2020)
    national = forecast_table(["GM0202"], [first_forecast], model=active_bundle)["clients"].iloc[0]
    got = list(rows["GM0202|totaal"][5:5 + len(own)])
    assert got == pytest.approx(own, rel=1e-12) and own[years.index(first_forecast)] != pytest.approx(national, rel=1e-3)


def test_switching_gemeente_moves_forecast_and_budget(synthetic: Path, bundle_dir: Path) -> None:
    """Two gemeenten in one file: the Forecast input drives both sheets, as the core computes them."""
    xl = model_of(synthetic)
    bu = openpyxl.load_workbook(synthetic, data_only=True)["Budget"]
    r_years, _ = header_column(bu, "Begrotingsjaren (geel = invullen)")
    years = [bu.cell(r_years, c).value for c in range(4, 4 + 5) if bu.cell(r_years, c).value]
    r_tot, _ = header_column(bu, "Totaal basis")
    totals = [key(synthetic, "Budget", bu.cell(r_tot, 4 + j).coordinate) for j in range(len(years))]
    fc = openpyxl.load_workbook(synthetic)["Forecast"]
    r_year, _ = header_column(fc, "Jaar")
    g_cells = [key(synthetic, "Forecast", fc.cell(r_year + 3, 3 + j).coordinate) for j in range(7)]
    sol = xl.calculate(inputs={key(synthetic, "Forecast", "C4"): "GM0101"}, outputs=totals + g_cells)
    want = budget("GM0101", years, load_menu(), model=bundle_dir).groupby("jaar")["basis"].sum()
    assert [scalar(sol[k]) for k in totals] == pytest.approx([want[y] for y in years], rel=1e-9)
    fc_want = forecast_table(["GM0101"], list(range(2016, 2023)), model=bundle_dir)["clients"].tolist()
    got = [scalar(sol[k]) for k in g_cells]
    # an incomplete observed year (NaN in the core) is no number in the file either
    assert [not isinstance(g, (int, float)) for g in got] == [w != w for w in fc_want]
    assert [g for g, w in zip(got, fc_want) if w == w] == pytest.approx([w for w in fc_want if w == w], rel=1e-9)
    sol = xl.calculate(inputs={key(synthetic, "Forecast", "C4"): "GM0303"}, outputs=totals)  # not in this file
    assert all(is_error(scalar(sol[k])) for k in totals)
