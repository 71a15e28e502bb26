"""Write one sheet into a closed .xlsx/.xlsm and leave every other byte of the file as it was.

openpyxl rewrites a whole workbook on save: it drops every cached formula result (a file
opened without Python then shows #NAME? everywhere) and sets full-calc-on-load. A retrain
only needs to (re)write its report sheet, so this module copies every part of the zip
unchanged (cached values, calculation settings, VBA, buttons, dynamic-array metadata) and
replaces or adds just that sheet's XML, with its text as inline strings so the shared-string
table stays untouched.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..errors import WmoError

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_WS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_CT_WS = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def column_name(j: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def _cell(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        return f'<c r="{ref}"><v>{repr(float(value)) if isinstance(value, float) else value}</v></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    text = escape(_BAD_XML.sub("", str(value)))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows: list[list[Any]]) -> bytes:
    """A minimal worksheet part holding ``rows`` from A1 (numbers, text, booleans; None = empty)."""
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}"><sheetData>']
    for i, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{column_name(j)}{i}", v) for j, v in enumerate(row))
        if cells:
            out.append(f'<row r="{i}">{cells}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def _attr(tag: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"\s" + re.escape(name) + rb'="([^"]*)"', tag)
    return m.group(1) if m else None


_REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _rel_id(tag: bytes) -> bytes | None:
    """The relationship id of a <sheet> tag, whatever prefix the writer chose (r:id, ns0:id)."""
    m = re.search(rb'\s\w+:id="([^"]*)"', tag)
    return m.group(1) if m else None


def patch_sheet(path: str | Path, sheet: str, rows: list[list[Any]]) -> None:
    """Replace (or add at the end) sheet ``sheet`` of the workbook at ``path``, atomically."""
    p = Path(path)
    if len(sheet) > 31 or re.search(r"[\[\]:*?/\\]", sheet):
        raise WmoError(f"sheet name {sheet!r} is not allowed in Excel")
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
            parts = {i.filename: z.read(i.filename) for i in infos}
    except (zipfile.BadZipFile, OSError) as exc:
        raise WmoError(f"cannot open {p.name} as a workbook: {exc}") from None
    wb_xml = parts.get("xl/workbook.xml")
    rels = parts.get("xl/_rels/workbook.xml.rels")
    types = parts.get("[Content_Types].xml")
    if wb_xml is None or rels is None or types is None:
        raise WmoError(f"{p.name} is not an Excel workbook (no xl/workbook.xml)")
    if b"</sheets>" not in wb_xml or b"</Relationships>" not in rels or b"</Types>" not in types:
        raise WmoError(f"{p.name} is written in a form this cannot add a sheet to: nothing was changed")
    new_xml = sheet_xml(rows)
    target = None
    for tag in re.findall(rb"<sheet\s[^>]*/>", wb_xml):
        name = _attr(tag, b"name")
        if name is not None and name.decode("utf-8").replace("&amp;", "&") == sheet:
            rid = _rel_id(tag)
            rel = re.search(rb'<Relationship\s[^>]*Id="' + re.escape(rid or b"") + rb'"[^>]*/>', rels)
            t = _attr(rel.group(0), b"Target") if rel else None
            if t is None:
                raise WmoError(f"sheet {sheet!r} of {p.name} has no part: the workbook looks damaged")
            t_str = t.decode()
            target = t_str.lstrip("/") if t_str.startswith("/") else "xl/" + t_str
            break
    if target is not None:
        parts[target] = new_xml
    else:
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in parts:
            n += 1
        target = f"xl/worksheets/sheet{n}.xml"
        ids = [int(x) for x in re.findall(rb'<sheet\s[^>]*sheetId="(\d+)"', wb_xml)]
        rid = b"rIdWmo" + str(n).encode()
        entry = (b'<sheet xmlns:wmoR="' + _REL_NS + b'" name="' + escape(sheet).encode("utf-8") + b'" sheetId="'
                 + str(max(ids, default=0) + 1).encode() + b'" wmoR:id="' + rid + b'"/>')
        wb_xml = wb_xml.replace(b"</sheets>", entry + b"</sheets>", 1)
        rels = rels.replace(b"</Relationships>", b'<Relationship Id="' + rid + b'" Type="' + _REL_WS.encode()
                            + b'" Target="worksheets/sheet' + str(n).encode() + b'.xml"/></Relationships>', 1)
        types = types.replace(b"</Types>", b'<Override PartName="/' + target.encode() + b'" ContentType="'
                              + _CT_WS.encode() + b'"/></Types>', 1)
        parts.update({"xl/workbook.xml": wb_xml, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types,
                      target: new_xml})
    _write_zip(p, infos, parts)


def _write_zip(p: Path, infos: list[zipfile.ZipInfo], parts: dict[str, bytes]) -> None:
    """Same part order and compression as the original; new parts at the end; temp + rename."""
    fd, tmp_name = tempfile.mkstemp(suffix=p.suffix, prefix=f".{p.stem}.", dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zw:
            seen = set()
            for info in infos:
                zw.writestr(info, parts[info.filename])
                seen.add(info.filename)
            for name, data in parts.items():
                if name not in seen:
                    zw.writestr(name, data)
        tmp.chmod(p.stat().st_mode & 0o7777)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
