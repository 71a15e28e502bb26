"""The zero-install workbook: an .xlsx whose functions are Excel LAMBDA names.

``wmo-xl export-workbook`` writes a macro-free workbook (no VBA project) for PCs without
Python or macros. It carries the forecast table of the chosen gemeenten, the menukaart,
Forecast and Budget sheets built from classic functions only (INDEX, MATCH, COUNTIFS, IF,
ISNUMBER, SUM: Excel 2016+ and LibreOffice compute them), and LAMBDA names
(:mod:`wmo_xl.excel.export_names`) for users' own formulas in Microsoft 365 / Excel 2024.

Every formula is written with its cached value, taken from the core (``forecast_table``,
``category_clients``, ``costs.cost``, ``costs.scenario_cost``), so the file shows the
package's numbers the moment it opens; the tests recalculate the file and compare.
Errors stay errors: an unknown code gives #N/A, a price that is not a number #VALUE!, and
every total over them fails too (sums over error cells are errors, never smaller).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .. import horizon
from ..errors import WmoError
from ..safefiles import check_workbook_target
from ..menukaart import MenuRow, load_menu
from ..modelinfo import model_label, model_line
from . import export_layout as L
from . import export_names as N
from ..indexatie import load_series
from . import charts, printing
from . import export_realisatie as R
from . import indexatie_sheet as IX
from .export_budget import MENU_COLUMNS, MENU_HEADER_ROW, write_budget
from .export_data import ExportData, gather

INPUT_COLUMNS = {"aandeel": "input_pct0", "verzilveringsgraad": "input_pct0", "eenheden_per_client_per_jaar": "input_dec",
                 "prijs": "input_dec", "prijsjaar": "input_num", "indexatie": "input_pct"}


def export_workbook(
    gemeenten: list[str], out: str | Path, *, model: str | Path | None = None, years: list[int] | None = None,
    force: bool = False, model_status: str | None = None,
) -> Path:
    """Write the workbook for ``gemeenten`` atomically; refuse to replace ``out`` unless ``force``.

    With ``force`` an existing file is first copied to ``<name>.backup-<UTC time>.xlsx``.
    """
    from .export_data import default_years

    out = Path(out)
    check_workbook_target(out, force, ".xlsx")  # before any work, naming the user's path (the guard every command uses)
    data = gather(gemeenten, years if years is not None else default_years(model), model, model_status)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".xlsx.tmp", dir=out.parent)
    except OSError as exc:  # the folder changed since the check: name the user's file, not a temp name
        raise WmoError(f"--out {str(out)!r} cannot be written: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp, data)
        tmp.chmod(0o644)
        if out.exists():
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            shutil.copy2(out, out.with_name(f"{out.stem}.backup-{stamp}{out.suffix}"))
        os.replace(tmp, out)
    except OSError as exc:  # full disk, a file that went read-only meanwhile: the user's path, never the temp name
        tmp.unlink(missing_ok=True)
        raise WmoError(f"--out {str(out)!r} could not be written: {exc.strerror or exc} (nothing was changed)") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def write(path: Path, data: ExportData) -> None:
    """All sheets of the export into ``path`` (a new file)."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": "wmo_xl: Wmo-prognose en begroting (zonder macro's)",
                       "comments": "Bron: CBS (CC BY 4.0). Gemaakt met wmo-xl export-workbook."})
    st = L.styles(wb)
    ws_fc = wb.add_worksheet(L.FORECAST)
    ws_bu = wb.add_worksheet(L.BUDGET)
    ws_re = wb.add_worksheet(R.REALISATIE)
    ws_wi = wb.add_worksheet(R.WIJKEN)
    ws_me = wb.add_worksheet(L.MENU)
    ws_ix = wb.add_worksheet(IX.SHEET)
    ws_mo = wb.add_worksheet(L.MODEL)
    ws_ta = wb.add_worksheet(L.TABLE)
    ws_sh = wb.add_worksheet(L.SHARES)
    _table(wb, ws_ta, data, st)
    _shares(wb, ws_sh, data, st)
    gem_list = _model(wb, ws_mo, data, st)
    menu = load_menu()
    _menukaart(wb, ws_me, menu.rows, st)
    IX.write(wb, ws_ix, load_series(), IX.formats(wb))
    _forecast(wb, ws_fc, data, gem_list, st)
    budget_sheet = write_budget(ws_bu, data, menu.rows, st, wb=wb)
    R.write_realisatie(wb, ws_re, data, menu.rows, budget_sheet, st)
    R.write_wijken(wb, ws_wi, data, menu.rows, budget_sheet, st)
    for name, text in N.all_names().items():
        wb.define_name(name, text)
    for ws in (ws_fc, ws_bu, ws_ix, ws_mo, ws_ta, ws_sh):
        ws.protect("", {"format_columns": True})  # no password: against accidental edits only
    ws_fc.activate()
    wb.close()


