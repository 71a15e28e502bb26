"""Build the template ``workbook/wmo_xl.xlsm`` with xlsxwriter.

Why xlsxwriter: it embeds the xlwings standalone VBA project byte for byte, writes cached
results for formulas (so the sheets show real numbers in any spreadsheet program before
Python runs), dynamic-array spill ranges, data validation, charts and form buttons.

Every formula's cached value is computed by calling the UDF itself with the arguments the
formula passes, so the cache is exactly what Excel will show after recalculation.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from . import udfs
from .bundle import get_bundle
from .menukaart import COLUMNS, OPTIONAL_COLUMNS, load_category_shares, load_menu
from .modelinfo import backtest_rows
from .wijken import gemeenten

DEFAULT_GEMEENTE = "GM0200"  # Apeldoorn: 16 wijken, a typical mid-size gemeente
MAX_WIJKEN = 120  # rows reserved for the wijk list (Amsterdam has 99)
MENU_ROWS = 60
INFO_ROWS = 14  # rows shown of WMO_MODEL_INFO (a local model adds a few)  # rows of the Menukaart name (room to add services)
XLWINGS_VERSION = "0.37.8"

#: Buttons on the Data sheet, in insertion order: Excel names them "Button 1", "Button 2".
RETRAIN_BUTTON = "Button 1"
RESET_BUTTON = "Button 2"

CONF = [
    ("Interpreter_Win", "", "leeg = pythonw op het PATH; anders het volledige pad naar pythonw.exe"),
    ("Interpreter_Mac", "", "leeg = python op het PATH"),
    ("PYTHONPATH", "", ""),
    ("Conda Path", "", "alleen bij Anaconda: bv. C:\\Users\\naam\\anaconda3"),
    ("Conda Env", "", "alleen bij Anaconda: bv. base"),
    ("UDF Modules", "wmo_xl.udfs", "de Python-module met de WMO_-functies"),
    ("Debug UDFs", False, ""),
    ("Use UDF Server", True, "hertrainen draait in hetzelfde Python-proces als de functies"),
    ("Show Console", False, ""),
    ("ADD_WORKBOOK_TO_PYTHONPATH", True, ""),
]

SCENARIO_FIELDS = [
    ("naam", "Scenario A", "naam van het scenario (bv. duurder + eigen trajecten)"),
    ("indexatie", 0.04, "prijsindexatie per jaar voor alle diensten (leeg = als menukaart)"),
    ("verzilveringsgraad", None, "verzilveringsgraad voor alle diensten (leeg = als menukaart)"),
    ("hbh_extra_clienten", 0.05, "extra HbH-clienten, bv. 0,05 = +5% (abonnementstarief)"),
    ("hbh_vanaf_jaar", 2025, "vanaf welk jaar de extra HbH-vraag geldt"),
    ("substitutie_aandeel", 0.2, "deel van begeleiding via eigen trajecten"),
    ("substitutie_kostenfactor", 0.5, "kosten eigen traject t.o.v. ingekochte zorg (Oirschot: ca. 0,5)"),
    ("substitutie_vanaf_jaar", 2026, "vanaf welk jaar de substitutie geldt"),
]


def xlwings_template() -> Path:
    """The quickstart standalone workbook shipped inside the installed xlwings wheel."""
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


def vba_project_bytes() -> bytes:
    """xl/vbaProject.bin of the xlwings standalone template (xlwings VBA module + SampleCall)."""
    with zipfile.ZipFile(xlwings_template()) as z:
        return z.read("xl/vbaProject.bin")


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F3864"})
        self.h2 = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F3864"})
        self.head = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1})
        self.head_num = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "white", "border": 1, "num_format": "0"})
        self.label = wb.add_format({"bold": True})
        self.text = wb.add_format({"text_wrap": True, "valign": "top"})
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


def _formula(ws: Any, cell: str, formula: str, fmt: Any, value: Any) -> None:
    """A formula with its cached value (text results such as '#WMO! ...' stay text)."""
    ws.write_formula(cell, formula, fmt, "" if value is None else value)


def _array(ws: Any, first_row: int, first_col: int, formula: str, values: list[list[Any]], fmt: Any) -> None:
    """A dynamic-array formula with its spill range and every cell's cached value."""
    rows, cols = len(values), len(values[0])
    ref = f"{xl_rowcol_to_cell(first_row, first_col)}:{xl_rowcol_to_cell(first_row + rows - 1, first_col + cols - 1)}"
    first = values[0][0]
    ws.write_dynamic_array_formula(ref, formula, fmt, "" if first is None else first)
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if i == 0 and j == 0:
                continue
            if v is None:
                ws.write_blank(first_row + i, first_col + j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(first_row + i, first_col + j, v, fmt)
            else:
                ws.write_number(first_row + i, first_col + j, v, fmt)


def build_workbook(out: str | Path = "workbook/wmo_xl.xlsm", model: str | Path | None = None, gemeente: str = DEFAULT_GEMEENTE) -> Path:
    """Write the template atomically and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".xlsm", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write(tmp, model, gemeente)
        tmp.chmod(0o644)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _write(path: Path, model: str | Path | None, gemeente: str) -> None:
    bundle = get_bundle(model)
    est = bundle.model("totaal")
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": "wmo_xl: Wmo-prognose en begroting", "comments": "Bron: CBS (CC BY 4.0). Gemaakt met wmo-xl build-workbook."})
    # No full recalculation on open: the cached values show until Python (and the imported
    # UDFs) are there; without this, Excel or LibreOffice would open on a sea of #NAME?.
    wb.calc_on_load = False
    wb.set_calc_mode("auto", calc_id=191029)  # a current calc engine id: no forced full recalc in Excel 365
    st = _Styles(wb)
    with tempfile.TemporaryDirectory() as d:
        vba = Path(d) / "vbaProject.bin"
        vba.write_bytes(vba_project_bytes())
        wb.add_vba_project(str(vba))
        wb.set_vba_name("ThisWorkbook")
        start = wb.add_worksheet("Start")
        start.set_vba_name("Sheet1")
        forecast = wb.add_worksheet("Forecast")
        menu_ws = wb.add_worksheet("Menukaart")
        budget_ws = wb.add_worksheet("Budget")
        data_ws = wb.add_worksheet("Data")
        model_ws = wb.add_worksheet("Model")
        lists = wb.add_worksheet("Lijsten")
        reken = wb.add_worksheet("Reken")
        conf = wb.add_worksheet("xlwings.conf")
        conf.set_vba_name("Sheet2")
        for i, ws in enumerate([forecast, menu_ws, budget_ws, data_ws, model_ws, lists, reken], start=3):
            ws.set_vba_name(f"Sheet{i}")
        names = gemeenten(model)
        _lists(lists, names, st)
        _start(start, bundle, st)
        years_obs = list(range(est.first_year, est.origin + 1))
        years_fc = list(range(est.origin + 1, est.origin + 6))
        reken.write_string("A1", "Rekenblad: de matrixformules (een aanroep per raster); de andere bladen tonen deze waarden.", st.note)
        reken.hide()
        _forecast(wb, forecast, reken, gemeente, names, years_obs + years_fc, est.origin, len(names), st)
        menu_rows = _menukaart(wb, menu_ws, st)
        # budget years: the last five the model reaches (forecasts of 2019-2023 help no 2026 budget)
        budget_years = list(range(est.origin + est.max_horizon - 4, est.origin + est.max_horizon + 1))
        _budget(wb, budget_ws, gemeente, budget_years, menu_rows, est.origin, st)
        _data(data_ws, gemeente, est, st)
        _model(model_ws, reken, bundle, st)
        _conf(conf, st)
        for ws in (start, forecast, menu_ws, budget_ws, data_ws, model_ws, conf):
            _print_setup(ws, one_page=ws is start)
        wb.close()


def _print_setup(ws: Any, one_page: bool = False) -> None:
    """A4 landscape, one page wide: a controller prints or exports each sheet as it looks."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1 if one_page else 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&L&8wmo_xl - Bron: CBS (CC BY 4.0)&R&8&A, pagina &P van &N")


