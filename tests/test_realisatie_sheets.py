"""The Realisatie and Wijken sheets of the template (block UDFs) and of the zero-install export
(classic formulas, recalculated by ``formulas`` with nothing registered): the same numbers as
the core and the CLI."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xlcalc
from clirun import run
from wmo_xl.excel import contract as C
from wmo_xl.excel.template import build_workbook
from wmo_xl.realisatie import begroting, load_realisatie, realisatie
from wmo_xl.wijkbudget import per_wijk

os.environ.setdefault("TQDM_DISABLE", "1")
G = "GM0202"
YEAR = 2020


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path) -> Path:
    from wmo_xl.bundle import set_active_model

    set_active_model(bundle_dir)
    try:
        return build_workbook(tmp_path_factory.mktemp("wb") / "wmo_xl.xlsm", gemeente=G, today=date(YEAR, 6, 1))
    finally:
        set_active_model(None)


def _realisation(plan: dict[str, float]) -> list[tuple[str, int, float]]:
    """Nine months: the first dienst 12% over budget, the second 6% under, one dienst not on the card."""
    names = list(plan)
    rows = [(names[0], m, plan[names[0]] * 1.12 / 12) for m in range(1, 10)]
    rows += [(names[1], m, plan[names[1]] * 0.94 / 12) for m in range(1, 10)]
    rows += [(names[1], 4, -1000.0), ("maatwerk_extra", 9, 40_000.0)]
    return rows


def _csv(rows: list[tuple[str, int, float]], path: Path) -> Path:
    path.write_text("dienst;periode;bedrag\n" + "".join(f"{d};{p};{str(round(v, 2)).replace('.', ',')}\n" for d, p, v in rows),
                    encoding="cp1252")
    return path


def test_template_realisatie_sheet_recalculates_to_the_cli(template: Path, bundle_dir: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from wmo_xl.bundle import set_active_model

    plan = begroting(G, YEAR, model=bundle_dir)
    rows = _realisation(plan)
    inputs: dict[str, Any] = {}
    for i, (d, p, v) in enumerate(rows):
        r = 13 + i
        inputs[xlcalc.key(template.name, C.REALISATIE, f"M{r}")] = d
        inputs[xlcalc.key(template.name, C.REALISATIE, f"N{r}")] = p
        inputs[xlcalc.key(template.name, C.REALISATIE, f"O{r}")] = round(v, 2)
    set_active_model(bundle_dir)
    try:
        xl = xlcalc.load(template)
        sol = xl.calculate(inputs=inputs)
    finally:
        set_active_model(None)
    f = _csv(rows, tmp_path / "r.csv")
    code, out, err = run(["realisatie", "--gemeente", G, "--jaar", str(YEAR), "--realisatie", str(f), "--model", str(bundle_dir),
                          "--format", "csv"], capsys)
    assert code == 0, err
    cli = pd.read_csv(io.StringIO(out), keep_default_na=False).set_index("dienst")
    shown = {}
    for r in range(13, 13 + len(cli) + 1):
        label = xlcalc.value(sol, template.name, C.REALISATIE, f"B{r}")
        if label:
            shown[label] = [xlcalc.value(sol, template.name, C.REALISATIE, f"{c}{r}") for c in "CDEFGHI"]
    assert list(shown) == list(cli.index), [xlcalc.value(sol, template.name, C.REALISATIE, f"B{r}") for r in (12, 13)]
    for dienst, (begroot, ger, per, prog, verschil, pct, sig) in shown.items():
        want = cli.loc[dienst]
        assert begroot == pytest.approx(want.begroot, abs=0.006) and prog == pytest.approx(want.prognose, abs=0.006)
        assert ger == pytest.approx(want.gerealiseerd, abs=0.006) and per == want.perioden and sig == want.signaal
        assert (pct in ("", None) and want.verschil_pct == "") or pct * 100 == pytest.approx(float(want.verschil_pct), abs=0.006)
    first, second = list(plan)[:2]
    assert shown[first][-1] == "rood" and shown[second][-1] in ("oranje", "rood", "groen")
    assert shown["maatwerk_extra"][0] == 0


def test_template_wijken_sheet_is_the_core_and_adds_up(template: Path, bundle_dir: Path) -> None:
    wb = openpyxl.load_workbook(template, data_only=True)
    ws = wb[C.WIJKEN]
    years = [int(ws.cell(8, c).value) for c in range(4, 9) if isinstance(ws.cell(8, c).value, (int, float))]
    assert years and ws.cell(9, 2).value == "Totaal gemeente"
    table = per_wijk(G, years, model=bundle_dir)
    n = len(table[table["jaar"] == years[0]])
    codes = [ws.cell(r, 2).value for r in range(10, 10 + n)]
    for j, y in enumerate(years):
        col = 4 + j
        want = table[table["jaar"] == y].set_index("wijk")["euro"]
        cells = [ws.cell(r, col).value for r in range(10, 10 + n)]
        assert cells == pytest.approx([want[c] for c in codes])
        assert sum(cells) == pytest.approx(ws.cell(9, col).value, rel=1e-12)
    first = [ws.cell(r, 4).value for r in range(10, 10 + n)]
    assert first == sorted(first, reverse=True)
    formats = ws.conditional_formatting
    assert any(rule.type == "colorScale" for cf in formats for rule in cf.rules)
