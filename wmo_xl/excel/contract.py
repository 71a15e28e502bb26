"""The workbook contract: every name that Python, VBA and the template must agree on.

One place, so a renamed sheet, range, button or module is renamed everywhere at once. The
template builder, the UDFs, the macros, the VBA writer and the tests read these names.
"""

from __future__ import annotations

#: xlwings version whose VBA module the template embeds (standalone): the Python side must
#: have exactly this version, because the VBA loads ``xlwings64-<version>.dll``.
XLWINGS_VERSION = "0.37.8"

# ----------------------------------------------------------------------------- Python
#: Python module holding the ``@xw.func`` UDFs (the conf sheet's "UDF Modules").
UDF_MODULE = "wmo_xl.excel.udfs"
#: Python module holding the button macros.
MACRO_MODULE = "wmo_xl.excel.macros"

# -------------------------------------------------------------------------------- VBA
#: VBA module with the UDF wrappers; the same name Excel's "Import Functions" uses, so an
#: import by hand replaces it instead of adding a second copy.
VBA_UDF_MODULE = "xlwings_udfs"
#: VBA module with one sub per button.
VBA_MACRO_MODULE = "wmo_macros"
#: VBA module of xlwings itself (kept byte-identical to xlwings' standalone template).
VBA_XLWINGS_MODULE = "xlwings"
#: Sub behind the "Hertrainen" button and the Python it runs.
RETRAIN_MACRO = "WmoHertrainen"
RETRAIN_PYTHON = f"import {MACRO_MODULE} as m; m.retrain()"
#: Sub behind the "Terug naar landelijk model" button and the Python it runs.
RESET_MACRO = "WmoLandelijkModel"
RESET_PYTHON = f"import {MACRO_MODULE} as m; m.reset_model()"
#: Sub behind the "Exporteren" button: the zero-install .xlsx of the workbook's model (issue 14).
EXPORT_MACRO = "WmoExporteren"
EXPORT_PYTHON = f"import {MACRO_MODULE} as m; m.export_workbook()"
EXPORT_CAPTION = "Exporteren zonder macro's (.xlsx)"
#: Sub behind the "Verversen van CBS" button: current CBS figures as the workbook's own model.
REFRESH_MACRO = "WmoVerversen"
REFRESH_PYTHON = f"import {MACRO_MODULE} as m; m.refresh()"
REFRESH_CAPTION = "Verversen van CBS"
RETRAIN_CAPTION = "Hertrainen op eigen cijfers"
RESET_CAPTION = "Terug naar landelijk model"

# ----------------------------------------------------------------------------- sheets
START = "Start"
FORECAST = "Forecast"
MENUKAART = "Menukaart"
BUDGET = "Budget"
INDEXATIE = "Indexatie"  # the VNG series WMO_BUDGET reads (wmo_xl.excel.indexatie_sheet)
DATA = "Data"
MODEL = "Model"
LISTS = "Lijsten"
REKEN = "Reken"  # hidden: the block functions' spill ranges, shown cell by cell on the other sheets
CONF = "xlwings.conf"
CONTROLE = "Controle"  # written by retrain (its report)
REALISATIE = "Realisatie"  # realisation against budget (issue 19)
WIJKEN = "Wijken"  # base budget per wijk (issue 19)
SHEETS = [START, FORECAST, MENUKAART, BUDGET, INDEXATIE, REALISATIE, WIJKEN, DATA, MODEL, LISTS, REKEN, CONF]

# ----------------------------------------------------------------------- names, cells
#: Defined name of the menu card range (header row included).
MENU_NAME = "Menukaart"
#: Defined name of the Menukaart's dienst and omschrijving columns (data rows): the Budget
#: sheet shows each service by its Dutch omschrijving, looked up by its dienst code.
MENU_LABELS_NAME = "WmoDienstOmschrijving"
#: Defined name of the cell the macros stamp after a retrain or reset; every block
#: function takes it as an input, so a model switch changes their inputs.
MODEL_STAMP_NAME = "WmoModelStempel"
MODEL_STAMP_CELL = (LISTS, "E2")
FORECAST_GEMEENTE = "C4"
FORECAST_CATEGORY = "C5"
FORECAST_YEARS_ROW = 7  # 1-based sheet row of the year header
FORECAST_BLOCK = "B8"  # top-left of the cells that show the WMO_FORECAST_SHEET block
BUDGET_GEMEENTE = "C4"
BUDGET_YEARS = "D5:H5"  # up to five budget years (empty cells are skipped)
BUDGET_SCENARIO = "B9:C19"
MODEL_INFO_BLOCK = "B4"
#: Where the block formulas spill on the hidden Reken sheet (separate column bands, so a
#: block that grows never runs into another). The visible sheets show each cell with
#: ``=IF(Reken!X="","",Reken!X)``: an empty array element would show as 0 in Excel, and
#: a suppressed CBS figure is missing, not zero.
REKEN_FORECAST = "B3"
REKEN_BUDGET = "AB3"
REKEN_MODEL = "BB3"
REKEN_REALISATIE = "CB3"
REKEN_WIJKEN = "DB3"
#: Realisatie sheet: inputs of WMO_REALISATIE and the names of its two paste areas.
REALISATIE_GEMEENTE = "C4"
REALISATIE_JAAR = "C5"
REALISATIE_KEUZE = "C6"
REALISATIE_DREMPEL_EURO = "C7"
REALISATIE_DREMPEL_PCT = "C8"
REALISATIE_NAME = "WmoRealisatie"
PROFIEL_NAME = "WmoProfiel"

# ------------------------------------------------------------------ xlwings.conf sheet
#: Key, value (text only: a Dutch Excel reads TRUE/FALSE cells as WAAR/ONWAAR and the
#: xlwings VBA then fails, xlwings #2594), note. No empty values: an empty row would
#: shadow the user's own xlwings.conf file. ``Interpreter_Win`` is written by
#: ``wmo-xl setup-excel``.
CONF_ROWS: list[tuple[str, str, str]] = [
    ("UDF Modules", UDF_MODULE, "de Python-module met de WMO_-functies"),
    ("Debug UDFs", "False", ""),
    ("Use UDF Server", "True", "hertrainen draait in hetzelfde Python-proces als de functies"),
    ("Show Console", "False", ""),
    ("ADD_WORKBOOK_TO_PYTHONPATH", "False", "wmo_xl komt uit de geinstalleerde Python, niet uit de map van de werkmap"),
]
CONF_INTERPRETER = "Interpreter_Win"
