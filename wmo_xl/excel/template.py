"""Build the template ``workbook/wmo_xl.xlsm``: xlsxwriter for the sheets, pyOpenVBA for the VBA.

Why xlsxwriter: it embeds the xlwings standalone VBA project byte for byte, writes cached
results for formulas (so the sheets show real numbers in any spreadsheet program before
Python runs), dynamic-array spill ranges, data validation, charts and form buttons. Then
:mod:`wmo_xl.excel.vba` adds the UDF wrappers and the button subs as VBA modules, so users
need no "Import Functions" step and no "Trust access to the VBA project object model".

The sheets call three block functions (one COM round trip each): WMO_FORECAST_SHEET,
WMO_BUDGET and WMO_MODEL_INFO. Every cached value is computed by calling the UDF itself
with the arguments the formula passes, so the cache is exactly what Excel will show after
recalculation.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .. import horizon
from ..bundle import get_bundle
from ..eigen_bijdrage import NOTES as EB_NOTES
from ..eigen_bijdrage import PRESET_NOTE
from ..indexatie import load_series
from ..menukaart import COLUMNS, OPTIONAL_COLUMNS, load_category_shares, load_menu
from ..modelinfo import backtest_rows
from ..wijken import gemeente_list
from . import contract as C
from . import charts, printing, udfs, vba
from . import indexatie_sheet as IX

DEFAULT_GEMEENTE = "GM0200"  # Apeldoorn: 16 wijken, a typical mid-size gemeente
MAX_WIJKEN = 120  # rows formatted for the wijk list (Amsterdam with Weesp has 106)
MENU_ROWS = 60  # rows of the Menukaart name (room to add services)
BUDGET_YEAR_CELLS = 5
EMPTY = "\u00a0"  # cached value of a shown cell whose block value is empty (see _shown_block)
XLWINGS_VERSION = C.XLWINGS_VERSION

#: A scenario start year that follows the first budget year (a formula on the sheet).
FIRST_BUDGET_YEAR = "eerste begrotingsjaar"

SCENARIO_FIELDS = [
    ("naam", "Scenario A", "naam van het scenario (bv. duurder + eigen trajecten)"),
    ("indexatie", 0.04, "prijsindexatie per jaar voor alle diensten (leeg = als menukaart)"),
    ("verzilveringsgraad", None, "verzilveringsgraad voor alle diensten (leeg = als menukaart)"),
    ("hbh_extra_clienten", 0.05, "extra HbH-clienten, bv. 0,05 = +5% (abonnementstarief)"),
    ("hbh_vanaf_jaar", FIRST_BUDGET_YEAR, "vanaf welk jaar de extra HbH-vraag geldt (standaard: het eerste begrotingsjaar)"),
    ("substitutie_aandeel", 0.2, "deel van begeleiding via eigen trajecten"),
    ("substitutie_kostenfactor", 0.5, "kosten eigen traject t.o.v. ingekochte zorg (Oirschot: ca. 0,5)"),
    ("substitutie_vanaf_jaar", FIRST_BUDGET_YEAR, "vanaf welk jaar de substitutie geldt (standaard: het eerste begrotingsjaar)"),
    ("eigen_bijdrage", "abonnementstarief", EB_NOTES["eigen_bijdrage"]),
    ("eigen_bijdrage_vanaf", None, EB_NOTES["eigen_bijdrage_vanaf"] + " (verplicht bij ivb)"),
    ("hbh_effect_ivb", None, EB_NOTES["hbh_effect_ivb"] + "; niet samen met hbh_extra_clienten"),
]


def xlwings_template() -> Path:
    """The quickstart standalone workbook shipped inside the installed xlwings wheel."""
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


def vba_project_bytes() -> bytes:
    """xl/vbaProject.bin of the xlwings standalone template (xlwings VBA module + SampleCall)."""
    with zipfile.ZipFile(xlwings_template()) as z:
        return z.read("xl/vbaProject.bin")


def budget_years(today: date, last_observed: int) -> tuple[list[int], str]:
    """Default budget years: T+1 (begroting) and T+2 .. T+4 (meerjarenraming), and a note.

    The model answers these years whatever the age of its data (:mod:`wmo_xl.horizon`);
    the note says when some of them lie so far beyond the data that they are extrapolation.
    """
    years = horizon.budget_years(today)
    note = (f"Standaard: begrotingsjaar {years[0]} en meerjarenraming {years[1]}-{years[-1]} "
            f"(gemaakt op {today.isoformat()}).")
    far = horizon.far_years(years, last_observed)
    if far:
        note += (f" Laatste CBS-cijfers: {last_observed}; {', '.join(map(str, far))} "
                 f"{'ligt' if len(far) == 1 else 'liggen'} meer dan {horizon.EXTRAPOLATION_AFTER} jaar verder: extrapolatie. "
                 "Ververs met CBS-cijfers of hertrain op eigen cijfers (blad Data).")
    return years, note


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F3864"})
        self.h2 = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F3864"})
        self.head = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1})
        self.head_wrap = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1, "text_wrap": True,
                                        "valign": "top"})
        self.head_num = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1, "num_format": "0"})
        self.label = wb.add_format({"bold": True})
        self.text = wb.add_format({"text_wrap": True, "valign": "top"})
        self.label_wrap = wb.add_format({"text_wrap": True})  # a row label that may wrap: its last line beside the row's figures
        self.note_nowrap = wb.add_format({"italic": True, "font_color": "#595959"})
        self.note = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        self.input = wb.add_format({"bg_color": "#FFF2CC", "border": 1})
        self.input_pct = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "num_format": "0.0%"})
        self.input_num = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "num_format": "0"})
        self.count = wb.add_format({"num_format": "#,##0"})
        self.count_obs = wb.add_format({"num_format": "#,##0", "bg_color": "#E7E6E6"})
        self.count_bold = wb.add_format({"num_format": "#,##0", "bold": True, "top": 1})
        self.euro = wb.add_format({"num_format": "€ #,##0"})
        self.euro_sub = wb.add_format({"num_format": "€ #,##0", "bold": True, "bg_color": "#DDEBF7"})
        self.euro_tot = wb.add_format({"num_format": "€ #,##0", "bold": True, "top": 2, "bg_color": "#BDD7EE"})
        self.sub_label = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
        self.tot_label = wb.add_format({"bold": True, "top": 2, "bg_color": "#BDD7EE"})
        self.dec = wb.add_format({"num_format": "0.000"})
        self.pct = wb.add_format({"num_format": "0.0%"})
        self.small = wb.add_format({"font_size": 10, "font_color": "#595959", "num_format": "0"})
        self.left = wb.add_format({"align": "left"})




def _abs(ref: str) -> str:
    """'D5:H5' -> '$D$5:$H$5'."""
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)


def _formula(ws: Any, cell: str, formula: str, fmt: Any, value: Any) -> None:
    """A formula with its cached value (text results such as '#WMO! ...' stay text)."""
    ws.write_formula(cell, formula, fmt, "" if value is None else value)


def _cell_of(ref: str) -> tuple[int, int]:
    from xlsxwriter.utility import xl_cell_to_rowcol

    return xl_cell_to_rowcol(ref)


def _shown_block(ws: Any, anchor: str, reken: Any, reken_anchor: str, formula: str, values: list[list[Any]],
                 fmt: Callable[[int, int, Any], Any], spare_rows: int = 0, spare_cols: int = 0,
                 line_row: int | None = None,
                 show: Callable[[int, str, Any], tuple[str, Any]] | None = None) -> tuple[int, int]:
    """A block function spilling on the hidden Reken sheet, shown cell by cell at ``anchor``.

    The spill carries every cell's cached value; each shown cell is
    ``=IF(Reken!X="","",Reken!X)`` with the same cached value, and ``spare_rows`` /
    ``spare_cols`` more such cells let the block grow (more wijken, more services).
    ``fmt(i, j, value)`` picks each shown cell's format. ``line_row``: a row whose only value
    is its first cell (the model line); the cells right of it stay empty so the text shows
    in full. ``show(j, src, value)``, when given, returns another (formula, cached value) for
    a shown cell (None: the plain one), e.g. a Dutch label for an identifier. Returns the
    block's (rows, columns).
    """
    rows, cols = len(values), max(len(r) for r in values)
    r0, c0 = _cell_of(reken_anchor)
    ref = f"{xl_rowcol_to_cell(r0, c0)}:{xl_rowcol_to_cell(r0 + rows - 1, c0 + cols - 1)}"
    first = values[0][0]
    reken.write_dynamic_array_formula(ref, formula, None, "" if first is None else first)
    for i, row in enumerate(values):
        for j in range(cols):
            v = row[j] if j < len(row) else None
            if i == 0 and j == 0:
                continue
            if v is None:
                continue
            if isinstance(v, str):
                reken.write_string(r0 + i, c0 + j, v)
            else:
                reken.write_number(r0 + i, c0 + j, v)
    t0, l0 = _cell_of(anchor)
    for i in range(rows + spare_rows):
        for j in range(cols + spare_cols):
            v = values[i][j] if i < rows and j < len(values[i]) else None
            if i == line_row and j > 0:
                continue
            src = f"{C.REKEN}!{xl_rowcol_to_cell(r0 + i, c0 + j)}"
            # an empty result is cached as a no-break space: LibreOffice recalculates a formula
            # cell whose cached value is empty (or blank XML text), and it cannot compute the
            # spill (no Python); Excel shows "" after its first recalculation
            shown = show(j, src, v) if show else None
            formula, cached = shown or (f'=IF({src}="","",{src})', v)
            _formula(ws, xl_rowcol_to_cell(t0 + i, l0 + j), formula, fmt(i, j, v), EMPTY if cached is None else cached)
    return rows, cols


def build_workbook(out: str | Path = "workbook/wmo_xl.xlsm", model: str | Path | None = None, gemeente: str = DEFAULT_GEMEENTE,
                   today: date | None = None) -> Path:
    """Write the template atomically and return its path.

    ``today`` sets the default budget years (the years after it); it defaults to today.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".xlsm", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write(tmp, model, gemeente, today or date.today())
        vba.write_modules(tmp, {C.VBA_UDF_MODULE: vba.udf_wrapper_source(out.name), C.VBA_MACRO_MODULE: vba.macro_source()})
        tmp.chmod(0o644)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _write(path: Path, model: str | Path | None, gemeente: str, today: date) -> None:
    bundle = get_bundle(model)
    est = bundle.model("totaal")
    first, origin = int(est.first_year), int(est.origin)
    last = horizon.reach(origin, int(est.max_horizon), today)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": "wmo_xl: Wmo-prognose en begroting", "comments": "Bron: CBS (CC BY 4.0). Gemaakt met wmo-xl build-workbook."})
    wb.set_custom_property("wmo_xl_built_for", today.isoformat())
    # No full recalculation on open: the cached values show until Python is there; without
    # this, Excel or LibreOffice would open on a sea of #NAME?.
    wb.calc_on_load = False
    wb.set_calc_mode("auto", calc_id=191029)  # a current calc engine id: no forced full recalc in Excel 365
    st = _Styles(wb)
    with tempfile.TemporaryDirectory() as d:
        vba_bin = Path(d) / "vbaProject.bin"
        vba_bin.write_bytes(vba_project_bytes())
        wb.add_vba_project(str(vba_bin))
        wb.set_vba_name("ThisWorkbook")
        sheets = {name: wb.add_worksheet(name) for name in C.SHEETS}
        # code names: the standalone project has document modules Sheet1 (first) and Sheet2
        # (the xlwings.conf sheet); the other sheets get fresh ones
        sheets[C.START].set_vba_name("Sheet1")
        sheets[C.CONF].set_vba_name("Sheet2")
        for i, name in enumerate([n for n in C.SHEETS if n not in (C.START, C.CONF)], start=3):
            sheets[name].set_vba_name(f"Sheet{i}")
        names = gemeente_list(model)
        categories = model_categories(bundle)
        _lists(wb, sheets[C.LISTS], names, categories, st)
        years_fc = list(range(origin + 1, origin + 6))
        reken = sheets[C.REKEN]
        reken.write_string("A1", "Rekenblad: de blokfuncties (een aanroep per blad); de andere bladen tonen deze waarden.")
        printing.technical(reken)
        _forecast(wb, sheets[C.FORECAST], reken, gemeente, names, list(range(first, origin + 1)) + years_fc, origin, categories, st)
        menu_rows = _menukaart(wb, sheets[C.MENUKAART], st)
        index_values = _indexatie(wb, sheets[C.INDEXATIE])
        years, note = budget_years(today, origin)
        _budget(wb, sheets[C.BUDGET], reken, gemeente, years, note, menu_rows, st, index_values)
        from .template_realisatie import realisatie_year, write_realisatie, write_wijken

        write_realisatie(wb, sheets[C.REALISATIE], reken, gemeente, realisatie_year(today, origin, last, years), st)
        write_wijken(wb, sheets[C.WIJKEN], reken, gemeente, years, BUDGET_YEAR_CELLS, st)
        _start(sheets[C.START], bundle, origin, last, st)
        _data(sheets[C.DATA], gemeente, est, st)
        _model(sheets[C.MODEL], reken, bundle, st)
        _conf(sheets[C.CONF], st)
        wb.close()


