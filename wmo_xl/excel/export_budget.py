"""The Budget sheet of the exported workbook: base, scenario, difference, totals, 80% range.

Every cost cell is the formula of :func:`wmo_xl.costs.cost` (or ``scenario_cost``) in classic
Excel functions, reading the Menukaart by ``dienst`` (so sorting the table changes nothing):

    clienten x (aandeel x verzilveringsgraad x eenheden x prijs x (1 + indexatie)^(jaar - prijsjaar))

guarded so that a menu value that is empty, text, or out of MenuRow's range gives #VALUE!,
never a smaller number. Subtotals are SUMs over cost cells (an error cell fails the SUM),
totals add the subtotals with ``+``. The cached values come from the core itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from .. import horizon
from ..costs import Scenario, cost, scenario_cost
from ..eigen_bijdrage import PRESET_NOTE
from ..errors import WmoError
from ..indexatie import VNG, load_series
from ..menukaart import COLUMNS, OPTIONAL_COLUMNS, MenuRow
from ..modelinfo import model_line
from . import export_layout as L
from . import export_names as N
from . import charts, printing
from .export_data import ExportData

MENU_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
MENU_HEADER_ROW = 2  # 0-based: the Menukaart header is in Excel row 3
FIRST_YEAR_COL = 3  # years start in column D
BLOCKS = [("basis", "Kosten basis (EUR)", "Totaal basis"),
          ("scenario", "Kosten scenario (EUR)", "Totaal scenario"),
          ("verschil", "Verschil scenario - basis (EUR)", "Verschil totaal")]


def menu_ref(name: str, n_rows: int) -> str:
    """The absolute range of one Menukaart column's data rows."""
    col = xl_col_to_name(MENU_COLUMNS.index(name))
    return f"{L.MENU}!${col}${MENU_HEADER_ROW + 2}:${col}${MENU_HEADER_ROW + 1 + n_rows}"


def budget_years(data: ExportData, first_priced: int | None = None) -> list[int]:
    """The budget years of today (T+1 .. T+4) among the export's years; without them (an
    export of other years) its first five forecast years, or its last five years. Only years
    from ``first_priced`` on: a year before the VNG series' base year has no price level for
    the menukaart's ``vng`` rows, so it is no budget year (wmo_xl.indexatie)."""
    years = [y for y in data.years if first_priced is None or y >= first_priced]
    if not years:
        raise WmoError(f"the export's years end in {data.years[-1]}, before {first_priced}, the first year the VNG "
                       "indexation series prices (wmo_xl/data/indexatie.csv): export later years")
    wanted = [y for y in horizon.budget_years() if y in years]
    if wanted:
        return wanted
    future = [y for y in years if y > data.last_observed]
    return future[:5] if future else years[-5:]


