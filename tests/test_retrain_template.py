"""Issue 17 §3: retrain from the template as shipped, and a Controle sheet that reads right.

- the template's example Data rows retrain as they are (README Windows checklist step 5);
- the Controle sheet never says "geen problemen gevonden" beside a refusal, and is Dutch;
- formula cells are read by their saved values; merged cells as Excel shows them, or refused;
- no "national nan": the local backtest says in words why there is no national figure;
- the retrain spinner shows its prefix once.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from clirun import run
from wmo_xl.bundle import get_bundle, local_bundle_path
from wmo_xl.excel.sheets import OpenpyxlBook
from wmo_xl.excel.template import build_workbook, example_data_rows
from wmo_xl.retrain import local_backtest, parse_rows, retrain
from wmo_xl.retrain.run import controle_rows

#: Words that show an English reason slipped onto the (Dutch) Controle sheet.
ENGLISH = re.compile(r"\b(is not|not a|give|the|empty|outside|negative|duplicate|unknown|suppressed|row|number|year|count|value)\b", re.I)


def controle(path: Path) -> list[list[Any]]:
    return [list(r) for r in openpyxl.load_workbook(path, data_only=True)["Controle"].iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as build-workbook makes it: the bundled national model, gemeente GM0200."""
    return build_workbook(tmp_path_factory.mktemp("tpl") / "wmo_xl.xlsm", today=date(2026, 1, 1))


def test_example_rows_are_a_realistic_gemeente(template: Path) -> None:
    est = get_bundle().model("totaal")
    rows = example_data_rows(est, "GM0200")
    wijken, years = {r[0] for r in rows}, {r[1] for r in rows}
    assert len(wijken) >= 5 and len(years) >= 3 and len(rows) >= 3 * len(wijken)
    # CBS figures as the model holds them, none invented
    for w, y, v, *_ in rows:
        assert v == est.observed_value(int(est.index[w]), y)
    data = [r for r in openpyxl.load_workbook(template)["Data"].iter_rows(min_row=6, max_col=3, values_only=True) if r[0]]
    assert [list(r) for r in data] == [r[:3] for r in rows]


