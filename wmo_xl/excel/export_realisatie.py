"""The export's Realisatie and Wijken sheets (issue 19) in classic formulas only.

Both compute what :mod:`wmo_xl.realisatie` and :mod:`wmo_xl.wijkbudget` compute, with
functions Excel 2016 and LibreOffice know (SUMIFS, COUNTIFS, SUMPRODUCT, INDEX, MATCH,
LARGE, ROUND), reading the Budget sheet's cost rows (so menukaart and scenario edits flow
through) and the Prognose table. Cached values come from the same arithmetic, so the file
shows numbers before any recalculation; the tests recalculate it with ``formulas`` and
compare with the CLI.

Realisatie: the controller pastes this year's spending (dienst, periode, bedrag) and,
optionally, last year's as a monthly profile. Menukaart diensten are listed in the
Budget sheet's order; up to :data:`EXTRA` diensten not on the menukaart follow (a hidden
helper column numbers each new name at its first row); more than that fails the total
(#VALUE!), as does any pasted row whose periode is not a month 1-12 or whose bedrag is not
a number. Differences from the core, both on the safe side: the export reads rows below an
empty row (the core refuses them), and a profile is checked only for the diensten it uses.

Wijken: euro per wijk = the Budget sheet's base total x clients of the wijk / clients of the
gemeente, sorted by the first year with LARGE/MATCH over a key that breaks ties by order.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..costs import cost
from ..menukaart import MenuRow
from ..realisatie import Drempels
from . import printing
from . import export_layout as L
from . import export_names as N
from .export_budget import FIRST_YEAR_COL, menu_ref
from .export_data import ExportData

REALISATIE = "Realisatie"
WIJKEN = "Wijken"
#: Rows of each paste area.
PASTE_ROWS = 1000
#: Rows for diensten that are not on the menukaart.
EXTRA = 10
HEAD_ROW = 11  # 0-based: the result header is Excel row 12
PASTE_COL = 12  # M: dienst, N: periode, O: bedrag
PROFILE_COL = 16  # Q, R, S
GRID_COL = 22  # W: the profile's share of the year to the last period (hidden)
COUNT_COL = GRID_COL + 1  # X: pasted rows of the dienst (hidden)
HEAD = ["Dienst", "Begroot", "Gerealiseerd", "Perioden", "Prognose jaareinde", "Verschil", "Verschil %", "Signaal", "Toelichting"]


def _rng(col: int, first: int, last: int) -> str:
    """'$M$13:$M$1012' from 0-based column and 0-based rows."""
    return f"{xl_rowcol_to_cell(first, col, True, True)}:{xl_rowcol_to_cell(last, col, True, True)}"


def _budget_costs(data: ExportData, rows: list[MenuRow], years: list[int]) -> dict[str, list[float]]:
    """Base euros per dienst and budget year, as the Budget sheet caches them."""
    g = data.gemeenten[0]
    total = data.row(g, "totaal").clients
    out: dict[str, list[float]] = {}
    for row in rows:
        values = []
        for y in years:
            k = data.years.index(y)
            values.append(cost(row, total[k] * data.shares[(g, row.categorie)][k], y))
        out[row.dienst] = values
    return out


def write_realisatie(wb: Any, ws: Any, data: ExportData, rows: list[MenuRow], sh: Any, st: dict[str, Any]) -> None:
    """The Realisatie sheet; ``sh`` is what :func:`~wmo_xl.excel.export_budget.write_budget` returned."""
    d0 = Drempels()
    years = sh.years
    order = [row for cat in data.share_categories for row in rows if row.categorie == cat]
    base = _budget_costs(data, order, years)
    first, last = HEAD_ROW + 1, HEAD_ROW + PASTE_ROWS
    RD, RP, RB = (_rng(PASTE_COL + k, first, last) for k in range(3))
    PD, PP, PB = (_rng(PROFILE_COL + k, first, last) for k in range(3))
    unlocked_text = wb.add_format({"bg_color": "#FFF2CC", "locked": False})
    wrap = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 3, 14)
    ws.set_column(4, 4, 9)
    ws.set_column(5, 5, 18)
    ws.set_column(6, 6, 14)
    ws.set_column(7, 7, 10)
    ws.set_column(8, 8, 9)
    ws.set_column(9, 9, 40)
    ws.set_column(10, 11, 2)
    for c0 in (PASTE_COL, PROFILE_COL):
        ws.set_column(c0, c0, 22, unlocked_text)
        ws.set_column(c0 + 1, c0 + 1, 8, unlocked_text)
        ws.set_column(c0 + 2, c0 + 2, 13, unlocked_text)
    ws.set_column(GRID_COL, COUNT_COL, None, None, {"hidden": True})
    ws.write_string(1, 1, "Realisatie tegen begroting en prognose jaareinde", st["title"])
    labels = [("Gemeente", None), ("Begrotingsjaar", years[0]), ("Begroting volgens", "basis"), ("Drempel oranje (EUR)", d0.euro),
              ("Drempel oranje (%)", d0.pct)]
    for i, (label, value) in enumerate(labels):
        ws.write_string(3 + i, 1, label, st["label"])
    ws.write_formula(3, 2, f"={L.FORECAST}!$C$4", st["label"], data.gemeenten[0])
    ws.write_number(4, 2, years[0], st["input_num"])
    ws.data_validation(4, 2, 4, 2, {"validate": "list", "source": f"={L.BUDGET}!${xl_col_to_name(FIRST_YEAR_COL)}$5:"
                                    f"${xl_col_to_name(FIRST_YEAR_COL + len(years) - 1)}$5",
                                    "error_title": "Jaar", "error_message": "Een jaar van blad Budget (rij 5)."})
    ws.write_string(5, 2, "basis", st["input"])
    ws.data_validation(5, 2, 5, 2, {"validate": "list", "source": ["basis", "scenario"]})
    ws.write_number(6, 2, d0.euro, st["input_num"])
    ws.write_number(7, 2, d0.pct, st["input_num"])
    ws.write_string(8, 1, "Laatste periode", st["label"])
    P = "$C$9"
    ws.write_formula(8, 2, f"=MAX({RP})", st["int"], 0)
    ws.write_string(9, 1, "Ongeldige regels", st["label"])
    E = "$C$10"
    bad = (f"=SUMPRODUCT(({RD}<>\"\")*(ISNUMBER({RP})=FALSE))+SUMPRODUCT(({RD}<>\"\")*(ISNUMBER({RB})=FALSE))"
           f"+SUMPRODUCT(({RD}=\"\")*((({RP}<>\"\")+({RB}<>\"\"))>0))+SUMPRODUCT((({RP}<1)+({RP}>12)+({RP}<>INT({RP})))*({RD}<>\"\"))"
           f"+SUMPRODUCT(({PD}<>\"\")*(ISNUMBER({PP})=FALSE))+SUMPRODUCT(({PD}<>\"\")*(ISNUMBER({PB})=FALSE))"
           f"+SUMPRODUCT((({PP}<1)+({PP}>12)+({PP}<>INT({PP})))*({PD}<>\"\"))")
    ws.write_formula(9, 2, bad, st["int"], 0)
    notes = [
        "Plak de uitgaven van dit jaar in kolom M-O (dienst, periode 1-12, bedrag); meer regels per dienst en maand worden opgeteld, "
        "negatief = correctie.",
        "Optioneel: vorig jaar (alle 12 maanden) in kolom Q-S als maandprofiel; dienst 'Totaal' geldt voor elke dienst zonder eigen "
        "profiel. Zonder profiel: lineair.",
        "Oranje als de afwijking BEIDE drempels haalt, rood bij twee keer beide. Het jaar moet op blad Budget staan (rij 5).",
        "Een ongeldige regel (periode geen maand 1-12, bedrag geen getal) of meer dan "
        f"{EXTRA} diensten buiten de menukaart geeft #WAARDE!: nooit een te laag totaal.",
    ]
    for i, text in enumerate(notes):
        ws.merge_range(3 + i, 4, 3 + i, 9, text, wrap)
        ws.set_row(3 + i, 27)
    ws.write_string(HEAD_ROW - 1, PASTE_COL, "Realisatie dit jaar (plak hier)", st["h2"])
    ws.write_string(HEAD_ROW - 1, PROFILE_COL, "Profiel: realisatie vorig jaar", st["h2"])
    for c0 in (PASTE_COL, PROFILE_COL):
        ws.write_row(HEAD_ROW, c0, ["dienst", "periode", "bedrag"], st["head"])
        ws.data_validation(first, c0 + 1, last, c0 + 1, {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 12,
                                                         "error_title": "Periode", "error_message": "Een maand van 1 tot en met 12."})
        ws.data_validation(first, c0 + 2, last, c0 + 2, {"validate": "decimal", "criteria": "between", "minimum": -1e12,
                                                         "maximum": 1e12, "error_title": "Bedrag",
                                                         "error_message": "Een bedrag in euro (negatief = correctie)."})
    # hidden: the 'Totaal' profile's share (applies to every dienst without its own profile)
    ws.write_string(HEAD_ROW, GRID_COL, "profiel")
    ws.write_formula(HEAD_ROW - 1, GRID_COL, _share_formula('"Totaal"', PD, PP, PB, P), None, "")
    tot_share_cell = xl_rowcol_to_cell(HEAD_ROW - 1, GRID_COL, True, True)
    ws.write_row(HEAD_ROW, 1, HEAD, st["head"])

    def y_index(row_no: int) -> str:
        """The Budget sheet's value of a cost row in the chosen year (#N/A for a year not on it)."""
        a = f"${xl_col_to_name(FIRST_YEAR_COL)}${row_no}:${xl_col_to_name(FIRST_YEAR_COL + len(years) - 1)}${row_no}"
        yrs = f"${xl_col_to_name(FIRST_YEAR_COL)}$5:${xl_col_to_name(FIRST_YEAR_COL + len(years) - 1)}$5"
        return f"INDEX({L.BUDGET}!{a},MATCH($C$5,{L.BUDGET}!{yrs},0))"

    r = first
    result_rows: list[int] = []
    for row in order:
        ws.write_string(r, 1, row.dienst)
        budget = (f'IF($C$6="scenario",{y_index(sh.cost_rows[("scenario", row.dienst)])},'
                  f'IF($C$6="basis",{y_index(sh.cost_rows[("basis", row.dienst)])},#VALUE!))')
        _result_row(ws, r, budget, base[row.dienst][0], RD, RP, RB, PD, PP, PB, P, E, tot_share_cell, st, d0, extra=False)
        result_rows.append(r)
        r += 1
    menu_d = menu_ref("dienst", sh.n_menu)
    for k in range(EXTRA):
        # the k-th pasted dienst that is not on the menukaart and not listed above (array formula)
        cond = f'ISNA(MATCH({RD},{menu_d},0))*({RD}<>"")'
        if k:
            cond += f"*(COUNTIF($B${r - k + 1}:$B${r},{RD})=0)"
        ws.write_array_formula(r, 1, r, 1, f'{{=IFERROR(INDEX({RD},MATCH(1,{cond},0)),"")}}', None, "")
        _result_row(ws, r, "0", 0.0, RD, RP, RB, PD, PP, PB, P, E, tot_share_cell, st, d0, extra=True)
        result_rows.append(r)
        r += 1
    top, bottom = result_rows[0] + 1, result_rows[-1] + 1
    counted = f"${xl_col_to_name(COUNT_COL)}${top}:${xl_col_to_name(COUNT_COL)}${bottom}"
    total_budget = sum(base[row.dienst][0] for row in order)
    ws.write_string(r, 1, "Totaal", st["tot_label"])
    R = r + 1
    cells = {
        2: (f"=SUM(C{top}:C{bottom})", total_budget, st["euro_tot"]),
        3: (f"=IF({E}>0,#VALUE!,SUM({RB}))", 0.0, st["euro_tot"]),
        4: (f"={P}", 0, st["tot_label"]),
        # every pasted row belongs to a listed dienst, else more than EXTRA new diensten: no total
        5: (f'=IF(SUM({counted})<>SUMPRODUCT(({RD}<>"")*1),#VALUE!,SUM(F{top}:F{bottom}))', total_budget, st["euro_tot"]),
        6: (f"=F{R}-C{R}", 0.0, st["euro_tot"]),
        7: (f'=IF(C{R}=0,"",G{R}/C{R})', 0.0, st["pct"]),
        8: (_signal(R), "groen", st["tot_label"]),
        9: (f'=IF({P}=0,"geen realisatie","t/m periode "&{P})', "geen realisatie", st["note"]),
    }
    for c, (text, value, fmt) in cells.items():
        ws.write_formula(r, c, text, fmt, value)
    for word, colour in (("groen", "#C6EFCE"), ("oranje", "#FFD966"), ("rood", "#F4B084")):
        ws.conditional_format(first, 8, r, 8, {"type": "cell", "criteria": "==", "value": f'"{word}"',
                                               "format": wb.add_format({"bg_color": colour, "bold": True})})
    ws.freeze_panes(HEAD_ROW + 1, 2)
    _page(ws, (1, 0, r + 1, 9))