def model_categories(bundle: Any) -> list[str]:
    """The categories the bundle forecasts, in the order of :data:`wmo_xl.data.CATEGORIES`
    (the bundled national model: totaal, hbh): what the Forecast sheet's dropdown offers."""
    from ..data import CATEGORIES

    return [c for c in CATEGORIES if c in bundle.models]


def _lists(wb: Any, ws: Any, names: dict[str, str], categories: list[str], st: Any) -> None:
    ws.write_row(0, 0, ["gemeente", "naam", "categorie"], st.head)
    for i, (code, name) in enumerate(names.items(), start=1):
        ws.write_string(i, 0, code)
        ws.write_string(i, 1, name)
    for i, cat in enumerate(categories, start=1):
        ws.write_string(i, 2, cat)
    sheet, cell = C.MODEL_STAMP_CELL
    ws.write_string("E1", "modelstempel (de knoppen schrijven hier na hertrainen of terugzetten)", st.head)
    ws.write_string(cell, "landelijk model (sjabloon)")
    wb.define_name(C.MODEL_STAMP_NAME, f"={sheet}!${cell[0]}${cell[1:]}")
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 28)
    ws.set_column(4, 4, 40)
    printing.technical(ws)


def _start(ws: Any, bundle: Any, origin: int, last: int, st: Any) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 96)
    ws.hide_gridlines(2)
    years = bundle.manifest.get("training_years", {}).get("totaal", [])
    span = f"{years[0]}-{years[-1]}" if years else f"t/m {origin}"
    lines: list[tuple[str, Any]] = [
        ("wmo_xl: Wmo-prognose en begroting in Excel", st.title),
        ("Prognose van het aantal Wmo-clienten per wijk en gemeente (bij ongewijzigd beleid), met een 80%-bandbreedte, "
         "en de kosten per dienst uit uw eigen menukaart. Werkt offline met het meegeleverde landelijke model "
         f"(CBS-cijfers {span}); met de knop Hertrainen kalibreert u het op uw eigen cijfers.", st.text),
        (f"Actualiteit: de laatste CBS-waarneming in het model is {origin}; het rekent tot {last}. De bladen Forecast en Budget tonen "
         f"per kolom hoeveel jaar die voorbij de data ligt; meer dan {udfs.EXTRAPOLATION_AFTER} jaar heet er 'extrapolatie'.", st.text),
        ("", None),
        ("Installatie (eenmalig, zie docs/install-windows.md voor IT)", st.h2),
        ("1. Python 3.11 of nieuwer (64-bit, python.org), voor de gebruiker geinstalleerd.", st.text),
        ("2. Opdrachtprompt:  py -m pip install -c constraints/excel-tested.txt \"wmo_xl @ <pad of URL van de broncode>\"   "
         f"(dit installeert ook xlwings {C.XLWINGS_VERSION}, de versie van de VBA-code in dit bestand).", st.text),
        ("3. Opdrachtprompt:  wmo-xl setup-excel <pad naar deze werkmap>   (schrijft het pad naar pythonw.exe op het verborgen blad xlwings.conf; "
         "de werkmap moet daarbij gesloten zijn).", st.text),
        ("4. Het bestand komt uit internet of e-mail? Rechtsklik > Eigenschappen > 'Blokkering opheffen', of zet het in een "
         "vertrouwde locatie. Macro's moeten mogen draaien; Defender-regel 'Office mag geen onderliggende processen maken' "
         "moet een uitzondering hebben voor pythonw.exe.", st.text),
        ("De functies (WMO_FORECAST, WMO_BUDGET, ...) zitten al in de werkmap: geen 'Functies importeren', geen toegang tot "
         "het VBA-objectmodel nodig. Tot Python er is, toont de werkmap de opgeslagen waarden van het landelijke model.", st.text),
        ("Voor IT: Python rekent in pythonw.exe, door Excel gestart als COM-server van de gebruiker (UDF-server, registratie onder "
         "HKEY_CURRENT_USER, geen beheerrechten). Nodig: macro's toegestaan (ondertekend, vertrouwde locatie of blokkering opgeheven), "
         "een ASR-uitzondering voor pythonw.exe, en Python 3.11+ met dezelfde bitness als Office. Details: docs/install-windows.md.", st.text),
        ("", None),
        ("Zo gebruikt u het (5 stappen)", st.h2),
        ("1. Forecast: kies uw gemeente in de keuzelijst (cel C4). U ziet het gemeentetotaal met onder- en bovengrens en de "
         "clienten per wijk: grijs = CBS-waarneming, wit = prognose.", st.text),
        ("2. Menukaart: pas prijzen, eenheden, aandelen en verzilveringsgraad aan uw contracten aan. Elke wijziging rekent de begroting direct door.", st.text),
        ("3. Budget: vul de begrotingsjaren in (gele cellen) en de scenarioparameters; u ziet basis, scenario en verschil per dienst, "
         "subtotalen per categorie, het totaal en de 80%-bandbreedte van het totaal in euro.", st.text),
        ("4. Data: plak uw eigen cijfers (kolommen wijk, jaar, clienten) onder de kopregel en klik Hertrainen. Het blad Controle toont "
         "afgekeurde regels; het model van deze werkmap wordt naast het bestand opgeslagen. 'Terug naar landelijk model' zet dit terug. "
         "De bestandsnaam mag u vrij kiezen.", st.text),
        ("5. Model: toont welk model deze werkmap gebruikt (eigen of landelijk, en waarom), de trainingsjaren en de backtest-nauwkeurigheid.", st.text),
        ("", None),
        ("Foutmeldingen", st.h2),
        ("Een cel die begint met #WMO! zegt wat er mis is en wat wel kan (bv. '#WMO! unknown wijk WK999901'). Een subtotaal of totaal "
         "waarin zo'n cel meetelt, toont ook #WMO! (nooit een te laag bedrag). #N/A betekent dat een verplichte cel leeg is. "
         "#NAME? betekent dat macro's uit staan of Python niet gevonden wordt (zie Installatie).", st.text),
        ("", None),
        ("Bronnen en licentie", st.h2),
        ("Bron: CBS (StatLine, CC BY 4.0): Wmo-clienten per wijk (83267NED, 83620NED, 83818NED, 84421NED), Kerncijfers wijken en buurten "
         "(83220NED, 83487NED, 83765NED, 84286NED), HbH per wijk (84751NED, 84752NED), gemeentelijke Wmo-uitgaven (84580NED). "
         "Tarieven menukaart: gemeente Westerveld 2023, PGB-tarieven Zeist 2022; regels met 'aanname' zijn schattingen. "
         "Prognoses zijn modeluitkomsten, geen CBS-statistieken. wmo_xl is open source (MIT).", st.text),
    ]
    for i, (text, fmt) in enumerate(lines, start=1):
        if text:
            ws.write_string(i, 1, text, fmt)
            if fmt is st.text:
                printing.wrap_height(ws, i, {1: text})
    printing.text_page(ws, (1, 0, len(lines), 1))


