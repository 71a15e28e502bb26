"""Printed pages of the template and the export: A4 setup per sheet, charts from 0, very hidden
technical sheets, Dutch service labels, and text a controller can read in the rendered PDF."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from wmo_xl.bundle import national_bundle_path
from wmo_xl.excel import contract as C
from wmo_xl.excel import printing
from wmo_xl.menukaart import load_menu

HAS_NATIONAL = (national_bundle_path() / "manifest.json").is_file()
needs_national = pytest.mark.skipif(not HAS_NATIONAL, reason="national model bundle not present")
needs_render = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                  reason="LibreOffice/poppler not installed")
TECHNICAL = [C.LISTS, C.REKEN, C.CONF]
#: pdftotext's word box of 11 pt text is 1.22 (Carlito) to 1.3 (DejaVu Sans) times the font
#: size; 10.0 keeps every page's text at >= 7.7-8.2 pt, the hook's 7.5 with room to spare.
MIN_BOX = 10.0


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as build-workbook writes it (national model), with five budget years."""
    if not HAS_NATIONAL:
        pytest.skip("national model bundle not present")
    from wmo_xl.excel.template import build_workbook

    return build_workbook(tmp_path_factory.mktemp("tpl") / "wmo_xl.xlsm", today=date(2022, 6, 1))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-gemeente export (GM0518) with its default years."""
    if not HAS_NATIONAL:
        pytest.skip("national model bundle not present")
    from wmo_xl.excel.export import export_workbook

    return export_workbook(["GM0518"], tmp_path_factory.mktemp("exp") / "gm0518.xlsx")


# ------------------------------------------------------------------ page setup per sheet
def _check_page_setup(path: Path, hidden: list[str]) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.title in hidden:
            continue
        assert ws.sheet_state == "visible", ws.title
        assert ws.page_setup.paperSize in (9, "9"), ws.title  # A4
        assert ws.page_setup.orientation in ("portrait", "landscape"), ws.title
        assert ws.print_area, f"{ws.title} has no print area"
        fitted = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
        if fitted:
            assert int(ws.page_setup.fitToHeight) == 0 and int(ws.page_setup.fitToWidth or 1) >= 1, ws.title  # N wide (absent: 1), any tall
        else:  # fixed scale with page breaks between side-by-side blocks
            assert ws.col_breaks.brk and 72 <= int(ws.page_setup.scale) <= 100, ws.title
        assert "pagina &P van &N" in ws.oddFooter.right.text, ws.title


@needs_national
def test_every_template_sheet_has_an_a4_page_setup(template: Path) -> None:
    _check_page_setup(template, TECHNICAL)
    wb = openpyxl.load_workbook(template)
    assert wb["Start"].page_setup.orientation == "portrait" and wb["Forecast"].page_setup.orientation == "landscape"
    # the Budget's label columns and year row repeat on every page; the Forecast's wijk header
    assert wb["Budget"].print_title_cols == "$B:$C" and wb["Budget"].print_title_rows
    assert wb["Forecast"].print_title_rows and wb["Menukaart"].print_title_rows == "$3:$3"


@needs_national
def test_every_export_sheet_has_an_a4_page_setup(export: Path) -> None:
    _check_page_setup(export, [])
    ws = openpyxl.load_workbook(export)["Prognose"]
    assert ws.print_title_cols == "$A:$E" and len(ws.col_breaks.brk) == 2  # one page across per block


@needs_national
def test_charts_sit_beside_or_below_the_tables_on_pages_of_their_own(template: Path, export: Path) -> None:
    """A chart beside a table is a print range of its own: it never widens the table's page."""
    for path in (template, export):
        wb = openpyxl.load_workbook(path)
        areas = str(wb["Forecast"].print_area).split(",")
        assert len(areas) == 2, areas  # the table, then the chart's cells


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode() for n in sorted(z.namelist()) if re.match(r"xl/charts/chart\d+\.xml$", n)]


@needs_national
def test_value_axes_start_at_zero_and_the_export_has_both_charts(template: Path, export: Path) -> None:
    for path in (template, export):
        charts = _charts(path)
        assert len(charts) == 2, path.name  # Forecast (line) and Budget (column)
        assert any("<c:lineChart>" in x for x in charts) and any("<c:barChart>" in x for x in charts)
        for xml in charts:
            val_ax = re.search(r"<c:valAx>.*?</c:valAx>", xml, re.S).group(0)  # type: ignore[union-attr]
            assert '<c:min val="0"/>' in val_ax, path.name


