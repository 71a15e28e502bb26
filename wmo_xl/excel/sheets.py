"""A small sheet-access interface so the retrain logic runs the same on an open workbook
(xlwings, from the Retrain button) and on a closed file (openpyxl, from ``wmo-xl retrain``).

Only what retraining needs: read a sheet's values, write a report sheet, show a status
message, know where the workbook lives, save.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import WmoError
from ..retrain.run import BookAccess


#: The calls retraining and the macros make on a workbook: the core's Protocol, not a copy.
SheetAccess = BookAccess


class XlwingsBook:
    """An open workbook (``xw.Book``); messages go to Excel's status bar."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @property
    def path(self) -> Path:
        return Path(self.book.fullname)

    def _sheet(self, name: str) -> Any:
        names = [s.name for s in self.book.sheets]
        if name not in names:
            raise WmoError(f"sheet {name!r} not found: the workbook has {', '.join(names)}")
        return self.book.sheets[name]

    def read(self, sheet: str) -> list[list[Any]]:
        """Values from A1 to the used range's last cell, so list rows are sheet rows."""
        ws = self._sheet(sheet)
        last = ws.used_range.last_cell
        values = ws.range((1, 1), (last.row, last.column)).options(ndim=2).value
        return [list(r) for r in values or []]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """Merged areas of the used range (0-based, inclusive); none when Excel says so at once."""
        ws = self._sheet(sheet)
        used = ws.used_range
        try:
            if used.api.MergeCells is False:  # no merged cell at all (True or None: some are)
                return []
            found: set[tuple[int, int, int, int]] = set()
            for cell in used:
                area = cell.merge_area
                if area.count > 1:
                    found.add((area.row - 1, area.column - 1, area.last_cell.row - 1, area.last_cell.column - 1))
            return sorted(found)
        except Exception:  # an Excel without these calls: read as before (the empty cells are reported)
            return []

    def write_sheet(self, sheet: str, rows: list[list[Any]]) -> None:
        names = [s.name for s in self.book.sheets]
        ws = self.book.sheets[sheet] if sheet in names else self.book.sheets.add(sheet, after=self.book.sheets[-1])
        ws.clear_contents()
        if rows:
            ws.range("A1").value = rows

    def status(self, message: str | None) -> None:
        self.book.app.status_bar = message if message else False

    def save(self) -> None:
        """Saving an open workbook is the user's choice: nothing is saved behind their back."""


class OpenpyxlBook:
    """A closed .xlsm/.xlsx file, read and written with openpyxl (VBA and buttons kept)."""

    def __init__(self, path: str | Path, progress: Callable[[str], None] | None = None) -> None:
        import openpyxl

        self._path = Path(path)
        if not self._path.is_file():
            raise WmoError(f"workbook {str(self._path)!r} not found")
        self._progress = progress
        self._pending: dict[str, list[list[Any]]] = {}
        try:  # values as Excel last showed them (a formula cell gives its saved result), and the formulas
            self.wb = openpyxl.load_workbook(self._path, data_only=True)
        except Exception as exc:  # not a workbook, corrupt zip
            raise WmoError(f"cannot open {self._path.name} as a workbook: {exc}") from None

    @property
    def path(self) -> Path:
        return self._path

    def read(self, sheet: str) -> list[list[Any]]:
        """Cell values as Excel shows them: a formula cell gives its saved result (``=590+0``
        gives 590); one without a saved result (never calculated) is a :class:`CellIssue`."""
        from ..retrain.rows import CellIssue

        if sheet not in self.wb.sheetnames:
            raise WmoError(f"sheet {sheet!r} not found: the workbook has {', '.join(self.wb.sheetnames)}")
        import openpyxl

        rows = [list(r) for r in self.wb[sheet].iter_rows(values_only=True)]
        formulas = openpyxl.load_workbook(self._path, read_only=True)  # closed at once: the file is saved later
        try:
            for i, frow in enumerate(formulas[sheet].iter_rows(values_only=True)):
                for j, f in enumerate(frow):
                    if isinstance(f, str) and f.startswith("=") and i < len(rows) and j < len(rows[i]) and rows[i][j] is None:
                        rows[i][j] = CellIssue(f, "formule zonder opgeslagen uitkomst: open het bestand in Excel, laat het "
                                                  "rekenen en sla het op, of plak de waarden")
        finally:
            formulas.close()
        return rows

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """Merged areas of a sheet: 0-based first row, first column, last row, last column."""
        if sheet not in self.wb.sheetnames:
            return []
        return [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in self.wb[sheet].merged_cells.ranges]

    def write_sheet(self, sheet: str, rows: list[list[Any]]) -> None:
        """Kept until :meth:`save`, which writes only this sheet into the file."""
        self._pending[sheet] = [list(r) for r in rows]

    def status(self, message: str | None) -> None:
        if message and self._progress:
            self._progress(message)

    def save(self) -> None:
        """Write the report sheets into the file, every other part byte for byte as it was.

        openpyxl's own save would drop every cached formula result and set full-calc-on-load
        (the file then shows #NAME? without Python); :func:`wmo_xl.excel.xlsxpatch.patch_sheet`
        replaces only the sheets written here, atomically.
        """
        from .xlsxpatch import patch_sheet

        for sheet, rows in self._pending.items():
            patch_sheet(self._path, sheet, rows)
        self._pending.clear()


_CELL_CM = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*\bcm="1"')


def restore_dynamic_arrays(original: bytes, saved: Path) -> None:
    """Put back what openpyxl drops: ``xl/metadata.xml`` and the ``cm="1"`` flag on the
    cells that held dynamic-array (spilling) formulas, so Excel 365 keeps them spilling
    instead of turning them into fixed legacy array formulas.
    """
    import io

    with zipfile.ZipFile(io.BytesIO(original)) as zo:
        if "xl/metadata.xml" not in zo.namelist():
            return
        metadata = zo.read("xl/metadata.xml")
        flagged = {n: set(_CELL_CM.findall(zo.read(n))) for n in zo.namelist() if n.startswith("xl/worksheets/sheet")}
    with zipfile.ZipFile(saved) as zs:
        items = [(i, zs.read(i.filename)) for i in zs.infolist()]
    out: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info, data in items:
        name = info.filename
        if name in flagged and flagged[name]:
            for ref in flagged[name]:
                data = re.sub(rb'<c r="' + ref + rb'"(?![^>]*\bcm=)', b'<c r="' + ref + b'" cm="1"', data, count=1)
        elif name == "[Content_Types].xml" and b"/xl/metadata.xml" not in data:
            data = data.replace(b"</Types>", b'<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/></Types>')
        elif name == "xl/_rels/workbook.xml.rels" and b"metadata.xml" not in data:
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdWmoMeta" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/></Relationships>')
        out.append((info, data))
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as zw:
        for info, data in out:
            zw.writestr(info, data)
        if "xl/metadata.xml" not in [i.filename for i, _ in out]:
            zw.writestr("xl/metadata.xml", metadata)
