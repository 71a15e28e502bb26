"""The template's Realisatie and Wijken sheets (issue 19): one block function each.

Realisatie: the controller pastes this year's spending (dienst, periode, bedrag) and,
optionally, last year's as a monthly profile; ``WMO_REALISATIE`` shows per dienst and the
total the budget, the realisation, the year-end projection, the deviation and a
groen/oranje/rood signal (:mod:`wmo_xl.realisatie`). Wijken: ``WMO_WIJKEN_BUDGET`` spreads
the base budget of the Budget sheet's years over the wijken (:mod:`wmo_xl.wijkbudget`),
with a colour scale. Both spill on the hidden Reken sheet like the other blocks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from . import indexatie_sheet as IX
from . import printing
from . import contract as C
from . import udfs
from .template import MAX_WIJKEN, _abs, _formula, _shown_block

#: Rows of each paste area (this year's realisation, last year's profile).
PASTE_ROWS = 3000
RESULT_ANCHOR = "B12"
PASTE_HEADER_ROW = 11  # 0-based: the paste areas' header is in Excel row 12
PASTE_COL = 12  # column M: realisatie; Q: profiel
PROFILE_COL = 16


def realisatie_year(today: date, origin: int, last: int, budget_years: list[int]) -> int:
    """The year a controller reports on: this year where the model reaches it, else the first budget year."""
    return today.year if origin < today.year <= last else budget_years[0]


def write_realisatie(wb: Any, ws: Any, reken: Any, gemeente: str, jaar: int, st: Any) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 24)
    ws.set_column("C:D", 14, st.euro)
    ws.set_column("E:E", 9)
    ws.set_column("F:F", 18, st.euro)
    ws.set_column("G:G", 14, st.euro)
    ws.set_column("H:H", 10, st.pct)
    ws.set_column("I:I", 9)
    ws.set_column("J:J", 48)
    ws.set_column("K:L", 2)
    ws.set_column(PASTE_COL, PASTE_COL, 22)
    ws.set_column(PASTE_COL + 1, PASTE_COL + 1, 8)
    ws.set_column(PASTE_COL + 2, PASTE_COL + 2, 13)
    ws.set_column(PROFILE_COL, PROFILE_COL, 22)
    ws.set_column(PROFILE_COL + 1, PROFILE_COL + 1, 8)
    ws.set_column(PROFILE_COL + 2, PROFILE_COL + 2, 13)
    ws.write_string("B2", "Realisatie tegen begroting en prognose jaareinde", st.title)
    ws.write_string("B4", "Gemeente", st.label)
    _formula(ws, C.REALISATIE_GEMEENTE, f"={C.FORECAST}!{C.FORECAST_GEMEENTE}", st.label, gemeente)
    ws.write_string("B5", "Begrotingsjaar", st.label)
    ws.write_number(C.REALISATIE_JAAR, jaar, st.input_num)
    ws.write_string("B6", "Begroting volgens", st.label)
    ws.write_string(C.REALISATIE_KEUZE, "basis", st.input)
    ws.data_validation(C.REALISATIE_KEUZE, {"validate": "list", "source": ["basis", "scenario"]})
    ws.write_string("B7", "Drempel oranje (EUR)", st.label)
    ws.write_number(C.REALISATIE_DREMPEL_EURO, 25000, st.input_num)
    ws.write_string("B8", "Drempel oranje (%)", st.label)
    ws.write_number(C.REALISATIE_DREMPEL_PCT, 5, st.input_num)
    notes = [
        "Plak de uitgaven van dit jaar in kolom M-O (dienst, periode 1-12, bedrag; meer regels per dienst en maand worden opgeteld, "
        "negatieve bedragen zijn correcties).",
        "Optioneel: de uitgaven van vorig jaar (alle 12 maanden) in kolom Q-S als maandprofiel; dienst 'Totaal' geldt voor elke dienst "
        "zonder eigen profiel. Zonder profiel: lineair.",
        "Signaal oranje als de afwijking (beide richtingen) BEIDE drempels haalt, rood bij twee keer beide. 'Scenario': de begroting "
        "volgens het scenario van blad Budget.",
        "Een dienst zonder realisatie houdt zijn begroting als prognose; een dienst die niet op de menukaart staat, staat er toch "
        "(begroot 0). Zie docs/realisatie.md.",
    ]
    for i, text in enumerate(notes):
        printing.note(ws, 3 + i, 4, 9, text, st.note)  # merged, wrapped, rows as high as the text needs
    ws.write_string(PASTE_HEADER_ROW - 1, PASTE_COL, "Realisatie dit jaar (plak hier)", st.h2)
    ws.write_string(PASTE_HEADER_ROW - 1, PROFILE_COL, "Profiel: realisatie vorig jaar", st.h2)
    for c0 in (PASTE_COL, PROFILE_COL):
        ws.write_row(PASTE_HEADER_ROW, c0, ["dienst", "periode", "bedrag"], st.head)
        last = PASTE_HEADER_ROW + PASTE_ROWS
        ws.data_validation(PASTE_HEADER_ROW + 1, c0 + 1, last, c0 + 1, {
            "validate": "integer", "criteria": "between", "minimum": 1, "maximum": 12,
            "error_title": "Periode", "error_message": "Een maand van 1 tot en met 12."})
        ws.data_validation(PASTE_HEADER_ROW + 1, c0 + 2, last, c0 + 2, {
            "validate": "decimal", "criteria": "between", "minimum": -1e12, "maximum": 1e12,
            "error_title": "Bedrag", "error_message": "Een bedrag in euro (negatief = correctie)."})
    for name, c0 in ((C.REALISATIE_NAME, PASTE_COL), (C.PROFIEL_NAME, PROFILE_COL)):
        first = xl_rowcol_to_cell(PASTE_HEADER_ROW, c0, row_abs=True, col_abs=True)
        last = xl_rowcol_to_cell(PASTE_HEADER_ROW + PASTE_ROWS, c0 + 2, row_abs=True, col_abs=True)
        wb.define_name(name, f"={C.REALISATIE}!{first}:{last}")
    r = C.REALISATIE
    values = udfs.wmo_realisatie(gemeente, jaar, _menu_values(), None, "basis",
                                 [["dienst", "periode", "bedrag"]], [["dienst", "periode", "bedrag"]], 25000, 5)
    formula = (f"=WMO_REALISATIE({r}!{_abs(C.REALISATIE_GEMEENTE)},{r}!{_abs(C.REALISATIE_JAAR)},{C.MENU_NAME},"
               f"{C.BUDGET}!{_abs(C.BUDGET_SCENARIO)},{r}!{_abs(C.REALISATIE_KEUZE)},{C.REALISATIE_NAME},{C.PROFIEL_NAME},"
               f"{r}!{_abs(C.REALISATIE_DREMPEL_EURO)},{r}!{_abs(C.REALISATIE_DREMPEL_PCT)},{C.MODEL_STAMP_NAME},{IX.RANGE_NAME})")
    euro_cols = {1, 2, 4, 5}

    def fmt(i: int, j: int, v: Any) -> Any:
        if i == 0:
            return st.head
        label = values[i][0] if i < len(values) else None
        total = label == "Totaal"
        if j in euro_cols:
            return st.euro_tot if total else st.euro
        if j == 6:
            return st.pct
        if j == 8:
            return st.note  # wrapped in its column: the page stays one wide
        return st.tot_label if total and j == 0 else None

    menu_rows = 60
    rows, _ = _shown_block(ws, RESULT_ANCHOR, reken, C.REKEN_REALISATIE, formula, values, fmt,
                           spare_rows=max(0, menu_rows + 21 - len(values)))
    top, left = 11, 1
    signal_col = xl_col_to_name(left + 7)
    end = top + max(rows, menu_rows + 21)
    for word, colour in (("groen", "#C6EFCE"), ("oranje", "#FFD966"), ("rood", "#F4B084")):
        ws.conditional_format(f"{signal_col}{top + 2}:{signal_col}{end}", {
            "type": "cell", "criteria": "==", "value": f'"{word}"', "format": wb.add_format({"bg_color": colour, "bold": True})})
    ws.freeze_panes(top + 1, 2)
    filled = sum(1 for v in values if v[0] is not None)
    printing.table_sheet(ws, (1, 0, top + filled, 9), title_cols=(1, 1))  # A4, to the Totaal row (more diensten: widen the print area)


def write_wijken(wb: Any, ws: Any, reken: Any, gemeente: str, years: list[int], n_year_cells: int, st: Any) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 16)
    ws.set_column("C:C", 30)
    ws.set_column(3, 3 + n_year_cells, 14, st.euro)
    ws.write_string("B2", "Begroting per wijk (basis, euro)", st.title)
    ws.write_string("B4", "Gemeente", st.label)
    _formula(ws, "C4", f"={C.FORECAST}!{C.FORECAST_GEMEENTE}", st.label, gemeente)
    ws.merge_range(4, 1, 4, 2 + n_year_cells, "Euro per wijk = aandeel van de wijk in de Wmo-clienten van de gemeente x de "
                   "basisbegroting van blad Budget (jaren: blad Budget). De wijken tellen precies op tot het gemeentetotaal.", st.note)
    ws.merge_range(5, 1, 5, 2 + n_year_cells, "Gesorteerd op het eerste jaar; kleur: laag (wit) tot hoog (blauw). 'zonder wijkcijfer': "
                   "clienten die geen wijk draagt (een jaar waarin een wijk geen CBS-waarde heeft).", st.note)
    ws.set_row(4, 27)
    ws.set_row(5, 27)
    padded = years + [None] * (n_year_cells - len(years))
    values = udfs.wmo_wijken_budget(gemeente, padded, _menu_values())
    b = C.BUDGET
    formula = f"=WMO_WIJKEN_BUDGET({C.WIJKEN}!$C$4,{b}!{_abs(C.BUDGET_YEARS)},{C.MENU_NAME},{C.MODEL_STAMP_NAME},{IX.RANGE_NAME})"

    def fmt(i: int, j: int, v: Any) -> Any:
        if i == 0:
            return st.head if j < 2 else st.head_num
        if i == 1:
            return st.tot_label if j < 2 else st.euro_tot
        return None if j < 2 else st.euro

    top = 7  # 0-based row of the header (B8)
    width = len(values[0])
    rows, _ = _shown_block(ws, f"B{top + 1}", reken, C.REKEN_WIJKEN, formula, values, fmt,
                           spare_rows=max(0, MAX_WIJKEN + 3 - len(values)), spare_cols=max(0, 2 + n_year_cells - width))
    rows = sum(1 for v in values if v[0] is not None)
    end = top + MAX_WIJKEN + 3
    ws.conditional_format(top + 2, 3, end, 2 + n_year_cells, {
        "type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#5B9BD5"})
    ws.freeze_panes(top + 1, 3)
    printing.table_sheet(ws, (1, 0, top + rows, 2 + n_year_cells))


def _menu_values() -> list[list[Any]]:
    """The shipped menukaart as the Menukaart range hands it to a UDF (header first)."""
    from ..menukaart import COLUMNS, OPTIONAL_COLUMNS, load_menu

    cols = COLUMNS + OPTIONAL_COLUMNS
    return [cols] + [[getattr(r, c) for c in cols] for r in load_menu().rows]

