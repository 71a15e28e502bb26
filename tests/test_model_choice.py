"""Issue 17 §1: the model in use is the one chosen, and every block of figures says which.

- ``reset-model`` sticks: a ``.previous`` left by repeated retrains is a crash-recovery
  fallback only (a write that died between its renames), never a way back to a reset model;
- a ``--model`` folder that is gone is an error, never an answer from memory;
- a workbook's own model that is refused shows as a Dutch model line on every block of
  figures (Forecast and Budget blocks, the export's sheets).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

import wmo_xl
from clirun import run
from wmo_xl.bundle import (
    NATIONAL,
    clear_cache,
    deactivate_local_bundle,
    forget_workbook_choices,
    get_bundle,
    local_bundle_path,
    which_model,
    write_bundle,
)
from conftest import signed_local_copy

from wmo_xl.errors import WmoError
from wmo_xl.excel import export_layout as L
from wmo_xl.excel import udfs
from wmo_xl.excel.export import export_workbook
from wmo_xl.menukaart import COLUMNS, load_menu


def own_model(bundle_dir: Path, workbook: Path, note: str) -> Path:
    """What a retrain writes beside a workbook: a signed local bundle naming it."""
    return signed_local_copy(bundle_dir, local_bundle_path(workbook), workbook.name, note=note)


def fresh_process() -> None:
    """What a new Excel or UDF process knows: nothing cached."""
    forget_workbook_choices()
    clear_cache()


def test_reset_after_two_retrains_sticks_in_a_new_process(active_bundle: Path, tmp_path: Path) -> None:
    wb = tmp_path / "boek.xlsm"
    own_model(active_bundle, wb, "first")
    own_model(active_bundle, wb, "second")
    local = local_bundle_path(wb)
    assert local.with_name(local.name + ".previous").is_dir()
    fresh_process()
    assert which_model(str(wb)).path == local.absolute()
    deactivate_local_bundle(wb)
    fresh_process()
    choice = which_model(str(wb))
    assert choice.path is None and choice.status == NATIONAL
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == ["boek_wmo_model.inactive", "boek_wmo_model.previous.inactive"]  # both kept, neither in use
    forget_workbook_choices()


def test_a_leftover_previous_never_resurrects_a_retired_model(active_bundle: Path, tmp_path: Path) -> None:
    """A .previous left by an older wmo_xl's reset (or the user removing the folder) is not picked."""
    wb = tmp_path / "boek.xlsm"
    own_model(active_bundle, wb, "first")
    own_model(active_bundle, wb, "second")
    local = local_bundle_path(wb)
    shutil.rmtree(local)
    fresh_process()
    assert which_model(str(wb)).path is None
    assert wmo_xl.forecast("WK020203", 2021) == pytest.approx(wmo_xl.forecast("WK020203", 2021, model=active_bundle))
    # a write that died between its renames (its finished temp folder is there): .previous stands in
    shutil.copytree(local.with_name(local.name + ".previous"), tmp_path / f".{local.name}.tmp-died")
    fresh_process()
    assert which_model(str(wb)).path == local.absolute()
    forget_workbook_choices()


