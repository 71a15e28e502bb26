"""No input is taken and then ignored (issue 17, section 2): the sweep.

Every CLI option of every command, every Excel function argument, every scenario field,
every menukaart column and every input cell of the template has a case here. A case shows
that the input changes the output, or that it is refused (one line, saying why) where it
cannot apply. The enumerations come from the code (the typer app, the ``@xw.func``
functions, ``Scenario.model_fields``, ``menukaart.COLUMNS``, the template's yellow cells),
so a new input without a case fails ``test_every_*_has_a_case``.

Kinds of case:

- :class:`Changes`: two calls that differ only in this input give different output.
- :class:`Refused`: a call where the input cannot apply is refused with a one-line message.
- :class:`Elsewhere`: an expensive command (network, workbook build, retrain) whose use of
  the input another test already shows; the case names that test and a text its source must
  contain, so a renamed or deleted test is noticed.
- :class:`Trigger` (Excel ``stamp`` arguments only): a recalculation trigger that by design
  carries no figure; the case checks the output does not depend on it and its docstring says so.
- :class:`Note` (the menukaart ``bron`` column only): free text kept beside the row. On the
  sheets, the Indexatie sheet's yellow ``status`` column is such a note too (see
  :data:`NOTE_COLUMNS`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clirun import run
from wmo_xl.excel import contract as C

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Changes:
    a: Any
    b: Any


@dataclass
class Refused:
    call: Any
    message: str


@dataclass
class Elsewhere:
    test: str  # "tests/test_x.py::test_name"
    needle: str  # text the test's source must contain (the option or argument it exercises)


@dataclass
class Trigger:
    pass


@dataclass
class Note:
    pass


def _elsewhere(case: Elsewhere) -> None:
    path, name = case.test.split("::")
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]
    assert found, f"{case.test} no longer exists"
    assert case.needle in ast.get_source_segment((ROOT / path).read_text(encoding="utf-8"), found[0]), \
        f"{case.test} does not exercise {case.needle!r}"


# ------------------------------------------------------------------------------- CLI
def _cli_params() -> list[tuple[str, str]]:
    """(command, parameter name) of every command, from the typer app itself."""
    import typer

    from wmo_xl.cli import app

    group = typer.main.get_command(app)
    out = [("", p.name) for p in group.params if p.name != "help"]
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        out += [(name, p.name) for p in cmd.params if p.name != "help"]
    return out


def _menu_csv(tmp: Path, price_factor: float = 1.0) -> Path:
    from wmo_xl.menukaart import load_menu

    df = load_menu().to_frame()
    df["prijs"] = df["prijs"] * price_factor
    p = tmp / f"menu_{price_factor}.csv"
    df.to_csv(p, index=False)
    return p


def _index_csv(tmp: Path, rate: str = "2,00%") -> Path:
    """An own indexation series (every year the same rate) in the --indexatie file format."""
    p = tmp / "indexatie.csv"
    p.write_text("\n".join(["jaar;ova;pcc;gewogen;status;bron"] + [f"{y};{rate};{rate};{rate};aanname;test" for y in range(2023, 2036)]),
                 encoding="utf-8")
    return p


def _real_csv(path: Path, monthly: float) -> Path:
    """Nine months of realisation of two diensten (Dutch CSV as a controller exports it)."""
    path.write_text("dienst;periode;bedrag\n" + "".join(f"{d};{mm};{monthly}\n" for d in ("hbh_zin", "begeleiding_zin")
                                                           for mm in range(1, 10)), encoding="utf-8")
    return path


def _cli_cases(tmp: Path, bundle: Path, data: Path) -> dict[tuple[str, str], Any]:
    """argv lists; {model}, {data}, {tmp} are filled in. The fake bundle (GM0101, GM0202,
    GM0303; totaal only) keeps them fast; the bundled national model (HbH) where needed."""
    m = ["--model", str(bundle)]
    fc = ["forecast", *m, "--year", "2019"]
    # budget years from 2022: the shipped menukaart indexes with the VNG series (2022-2035)
    bud = ["budget", *m, "--gemeente", "GM0101", "--years", "2026-2027"]
    scen = tmp / "s.json"
    scen.write_text('{"naam": "duurder", "indexatie": 0.1}', encoding="utf-8")
    shares = tmp / "aandelen.csv"
    shares.write_text("categorie;aandeel_van_totaal\nbegeleiding;0,25\n", encoding="utf-8")
    from wmo_xl.menukaart import load_category_shares

    all_shares = tmp / "alle_aandelen.csv"  # every category named: realisatie reads a shares file as the whole map
    all_shares.write_text("categorie;aandeel_van_totaal\n" + "".join(
        f"{k};{0.25 if k == 'begeleiding' else v}\n" for k, v in load_category_shares().items()), encoding="utf-8")
    hbh_shares = tmp / "hbh.csv"
    hbh_shares.write_text("categorie;aandeel_van_totaal\nhbh;0,40\n", encoding="utf-8")
    other = tmp / "other.csv"
    from conftest import make_cbs_frame

    make_cbs_frame(seed=7).to_csv(other, index=False)
    csv = str(next(data.glob("*.csv")))
    bt = ["backtest", "--data", csv, "--origin", "2016"]
    index = _index_csv(tmp)
    real = _real_csv(tmp / "real.csv", 1000.0)
    other_real = _real_csv(tmp / "real2.csv", 3000.0)
    profile = tmp / "profiel.csv"  # last year's spending back-loaded: a projection by profile differs from linear
    profile.write_text("dienst;periode;bedrag\n" + "".join(f"hbh_zin;{mm};{100 * mm}\n" for mm in range(1, 13)), encoding="utf-8")
    rl = ["realisatie", *m, "--gemeente", "GM0101", "--jaar", "2026", "--realisatie", str(real), "--format", "csv"]
    return {
        ("", "version"): Changes(["--version"], ["forecast", "--help"]),
        ("forecast", "year"): Changes([*fc, "--wijk", "WK010101"], ["forecast", *m, "--year", "2020", "--wijk", "WK010101"]),
        ("forecast", "wijk"): Changes([*fc, "--wijk", "WK010101"], [*fc, "--wijk", "WK010102"]),
        ("forecast", "gemeente"): Changes([*fc, "--gemeente", "GM0101"], [*fc, "--gemeente", "GM0202"]),
        ("forecast", "category"): Refused([*fc, "--wijk", "WK010101", "--category", "hbh"], "hbh"),
        ("forecast", "model"): Changes([*fc, "--wijk", "WK020201"], ["forecast", "--year", "2019", "--wijk", "WK020201"]),
        ("forecast", "fmt"): Changes([*fc, "--wijk", "WK010101"], [*fc, "--wijk", "WK010101", "--format", "table"]),
        ("backtest", "data"): Changes(bt, ["backtest", "--data", str(other), "--origin", "2016"]),
        ("backtest", "origin"): Changes(bt, ["backtest", "--data", csv, "--origin", "2017"]),
        ("backtest", "horizon"): Changes(bt, [*bt, "--horizon", "2"]),
        ("backtest", "out"): Changes(bt, [*bt, "--out", str(tmp / "pred.csv")]),
        ("backtest", "force"): Refused([*bt, "--force"], "--force replaces the --out file"),
        ("train", "data"): Elsewhere("tests/test_cli.py::test_train_combines_data_dirs", '"--data"'),
        ("train", "out"): Elsewhere("tests/test_cli_inputs.py::test_train_refuses_a_user_folder_the_current_folder_and_links", '"--out"'),
        ("update-data", "years"): Elsewhere("tests/test_online.py::test_years_on_request_and_unknown_years", "years"),
        ("update-data", "cbs_url"): Elsewhere("tests/test_online.py::test_cbs_url_from_argument_env_or_default", "url"),
        ("update-data", "cache"): Elsewhere("tests/test_online.py::test_update_train_forecast_end_to_end", '"--cache"'),
        ("update-data", "out"): Elsewhere("tests/test_online.py::test_update_train_forecast_end_to_end", '"--out"'),
        ("refresh", "years"): Elsewhere("tests/test_online.py::test_years_on_request_and_unknown_years", "years"),
        ("refresh", "cbs_url"): Elsewhere("tests/test_online.py::test_refresh_summarises_years_and_categories", '"--cbs-url"'),
        ("refresh", "cache"): Elsewhere("tests/test_online.py::test_refresh_summarises_years_and_categories", '"--cache"'),
        ("refresh", "data_out"): Elsewhere("tests/test_online.py::test_refresh_summarises_years_and_categories", '"--data-out"'),
        ("refresh", "base"): Refused(["refresh", "--data", str(data), "--only-fetched"], "--data folders are trained on only with --with-older"),
        ("refresh", "with_base"): Elsewhere("tests/test_online.py::test_refresh_summarises_years_and_categories", '"--only-fetched"'),
        ("refresh", "out"): Elsewhere("tests/test_online.py::test_refresh_summarises_years_and_categories", '"--out"'),
        ("budget", "gemeente"): Changes(bud, ["budget", *m, "--gemeente", "GM0202", "--years", "2026-2027"]),
        ("budget", "years"): Changes(bud, ["budget", *m, "--gemeente", "GM0101", "--years", "2026-2028"]),
        ("budget", "menu"): Changes(bud, [*bud, "--menu", str(_menu_csv(tmp, 1.1))]),
        ("budget", "scenario"): Changes(bud, [*bud, "--scenario", str(scen)]),
        ("budget", "shares"): Changes(bud, [*bud, "--shares", str(shares)]),
        ("budget", "model"): Changes(bud, ["budget", "--gemeente", "GM0200", "--years", "2026-2027"]),
        ("budget", "fmt"): Changes(bud, [*bud, "--format", "csv"]),
        ("budget", "detail"): Changes(bud, [*bud, "--detail"]),
        ("budget", "per_wijk"): Changes(bud, [*bud, "--per-wijk"]),
        # the ivb presets start in 2027: the years 2026-2027 show the HbH clients move in 2027
        ("budget", "preset"): Changes(bud, [*bud, "--preset", "ivb-hoog"]),
        ("budget", "indexatie"): Changes(bud, [*bud, "--indexatie", str(index)]),
        ("realisatie", "gemeente"): Changes(rl, [*rl, "--gemeente", "GM0202"]),
        ("realisatie", "jaar"): Changes(rl, [*rl, "--jaar", "2027"]),
        ("realisatie", "real_file"): Changes(rl, [*rl, "--realisatie", str(other_real)]),
        ("realisatie", "menu"): Changes(rl, [*rl, "--menu", str(_menu_csv(tmp, 1.1))]),
        ("realisatie", "scenario"): Changes(rl, [*rl, "--scenario", str(scen)]),
        ("realisatie", "profiel"): Changes(rl, [*rl, "--profiel", str(profile)]),
        # a threshold shows in the signal column; the other threshold set to 0 so this one decides
        ("realisatie", "drempel_euro"): Changes([*rl, "--drempel-pct", "0"], [*rl, "--drempel-pct", "0", "--drempel-euro", "1e12"]),
        ("realisatie", "drempel_pct"): Changes([*rl, "--drempel-euro", "0"], [*rl, "--drempel-euro", "0", "--drempel-pct", "1000"]),
        ("realisatie", "shares"): Changes(rl, [*rl, "--shares", str(all_shares)]),
        ("realisatie", "model"): Changes(rl, ["realisatie", "--gemeente", "GM0200", "--jaar", "2026", "--realisatie", str(real),
                                              "--format", "csv"]),
        ("realisatie", "fmt"): Changes(rl, [*rl, "--format", "table"]),
        ("realisatie", "indexatie"): Changes(rl, [*rl, "--indexatie", str(index)]),
        ("build-workbook", "out"): Elsewhere("tests/test_cli.py::test_build_workbook_with_model_leaves_the_default_model_alone", '"--out"'),
        ("build-workbook", "model"): Elsewhere("tests/test_cli.py::test_build_workbook_with_model_leaves_the_default_model_alone", '"--model"'),
        ("build-workbook", "gemeente"): Elsewhere("tests/test_cli_inputs.py::test_build_workbook_bad_gemeente_touches_nothing", '"--gemeente"'),
        ("build-workbook", "force"): Elsewhere("tests/test_cli_inputs.py::test_build_workbook_refuses_existing_without_force_and_keeps_a_backup", '"--force"'),
        ("export-workbook", "out"): Elsewhere("tests/test_export.py::test_out_must_be_xlsx", '"--out"'),
        ("export-workbook", "gemeente"): Elsewhere("tests/test_export.py::test_overwrite_refused_without_force_and_backup_kept", '"--gemeente"'),
        ("export-workbook", "all_gemeenten"): Refused(["export-workbook", *m, "--all", "--gemeente", "GM0101", "--out", str(tmp / "x.xlsx")], "not both"),
        ("export-workbook", "model"): Elsewhere("tests/test_export.py::test_overwrite_refused_without_force_and_backup_kept", '"--model"'),
        ("export-workbook", "years"): Elsewhere("tests/test_export.py::test_overwrite_refused_without_force_and_backup_kept", '"--years"'),
        ("export-workbook", "force"): Elsewhere("tests/test_export.py::test_overwrite_refused_without_force_and_backup_kept", '"--force"'),
        ("setup-excel", "workbook"): Elsewhere("tests/test_setup_excel.py::test_cli_refuses_an_open_workbook_in_one_line", "setup-excel"),
        ("setup-excel", "interpreter"): Elsewhere("tests/test_setup_excel.py::test_writes_the_interpreter_as_text_first_without_empty_rows", "setup_excel(book, EXE)"),
        ("retrain", "workbook"): Elsewhere("tests/test_retrain.py::test_cli_retrain_and_reset", '"retrain"'),
        ("retrain", "model"): Elsewhere("tests/test_retrain.py::test_openpyxl_retrain_writes_controle_and_local_bundle", "retrain("),
        ("reset-model", "workbook"): Elsewhere("tests/test_retrain.py::test_cli_retrain_and_reset", '"reset-model"'),
        ("trust-model", "folder"): Refused(["trust-model", str(tmp / "geen_model")], "geen_model"),
    }


def test_every_cli_option_has_a_case(tmp_path: Path, bundle_dir: Path, data_dir: Path) -> None:
    cases = _cli_cases(tmp_path, bundle_dir, data_dir)
    missing = [p for p in _cli_params() if p not in cases]
    assert not missing, f"CLI inputs without a case in this file: {missing}"
    assert not set(cases) - set(_cli_params()), "cases for options that no longer exist"


@pytest.mark.parametrize("key", _cli_params(), ids=lambda k: f"{k[0] or 'wmo-xl'}:{k[1]}")
def test_cli_option_changes_output_or_is_refused(key: tuple[str, str], tmp_path: Path, bundle_dir: Path, data_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    case = _cli_cases(tmp_path, bundle_dir, data_dir).get(key)
    if case is None:
        pytest.fail(f"no case for {key}")
    if isinstance(case, Elsewhere):
        _elsewhere(case)
    elif isinstance(case, Refused):
        code, out, err = run(case.call, capsys)
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
        assert case.message in err
    else:
        code_a, out_a, err_a = run(case.a, capsys)
        code_b, out_b, err_b = run(case.b, capsys)
        assert code_a == 0 and code_b == 0, (err_a, err_b)
        files = sorted(p.name for p in tmp_path.iterdir())
        assert out_a != out_b or "pred.csv" in files


def test_budget_refuses_an_hbh_share_the_model_does_not_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bundled model forecasts HbH for GM0200: a share for hbh would be taken and have no
    effect, so it is refused with why; a share it does use (begeleiding) moves the euros, and
    a category the file leaves out keeps the national default."""
    hbh = tmp_path / "hbh.csv"
    hbh.write_text("categorie;aandeel_van_totaal\nhbh;0,40\nbegeleiding;0,25\n", encoding="utf-8")
    code, _, err = run(["budget", "--gemeente", "GM0200", "--years", "2026", "--shares", str(hbh)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "hbh share 0.4 cannot apply to GM0200: the model forecasts its HbH clients itself" in err
    assert "remove the hbh line" in err

    own = tmp_path / "own.csv"
    own.write_text("categorie;aandeel_van_totaal\nbegeleiding;0,25\n", encoding="utf-8")
    code, mine, err = run(["budget", "--gemeente", "GM0200", "--years", "2026", "--format", "csv", "--shares", str(own)], capsys)
    assert code == 0, err
    assert "shares from the file: begeleiding; national default share: hbh, dagbesteding" in err
    code, base, _ = run(["budget", "--gemeente", "GM0200", "--years", "2026", "--format", "csv"], capsys)
    a = pd.read_csv(pd.io.common.StringIO(mine)).set_index(["maat", "niveau", "dienst"])["2026"]
    b = pd.read_csv(pd.io.common.StringIO(base)).set_index(["maat", "niveau", "dienst"])["2026"]
    ratio = _at(a, ("basis", "dienst", "begeleiding_zin")) / _at(b, ("basis", "dienst", "begeleiding_zin"))
    assert ratio == pytest.approx(0.25 / 0.22)
    assert _at(a, ("basis", "dienst", "hbh_zin")) == _at(b, ("basis", "dienst", "hbh_zin"))


def _at(series: pd.Series, key: tuple[str, ...]) -> float:
    """The one value at ``key`` (pandas 2.0 returns a Series for a key of an unsorted MultiIndex)."""
    hit = series[[k == key for k in series.index]]
    assert len(hit) == 1, key
    return float(hit.iloc[0])


def test_realisatie_treats_a_shares_file_as_budget_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same shares file means the same for realisatie as for budget: a hbh share for GM0200
    (bundled model, HbH forecast) is refused with why; a file naming only begeleiding is read."""
    real = _real_csv(tmp_path / "r.csv", 1000.0)
    args = ["realisatie", "--gemeente", "GM0200", "--jaar", "2026", "--realisatie", str(real), "--format", "csv"]
    own = tmp_path / "own.csv"
    own.write_text("categorie;aandeel_van_totaal\nbegeleiding;0,25\n", encoding="utf-8")
    code, _, err = run([*args, "--shares", str(own)], capsys)
    assert code == 0, err
    hbh = tmp_path / "hbh.csv"
    hbh.write_text("categorie;aandeel_van_totaal\nhbh;0,90\nbegeleiding;0,25\n", encoding="utf-8")
    code, _, err = run([*args, "--shares", str(hbh)], capsys)
    assert code == 2 and "hbh share 0.9 cannot apply to GM0200" in err and err.count("\n") == 1


@pytest.mark.parametrize(("text", "message"), [
    ("categorie;aandeel_van_totaal;jaar\nbegeleiding;0,25;2026\n", "column 'jaar' is not used"),
    ("categorie;aandeel_van_totaal;bron\nbegeleiding;0,25;eigen telling\n", None),
])
def test_shares_file_columns_are_read_or_refused(tmp_path: Path, text: str, message: str | None) -> None:
    from wmo_xl.errors import WmoError
    from wmo_xl.menukaart import load_category_shares

    p = tmp_path / "s.csv"
    p.write_text(text, encoding="utf-8")
    if message is None:
        assert load_category_shares(p) == {"begeleiding": 0.25}
    else:
        with pytest.raises(WmoError, match=message):
            load_category_shares(p)


# ------------------------------------------------------------------------ Excel UDFs
def _udf_params() -> list[tuple[str, str]]:
    """(function, argument) of every Excel function, as xlwings registers them."""
    from wmo_xl.excel.vba import udf_functions

    return [(name, a["name"]) for name, rec in udf_functions().items() for a in rec["args"]]


def _menu_range(price_factor: float = 1.0) -> list[list[Any]]:
    from wmo_xl.menukaart import load_menu

    df = load_menu().to_frame()
    df["prijs"] = df["prijs"] * price_factor
    return [list(df.columns)] + df.astype(object).values.tolist()


def _index_range(rate: float = 0.02) -> list[list[Any]]:
    """The Indexatie sheet's range (header first) with every year at one rate."""
    return [["jaar", "gewogen"]] + [[y, rate] for y in range(2023, 2036)]


def _real_range(monthly: float = 1000.0) -> list[list[Any]]:
    """The Realisatie sheet's paste area: nine months of two diensten."""
    return [["dienst", "periode", "bedrag"]] + [[d, mm, monthly] for d in ("hbh_zin", "begeleiding_zin") for mm in range(1, 10)]


def _udf_cases() -> dict[tuple[str, str], Any]:
    """Keyword arguments of two calls (or of a refused one); the fake bundle is active.

    Dependencies, as for the scenario's substitutie fields: WMO_REALISATIE's ``scenario``
    acts only with ``begroting`` = scenario (the sheet's choice cell picks the budget);
    a threshold (``drempel_euro``, ``drempel_pct``) decides the signal only when the other
    one is met, so the case sets the other to 0.
    """
    menu, dearer = _menu_range(), _menu_range(1.1)
    own = _index_range()
    fc = {"wijk": "WK010101", "year": 2019}
    tab = {"wijken": [["WK010101"], ["WK010102"]], "years": [[2018, 2019]]}
    cost = {"service": "hbh_zin", "clients": 100, "menu": menu, "year": 2025}
    cs = {**cost, "scenario": [["indexatie", 0.05]]}
    sheet = {"gemeente": "GM0101", "years": [[2017, 2019]]}
    bud = {"gemeente": "GM0101", "years": [[2025, 2026]], "menu": menu}
    rl = {"gemeente": "GM0101", "jaar": 2026, "menu": menu, "scenario": [["indexatie", 0.1]], "begroting": "basis",
          "realisatie": _real_range()}
    rs = {**rl, "begroting": "scenario"}
    profile = [["dienst", "periode", "bedrag"]] + [["hbh_zin", mm, 100 * mm] for mm in range(1, 13)]
    wk = {"gemeente": "GM0101", "years": [[2025, 2026]], "menu": menu}
    return {
        ("wmo_forecast", "wijk"): Changes(fc, {**fc, "wijk": "WK010102"}),
        ("wmo_forecast", "year"): Changes(fc, {**fc, "year": 2020}),
        ("wmo_forecast", "category"): Refused({**fc, "category": "hbh"}, "hbh"),
        ("wmo_forecast_table", "wijken"): Changes(tab, {**tab, "wijken": [["WK010103"], ["WK010102"]]}),
        ("wmo_forecast_table", "years"): Changes(tab, {**tab, "years": [[2018, 2020]]}),
        ("wmo_forecast_table", "category"): Refused({**tab, "category": "hbh"}, "hbh"),
        ("wmo_range", "wijk"): Changes(fc, {**fc, "wijk": "WK010102"}),
        ("wmo_range", "year"): Changes(fc, {**fc, "year": 2020}),
        ("wmo_range", "category"): Refused({**fc, "category": "hbh"}, "hbh"),
        ("wmo_cost", "service"): Changes(cost, {**cost, "service": "hbh_pgb"}),
        ("wmo_cost", "clients"): Changes(cost, {**cost, "clients": 120}),
        ("wmo_cost", "menu"): Changes(cost, {**cost, "menu": dearer}),
        ("wmo_cost", "year"): Changes(cost, {**cost, "year": 2027}),
        ("wmo_cost", "indexatie"): Changes(cost, {**cost, "indexatie": own}),
        ("wmo_cost_scenario", "service"): Changes(cs, {**cs, "service": "hbh_pgb"}),
        ("wmo_cost_scenario", "clients"): Changes(cs, {**cs, "clients": 120}),
        ("wmo_cost_scenario", "menu"): Changes(cs, {**cs, "menu": dearer}),
        ("wmo_cost_scenario", "year"): Changes(cs, {**cs, "year": 2027}),
        ("wmo_cost_scenario", "scenario"): Changes(cs, {**cs, "scenario": [["indexatie", 0.0]]}),
        # a scenario indexatie replaces every row's indexation (Scenario.indexatie: "all rows"): the
        # series acts on the scenario's cost when the scenario leaves the indexation to the menukaart
        ("wmo_cost_scenario", "indexatie"): Changes({**cs, "scenario": [["verzilveringsgraad", 0.9]]},
                                                    {**cs, "scenario": [["verzilveringsgraad", 0.9]], "indexatie": own}),
        ("wmo_wijken", "gemeente"): Changes({"gemeente": "GM0101"}, {"gemeente": "GM0202"}),
        ("wmo_clients", "gemeente"): Changes({"gemeente": "GM0101", "year": 2019, "categorie": "hbh"},
                                             {"gemeente": "GM0202", "year": 2019, "categorie": "hbh"}),
        ("wmo_clients", "year"): Changes({"gemeente": "GM0101", "year": 2019, "categorie": "hbh"},
                                         {"gemeente": "GM0101", "year": 2020, "categorie": "hbh"}),
        ("wmo_clients", "categorie"): Changes({"gemeente": "GM0101", "year": 2019, "categorie": "hbh"},
                                              {"gemeente": "GM0101", "year": 2019, "categorie": "vervoer"}),
        ("wmo_model_info", "stamp"): Trigger(),
        ("wmo_forecast_sheet", "gemeente"): Changes(sheet, {**sheet, "gemeente": "GM0202"}),
        ("wmo_forecast_sheet", "years"): Changes(sheet, {**sheet, "years": [[2017, 2020]]}),
        ("wmo_forecast_sheet", "category"): Refused({**sheet, "category": "hbh"}, "hbh"),
        ("wmo_forecast_sheet", "stamp"): Trigger(),
        ("wmo_budget", "gemeente"): Changes(bud, {**bud, "gemeente": "GM0202"}),
        ("wmo_budget", "years"): Changes(bud, {**bud, "years": [[2025, 2027]]}),
        ("wmo_budget", "menu"): Changes(bud, {**bud, "menu": dearer}),
        ("wmo_budget", "scenario"): Changes(bud, {**bud, "scenario": [["naam", "duurder"], ["indexatie", 0.1]]}),
        ("wmo_budget", "stamp"): Trigger(),
        ("wmo_budget", "indexatie"): Changes(bud, {**bud, "indexatie": own}),
        ("wmo_realisatie", "gemeente"): Changes(rl, {**rl, "gemeente": "GM0202"}),
        ("wmo_realisatie", "jaar"): Changes(rl, {**rl, "jaar": 2027}),
        ("wmo_realisatie", "menu"): Changes(rl, {**rl, "menu": dearer}),
        ("wmo_realisatie", "scenario"): Changes(rs, {**rs, "scenario": [["indexatie", 0.0]]}),
        ("wmo_realisatie", "begroting"): Changes(rl, rs),
        ("wmo_realisatie", "realisatie"): Changes(rl, {**rl, "realisatie": _real_range(3000.0)}),
        ("wmo_realisatie", "profiel"): Changes(rl, {**rl, "profiel": profile}),
        ("wmo_realisatie", "drempel_euro"): Changes({**rl, "drempel_pct": 0}, {**rl, "drempel_pct": 0, "drempel_euro": 1e12}),
        ("wmo_realisatie", "drempel_pct"): Changes({**rl, "drempel_euro": 0}, {**rl, "drempel_euro": 0, "drempel_pct": 1000}),
        ("wmo_realisatie", "stamp"): Trigger(),
        ("wmo_realisatie", "indexatie"): Changes(rl, {**rl, "indexatie": own}),
        ("wmo_wijken_budget", "gemeente"): Changes(wk, {**wk, "gemeente": "GM0202"}),
        ("wmo_wijken_budget", "years"): Changes(wk, {**wk, "years": [[2025, 2027]]}),
        ("wmo_wijken_budget", "menu"): Changes(wk, {**wk, "menu": dearer}),
        ("wmo_wijken_budget", "stamp"): Trigger(),
        ("wmo_wijken_budget", "indexatie"): Changes(wk, {**wk, "indexatie": own}),
    }


def test_every_excel_function_argument_has_a_case() -> None:
    params = _udf_params()
    assert len(params) > 20  # the enumeration found the functions
    missing = [p for p in params if p not in _udf_cases()]
    assert not missing, f"Excel function arguments without a case in this file: {missing}"


def _message(v: Any) -> str:
    flat = [c for row in v for c in row] if isinstance(v, list) and v and isinstance(v[0], list) else [v]
    texts = [c for c in flat if isinstance(c, str) and c.startswith("#WMO!")]
    return texts[0] if texts else ""


@pytest.mark.parametrize("key", _udf_params(), ids=lambda k: f"{k[0]}:{k[1]}")
def test_excel_argument_changes_output_or_is_refused(key: tuple[str, str], active_bundle: Path) -> None:
    from wmo_xl.excel import udfs

    f: Callable[..., Any] = getattr(udfs, key[0])
    case = _udf_cases()[key]
    if isinstance(case, Trigger):
        assert "stamp" in (f.__doc__ or "")
        base = {"wmo_model_info": {}, "wmo_forecast_sheet": {"gemeente": "GM0101", "years": [[2019]]},
                "wmo_budget": {"gemeente": "GM0101", "years": [[2025]], "menu": _menu_range()},
                "wmo_realisatie": {"gemeente": "GM0101", "jaar": 2026, "menu": _menu_range(), "scenario": None,
                                   "begroting": "basis", "realisatie": _real_range()},
                "wmo_wijken_budget": {"gemeente": "GM0101", "years": [[2025]], "menu": _menu_range()}}[key[0]]
        one, two = f(**base, stamp=1), f(**base, stamp=2)
        assert not _message(one), _message(one)
        assert one == two
    elif isinstance(case, Refused):
        assert case.message in _message(f(**case.call))
    else:
        a, b = f(**case.a), f(**case.b)
        assert not _message(a) and not _message(b), (_message(a), _message(b))
        assert a != b


def test_budget_block_shows_the_scenario_name(active_bundle: Path) -> None:
    from wmo_xl.excel import udfs

    block = udfs.wmo_budget("GM0101", [[2025]], _menu_range(), [["naam", "eigen trajecten"]])
    assert any("Scenario: eigen trajecten (EUR)" in row for row in block)


# --------------------------------------------------------------------- scenario fields
#: Budget years of the scenario cases (the VNG series prices 2022-2035).
SCENARIO_YEARS = "2026-2027"

#: Dependent fields are given with the field they act through: ``hbh_vanaf_jaar`` with
#: ``hbh_extra_clienten``, the ``substitutie_*`` fields with ``substitutie_aandeel``, and
#: ``hbh_effect_ivb`` only with ``eigen_bijdrage`` = ivb and its start year
#: ``eigen_bijdrage_vanaf`` (under the default abonnementstarief the effect is not applied).
IVB = {"eigen_bijdrage": "ivb", "eigen_bijdrage_vanaf": 2026, "hbh_effect_ivb": -0.1}
SCENARIO_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "naam": ({"naam": "A"}, {"naam": "B"}),
    "indexatie": ({}, {"indexatie": 0.1}),
    "verzilveringsgraad": ({}, {"verzilveringsgraad": 0.5}),
    "hbh_extra_clienten": ({}, {"hbh_extra_clienten": 0.1}),
    "hbh_vanaf_jaar": ({"hbh_extra_clienten": 0.1, "hbh_vanaf_jaar": 2026}, {"hbh_extra_clienten": 0.1, "hbh_vanaf_jaar": 2027}),
    "substitutie_aandeel": ({}, {"substitutie_aandeel": 0.3}),
    "substitutie_kostenfactor": ({"substitutie_aandeel": 0.3}, {"substitutie_aandeel": 0.3, "substitutie_kostenfactor": 0.8}),
    "substitutie_vanaf_jaar": ({"substitutie_aandeel": 0.3, "substitutie_vanaf_jaar": 2026},
                               {"substitutie_aandeel": 0.3, "substitutie_vanaf_jaar": 2027}),
    "eigen_bijdrage": ({**IVB, "eigen_bijdrage": "abonnementstarief"}, IVB),
    "eigen_bijdrage_vanaf": (IVB, {**IVB, "eigen_bijdrage_vanaf": 2027}),
    "hbh_effect_ivb": (IVB, {**IVB, "hbh_effect_ivb": -0.2}),
}


def test_every_scenario_field_has_a_case() -> None:
    from wmo_xl.costs import Scenario

    assert set(Scenario.model_fields) == set(SCENARIO_CASES)


@pytest.mark.parametrize("name", list(SCENARIO_CASES))
def test_scenario_field_changes_the_budget(name: str, bundle_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the command line, as a user gives a scenario file: the table differs."""
    import json

    outs = []
    for k, fields in enumerate(SCENARIO_CASES[name]):
        p = tmp_path / f"s{k}.json"
        p.write_text(json.dumps(fields), encoding="utf-8")
        code, out, err = run(["budget", "--model", str(bundle_dir), "--gemeente", "GM0101", "--years", SCENARIO_YEARS,
                              "--scenario", str(p)], capsys)
        assert code == 0, err
        outs.append(out)
    assert outs[0] != outs[1]


# -------------------------------------------------------------------- menukaart columns
def _changed_menu(column: str) -> list[list[Any]]:
    rows = _menu_range()
    header = rows[0]
    j = header.index(column)
    row = list(rows[1])  # hbh_zin
    row[j] = {"dienst": "hbh_nieuw", "omschrijving": "anders", "categorie": "begeleiding", "leveringsvorm": "PGB",
              "eenheid": "dagdeel", "aandeel": 0.5, "verzilveringsgraad": 0.5, "eenheden_per_client_per_jaar": 10,
              "prijs": 1.0, "prijsjaar": 2024, "indexatie": 0.1, "bron": "eigen contract"}[column]
    return [header, row, *rows[2:]]


def test_every_menukaart_column_has_a_case() -> None:
    from wmo_xl.menukaart import COLUMNS, OPTIONAL_COLUMNS

    for column in COLUMNS + OPTIONAL_COLUMNS:
        _changed_menu(column)  # a KeyError here: a new column without a case


@pytest.mark.parametrize("column", ["dienst", "omschrijving", "categorie", "leveringsvorm", "eenheid", "aandeel",
                                    "verzilveringsgraad", "eenheden_per_client_per_jaar", "prijs", "prijsjaar", "indexatie", "bron"])
def test_menukaart_column_changes_the_budget(column: str, active_bundle: Path) -> None:
    """Each column changes the budget's detail rows (``bron`` is a note: it never does)."""
    from wmo_xl.costs import budget
    from wmo_xl.menukaart import menu_from_rows

    base = budget("GM0101", [2025], menu_from_rows(_menu_range()), model=active_bundle)
    changed = budget("GM0101", [2025], menu_from_rows(_changed_menu(column)), model=active_bundle)
    if column == "bron":  # Note: free text beside the row, documented as such
        pd.testing.assert_frame_equal(base, changed)
        assert "bron" in (ROOT / "docs" / "costs.md").read_text(encoding="utf-8")
    else:
        assert not base.equals(changed)


def test_menukaart_indexatie_vng_and_its_prijsjaar_change_the_budget(active_bundle: Path) -> None:
    """The indexatie column's other value, ``vng`` (the VNG series), against a flat rate; and
    the prijsjaar of a vng row (the shipped rows are vng: the case above changes one to a rate)."""
    from wmo_xl.costs import budget
    from wmo_xl.menukaart import menu_from_rows

    def menu_with(**values: Any) -> Any:
        rows = _menu_range()
        row = list(rows[1])  # hbh_zin
        for column, value in values.items():
            row[rows[0].index(column)] = value
        return menu_from_rows([rows[0], row, *rows[2:]])

    def hbh(menu: Any) -> float:
        detail = budget("GM0101", [2026], menu, model=active_bundle)
        return float(detail.loc[detail["dienst"] == "hbh_zin", "basis"].sum())

    assert menu_with().get("hbh_zin").indexatie == "vng"
    flat, vng = hbh(menu_with(indexatie=0.0)), hbh(menu_with(indexatie="vng"))
    assert vng > flat > 0  # the series' rates from the prijsjaar on are positive
    assert hbh(menu_with(indexatie="vng", prijsjaar=2024)) != vng


@pytest.mark.parametrize(("extra", "message"), [
    ({"prijs_2026": 40.0}, "column 'prijs_2026' is not used by the cost formula"),
    ({"": 40.0}, "has 40 in column 13, which has no header"),
])
def test_menukaart_refuses_a_column_it_would_not_read(extra: dict[str, Any], message: str) -> None:
    from wmo_xl.errors import WmoError
    from wmo_xl.menukaart import menu_from_rows

    rows = _menu_range()
    (name, value), = extra.items()
    table = [rows[0] + [name]] + [r + [value if i == 0 else None] for i, r in enumerate(rows[1:])]
    with pytest.raises(WmoError, match=re.escape(message)):
        menu_from_rows(table)
    notes = [rows[0] + ["toelichting"]] + [r + ["tekst"] for r in rows[1:]]
    assert len(menu_from_rows(notes).rows) == len(rows) - 1  # a note column is read as a note


# --------------------------------------------------------------- template input cells
#: Inputs of the template that are not yellow: the Forecast sheet's year header ("De jaren in
#: rij 7 mag u aanpassen") and the Menukaart's text columns (within the Menukaart name).
EXTRA_INPUTS = [(C.FORECAST, f"C{C.FORECAST_YEARS_ROW}"), (C.MENUKAART, "B3"), (C.MENUKAART, "D3")]


#: Yellow columns that are notes, not figures: (sheet, column, header). The Indexatie sheet's
#: status (definitief/voorlopig/aanname, or a controller's "eigen") is read by no formula of
#: the export, and the template's functions read only jaar and gewogen of the Indexatie range
#: (wmo_xl.indexatie.series_from_rows); test_indexatie_status_is_a_note shows it moves nothing.
NOTE_COLUMNS = [(C.INDEXATIE, "E", "status")]


def _paste_areas(rows: int) -> list[tuple[str, str]]:
    """The corners of the Realisatie sheet's two paste areas (realisation M-O, profile Q-S, from
    row 13): inputs without the yellow fill (a controller pastes whole exports there)."""
    return [(C.REALISATIE, ref) for ref in ("M13", f"O{12 + rows}", "Q13", f"S{12 + rows}")]


def _refs(text: str, sheet: str) -> list[tuple[str, str]]:
    """(sheet, A1 range) of every reference in a formula or defined name."""
    out = []
    for m in re.finditer(r"(?:'?([A-Za-z][\w.]*)'?!)?(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)", text):
        out.append((m.group(1) or sheet, m.group(2).replace("$", "")))
    return out


def _inside(cell: str, rng: str) -> bool:
    from openpyxl.utils.cell import range_boundaries

    c1, r1, c2, r2 = range_boundaries(rng if ":" in rng else f"{rng}:{rng}")
    cc, rr, _, _ = range_boundaries(f"{cell}:{cell}")
    return c1 <= cc <= c2 and r1 <= rr <= r2


def test_every_template_input_cell_feeds_a_formula() -> None:
    """Each yellow (input) cell of the template, and each listed other input, lies in a range
    that a formula or defined name passes on, so it reaches an Excel function argument (whose
    use the cases above show): no input cell sits beside the calculation unread."""
    from wmo_xl.excel.template_realisatie import PASTE_ROWS

    _inputs_all_read(ROOT / "workbook" / "wmo_xl.xlsm", EXTRA_INPUTS + _paste_areas(PASTE_ROWS))


def test_every_export_input_cell_feeds_a_formula(bundle_dir: Path, tmp_path: Path) -> None:
    """The same for the zero-install export: its yellow cells (gemeente, category, years,
    scenario values, eigen-bijdrage parameters, menukaart, Indexatie figures, Realisatie year,
    choice and thresholds, and its paste areas) are read by its own formulas."""
    from wmo_xl.excel.export import export_workbook
    from wmo_xl.excel.export_realisatie import PASTE_ROWS

    out = export_workbook(["GM0101"], tmp_path / "e.xlsx", model=bundle_dir, years=list(range(2024, 2028)))
    _inputs_all_read(out, _paste_areas(PASTE_ROWS))


def test_indexatie_status_is_a_note(active_bundle: Path) -> None:
    """The status beside a year's figure changes no euro; the figure itself does."""
    from wmo_xl.excel import udfs

    def with_status(status: str, rate: float = 0.02) -> list[list[Any]]:
        rows = _index_range(rate)
        return [rows[0] + ["status"]] + [r + [status] for r in rows[1:]]

    args = {"gemeente": "GM0101", "years": [[2026]], "menu": _menu_range()}
    a = udfs.wmo_budget(**args, indexatie=with_status("definitief"))
    assert not _message(a)
    assert udfs.wmo_budget(**args, indexatie=with_status("eigen")) == a
    assert udfs.wmo_budget(**args, indexatie=with_status("definitief", 0.03)) != a


def _inputs_all_read(path: Path, extra: list[tuple[str, str]]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    refs: list[tuple[str, str]] = []
    formulas: list[str] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                text = c.value.text if hasattr(c.value, "text") else c.value
                if isinstance(text, str) and text.startswith("="):
                    refs += _refs(text, ws.title)
                    formulas.append(text)
    texts = formulas + [str(dn.attr_text) for dn in wb.defined_names.values()]
    for name, dn in wb.defined_names.items():  # a name counts only where a formula (or another name) uses it
        if any(re.search(rf"(?<![\w.]){re.escape(name)}(?![\w(])", t) for t in texts if t != str(dn.attr_text)):
            refs += _refs(str(dn.attr_text), "")
    for ws in wb.worksheets:
        for table in getattr(ws, "tables", {}).values():  # an Excel table's columns are read through its name
            refs.append((ws.title, table.ref))
    inputs = list(extra)
    notes = {(sheet.lower(), col) for sheet, col, _ in NOTE_COLUMNS}
    for sheet, col, header in NOTE_COLUMNS:  # the note column is where it is said to be
        assert header in [wb[sheet][f"{col}{r}"].value for r in range(1, 10)], f"{sheet}!{col} has no {header!r} header"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                rgb = str(c.fill.fgColor.rgb).upper() if c.fill is not None and c.fill.fgColor is not None else ""
                if rgb.endswith("FFF2CC") and (ws.title.lower(), c.column_letter) not in notes:
                    inputs.append((ws.title, c.coordinate))
    assert len(inputs) > 10
    unread = [f"{s}!{a}" for s, a in inputs if not any(rs.lower() == s.lower() and _inside(a, rr) for rs, rr in refs)]
    assert not unread, f"input cells no formula reads: {unread}"


# ------------------------------------------------------------------ Data sheet columns
def test_data_sheet_columns_not_read_are_named_on_controle(active_bundle: Path) -> None:
    """Every column the Data sheet recognises is read by the recalibration or named on the
    Controle sheet as not used (inwoners and k65plus, offered by the template, change nothing)."""
    from wmo_xl.retrain.rows import _ALIASES, READ, parse_rows

    rows = [["wijk", "jaar", "clienten", "inwoners", "k65plus", "opmerking"],
            ["WK010101", 2017, 100, 2000, 300, "x"], ["WK010101", 2018, 110, 2010, 310, ""]]
    df, problems = parse_rows(rows, None, {"GM0101"})
    assert len(df) == 2
    notes = [p for p in problems if p.column == "kopregel"]
    assert len(notes) == 1 and notes[0].severity == "waarschuwing" and notes[0].row == 1
    assert notes[0].value == "inwoners, k65plus, opmerking" and "niet gebruikt" in notes[0].problem
    for canon in _ALIASES:  # a recognised column is either read or among the ones named
        assert canon in READ or canon in notes[0].value
    _, problems = parse_rows(rows[:1] and [r[:3] for r in rows], None, {"GM0101"})
    assert not [p for p in problems if p.column == "kopregel"]