def _table(wb: Any, ws: Any, data: ExportData, st: dict[str, Any]) -> None:
    """The forecast table: one row per code and category; clients, lower, upper per year."""
    n = len(data.years)
    starts = [5, 5 + n + 1, 5 + 2 * (n + 1)]
    ws.write_string(0, 0, "Prognosetabel: Wmo-clienten per gemeente en wijk", st["title"])
    ws.write_string(2, 0, model_line(data.model_status), st["note"])
    ws.write_row(4, 0, ["sleutel", "gemeente", "categorie", "code", "niveau"], st["head"])
    for title, c0 in zip(["Clienten", "Ondergrens (80%)", "Bovengrens (80%)"], starts):
        ws.write_string(2, c0, title, st["h2"])
        for j, y in enumerate(data.years):
            ws.write_string(3, c0 + j, L.status(y, data.last_observed), st["status"])
            ws.write_number(4, c0 + j, y, st["head_num"])
    first = 5
    for i, row in enumerate(data.rows):
        r = first + i
        ws.write_row(r, 0, [row.key, row.gemeente, row.categorie, row.code, row.niveau])
        for c0, values in zip(starts, (row.clients, row.lower, row.upper)):
            for j, (y, v) in enumerate(zip(data.years, values)):
                L.put(ws, r, c0 + j, v, st["dec_obs"] if y <= data.last_observed else st["dec"])
    last = first + len(data.rows) - 1
    for name, col in [(N.KEY, 0), ("WmoGemeente", 1), ("WmoCategorie", 2), ("WmoCode", 3)]:
        wb.define_name(name, f"={L.TABLE}!{L.absolute(first, col)}:{L.absolute(last, col)}")
    wb.define_name(N.YEARS, f"={L.TABLE}!{L.absolute(4, starts[0])}:{L.absolute(4, starts[0] + n - 1)}")
    for name, c0 in zip([N.CLIENTS, N.LOWER, N.UPPER], starts):
        wb.define_name(name, f"={L.TABLE}!{L.absolute(first, c0)}:{L.absolute(last, c0 + n - 1)}")
    ws.set_column(0, 0, 16)
    ws.set_column(1, 4, 9)
    ws.set_column(5, starts[2] + n, 10)
    printing.note(ws, 1, 0, 4, f"Grijs = CBS-waarneming (t/m {data.last_observed}); '.' = geen waarde (CBS-geheimhouding, "
                  "of een jaar voor de eerste gegevens van de categorie). De functies WMO_FORECAST en WMO_RANGE lezen deze tabel.",
                  st["note_wrap"])
    ws.freeze_panes(5, 5)
    # one page across per block (clients, lower, upper), each with the key columns and years
    printing.table_sheet(ws, (0, 0, last, starts[2] + n - 1), title_rows=(2, 4), title_cols=(0, 4), col_breaks=starts[1:])


def _shares(wb: Any, ws: Any, data: ExportData, st: dict[str, Any]) -> None:
    """Share of the gemeente total per cost category and year (as wmo_xl.costs uses it)."""
    ws.write_string(0, 0, "Aandelen: deel van alle Wmo-clienten per kostencategorie", st["title"])
    ws.set_column(0, 0, 20)
    ws.set_column(1, 2, 13)
    printing.note(ws, 1, 0, 2 + len(data.years), "Clienten van een categorie = prognose totaal x aandeel. Heeft het model de CBS-categorie (hbh; ondersteuning_thuis voor "
                    "begeleiding en dagbesteding; hulpmiddelen voor hulpmiddelen, vervoer en wonen), dan komt het aandeel uit die prognose / totaal; "
                  "anders het landelijke aandeel (wmo_xl/data/categorie_aandelen.csv; docs/costs.md).", st["note_wrap"])
    ws.write_string(2, 0, model_line(data.model_status), st["note"])
    ws.write_row(3, 0, ["sleutel", "gemeente", "categorie"], st["head"])
    for j, y in enumerate(data.years):
        ws.write_number(3, 3 + j, y, st["head_num"])
    keys = list(data.shares)
    for i, (g, c) in enumerate(keys):
        ws.write_row(4 + i, 0, [f"{g}|{c}", g, c])
        for j, v in enumerate(data.shares[(g, c)]):
            L.put(ws, 4 + i, 3 + j, v, st["share"])
    last = 4 + len(keys) - 1
    wb.define_name(N.SHARE_KEY, f"={L.SHARES}!{L.absolute(4, 0)}:{L.absolute(last, 0)}")
    wb.define_name(N.SHARE_YEARS, f"={L.SHARES}!{L.absolute(3, 3)}:{L.absolute(3, 3 + len(data.years) - 1)}")
    wb.define_name(N.SHARE, f"={L.SHARES}!{L.absolute(4, 3)}:{L.absolute(last, 3 + len(data.years) - 1)}")
    ws.freeze_panes(4, 3)
    printing.table_sheet(ws, (0, 0, last, 2 + len(data.years)), title_rows=(3, 3))