# ------------------------------------------------------------------ technical sheets
@needs_national
def test_technical_sheets_are_very_hidden_and_stay_so_after_setup_excel(template: Path, tmp_path: Path) -> None:
    from wmo_xl.excel.setup import read_conf, setup_excel

    wb = openpyxl.load_workbook(template)
    assert {n: wb[n].sheet_state for n in TECHNICAL} == {n: "veryHidden" for n in TECHNICAL}
    copy = tmp_path / "copy.xlsm"
    shutil.copy(template, copy)
    exe = setup_excel(copy, "/opt/python/bin/pythonw.exe")
    wb = openpyxl.load_workbook(copy)
    assert wb[C.CONF].sheet_state == "veryHidden"
    assert (C.CONF_INTERPRETER, str(exe)) in read_conf(copy)  # the hidden sheet is still read and written


def _vba_function(source: str, name: str) -> str:
    m = re.search(rf"Function {name}\b.*?End Function", source, re.S)
    assert m, name
    return m.group(0)


def test_xlwings_vba_reads_the_conf_sheet_whatever_its_visibility() -> None:
    """xlwings finds and reads the xlwings.conf sheet through ``wb.Sheets(name)`` and ranges of
    that sheet: the Sheets collection holds very hidden sheets too, and nothing on the path
    activates, selects or checks the visibility of the sheet (which a hidden sheet would fail)."""
    import xlwings

    source = (Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="utf-8", errors="replace")
    for name in ("SheetExists", "GetConfigFromSheet"):
        body = _vba_function(source, name)
        assert "Sheets(" in body, name
        assert not re.search(r"\.(Activate|Select|Visible)\b", body), name
    assert 'SheetExists(ThisWorkbook, PROJECT_NAME & ".conf")' in _vba_function(source, "GetConfig")


# ------------------------------------------------------------------ Dutch labels
@needs_national
def test_budget_rows_show_the_dutch_omschrijving_and_keep_the_code_for_formulas(template: Path, export: Path) -> None:
    menu = load_menu().rows
    codes = {r.dienst for r in menu}
    labels = {r.omschrijving for r in menu}
    tb = openpyxl.load_workbook(template, data_only=True)["Budget"]
    shown = {tb.cell(r, 2).value for r in range(1, tb.max_row + 1)}
    assert labels <= shown and not codes & shown  # 'Hulp bij het huishouden (zorg in natura)', never 'hbh_zin'
    formulas = openpyxl.load_workbook(template)["Budget"]
    row = next(r for r in range(1, tb.max_row + 1) if tb.cell(r, 2).value == "Hulp bij het huishouden (zorg in natura)")
    assert C.MENU_LABELS_NAME in formulas.cell(row, 2).value  # looked up from the Menukaart, so an edited omschrijving shows
    eb = openpyxl.load_workbook(export, data_only=True)["Budget"]
    shown = {eb.cell(r, 2).value for r in range(1, eb.max_row + 1)}
    assert labels <= shown and not codes & shown
    code_col = next(c for c in range(1, eb.max_column + 1) for r in range(1, 40) if eb.cell(r, c).value == "dienst (code)")
    assert codes <= {eb.cell(r, code_col).value for r in range(1, eb.max_row + 1)}
    ef = openpyxl.load_workbook(export)["Budget"]
    r = next(r for r in range(1, eb.max_row + 1) if eb.cell(r, code_col).value == "hbh_zin")
    letter = openpyxl.utils.get_column_letter(code_col)
    assert f"${letter}{r}" in ef.cell(r, 4).value  # the cost formula matches the code, not the label


@needs_national
def test_menukaart_headers_and_texts_wrap_instead_of_colliding(template: Path, export: Path) -> None:
    for path, header_row in ((template, 3), (export, 3)):
        ws = openpyxl.load_workbook(path)["Menukaart"]
        heads = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
        assert "eenheden_per_client_per_jaar" in heads
        for name, c in heads.items():
            if name:
                assert ws.cell(header_row, c).alignment.wrap_text, (path.name, name)
        assert ws.row_dimensions[header_row].height >= 30  # the long identifiers take two lines or more
        for name in ("omschrijving", "bron"):
            cell = ws.cell(header_row + 1, heads[name])
            assert cell.alignment.wrap_text, (path.name, name)
        # the longest bron text gets the rows it needs (never cut off)
        bron = heads["bron"]
        for r in range(header_row + 1, header_row + 1 + len(load_menu().rows)):
            text = str(ws.cell(r, bron).value or "")
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(bron)].width
            lines = math.ceil(len(text) / (width * 1.3))  # generous: 1.3 characters per unit of column width
            assert (ws.row_dimensions[r].height or 15) >= 15 * lines, (path.name, r, lines)