@dataclass
class _Sheet:
    """Where things are on the sheet (Excel 1-based rows in formulas), filled while writing."""

    years: list[int]
    n_menu: int
    year_cells: list[str] = field(default_factory=list)
    used: dict[str, str] = field(default_factory=dict)  # scenario parameter -> cell with the value used
    client_rows: dict[str, int] = field(default_factory=dict)  # clients / lower / upper -> Excel row
    cat_first: int = 0
    cat_last: int = 0
    cost_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (basis|scenario|verschil, dienst) -> Excel row
    total_rows: dict[str, int] = field(default_factory=dict)  # basis|scenario|verschil -> Excel row of its total

    def col(self, j: int) -> str:
        return xl_col_to_name(FIRST_YEAR_COL + j)

    @property
    def code(self) -> str:
        """The column of each service's dienst code (right of the years): formulas read it;
        column B shows the Dutch omschrijving."""
        return xl_col_to_name(FIRST_YEAR_COL + len(self.years))

    def menu(self, name: str, r: int) -> str:
        return f"INDEX({menu_ref(name, self.n_menu)},MATCH(${self.code}{r + 1},{menu_ref('dienst', self.n_menu)},0))"

    def guard(self, r: int) -> str:
        """Every menu value a number within MenuRow's range (indexatie: a rate or "vng")."""
        checks = []
        for name, rule in N.COST_CHECKS.items():
            v = self.menu(name, r)
            checks += ([] if name in N.TEXT_ALLOWED else [f"ISNUMBER({v})"]) + [rule.format(v=v)]
        return f"AND({','.join(checks)})"

    def factor(self, r: int, j: int) -> str:
        """The row's price level in year column j: flat rate or the VNG level (sheet Indexatie)."""
        return N.price_factor(self.menu("indexatie", r), self.year_cells[j], self.menu("prijsjaar", r))

    def clients(self, r: int, j: int) -> str:
        """Clients of the row's category in year column j (the category read from the Menukaart)."""
        c = self.col(j)
        return (f"INDEX({c}${self.cat_first}:{c}${self.cat_last},"
                f"MATCH($C{r + 1},$B${self.cat_first}:$B${self.cat_last},0))")

    def base(self, r: int, j: int) -> str:
        m = self.menu
        value = (f"{self.clients(r, j)}*({m('aandeel', r)}*{m('verzilveringsgraad', r)}*{m('eenheden_per_client_per_jaar', r)}"
                 f"*{m('prijs', r)}*{self.factor(r, j)})")
        return f"=IF({self.guard(r)},{value},#VALUE!)"

    def scenario(self, r: int, j: int) -> str:
        """As Scenario.apply_row, client_factor and cost_factor of wmo_xl.costs."""
        m, u, y, cat = self.menu, self.used, self.year_cells[j], f"$C{r + 1}"
        client_factor = (f'IF(AND({cat}="hbh",{u["hbh_extra_clienten"]}<>0,OR({u["hbh_vanaf_jaar"]}="",'
                         f'{y}>={u["hbh_vanaf_jaar"]})),1+{u["hbh_extra_clienten"]},1)'
                         f'*IF(AND({cat}="hbh",{u["eigen_bijdrage"]}="ivb",{u["hbh_effect_ivb"]}<>0,{y}>={u["eigen_bijdrage_vanaf"]}),'
                         f'1+{u["hbh_effect_ivb"]},1)')
        cost_factor = (f'IF(AND({cat}="begeleiding",{u["substitutie_aandeel"]}<>0,OR({u["substitutie_vanaf_jaar"]}="",'
                       f'{y}>={u["substitutie_vanaf_jaar"]})),1-{u["substitutie_aandeel"]}+{u["substitutie_aandeel"]}*'
                       f'{u["substitutie_kostenfactor"]},1)')
        verz = f'IF({u["verzilveringsgraad"]}="",{m("verzilveringsgraad", r)},{u["verzilveringsgraad"]})'
        factor = f'IF({u["indexatie"]}="",{self.factor(r, j)},(1+{u["indexatie"]})^({y}-{m("prijsjaar", r)}))'
        value = (f"{self.clients(r, j)}*{client_factor}*({m('aandeel', r)}*{verz}*{m('eenheden_per_client_per_jaar', r)}"
                 f"*{m('prijs', r)}*{factor})*{cost_factor}")
        return f"=IF({self.guard(r)},{value},#VALUE!)"


def write_budget(ws: Any, data: ExportData, rows: list[MenuRow], st: dict[str, Any], wb: Any = None) -> _Sheet:
    """The whole sheet, top to bottom (with the workbook ``wb``: and its chart); returns where
    things are (the Realisatie and Wijken sheets read it)."""
    years = budget_years(data, load_series().base_year if any(r.indexatie == VNG for r in rows) else None)
    sh = _Sheet(years=years, n_menu=len(rows))
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 17)  # "abonnementstarief" fits
    ws.set_column(FIRST_YEAR_COL, FIRST_YEAR_COL + len(years) - 1, 13)
    ws.set_column(FIRST_YEAR_COL + len(years), FIRST_YEAR_COL + len(years), 20)  # dienst codes
    ws.write_string(1, 1, "Begroting Wmo: basis en scenario per dienst en jaar", st["title"])
    ws.write_string(2, 1, model_line(data.model_status), st["note"])
    _head(ws, data, sh, st)
    scenario = _scenario(ws, sh, st)
    ws.write_string(10 + len(L.SCENARIO), 4, PRESET_NOTE, st["note"])
    r, clients, totals = _clients(ws, data, sh, st, top=10 + len(L.SCENARIO) + 1)
    r, grand, total_rows = _costs(ws, data, rows, sh, st, clients, scenario, r + 1)
    last = _ranges(ws, sh, st, grand, totals, total_rows, r + 1)
    if wb is not None:
        last = printing.place_chart(ws, _chart(wb, sh, total_rows), last + 2, 1, width=560)[2]
    ws.freeze_panes(5, FIRST_YEAR_COL)
    printing.table_sheet(ws, (1, 0, last, FIRST_YEAR_COL + len(years)), title_rows=(4, 4))
    sh.total_rows = total_rows
    return sh


