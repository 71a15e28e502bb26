"""Sheet names, styles and scenario defaults of the exported workbook (one place to look)."""

from __future__ import annotations

import math
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from .. import horizon
from ..eigen_bijdrage import NOTES as EB_NOTES

FORECAST = "Forecast"
BUDGET = "Budget"
MENU = "Menukaart"
MODEL = "Model"
TABLE = "Prognose"
SHARES = "Aandelen"

#: Years beyond the last observed year after which a column is flagged as extrapolation.
EXTRAPOLATION_HORIZON = horizon.EXTRAPOLATION_AFTER

#: Scenario parameters as on the template's Budget sheet: (name, default, note, blank value, check).
#: ``blank`` is what an empty cell means (as wmo_xl.costs.Scenario's defaults); ``check`` is
#: the range of wmo_xl.costs.Scenario (None: a year; "text": the name).
#: A scenario start year that follows the first budget year cell (a formula on the sheet).
FIRST_BUDGET_YEAR = "eerste begrotingsjaar"

SCENARIO: list[tuple[str, Any, str, Any, Any]] = [
    ("naam", "Scenario A", "naam van het scenario", "", "text"),
    ("indexatie", 0.04, "prijsindexatie per jaar voor alle diensten (leeg = als menukaart)", "", (-0.5, 0.5)),
    ("verzilveringsgraad", None, "verzilveringsgraad voor alle diensten (leeg = als menukaart)", "", (0, 1)),
    ("hbh_extra_clienten", 0.05, "extra HbH-clienten, bv. 0,05 = +5% (leeg = 0)", 0, (-1, 5)),
    ("hbh_vanaf_jaar", FIRST_BUDGET_YEAR, "vanaf welk jaar de extra HbH-vraag geldt (standaard het eerste begrotingsjaar; leeg = alle jaren)", "", None),
    ("substitutie_aandeel", 0.2, "deel van begeleiding via eigen trajecten (leeg = 0)", 0, (0, 1)),
    ("substitutie_kostenfactor", 0.5, "kosten eigen traject t.o.v. ingekochte zorg (leeg = 0,5)", 0.5, (0, 5)),
    ("substitutie_vanaf_jaar", FIRST_BUDGET_YEAR, "vanaf welk jaar de substitutie geldt (standaard het eerste begrotingsjaar; leeg = alle jaren)", "", None),
    ("eigen_bijdrage", "abonnementstarief", EB_NOTES["eigen_bijdrage"], "abonnementstarief",
     "eigen_bijdrage"),
    ("eigen_bijdrage_vanaf", None, EB_NOTES["eigen_bijdrage_vanaf"] + " (verplicht bij ivb)", "", None),
    ("hbh_effect_ivb", None, EB_NOTES["hbh_effect_ivb"] + "; niet samen met hbh_extra_clienten", 0, (-1, 1)),
]


def styles(wb: Any) -> dict[str, Any]:
    """Formats by role; inputs are yellow and unlocked, everything else locked."""
    f = wb.add_format
    unlocked = {"bg_color": "#FFF2CC", "border": 1, "locked": False}
    return {
        "title": f({"bold": True, "font_size": 16, "font_color": "#1F3864"}),
        "h2": f({"bold": True, "font_size": 12, "font_color": "#1F3864"}),
        "head": f({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1}),
        "head_num": f({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1, "num_format": "0"}),
        "label": f({"bold": True}),
        "note": f({"italic": True, "font_color": "#595959"}),
        "note_wrap": f({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
        "label_wrap": f({"text_wrap": True}),
        "wrap_top": f({"text_wrap": True, "valign": "top"}),
        "top": f({"valign": "top"}),
        "label_top": f({"bold": True, "valign": "top"}),
        "int_left_top": f({"num_format": "0", "align": "left", "valign": "top"}),
        "code": f({"font_color": "#595959", "indent": 1}),
        "head_wrap": f({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1, "text_wrap": True, "valign": "top"}),
        "input": f(unlocked),
        "input_num": f({**unlocked, "num_format": "0"}),
        "input_pct": f({**unlocked, "num_format": "0.0%"}),
        "input_dec": f({**unlocked, "num_format": "#,##0.00"}),
        "input_pct0": f({**unlocked, "num_format": "0%"}),
        # the same inputs in a table whose rows wrap long texts: read from the top
        "input_pct_top": f({**unlocked, "num_format": "0.0%", "valign": "top"}),
        "input_num_top": f({**unlocked, "num_format": "0", "valign": "top"}),
        "input_dec_top": f({**unlocked, "num_format": "#,##0.00", "valign": "top"}),
        "input_pct0_top": f({**unlocked, "num_format": "0%", "valign": "top"}),
        "count": f({"num_format": "#,##0", "align": "right"}),
        "count_obs": f({"num_format": "#,##0", "bg_color": "#E7E6E6", "align": "right"}),
        "count_extra": f({"num_format": "#,##0", "italic": True, "font_color": "#C00000", "align": "right"}),
        "dec": f({"num_format": "#,##0.0", "align": "right"}),
        "dec_obs": f({"num_format": "#,##0.0", "bg_color": "#E7E6E6", "align": "right"}),
        "share": f({"num_format": "0.0000"}),
        "pct": f({"num_format": "0.0%"}),
        "int": f({"num_format": "0"}),
        "int_left": f({"num_format": "0", "align": "left"}),
        "text": f({}),
        "euro": f({"num_format": "€ #,##0"}),
        "euro_sub": f({"num_format": "€ #,##0", "bold": True, "bg_color": "#DDEBF7"}),
        "euro_tot": f({"num_format": "€ #,##0", "bold": True, "top": 2, "bg_color": "#BDD7EE"}),
        "sub_label": f({"bold": True, "bg_color": "#DDEBF7"}),
        "tot_label": f({"bold": True, "top": 2, "bg_color": "#BDD7EE"}),
        "status": f({"italic": True, "align": "right"}),
    }


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def put(ws: Any, r: int, c: int, v: Any, fmt: Any = None) -> None:
    """A value cell; NaN (no CBS value) becomes '.' as in CBS tables, never 0."""
    if v is None:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, str):
        ws.write_string(r, c, v, fmt)
    elif is_number(v):
        ws.write_number(r, c, v, fmt)
    else:
        ws.write_string(r, c, ".", fmt)


def formula(ws: Any, r: int, c: int, text: str, fmt: Any, value: Any) -> None:
    """A formula with its cached value (NaN shows as '.', like the formula's own result)."""
    ws.write_formula(r, c, text, fmt, value if isinstance(value, str) or is_number(value) else ".")


def absolute(r: int, c: int) -> str:
    """'$B$7' for 0-based row 6, column 1."""
    return xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)


def status(year: int, last_observed: int) -> str:
    """How a year relates to the data: observed, forecast, or extrapolation past the horizon."""
    return horizon.status(year, last_observed)


def status_formula(year_cell: str, ahead_cell: str) -> tuple[str, str]:
    """The 'years after the last observation' and 'status' formulas of a year column."""
    return (f"={year_cell}-WmoLaatsteWaarneming",
            f'=IF({ahead_cell}<=0,"waarneming",IF({ahead_cell}<=WmoHorizon,"prognose","extrapolatie"))')