def _lists(ws: Any, names: dict[str, str], st: _Styles) -> None:
    ws.write_row(0, 0, ["gemeente", "naam", "categorie"], st.head)
    for i, (code, name) in enumerate(names.items(), start=1):
        ws.write_string(i, 0, code)
        ws.write_string(i, 1, name)
    for i, cat in enumerate(["totaal", "hbh"], start=1):
        ws.write_string(i, 2, cat)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 28)
    ws.hide()


def _start(ws: Any, bundle: Any, st: _Styles) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 110)
    ws.hide_gridlines(2)
    years = bundle.manifest.get("training_years", {}).get("totaal", [])
    lines: list[tuple[str, Any]] = [
        ("wmo_xl: Wmo-prognose en begroting in Excel", st.title),
        ("Prognose van het aantal Wmo-clienten per wijk en gemeente (bij ongewijzigd beleid), met een 80%-bandbreedte, "
         "en de kosten per dienst uit uw eigen menukaart. Werkt offline met het meegeleverde landelijke model "
         f"(CBS-cijfers {years[0] if years else ''}-{years[-1] if years else ''}); met de knop Hertrainen kalibreert u het op uw eigen cijfers.", st.text),
        ("", None),
        ("Installatie (eenmalig)", st.h2),
        ("1. Installeer Python 3.10 of nieuwer (python.org), met 'Add python.exe to PATH' aangevinkt.", st.text),
        ("2. Open een opdrachtprompt en typ:  pip install wmo_xl   (of vanuit de broncode: pip install .). Dit installeert ook xlwings "
         f"{XLWINGS_VERSION}; die versie hoort bij de VBA-code in dit bestand.", st.text),
        ("3. Deze werkmap bevat de xlwings-VBA-module zelf (standalone): een add-in is niet nodig. Zet in Excel onder Bestand > Opties > "
         "Vertrouwenscentrum > Instellingen voor macro's 'Toegang tot het objectmodel van VBA-projecten vertrouwen' aan.", st.text),
        ("4. Functies importeren (eenmalig per werkmap): druk Alt+F8, kies ImportPythonUDFs en klik Uitvoeren. Excel maakt dan de "
         "functies WMO_FORECAST, WMO_FORECAST_TABLE, WMO_RANGE, WMO_COST, WMO_COST_SCENARIO, WMO_CLIENTS, WMO_WIJKEN en WMO_MODEL_INFO aan. "
         "Sla daarna op. Tot die tijd toont de werkmap de opgeslagen waarden van het landelijke model.", st.text),
        ("5. Gebruikt u een ander Python (bv. Anaconda of een venv), vul dan op het blad xlwings.conf Interpreter_Win in "
         "(volledig pad naar pythonw.exe) of Conda Path en Conda Env.", st.text),
        ("6. Houd de bestandsnaam wmo_xl.xlsm (een andere map mag): de knoppen starten Python via de naam van de werkmap "
         "(import wmo_xl). Voor een tweede gemeente: kopieer de werkmap naar een eigen map.", st.text),
        ("", None),
        ("Zo gebruikt u het (5 stappen)", st.h2),
        ("1. Forecast: kies uw gemeente in de keuzelijst (cel C4). U ziet de clienten per wijk: grijs = CBS-waarneming, wit = prognose, "
         "met onder- en bovengrens voor de gemeente.", st.text),
        ("2. Menukaart: pas prijzen, eenheden, aandelen en verzilveringsgraad aan uw contracten aan. Elke wijziging rekent de begroting direct door.", st.text),
        ("3. Budget: vul de begrotingsjaren in (gele cellen) en de scenarioparameters; u ziet basis, scenario en verschil per dienst, "
         "subtotalen per categorie en het totaal.", st.text),
        ("4. Data: plak uw eigen cijfers (kolommen wijk, jaar, clienten) onder de kopregel en klik Hertrainen. Het blad Controle toont "
         "afgekeurde regels; het model van deze werkmap wordt naast het bestand opgeslagen. 'Terug naar landelijk model' zet dit terug.", st.text),
        ("5. Model: WMO_MODEL_INFO toont welk model actief is, de trainingsjaren en de backtest-nauwkeurigheid.", st.text),
        ("", None),
        ("Foutmeldingen", st.h2),
        ("Een cel die begint met #WMO! zegt wat er mis is en wat wel kan (bv. '#WMO! unknown wijk WK999901'). #N/A betekent dat een "
         "verplichte cel leeg is. #NAME? betekent dat de functies nog niet geimporteerd zijn (stap 4).", st.text),
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
                ws.set_row(i, 15 * max(1, len(text) // 120 + 1))


def _forecast(wb: Any, ws: Any, reken: Any, gemeente: str, names: dict[str, str], years: list[int], origin: int, n_gem: int, st: _Styles) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 24)
    ws.set_column(2, 2 + len(years), 10)
    ws.write_string("B2", "Wmo-clienten per wijk: waarneming en prognose", st.title)
    ws.write_string("B4", "Gemeente", st.label)
    ws.write_string("C4", gemeente, st.input)
    ws.data_validation("C4", {"validate": "list", "source": f"=Lijsten!$A$2:$A${n_gem + 1}",
                              "error_title": "Onbekende gemeente", "error_message": "Kies een gemeentecode uit de lijst."})
    _formula(ws, "D4", "=IFERROR(VLOOKUP(C4,Lijsten!$A$2:$B$1000,2,FALSE),\"\")", st.label, names.get(gemeente, ""))
    ws.write_string("B5", "Categorie", st.label)
    ws.write_string("C5", "totaal", st.input)
    ws.data_validation("C5", {"validate": "list", "source": ["totaal", "hbh"]})
    ws.write_string("F4", f"Grijs: CBS-waarneming (t/m {origin}); wit: prognose bij ongewijzigd beleid.", st.note_nowrap)
    last_col = 2 + len(years) - 1
    ws.write_string(6, 1, "Jaar", st.head)
    for j, y in enumerate(years):
        ws.write_number(6, 2 + j, y, st.head_num)
    labels = ["Gemeente totaal", "Ondergrens (80%)", "Bovengrens (80%)"]
    for i, label in enumerate(labels):
        ws.write_string(7 + i, 1, label, st.label if i == 0 else None)
    for j, y in enumerate(years):
        col = xl_col_to_name(2 + j)
        fmt = st.count_obs if y <= origin else st.count
        _formula(ws, f"{col}8", f"=WMO_FORECAST($C$4,{col}$7,$C$5)", fmt, udfs.wmo_forecast(gemeente, y, "totaal"))
        rng = udfs.wmo_range(gemeente, y, "totaal")
        lo, hi = (rng[0][0], rng[0][1]) if isinstance(rng, list) else (rng, rng)
        _formula(ws, f"{col}9", f"=INDEX(WMO_RANGE($C$4,{col}$7,$C$5),1,1)", fmt, lo)
        _formula(ws, f"{col}10", f"=INDEX(WMO_RANGE($C$4,{col}$7,$C$5),1,2)", fmt, hi)
    ws.write_string(11, 1, "Wijk", st.head)
    for j, y in enumerate(years):
        ws.write_number(11, 2 + j, y, st.head_num)
    wijken = udfs.wmo_wijken(gemeente)
    grid = udfs.wmo_forecast_table([w[0] for w in wijken], years, "totaal")
    # one call each on the hidden Reken sheet (the fast path), shown here cell by cell
    _array(reken, 2, 1, "=WMO_WIJKEN(Forecast!$C$4)", wijken, None)
    reken_years = f"Forecast!$C$12:${xl_col_to_name(last_col)}$12"
    _array(reken, 2, 2, f"=WMO_FORECAST_TABLE($B$3:$B${2 + MAX_WIJKEN},{reken_years},Forecast!$C$5)", grid, None)
    for i in range(MAX_WIJKEN):
        src = wijken[i][0] if i < len(wijken) else ""
        _formula(ws, xl_rowcol_to_cell(12 + i, 1), f'=IF(Reken!B{3 + i}="","",Reken!B{3 + i})', None, src)
        for j in range(len(years)):
            v = grid[i][j] if i < len(grid) else None
            ref = f"Reken!{xl_rowcol_to_cell(2 + i, 2 + j)}"
            _formula(ws, xl_rowcol_to_cell(12 + i, 2 + j), f'=IF({ref}="","",{ref})', st.count, "" if v is None else v)
    # observed years grey across the grid (conditional on the year header, so it follows edits)
    ws.conditional_format(12, 2, 12 + MAX_WIJKEN, last_col, {
        "type": "formula", "criteria": f"=AND(C$12<={origin},C13<>\"\")", "format": wb.add_format({"bg_color": "#E7E6E6"})})
    ws.freeze_panes(7, 2)
    # print what the opened gemeente fills (a blank page of empty formula rows helps nobody)
    ws.print_area(1, 0, 12 + len(wijken), last_col + 11)
    chart = wb.add_chart({"type": "line"})
    cats = f"=Forecast!$C$7:${xl_col_to_name(last_col)}$7"
    for row, name, color, dash in [(8, "Gemeente totaal", "#1F3864", "solid"), (9, "Ondergrens (80%)", "#8EA9DB", "dash"), (10, "Bovengrens (80%)", "#8EA9DB", "dash")]:
        chart.add_series({"name": name, "categories": cats, "values": f"=Forecast!$C${row}:${xl_col_to_name(last_col)}${row}",
                          "line": {"color": color, "dash_type": dash, "width": 2.25 if row == 8 else 1.25}})
    chart.set_title({"name": "Wmo-clienten gemeente: waarneming en prognose"})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 300})
    ws.insert_chart(1, last_col + 2, chart)