def _signal(R: int) -> str:
    euro = f"ROUND(ABS(G{R}),2)"
    pct = f"IF(C{R}=0,1E+300,ROUND(ABS(100*G{R}/C{R}),4))"
    return (f'=IF(AND({euro}>=2*$C$7,{pct}>=2*$C$8),"rood",IF(AND({euro}>=$C$7,{pct}>=$C$8),"oranje","groen"))')


def _share_formula(name: str, PD: str, PP: str, PB: str, P: str) -> str:
    """Hidden: the profile's share of the year in months 1..P for the dienst ``name``; "" without a
    profile; #VALUE! for an incomplete one (a month missing, a negative row, no spending; stricter
    than the core, which sums a month's rows before it checks)."""
    months = "{" + ",".join(str(m) for m in range(1, 13)) + "}"
    total = f"SUMIFS({PB},{PD},{name})"
    complete = (f'AND(SUMPRODUCT((COUNTIFS({PD},{name},{PP},{months})>0)*1)=12,{total}>0,'
                f'COUNTIFS({PD},{name},{PB},"<0")=0)')
    return (f'=IF({name}="","",IF(COUNTIFS({PD},{name})=0,"",IF({complete},SUMIFS({PB},{PD},{name},{PP},"<="&{P})/{total},'
            f'#VALUE!)))')