def _chart(wb: Any, sh: _Sheet, total_rows: dict[str, int]) -> Any:
    """The template's budget chart: total basis and scenario per year, value axis from 0."""
    cols = f"${sh.col(0)}${{r}}:${sh.col(len(sh.years) - 1)}${{r}}"
    return charts.budget_chart(wb, f"={L.BUDGET}!" + cols.format(r=5),
                               *(f"={L.BUDGET}!" + cols.format(r=total_rows[block]) for block in ("basis", "scenario")))


def _head(ws: Any, data: ExportData, sh: _Sheet, st: dict[str, Any]) -> None:
    """Gemeente (from the Forecast sheet), the budget years (inputs) and their distance to the data."""
    g = data.gemeenten[0]
    ws.write_string(3, 1, "Gemeente", st["label"])
    ws.write_formula(3, 2, f"={L.FORECAST}!$C$4", st["label"], g)
    # beside the gemeente: what became of an old code, else where to choose it (row 3 holds the model line)
    note = data.notes.get(g, "")
    inner = N.map_note_formula("$C$4")[1:]
    ws.write_formula(3, 3, f'=IF({inner}="","kies de gemeente op blad Forecast",{inner})', st["note"],
                     f"Let op: {note}" if note else "kies de gemeente op blad Forecast")
    ws.write_string(4, 1, "Begrotingsjaren (geel = invullen)", st["label"])
    ws.write_string(5, 1, "Jaren na laatste waarneming")
    ws.write_string(6, 1, "Status")
    n = len(sh.years)
    for j, y in enumerate(sh.years):
        c = FIRST_YEAR_COL + j
        ws.write_number(4, c, y, st["input_num"])
        sh.year_cells.append(f"{sh.col(j)}$5")
        ahead, state = L.status_formula(f"{sh.col(j)}$5", f"{sh.col(j)}6")
        ws.write_formula(5, c, ahead, st["int"], y - data.last_observed)
        ws.write_formula(6, c, state, st["status"], L.status(y, data.last_observed))
    # every year the export carries, and only those (its years may skip some: 2018, 2026-2030)
    listed = ",".join(map(str, data.years))
    rule = ({"validate": "list", "source": [str(y) for y in data.years]} if len(listed) <= 250  # Excel's limit for a typed list
            else {"validate": "integer", "criteria": "between", "minimum": data.years[0], "maximum": data.years[-1]})
    ws.data_validation(4, FIRST_YEAR_COL, 4, FIRST_YEAR_COL + n - 1, {
        **rule,
        "error_title": "Jaar buiten de prognosetabel", "error_message": f"Kies een jaar uit {', '.join(map(str, data.years))}"[:250]})


def _scenario(ws: Any, sh: _Sheet, st: dict[str, Any]) -> Scenario:
    """Parameters typed (inputs) and used: empty = the base's value, out of Scenario's range = #VALUE!."""
    ws.write_string(8, 1, "Scenarioparameters", st["h2"])
    ws.write_row(9, 1, ["parameter", "waarde", "gebruikt", "toelichting"], st["head"])
    fields: dict[str, Any] = {}
    for i, (key, default, note, blank, check) in enumerate(L.SCENARIO):
        r = 10 + i
        cell = f"$C${r + 1}"
        pct = isinstance(check, tuple) and key != "substitutie_kostenfactor"
        ws.write_string(r, 1, key)
        if default == L.FIRST_BUDGET_YEAR:  # follows the first budget year until the controller types a year
            default = sh.years[0]
            ws.write_formula(r, 2, f"={sh.year_cells[0].replace('$', '')}", st["input_num"], default)
        else:
            L.put(ws, r, 2, default, st["input_pct"] if pct else st["input_num"] if check is None else st["input"])
        if check == "eigen_bijdrage":
            ws.data_validation(r, 2, r, 2, {"validate": "list", "source": ["abonnementstarief", "ivb"]})
        if check == "eigen_bijdrage":  # as Scenario._ivb_certain: ivb needs its year, never both HbH effects
            at = {k: f"$D${10 + n + 1}" for n, (k, *_) in enumerate(L.SCENARIO)}
            text = (f'=IF(OR({cell}="",TRIM({cell})="abonnementstarief"),"abonnementstarief",IF(TRIM({cell})="ivb",'
                    f'IF(OR({at["eigen_bijdrage_vanaf"]}="",AND({at["hbh_extra_clienten"]}<>0,{at["hbh_effect_ivb"]}<>0)),#VALUE!,"ivb"),'
                    '#VALUE!))')
        elif check == "text":
            text = f'=IF({cell}="","",{cell}&"")'
        elif check is None:
            text = f'=IF({cell}="","",IF(ISNUMBER({cell}),IF({cell}=INT({cell}),{cell},#VALUE!),#VALUE!))'
        else:
            lo, hi = check
            empty = f'"{blank}"' if isinstance(blank, str) else repr(blank)
            text = f"=IF({cell}=\"\",{empty},IF(ISNUMBER({cell}),IF(AND({cell}>={lo},{cell}<={hi}),{cell},#VALUE!),#VALUE!))"
        L.formula(ws, r, 3, text, st["pct"] if pct else None, default if default is not None else blank)
        ws.write_string(r, 4, note, st["note"])
        sh.used[key] = f"$D${r + 1}"
        if default is not None:
            fields[key] = default
    return Scenario(**fields)