def test_the_template_retrains_as_shipped(template: Path, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import rich.progress

    shown: list[str] = []
    real = rich.progress.Progress.update

    def record(self, task, **kw):  # type: ignore[no-untyped-def]
        if "description" in kw:
            shown.append(kw["description"])
        return real(self, task, **kw)

    monkeypatch.setattr(rich.progress.Progress, "update", record)
    book = tmp_path / "Begroting 2027 (1).xlsm"
    book.write_bytes(template.read_bytes())
    code, out, err = run(["retrain", str(book)], capsys)
    assert code == 0, err
    assert "retrained on" in out and "nan" not in out.lower()
    assert local_bundle_path(book).is_dir()
    assert shown and all(d.startswith("wmo_xl: ") and not d.startswith("wmo_xl: wmo_xl") for d in shown), shown
    rows = controle(book)
    text = " ".join(str(c) for r in rows for c in r if c is not None)
    assert "hertraind" in text and "te weinig" not in text
    assert rows[0] == ["rij", "kolom", "waarde", "probleem", "soort"]
    reasons = [str(r[3]) for r in rows if r[3]] + [str(r[4]) for r in rows if isinstance(r[4], str) and r[4]]
    assert not [m for m in reasons if ENGLISH.search(m)], reasons


def test_controle_never_contradicts_itself(active_bundle: Path, tmp_path: Path) -> None:
    def book(rows: list[list[Any]]) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Data"
        ws.append(["wijk", "jaar", "clienten"])
        for r in rows:
            ws.append(r)
        path = tmp_path / f"b{len(list(tmp_path.iterdir()))}.xlsx"
        wb.save(path)
        return path

    few = book([["WK020201", 2018, 100], ["WK020202", 2018, 50]])  # two valid rows, no problem with either
    with pytest.raises(Exception, match="only 2 valid rows"):
        retrain(OpenpyxlBook(few))
    text = " ".join(str(c) for r in controle(few) for c in r if c is not None)
    assert "te weinig geldige regels" in text and "geen problemen gevonden" not in text
    rows = controle_rows([], 12, "hertraind: eigen model opgeslagen in x")
    assert rows[-1][3].startswith("geen problemen gevonden; 12 regel(s) gebruikt; hertraind")


BAD_CELLS = ["", "WK02020", "WK0202A!", True, 12, None]
BAD_YEARS = ["twintig", 2099, 1990, 2019.5, True, "2019-01-01"]
BAD_COUNTS = ["1.490", "1e300", 1e300, -3, ".", "x", "12,345.6", "5%", True, "veel", float("inf"), "x" * 32000]


def test_every_controle_reason_is_dutch_and_echoes_are_short(active_bundle: Path) -> None:
    values: list[list[Any]] = [["wijk", "jaar", "clienten", "categorie"]]
    values += [[w, 2018, 5, None] for w in BAD_CELLS]
    values += [["WK020201", y, 5, None] for y in BAD_YEARS]
    values += [["WK020202", 2015 + k % 4, c, None] for k, c in enumerate(BAD_COUNTS)]
    values += [["WK020203", 2018, 5, "jeugd"], ["WK020203", 2018, 5, None], ["WK020203", 2018, 6, None], ["WK777701", 2018, 5, None]]
    known = {str(w) for w in get_bundle().model("totaal").codes}
    _, problems = parse_rows(values, known, {"GM0202", "GM0101"})
    assert len(problems) >= len(BAD_CELLS) + len(BAD_YEARS) + len(BAD_COUNTS)
    for p in problems:
        assert not ENGLISH.search(p.problem) and p.problem != "ongeldige waarde", p
        assert len(p.problem) < 250 and len(str(p.as_row()[2])) <= 60, p


def test_formula_cells_read_by_their_saved_values(active_bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "formules.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["wijk", "jaar", "clienten"])
    for i, (w, y, c) in enumerate([("WK020201", 2016, 500), ("WK020201", 2017, 540), ("WK020201", 2018, 590)], start=1):
        ws.write_string(i, 0, w)
        ws.write_formula(i, 1, f"=2000+{y - 2000}", None, y)
        ws.write_formula(i, 2, f"={c}+0", None, c)
    wb.close()
    df, problems = parse_rows(OpenpyxlBook(path).read("Data"))
    assert df["clients"].tolist() == [500, 540, 590] and df["year"].tolist() == [2016, 2017, 2018] and not problems
    # formulas without a saved value (openpyxl's save drops them all; a file never calculated)
    # are named, never read as empty or 0
    openpyxl.load_workbook(path).save(path)
    df, problems = parse_rows(OpenpyxlBook(path).read("Data"))
    assert df.empty and [(p.row, p.column, p.value) for p in problems] == [(r, "jaar", f"=2000+{r + 14}") for r in (2, 3, 4)]
    assert all("formule zonder opgeslagen uitkomst" in p.problem for p in problems)


def test_merged_wijk_cells_read_as_excel_shows_them(active_bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "samengevoegd.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["wijk", "jaar", "clienten"])
    for w in ("WK020201", "WK020202", "WK020203"):
        for k, y in enumerate(range(2015, 2019)):
            ws.append([w if k == 0 else None, y, 100 + k])
    ws.merge_cells("A2:A5")
    ws.merge_cells("A6:A9")
    ws.merge_cells("A10:A13")
    ws.merge_cells("C12:C13")  # one count over two years: not certain
    wb.save(path)
    book = OpenpyxlBook(path)
    df, problems = parse_rows(book.read("Data"), merged=book.merged("Data"))
    assert len(df) == 10  # 12 rows, the two under the merged count refused
    assert sorted(df.groupby("wijk").size().tolist()) == [2, 4, 4]
    notes = [p for p in problems if p.severity == "waarschuwing"]
    assert [p.problem.split(": ")[0] for p in notes] == ["samengevoegde cel A2:A5", "samengevoegde cel A6:A9", "samengevoegde cel A10:A13"]
    refused = [p for p in problems if p.severity == "fout"]
    assert [p.row for p in refused] == [12, 13] and all("C12:C13" in p.problem for p in refused)


def test_no_national_figure_is_said_in_words(bundle_dir: Path) -> None:
    import pandas as pd

    national = get_bundle(bundle_dir).model("totaal")
    new = pd.DataFrame({"wijk": ["WK0202ZZ"] * 2, "year": [national.origin + 1, national.origin + 2], "clients": [50.0, 55.0]})
    new["gemeente"] = "GM0202"
    bt = local_backtest(national, new)
    assert bt["wape_national"] is None and "geen van de wijken" in bt["note_nl"] and "no national figure" in bt["note"]
    old = pd.DataFrame({"wijk": ["WK020201"] * 2, "year": [national.origin - 1, national.origin], "clients": [50.0, 55.0]})
    old["gemeente"] = "GM0202"
    bt = local_backtest(national, old)
    assert bt["wape_national"] is None and f"bevat {national.origin} al" in bt["note_nl"]


def test_a_data_sheet_without_header_is_said_on_controle_in_dutch(active_bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "zonder_kop.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.append(["WK020201", 2018, 100])
    wb.save(path)
    messages: list[str] = []
    with pytest.raises(Exception, match="no header row"):  # the CLI's line stays English
        retrain(OpenpyxlBook(path, progress=messages.append))
    rows = controle(path)
    assert rows[0] == ["rij", "kolom", "waarde", "probleem", "soort"]
    assert rows[1][3].startswith("niet hertraind: geen kopregel gevonden op blad Data") and rows[1][4] == "fout"
    assert messages[-1].startswith("wmo_xl: niet hertraind - geen kopregel")
