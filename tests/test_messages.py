"""Issue 17 §6: messages that say what is wrong, where, and what is accepted, in one short line.

One test per class: too few years for a backtest, menukaart places (sheet cell + service,
file line + column), a menukaart without header or starting at a title row, echoed values
cut to ~60 characters, bundle errors naming file and folder, connection errors with their
cause whole, an unknown scenario field.
"""

from __future__ import annotations

import csv as csvmod
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import openpyxl
import pytest
import requests

from clirun import run
from conftest import make_cbs_frame
from wmo_xl.backtest import run_backtest
from wmo_xl.bundle import FORECAST_FILE, load_bundle
from wmo_xl.cbs.fetch import cause_text
from wmo_xl.costs import load_scenario, scenario_from_rows
from wmo_xl.data import tidy
from wmo_xl.errors import WmoError
from wmo_xl.excel import udfs
from wmo_xl.inputs import ECHO_CHARS, shorten
from wmo_xl.menukaart import COLUMNS, load_menu, menu_from_rows

LONG = "x" * 32000


def _menu() -> list[list[Any]]:
    df = load_menu().to_frame()
    return [list(df.columns)] + df.astype(object).values.tolist()


def test_backtest_without_the_years_it_needs_says_which_there_are() -> None:
    df = tidy(make_cbs_frame())
    df = df[df["category"] == "totaal"].copy()
    df.loc[df["year"] == 2015, ["inhabitants", "age_65plus", "age_45_65"]] = np.nan  # the first year has no KWB figures
    with pytest.raises(WmoError) as err:
        run_backtest(df, 2016, 1)
    msg = str(err.value)
    assert "Needed: at least 1 year up to 2015" in msg and "years with counts 2015" in msg and "with inhabitants none" in msg
    assert "window shape" not in msg