def _forecast(wb: Any, ws: Any, reken: Any, gemeente: str, names: dict[str, str], years: list[int], origin: int,
              categories: list[str], st: Any) -> None:
    n = len(years)
    last_col = 2 + n - 1
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 36)
    ws.set_column(2, last_col, 10, st.count)
    ws.write_string("B2", "Wmo-clienten per wijk: waarneming en prognose", st.title)
    ws.write_string("B4", "Gemeente", st.label)
    ws.write_string(C.FORECAST_GEMEENTE, gemeente, st.input)
    ws.data_validation(C.FORECAST_GEMEENTE, {"validate": "list", "source": f"={C.LISTS}!$A$2:$A${len(names) + 1}",
                                             "error_title": "Onbekende gemeente", "error_message": "Kies een gemeentecode uit de lijst."})
    _formula(ws, "D4", f"=IFERROR(VLOOKUP(C4,{C.LISTS}!$A$2:$B$1000,2,FALSE),\"\")", st.label, names.get(gemeente, ""))
    ws.write_string("B5", "Categorie", st.label)
    ws.write_string(C.FORECAST_CATEGORY, "totaal", st.input)
    ws.data_validation(C.FORECAST_CATEGORY, {"validate": "list", "source": categories,
                                             "error_title": "Onbekende categorie",
                                             "error_message": f"Het model voorspelt: {', '.join(categories)}."})
    printing.note_beside(ws, 3, 5, last_col, f"Grijs: CBS-waarneming (t/m {origin}); wit: prognose bij ongewijzigd beleid. De jaren in rij 7 mag u "
                  f"aanpassen. Meer dan {udfs.EXTRAPOLATION_AFTER} jaar na de laatste waarneming: extrapolatie (zie rij Status).", st.note,
                         max_rows=C.FORECAST_YEARS_ROW - 4)  # rows 4 up to the year row
    row = C.FORECAST_YEARS_ROW - 1
    ws.write_string(row, 1, "Jaar", st.head)
    for j, y in enumerate(years):
        ws.write_number(row, 2 + j, y, st.head_num)
    year_ref = f"$C${row + 1}:${xl_col_to_name(last_col)}${row + 1}"
    values = udfs.wmo_forecast_sheet(gemeente, years, "totaal")
    top = int(C.FORECAST_BLOCK[1:]) - 1

    def fmt(i: int, j: int, v: Any) -> Any:
        if i == 6:
            return st.head if j == 0 else st.head_num
        if i == udfs.FORECAST_MODEL_ROW:
            return st.note_nowrap
        if j == 0:
            return st.label if i in (0, 3, 4) else None
        if i in (3, 4):
            return st.small
        y = years[j - 1]
        return st.count_obs if (y <= origin and v is not None) else st.count

    f = C.FORECAST
    formula = f"=WMO_FORECAST_SHEET({f}!{_abs(C.FORECAST_GEMEENTE)},{f}!{year_ref},{f}!{_abs(C.FORECAST_CATEGORY)},{C.MODEL_STAMP_NAME})"
    rows, _ = _shown_block(ws, C.FORECAST_BLOCK, reken, C.REKEN_FORECAST, formula, values, fmt,
                           spare_rows=MAX_WIJKEN - (len(values) - 7), line_row=udfs.FORECAST_MODEL_ROW)
    # observed years grey below the block too (conditional on the year header, so it follows edits)
    ws.conditional_format(top + 7, 2, top + 7 + MAX_WIJKEN, last_col, {
        "type": "formula", "criteria": f"=AND(C${row + 1}<={origin},C{top + 8}<>\"\")", "format": wb.add_format({"bg_color": "#E7E6E6"})})
    ws.freeze_panes(row + 1, 2)
    f = C.FORECAST
    chart = charts.forecast_chart(wb, f"={f}!{year_ref}", [f"={f}!$C${top + 1 + k}:${xl_col_to_name(last_col)}${top + 1 + k}" for k in range(3)])
    chart_cells = printing.place_chart(ws, chart, 1, last_col + 2)  # beside the table, printed on a page of its own
    printing.table_sheet(ws, (1, 0, top + rows - 1, last_col), title_rows=(top + 6, top + 6), extra_areas=[chart_cells])