# ------------------------------------------------------------------ the printing module
def test_note_merges_and_makes_room_for_every_line(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "n.xlsx"))
    ws = wb.add_worksheet("Blad")
    ws.set_column(1, 4, 10)
    fmt = wb.add_format({"text_wrap": True})
    text = "woord " * 80
    last = printing.note(ws, 5, 1, 4, text, fmt)
    wb.close()
    assert last == 5
    sheet = openpyxl.load_workbook(tmp_path / "n.xlsx")["Blad"]
    assert "B6:E6" in {str(r) for r in sheet.merged_cells.ranges}
    lines = printing.lines_needed(text, 4 * printing.col_px(ws, 1))
    assert lines >= 4 and sheet.row_dimensions[6].height >= 15 * lines


def test_place_chart_returns_the_cells_it_covers(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "c.xlsx"))
    ws = wb.add_worksheet("Blad")
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Blad!$A$1:$A$3"})
    r0, c0, r1, c1 = printing.place_chart(ws, chart, 2, 3, width=640, height=300)
    wb.close()
    assert (r0, c0) == (2, 3)
    assert r1 - r0 + 1 == 15 and c1 - c0 + 1 == 10  # 20 px rows, 64 px columns


def test_pages_wide_keeps_the_scale_legible(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "p.xlsx"))
    ws = wb.add_worksheet("Blad")
    ws.set_column(0, 1, 20)
    ws.set_column(2, 40, 14)
    page = printing.printable_px(True)[0] / printing.MIN_SCALE
    n = printing.pages_wide(ws, 0, 40, True, (0, 1))
    titles = 2 * printing.col_px(ws, 0)
    body = sum(printing.col_px(ws, c) for c in range(2, 41))
    assert n >= 2 and (n - 1) * (page - titles) < body <= n * (page - titles)
    assert printing.pages_wide(ws, 0, 3, True) == 1
    wb.close()


# ------------------------------------------------------------------ rendered pages
def _render(path: Path, out: Path) -> list[tuple[float, int]]:
    """(smallest word height, words) per PDF page; the project's before-stop hook takes the
    median of the same word boxes, this takes every word (footer and chart labels too)."""
    subprocess.run(["soffice", f"-env:UserInstallation=file://{out / 'lo'}", "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    str(path)], check=True, capture_output=True, timeout=240)
    bbox = subprocess.run(["pdftotext", "-bbox", str(out / f"{path.stem}.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = []
    for page in bbox.split("<page ")[1:]:
        heights = [float(b) - float(a) for a, b in re.findall(r'yMin="([^"]+)" xMax="[^"]+" yMax="([^"]+)"', page)]
        pages.append((min(heights) if heights else 0.0, len(heights)))
    return pages


@needs_render
@needs_national
@pytest.mark.parametrize("which", ["template", "export"])
def test_every_printed_page_is_legible_and_none_is_blank(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    path = request.getfixturevalue(which)
    pages = _render(path, tmp_path)
    assert pages
    small = [(i, round(h, 1)) for i, (h, _) in enumerate(pages, 1) if h < MIN_BOX]
    assert not small, f"{which}: pages with text below ~8 pt: {small}"
    blank = [i for i, (_, words) in enumerate(pages, 1) if words <= 12]  # the footer alone is ~10 words
    assert not blank, f"{which}: blank pages {blank}"


def test_note_beside_keeps_to_its_rows(tmp_path: Path) -> None:
    """A note beside a table never merges over the rows below it (they hold the table)."""
    wb = xlsxwriter.Workbook(str(tmp_path / "b.xlsx"))
    ws = wb.add_worksheet("Blad")
    fmt = wb.add_format({"text_wrap": True})
    assert printing.note_beside(ws, 3, 5, 6, "kort", fmt, max_rows=3) == 3
    last = printing.note_beside(ws, 10, 5, 6, "lang " * 200, fmt, max_rows=3)
    wb.close()
    assert last == 12
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["Blad"]
    lines = printing.lines_needed("lang " * 200, 2 * 64)
    assert sheet.row_dimensions[11].height is None  # rows keep their height; the last one grows
    assert 15 * 2 + sheet.row_dimensions[13].height >= 15 * lines
