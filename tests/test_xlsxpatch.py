"""Writing the report sheet keeps every cached value and the calculation settings."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from wmo_xl.errors import WmoError
from wmo_xl.excel.xlsxpatch import column_name, patch_sheet


def make_book(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    wb.calc_on_load = False
    ws = wb.add_worksheet("Start")
    ws.write_number("A1", 2)
    ws.write_formula("B1", "=WMO_FORECAST(\"WK010101\",2020)", None, 123.5)
    ws.write_string("C1", "tekst")
    wb.add_worksheet("Data").write_row("A1", ["wijk", "jaar", "clienten"])
    wb.close()
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_columns() -> None:
    assert [column_name(j) for j in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_add_then_replace_a_sheet_keeps_everything_else(tmp_path: Path) -> None:
    p = make_book(tmp_path / "w.xlsx")
    before = parts(p)
    rows = [["rij", "kolom", "waarde", "probleem"], [5, "clienten", "1.490", "ambiguous <&> \"x\""], [6, None, 3.25, True]]
    patch_sheet(p, "Controle", rows)
    after = parts(p)
    for name, data in before.items():
        if name not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            assert after[name] == data, name  # cached values, calcPr, styles, strings: byte for byte
    assert b"<v>123.5</v>" in after["xl/worksheets/sheet1.xml"]
    assert b"fullCalcOnLoad" not in after["xl/workbook.xml"]
    book = openpyxl.load_workbook(p)
    assert book.sheetnames == ["Start", "Data", "Controle"]
    assert [list(r) for r in book["Controle"].iter_rows(values_only=True)] == rows
    patch_sheet(p, "Controle", [["alles goed"]])
    book = openpyxl.load_workbook(p)
    assert book.sheetnames == ["Start", "Data", "Controle"]
    assert [list(r) for r in book["Controle"].iter_rows(values_only=True)] == [["alles goed"]]
    values = openpyxl.load_workbook(p, data_only=True)
    assert values["Start"]["B1"].value == 123.5


def test_bad_files_and_names(tmp_path: Path) -> None:
    bad = tmp_path / "x.xlsm"
    bad.write_bytes(b"not a zip")
    with pytest.raises(WmoError, match="cannot open"):
        patch_sheet(bad, "Controle", [])
    p = make_book(tmp_path / "w.xlsx")
    with pytest.raises(WmoError, match="not allowed"):
        patch_sheet(p, "Con/trole", [])
