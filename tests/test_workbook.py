"""The workbook template: structure, VBA, recalculation with the UDFs, cached values, rendering."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

import wmo_xl
import xlcalc
from wmo_xl.bundle import national_bundle_path
from wmo_xl.costs import Scenario, budget
from wmo_xl.excel import contract as C
from wmo_xl.excel import vba
from wmo_xl.excel.template import build_workbook, budget_years, vba_project_bytes, xlwings_template
from wmo_xl.menukaart import load_category_shares, load_menu

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "wmo_xl.xlsm"
TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path) -> Path:
    """The template built on the synthetic bundle (gemeente GM0202; data 2015-2018, reach 2028); budget
    years 2022-2026 (the VNG indexation series of the shipped menukaart starts pricing in 2022)."""
    from wmo_xl.bundle import set_active_model

    set_active_model(bundle_dir)
    try:
        return build_workbook(tmp_path_factory.mktemp("wb") / "wmo_xl.xlsm", gemeente="GM0202", today=date(2021, 6, 1))
    finally:
        set_active_model(None)


@pytest.fixture(scope="module")
def solved(built: Path, bundle_dir: Path):  # type: ignore[no-untyped-def]
    from wmo_xl.bundle import set_active_model

    set_active_model(bundle_dir)
    xl = xlcalc.load(built)
    xlcalc.reset_calls()
    sol = xl.calculate()
    calls = dict(xlcalc.calls)
    yield xl, sol, calls
    set_active_model(None)


def _labels(path: Path, sheet: str, col: int = 2) -> dict[str, int]:
    """First sheet row of each label in a column (cached values)."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    out: dict[str, int] = {}
    for r in range(1, ws.max_row + 1):
        v = ws.cell(r, col).value
        if isinstance(v, str) and v not in out:
            out[v] = r
    return out


def _budget_layout(path: Path) -> tuple[dict[str, int], dict[int, int], int, dict[str, Any]]:
    """Rows of services, base-year columns, the total row and the scenario parameters."""
    ws = openpyxl.load_workbook(path, data_only=True)["Budget"]
    labels = _labels(path, "Budget")
    services = {row.dienst: labels[row.omschrijving or row.dienst] for row in load_menu().rows}  # shown by their Dutch label
    head = labels["Jaar"]
    years: dict[int, int] = {}
    for c in range(4, 9):  # the base block's years end at the first empty column
        if not isinstance(ws.cell(head, c).value, (int, float)):
            break
        years[c] = int(ws.cell(head, c).value)
    first, last = (int(c[1:]) for c in C.BUDGET_SCENARIO.split(":"))
    params = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(first, last + 1) if ws.cell(r, 2).value}
    return services, years, labels["Totaal Wmo"], params


def _col(c: int) -> str:
    return openpyxl.utils.get_column_letter(c)


# ------------------------------------------------------------------------- structure
def test_sheets_names_and_validation(built: Path, bundle_dir: Path) -> None:
    wb = openpyxl.load_workbook(built, keep_vba=True)
    assert wb.sheetnames == C.SHEETS
    assert C.MENU_NAME in wb.defined_names and C.MODEL_STAMP_NAME in wb.defined_names
    dv = {str(d.sqref): d for d in wb[C.FORECAST].data_validations.dataValidation}
    assert dv[C.FORECAST_GEMEENTE].type == "list" and C.LISTS in dv[C.FORECAST_GEMEENTE].formula1
    from wmo_xl.bundle import load_bundle
    from wmo_xl.excel.template import model_categories

    cats = model_categories(load_bundle(bundle_dir))  # the model's own categories, in CATEGORIES order
    assert cats[0] == "totaal" and dv[C.FORECAST_CATEGORY].formula1 == '"' + ",".join(cats) + '"'
    lists = wb[C.LISTS]
    assert [lists.cell(r, 3).value for r in range(2, 2 + len(cats) + 1)] == [*cats, None]
    data = wb[C.DATA]
    header_row = next(r for r in range(1, 20) if data.cell(r, 1).value == "wijk")
    assert [data.cell(header_row, c).value for c in range(1, 4)] == ["wijk", "jaar", "clienten"]
    assert data.cell(header_row + 1, 1).value.startswith("WK")