def _model(wb: Any, ws: Any, data: ExportData, st: dict[str, Any]) -> tuple[str, str]:
    """Which model, its years and source, the names and the Excel they need.

    Returns the ranges of the gemeente list: codes, and codes with names.
    """
    m = data.manifest
    prov = m.get("data_provenance") or {}
    prov = prov if isinstance(prov, dict) else {}
    tables = prov.get("tables", {})
    table_ids = sorted({t for per in tables.values() if isinstance(per, dict) for t in per.values()})
    train = m.get("training_years", {})
    kind = model_label(m)
    rows: list[tuple[str, Any, str]] = [
        ("Model", f"{kind}: {data.model_name}", data.model_status),
        ("Trainingsjaren", "; ".join(f"{c} {v[0]}-{v[-1]}" for c, v in train.items() if v), "jaren met CBS-cijfers waarop het model is geschat"),
        ("Laatste waarneming", data.last_observed, "laatste jaar met CBS-cijfers; latere jaren zijn prognoses"),
        ("Prognose tot en met", horizon.reach(data.last_observed, data.max_horizon),
         "na de berekende paden van het model loopt de groei van het laatste jaar door (extrapolatie)"),
        ("Extrapolatie na (jaren)", L.EXTRAPOLATION_HORIZON,
         "kolommen meer dan dit aantal jaren na de laatste waarneming heten 'extrapolatie': ver buiten de gegevens, met voorzichtigheid gebruiken; "
         f"bandbreedte daar: aanname, {horizon.RANGE_ASSUMPTION_NL}"),
        ("Model gemaakt op", str(m.get("created", "")), ""),
        ("wmo_xl-versie model", str(m.get("wmo_xl_version", "")), ""),
        ("Geexporteerd op", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "met wmo-xl export-workbook"),
        ("Gemeenten in dit bestand", len(data.gemeenten), ""),
        ("Bron", str(prov.get("publisher", "Centraal Bureau voor de Statistiek (CBS), StatLine")), ", ".join(table_ids)),
        ("Licentie", "CC BY 4.0", str(prov.get("attribution", "Bron: CBS. Prognoses zijn modeluitkomsten, geen CBS-statistieken."))),
        ("Functies (LAMBDA) werken in", N.EXCEL_VERSIONS,
         "de bladen zelf gebruiken alleen gewone functies (Excel 2016+, LibreOffice)"),
    ]
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 44)
    ws.set_column(3, 3, 50)
    ws.write_string(1, 1, "Model en bron van deze werkmap", st["title"])
    ws.write_row(3, 1, ["onderwerp", "waarde", "toelichting"], st["head"])
    for i, (label, value, note) in enumerate(rows):
        r = 4 + i
        ws.write_string(r, 1, label, st["label_top"])
        L.put(ws, r, 2, value, st["int_left_top"] if isinstance(value, int) else st["wrap_top"])
        ws.write_string(r, 3, note, st["note_wrap"])
        printing.wrap_height(ws, r, {2: str(value), 3: note})
        if label == "Laatste waarneming":
            wb.define_name("WmoLaatsteWaarneming", f"={L.MODEL}!{L.absolute(r, 2)}")
        if label.startswith("Extrapolatie"):
            wb.define_name("WmoHorizon", f"={L.MODEL}!{L.absolute(r, 2)}")
    r = 4 + len(rows) + 1
    ws.write_string(r, 1, "Functies voor eigen formules (Microsoft 365 / Excel 2024)", st["h2"])
    ws.write_row(r + 1, 1, ["functie", "betekenis"], st["head"])
    for i, (sig, text) in enumerate(N.HELP):
        ws.write_string(r + 2 + i, 1, sig, st["wrap_top"])
        ws.write_string(r + 2 + i, 2, text, st["wrap_top"])
        printing.wrap_height(ws, r + 2 + i, {1: sig, 2: text})
    printing.note(ws, r + 2 + len(N.HELP), 1, 3, "Met een Nederlandse Excel gebruikt u ; tussen de argumenten. Een onbekende wijk geeft de fout N/B "
                  "(Engels N/A), een prijs die geen getal is de fout WAARDE (Engels VALUE): nooit een stil verkeerd getal.", st["note_wrap"])
    g0 = r + 4 + len(N.HELP)
    ws.write_string(g0, 1, "Gemeenten in dit bestand", st["h2"])
    ws.write_row(g0 + 1, 1, ["code", "naam", "toelichting", "opmerking"], st["head"])
    for i, g in enumerate(data.gemeenten):
        ws.write_string(g0 + 2 + i, 1, g)
        ws.write_string(g0 + 2 + i, 2, data.names.get(g, g))
        if g in data.estimates:  # a figure estimated from demographics: its label beside the name
            ws.write_string(g0 + 2 + i, 4, data.estimates[g], st["wrap_top"])
        if g in data.notes:  # an old code: what became of it (the sheets show it under the gemeente)
            ws.write_string(g0 + 2 + i, 3, data.notes[g], st["wrap_top"])
        printing.wrap_height(ws, g0 + 2 + i, {3: data.notes.get(g, ""), 4: data.estimates.get(g, "")})
    ws.set_column(4, 4, 50)
    first, last = g0 + 2, g0 + 1 + len(data.gemeenten)
    wb.define_name(N.MAP_NOTES, f"={L.MODEL}!{L.absolute(first, 1)}:{L.absolute(last, 3)}")
    printing.table_sheet(ws, (1, 0, last, 4))
    return (f"={L.MODEL}!{L.absolute(first, 1)}:{L.absolute(last, 1)}",
            f"{L.MODEL}!{L.absolute(first, 1)}:{L.absolute(last, 2)}")