def _menukaart(wb: Any, ws: Any, st: _Styles) -> list[Any]:
    menu = load_menu()
    df = menu.to_frame()
    cols = COLUMNS + OPTIONAL_COLUMNS
    ws.write_string("A1", "Menukaart: diensten, volumes en prijzen (pas de gele kolommen aan uw contracten aan)", st.title)
    first_row = 2  # header in row 3
    data = [[None if (isinstance(v, float) and v != v) else v for v in row] for row in df[cols].astype(object).values.tolist()]
    ws.add_table(first_row, 0, first_row + len(data), len(cols) - 1, {
        "name": "tblMenukaart", "style": "Table Style Medium 2", "data": data,
        "columns": [{"header": c} for c in cols],
    })
    pct = wb.add_format({"num_format": "0%", "bg_color": "#FFF2CC"})
    num = wb.add_format({"num_format": "#,##0.00", "bg_color": "#FFF2CC"})
    ws.set_column("A:A", 22)
    ws.set_column("B:B", 48)
    ws.set_column("C:D", 13)
    ws.set_column("E:F", 11, pct)
    ws.set_column("G:G", 9)
    ws.set_column("H:H", 12, num)
    ws.set_column("I:I", 10, num)
    ws.set_column("J:J", 9)
    ws.set_column("K:K", 9, pct)
    ws.set_column("L:L", 70, st.note_nowrap)
    end = first_row + MENU_ROWS
    wb.define_name("Menukaart", f"=Menukaart!$A${first_row + 1}:${xl_col_to_name(len(cols) - 1)}${end}")
    ws.write_string(first_row + len(data) + 2, 0,
                    "Nieuwe dienst? Voeg een regel toe direct onder de tabel (de naam Menukaart loopt tot en met rij "
                    f"{end}) en neem de dienst op in het blad Budget.", st.note)
    ws.freeze_panes(first_row + 1, 1)
    return menu.rows


