"""CSV files as Dutch Excel and other tools write them: read the same, or refused in one line."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wmo_xl.costs import load_scenario
from wmo_xl.csvfiles import numeric_frame, read_rows, read_table
from wmo_xl.data import read_csvs
from wmo_xl.errors import WmoError
from wmo_xl.menukaart import COLUMNS, load_category_shares, load_menu

ROWS = [["dienst", "omschrijving", "prijs"], ["hbh_zin", "Hulp bij het huishouden \u20ac", "32,40"], ["vervoer", "Taxi", "8.000"]]


def write(path: Path, rows: list[list[str]], sep: str, encoding: str, bom: bytes = b"") -> Path:
    text = "\r\n".join(sep.join(f'"{c}"' if sep in c else c for c in r) for r in rows) + "\r\n"
    path.write_bytes(bom + text.encode(encoding))
    return path


@pytest.mark.parametrize("sep", [";", ",", "\t"])
@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("cp1252", b""),
                                               ("utf-16-le", codecs.BOM_UTF16_LE)])
def test_separator_and_encoding_are_sniffed(tmp_path: Path, sep: str, encoding: str, bom: bytes) -> None:
    p = write(tmp_path / "m.csv", ROWS, sep, encoding, bom)
    assert read_rows(p) == ROWS


def test_decimal_comma_file_reads_thousands_dots(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "m.csv", ROWS, ";", "cp1252"))
    assert table.decimal == ","
    assert numeric_frame(table)["prijs"].tolist() == [32.40, 8000.0]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"), (b"  \r\n\r\n", "is empty"),
    (b"PK\x03\x04" + bytes(range(256)) * 4, "Excel workbook or other zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Excel"),
    (b"%PDF-1.4\n" + bytes(range(256)), "PDF"),
    (bytes(range(256)) * 10, "binary"),
])
def test_empty_and_binary_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "menu.csv"
    p.write_bytes(content)
    with pytest.raises(WmoError, match=message) as info:
        read_rows(p, "menukaart file")
    assert "menu.csv" in str(info.value) and "\n" not in str(info.value)


def test_missing_folder_and_duplicated_header(tmp_path: Path) -> None:
    with pytest.raises(WmoError, match="not found"):
        read_rows(tmp_path / "none.csv")
    with pytest.raises(WmoError, match="folder"):
        read_rows(tmp_path)
    p = tmp_path / "d.csv"
    p.write_text("dienst;prijs;Prijs\nhbh_zin;1;2\n", encoding="utf-8")
    with pytest.raises(WmoError, match="'Prijs' appears twice"):
        read_rows(p)


def test_a_row_longer_than_the_header_is_refused_not_cut(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("dienst,prijs\nhbh_zin,32,40\n", encoding="utf-8")  # decimal comma in a comma file, unquoted
    with pytest.raises(WmoError, match="line 2 has 3 cells"):
        read_rows(p)


# --- the files a user passes ------------------------------------------------------------


def _menu_rows() -> list[list[str]]:
    menu = load_menu()
    df = menu.to_frame()[COLUMNS]
    return [COLUMNS] + [[str(v) for v in r] for r in df.astype(object).values.tolist()]


def _dutch(rows: list[list[str]]) -> list[list[str]]:
    """As Dutch Excel writes: decimal commas."""
    out = [rows[0]]
    for r in rows[1:]:
        out.append([c.replace(".", ",") if c.replace(".", "", 1).lstrip("-").isdigit() else c for c in r])
    return out


def test_menu_from_dutch_excel_csv_equals_the_default(tmp_path: Path) -> None:
    base = load_menu()
    p = write(tmp_path / "menukaart.csv", _dutch(_menu_rows()), ";", "cp1252")
    assert [r.model_copy(update={"bron": ""}) for r in base.rows] == load_menu(p).rows


def test_menu_csv_thousand_dots_in_a_decimal_comma_file(tmp_path: Path) -> None:
    rows = _dutch(_menu_rows())
    rows[1][COLUMNS.index("prijs")] = "8.000"
    rows[2][COLUMNS.index("prijs")] = "32,40"
    menu = load_menu(write(tmp_path / "m.csv", rows, ";", "cp1252"))
    assert menu.rows[0].prijs == 8000.0


def test_menu_csv_with_ambiguous_price_and_no_decimal_evidence(tmp_path: Path) -> None:
    rows = [COLUMNS, ["hbh_zin", "x", "hbh", "ZIN", "1", "1", "uur", "100", "8.000", "2024", "0"]]
    with pytest.raises(WmoError, match=r"m.csv line 2 \(hbh_zin\), column prijs: '8.000' is not certain"):
        load_menu(write(tmp_path / "m.csv", rows, ";", "utf-8"))


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"), (b"PK\x03\x04rest", "Excel workbook"), (b"dienst;prijs\n", "lacks column"),
])
def test_bad_menu_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "m.csv"
    p.write_bytes(content)
    with pytest.raises(WmoError, match=message):
        load_menu(p)


def test_renamed_or_damaged_xlsx_menu(tmp_path: Path) -> None:
    p = tmp_path / "m.xlsx"
    p.write_text("not a workbook")
    with pytest.raises(WmoError, match="cannot be read as an Excel workbook"):
        load_menu(p)


def test_shares_dutch_csv_categories_normalised(tmp_path: Path) -> None:
    p = write(tmp_path / "s.csv", [["categorie", "aandeel_van_totaal"], ["HBH", "0,3"], ["Begeleiding", "25%"]], ";", "cp1252")
    assert load_category_shares(p) == pytest.approx({"hbh": 0.3, "begeleiding": 0.25})


@pytest.mark.parametrize(("rows", "message"), [
    ([["categorie", "aandeel_van_totaal"], ["hbh", "0,3"], ["HbH", "0,2"]], "appears twice"),
    ([["categorie", "aandeel_van_totaal"], ["hbh", "WAAR"]], "not a number"),
    ([["categorie", "aandeel_van_totaal"], ["jeugd", "0,1"]], "not a known category"),
    ([["categorie", "aandeel_van_totaal"], ["hbh", "1,5"]], "outside 0 to 1"),
    ([["categorie", "aandeel"], ["hbh", "0,5"]], "needs columns"),
])
def test_bad_shares(tmp_path: Path, rows: list[list[str]], message: str) -> None:
    with pytest.raises(WmoError, match=message):
        load_category_shares(write(tmp_path / "s.csv", rows, ";", "utf-8"))


def test_scenario_csv_and_json(tmp_path: Path) -> None:
    csv_path = write(tmp_path / "s.csv", [["parameter", "waarde"], ["indexatie", "3%"], ["hbh_vanaf_jaar", "2026"]], ";", "cp1252")
    sc = load_scenario(csv_path)
    assert sc.indexatie == pytest.approx(0.03) and sc.hbh_vanaf_jaar == 2026
    js = tmp_path / "s.json"
    js.write_text('{"indexatie": 0.03, "indexatie": 0.05}')
    with pytest.raises(WmoError, match="'indexatie' appears twice"):
        load_scenario(js)
    js.write_text(json.dumps({"indexatie": True}))
    with pytest.raises(WmoError, match="TRUE"):
        load_scenario(js)
    js.write_text("[1, 2]")
    with pytest.raises(WmoError, match="one JSON object"):
        load_scenario(js)
    js.write_text("{indexatie: 0.03")
    with pytest.raises(WmoError, match="not valid JSON"):
        load_scenario(js)
    js.write_bytes(b"")
    with pytest.raises(WmoError, match="is empty"):
        load_scenario(js)


# --- CBS-layout data files ---------------------------------------------------------------


def test_data_file_dutch_excel_equals_the_plain_csv(tmp_path: Path, cbs_frame: pd.DataFrame) -> None:
    plain = tmp_path / "plain.csv"
    cbs_frame.to_csv(plain, index=False)
    dutch = tmp_path / "dutch.csv"
    cbs_frame.to_csv(dutch, index=False, sep=";", decimal=",", encoding="cp1252")
    a, b = read_csvs([plain]), read_csvs([dutch])
    pd.testing.assert_frame_equal(a, b)
    assert a["clients"].isna().sum() > 0  # suppressed '.' stays missing


def test_absurd_counts_are_refused(tmp_path: Path, cbs_frame: pd.DataFrame) -> None:
    df = cbs_frame.copy()
    df.loc[5, "wmoclienten"] = "1e300"
    p = tmp_path / "x.csv"
    df.to_csv(p, index=False)
    with pytest.raises(WmoError, match="'1e300' is not a number.*line 7"):
        read_csvs([p])
    df.loc[5, "wmoclienten"] = "veel"
    df.to_csv(p, index=False)
    with pytest.raises(WmoError, match="column wmoclienten 'veel' is not a number"):
        read_csvs([p])
    df.loc[5, "wmoclienten"] = "-20"
    df.to_csv(p, index=False)
    with pytest.raises(WmoError, match="not a count of persons"):
        read_csvs([p])
    df.loc[5, "wmoclienten"] = str(10**12)
    df.to_csv(p, index=False)
    with pytest.raises(WmoError, match="not a count of persons"):
        read_csvs([p])


@given(st.from_regex(r"\A[+-]?\d{1,15}(\.\d{1,15})?\Z"))
def test_fast_path_reads_what_the_rule_reads(text: str) -> None:
    from wmo_xl.csvfiles import _FAST_DOT, _FAST_INT
    from wmo_xl.inputs import parse_number

    assert _FAST_DOT.match(text)
    assert float(text) == parse_number(text, decimal=".")
    if _FAST_INT.match(text):
        assert float(text) == parse_number(text) == parse_number(text, decimal=",")