def _result_row(ws: Any, r: int, budget: str, cached_budget: float, RD: str, RP: str, RB: str, PD: str, PP: str, PB: str,
                P: str, E: str, tot_share: str, st: dict[str, Any], d0: Drempels, extra: bool) -> None:
    R = r + 1
    name = f"$B{R}"
    ws.write_formula(r, GRID_COL, _share_formula(name, PD, PP, PB, P), None, "")
    own = xl_rowcol_to_cell(r, GRID_COL)
    share = f"IF({own}=\"\",{tot_share},{own})"
    cnt = f"COUNTIFS({RD},{name})"
    ger = f"SUMIFS({RB},{RD},{name})"
    prog = f'IF({E}>0,#VALUE!,IF({cnt}=0,C{R},IF({share}="",{ger}*12/{P},IF({share}>0,{ger}/{share},{ger}*12/{P}))))'
    note = (f'IF({cnt}=0,"geen realisatie: prognose = begroot",IF({share}="","lineair ("&{P}&" van 12 maanden)",'
            f'"profiel vorig jaar"))')
    texts = {
        2: (budget, cached_budget, st["euro"]),
        3: (f"=IF({E}>0,#VALUE!,{ger})", 0.0, st["euro"]),
        4: (f"=IF({cnt}=0,0,{P})", 0, st["int"]),
        5: (f"={prog}", cached_budget, st["euro"]),
        6: (f"=F{R}-C{R}", 0.0, st["euro"]),
        7: (f'=IF(C{R}=0,"",G{R}/C{R})', 0.0 if cached_budget else "", st["pct"]),
        8: (_signal(R), "groen", None),
        9: ("=" + note, "geen realisatie: prognose = begroot", st["note"]),
    }
    if not texts[2][0].startswith("="):
        texts[2] = ("=" + budget, cached_budget, st["euro"])
    ws.write_formula(r, COUNT_COL, f'=IF({name}="",0,{cnt})', None, 0)
    for c, (text, value, fmt) in texts.items():
        if extra:
            text = f'=IF({name}="","",{text[1:]})'
            value = ""
        ws.write_formula(r, c, text, fmt, value)
    if extra:
        ws.write_formula(r, 9, f'=IF({name}="","","niet op de menukaart: geen begroting; "&{note})', st["note"], "")