def _clients(ws: Any, data: ExportData, sh: _Sheet, st: dict[str, Any], top: int
             ) -> tuple[int, dict[tuple[str, int], float], dict[str, list[float]]]:
    """The gemeente total with its 80% range, and clients per cost category (total x share)."""
    g = data.gemeenten[0]
    ws.write_string(top, 1, "Wmo-clienten", st["head"])
    ws.write_string(top, 2, "", st["head"])
    for j, y in enumerate(sh.years):
        ws.write_formula(top, FIRST_YEAR_COL + j, f"={sh.year_cells[j]}", st["head_num"], y)
    row = data.row(g, "totaal")
    at = [data.years.index(y) for y in sh.years]
    totals = {"clients": [row.clients[k] for k in at], "lower": [row.lower[k] for k in at], "upper": [row.upper[k] for k in at]}
    for k, (label, block, key) in enumerate([("Clienten gemeente (prognose)", N.CLIENTS, "clients"),
                                             ("Clienten ondergrens (80%)", N.LOWER, "lower"),
                                             ("Clienten bovengrens (80%)", N.UPPER, "upper")]):
        r = top + 1 + k
        sh.client_rows[key] = r + 1
        ws.write_string(r, 1, label)
        for j in range(len(sh.years)):
            v = f'INDEX({block},MATCH($C$4&"|totaal",{N.KEY},0),MATCH({sh.year_cells[j]},{N.YEARS},0))'
            L.formula(ws, r, FIRST_YEAR_COL + j, f"={v}", st["count"], totals[key][j])
    first = top + 4
    clients: dict[tuple[str, int], float] = {}
    for i, cat in enumerate(data.share_categories):
        r = first + i
        ws.write_string(r, 1, cat)
        for j, y in enumerate(sh.years):
            clients[(cat, y)] = totals["clients"][j] * data.shares[(g, cat)][at[j]]
            share = f'INDEX({N.SHARE},MATCH($C$4&"|"&$B{r + 1},{N.SHARE_KEY},0),MATCH({sh.year_cells[j]},{N.SHARE_YEARS},0))'
            L.formula(ws, r, FIRST_YEAR_COL + j, f"={sh.col(j)}${sh.client_rows['clients']}*{share}", st["count"], clients[(cat, y)])
    sh.cat_first, sh.cat_last = first + 1, first + len(data.share_categories)
    return first + len(data.share_categories), clients, totals


