"""Print setup for sheets written with xlsxwriter: legible A4 pages for a controller.

Why a module: the template (:mod:`wmo_xl.excel.template`) and the zero-install export
(:mod:`wmo_xl.excel.export`) are both written with xlsxwriter, and both must print on A4
with text a controller can read (at least 8 pt after scaling). Three faults made pages
unreadable, and each has one remedy here:

- a long note in one cell overflows far to the right; "fit to one page wide" then shrinks the
  whole page to that note (a 100-row Budget at 4.5 pt). :func:`note` writes it as a merged,
  wrapped block with a row height that shows every line;
- a chart beside a table widens the page the same way. :func:`place_chart` returns the cells
  a chart covers, and :func:`table_sheet` prints that range as a page of its own (an extra
  print range: Excel and LibreOffice start each range on a new page);
- a table wider than a page: :func:`table_sheet` picks how many pages wide it needs so that
  the scale stays at or above :data:`MIN_SCALE`, and repeats the label columns and header
  rows on every page.

Value axes start at 0 (:func:`value_axis`): an axis from EUR 37M turns a 2% difference into
a doubling. Technical sheets are very hidden (:func:`technical`): not in Excel's "Unhide"
list, never printed, still read by VBA (``ThisWorkbook.Sheets("xlwings.conf")`` finds very
hidden sheets; xlwings' ``GetConfigFromSheet`` reads it so).

Use it on a new sheet (Indexatie, Realisatie, Wijken, ...), after writing its cells and
setting its column widths (the helpers read the widths back)::

    from . import printing

    ws = wb.add_worksheet("Indexatie")
    ws.set_column(1, 1, 30)
    ...                                              # header in row 3, data rows 4..20
    r = printing.note(ws, 22, 1, 6, "Toelichting: ...", note_format)
    chart = wb.add_chart({"type": "line"})
    ...
    printing.value_axis(chart, "0.0%")
    chart_cells = printing.place_chart(ws, chart, r + 2, 1)
    printing.table_sheet(ws, (0, 0, chart_cells[2], 6), landscape=False, title_rows=(3, 3))

For a chart beside a table, pass its cells as ``extra_areas=[chart_cells]`` instead, so it
prints on a page of its own. Call :func:`table_sheet` last: it measures the print area.
"""

from __future__ import annotations

import math
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_range_abs

#: Paper size code of A4 in Excel's page setup.
A4 = 9
#: Smallest print scale allowed: 11 pt body text then prints at >= 8.25 pt.
MIN_SCALE = 0.75
_A4_MM = (210.0, 297.0)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}  # inches
#: Points a column of one xlsxwriter pixel takes on paper. Excel (Calibri) prints it at
#: 0.75 pt; LibreOffice without Calibri's metric twin (Carlito) measures column widths with
#: a wider font and prints it at about 1 pt. The page arithmetic takes the wider one, so
#: Excel's pages come out larger than planned, never smaller.
_PT_PER_PX = 1.0
#: Average width of a character of 11 pt text in column pixels, rounded up (Calibri in
#: Excel takes the most: about 6.9 px; LibreOffice's wider font gets wider columns too):
#: row heights of wrapped notes are computed with it (too tall is fine, cut off is not).
_CHAR_PX = 7.0
_LINE_PT = 15.0
#: Footer at 11 pt: LibreOffice scales it with the page, and it must stay >= 8 pt too.
FOOTER = "&L&11wmo_xl - Bron: CBS (CC BY 4.0)&R&11&A, pagina &P van &N"

#: Menukaart columns (template and export): widths in characters that put the whole table
#: one A4 landscape page wide; the long identifiers wrap in the header row and these
#: columns' texts wrap in their rows.
MENU_WIDTHS = {"dienst": 21, "omschrijving": 20, "categorie": 12, "leveringsvorm": 7, "aandeel": 7, "verzilveringsgraad": 10,
               "eenheid": 8, "eenheden_per_client_per_jaar": 10, "prijs": 9, "prijsjaar": 7, "indexatie": 8, "bron": 22}
