"""The Indexatie sheet, one writer for the template and the zero-install export.

It shows the VNG series (:mod:`wmo_xl.indexatie`) with status and source, lets the controller
overwrite a year (ova and pcc, or the weighted figure itself, yellow) and add years below,
and computes the cumulative price level with classic formulas only (Excel 2016, LibreOffice):

    prijsniveau[first] = 1 + gewogen[first]            (base year = first - 1, level 1)
    prijsniveau[y]     = prijsniveau[y-1] x (1 + gewogen[y])

A row whose year does not follow the row above, or whose weighted figure is not a number,
gives #WAARDE! in its level and in every later one: a cost never skips a year silently.

The template's WMO_BUDGET reads the range :data:`RANGE_NAME` (header and rows, spare rows
included) as an input, so an edit here recalculates the budget in the same one call; the
export's cost formulas read the level through :data:`YEARS_NAME`, :data:`LEVEL_NAME` and
:data:`BASE_NAME`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from . import printing
from ..indexatie import COLUMNS, WEIGHT_OVA, WEIGHT_PCC, IndexSeries

SHEET = "Indexatie"
#: Header and rows (spare rows included) that WMO_BUDGET reads in the template.
RANGE_NAME = "WmoIndexatie"
#: The export's names: years, cumulative level, base year (level 1).
YEARS_NAME = "WmoIndexJaren"
LEVEL_NAME = "WmoIndexNiveau"
BASE_NAME = "WmoIndexBasis"
HEADER_ROW = 4  # 0-based: header in Excel row 5; the base year sits in row 4 above it
SPARE_ROWS = 10  # empty yellow rows below the series for years the controller adds
LEVEL_HEADER = "prijsniveau"
#: The sheet's columns (the range WMO_BUDGET reads).
COLUMNS_SHOWN = COLUMNS + [LEVEL_HEADER]


@dataclass
class Placed:
    """Where the sheet put things (absolute references, sheet included)."""

    table: str  # header + rows + spare rows, columns jaar..prijsniveau
    years: str
    levels: str
    base: str


def _ref(r: int, c: int) -> str:
    return xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)


def level_formula(year: str) -> str:
    """The price level of the year in cell/expression ``year`` (1 in the base year); #N/A past the series."""
    return f"IF({year}={BASE_NAME},1,INDEX({LEVEL_NAME},MATCH({year},{YEARS_NAME},0)))"