def _indexatie(wb: Any, ws: Any) -> list[list[Any]]:
    """The Indexatie sheet; returns its range's values as WMO_BUDGET receives them (for the cached block)."""
    series = load_series()
    IX.write(wb, ws, series, IX.formats(wb))
    values: list[list[Any]] = [IX.COLUMNS_SHOWN]
    level = 1.0
    for r in series.rows:
        level *= 1.0 + r.gewogen
        values.append([r.jaar, r.ova, r.pcc, r.gewogen, r.status, r.bron, level])
    return values + [[None] * len(IX.COLUMNS_SHOWN)] * IX.SPARE_ROWS


def _budget(wb: Any, ws: Any, reken: Any, gemeente: str, years: list[int], note: str, rows: list[Any], st: Any,
            index_values: list[list[Any]] | None = None) -> None:
    cats = list(load_category_shares())
    menu_values = [COLUMNS + OPTIONAL_COLUMNS] + [[getattr(r, c) for c in COLUMNS + OPTIONAL_COLUMNS] for r in rows]
    menu_values += [[None] * len(menu_values[0])] * (MENU_ROWS - len(menu_values))
    scen_values = [[k, years[0] if v == FIRST_BUDGET_YEAR else v] for k, v, _ in SCENARIO_FIELDS]
    n = len(years)
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 40)
    ws.set_column("C:C", 17)  # "abonnementstarief" fits
    ws.set_column(3, 3 + 3 * (BUDGET_YEAR_CELLS + 1), 14, st.euro)
    ws.write_string("B2", "Begroting Wmo: basis en scenario per dienst en jaar", st.title)
    ws.write_string("B4", "Gemeente", st.label)
    _formula(ws, C.BUDGET_GEMEENTE, f"={C.FORECAST}!{C.FORECAST_GEMEENTE}", st.label, gemeente)
    ws.write_string("B5", "Jaren (geel = invullen)", st.label)
    first_year_cell = C.BUDGET_YEARS.split(":")[0]
    y_row, y_col = int(first_year_cell[1:]) - 1, ord(first_year_cell[0]) - ord("A")
    for j in range(BUDGET_YEAR_CELLS):
        if j < n:
            ws.write_number(y_row, y_col + j, years[j], st.input_num)
        else:
            ws.write_blank(y_row, y_col + j, None, st.input_num)
    # the sheet prints several pages across with B:C repeated on each: this note stays in D:G
    # (a merged cell across B:C or a page break would be cut)
    printing.note(ws, y_row + 1, 3, 6, f"{note} Lege jaarcellen tellen niet mee. Status 'extrapolatie': "
                  f"het cijfer ligt meer dan {udfs.EXTRAPOLATION_AFTER} jaar na de laatste CBS-waarneming.", st.note)
    ws.write_string(6, 1, "Scenarioparameters", st.h2)
    ws.write_row(7, 1, ["parameter", "waarde"], st.head)
    ws.write_string(7, 3, "toelichting", st.head)
    p0 = 8
    for i, (key, value, pnote) in enumerate(SCENARIO_FIELDS):
        ws.write_string(p0 + i, 1, key)
        f = st.input_pct if key in ("indexatie", "verzilveringsgraad", "hbh_extra_clienten", "substitutie_aandeel", "hbh_effect_ivb") else st.input
        if key == "eigen_bijdrage":
            ws.data_validation(p0 + i, 2, p0 + i, 2, {"validate": "list", "source": ["abonnementstarief", "ivb"]})
        if value is None:
            ws.write_blank(p0 + i, 2, None, f)
        elif value == FIRST_BUDGET_YEAR:  # follows the first year cell until the controller types a year
            ws.write_formula(p0 + i, 2, f"={first_year_cell}", st.input_num, years[0])
        elif isinstance(value, str):
            ws.write_string(p0 + i, 2, value, st.input)
        else:
            ws.write_number(p0 + i, 2, value, f)
        ws.write_string(p0 + i, 3, pnote, st.note_nowrap)
    ws.write_string(p0 + len(SCENARIO_FIELDS), 3, PRESET_NOTE, st.note_nowrap)
    top = p0 + len(SCENARIO_FIELDS) + 1
    values = udfs.wmo_budget(gemeente, years + [None] * (BUDGET_YEAR_CELLS - n), menu_values, scen_values, None, index_values)
    labels = [r[0] for r in values]
    width = len(values[0])

    def fmt(i: int, j: int, v: Any) -> Any:
        label = labels[i] if i < len(labels) else None
        if i == udfs.BUDGET_MODEL_ROW:
            return st.note_nowrap
        if j >= width:  # room for more years: plain until the block grows into it
            return st.euro
        if label in ("Jaar", "Dienst"):
            return st.head if j < 2 else st.head_num
        if j < 2:
            if str(label).startswith("Subtotaal"):
                return st.sub_label
            if str(label).startswith("Totaal"):
                return st.tot_label
            if j == 0 and label in labels_nl:
                return st.label_wrap
            return st.label if j == 0 and label == "Clienten per categorie" else None
        if isinstance(v, str) and not v.startswith(udfs.PREFIX) and label not in ("Jaar",):
            return st.small
        if label in cats or str(label).startswith("Jaren na"):
            return st.count
        if str(label).startswith("Subtotaal"):
            return st.euro_sub
        if str(label).startswith("Totaal"):
            return st.euro_tot
        return st.euro

    b = C.BUDGET
    formula = (f"=WMO_BUDGET({b}!{_abs(C.BUDGET_GEMEENTE)},{b}!{_abs(C.BUDGET_YEARS)},{C.MENU_NAME},{b}!{_abs(C.BUDGET_SCENARIO)},"
               f"{C.MODEL_STAMP_NAME},{IX.RANGE_NAME})")
    widest = 2 + 3 * BUDGET_YEAR_CELLS + 2  # every year cell filled
    # services show their Dutch omschrijving (from the Menukaart); the block itself keeps the dienst code
    labels_nl = {r.dienst: r.omschrijving for r in rows if r.omschrijving}

    def show(j: int, src: str, v: Any) -> tuple[str, Any] | None:
        if j != 0:
            return None
        label = f"VLOOKUP({src},{C.MENU_LABELS_NAME},2,FALSE)"
        return f'=IF({src}="","",IFERROR(IF({label}="",{src},{label}),{src}))', labels_nl.get(v, v)

    nrows, _ = _shown_block(ws, f"B{top + 1}", reken, C.REKEN_BUDGET, formula, values, fmt, spare_rows=MENU_ROWS - len(rows),
                            spare_cols=widest - len(values[0]), line_row=udfs.BUDGET_MODEL_ROW, show=show)
    for i, label in enumerate(labels):
        if label in labels_nl:
            printing.wrap_height(ws, top + i, {1: labels_nl[label]})
    total_row = top + labels.index("Totaal Wmo") + 1 if "Totaal Wmo" in labels else top + nrows
    # note and chart below the block in B:E (within the first page across): a print range of
    # their own, so they never widen or split the table's pages
    last = printing.note(ws, top + nrows + 1, 1, 4, "Kosten = clienten x aandeel x verzilveringsgraad x eenheden x prijs x (1 + indexatie)^(jaar - prijsjaar) "
                    "(indexatie 'vng': het prijsniveau van het jaar / dat van het prijsjaar, blad Indexatie, VNG: 90% OVA + 10% PCC). "
                    "Clienten per categorie: 'model <categorie>' = de modelprognose van die CBS-categorie (voor een deel ervan, zoals begeleiding in ondersteuning_thuis, "
                    "naar verhouding van de aandelen); 'aandeel' = prognose totaal x landelijk aandeel. Bandbreedte: het totaal bij de onder- en "
                    "bovengrens van het 80%-interval van het gemeentetotaal (alle categorieen bewegen mee). Zie docs/costs.md.", st.note)
    b = C.BUDGET
    years_ref = f"={b}!${xl_col_to_name(3)}${top + 1}:${xl_col_to_name(3 + n - 1)}${top + 1}"
    chart = charts.budget_chart(wb, years_ref, *(f"={b}!${xl_col_to_name(c0)}${total_row}:${xl_col_to_name(c0 + n - 1)}${total_row}"
                                                 for c0 in (3, 3 + n + 1)))
    chart_cells = printing.place_chart(ws, chart, last + 2, 1, width=560, height=300)
    ws.freeze_panes(top + 1, 3)
    # the block as built (its years; more years later widen it past the print area)
    printing.table_sheet(ws, (1, 0, top + nrows - 1, len(values[0])), title_rows=(top, top), title_cols=(1, 2),
                         extra_areas=[(top + nrows + 1, 1, chart_cells[2], 4)])