def test_a_model_folder_that_is_gone_is_an_error_not_a_cached_answer(bundle_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "eigen"
    shutil.copytree(bundle_dir, model)
    first = wmo_xl.forecast_table(["WK020203"], [2019], model=model)
    assert len(first) == 1
    shutil.rmtree(model)
    for call in (lambda: wmo_xl.forecast_table(["WK020203"], [2019], model=model),
                 lambda: wmo_xl.forecast("WK020203", 2019, model=model)):
        with pytest.raises(WmoError, match="does not exist"):
            call()


@pytest.mark.parametrize("argv", [
    ["forecast", "--year", "2019", "--wijk", "WK020203"],
    ["budget", "--gemeente", "GM0202", "--years", "2019"],
    ["export-workbook", "--gemeente", "GM0202", "--out", "{tmp}/x.xlsx"],
    ["build-workbook", "--out", "{tmp}/x.xlsm"],
])
def test_every_model_option_refuses_a_folder_that_is_gone(bundle_dir: Path, tmp_path: Path, capsys, argv) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "weg"
    shutil.copytree(bundle_dir, model)
    write_bundle(model, dict(get_bundle(model).models), {"kind": "national"})  # leaves weg.previous
    shutil.rmtree(model)
    code, out, err = run([a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--model", str(model)], capsys)
    assert code == 2 and out == ""
    assert "does not exist" in err and str(model) in err and err.count("\n") == 1
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.xlsm").exists()


def test_wmo_xl_model_named_as_the_cause(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WMO_XL_MODEL", str(tmp_path / "nergens"))
    clear_cache()
    code, _, err = run(["forecast", "--year", "2019", "--wijk", "WK020203"], capsys)
    assert code == 2 and "WMO_XL_MODEL" in err and "nergens" in err
    monkeypatch.delenv("WMO_XL_MODEL")
    clear_cache()


def _menu() -> list[list[object]]:
    return [list(COLUMNS)] + [[getattr(r, c) for c in COLUMNS] for r in load_menu().rows]


def test_the_model_line_names_a_national_model_from_wmo_xl_model(bundle_dir: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    refreshed = tmp_path / "cbs_refresh"
    shutil.copytree(bundle_dir, refreshed)
    monkeypatch.setenv("WMO_XL_MODEL", str(refreshed))
    monkeypatch.setattr(udfs, "_caller_book", lambda: None)
    clear_cache()
    sheet = udfs.wmo_forecast_sheet("GM0202", [2018])
    assert sheet[udfs.FORECAST_MODEL_ROW][0] == "Model: landelijk model (cbs_refresh)"
    monkeypatch.delenv("WMO_XL_MODEL")
    clear_cache()


def test_blocks_carry_the_model_line(active_bundle: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    wb = tmp_path / "gemeente.xlsm"
    monkeypatch.setattr(udfs, "_caller_book", lambda: type("Book", (), {"fullname": str(wb)})())
    fresh_process()
    sheet = udfs.wmo_forecast_sheet("GM0202", [2018, 2019])
    assert sheet[udfs.FORECAST_MODEL_ROW][0] == f"Model: landelijk model ({active_bundle.name})"  # not the bundled one: named
    own = own_model(active_bundle, wb, "mine")
    fresh_process()
    sheet = udfs.wmo_forecast_sheet("GM0202", [2018, 2019])
    budget = udfs.wmo_budget("GM0202", [2019], _menu())
    assert sheet[udfs.FORECAST_MODEL_ROW][0] == f"Model: eigen model ({own.name})"
    assert budget[udfs.BUDGET_MODEL_ROW][0] == f"Model: eigen model ({own.name})"
    # the rows around it are the block's own: the model line took an empty row, shifting nothing
    assert sheet[udfs.FORECAST_MODEL_ROW + 1][0] == "Wijk" and sheet[udfs.FORECAST_MODEL_ROW - 1][0] == "Status"
    assert budget[udfs.BUDGET_MODEL_ROW - 1][0] == "Status" and budget[udfs.BUDGET_MODEL_ROW + 1][0] == "Clienten per categorie"
    forget_workbook_choices()


def test_export_sheets_with_figures_carry_the_model_line(active_bundle: Path, tmp_path: Path) -> None:
    status = "landelijk model (eigen model geweigerd: handtekening ontbreekt)"
    out = export_workbook(["GM0202"], tmp_path / "e.xlsx", model_status=status)
    book = openpyxl.load_workbook(out, data_only=True)  # Forecast's line is a formula (it follows the gemeente)
    for sheet in (L.FORECAST, L.BUDGET, L.TABLE, L.SHARES):
        ws = book[sheet]
        lines = [c.value for row in ws.iter_rows(max_row=4) for c in row if isinstance(c.value, str) and c.value.startswith("Model:")]
        assert lines == [f"Model: {status}"], sheet
    plain = export_workbook(["GM0202"], tmp_path / "f.xlsx", model=active_bundle)
    ws = openpyxl.load_workbook(plain, data_only=True)["Forecast"]
    assert any(c.value == f"Model: landelijk model ({active_bundle.name})" for row in ws.iter_rows(max_row=4) for c in row)
