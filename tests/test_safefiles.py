"""Only what the project created is renamed or deleted; locks; backups."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from wmo_xl.errors import WmoError
from wmo_xl.safefiles import (
    WorkbookLock,
    check_bundle_target,
    check_new_workbook,
    check_workbook_writable,
    free_name,
    is_project_bundle,
    lock_path,
    set_aside,
)


def bundle(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({"format": 2, "files": {}}))
    return path


def test_project_bundle_is_a_real_folder_with_its_manifest(tmp_path: Path) -> None:
    b = bundle(tmp_path / "m")
    assert is_project_bundle(b)
    other = tmp_path / "o"
    other.mkdir()
    (other / "manifest.json").write_text('{"name": "someone else"}')
    assert not is_project_bundle(other)
    link = tmp_path / "l"
    os.symlink(b, link)
    assert not is_project_bundle(link)
    assert not is_project_bundle(tmp_path / "none")


def test_set_aside_numbers_every_inactive_and_refuses_foreign_folders(tmp_path: Path) -> None:
    kept = []
    for _ in range(3):
        b = bundle(tmp_path / "wb_wmo_model")
        (b / "marker").write_text(str(len(kept)))
        kept.append(set_aside(b))
    assert [k.name for k in kept] == ["wb_wmo_model.inactive", "wb_wmo_model.inactive-2", "wb_wmo_model.inactive-3"]
    assert [(k / "marker").read_text() for k in kept] == ["0", "1", "2"]
    assert set_aside(tmp_path / "none") is None
    mine = tmp_path / "mine"
    mine.mkdir()
    with pytest.raises(WmoError, match="not a model bundle"):
        set_aside(mine)
    os.symlink(kept[0], tmp_path / "link")
    with pytest.raises(WmoError, match="is a link"):
        set_aside(tmp_path / "link")
    assert mine.is_dir() and kept[0].is_dir()


def test_bundle_target(tmp_path: Path) -> None:
    assert check_bundle_target(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    check_bundle_target(tmp_path / "empty")
    check_bundle_target(bundle(tmp_path / "b"))
    (tmp_path / "b2.previous").mkdir()
    (tmp_path / "b2.previous" / "x").write_text("mine")
    with pytest.raises(WmoError, match="previous"):
        check_bundle_target(tmp_path / "b2")


def test_free_name(tmp_path: Path) -> None:
    p = tmp_path / "a"
    assert free_name(p, ".inactive").name == "a.inactive"
    (tmp_path / "a.inactive").mkdir()
    assert free_name(p, ".inactive").name == "a.inactive-2"


def test_new_workbook_backup_is_a_copy(tmp_path: Path) -> None:
    wb = tmp_path / "w.xlsm"
    wb.write_bytes(b"mine")
    backup = check_new_workbook(wb, force=True)
    assert backup is not None and backup.read_bytes() == b"mine" and wb.read_bytes() == b"mine"
    assert check_new_workbook(tmp_path / "new.xlsm", force=False) is None


def test_workbook_writable(tmp_path: Path) -> None:
    wb = tmp_path / "wmo_xl.xlsm"
    wb.write_bytes(b"x")
    with pytest.raises(WmoError, match="not an Excel workbook"):
        check_workbook_writable(wb)
    with zipfile.ZipFile(wb, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    assert check_workbook_writable(wb) == wb
    (tmp_path / "~$o_xl.xlsm").write_bytes(b"owner")  # Excel's form for long names: first two characters replaced
    with pytest.raises(WmoError, match="open in Excel"):
        check_workbook_writable(wb)


def test_one_lock_per_workbook(tmp_path: Path) -> None:
    wb = tmp_path / "wmo_xl.xlsm"
    with WorkbookLock(wb):
        assert lock_path(wb).is_file()
        with pytest.raises(WmoError, match="another retrain"):
            with WorkbookLock(wb):
                pass
        with WorkbookLock(tmp_path / "other.xlsm"):
            pass
    assert not lock_path(wb).exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    wb = tmp_path / "wmo_xl.xlsm"
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    lock_path(wb).write_text(proc.stdout.strip())
    with WorkbookLock(wb):
        assert lock_path(wb).read_text() == str(os.getpid())