def _model(ws: Any, reken: Any, bundle: Any, st: Any) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 40)
    ws.set_column("C:C", 48)
    ws.set_column("D:G", 12)
    ws.write_string("B2", "Actief model", st.title)
    info = udfs.wmo_model_info()
    r0 = int(C.MODEL_INFO_BLOCK[1:]) - 1
    nrows, _ = _shown_block(ws, C.MODEL_INFO_BLOCK, reken, C.REKEN_MODEL, f"=WMO_MODEL_INFO({C.MODEL_STAMP_NAME})", info,
                            lambda i, j, v: st.label if j == 0 else st.left, spare_rows=6)
    ws.insert_button("E4", {"macro": C.REFRESH_MACRO, "caption": C.REFRESH_CAPTION, "width": 220, "height": 32})
    ws.write_string("E7", "Verversen: haalt de Wmo- en KWB-cijfers per wijk vanaf 2019 bij CBS (internet nodig, enkele minuten),", st.note_nowrap)
    ws.write_string("E8", "traint daarop een model en gebruikt dat als eigen model van deze werkmap. Zonder internet verandert er niets.", st.note_nowrap)
    ws.write_string("E9", f"'{C.RESET_CAPTION}' (blad {C.DATA}) zet het eigen model opzij (het wordt niet gewist).", st.note_nowrap)
    top = r0 + nrows + 8  # room for a local model's extra rows
    ws.write_string(top - 1, 1, "Backtests van het landelijke model (alleen data t/m het oorsprongsjaar)", st.h2)
    rows = backtest_rows(bundle)
    header = ["Oorsprong -> jaar", "Wijken", "WAPE model", "WAPE persistentie", "WAPE FORECAST.LINEAR", "Dekking 80%-interval"]
    ws.write_row(top, 1, header, st.head_wrap)
    printing.wrap_height(ws, top, {1 + j: h for j, h in enumerate(header)})
    for i, r in enumerate(rows[1:], start=1):
        ws.write_string(top + i, 1, f"{r[0]} -> {r[1]}")
        ws.write_number(top + i, 2, r[2], st.count)
        for j, v in enumerate(r[3:]):
            ws.write_number(top + i, 3 + j, v, st.pct)
    last = printing.note(ws, top + len(rows) + 1, 1, 6,
                         "WAPE = som van absolute fouten / som van werkelijke aantallen, over alle wijken met een waarneming. "
                         "Persistentie = vorige waarneming; FORECAST.LINEAR = Excel-trend over de eerdere jaren van de wijk.", st.note)
    printing.table_sheet(ws, (1, 0, last, 6))


