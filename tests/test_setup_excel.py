"""``wmo-xl setup-excel``: the interpreter goes into xlwings.conf, nothing else changes."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest

from wmo_xl.errors import WmoError
from wmo_xl.excel import contract
from wmo_xl.excel.setup import read_conf, setup_excel

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "wmo_xl.xlsm"
EXE = Path("C:/Users/controller/wmo/venv/Scripts/pythonw.exe") if os.name == "nt" else Path("/opt/wmo/venv/bin/pythonw")


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "Begroting 2027.xlsm"
    path.write_bytes(TEMPLATE.read_bytes())
    return path


def test_writes_the_interpreter_as_text_first_without_empty_rows(book: Path) -> None:
    setup_excel(book, EXE)
    setup_excel(book, EXE)  # twice: still one row
    rows = read_conf(book)
    assert rows[0] == (contract.CONF_INTERPRETER, str(EXE))
    assert rows[1:] == [(k, v) for k, v, _ in contract.CONF_ROWS]
    ws = openpyxl.load_workbook(book)[contract.CONF]
    assert [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)] == [k for k, _ in rows]  # from A1, no gaps
    assert all(ws.cell(r, 2).data_type == "s" for r in range(1, ws.max_row + 1))  # text, never a boolean


def test_every_other_part_keeps_its_bytes(book: Path) -> None:
    setup_excel(book, EXE)
    with zipfile.ZipFile(TEMPLATE) as a, zipfile.ZipFile(book) as b:
        assert a.namelist() == b.namelist()
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert len(changed) == 1 and changed[0].startswith("xl/worksheets/sheet")
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]  # no temp file left


def test_refuses_an_open_workbook(book: Path) -> None:
    owner = book.with_name("~$" + book.name)
    owner.write_bytes(b"")
    before = book.read_bytes()
    with pytest.raises(WmoError, match="open in Excel"):
        setup_excel(book, EXE)
    assert book.read_bytes() == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes read-only files")
def test_refuses_a_read_only_workbook(book: Path) -> None:
    book.chmod(stat.S_IRUSR)
    with pytest.raises(WmoError, match="read-only"):
        setup_excel(book, EXE)


def test_refuses_a_read_only_flag_even_for_root(book: Path) -> None:
    book.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(WmoError, match="read-only"):
            setup_excel(book, EXE)
    finally:
        book.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_refuses_a_relative_interpreter(book: Path) -> None:
    with pytest.raises(WmoError, match="absolute"):
        setup_excel(book, Path("pythonw.exe"))


def test_cli_refuses_an_open_workbook_in_one_line(book: Path) -> None:
    import subprocess
    import sys

    book.with_name("~$" + book.name).write_bytes(b"")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", "from wmo_xl.cli import main; main()", "setup-excel", str(book)],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert out.returncode == 2 and out.stderr.strip().startswith("error: ") and "open in Excel" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