def test_xlwings_conf_sheet_is_text_only_without_empty_rows(built: Path) -> None:
    ws = openpyxl.load_workbook(built)[C.CONF]
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)]
    assert rows == [(k, v) for k, v, _ in C.CONF_ROWS]  # from A1, no gaps, no empty values
    assert all(isinstance(v, str) for _, v in rows)
    assert dict(rows)["UDF Modules"] == C.UDF_MODULE
    with zipfile.ZipFile(built) as z:
        sheet_xml = _sheet_xml(z, C.CONF)
    assert 't="b"' not in sheet_xml  # no boolean cell: a Dutch Excel reads it as WAAR/ONWAAR (xlwings #2594)


def _sheet_xml(z: zipfile.ZipFile, name: str) -> str:
    workbook = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet name="{re.escape(name)}" sheetId="\d+" (?:state="\w+" )?r:id="(rId\d+)"', workbook).group(1)  # type: ignore[union-attr]
    target = re.search(rf'Id="{rid}" [^>]*Target="([^"]+)"', rels) or re.search(rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return z.read("xl/" + target.group(1)).decode()  # type: ignore[union-attr]


def test_vba_has_a_wrapper_for_every_udf_and_button_subs(built: Path) -> None:
    from oletools.olevba import VBA_Parser

    modules = {Path(name).stem: code for _, _, name, code in VBA_Parser(str(built)).extract_macros()}
    udfs = vba.udf_functions()
    assert len(udfs) >= 10
    wrappers = modules[C.VBA_UDF_MODULE]
    for name in udfs:
        assert re.search(rf"^Function {name}\(", wrappers, re.M), name
    assert len(re.findall(r"^Function ", wrappers, re.M)) == len(udfs)
    assert wrappers.replace("\r\n", "\n").strip() == vba.udf_wrapper_source().strip()
    macros = modules[C.VBA_MACRO_MODULE]
    assert f'RunPython "{C.RETRAIN_PYTHON}"' in macros and f'RunPython "{C.RESET_PYTHON}"' in macros
    assert f'RunPython "{C.REFRESH_PYTHON}"' in macros
    assert "SampleCall" not in "\n".join(modules.values())  # nothing imports a module named like the file
    with zipfile.ZipFile(built) as z:
        vml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
        workbook_xml = z.read("xl/workbook.xml").decode()
    assert vml.count(f"<x:FmlaMacro>[0]!{C.RETRAIN_MACRO}</x:FmlaMacro>") == 1
    assert vml.count(f"<x:FmlaMacro>[0]!{C.RESET_MACRO}</x:FmlaMacro>") == 1
    assert vml.count(f"<x:FmlaMacro>[0]!{C.REFRESH_MACRO}</x:FmlaMacro>") == 1 and C.REFRESH_CAPTION in vml
    assert "Button" not in re.sub(r"<[^>]+>", "", vml)  # no UI-language button names to tell them apart
    assert 'codeName="ThisWorkbook"' in workbook_xml and "fullCalcOnLoad" not in workbook_xml


def test_xlwings_module_is_byte_identical_and_excel_recompiles(built: Path) -> None:
    """The xlwings module stream is xlwings' own; the new modules carry no compiled p-code and
    the project's performance cache is emptied, so Excel compiles from source."""
    import io

    import olefile

    def project(data: bytes) -> olefile.OleFileIO:
        return olefile.OleFileIO(io.BytesIO(data))

    with zipfile.ZipFile(built) as z:
        ours = project(z.read("xl/vbaProject.bin"))
    theirs = project(vba_project_bytes())
    assert ours.openstream("VBA/xlwings").read() == theirs.openstream("VBA/xlwings").read()
    cache = ours.openstream("VBA/_VBA_PROJECT").read()
    assert cache[:4] == b"\xcc\x61\xff\xff" and not any(cache[7:])  # version 0xFFFF, no cache: [MS-OVBA] 2.3.4.1
    from pyopenvba import ExcelFile

    with ExcelFile(built) as wb:
        mods = {m.name: m for m in wb.vba_project().modules}
        assert mods[C.VBA_UDF_MODULE].text_offset == 0 and mods[C.VBA_MACRO_MODULE].text_offset == 0  # source only
    with ExcelFile(xlwings_template()) as original, ExcelFile(built) as wb:
        assert wb.get_module(C.VBA_XLWINGS_MODULE) == original.get_module(C.VBA_XLWINGS_MODULE)


def test_template_validates_as_office_open_xml(built: Path) -> None:
    openxml_audit = shutil.which("openxml-audit") or str(Path(__import__("sys").executable).parent / "openxml-audit")
    if not Path(openxml_audit).exists():
        pytest.skip("openxml-audit not installed")
    out = subprocess.run([openxml_audit, "-f", "microsoft365", str(built)], capture_output=True, text=True, timeout=300)
    assert "Errors: 0" in out.stdout, out.stdout[-2000:]


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
    """workbook/wmo_xl.xlsm matches a fresh build for the same date (all parts but the timestamps)."""
    with zipfile.ZipFile(TEMPLATE) as z:
        built_for = re.search(r"<vt:lpwstr>(\d{4}-\d\d-\d\d)</vt:lpwstr>", z.read("docProps/custom.xml").decode()).group(1)  # type: ignore[union-attr]
    fresh = build_workbook(tmp_path / "wmo_xl.xlsm", model=national_bundle_path(), today=date.fromisoformat(built_for))
    with zipfile.ZipFile(TEMPLATE) as a, zipfile.ZipFile(fresh) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if name != "docProps/core.xml":
                assert _same_part(a.read(name), b.read(name)), name


# ------------------------------------------------------------------ stale-data guard
def test_budget_years_are_next_year_and_the_meerjarenraming_whatever_the_data() -> None:
    years, note = budget_years(TODAY, 2018)
    assert years == [2027, 2028, 2029, 2030]
    assert "begrotingsjaar 2027" in note and "2028-2030" in note
    assert "2027, 2028, 2029, 2030" in note and "extrapolatie" in note and "Ververs" in note  # 9-12 years beyond 2018
    years, note = budget_years(date(2020, 3, 1), 2021)
    assert years == [2021, 2022, 2023, 2024] and "extrapolatie" not in note


def test_sheets_say_how_far_beyond_the_data_each_column_is(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    _, sol, _ = solved
    labels = _labels(built, C.FORECAST)
    beyond = next(r for label, r in labels.items() if label.startswith("Jaren na laatste waarneming (2018)"))
    status = labels["Status"]
    for c in range(3, 12):
        year = int(xlcalc.value(sol, built.name, C.FORECAST, f"{_col(c)}7"))
        assert xlcalc.value(sol, built.name, C.FORECAST, f"{_col(c)}{beyond}") == max(0, year - 2018)
        want = "waarneming" if year <= 2018 else "prognose" if year <= 2021 else "extrapolatie"
        assert str(xlcalc.value(sol, built.name, C.FORECAST, f"{_col(c)}{status}")).startswith(want)
    blabels = _labels(built, "Budget")
    _, years, _, _ = _budget_layout(built)
    assert list(years.values()) == [2022, 2023, 2024, 2025]  # built "on" 2021-06-01: T+1 .. T+4
    row = next(r for label, r in blabels.items() if label.startswith("Jaren na laatste waarneming"))
    assert [xlcalc.value(sol, built.name, "Budget", f"{_col(c)}{row}") for c in years] == [4, 5, 6, 7]
    for c in years:  # all past the 3 years the backtests cover
        assert str(xlcalc.value(sol, built.name, "Budget", f"{_col(c)}{blabels['Status']}")).startswith("extrapolatie")


# -------------------------------------------------------------------- recalculation
def test_full_recalculation_makes_one_udf_call_per_block(solved) -> None:  # type: ignore[no-untyped-def]
    _, _, calls = solved
    assert calls == {"wmo_forecast_sheet": 1, "wmo_budget": 1, "wmo_model_info": 1, "wmo_realisatie": 1, "wmo_wijken_budget": 1}


def test_gemeente_switch_makes_two_udf_calls(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    xl, _, _ = solved
    edit = [xlcalc.key(built.name, C.FORECAST, C.FORECAST_GEMEENTE)]
    assert xlcalc.dependent_calls(xl, edit) == {"wmo_forecast_sheet": 1, "wmo_budget": 1, "wmo_realisatie": 1, "wmo_wijken_budget": 1}


def test_forecast_sheet_recalculates_to_core_values(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    _, sol, _ = solved
    name = built.name
    years = [int(xlcalc.value(sol, name, C.FORECAST, f"{c}7")) for c in "CDEFGHIJK"]
    for c, y in zip("CDEFGHIJK", years):
        assert xlcalc.value(sol, name, C.FORECAST, f"{c}8") == pytest.approx(wmo_xl.forecast("GM0202", y))
        lo, hi = wmo_xl.forecast_interval("GM0202", y)
        assert xlcalc.value(sol, name, C.FORECAST, f"{c}9") == pytest.approx(lo)
        assert xlcalc.value(sol, name, C.FORECAST, f"{c}10") == pytest.approx(hi)
    first = _labels(built, C.FORECAST)["Wijk"] + 1
    table = wmo_xl.forecast_table([f"WK0202{i:02d}" for i in range(12)], years).set_index(["wijk", "year"])["clients"]
    for i in range(12):
        wijk = xlcalc.value(sol, name, C.FORECAST, f"B{first + i}")
        assert wijk == f"WK0202{i:02d}"
        for c, y in zip("CDEFGHIJK", years):
            want = table[(wijk, y)]
            got = xlcalc.value(sol, name, C.FORECAST, f"{c}{first + i}")
            assert (got in ("", None)) if np.isnan(want) else (got == pytest.approx(want)), (wijk, y, got, want)  # suppressed: empty, not 0


def test_budget_sheet_recalculates_to_core_values(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    _, sol, _ = solved
    rows, years, total_row, params = _budget_layout(built)
    scen = Scenario(**{k: v for k, v in params.items() if v is not None})
    detail = budget("GM0202", list(years.values()), scenario=scen)
    n = len(years)
    for dienst, r in rows.items():
        for c, y in years.items():
            want = detail[(detail["dienst"] == dienst) & (detail["jaar"] == y)].iloc[0]
            assert xlcalc.value(sol, built.name, "Budget", f"{_col(c)}{r}") == pytest.approx(want["basis"])
            assert xlcalc.value(sol, built.name, "Budget", f"{_col(c + n + 1)}{r}") == pytest.approx(want["scenario"])
            assert xlcalc.value(sol, built.name, "Budget", f"{_col(c + 2 * n + 2)}{r}") == pytest.approx(want["verschil"])
    labels = _labels(built, "Budget")
    for c, y in years.items():
        col = _col(c)
        total = detail[detail["jaar"] == y]["basis"].sum()
        assert xlcalc.value(sol, built.name, "Budget", f"{col}{total_row}") == pytest.approx(total)
        for cat in load_category_shares():
            sub = detail[(detail["jaar"] == y) & (detail["categorie"] == cat)]["basis"].sum()
            if f"Subtotaal {cat}" in labels:
                assert xlcalc.value(sol, built.name, "Budget", f"{col}{labels[f'Subtotaal {cat}']}") == pytest.approx(sub)
        # the 80% range in euros: the total at the gemeente's lower and upper client bound
        lo, hi = wmo_xl.forecast_interval("GM0202", y)
        mean = wmo_xl.forecast("GM0202", y)
        low = xlcalc.value(sol, built.name, "Budget", f"{col}{labels['Totaal ondergrens 80% (EUR)']}")
        high = xlcalc.value(sol, built.name, "Budget", f"{col}{labels['Totaal bovengrens 80% (EUR)']}")
        assert low == pytest.approx(total * lo / mean) and high == pytest.approx(total * hi / mean)
        assert low < total < high


def _price_cell(built: Path, dienst: str) -> tuple[str, float]:
    ws = openpyxl.load_workbook(built)["Menukaart"]
    mrow = next(r for r in range(1, 40) if ws.cell(r, 1).value == dienst)
    price_col = next(c for c in range(1, 15) if ws.cell(3, c).value == "prijs")
    cell = f"{_col(price_col)}{mrow}"
    return cell, float(ws[cell].value)


def test_price_rise_on_menukaart_raises_that_service_by_10_percent_in_one_call(built: Path, solved) -> None:  # type: ignore[no-untyped-def]
    xl, sol, _ = solved
    rows, years, _, _ = _budget_layout(built)
    cell, old = _price_cell(built, "dagbesteding_zin")
    targets = {s: f"D{r}" for s, r in rows.items()}
    edit = {xlcalc.key(built.name, "Menukaart", cell): old * 1.10}
    # what Excel recalculates: one round trip per block that reads the Menukaart
    assert xlcalc.dependent_calls(xl, edit) == {"wmo_budget": 1, "wmo_realisatie": 1, "wmo_wijken_budget": 1}
    new = xl.calculate(inputs=edit)
    for s, ref in targets.items():
        before = xlcalc.value(sol, built.name, "Budget", ref)
        after = xlcalc.value(new, built.name, "Budget", ref)
        assert after == pytest.approx(before * (1.10 if s == "dagbesteding_zin" else 1.0))


@pytest.mark.parametrize("bad", ["n.t.b.", -40.0])
def test_one_bad_price_turns_every_dependent_total_into_a_message(built: Path, solved, bad: Any) -> None:  # type: ignore[no-untyped-def]
    """Excel's SUM skips text: a total must never quietly leave a failing figure out."""
    xl, sol, _ = solved
    rows, years, total_row, _ = _budget_layout(built)
    labels = _labels(built, "Budget")
    cell, _ = _price_cell(built, "dagbesteding_zin")
    new = xl.calculate(inputs={xlcalc.key(built.name, "Menukaart", cell): bad})
    n = len(years)
    ranges = [labels["Totaal ondergrens 80% (EUR)"], labels["Totaal bovengrens 80% (EUR)"]]
    dependent = [labels["Subtotaal dagbesteding"], total_row] + ranges
    for r in [rows["dagbesteding_zin"]] + dependent:
        for c in years:
            for k in range(2 if r in ranges else 3):  # basis, scenario (, verschil)
                v = xlcalc.value(new, built.name, "Budget", f"{_col(c + k * (n + 1))}{r}")
                assert isinstance(v, str) and v.startswith("#WMO!") and "dagbesteding_zin" in v, (r, c, k, v)
    # figures that do not depend on it stay numbers
    for r in (rows["hbh_zin"], labels["Subtotaal hbh"]):
        assert isinstance(xlcalc.value(new, built.name, "Budget", f"D{r}"), float)
    # and the data it would drop are not silently smaller anywhere: no number in a total row
    for r in dependent:
        values = [xlcalc.value(new, built.name, "Budget", f"{_col(c)}{r}") for c in years]
        assert not any(isinstance(v, (int, float)) for v in values)


# -------------------------------------------------------------------- cached values
def test_committed_template_caches_national_model_values() -> None:
    wb = openpyxl.load_workbook(TEMPLATE, data_only=True)
    ws = wb[C.FORECAST]
    g = ws[C.FORECAST_GEMEENTE].value
    model = national_bundle_path()
    for c in "CDEFGHIJK":
        assert ws[f"{c}8"].value == pytest.approx(wmo_xl.forecast(g, ws[f"{c}7"].value, model=model))
    first = _labels(TEMPLATE, C.FORECAST)["Wijk"] + 1
    assert ws[f"C{first}"].value == pytest.approx(wmo_xl.forecast(ws[f"B{first}"].value, ws["C7"].value, model=model))
    b = wb["Budget"]
    _, years, total_row, params = _budget_layout(TEMPLATE)
    detail = budget(g, list(years.values()), model=model)
    for c, y in years.items():
        assert b.cell(total_row, c).value == pytest.approx(detail[detail["jaar"] == y]["basis"].sum())
    info = {wb[C.MODEL].cell(r, 2).value: wb[C.MODEL].cell(r, 3).value for r in range(4, 20)}
    assert info["Actief model"] == "landelijk model" and info["Laatste CBS-waarneming"] == 2018


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
    assert len(numbers) > 30