def _conf(ws: Any, st: Any) -> None:
    """Key in A, value in B from A1 (as xlwings reads them); text only, no empty rows."""
    for i, (key, value, note) in enumerate(C.CONF_ROWS):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, value)
        if note:
            ws.write_string(i, 3, note, st.note)
    ws.set_column("A:A", 28)
    ws.set_column("B:B", 40)
    ws.set_column("D:D", 70)
    printing.technical(ws)  # xlwings' VBA still reads it: Sheets("xlwings.conf") finds very hidden sheets


def _menukaart(wb: Any, ws: Any, st: _Styles) -> list[Any]:
    menu = load_menu()
    df = menu.to_frame()
    cols = COLUMNS + OPTIONAL_COLUMNS
    ws.write_string("A1", "Menukaart: diensten, volumes en prijzen (pas de gele kolommen aan uw contracten aan)", st.title)
    first_row = 2  # header in row 3
    data = [[None if (isinstance(v, float) and v != v) else v for v in row] for row in df[cols].astype(object).values.tolist()]
    pct = wb.add_format({"num_format": "0%", "bg_color": "#FFF2CC", "valign": "top"})
    num = wb.add_format({"num_format": "#,##0.00", "bg_color": "#FFF2CC", "valign": "top"})
    top = wb.add_format({"valign": "top"})  # a row as tall as its wrapped texts reads from the top
    fmts = {c: st.text if c in printing.MENU_WRAPPED else {"aandeel": pct, "verzilveringsgraad": pct, "indexatie": pct,
                                                   "eenheden_per_client_per_jaar": num, "prijs": num}.get(c, top) for c in cols}
    ws.add_table(first_row, 0, first_row + len(data), len(cols) - 1, {
        "name": "tblMenukaart", "style": "Table Style Medium 2", "data": data,
        "columns": [{"header": c, "header_format": st.head_wrap, "format": fmts[c]} for c in cols],
    })
    for j, c in enumerate(cols):
        ws.set_column(j, j, printing.MENU_WIDTHS[c], fmts[c] if fmts[c] is not top else None)
    # long identifiers wrap in the header row; long texts wrap in their rows
    printing.wrap_height(ws, first_row, dict(enumerate(cols)), bold=True)
    for i, row in enumerate(data):
        printing.wrap_height(ws, first_row + 1 + i, {j: str(v) for j, (c, v) in enumerate(zip(cols, row)) if c in printing.MENU_WRAPPED and v})
    end = first_row + MENU_ROWS
    wb.define_name(C.MENU_NAME, f"={C.MENUKAART}!$A${first_row + 1}:${xl_col_to_name(len(cols) - 1)}${end}")
    assert cols[:2] == ["dienst", "omschrijving"]  # the Budget looks labels up in these two columns
    wb.define_name(C.MENU_LABELS_NAME, f"={C.MENUKAART}!$A${first_row + 2}:$B${end}")
    last = printing.note(ws, first_row + len(data) + 2, 0, 5,
                         "Nieuwe dienst? Voeg een regel toe direct onder de tabel (de naam Menukaart loopt tot en met rij "
                         f"{end}) en neem de dienst op in het blad Budget.", st.note)
    ws.freeze_panes(first_row + 1, 1)
    printing.table_sheet(ws, (0, 0, last, len(cols) - 1), title_rows=(first_row, first_row), wide=1)  # printing.MENU_WIDTHS: one page wide
    return menu.rows