MENU_WRAPPED = ("omschrijving", "bron")

Area = tuple[int, int, int, int]  # first_row, first_col, last_row, last_col (0-based, inclusive)


def col_px(ws: Any, col: int) -> int:
    """Width of a column in pixels as xlsxwriter lays it out (default 64)."""
    return int(ws._size_col(col))  # xlsxwriter keeps widths in pixels (3.2+)


def row_px(ws: Any, row: int) -> int:
    """Height of a row in pixels (default 20)."""
    return int(ws._size_row(row))


def printable_px(landscape: bool) -> tuple[float, float]:
    """Width and height of the printable part of an A4 page, in column pixels at 100%."""
    w_mm, h_mm = _A4_MM if not landscape else _A4_MM[::-1]
    w = w_mm / 25.4 - MARGINS["left"] - MARGINS["right"]
    h = h_mm / 25.4 - MARGINS["top"] - MARGINS["bottom"]
    return w * 72 / _PT_PER_PX, h * 72 / _PT_PER_PX


def pages_wide(ws: Any, first_col: int, last_col: int, landscape: bool, title_cols: tuple[int, int] | None = None) -> int:
    """How many pages wide columns first..last need so the scale stays >= :data:`MIN_SCALE`."""
    width = sum(col_px(ws, c) for c in range(first_col, last_col + 1))
    page = printable_px(landscape)[0] / MIN_SCALE
    if width <= page:
        return 1
    titles = sum(col_px(ws, c) for c in range(title_cols[0], title_cols[1] + 1)) if title_cols else 0
    body = width - titles
    return max(1, math.ceil(body / max(1.0, page - titles)))


def table_sheet(ws: Any, area: Area, *, landscape: bool = True, title_rows: tuple[int, int] | None = None,
                title_cols: tuple[int, int] | None = None, extra_areas: list[Area] | None = None,
                wide: int | None = None, col_breaks: list[int] | None = None) -> None:
    """A4 page setup for a sheet whose print area is ``area`` (0-based, inclusive).

    Fits the area to as few pages wide as keep the scale >= :data:`MIN_SCALE` (``wide``
    overrides), and as many pages tall as it needs. ``title_rows``/``title_cols`` repeat on
    every page (give the label columns when the sheet is more than one page wide).
    ``extra_areas`` (charts, side blocks) print on pages of their own. ``col_breaks``: the
    first column of each further page across (blocks side by side whose layout is fixed):
    then the scale is fixed so that the widest page fits, instead of fitting to a width
    (Excel ignores manual breaks on a fitted page).
    """
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(A4)
    ws.set_margins(**MARGINS)
    ws.set_footer(FOOTER)
    ws.print_area(*area)
    if extra_areas:
        sheet = quote_sheetname(ws.name)
        # xlsxwriter's print_area() holds one range; Excel's Print_Area name may list several
        ws.print_area_range = ",".join([ws.print_area_range] + [f"{sheet}!{xl_range_abs(*a)}" for a in extra_areas])
    if title_rows:
        ws.repeat_rows(*title_rows)
    if title_cols:
        ws.repeat_columns(*title_cols)
    if col_breaks:
        edges = [area[1]] + sorted(col_breaks) + [area[3] + 1]
        titles = sum(col_px(ws, c) for c in range(title_cols[0], title_cols[1] + 1)) if title_cols else 0
        widest = max(sum(col_px(ws, c) for c in range(a, b)) + (titles if i else 0) for i, (a, b) in enumerate(zip(edges, edges[1:])))
        ws.set_v_pagebreaks(sorted(col_breaks))
        ws.set_print_scale(max(10, min(100, int(100 * printable_px(landscape)[0] / widest))))
        return
    ws.fit_to_pages(wide or pages_wide(ws, area[1], area[3], landscape, title_cols), 0)


def text_page(ws: Any, area: Area, *, landscape: bool = False) -> None:
    """A sheet of text (Start): one page wide, portrait by default."""
    table_sheet(ws, area, landscape=landscape, wide=1)