def _menukaart(wb: Any, ws: Any, rows: list[MenuRow], st: dict[str, Any]) -> None:
    """The menukaart as an Excel table; the name Menukaart covers it with its header row."""
    ws.write_string(0, 0, "Menukaart: diensten, volumes en prijzen (pas de gele kolommen aan uw contracten aan)", st["title"])
    for i, c in enumerate(MENU_COLUMNS):
        ws.set_column(i, i, printing.MENU_WIDTHS.get(c, 12))
    printing.note(ws, 1, 0, 5, "Een prijs die geen getal is (bv. tekst of '32,40' als tekst) of buiten het bereik valt, geeft #WAARDE! "
                  "in de begroting: nooit een te laag totaal.", st["note_wrap"])
    data = [[getattr(r, c) for c in MENU_COLUMNS] for r in rows]
    fmts = {c: st["wrap_top"] if c in printing.MENU_WRAPPED else st[INPUT_COLUMNS[c] + "_top"] if c in INPUT_COLUMNS else st["top"] for c in MENU_COLUMNS}
    last_row = MENU_HEADER_ROW + len(data)
    ws.add_table(MENU_HEADER_ROW, 0, last_row, len(MENU_COLUMNS) - 1, {
        "name": "tblMenukaart", "style": "Table Style Light 9", "data": data,
        "columns": [{"header": c, "header_format": st["head_wrap"], "format": fmts[c]} for c in MENU_COLUMNS],
    })
    printing.wrap_height(ws, MENU_HEADER_ROW, dict(enumerate(MENU_COLUMNS)), bold=True)
    for i, row in enumerate(data):
        printing.wrap_height(ws, MENU_HEADER_ROW + 1 + i, {j: str(v) for j, (c, v) in enumerate(zip(MENU_COLUMNS, row))
                                                           if c in printing.MENU_WRAPPED and v})
    end_col = xl_col_to_name(len(MENU_COLUMNS) - 1)
    wb.define_name("Menukaart", f"={L.MENU}!$A${MENU_HEADER_ROW + 1}:${end_col}${last_row + 1}")
    limits = {"aandeel": (0, 1), "verzilveringsgraad": (0, 1), "eenheden_per_client_per_jaar": (0, 1e9), "prijs": (0, 1e9),
              "prijsjaar": (2000, 2100), "indexatie": (-0.5, 0.5)}
    for name, (lo, hi) in limits.items():
        c = MENU_COLUMNS.index(name)
        if name == "indexatie":  # a yearly rate or vng (the VNG series of sheet Indexatie)
            v = xl_rowcol_to_cell(MENU_HEADER_ROW + 1, c)
            ws.data_validation(MENU_HEADER_ROW + 1, c, last_row, c, {
                "validate": "custom", "value": f'=OR(AND(ISNUMBER({v}),{v}>=-0.5,{v}<=0.5),TRIM({v})="vng")',
                "error_title": "Ongeldige waarde", "error_message": "indexatie: een jaarpercentage tussen -50% en 50%, of vng (blad Indexatie)."})
            continue
        ws.data_validation(MENU_HEADER_ROW + 1, c, last_row, c, {
            "validate": "integer" if name == "prijsjaar" else "decimal", "criteria": "between", "minimum": lo, "maximum": hi,
            "error_title": "Ongeldige waarde", "error_message": f"{name} moet een getal zijn tussen {lo:g} en {hi:g}."})
    end = printing.note(ws, last_row + 2, 0, 5, "Nieuwe dienst? Een regel onder de tabel telt pas mee als u de naam Menukaart "
                        "(Formules > Namen beheren) en het blad Budget uitbreidt.", st["note_wrap"])
    ws.freeze_panes(MENU_HEADER_ROW + 1, 1)
    printing.table_sheet(ws, (0, 0, end, len(MENU_COLUMNS) - 1), title_rows=(MENU_HEADER_ROW, MENU_HEADER_ROW), wide=1)