#: Years of CBS figures in the Data sheet's example (the last ones the model observed).
EXAMPLE_YEARS = 4


def example_data_rows(est: Any, gemeente: str) -> list[list[Any]]:
    """Example Data rows that retrain as they are: every wijk of ``gemeente`` with its CBS
    count in the model's last observed years (CBS figures, CC BY 4.0, already in the bundle);
    a suppressed count is left out, never written as 0."""
    rows: list[list[Any]] = []
    idx = sorted(est.gemeente_rows.get(gemeente, []), key=lambda j: str(est.codes[j]))
    for y in range(int(est.origin) - EXAMPLE_YEARS + 1, int(est.origin) + 1):
        if y < int(est.first_year):
            continue
        for j in idx:
            v = est.observed_value(int(j), y)
            if v == v:
                rows.append([str(est.codes[j]), y, float(v), None, None, "totaal"])
    return rows


def _data(ws: Any, gemeente: str, est: Any, st: _Styles) -> None:
    ws.set_column("A:A", 12)
    ws.set_column("B:F", 12)
    ws.set_column("H:H", 4)
    ws.write_string("A1", "Eigen cijfers voor hertrainen", st.title)
    printing.note(ws, 1, 0, 6, "Plak onder de kopregel (rij 5) per wijk en jaar het aantal Wmo-clienten. Verplicht: wijk, jaar, clienten; "
                  "optioneel: categorie (totaal of hbh).", st.note)
    rows = [[w, y, v, cat] for w, y, v, _inh, _k65, cat in example_data_rows(est, gemeente)]
    years = sorted({r[1] for r in rows})
    printing.note(ws, 2, 0, 6, "Regels tot de eerste lege regel worden gelezen. Het CBS-tabelformaat (codering_regio, perioden, wmoclienten) "
                  f"mag ook. Voorbeeld: de CBS-cijfers (CC BY 4.0) van {gemeente}, {years[0]}-{years[-1]}, uit het landelijke model; "
                  "overschrijf ze met uw eigen cijfers." if rows else "Regels tot de eerste lege regel worden gelezen.", st.note)
    header = ["wijk", "jaar", "clienten", "categorie"]  # what retrain reads (other columns would be named 'niet gebruikt')
    ws.write_row(4, 0, header, st.head)
    for i, row in enumerate(rows):
        ws.write_row(5 + i, 0, row)
    printing.note_beside(ws, 5, 12, 16, "Klik Hertrainen na het plakken. Het blad Controle toont afgekeurde regels.", st.note, max_rows=4)
    ws.insert_button("I4", {"macro": C.RETRAIN_MACRO, "caption": C.RETRAIN_CAPTION, "width": 220, "height": 32})
    ws.insert_button("I7", {"macro": C.RESET_MACRO, "caption": C.RESET_CAPTION, "width": 220, "height": 32})
    ws.insert_button("I10", {"macro": C.EXPORT_MACRO, "caption": C.EXPORT_CAPTION, "width": 220, "height": 32})
    printing.note_beside(ws, 10, 12, 16, "Exporteren: een .xlsx met de prognose van het actieve model (ook uw eigen model) en de functies "
                         "als LAMBDA; voor collega's zonder Python of macro's (Microsoft 365 / Excel 2024).", st.note, max_rows=4)
    ws.freeze_panes(5, 0)
    printing.table_sheet(ws, (0, 0, 5 + len(rows), 6), landscape=False, title_rows=(4, 4))  # the data; not the buttons
