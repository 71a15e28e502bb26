"""Retraining on a municipality's own figures, through both front ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import wmo_xl
from wmo_xl.excel import macros, udfs
from wmo_xl.bundle import FORECAST_FILE, MANIFEST_FILE, get_bundle, load_bundle, local_bundle_path, model_for_workbook, set_workbook_model
from wmo_xl.data import tidy
from wmo_xl.errors import WmoError
from wmo_xl.retrain import parse_rows, retrain
from wmo_xl.excel.sheets import OpenpyxlBook, XlwingsBook

ROOT = Path(__file__).resolve().parents[1]


def local_rows(cbs_frame: pd.DataFrame, gemeente: str = "GM0202", growth: float = 0.10) -> list[list[Any]]:
    """A gemeente's CBS rows plus two newer years that grow by ``growth`` a year."""
    df = tidy(cbs_frame)
    g = df[(df["gemeente"] == gemeente)].dropna(subset=["clients"])
    rows = [[w, int(y), float(c)] for w, y, c in g[["wijk", "year", "clients"]].itertuples(index=False)]
    last = g[g["year"] == g["year"].max()]
    for k, year in enumerate([2019, 2020], start=1):
        rows += [[w, year, round(c * (1 + growth) ** k)] for w, c in zip(last["wijk"], last["clients"])]
    return rows


