"""Issue 17 §4: every command that writes a workbook guards it with one check and one message.

setup-excel, retrain and reset-model change an existing workbook (or the model beside it);
build-workbook --force and export-workbook --force replace one. A workbook open in Excel or
LibreOffice, read-only, a folder, missing, or not a zip: the same one line from each, and
the file is untouched. export-workbook checks its --out before computing anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clirun import run
from wmo_xl.excel import export as export_module

CONTENT = b"PK\x03\x04 my workbook"


def one_line(code: int, err: str) -> bool:
    return code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def _book(tmp_path: Path, case: str, name: str = "boek.xlsm") -> Path:
    wb = tmp_path / name
    if case == "not a zip":
        wb.write_bytes(b"just text, renamed to .xlsm")
        return wb
    wb.write_bytes(CONTENT)
    if case == "libreoffice":
        (tmp_path / f".~lock.{name}#").write_text("user,host")
    elif case == "excel":
        (tmp_path / f"~${name}").write_bytes(b"owner")
    elif case == "read-only":
        wb.chmod(0o444)
    return wb


REWRITERS = [["setup-excel", "{wb}"], ["retrain", "{wb}"], ["reset-model", "{wb}"]]


@pytest.mark.parametrize("case", ["libreoffice", "excel", "read-only", "not a zip", "folder", "missing"])
def test_commands_that_change_a_workbook_refuse_it_alike(tmp_path: Path, capsys, case: str) -> None:  # type: ignore[no-untyped-def]
    wb = _book(tmp_path, case)
    target = {"folder": tmp_path / "map.xlsm", "missing": tmp_path / "weg.xlsm"}.get(case, wb)
    if case == "folder":
        target.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    errors = set()
    for argv in REWRITERS:
        code, out, err = run([a.replace("{wb}", str(target)) for a in argv], capsys)
        assert one_line(code, err), (argv, err)
        errors.add(err)
    assert len(errors) == 1, errors  # the same message from every command
    message = errors.pop()
    expected = {"libreoffice": f"is open in Excel or LibreOffice (.~lock.{wb.name}# exists)", "excel": "is open in Excel or LibreOffice",
                "read-only": "is read-only", "not a zip": "is not an Excel workbook", "folder": "is a folder", "missing": "not found"}[case]
    assert expected in message and "internal error" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, renamed or left behind
    if case not in ("folder", "missing"):
        assert wb.read_bytes() in (CONTENT, b"just text, renamed to .xlsm")


@pytest.mark.parametrize("case", ["libreoffice", "excel", "read-only"])
def test_commands_that_replace_a_workbook_refuse_it_with_the_same_words(bundle_dir: Path, tmp_path: Path, capsys, case: str) -> None:  # type: ignore[no-untyped-def]
    xlsm = _book(tmp_path, case, "sjabloon.xlsm")
    xlsx = _book(tmp_path, case, "export.xlsx")
    code, _, err_rw = run(["retrain", str(xlsm)], capsys)
    code_b, _, err_b = run(["build-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", str(xlsm), "--force"], capsys)
    code_e, _, err_e = run(["export-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", str(xlsx), "--force"], capsys)
    assert one_line(code, err_rw) and one_line(code_b, err_b) and one_line(code_e, err_e)
    assert err_b == err_rw  # word for word the same as retrain's
    assert err_e == err_rw.replace("sjabloon.xlsm", "export.xlsx")
    assert xlsm.read_bytes() == CONTENT and xlsx.read_bytes() == CONTENT
    assert not list(tmp_path.glob("*backup*"))


def test_export_checks_its_target_before_computing_and_names_the_users_path(bundle_dir: Path, tmp_path: Path, capsys,
                                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def never(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("computed before the target was checked")

    monkeypatch.setattr(export_module, "gather", never)
    targets = [Path("/proc/wmo_export.xlsx"), tmp_path / "nieuw" / "x.xlsx", tmp_path / "x.xlsm", tmp_path]
    if os.geteuid() != 0:  # root may write into a read-only folder
        ro = tmp_path / "alleen_lezen"
        ro.mkdir()
        ro.chmod(0o555)
        targets.append(ro / "x.xlsx")
    for out in targets:
        code, _, err = run(["export-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", str(out)], capsys)
        assert one_line(code, err), err
        assert str(out) in err and ".tmp" not in err


def test_setup_excel_on_a_zip_that_is_no_workbook(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    wb = tmp_path / "archief.xlsm"
    with zipfile.ZipFile(wb, "w") as z:
        z.writestr("notes.txt", "not a workbook")
    before = wb.read_bytes()
    code, _, err = run(["setup-excel", str(wb)], capsys)
    assert one_line(code, err) and "cannot be read as an Excel workbook" in err and "internal error" not in err
    assert wb.read_bytes() == before