def _costs(ws: Any, data: ExportData, rows: list[MenuRow], sh: _Sheet, st: dict[str, Any],
           clients: dict[tuple[str, int], float], scenario: Scenario, r: int) -> tuple[int, dict[str, list[float]], dict[str, int]]:
    """Three stacked blocks (basis, scenario, verschil): services by category, subtotals, a total."""
    n = len(sh.years)
    order = [row for cat in data.share_categories for row in rows if row.categorie == cat]
    values: dict[str, dict[str, list[float]]] = {"basis": {}, "scenario": {}, "verschil": {}}
    for row in order:
        b = [cost(row, clients[(row.categorie, y)], y) for y in sh.years]
        s = [scenario_cost(row, clients[(row.categorie, y)], y, scenario) for y in sh.years]
        values["basis"][row.dienst], values["scenario"][row.dienst] = b, s
        values["verschil"][row.dienst] = [x - y for x, y in zip(s, b)]
    at: dict[tuple[str, str], int] = {}
    grand: dict[str, list[float]] = {}
    total_rows: dict[str, int] = {}
    for block, title, total_label in BLOCKS:
        ws.write_string(r + 1, 1, title, st["h2"])
        ws.write_row(r + 2, 1, ["Dienst", "Categorie"], st["head"])
        for j, y in enumerate(sh.years):
            ws.write_formula(r + 2, FIRST_YEAR_COL + j, f"={sh.year_cells[j]}", st["head_num"], y)
        ws.write_string(r + 2, FIRST_YEAR_COL + n, "dienst (code)", st["head"])
        r += 3
        sub_rows: list[int] = []
        grand[block] = [0.0] * n
        for cat in data.share_categories:
            services = [row for row in order if row.categorie == cat]
            if not services:
                continue
            first = r
            for row in services:
                at[(block, row.dienst)] = r + 1
                ws.write_string(r, 1, row.omschrijving or row.dienst, st["label_wrap"])
                printing.wrap_height(ws, r, {1: row.omschrijving})
                ws.write_string(r, FIRST_YEAR_COL + n, row.dienst, st["code"])
                L.formula(ws, r, 2, f"=INDEX({menu_ref('categorie', sh.n_menu)},MATCH(${sh.code}{r + 1},{menu_ref('dienst', sh.n_menu)},0))",
                          None, row.categorie)
                for j in range(n):
                    if block == "basis":
                        text = sh.base(r, j)
                    elif block == "scenario":
                        text = sh.scenario(r, j)
                    else:
                        text = f"={sh.col(j)}{at[('scenario', row.dienst)]}-{sh.col(j)}{at[('basis', row.dienst)]}"
                    L.formula(ws, r, FIRST_YEAR_COL + j, text, st["euro"], values[block][row.dienst][j])
                r += 1
            ws.write_string(r, 1, f"Subtotaal {cat}", st["sub_label"])
            ws.write_string(r, 2, "", st["sub_label"])
            for j in range(n):
                sub = sum(values[block][row.dienst][j] for row in services)
                L.formula(ws, r, FIRST_YEAR_COL + j, f"=SUM({sh.col(j)}{first + 1}:{sh.col(j)}{r})", st["euro_sub"], sub)
                grand[block][j] += sub
            sub_rows.append(r + 1)
            r += 1
        ws.write_string(r, 1, total_label, st["tot_label"])
        ws.write_string(r, 2, "", st["tot_label"])
        for j in range(n):
            L.formula(ws, r, FIRST_YEAR_COL + j, "=" + "+".join(f"{sh.col(j)}{s}" for s in sub_rows), st["euro_tot"], grand[block][j])
        total_rows[block] = r + 1
        r += 1
    sh.cost_rows = at
    return r, grand, total_rows


def _ranges(ws: Any, sh: _Sheet, st: dict[str, Any], grand: dict[str, list[float]], totals: dict[str, list[float]],
            total_rows: dict[str, int], r: int) -> int:
    """The 80% range in euros: costs are linear in the gemeente total, so the totals scale with
    it; then the note on how costs are computed. Returns the last row used."""
    ws.write_string(r, 1, "Bandbreedte (80%) in euro", st["h2"])
    ws.write_string(r + 1, 1, "", st["head"])
    ws.write_string(r + 1, 2, "", st["head"])
    for j, y in enumerate(sh.years):
        ws.write_formula(r + 1, FIRST_YEAR_COL + j, f"={sh.year_cells[j]}", st["head_num"], y)
    r += 2
    for block in ("basis", "scenario"):
        for bound, label in (("lower", "ondergrens"), ("upper", "bovengrens")):
            ws.write_string(r, 1, f"Totaal {block} {label} (80%)", st["tot_label"])
            ws.write_string(r, 2, "", st["tot_label"])
            for j in range(len(sh.years)):
                c = sh.col(j)
                value = grand[block][j] * totals[bound][j] / totals["clients"][j]
                text = f"={c}{total_rows[block]}*{c}{sh.client_rows[bound]}/{c}{sh.client_rows['clients']}"
                L.formula(ws, r, FIRST_YEAR_COL + j, text, st["euro_tot"], value)
            r += 1
    return printing.note(ws, r + 1, 1, FIRST_YEAR_COL + len(sh.years) - 1, "Kosten = clienten x aandeel x verzilveringsgraad x eenheden x prijs x (1 + indexatie)^(jaar - prijsjaar) "
                    "(indexatie 'vng': het prijsniveau van het jaar / dat van het prijsjaar, blad Indexatie, VNG: 90% OVA + 10% PCC); "
                    "clienten per categorie = prognose totaal x aandeel (blad Aandelen: uit de modelprognose van de categorie waar het model die heeft). De bandbreedte schaalt het totaal met "
                    "onder- en bovengrens van de clienten. Een lege of ongeldige prijs geeft #WAARDE!, nooit een te laag totaal.", st["note_wrap"])