class _Range:
    """What ``book.names['Menukaart'].refers_to_range`` gives in Excel."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape, self.row, self.column, self.sheet = shape, 3, 1, SimpleNamespace(name="Menukaart")


def test_menukaart_errors_name_the_cell_and_the_service(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    menu = _menu()
    menu[4][COLUMNS.index("prijs")] = "abc"  # data row 4: sheet row 3 + 4 = 7, column prijs = I
    book = SimpleNamespace(names={"Menukaart": SimpleNamespace(refers_to_range=_Range((len(menu), len(menu[0]))))})
    monkeypatch.setattr(udfs, "_caller_book", lambda: book)
    dienst = menu[4][0]
    cost = udfs.wmo_cost(dienst, 10, menu)
    assert cost.startswith(f"#WMO! Menukaart!I7 ({dienst}), prijs: 'abc' is not a number"), cost
    block = udfs.wmo_budget("GM0202", [2019], menu)
    assert any(isinstance(v, str) and v.startswith(f"#WMO! Menukaart!I7 ({dienst}), prijs:") for row in block for v in row)
    # a range that is not the workbook's Menukaart name: the row under its header, never a wrong cell
    monkeypatch.setattr(udfs, "_caller_book", lambda: None)
    assert udfs.wmo_cost(dienst, 10, menu).startswith(f"#WMO! menukaart row 4 ({dienst}), column prijs:")


def test_menukaart_files_name_line_or_cell(tmp_path: Path) -> None:
    rows = _menu()
    rows[2][COLUMNS.index("prijs")] = "duur"
    csv = tmp_path / "kaart.csv"
    with csv.open("w", newline="", encoding="utf-8") as fh:
        writer = csvmod.writer(fh, delimiter=";")
        writer.writerows([["" if v is None else v for v in r] for r in rows])
    with pytest.raises(WmoError, match=r"^kaart.csv line 3 \(hbh_pgb\), column prijs: 'duur' is not a number"):
        load_menu(csv)
    xlsx = tmp_path / "kaart.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Menukaart"
    ws.append(["Menukaart 2026"])
    ws.append([])
    for r in rows:
        ws.append(r)
    wb.save(xlsx)
    with pytest.raises(WmoError, match=r"^kaart.xlsx, Menukaart!I5 \(hbh_pgb\), prijs: 'duur' is not a number"):
        load_menu(xlsx)


def test_menukaart_without_header_or_starting_at_a_title() -> None:
    rows = _menu()
    with pytest.raises(WmoError, match="has no header row: its first row holds values") as err:
        menu_from_rows(rows[1:2])
    assert "appears twice" not in str(err.value)
    title = [["Menukaart: diensten, volumes en prijzen"] + [None] * (len(COLUMNS) - 1)] + rows
    with pytest.raises(WmoError, match="the range's first row must be the header") as err:
        menu_from_rows(title)
    assert len(str(err.value)) < 200
    block = udfs.wmo_budget("GM0202", [2019], title)
    assert "first row must be the header" in block[0][0]


@pytest.mark.parametrize("argv", [
    ["forecast", "--year", "2019", "--wijk", LONG],
    ["budget", "--gemeente", LONG, "--years", "2019"],
    ["forecast", "--year", "2019", "--wijk", "WK020201", "--category", LONG],
    ["budget", "--gemeente", "GM0202", "--years", LONG],
])
def test_long_inputs_are_echoed_cut(bundle_dir: Path, capsys, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run([*argv, "--model", str(bundle_dir)], capsys)
    assert code == 2 and err.count("\n") == 1 and "xxxx" in err.lower()
    assert len(err) < 400, len(err)


def test_long_cells_are_echoed_cut(active_bundle: Path) -> None:
    menu = _menu()
    menu[1][COLUMNS.index("prijs")] = LONG
    outs = [udfs.wmo_forecast(LONG, 2019), udfs.wmo_forecast("WK020201", LONG), udfs.wmo_cost("hbh_zin", 10, menu),
            udfs.wmo_cost_scenario("hbh_zin", 10, _menu(), 2025, [[LONG, 1]]), udfs.wmo_forecast("WK020201", 2019, LONG)]
    for out in outs:
        assert isinstance(out, str) and out.startswith("#WMO!") and len(out) < 400, out[:500]
    assert shorten(LONG) == "x" * (ECHO_CHARS - 3) + "..." and shorten("kort") == "kort"
    with pytest.raises(WmoError) as err:
        scenario_from_rows([["indexatie", LONG]])
    assert len(str(err.value)) < 300


def test_bundle_errors_name_file_and_folder(bundle_dir: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "kapot"
    shutil.copytree(bundle_dir, damaged)
    (damaged / FORECAST_FILE).write_bytes(b"not the arrays")
    with pytest.raises(WmoError) as err:
        load_bundle(damaged)
    assert FORECAST_FILE in str(err.value) and str(damaged) in str(err.value)
    (damaged / "manifest.json").write_text("{")
    with pytest.raises(WmoError) as err:
        load_bundle(damaged)
    assert "manifest" in str(err.value) and str(damaged) in str(err.value)


def test_connection_errors_give_the_cause_whole_and_short() -> None:
    try:
        requests.get("http://localhost:1/ODataCatalog/Tables", timeout=5)
    except requests.RequestException as exc:
        text = cause_text(exc)
    assert "Connection refused" in text and "Caused by" not in text and "object at 0x" not in text and len(text) < 120
    long = cause_text(ValueError("word " * 100))
    assert long.endswith(" ...") and long[:-4].split(" ")[-1] == "word"  # cut between words, never inside one


def test_unknown_scenario_field_lists_the_accepted_ones(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"indexering": 0.03}))
    with pytest.raises(WmoError, match=r"unknown field 'indexering': accepted are naam, indexatie") as err:
        load_scenario(p)
    assert "Extra inputs" not in str(err.value)
    with pytest.raises(WmoError, match=r"unknown scenario parameter 'indexering': accepted are naam, indexatie"):
        scenario_from_rows([["indexering", 0.03]])
