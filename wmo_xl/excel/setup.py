"""``wmo-xl setup-excel WORKBOOK``: point a workbook at this Python.

xlwings starts ``pythonw`` from the PATH unless the workbook's ``xlwings.conf`` sheet names
an interpreter. A municipal PC often has several Pythons (or none on the PATH), so the
command writes the absolute path of the interpreter that has wmo_xl installed into the
sheet's ``Interpreter_Win`` row.

Only that sheet's cells change: the sheet XML inside the file is rewritten with text cells
(no booleans: a Dutch Excel reads them as WAAR/ONWAAR, xlwings #2594) and no empty rows;
every other part of the file (VBA, buttons, cached values) keeps its bytes. The write is
atomic, and the workbook passes the same guard as every command that writes one
(:func:`wmo_xl.safefiles.check_workbook_writable`: open in Excel or LibreOffice, read-only,
a folder, not a zip, ...).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import WmoError
from ..safefiles import check_workbook_writable
from . import contract

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def default_interpreter() -> Path:
    """This Python, as the windowless ``pythonw.exe`` where there is one (no console flash)."""
    exe = Path(os.path.abspath(sys.executable))  # not resolve(): a venv's python links to the base one
    windowless = exe.with_name("pythonw.exe")
    return windowless if windowless.is_file() else exe


def _sheet_part(z: zipfile.ZipFile, name: str) -> str:
    workbook = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    m = re.search(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*r:id="(rId\d+)"', workbook)
    if not m:
        raise WmoError(f"the workbook has no sheet {name!r}: build it with 'wmo-xl build-workbook'")
    t = re.search(rf'<Relationship [^>]*Id="{m.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{m.group(1)}"', rels)
    if not t:
        raise WmoError(f"sheet {name!r} has no part in the workbook")
    target = t.group(1).lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def read_conf(workbook: Path) -> list[tuple[str, str]]:
    """The (key, value) rows of the xlwings.conf sheet, as text."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    except Exception as exc:  # a zip that is no workbook, a damaged part
        raise WmoError(f"workbook {workbook.name!r} cannot be read as an Excel workbook ({type(exc).__name__}): "
                       "nothing was changed") from None
    try:
        if contract.CONF not in wb.sheetnames:
            raise WmoError(f"the workbook has no sheet {contract.CONF!r}: build it with 'wmo-xl build-workbook'")
        rows = []
        for key, value, *_ in wb[contract.CONF].iter_rows(min_col=1, max_col=2, values_only=True):
            if key is None or str(key).strip() == "":
                continue
            rows.append((str(key), "" if value is None else _text(value)))
        return rows
    finally:
        wb.close()


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _sheet_data(rows: list[tuple[str, str]]) -> str:
    notes = {k: n for k, _, n in contract.CONF_ROWS}
    out = []
    for i, (key, value) in enumerate(rows, start=1):
        cells = [("A", key), ("B", value)] + ([("D", notes[key])] if notes.get(key) else [])
        xml = "".join(f'<c r="{col}{i}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>' for col, v in cells)
        out.append(f'<row r="{i}">{xml}</row>')
    return "<sheetData>" + "".join(out) + "</sheetData>"


def setup_excel(workbook: str | Path, interpreter: str | Path | None = None) -> Path:
    """Write ``Interpreter_Win`` (absolute) into the workbook's xlwings.conf sheet; return it."""
    book = Path(workbook).expanduser()
    check_workbook_writable(book)  # the one guard of every command that writes a workbook (wmo_xl.safefiles)
    book = book.resolve()
    exe = Path(interpreter).expanduser() if interpreter else default_interpreter()
    if not exe.is_absolute():
        raise WmoError(f"interpreter {str(exe)!r} must be an absolute path (e.g. C:\\Users\\naam\\venv\\Scripts\\pythonw.exe)")
    rows = [(k, v) for k, v in read_conf(book) if k != contract.CONF_INTERPRETER and v != ""]
    rows.insert(0, (contract.CONF_INTERPRETER, str(exe)))
    with zipfile.ZipFile(book) as z:
        part = _sheet_part(z, contract.CONF)
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    fd, tmp = tempfile.mkstemp(suffix=book.suffix, prefix=".wmo-xl-setup-", dir=book.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in items:
                if info.filename == part:
                    text = data.decode("utf-8")
                    text, n = re.subn(r"<sheetData>.*?</sheetData>|<sheetData/>", lambda _: _sheet_data(rows), text, count=1, flags=re.S)
                    text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:D{len(rows)}"/>', text, count=1)
                    if n != 1:
                        raise WmoError(f"sheet {contract.CONF!r} has no cell data to update")
                    data = text.encode("utf-8")
                z.writestr(info, data)
        shutil.copymode(book, tmp)
        os.replace(tmp, book)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return exe