def lines_needed(text: str, width_px: float) -> int:
    """Lines a wrapped text takes in a cell ``width_px`` wide (generous: never cut off)."""
    per_line = max(1, int((width_px - 8) / _CHAR_PX))
    lines = 0
    for paragraph in text.split("\n"):
        lines += max(1, math.ceil(len(paragraph) / per_line))
    return lines


def note(ws: Any, row: int, first_col: int, last_col: int, text: str, fmt: Any, *, rows: int = 1) -> int:
    """A long note as a merged, wrapped cell over columns first..last and ``rows`` rows.

    The rows get the height its lines need, so nothing overflows past the print area (which
    would shrink a fitted page) and nothing is cut off. ``fmt`` must wrap text
    (``text_wrap``). Returns the last row used.
    """
    width = sum(col_px(ws, c) for c in range(first_col, last_col + 1))
    height = lines_needed(text, width) * _LINE_PT + 3
    last_row = row + rows - 1
    for r in range(row, last_row + 1):
        ws.set_row(r, max(_LINE_PT, height / rows))
    if first_col == last_col and rows == 1:
        ws.write_string(row, first_col, text, fmt)
    else:
        ws.merge_range(row, first_col, last_row, last_col, text, fmt)
    return last_row


def note_beside(ws: Any, row: int, first_col: int, last_col: int, text: str, fmt: Any, *, max_rows: int) -> int:
    """A long note beside a table, merged over as many rows as it needs (at most ``max_rows``:
    the rows below hold other cells), leaving their heights alone unless even ``max_rows``
    rows are too low; then the last one grows. Returns the last row used."""
    width = sum(col_px(ws, c) for c in range(first_col, last_col + 1))
    need = lines_needed(text, width) * _LINE_PT  # points
    last, have = row, row_px(ws, row) * 0.75
    while have < need and last < row + max_rows - 1:
        last += 1
        have += row_px(ws, last) * 0.75
    if have < need:
        ws.set_row(last, row_px(ws, last) * 0.75 + need - have)
    ws.merge_range(row, first_col, last, last_col, text, fmt)
    return last


def wrap_height(ws: Any, row: int, texts: dict[int, str], *, bold: bool = False) -> None:
    """Set a row's height so the wrapped texts in its columns (col -> text) all show.

    ``bold``: header text, wider per character (and long identifiers break anywhere).
    """
    shrink = 0.7 if bold else 1.0
    lines = max((lines_needed(t, col_px(ws, c) * shrink) for c, t in texts.items() if t), default=1)
    if lines > 1:
        ws.set_row(row, lines * _LINE_PT + 3)


def place_chart(ws: Any, chart: Any, row: int, col: int, width: int = 720, height: int = 360) -> Area:
    """Insert ``chart`` at (row, col) with the given pixel size; return the cells it covers."""
    chart.set_size({"width": width, "height": height})
    ws.insert_chart(row, col, chart)
    r, covered = row, 0
    while covered < height:
        covered += row_px(ws, r)
        r += 1
    c, across = col, 0
    while across < width:
        across += col_px(ws, c)
        c += 1
    return row, col, r - 1, c - 1


#: Font of a chart's axes and legend: 11 pt, so it prints at >= 8 pt on a page scaled to 75%.
CHART_FONT = {"size": 11}


def value_axis(chart: Any, num_format: str, **options: Any) -> None:
    """The value axis starts at 0 and has light gridlines; axes and legend (at the bottom) in
    :data:`CHART_FONT`. ``options`` add to the value axis."""
    chart.set_y_axis({"min": 0, "num_format": num_format, "num_font": CHART_FONT,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}, **options})
    chart.set_x_axis({"num_font": CHART_FONT})
    chart.set_legend({"position": "bottom", "font": CHART_FONT})


def technical(ws: Any) -> None:
    """A sheet only the code reads: very hidden (not offered by Excel's Unhide, never printed)."""
    ws.very_hidden()
