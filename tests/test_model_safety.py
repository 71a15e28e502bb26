"""Models and workbooks in their homes: only what the project made is renamed or deleted,
links are never followed, every set-aside model is kept, the UDFs read what the loader
reads, one retrain per workbook, cached values survive, merged gemeenten say so."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

import wmo_xl
from wmo_xl.excel import udfs
from wmo_xl.bundle import (
    clear_cache,
    deactivate_local_bundle,
    forget_workbook_choices,
    local_bundle_path,
    national_bundle_path,
    which_model,
)
from wmo_xl.errors import WmoError
from wmo_xl.gemeenten import current_gemeenten
from wmo_xl.retrain import retrain
from wmo_xl.safefiles import WorkbookLock
from wmo_xl.excel.sheets import OpenpyxlBook

from conftest import signed_local_copy
from test_retrain import local_rows, make_workbook  # tests/ is on sys.path (pytest prepend mode)


def local_copy(bundle_dir: Path, out: Path, workbook: str) -> Path:
    return signed_local_copy(bundle_dir, out, workbook)


# --- writing bundles -------------------------------------------------------------------


def test_write_bundle_never_through_a_link_or_onto_a_foreign_folder(bundle_dir: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mijn_map"
    mine.mkdir()
    (mine / "notities.txt").write_text("mine")
    link = tmp_path / "link"
    os.symlink(mine, link)
    for out, message in [(mine, "not a model bundle"), (link, "is a link")]:
        with pytest.raises(WmoError, match=message):
            local_copy(bundle_dir, out, "w.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "mijn_map"]
    assert [p.name for p in mine.iterdir()] == ["notities.txt"]
    empty = tmp_path / "leeg"
    empty.mkdir()
    assert (local_copy(bundle_dir, empty, "w.xlsx") / "manifest.json").is_file()
    assert not (tmp_path / "leeg.previous").exists()


def test_a_foreign_previous_folder_is_not_deleted(bundle_dir: Path, tmp_path: Path) -> None:
    out = local_copy(bundle_dir, tmp_path / "m", "w.xlsx")
    prev = tmp_path / "m.previous"
    prev.mkdir()
    (prev / "x.txt").write_text("mine")
    with pytest.raises(WmoError, match="previous"):
        local_copy(bundle_dir, out, "w.xlsx")
    assert (prev / "x.txt").read_text() == "mine" and (out / "manifest.json").is_file()


# --- reset: every model set aside is kept -----------------------------------------------


def test_two_resets_keep_both_models(bundle_dir: Path, tmp_path: Path) -> None:
    wb = tmp_path / "w.xlsx"
    kept = []
    for _ in range(2):
        local_copy(bundle_dir, local_bundle_path(wb), wb.name)
        kept.append(deactivate_local_bundle(wb))
    assert [k.name for k in kept] == ["w_wmo_model.inactive", "w_wmo_model.inactive-2"]
    assert all((k / "manifest.json").is_file() for k in kept)
    assert deactivate_local_bundle(wb) is None


def test_reset_refuses_a_linked_or_foreign_model_folder(tmp_path: Path) -> None:
    wb = tmp_path / "w.xlsx"
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    (elsewhere / "data.csv").write_text("mine")
    os.symlink(elsewhere, local_bundle_path(wb))
    with pytest.raises(WmoError, match="is a link"):
        deactivate_local_bundle(wb)
    os.unlink(local_bundle_path(wb))
    local_bundle_path(wb).mkdir()
    (local_bundle_path(wb) / "mine.txt").write_text("x")
    with pytest.raises(WmoError, match="not a model bundle"):
        deactivate_local_bundle(wb)
    assert (elsewhere / "data.csv").read_text() == "mine" and (local_bundle_path(wb) / "mine.txt").is_file()


# --- which model a workbook's UDFs use --------------------------------------------------


def test_udfs_use_previous_after_a_retrain_died_between_its_renames(bundle_dir: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    wb = tmp_path / "w.xlsx"
    monkeypatch.setattr(udfs, "_caller_book", lambda: SimpleNamespace(fullname=str(wb)))  # what xw.Book.caller() gives
    local = local_copy(bundle_dir, local_bundle_path(wb), wb.name)
    shutil.copytree(local, local.with_name(f".{local.name}.tmp-kill"))  # the new bundle, finished in its temp folder
    os.replace(local, local.with_name(local.name + ".previous"))  # the kill between the two renames
    forget_workbook_choices()
    clear_cache()
    expected = wmo_xl.forecast("WK020203", 2021, model=bundle_dir)
    assert udfs.wmo_forecast("WK020203", 2021) == pytest.approx(expected)
    assert which_model(str(wb)).path is not None
    forget_workbook_choices()


def test_a_linked_model_folder_beside_a_workbook_is_not_followed(bundle_dir: Path, tmp_path: Path) -> None:
    wb = tmp_path / "w.xlsx"
    real = local_copy(bundle_dir, tmp_path / "elders_wmo_model", wb.name)
    os.symlink(real, local_bundle_path(wb))
    forget_workbook_choices()
    choice = which_model(str(wb))
    assert choice.path is None and "link" in choice.status
    forget_workbook_choices()


# --- retrain: one at a time, cached values and settings kept ----------------------------


def test_a_second_retrain_of_the_same_workbook_stops(active_bundle, cbs_frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb = make_workbook(tmp_path / "w.xlsx", local_rows(cbs_frame))
    before = wb.read_bytes()
    with WorkbookLock(wb):
        with pytest.raises(WmoError, match="another retrain"):
            retrain(OpenpyxlBook(wb))
    assert wb.read_bytes() == before and not local_bundle_path(wb).exists()
    assert retrain(OpenpyxlBook(wb)).rows_used > 0  # the lock is gone afterwards


def test_retrain_keeps_cached_values_and_calculation_settings(active_bundle, cbs_frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.excel.template import build_workbook

    path = build_workbook(tmp_path / "wmo_xl.xlsm", gemeente="GM0202")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    cached_before = {ws.title: [[c for c in r] for r in ws.iter_rows(values_only=True)]
                     for ws in openpyxl.load_workbook(path, data_only=True).worksheets}
    del wb
    with zipfile.ZipFile(path) as z:
        calc_before = z.read("xl/workbook.xml").split(b"<calcPr")[1].split(b"/>")[0]
        sheets_before = {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    # the user's paste, written the way Excel keeps a file: only the Data sheet changes
    from wmo_xl.excel.xlsxpatch import patch_sheet

    data = [list(r) for r in openpyxl.load_workbook(path)["Data"].iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(data) if r and r[0] == "wijk")
    patch_sheet(path, "Data", data[: header_at + 1] + local_rows(cbs_frame))
    with zipfile.ZipFile(path) as z:
        sheets_before = {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    retrain(OpenpyxlBook(path))
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/workbook.xml").split(b"<calcPr")[1].split(b"/>")[0] == calc_before
        for name, xml in sheets_before.items():
            assert z.read(name) == xml, name  # every cached formula result byte for byte
    cached_after = {ws.title: [[c for c in r] for r in ws.iter_rows(values_only=True)]
                    for ws in openpyxl.load_workbook(path, data_only=True).worksheets}
    n_numbers = sum(isinstance(v, float) for r in cached_after["Forecast"] for v in r)
    assert n_numbers > 50
    assert cached_after["Forecast"] == cached_before["Forecast"] and cached_after["Budget"] == cached_before["Budget"]
    assert "Controle" in cached_after


@pytest.mark.parametrize("how", ["read-only", "open"])
def test_retrain_of_a_read_only_or_open_workbook_changes_nothing(active_bundle, cbs_frame, tmp_path: Path, how: str) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.safefiles import check_workbook_writable

    wb = make_workbook(tmp_path / "w.xlsx", local_rows(cbs_frame))
    if how == "read-only":
        wb.chmod(0o444)
    else:
        (tmp_path / "~$w.xlsx").write_bytes(b"owner")
    before = wb.read_bytes()
    with pytest.raises(WmoError, match="read-only|open in Excel"):
        check_workbook_writable(wb)
    assert wb.read_bytes() == before


# --- gemeenten merged away, gemeenten formed later --------------------------------------


def test_an_old_code_answers_for_its_old_area_with_the_note() -> None:
    national = national_bundle_path()
    assert "GM0018" not in current_gemeenten() and "GM0007" not in current_gemeenten()
    assert wmo_xl.forecast("GM0018", 2017, model=national) > 0  # its CBS figures stay readable
    # GM1952 Midden-Groningen has its own 2018 wijken: the old area's forecast is carried by them
    with pytest.raises(WmoError, match="GM0018 Hoogezand-Sappemeer is since 2018 part of GM1952 Midden-Groningen"):
        wmo_xl.forecast("GM0018", 2020, model=national)
    assert udfs.wmo_forecast("GM0018", 2020).startswith("#WMO! GM0018 Hoogezand-Sappemeer is since 2018 part of GM1952")
    # GM1950 Westerwolde has no 2018 wijken: Bellingwedde's own wijken are the latest figures of its area
    assert wmo_xl.forecast("GM0007", 2020, model=national) > 0
    assert wmo_xl.forecast("GM1667", 2020, model=national) > 0  # no 2018 figures, but still a gemeente


def test_shipped_gemeente_lists_are_those_of_the_cbs_files(shared_dir: Path) -> None:
    from wmo_xl.gemeenten import known_gemeenten

    kwb = pd.read_csv(shared_dir / "kwb_2024_85984NED_gemeente_wijk_basis.csv", dtype=str)
    assert current_gemeenten() == frozenset(kwb.loc[kwb["niveau"] == "gemeente", "code"].str.strip())
    assert len(current_gemeenten()) == 342
    wmo = pd.read_csv(shared_dir / "wijk_wmo_totaal_jaar_2015_2018_met_kwb.csv", usecols=["codering_regio"], dtype=str)
    old = {"GM" + c.strip()[2:6] for c in wmo["codering_regio"] if c.strip().startswith("WK")}
    from wmo_xl.gemeenten import herindelingen

    assert known_gemeenten() == frozenset(old) | current_gemeenten() | {h.old for h in herindelingen()}
    # every code of 2015-2018 that is gone by 2024 is in the merger list, every successor exists today
    assert frozenset(old) - current_gemeenten() <= {h.old for h in herindelingen()}
    assert {h.new for h in herindelingen()} <= current_gemeenten()


def test_a_code_cbs_never_had_is_not_called_merged() -> None:
    from wmo_xl.gemeenten import history_note

    assert history_note("GM0007") == "GM0007 Bellingwedde is since 2018 part of GM1950 Westerwolde"
    assert history_note("GM0518") is None and history_note("GM0101") is None  # GM0101: no CBS code
    # Middelburg: never merged, never counted by CBS per wijk: a labelled demographic estimate, never "merged"
    assert wmo_xl.forecast("GM0687", 2020, model=national_bundle_path()) > 0
    from wmo_xl.forecast import estimate_note

    note = estimate_note("GM0687", model=national_bundle_path())
    assert note is not None and "merged" not in note and note.startswith("GM0687 Middelburg: schatting uit demografie")


def test_a_gemeente_formed_after_the_model_can_retrain(active_bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [[f"WK1966{k:02d}", y, 100 + 10 * k + 5 * (y - 2019)] for k in range(6) for y in (2019, 2020, 2021, 2022)]
    wb = make_workbook(tmp_path / "hogeland.xlsx", rows)
    res = retrain(OpenpyxlBook(wb))
    assert res.gemeenten == ["GM1966"] and res.rows_used == 24
    assert any("nieuwer dan het landelijke model" in p.problem and p.severity == "waarschuwing" for p in res.problems)
    total_2022 = sum(r[2] for r in rows if r[1] == 2022)
    assert wmo_xl.forecast("GM1966", 2022, model=res.bundle_path) == pytest.approx(total_2022)
    assert np.isfinite(wmo_xl.forecast("GM1966", 2023, model=res.bundle_path))
    bad = make_workbook(tmp_path / "typo.xlsx", [[f"WK9998{k:02d}", 2020, 50] for k in range(5)])
    with pytest.raises(WmoError, match="valid rows"):
        retrain(OpenpyxlBook(bad))


@pytest.mark.parametrize(("header", "cells", "message"), [
    (["wijk", "jaar", "clienten", "aantal"], [["WK020201", 2019, 10, 12]], "names clienten twice"),
    (["wijk", "jaar", "Jaar", "clienten"], [["WK020201", 2019, 2019, 10]], "names jaar twice"),
])
def test_data_sheet_header_naming_a_column_twice(header, cells, message) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.retrain.rows import parse_rows

    with pytest.raises(WmoError, match=message):
        parse_rows([header, *cells])


@pytest.mark.parametrize(("clienten", "expected"), [
    ("1.490", "niet eenduidig"), ("1.490,0", 1490.0), ("1490", 1490.0), (True, "WAAR is geen aantal"), ("1e300", "geen getal"),
    (1e300, "ligt buiten 0 tot en met 20000000"), (-3, "negatief"), (".", "geheimgehouden"), ("x", "geheimgehouden"), (12.5, 12.5),
])
def test_data_sheet_counts_follow_the_one_rule(clienten, expected) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.retrain.rows import parse_rows

    df, problems = parse_rows([["wijk", "jaar", "clienten"], ["WK020201", 2019, clienten]])
    if isinstance(expected, float):
        assert df["clients"].tolist() == [expected] and not problems
    else:
        assert df.empty and len(problems) == 1 and expected in problems[0].problem, problems


def test_reset_button_on_a_foreign_model_folder_is_a_status_message(tmp_path: Path) -> None:
    from wmo_xl.excel import macros

    wb = tmp_path / "w.xlsm"
    wb.write_bytes(b"x")
    local_bundle_path(wb).mkdir()
    (local_bundle_path(wb) / "mine.txt").write_text("x")
    messages: list[str] = []
    access = SimpleNamespace(path=wb, status=messages.append)
    assert macros.reset_model(access) is None
    assert messages and messages[0].startswith("wmo_xl: niet teruggezet") and (local_bundle_path(wb) / "mine.txt").is_file()


def test_whole_table_leaves_superseded_wijken_empty() -> None:
    """Wijken of an old area whose successor's own wijken carry its forecast (GM0018 in GM1952
    since 2018) have no forecast in the whole table: the national sum counts them once."""
    national = national_bundle_path()
    t = wmo_xl.forecast_table(None, [2017, 2020], model=national)
    gone = t["wijk"].str.startswith("WK0018")
    assert gone.any()
    assert t.loc[gone & (t["year"] == 2020), "clients"].isna().all()
    assert t.loc[gone & (t["year"] == 2017), "clients"].notna().any()
    assert t.loc[~gone & (t["year"] == 2020), "clients"].notna().mean() > 0.95