def _budget(wb: Any, ws: Any, gemeente: str, years: list[int], rows: list[Any], origin: int, st: _Styles) -> None:
    shares = load_category_shares()
    cats = list(shares)
    menu_values = [COLUMNS + OPTIONAL_COLUMNS] + [[getattr(r, c) for c in COLUMNS + OPTIONAL_COLUMNS] for r in rows]
    scen_values = [[k, v] for k, v, _ in SCENARIO_FIELDS]
    n = len(years)
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 26)
    ws.set_column("C:C", 13)
    ws.set_column(3, 3 + 3 * (n + 1), 14)
    ws.write_string("B2", "Begroting Wmo: basis en scenario per dienst en jaar", st.title)
    ws.write_string("B4", "Gemeente", st.label)
    _formula(ws, "C4", "=Forecast!C4", st.label, gemeente)
    ws.write_string("B5", "Jaren (geel = invullen)", st.label)
    ws.write_string(3, 3 + n + 1, f"Het landelijke model kent CBS-cijfers t/m {origin} en rekent tot {origin + 10}; "
                    "hertrain met recente eigen cijfers (blad Data) voor een scherpere begroting.", st.note_nowrap)
    for j, y in enumerate(years):
        ws.write_number(4, 3 + j, y, st.input_num)
    # scenario parameters: edit here, the Scenario block below follows
    ws.write_string(6, 1, "Scenarioparameters", st.h2)
    ws.write_row(7, 1, ["parameter", "waarde"], st.head)
    ws.write_string(7, 3, "toelichting", st.head)
    p0 = 8
    for i, (key, value, note) in enumerate(SCENARIO_FIELDS):
        ws.write_string(p0 + i, 1, key)
        fmt = st.input_pct if key in ("indexatie", "verzilveringsgraad", "hbh_extra_clienten", "substitutie_aandeel") else st.input
        if value is None:
            ws.write_blank(p0 + i, 2, None, fmt)
        elif isinstance(value, str):
            ws.write_string(p0 + i, 2, value, st.input)
        else:
            ws.write_number(p0 + i, 2, value, fmt)
        ws.write_string(p0 + i, 3, note, st.note_nowrap)
    scen_ref = f"$B${p0 + 1}:$C${p0 + len(SCENARIO_FIELDS)}"
    year_cells = [f"{xl_col_to_name(3 + j)}$5" for j in range(n)]
    # clients per category
    top = p0 + len(SCENARIO_FIELDS) + 1
    ws.write_string(top, 1, "Clienten per categorie", st.head)
    ws.write_string(top, 2, "", st.head)
    for j, y in enumerate(years):
        _formula(ws, xl_rowcol_to_cell(top, 3 + j), f"={year_cells[j]}", st.head_num, y)
    clients: dict[tuple[str, int], float] = {}
    for i, cat in enumerate(cats):
        r = top + 1 + i
        ws.write_string(r, 1, cat)
        for j, y in enumerate(years):
            v = udfs.wmo_clients(gemeente, y, cat)
            clients[(cat, y)] = v
            _formula(ws, xl_rowcol_to_cell(r, 3 + j), f"=WMO_CLIENTS($C$4,{year_cells[j]},$B{r + 1})", st.count, v)
    cat_first, cat_last = top + 2, top + 1 + len(cats)
    # three blocks side by side: basis | scenario | verschil
    head = cat_last + 2
    blocks = [("Basis (EUR)", 3), ("Scenario (EUR)", 3 + n + 1), ("Verschil scenario - basis (EUR)", 3 + 2 * (n + 1))]
    ws.write_string(head - 1, 1, "Kosten per dienst", st.h2)
    ws.write_string(head, 1, "Dienst", st.head)
    ws.write_string(head, 2, "Categorie", st.head)
    for title, c0 in blocks:
        ws.write_string(head - 1, c0, title, st.label)
        for j, y in enumerate(years):
            _formula(ws, xl_rowcol_to_cell(head, c0 + j), f"={year_cells[j]}", st.head_num, y)
    r = head + 1
    totals: dict[str, list[float]] = {"basis": [0.0] * n, "scenario": [0.0] * n}
    sub_rows: list[int] = []
    for cat in cats:
        cat_rows = [row for row in rows if row.categorie == cat]
        if not cat_rows:
            continue
        first = r
        sub = {"basis": [0.0] * n, "scenario": [0.0] * n}
        for row in cat_rows:
            ws.write_string(r, 1, row.dienst)
            ws.write_string(r, 2, row.categorie)
            for j, y in enumerate(years):
                c_ref = f"SUMIF($B${cat_first}:$B${cat_last},$C{r + 1},{xl_col_to_name(3 + j)}${cat_first}:{xl_col_to_name(3 + j)}${cat_last})"
                base = udfs.wmo_cost(row.dienst, clients[(cat, y)], menu_values, y)
                alt = udfs.wmo_cost_scenario(row.dienst, clients[(cat, y)], menu_values, y, scen_values)
                sub["basis"][j] += base
                sub["scenario"][j] += alt
                bcell = xl_rowcol_to_cell(r, blocks[0][1] + j)
                scell = xl_rowcol_to_cell(r, blocks[1][1] + j)
                _formula(ws, bcell, f"=WMO_COST($B{r + 1},{c_ref},Menukaart,{year_cells[j]})", st.euro, base)
                _formula(ws, scell, f"=WMO_COST_SCENARIO($B{r + 1},{c_ref},Menukaart,{year_cells[j]},{scen_ref})", st.euro, alt)
                _formula(ws, xl_rowcol_to_cell(r, blocks[2][1] + j), f"={scell}-{bcell}", st.euro, alt - base)
            r += 1
        ws.write_string(r, 1, f"Subtotaal {cat}", st.sub_label)
        ws.write_string(r, 2, "", st.sub_label)
        for k, (_, c0) in enumerate(blocks):
            for j in range(n):
                col = xl_col_to_name(c0 + j)
                val = sub["basis"][j] if k == 0 else sub["scenario"][j] if k == 1 else sub["scenario"][j] - sub["basis"][j]
                _formula(ws, f"{col}{r + 1}", f"=SUM({col}{first + 1}:{col}{r})", st.euro_sub, val)
        for key in ("basis", "scenario"):
            totals[key] = [a + b for a, b in zip(totals[key], sub[key])]
        sub_rows.append(r + 1)
        r += 1
    ws.write_string(r, 1, "Totaal Wmo", st.tot_label)
    ws.write_string(r, 2, "", st.tot_label)
    for k, (_, c0) in enumerate(blocks):
        for j in range(n):
            col = xl_col_to_name(c0 + j)
            val = totals["basis"][j] if k == 0 else totals["scenario"][j] if k == 1 else totals["scenario"][j] - totals["basis"][j]
            _formula(ws, f"{col}{r + 1}", "=" + "+".join(f"{col}{s}" for s in sub_rows), st.euro_tot, val)
    total_row = r + 1
    ws.write_string(r + 2, 1, "Kosten = clienten x aandeel x verzilveringsgraad x eenheden x prijs x (1 + indexatie)^(jaar - prijsjaar). "
                    "Clienten per categorie = prognose totaal x aandeel (HbH: eigen HbH-prognose). Zie docs/costs.md.", st.note_nowrap)
    chart = wb.add_chart({"type": "column"})
    for name, c0, color in [("Basis", blocks[0][1], "#1F3864"), ("Scenario", blocks[1][1], "#C55A11")]:
        chart.add_series({"name": name, "categories": f"=Budget!${xl_col_to_name(blocks[0][1])}${head + 1}:${xl_col_to_name(blocks[0][1] + n - 1)}${head + 1}",
                          "values": f"=Budget!${xl_col_to_name(c0)}${total_row}:${xl_col_to_name(c0 + n - 1)}${total_row}",
                          "fill": {"color": color}})
    chart.set_title({"name": "Totale Wmo-kosten: basis en scenario"})
    chart.set_y_axis({"num_format": "€ #,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 300})
    ws.insert_chart(total_row + 3, 1, chart)
    ws.freeze_panes(head + 1, 3)


def _data(ws: Any, gemeente: str, est: Any, st: _Styles) -> None:
    ws.set_column("A:A", 12)
    ws.set_column("B:F", 12)
    ws.set_column("H:H", 4)
    ws.write_string("A1", "Eigen cijfers voor hertrainen", st.title)
    ws.write_string("A2", "Plak onder de kopregel (rij 5) per wijk en jaar het aantal Wmo-clienten. Verplicht: wijk, jaar, clienten; "
                    "optioneel: inwoners, k65plus, categorie (totaal of hbh).", st.note_nowrap)
    ws.write_string("A3", "Regels tot de eerste lege regel worden gelezen. Het CBS-tabelformaat (codering_regio, perioden, wmoclienten) "
                    "mag ook. Voorbeeldregels mag u overschrijven.", st.note_nowrap)
    header = ["wijk", "jaar", "clienten", "inwoners", "k65plus", "categorie"]
    ws.write_row(4, 0, header, st.head)
    rows = sorted(est.gemeente_rows.get(gemeente, []), key=lambda j: str(est.codes[j]))[:2]
    for i, idx in enumerate(rows):
        w = str(est.codes[idx])
        y = int(est.last_year[idx]) if est.last_year[idx] == est.last_year[idx] else est.origin
        v = est.observed_value(idx, y)
        ws.write_row(5 + i, 0, [w, y, v if v == v else "", float(est.inhabitants[idx]), "", "totaal"])
    ws.write_string(5, 12, "Klik Hertrainen na het plakken. Het blad Controle toont afgekeurde regels.", st.note_nowrap)
    ws.insert_button("I4", {"macro": "SampleCall", "caption": "Hertrainen op eigen cijfers", "width": 220, "height": 32})
    ws.insert_button("I7", {"macro": "SampleCall", "caption": "Terug naar landelijk model", "width": 220, "height": 32})
    ws.freeze_panes(5, 0)


def _model(ws: Any, reken: Any, bundle: Any, st: _Styles) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 44)
    ws.set_column("C:C", 12)
    ws.set_column("D:G", 22)
    ws.write_string("B2", "Actief model", st.title)
    info = udfs.wmo_model_info()
    _array(reken, 2, 14, "=WMO_MODEL_INFO()", info, None)
    for i in range(INFO_ROWS):
        for j in range(2):
            ref = f"Reken!{xl_rowcol_to_cell(2 + i, 14 + j)}"
            v = info[i][j] if i < len(info) else ""
            _formula(ws, xl_rowcol_to_cell(3 + i, 1 + j), f'=IF({ref}="","",{ref})', st.label if j == 0 else None, v)
    top = 3 + INFO_ROWS + 2
    ws.write_string(top - 1, 1, "Backtests van het landelijke model (alleen data t/m het oorsprongsjaar)", st.h2)
    rows = backtest_rows(bundle)
    ws.write_row(top, 1, ["Oorsprong -> jaar", "Wijken", "WAPE model", "WAPE persistentie", "WAPE FORECAST.LINEAR", "Dekking 80%-interval"], st.head)
    for i, r in enumerate(rows[1:], start=1):
        ws.write_string(top + i, 1, f"{r[0]} -> {r[1]}")
        ws.write_number(top + i, 2, r[2], st.count)
        for j, v in enumerate(r[3:]):
            ws.write_number(top + i, 3 + j, v, st.pct)
    ws.write_string(top + len(rows) + 1, 1,
                    "WAPE = som van absolute fouten / som van werkelijke aantallen, over alle wijken met een waarneming. "
                    "Persistentie = vorige waarneming; FORECAST.LINEAR = Excel-trend over de eerdere jaren van de wijk.", st.note_nowrap)


def _conf(ws: Any, st: _Styles) -> None:
    for i, (key, value, note) in enumerate(CONF):
        ws.write_string(i, 0, key)
        if isinstance(value, bool):
            ws.write_boolean(i, 1, value)
        elif value:
            ws.write_string(i, 1, value)
        ws.write_string(i, 3, note, st.note)
    ws.set_column("A:A", 28)
    ws.set_column("B:B", 16)
    ws.set_column("D:D", 70)
