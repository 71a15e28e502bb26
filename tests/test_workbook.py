"""The workbook template: structure, recalculation with the UDFs, cached values, rendering."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import wmo_xl
import xlcalc
from wmo_xl.bundle import national_bundle_path
from wmo_xl.costs import Scenario, budget
from wmo_xl.menukaart import load_menu
from wmo_xl.workbook import build_workbook, vba_project_bytes

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "wmo_xl.xlsm"
SHEETS = ["Start", "Forecast", "Menukaart", "Budget", "Data", "Model"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path) -> Path:
    """The template built on the synthetic bundle (gemeente GM0202)."""
    from wmo_xl.bundle import set_active_model

    set_active_model(bundle_dir)
    try:
        return build_workbook(tmp_path_factory.mktemp("wb") / "wmo_xl.xlsm", gemeente="GM0202")
    finally:
        set_active_model(None)


@pytest.fixture(scope="module")
def solved(built: Path, bundle_dir: Path):  # type: ignore[no-untyped-def]
    from wmo_xl.bundle import set_active_model

    set_active_model(bundle_dir)
    xl = xlcalc.load(built)
    sol = xl.calculate()
    yield xl, sol
    set_active_model(None)


def _budget_layout(path: Path) -> tuple[dict[str, int], dict[int, str], int, dict[str, object]]:
    """Rows of services, columns of base years, the total row and the scenario parameters."""
    ws = openpyxl.load_workbook(path)["Budget"]
    rows = {}
    total = 0
    for r in range(1, ws.max_row + 1):
        b = ws.cell(r, 2).value
        if isinstance(b, str) and b in {row.dienst for row in load_menu().rows}:
            rows[b] = r
        if b == "Totaal Wmo":
            total = r
    years = {c: int(ws.cell(5, c).value) for c in range(4, 9)}
    params = {}
    for r in range(9, 17):
        k, v = ws.cell(r, 2).value, ws.cell(r, 3).value
        if k:
            params[k] = v
    return rows, years, total, params


# ------------------------------------------------------------------------- structure
def test_sheets_names_and_validation(built: Path) -> None:
    wb = openpyxl.load_workbook(built, keep_vba=True)
    assert wb.sheetnames[: len(SHEETS)] == SHEETS and "xlwings.conf" in wb.sheetnames
    assert "Menukaart" in wb.defined_names
    dv = {str(d.sqref): d for d in wb["Forecast"].data_validations.dataValidation}
    assert dv["C4"].type == "list" and "Lijsten" in dv["C4"].formula1
    assert dv["C5"].formula1 == '"totaal,hbh"'
    data = wb["Data"]
    header_row = next(r for r in range(1, 20) if data.cell(r, 1).value == "wijk")
    assert [data.cell(header_row, c).value for c in range(1, 4)] == ["wijk", "jaar", "clienten"]
    assert data.cell(header_row + 1, 1).value.startswith("WK")


def test_xlwings_conf_sheet(built: Path) -> None:
    ws = openpyxl.load_workbook(built)["xlwings.conf"]
    conf = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 20) if ws.cell(r, 1).value}
    assert conf["UDF Modules"] == "wmo_xl.udfs"
    assert {"Interpreter_Win", "Interpreter_Mac", "Conda Path", "Conda Env", "Use UDF Server"} <= set(conf)
    assert ws.cell(1, 1).value == "Interpreter_Win"  # keys start in A1, as xlwings reads them


def test_vba_identical_to_xlwings_template_and_buttons_wired(built: Path) -> None:
    with zipfile.ZipFile(built) as z:
        assert z.read("xl/vbaProject.bin") == vba_project_bytes()
        vml = [z.read(n).decode() for n in z.namelist() if n.endswith(".vml")]
        workbook_xml = z.read("xl/workbook.xml").decode()
    assert sum(v.count("<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>") for v in vml) == 2
    assert 'codeName="ThisWorkbook"' in workbook_xml and "fullCalcOnLoad" not in workbook_xml
    from oletools.olevba import VBA_Parser

    code = "\n".join(c for *_, c in VBA_Parser(str(built)).extract_macros())
    assert "Sub SampleCall()" in code and "Function RunPython" in code and "xlwings64-0.37.8.dll" in code


_CACHED_NUMBER = re.compile(rb"(?<=<v>|:v>)-?[0-9][0-9.]*(?:[eE][-+]?[0-9]+)?(?=</v>|</c:v>)")


def _same_part(a: bytes, b: bytes) -> bool:
    """Byte-identical, or identical but for cached numbers that agree to 1e-12 (relative).

    numpy versions may sum in another order; the last digit of a cached value then differs.
    """
    if a == b:
        return True
    if _CACHED_NUMBER.sub(b"#", a) != _CACHED_NUMBER.sub(b"#", b):
        return False
    x = np.array([float(v) for v in _CACHED_NUMBER.findall(a)])
    y = np.array([float(v) for v in _CACHED_NUMBER.findall(b)])
    return bool(np.allclose(x, y, rtol=1e-12, atol=0))


def test_committed_template_is_current(tmp_path: Path) -> None:
    """workbook/wmo_xl.xlsm matches a fresh build (all parts but the timestamps)."""
    fresh = build_workbook(tmp_path / "wmo_xl.xlsm", model=national_bundle_path())
    with zipfile.ZipFile(TEMPLATE) as a, zipfile.ZipFile(fresh) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if name != "docProps/core.xml":
                assert _same_part(a.read(name), b.read(name)), name


# -------------------------------------------------------------------- recalculation
def test_forecast_sheet_recalculates_to_core_values(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    _, sol = solved
    name = built.name
    years = [int(xlcalc.value(sol, name, "Forecast", f"{c}7")) for c in "CDEFGHIJK"]
    for c, y in zip("CDEFGHIJK", years):
        assert xlcalc.value(sol, name, "Forecast", f"{c}8") == pytest.approx(wmo_xl.forecast("GM0202", y))
        lo, hi = wmo_xl.forecast_interval("GM0202", y)
        assert xlcalc.value(sol, name, "Forecast", f"{c}9") == pytest.approx(lo)
        assert xlcalc.value(sol, name, "Forecast", f"{c}10") == pytest.approx(hi)
    table = wmo_xl.forecast_table([f"WK0202{i:02d}" for i in range(12)], years).set_index(["wijk", "year"])["clients"]
    for i in range(12):
        wijk = xlcalc.value(sol, name, "Forecast", f"B{13 + i}")
        assert wijk == f"WK0202{i:02d}"
        for c, y in zip("CDEFGHIJK", years):
            want = table[(wijk, y)]
            got = xlcalc.value(sol, name, "Forecast", f"{c}{13 + i}")
            assert (got in ("", None)) if np.isnan(want) else (got == pytest.approx(want)), (wijk, y, got, want)  # suppressed: empty, not 0
    assert xlcalc.value(sol, name, "Forecast", "B25") == ""  # below the gemeente's wijken: empty


def test_budget_sheet_recalculates_to_core_values(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    _, sol = solved
    rows, years, total_row, params = _budget_layout(built)
    scen = Scenario(**{k: v for k, v in params.items() if v is not None})
    detail = budget("GM0202", list(years.values()), scenario=scen)
    for dienst, r in rows.items():
        for c, y in years.items():
            want = detail[(detail["dienst"] == dienst) & (detail["jaar"] == y)].iloc[0]
            col = openpyxl.utils.get_column_letter(c)
            assert xlcalc.value(sol, built.name, "Budget", f"{col}{r}") == pytest.approx(want["basis"])
            scol = openpyxl.utils.get_column_letter(c + len(years) + 1)
            assert xlcalc.value(sol, built.name, "Budget", f"{scol}{r}") == pytest.approx(want["scenario"])
    for c, y in years.items():
        col = openpyxl.utils.get_column_letter(c)
        got = xlcalc.value(sol, built.name, "Budget", f"{col}{total_row}")
        assert got == pytest.approx(detail[detail["jaar"] == y]["basis"].sum())


def test_price_rise_on_menukaart_raises_that_service_by_10_percent(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    xl, sol = solved
    rows, years, _, _ = _budget_layout(built)
    menu_ws = openpyxl.load_workbook(built)["Menukaart"]
    mrow = next(r for r in range(1, 40) if menu_ws.cell(r, 1).value == "dagbesteding_zin")
    price_col = next(c for c in range(1, 15) if menu_ws.cell(3, c).value == "prijs")
    price_cell = f"{openpyxl.utils.get_column_letter(price_col)}{mrow}"
    old = menu_ws[price_cell].value
    targets = {s: f"{openpyxl.utils.get_column_letter(4)}{r}" for s, r in rows.items()}
    outputs = [xlcalc.key(built.name, "Budget", c) for c in targets.values()]
    new = xl.calculate(inputs={xlcalc.key(built.name, "Menukaart", price_cell): old * 1.10}, outputs=outputs)
    for s, cell in targets.items():
        before = xlcalc.value(sol, built.name, "Budget", cell)
        after = xlcalc.value(new, built.name, "Budget", cell)
        assert after == pytest.approx(before * (1.10 if s == "dagbesteding_zin" else 1.0))


# -------------------------------------------------------------------- cached values
def test_committed_template_caches_national_model_values() -> None:
    wb = openpyxl.load_workbook(TEMPLATE, data_only=True)
    ws = wb["Forecast"]
    g = ws["C4"].value
    model = national_bundle_path()
    for c in "CDEFGHIJK":
        assert ws[f"{c}8"].value == pytest.approx(wmo_xl.forecast(g, ws[f"{c}7"].value, model=model))
    assert ws["C13"].value == pytest.approx(wmo_xl.forecast(ws["B13"].value, ws["C7"].value, model=model))
    b = wb["Budget"]
    rows, years, total_row, params = _budget_layout(TEMPLATE)
    detail = budget(g, list(years.values()), model=model)
    for c, y in years.items():
        assert b.cell(total_row, c).value == pytest.approx(detail[detail["jaar"] == y]["basis"].sum())
    assert wb["Model"]["C4"].value == "landelijk model"


# -------------------------------------------------------------------------- render
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None, reason="LibreOffice/poppler not installed")
def test_template_renders_without_errors(tmp_path: Path) -> None:
    profile = f"file://{tmp_path / 'lo'}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(TEMPLATE)],
                   check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "wmo_xl.pdf"), "-"], check=True, capture_output=True, text=True).stdout
    start = " ".join(str(c.value) for row in openpyxl.load_workbook(TEMPLATE)["Start"].iter_rows() for c in row if c.value)
    bad = [ln for ln in text.splitlines() if re.search(r"#NAME\?|#VALUE!|#WMO!|Err:|#N/A|#REF!", ln)]
    # the Start sheet explains these messages in words; every other occurrence is a failure
    assert all(re.sub(r"\s+", " ", ln.strip())[:40] in start for ln in bad), bad
    assert "Apeldoorn" in text and "Totaal Wmo" in text and "Actief model" in text
    numbers = re.findall(r"€ [\d,]{7,}", text)
    assert len(numbers) > 50
