"""The Realisatie and Wijken sheets of the template (block UDFs) and of the zero-install export
(classic formulas, recalculated by ``formulas`` with nothing registered): the same numbers as
the core and the CLI."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xlcalc
from clirun import run
from wmo_xl.costs import Scenario
from wmo_xl.excel import contract as C
from wmo_xl.excel.template import build_workbook
from wmo_xl.realisatie import begroting
from wmo_xl.wijkbudget import per_wijk

os.environ.setdefault("TQDM_DISABLE", "1")
G = "GM0202"
YEAR = 2025  # a forecast year the VNG series prices


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


# ------------------------------------------------------------------ the zero-install export
@pytest.fixture(scope="module")
def export_solved(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path) -> tuple[Any, Path, list[tuple[str, int, float]], int]:
    """The export of GM0202 (+GM0101) with a realisation pasted (openpyxl, as a user would), recalculated
    by ``formulas`` with no WMO_ function registered: the file computes on its own."""
    import formulas

    from wmo_xl.excel.export import export_workbook
    from wmo_xl.excel.export_budget import budget_years
    from wmo_xl.excel.export_data import gather, default_years

    d = tmp_path_factory.mktemp("export")
    out = export_workbook([G, "GM0101"], d / "e.xlsx", model=bundle_dir)
    year = budget_years(gather([G], default_years(bundle_dir), bundle_dir))[0]
    rows = _realisation(begroting(G, year, model=bundle_dir))
    wb = openpyxl.load_workbook(out)
    ws = wb["Realisatie"]
    for i, (dienst, p, v) in enumerate(rows):
        ws.cell(13 + i, 13, dienst)
        ws.cell(13 + i, 14, p)
        ws.cell(13 + i, 15, round(v, 2))
    pasted = d / "pasted.xlsx"
    wb.save(pasted)
    funcs = formulas.get_functions()
    saved = {k: funcs.pop(k) for k in [k for k in funcs if str(k).upper().startswith("WMO_")]}
    try:
        xl = formulas.ExcelModel().loads(str(pasted)).finish()
        sol = xl.calculate()
        bad = xl.calculate(inputs={f"'[{pasted.name}]REALISATIE'!N13": 13})  # a periode that is no month
    finally:
        funcs.update(saved)
    return sol, pasted, rows, year, bad


def _v(sol: Any, path: Path, sheet: str, cell: str) -> Any:
    x = sol.get(f"'[{path.name}]{sheet.upper()}'!{cell}")
    if x is None:
        return None
    v = np.asarray(x.value if hasattr(x, "value") else x, dtype=object).reshape(-1)[0]
    return v.item() if isinstance(v, np.generic) else v


def test_export_realisatie_recalculated_equals_the_cli(export_solved: Any, bundle_dir: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    sol, path, rows, year, _ = export_solved
    f = _csv(rows, tmp_path / "r.csv")
    code, out, err = run(["realisatie", "--gemeente", G, "--jaar", str(year), "--realisatie", str(f), "--model", str(bundle_dir),
                          "--format", "csv"], capsys)
    assert code == 0, err
    cli = pd.read_csv(io.StringIO(out), keep_default_na=False).set_index("dienst")
    shown = {}
    for r in range(13, 60):
        label = _v(sol, path, "Realisatie", f"B{r}")
        if label:
            shown[label] = [_v(sol, path, "Realisatie", f"{c}{r}") for c in "CDEFGHI"]
        if label == "Totaal":
            break
    assert sorted(shown) == sorted(cli.index)
    for dienst, (begroot, ger, per, prog, verschil, pct, sig) in shown.items():
        want = cli.loc[dienst]
        assert begroot == pytest.approx(want.begroot, abs=0.01), dienst
        assert ger == pytest.approx(want.gerealiseerd, abs=0.01) and per == want.perioden, dienst
        assert prog == pytest.approx(want.prognose, abs=0.01) and verschil == pytest.approx(want.verschil, abs=0.01), dienst
        assert sig == want.signaal, dienst
        assert (pct == "" and want.verschil_pct == "") or 100 * pct == pytest.approx(float(want.verschil_pct), abs=0.006)


def test_export_wijken_recalculated_equals_the_cli(export_solved: Any, bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sol, path, _, _, _ = export_solved
    years = [int(_v(sol, path, "Wijken", f"{c}10")) for c in "DEFGH" if _v(sol, path, "Wijken", f"{c}10") not in (None, "")]
    code, out, err = run(["budget", "--gemeente", G, "--years", ",".join(map(str, years)), "--per-wijk", "--format", "csv",
                          "--model", str(bundle_dir)], capsys)
    assert code == 0, err
    cli = pd.read_csv(io.StringIO(out), keep_default_na=False)
    core = per_wijk(G, years, model=bundle_dir)
    n = len(core[core["jaar"] == years[0]])
    codes = [_v(sol, path, "Wijken", f"B{r}") for r in range(12, 12 + n)]
    assert codes == list(core[core["jaar"] == years[0]]["wijk"])  # sorted by the first year's euros, as the core
    for j, y in enumerate(years):
        col = "DEFGH"[j]
        want = core[core["jaar"] == y].set_index("wijk")["euro"]
        whole = cli[cli["jaar"] == y].set_index("wijk")["euro"]
        got = [_v(sol, path, "Wijken", f"{col}{r}") for r in range(12, 12 + n)]
        assert got == pytest.approx([want[c] for c in codes], rel=1e-9)
        assert all(abs(g - whole[c]) < 1 for g, c in zip(got, codes))
        assert sum(got) == pytest.approx(_v(sol, path, "Wijken", f"{col}11"), rel=1e-12)
        assert abs(_v(sol, path, "Wijken", f"{col}{12 + n}")) < 0.01  # nothing without a wijk figure in a forecast year


def test_export_realisatie_bad_pasted_row_fails_every_figure(export_solved: Any) -> None:
    """Periode 13 in one pasted row: the realised amounts, the projections and the total are errors, never a smaller sum."""
    from formulas.tokens.operand import XlError

    _, path, _, _, bad = export_solved
    assert _v(bad, path, "Realisatie", "C10") > 0
    total = next(r for r in range(13, 60) if _v(bad, path, "Realisatie", f"B{r}") == "Totaal")
    for cell in (f"D{total}", f"F{total}", f"G{total}", "D13", "F13"):
        assert isinstance(_v(bad, path, "Realisatie", cell), XlError), cell


def test_realisatie_udf_refuses_in_every_cell(bundle_dir: Path) -> None:
    """A bad pasted row or choice: the whole block says why, no number survives."""
    from wmo_xl.bundle import set_active_model
    from wmo_xl.excel import udfs
    from wmo_xl.excel.template_realisatie import _menu_values

    set_active_model(bundle_dir)
    try:
        head = [["dienst", "periode", "bedrag"]]
        block = udfs.wmo_realisatie(G, YEAR, _menu_values(), None, "basis", head + [["hbh_zin", 13, 100.0]], None, None, None)
        assert len(block) == udfs.REALISATIE_ROWS and all(str(c).startswith(udfs.PREFIX) for r in block for c in r)
        assert "realisatie row 1, column periode: 13 is outside 1-12" in block[0][0]
        block = udfs.wmo_realisatie(G, YEAR, _menu_values(), None, "begroting", head, None, None, None)
        assert "accepted are basis, scenario" in block[0][0]
        ok = udfs.wmo_realisatie(G, YEAR, _menu_values(), [["indexatie", 0.1]], "scenario", head + [["hbh_zin", 1, 1000.0]],
                                 None, 10, 1)
        plan = begroting(G, YEAR, model=bundle_dir, scenario=Scenario(indexatie=0.1))
        assert ok[1][0] == "hbh_zin" and ok[1][1] == pytest.approx(plan["hbh_zin"]) and ok[1][7] == "rood"
    finally:
        set_active_model(None)