def make_workbook(path: Path, rows: list[list[Any]], header: list[str] | None = None, title_rows: int = 2) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Start"
    ws = wb.create_sheet("Data")
    for _ in range(title_rows):
        ws.append(["Plak hieronder uw cijfers"])
    ws.append(header or ["wijk", "jaar", "clienten"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_parse_good_bad_and_mixed_rows(active_bundle, cbs_frame) -> None:  # type: ignore[no-untyped-def]
    known = {str(w) for w in get_bundle().model("totaal").codes}
    values = [["titel"], ["Wijk", "Year", "Clients", "categorie"],
              ["WK020201", 2019, 100, None], ["wk020202 ", "2019", "55", "totaal"],
              ["", 2019, 5, None], ["WK02020", 2019, 5, None], ["WK020203", 2099, 5, None],
              ["WK020204", 2019, -3, None], ["WK020205", 2019, "veel", None], ["WK020201", 2019, 120, None],
              ["WK020299", 2019, 7, None], ["WK777701", 2019, 7, None], ["WK020206", 2019, 8, "jeugd"],
              [None, None, None, None], ["WK020207", 2019, 9, None]]
    df, problems = parse_rows(values, known, {"GM0202", "GM0101"})
    assert sorted(df["wijk"]) == ["WK020201", "WK020202", "WK020299"]
    assert df.set_index("wijk").loc["WK020201", "clients"] == 100  # the first of a duplicate wins
    by_row = {p.row: p for p in problems}
    assert by_row[5].column == "wijk" and "lege wijkcode" in by_row[5].problem
    assert "geen wijkcode" in by_row[6].problem
    assert by_row[7].column == "jaar" and "toekomst" in by_row[7].problem
    assert by_row[8].column == "clienten" and "negatief" in by_row[8].problem
    assert "geen getal" in by_row[9].problem
    assert "als rij 3" in by_row[10].problem
    assert by_row[11].severity == "waarschuwing"  # a new wijk code of a known gemeente is used
    assert "onbekende gemeente GM7777" in by_row[12].problem
    assert by_row[13].column == "categorie"
    assert 16 not in by_row  # reading stops at the first empty row


def test_wijk_codes_with_letters_accepted_and_message_names_the_rule(active_bundle) -> None:  # type: ignore[no-untyped-def]
    """A wijk code is the gemeente code + 2 digits or letters (Amsterdam from 2023: WK0363AA)."""
    values = [["wijk", "jaar", "clienten"], ["WK0202AB", 2019, 10], ["WK02020", 2019, 5], ["WK0202A!", 2019, 5]]
    df, problems = parse_rows(values, set(), {"GM0202"})
    assert list(df["wijk"]) == ["WK0202AB"]
    bad = {p.row: p.problem for p in problems if p.column == "wijk" and p.severity != "waarschuwing"}
    assert set(bad) == {3, 4}
    assert all("2 cijfers of letters" in m for m in bad.values())


def test_header_missing(active_bundle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WmoError, match="first cell of the header must be 'wijk'"):
        parse_rows([["a", "b"], [1, 2]])
    with pytest.raises(WmoError, match="lacks clienten"):
        parse_rows([["wijk", "jaar"], ["WK020201", 2019]])


def test_openpyxl_retrain_writes_controle_and_local_bundle(active_bundle, cbs_frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = local_rows(cbs_frame) + [["WK020201", 2020, -1], ["XX", 2020, 3]]
    wb_path = make_workbook(tmp_path / "begroting.xlsx", rows)
    before = [list(r) for r in openpyxl.load_workbook(wb_path)["Data"].iter_rows(values_only=True)]
    result = retrain(OpenpyxlBook(wb_path))
    after_wb = openpyxl.load_workbook(wb_path)
    assert [list(r) for r in after_wb["Data"].iter_rows(values_only=True)] == before  # nothing typed is changed
    report = [list(r) for r in after_wb["Controle"].iter_rows(values_only=True)]
    assert report[0] == ["rij", "kolom", "waarde", "probleem", "soort"]
    assert {r[1] for r in report[1:3]} == {"clienten", "wijk"} or any("duplicate" in str(r[3]) for r in report)
    assert result.bundle_path == local_bundle_path(wb_path).resolve()
    m = load_bundle(result.bundle_path).manifest
    assert m["kind"] == "local" and m["gemeenten"] == ["GM0202"] and m["local_years"][-1] == 2020
    # the API loads it by path; the forecast follows the local 10% growth, not the national level
    t = wmo_xl.forecast_table(["GM0202"], [2020, 2021], model=result.bundle_path).set_index("year")["clients"]
    local_2020 = sum(r[2] for r in rows if r[1] == 2020 and isinstance(r[2], (int, float)) and r[2] > 0 and str(r[0]).startswith("WK0202"))
    assert t[2020] == pytest.approx(local_2020)
    assert t[2021] > t[2020] * 1.02
    with pytest.raises(WmoError, match="unknown gemeente GM0101"):
        wmo_xl.forecast("GM0101", 2021, model=result.bundle_path)


def test_too_few_rows_stops_and_writes_no_model(active_bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb_path = make_workbook(tmp_path / "leeg.xlsx", [["WK020201", 2019, 5], ["WK020202", "twintig", 5]])
    with pytest.raises(WmoError, match="only 1 valid rows"):
        retrain(OpenpyxlBook(wb_path))
    assert not local_bundle_path(wb_path).exists()
    report = [list(r) for r in openpyxl.load_workbook(wb_path)["Controle"].iter_rows(values_only=True)]
    assert any("te weinig geldige regels" in str(r[3]) for r in report)


def test_cbs_layout_pasted_as_is(active_bundle, cbs_frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    g = cbs_frame[cbs_frame["codering_regio"].str.startswith("WK0101")]
    wb_path = make_workbook(tmp_path / "cbs.xlsx", g[list(g.columns)].values.tolist(), header=list(g.columns), title_rows=0)
    result = retrain(OpenpyxlBook(wb_path))
    assert result.gemeenten == ["GM0101"] and result.years == [2015, 2016, 2017, 2018]
    assert any("geheimgehouden door CBS" in p.problem and p.column == "clienten" for p in result.problems)  # not read as 0


def test_template_keeps_vba_buttons_and_dynamic_arrays(active_bundle, cbs_frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    from wmo_xl.excel.template import build_workbook

    path = build_workbook(tmp_path / "wmo_xl.xlsm", gemeente="GM0202")
    with zipfile.ZipFile(path) as z:
        vba = z.read("xl/vbaProject.bin")
        cm_before = sum(z.read(n).count(b'cm="1"') for n in z.namelist() if n.startswith("xl/worksheets/"))
    from wmo_xl.excel.sheets import restore_dynamic_arrays

    original = path.read_bytes()
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Data"]
    for i, r in enumerate(local_rows(cbs_frame), start=6):
        for j, v in enumerate(r, start=1):
            ws.cell(i, j).value = v
    wb.save(path)  # the user's paste; Excel would keep the dynamic-array parts, so put them back
    restore_dynamic_arrays(original, path)
    retrain(OpenpyxlBook(path))
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == vba
        assert "xl/metadata.xml" in z.namelist()
        vml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".vml"))
        assert vml.count(b"!WmoHertrainen<") == 1 and vml.count(b"!WmoLandelijkModel<") == 1
        cm_after = sum(z.read(n).count(b'cm="1"') for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert cm_before == cm_after == 5  # the five spilling block formulas still spill
    assert "Controle" in openpyxl.load_workbook(path).sheetnames


# --------------------------------------------------------------------- xlwings path
class FakeRange:
    def __init__(self, sheet: "FakeSheet") -> None:
        self.sheet = sheet

    @property
    def last_cell(self) -> Any:
        return types.SimpleNamespace(row=len(self.sheet.cells), column=max((len(r) for r in self.sheet.cells), default=0))

    def options(self, ndim: int = 2) -> "FakeRange":
        return self

    @property
    def value(self) -> list[list[Any]]:
        return [list(r) for r in self.sheet.cells]

    @value.setter
    def value(self, rows: list[list[Any]]) -> None:
        self.sheet.cells = [list(r) for r in rows]


class FakeSheet:
    def __init__(self, name: str, cells: list[list[Any]]) -> None:
        self.name, self.cells = name, cells

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self)

    def range(self, first: Any, last: Any = None) -> FakeRange:
        assert first in ("A1", (1, 1))  # reads and writes are anchored at A1
        if last is not None:
            assert last == (len(self.cells), max((len(r) for r in self.cells), default=0))
        return FakeRange(self)

    def clear_contents(self) -> None:
        self.cells = []


class FakeSheets(list):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)

    def add(self, name: str, after: Any = None) -> FakeSheet:
        s = FakeSheet(name, [])
        self.append(s)
        return s


class FakeApp:
    def __init__(self) -> None:
        self.status_bar: Any = False
        self.messages: list[Any] = []
        self.calculated = 0
        self.api = types.SimpleNamespace(CalculateFull=self._calculate_full)

    def _calculate_full(self) -> None:
        self.calculated += 1

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "status_bar" and hasattr(self, "messages"):
            self.messages.append(value)
        object.__setattr__(self, key, value)



class FakeBook:
    """Only the xlwings calls the macros use: fullname, sheets, app.status_bar, app.api.CalculateFull."""

    def __init__(self, fullname: Path, data: list[list[Any]]) -> None:
        self.fullname = str(fullname)
        self.app = FakeApp()
        self.sheets = FakeSheets([FakeSheet("Forecast", []), FakeSheet("Data", data)])


def test_xlwings_macro_retrain_and_reset(active_bundle, cbs_frame, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = [["wijk", "jaar", "clienten"]] + local_rows(cbs_frame, "GM0303") + [["WK030301", 2020, "?"]]
    book = FakeBook(tmp_path / "gemeente.xlsm", data)
    monkeypatch.setattr(macros, "_caller_book", lambda: book)
    monkeypatch.setattr(udfs, "_caller_book", lambda: book)  # the UDFs find the workbook as xw.Book.caller()
    macros.retrain()  # what the Hertrainen button runs
    assert any(str(m).startswith("wmo_xl: gegevens lezen") for m in book.app.messages)
    assert str(book.app.messages[-1]).startswith("wmo_xl: klaar")
    assert book.app.calculated == 1  # CalculateFull: UDF cells recalculate although their inputs did not change
    controle = book.sheets["Controle"].cells
    assert len({len(r) for r in controle}) == 1  # a rectangular block, as xlwings needs
    assert controle[1][:2] == [data.index(data[-1]) + 1, "clienten"]
    assert book.sheets["Data"].cells == data
    info = dict((r[0], r[1]) for r in udfs.wmo_model_info())
    assert info["Actief model"] == "eigen model (gemeente_wmo_model)"
    assert udfs.wmo_forecast("GM0303", 2021) == pytest.approx(wmo_xl.forecast("GM0303", 2021, model=local_bundle_path(book.fullname)))
    # the other button resets: the national model again, the own model kept aside
    macros.reset_model()
    assert book.app.calculated == 2
    assert model_for_workbook(book.fullname) is None
    assert (tmp_path / "gemeente_wmo_model.inactive" / MANIFEST_FILE).is_file()
    assert dict((r[0], r[1]) for r in udfs.wmo_model_info())["Actief model"] == "landelijk model"
    set_workbook_model(book.fullname, None)


def test_xlwings_retrain_error_goes_to_status_bar(active_bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = FakeBook(tmp_path / "x.xlsm", [["geen kopregel"]])
    assert macros.retrain(XlwingsBook(book)) is None
    assert "niet hertraind" in str(book.app.messages[-1]) and "kopregel" in str(book.app.messages[-1])  # Dutch, as the sheets


# ------------------------------------------------------------------------- safety
def test_failing_retrain_keeps_previous_bundle(active_bundle, cbs_frame, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    wb_path = make_workbook(tmp_path / "a.xlsx", local_rows(cbs_frame))
    first = retrain(OpenpyxlBook(wb_path)).bundle_path
    digest = load_bundle(first).manifest["files"][FORECAST_FILE]
    import wmo_xl.bundle.format as b

    def boom(*a: Any, **k: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(b, "bundle_arrays", boom)
    with pytest.raises(OSError):
        retrain(OpenpyxlBook(wb_path))
    assert load_bundle(first).manifest["files"][FORECAST_FILE] == digest
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


KILL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    import wmo_xl.bundle as b
    from wmo_xl.retrain import retrain
    from wmo_xl.excel.sheets import OpenpyxlBook
    b.set_active_model(sys.argv[2])
    real = os.replace
    def slow(src, dst):
        if str(dst).endswith(".previous"):
            real(src, dst)
            print("between renames", flush=True)
            time.sleep(60)
        return real(src, dst)
    os.replace = slow
    retrain(OpenpyxlBook(sys.argv[1]))
""")


def test_killed_retrain_leaves_a_loadable_model(active_bundle, cbs_frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb_path = make_workbook(tmp_path / "k.xlsx", local_rows(cbs_frame))
    first = retrain(OpenpyxlBook(wb_path)).bundle_path
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(wb_path), str(active_bundle)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "between renames"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    from wmo_xl.bundle import clear_cache

    clear_cache()
    b = load_bundle(first)  # the worst moment: the new one not yet in place, the old one renamed
    assert b.manifest["kind"] == "local"
    assert np.isfinite(wmo_xl.forecast("GM0202", 2021, model=first))
    assert openpyxl.load_workbook(wb_path)["Data"].max_row > 10  # the workbook is intact


RUN_SCRIPT = "import sys, wmo_xl.bundle as b; from wmo_xl.retrain import retrain; from wmo_xl.excel.sheets import OpenpyxlBook; b.set_active_model(sys.argv[2]); retrain(OpenpyxlBook(sys.argv[1]))"


def test_two_workbooks_retrained_at_once(active_bundle, cbs_frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = make_workbook(tmp_path / "a.xlsx", local_rows(cbs_frame, "GM0101"))
    c = make_workbook(tmp_path / "c.xlsx", local_rows(cbs_frame, "GM0303"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", RUN_SCRIPT, str(p), str(active_bundle)], cwd=ROOT, env=env) for p in (a, c)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert load_bundle(local_bundle_path(a)).manifest["gemeenten"] == ["GM0101"]
    assert load_bundle(local_bundle_path(c)).manifest["gemeenten"] == ["GM0303"]


def test_cli_retrain_and_reset(active_bundle, cbs_frame, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from test_cli import run

    wb_path = make_workbook(tmp_path / "cli.xlsx", local_rows(cbs_frame))
    code, out, _ = run(["retrain", str(wb_path), "--model", str(active_bundle)], capsys)
    assert code == 0 and "retrained on" in out and "local backtest 2020" in out
    code, out, _ = run(["reset-model", str(wb_path)], capsys)
    assert code == 0 and not local_bundle_path(wb_path).exists()
    code, _, err = run(["retrain", str(tmp_path / "none.xlsm")], capsys)
    assert code == 2 and "not found" in err