def _next_column(span: str) -> str:
    """'Model!$B$10:$C$20' -> '$D$20': the cell right of a range's last cell (the label column)."""
    from xlsxwriter.utility import xl_cell_to_rowcol

    row, col = xl_cell_to_rowcol(span.split(":")[-1].replace("$", ""))
    return f"${xl_col_to_name(col + 1)}${row + 1}"


def _forecast(wb: Any, ws: Any, data: ExportData, gem_list: tuple[str, str], st: dict[str, Any]) -> None:
    """Gemeente total with its 80% range and the wijk grid of the chosen gemeente and category."""
    g0, c0 = data.gemeenten[0], "totaal"
    years = data.years
    n = len(years)
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2 + n, 11)
    ws.write_string(1, 1, "Wmo-clienten per wijk: waarneming en prognose (bij ongewijzigd beleid)", st["title"])
    ws.write_string(3, 1, "Gemeente", st["label"])
    ws.write_string(3, 2, g0, st["input"])
    codes, names = gem_list
    ws.data_validation(3, 2, 3, 2, {"validate": "list", "source": codes,
                                    "error_title": "Onbekende gemeente", "error_message": "Kies een gemeentecode uit de lijst (blad Model)."})
    ws.write_formula(3, 3, f'=IFERROR(VLOOKUP($C$4,{names},2,FALSE),"")', st["label"], data.names.get(g0, g0))
    # the header line, as the template's block header: what became of an old code, whether the
    # figures are a demographic estimate, then the model; it follows the gemeente chosen in C4
    labels = names.rsplit(":", 1)[0] + ":" + _next_column(_next_column(names))  # code .. the opmerking column
    note_f = N.map_note_formula("$C$4")[1:]
    est_f = f'IFERROR(VLOOKUP($C$4,{labels},4,FALSE)&"","")'
    line = model_line(data.model_status)
    cached = " - ".join(p for p in (f"Let op: {data.notes[g0]}" if g0 in data.notes else "", data.estimates.get(g0, ""), line) if p)
    ws.write_formula(2, 1, f'=IF({note_f}="","",{note_f}&" - ")&IF({est_f}="","",{est_f}&" - ")&"{line.replace(chr(34), chr(34) * 2)}"',
                     st["note"], cached)
    ws.write_string(4, 1, "Categorie", st["label"])
    ws.write_string(4, 2, c0, st["input"])
    ws.data_validation(4, 2, 4, 2, {"validate": "list", "source": list(data.categories)})
    ws.write_string(5, 1, "Regel in blad Prognose", st["note"])
    key_row = next(i for i, r in enumerate(data.rows) if r.code == g0 and r.categorie == c0) + 1
    ws.write_formula(5, 2, f'=MATCH($C$4&"|"&$C$5,{N.KEY},0)', st["int"], key_row)
    ws.write_string(6, 1, "Aantal wijken", st["note"])
    wijk_rows = [r for r in data.rows if r.gemeente == g0 and r.categorie == c0 and r.niveau == "wijk"]
    ws.write_formula(6, 2, "=COUNTIFS(WmoGemeente,$C$4,WmoCategorie,$C$5)-1", st["int"], len(wijk_rows))
    printing.note_beside(ws, 3, 5, 2 + n - 1, f"Grijs: CBS-waarneming (t/m {data.last_observed}); '.' = geen CBS-waarde. "
                  f"Meer dan {L.EXTRAPOLATION_HORIZON} jaar na de laatste waarneming: extrapolatie (rood).", st["note_wrap"], max_rows=5)  # rows 4-8: the year row is 9
    hr = 8
    ws.write_string(hr, 1, "Jaar", st["head"])
    for j, y in enumerate(years):
        ws.write_number(hr, 2 + j, y, st["head_num"])
    ws.write_string(hr + 1, 1, "Jaren na laatste waarneming")
    ws.write_string(hr + 2, 1, "Status")
    g_row = data.row(g0, c0)
    labels = [("Gemeente totaal", N.CLIENTS, g_row.clients), ("Ondergrens (80%)", N.LOWER, g_row.lower),
              ("Bovengrens (80%)", N.UPPER, g_row.upper)]
    for j, y in enumerate(years):
        col = xl_col_to_name(2 + j)
        ahead, state = L.status_formula(f"{col}${hr + 1}", f"{col}{hr + 2}")
        ws.write_formula(hr + 1, 2 + j, ahead, st["int"], y - data.last_observed)
        ws.write_formula(hr + 2, 2 + j, state, st["status"], L.status(y, data.last_observed))
        fmt = st["count_obs"] if y <= data.last_observed else st["count_extra"] if L.status(y, data.last_observed) == "extrapolatie" else st["count"]
        for k, (label, block, values) in enumerate(labels):
            ws.write_string(hr + 3 + k, 1, label, st["label"] if k == 0 else None)
            v = f"INDEX({block},$C$6,MATCH({col}${hr + 1},{N.YEARS},0))"
            L.formula(ws, hr + 3 + k, 2 + j, f'=IF(ISNUMBER({v}),{v},".")', fmt, values[j])
    gr = hr + 7
    ws.write_string(gr, 1, "Wijk", st["head"])
    for j, y in enumerate(years):
        ws.write_number(gr, 2 + j, y, st["head_num"])
    max_wijken = max(sum(1 for r in data.rows if r.gemeente == g and r.categorie == c and r.niveau == "wijk")
                     for g in data.gemeenten for c in data.categories)
    for i in range(1, max_wijken + 1):
        r = gr + i
        w = wijk_rows[i - 1] if i <= len(wijk_rows) else None
        ws.write_formula(r, 1, f'=IF({i}<=$C$7,INDEX(WmoCode,$C$6+{i}),"")', None, w.code if w else "")
        for j, y in enumerate(years):
            col = xl_col_to_name(2 + j)
            fmt = st["count_obs"] if y <= data.last_observed else st["count_extra"] if L.status(y, data.last_observed) == "extrapolatie" else st["count"]
            v = f"INDEX({N.CLIENTS},$C$6+{i},MATCH({col}${gr + 1},{N.YEARS},0))"
            L.formula(ws, r, 2 + j, f'=IF($B{r + 1}="","",IF(ISNUMBER({v}),{v},"."))', fmt, w.clients[j] if w else "")
    ws.freeze_panes(hr + 1, 2)
    # the template's Forecast chart: gemeente total and its 80% range, beside the table
    f, last = L.FORECAST, xl_col_to_name(1 + n)
    chart = charts.forecast_chart(wb, f"={f}!$C${hr + 1}:${last}${hr + 1}", [f"={f}!$C${hr + 4 + k}:${last}${hr + 4 + k}" for k in range(3)])
    chart_cells = printing.place_chart(ws, chart, 1, 2 + n + 1)
    # the rows of the gemeente shown (as the template): another one's extra rows would print as blank pages
    printing.table_sheet(ws, (1, 0, gr + len(wijk_rows), 1 + n), title_rows=(gr, gr), extra_areas=[chart_cells])