def write(wb: Any, ws: Any, series: IndexSeries, st: dict[str, Any], *, define_names: bool = True) -> Placed:
    """Write the sheet; ``st`` maps title, note, head, label, input_pct, input_num, input, pct, level, text to formats."""
    ws.set_column(0, 0, 9)
    ws.set_column(1, 3, 10)
    ws.set_column(4, 4, 12)
    ws.set_column(5, 5, 58)  # the source text wraps; the sheet fits one A4 page wide at full size
    ws.set_column(6, 6, 12)
    ws.write_string(0, 0, "Indexatie: VNG-reeks (90% OVA + 10% PCC) per jaar", st["title"])
    ws.write_string(1, 0, "Gewogen = 0,9 x OVA + 0,1 x PCC (definitief, anders voorlopig, anders aanname: zie bron). "
                    "Geel = overschrijven: elke dienst met indexatie 'vng' volgt.", st["note"])
    ws.write_string(2, 0, "Prijsniveau = product van (1 + gewogen) over de jaren na het prijsjaar t/m het jaar. Een jaar na de reeks "
                    "geeft een foutmelding: vul het jaar hieronder aan (opeenvolgend).", st["note"])
    base_r = HEADER_ROW - 1
    first_r = HEADER_ROW + 1
    ws.write_string(base_r, 4, "basisjaar", st["label"])
    ws.write_formula(base_r, 0, f"={xl_rowcol_to_cell(first_r, 0)}-1", st["label_num"], series.base_year)
    ws.write_string(base_r, 5, "prijsniveau 1: het vroegste prijsjaar dat de reeks kan indexeren", st["note"])
    ws.write_number(base_r, 6, 1.0, st["level"])
    ws.write_row(HEADER_ROW, 0, COLUMNS_SHOWN, st["head"])
    level = 1.0
    n = len(series.rows) + SPARE_ROWS
    for k in range(n):
        r = first_r + k
        row = series.rows[k] if k < len(series.rows) else None
        a, b, c, d = (xl_rowcol_to_cell(r, j) for j in range(4))
        above = base_r if k == 0 else r - 1  # the header sits between the base year and the first row
        prev_year, prev_level = xl_rowcol_to_cell(above, 0), xl_rowcol_to_cell(above, 6)
        if row is not None:
            ws.write_number(r, 0, row.jaar, st["input_num"])
            _put(ws, r, 1, row.ova, st["input_pct"])
            _put(ws, r, 2, row.pcc, st["input_pct"])
            ws.write_string(r, 4, row.status, st["text"])  # a note: the figures are what count (not yellow)
            ws.write_string(r, 5, row.bron, st["text"])
            # wrapped source text: its lines stay visible; a whole number of pixels (0.75 pt), which every
            # xlsxwriter version writes alike (newer ones round other heights to pixels)
            ws.set_row(r, round((11.5 * max(1, -(-len(row.bron) // 76)) + 3) / 0.75) * 0.75)
            level *= 1.0 + row.gewogen
        else:
            for j in range(5):
                ws.write_blank(r, j, None, st["input_pct"] if j in (1, 2) else st["input_num"] if j == 0 else st["input"] if j != 4 else st["text"])
        gew = f'=IF({a}="","",IF(AND(ISNUMBER({b}),ISNUMBER({c})),{WEIGHT_OVA}*{b}+{WEIGHT_PCC}*{c},""))'
        ws.write_formula(r, 3, gew, st["input_pct3"], row.gewogen if row is not None else "")
        lvl = f'=IF({a}="","",IF({a}={prev_year}+1,{prev_level}*(1+{d}),#VALUE!))'
        ws.write_formula(r, 6, lvl, st["level"], level if row is not None else "")
    last_r = first_r + n - 1
    ws.data_validation(first_r, 4, last_r, 4, {"validate": "list", "source": ["definitief", "voorlopig", "aanname", "eigen"],
                                                "error_type": "warning"})
    ws.freeze_panes(HEADER_ROW + 1, 1)
    placed = Placed(table=f"={SHEET}!{_ref(HEADER_ROW, 0)}:{_ref(last_r, 6)}",
                    years=f"={SHEET}!{_ref(first_r, 0)}:{_ref(last_r, 0)}",
                    levels=f"={SHEET}!{_ref(first_r, 6)}:{_ref(last_r, 6)}",
                    base=f"={SHEET}!{_ref(base_r, 0)}")
    if define_names:
        wb.define_name(RANGE_NAME, placed.table)
        wb.define_name(YEARS_NAME, placed.years)
        wb.define_name(LEVEL_NAME, placed.levels)
        wb.define_name(BASE_NAME, placed.base)
    printing.table_sheet(ws, (0, 0, last_r, 6))  # A4 landscape as every table sheet (wmo_xl.excel.printing)
    return placed


def _put(ws: Any, r: int, c: int, v: float | None, fmt: Any) -> None:
    if v is None:
        ws.write_blank(r, c, None, fmt)
    else:
        ws.write_number(r, c, v, fmt)


def formats(wb: Any) -> dict[str, Any]:
    """The sheet's formats (both workbooks use the same look: inputs yellow and unlocked)."""
    f = wb.add_format
    unlocked = {"bg_color": "#FFF2CC", "border": 1, "locked": False}
    return {
        "title": f({"bold": True, "font_size": 14, "font_color": "#1F3864"}),
        "note": f({"italic": True, "font_color": "#595959"}),
        "head": f({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1}),
        "label": f({"bold": True}),
        "label_num": f({"bold": True, "num_format": "0", "align": "left"}),
        "input": f(unlocked),
        "input_num": f({**unlocked, "num_format": "0"}),
        "input_pct": f({**unlocked, "num_format": "0.00%"}),
        "input_pct3": f({**unlocked, "num_format": "0.000%"}),
        "level": f({"num_format": "0.0000"}),
        "text": f({"font_size": 9, "font_color": "#404040", "text_wrap": True, "valign": "top"}),
    }