def write_wijken(wb: Any, ws: Any, data: ExportData, rows: list[MenuRow], sh: Any, st: dict[str, Any]) -> None:
    """The Wijken sheet: the chosen gemeente's base budget per wijk and year, sorted, with a colour scale."""
    years = sh.years
    n = len(years)
    g0 = data.gemeenten[0]
    max_w = max(sum(1 for r in data.rows if r.gemeente == g and r.categorie == "totaal" and r.niveau == "wijk")
                for g in data.gemeenten)
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 28)
    ws.set_column(3, 3 + n, 14)
    helper = 12
    ws.set_column(helper, helper + n + 4, None, None, {"hidden": True})
    ws.write_string(1, 1, "Begroting per wijk (basis, euro)", st["title"])
    ws.write_string(3, 1, "Gemeente", st["label"])
    ws.write_formula(3, 2, f"={L.FORECAST}!$C$4", st["label"], g0)
    wrap = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
    ws.merge_range(4, 1, 4, 2 + n, "Euro per wijk = aandeel van de wijk in de Wmo-clienten van de gemeente x de basisbegroting "
                   "(blad Budget, zelfde jaren). De wijken tellen precies op tot het gemeentetotaal.", wrap)
    ws.merge_range(5, 1, 5, 2 + n, "Gesorteerd op het eerste jaar; kleur: laag (wit) tot hoog (blauw). 'zonder wijkcijfer': "
                   "euro's van clienten die geen wijk draagt (0 als elke wijk een cijfer heeft). Wijknamen als het model ze kent.", wrap)
    ws.set_row(4, 27)
    ws.set_row(5, 27)
    ws.write_string(6, 1, "Regel in blad Prognose", st["note"])
    ws.write_formula(6, 2, f'=MATCH($C$4&"|totaal",{N.KEY},0)', st["int"],
                     next(i for i, r in enumerate(data.rows) if r.code == g0 and r.categorie == "totaal") + 1)
    wijk_rows = [r for r in data.rows if r.gemeente == g0 and r.categorie == "totaal" and r.niveau == "wijk"]
    ws.write_string(7, 1, "Aantal wijken", st["note"])
    ws.write_formula(7, 2, '=COUNTIFS(WmoGemeente,$C$4,WmoCategorie,"totaal")-1', st["int"], len(wijk_rows))
    head = 9
    ws.write_string(head, 1, "Wijk", st["head"])
    ws.write_string(head, 2, "Naam", st["head"])
    for j, y in enumerate(years):
        ws.write_formula(head, 3 + j, f"={L.BUDGET}!{xl_col_to_name(FIRST_YEAR_COL + j)}$5", st["head_num"], y)
    # cached values: the same arithmetic as the formulas (and as wmo_xl.wijkbudget)
    g_row = data.row(g0, "totaal")
    at = [data.years.index(y) for y in years]
    totals = [sum(v[j] for v in _budget_costs(data, rows, years).values()) for j in range(n)]
    euros = [[(totals[j] * w.clients[at[j]] / g_row.clients[at[j]]) if L.is_number(w.clients[at[j]]) else None
              for j in range(n)] for w in wijk_rows]
    keys = [e[0] - (i + 1) * 1e-6 if e[0] is not None else -1e15 - (i + 1) for i, e in enumerate(euros)]
    keys += [-1e15 - (i + 1) for i in range(len(wijk_rows), max_w)]
    order = sorted(range(max_w), key=lambda i: -keys[i])
    total_row = head + 1
    ws.write_string(total_row, 1, "Totaal gemeente", st["tot_label"])
    ws.write_string(total_row, 2, "", st["tot_label"])
    for j in range(n):
        ws.write_formula(total_row, 3 + j, f"={L.BUDGET}!{xl_col_to_name(FIRST_YEAR_COL + j)}${sh.total_rows['basis']}",
                         st["euro_tot"], totals[j])
    first = total_row + 1
    codes = _rng(helper, first, first + max_w - 1)
    key_rng = _rng(helper + 1 + n, first, first + max_w - 1)
    for i in range(max_w):
        r = first + i
        R = r + 1
        w = wijk_rows[i] if i < len(wijk_rows) else None
        ws.write_formula(r, helper, f'=IF({i + 1}<=$C$8,INDEX(WmoCode,$C$7+{i + 1}),"")', None, w.code if w else "")
        for j in range(n):
            y = f"{L.BUDGET}!{xl_col_to_name(FIRST_YEAR_COL + j)}$5"
            cl = f"INDEX({N.CLIENTS},$C$7+{i + 1},MATCH({y},{N.YEARS},0))"
            gem = f"INDEX({N.CLIENTS},$C$7,MATCH({y},{N.YEARS},0))"
            tot = f"{xl_col_to_name(3 + j)}${total_row + 1}"
            text = f'=IF(${xl_col_to_name(helper)}{R}="","",IF(ISNUMBER({cl}),{tot}*{cl}/{gem},""))'
            v = euros[i][j] if w and euros[i][j] is not None else ""
            ws.write_formula(r, helper + 1 + j, text, None, v)
        e0 = f"{xl_col_to_name(helper + 1)}{R}"
        ws.write_formula(r, helper + 1 + n, f"=IF(ISNUMBER({e0}),{e0}-{i + 1}*1E-6,-1E+15-{i + 1})", None, keys[i])
        ws.write_formula(r, helper + 2 + n, f"=MATCH(LARGE({key_rng},{i + 1}),{key_rng},0)", None, order[i] + 1)
    # wijk names (when the model has them) in hidden columns, looked up by code
    names = sorted(data.wijknamen.items())
    name_col = helper + 3 + n
    for i, (code, naam) in enumerate(names):
        ws.write_string(first + i, name_col, code)
        ws.write_string(first + i, name_col + 1, naam)
    name_rng = (f"${xl_col_to_name(name_col)}${first + 1}:${xl_col_to_name(name_col + 1)}${first + max(1, len(names))}")
    for k in range(max_w):
        r = first + k
        R = r + 1
        idx = f"${xl_col_to_name(helper + 2 + n)}{R}"
        src = order[k]
        w = wijk_rows[src] if src < len(wijk_rows) and k < len(wijk_rows) else None
        ws.write_formula(r, 1, f'=IF({k + 1}<=$C$8,INDEX({codes},{idx}),"")', None, w.code if w else "")
        if names:
            ws.write_formula(r, 2, f'=IF($B{R}="","",IFERROR(VLOOKUP($B{R},{name_rng},2,FALSE),""))', None,
                             data.wijknamen.get(w.code, "") if w else "")
        for j in range(n):
            col = _rng(helper + 1 + j, first, first + max_w - 1)
            v = euros[src][j] if w and euros[src][j] is not None else ""
            ws.write_formula(r, 3 + j, f'=IF($B{R}="","",INDEX({col},{idx}))', st["euro"], v)
    rest = first + max_w
    ws.write_string(rest, 1, "", st["sub_label"])
    ws.write_string(rest, 2, "zonder wijkcijfer", st["sub_label"])
    for j in range(n):
        c = xl_col_to_name(3 + j)
        known = sum(e[j] for e in euros if e[j] is not None)
        ws.write_formula(rest, 3 + j, f"=ROUND({c}{total_row + 1}-SUM({c}{first + 1}:{c}{rest}),2)", st["euro_sub"],
                         round(totals[j] - known, 2))
    ws.conditional_format(first, 3, rest - 1, 2 + n, {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#5B9BD5"})
    ws.freeze_panes(head + 1, 3)
    _page(ws, (1, 0, rest, 2 + n))


def _page(ws: Any, area: tuple[int, int, int, int]) -> None:
    """As the export's other sheets (wmo_xl.excel.printing: A4, legible, as many pages wide as
    that needs, the label column repeated), protected against accidental edits."""
    printing.table_sheet(ws, area, title_cols=(1, 1))
    ws.protect("", {"format_columns": True})
