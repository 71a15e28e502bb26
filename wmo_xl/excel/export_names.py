"""The workbook-level LAMBDA names of the exported workbook, as Excel stores them.

Excel keeps newer functions with a prefix in the file: ``_xlfn.LAMBDA``, ``_xlfn.CHOOSEROWS``
and parameters as ``_xlpm.name``; Excel shows them without. The arguments follow the
template's UDFs: ``WMO_FORECAST(wijk; jaar)``, ``WMO_RANGE(wijk; jaar)``,
``WMO_COST(dienst; clienten; Menukaart; jaar)``; the optional category of the UDFs becomes
a separate ``..._CAT`` name because a LAMBDA's optional argument needs ISOMITTED, which
only the newest Excel builds know.

The texts avoid LET, ISOMITTED, TAKE and INDEX with a 0 row or column, so the ``formulas``
package (the tests) computes them as Excel does. No LAMBDA name is called from the
workbook's own sheets: LibreOffice and Excel 2016-2021 do not know LAMBDA.

Needs: Microsoft 365, Excel 2024, Excel for the web or Excel for Mac 2024 (LAMBDA and, in
WMO_COST, CHOOSEROWS/CHOOSECOLS).
"""

from __future__ import annotations

#: Names of the data ranges the functions read (defined by the writer).
KEY = "WmoSleutel"
YEARS = "WmoJaren"
CLIENTS = "WmoClienten"
LOWER = "WmoOnder"
UPPER = "WmoBoven"
SHARE_KEY = "WmoAandeelSleutel"
SHARE_YEARS = "WmoAandeelJaren"
SHARE = "WmoAandeel"

#: Excel versions that compute the names (for the Model sheet and the docs).
EXCEL_VERSIONS = "Microsoft 365, Excel 2024 (Windows en Mac) of Excel voor het web"

#: Menukaart columns the cost needs, with the check each value must pass (as MenuRow).
COST_CHECKS: dict[str, str] = {
    "aandeel": "AND({v}>=0,{v}<=1)",
    "verzilveringsgraad": "AND({v}>=0,{v}<=1)",
    "eenheden_per_client_per_jaar": "{v}>=0",
    "prijs": "{v}>=0",
    "prijsjaar": "AND({v}>=2000,{v}<=2100,{v}=INT({v}))",
    "indexatie": 'IF(ISNUMBER({v}),AND({v}>=-0.5,{v}<=0.5),TRIM({v})="vng")',
}
#: Columns that may hold text instead of a number (indexatie: "vng", the VNG series).
TEXT_ALLOWED = {"indexatie"}


def price_factor(index: str, year: str, prijsjaar: str) -> str:
    """Price level of ``year`` relative to ``prijsjaar``: (1 + rate)^(years) for a flat rate,
    the cumulative VNG level of sheet Indexatie for ``vng`` (wmo_xl.indexatie; #N/A past the series)."""
    from .indexatie_sheet import level_formula

    return f"IF(ISNUMBER({index}),(1+{index})^({year}-{prijsjaar}),{level_formula(year)}/{level_formula(prijsjaar)})"


def _lookup(block: str, code: str, category: str, year: str) -> str:
    """One value of a forecast block: row by 'CODE|categorie', column by year."""
    return f'INDEX({block},MATCH(TRIM({code})&"|"&TRIM({category}),{KEY},0),MATCH({year}+0,{YEARS},0))'


def _number_or_na(expr: str) -> str:
    """The value when it is a number; '.' (no CBS value) becomes #N/A, never 0 or text."""
    return f"IF(ISNUMBER({expr}),{expr},NA())"


def forecast_names() -> dict[str, str]:
    """WMO_FORECAST, WMO_RANGE and their category forms."""
    w, j, c = "_xlpm.wijk", "_xlpm.jaar", "_xlpm.categorie"
    out = {}
    for suffix, cat, params in (("", '"totaal"', f"{w},{j}"), ("_CAT", c, f"{w},{j},{c}")):
        value = _number_or_na(_lookup(CLIENTS, w, cat, j))
        lower = _number_or_na(_lookup(LOWER, w, cat, j))
        upper = _number_or_na(_lookup(UPPER, w, cat, j))
        out[f"WMO_FORECAST{suffix}"] = f"=_xlfn.LAMBDA({params},{value})"
        out[f"WMO_RANGE{suffix}"] = f"=_xlfn.LAMBDA({params},CHOOSE({{1,2}},{lower},{upper}))"
    return out


def clients_name() -> str:
    """WMO_CLIENTS(gemeente; jaar; categorie): gemeente total x the category's share."""
    g, j, c = "_xlpm.gemeente", "_xlpm.jaar", "_xlpm.categorie"
    total = _number_or_na(_lookup(CLIENTS, g, '"totaal"', j))
    share_expr = f'INDEX({SHARE},MATCH(TRIM({g})&"|"&TRIM({c}),{SHARE_KEY},0),MATCH({j}+0,{SHARE_YEARS},0))'
    return f"=_xlfn.LAMBDA({g},{j},{c},{total}*{_number_or_na(share_expr)})"


def cost_name() -> str:
    """WMO_COST(dienst; clienten; Menukaart; jaar): the cost formula of wmo_xl.costs.cost.

    cost = clienten x (aandeel x verzilveringsgraad x eenheden x prijs x prijsniveau), the level
    (1 + indexatie)^(jaar - prijsjaar) or, for indexatie "vng", the VNG level of sheet Indexatie;
    jaar 0 or empty = the price year (as the UDF). Every menu value must be a number in its
    range, else #VALUE!; an unknown dienst gives an error too.
    """
    d, n, m, j = "_xlpm.dienst", "_xlpm.clienten", "_xlpm.menukaart", "_xlpm.jaar"

    def col(name: str) -> str:
        return (f"INDEX({m},MATCH(TRIM({d}),_xlfn.CHOOSECOLS({m},1),0),"
                f'MATCH("{name}",_xlfn.CHOOSEROWS({m},1),0))')

    checks = [f"ISNUMBER({n})", f"{n}>=0", f"OR({j}=0,{j}=INT({j}))"]
    for name, rule in COST_CHECKS.items():
        v = col(name)
        checks += ([] if name in TEXT_ALLOWED else [f"ISNUMBER({v})"]) + [rule.format(v=v)]
    pj = col("prijsjaar")
    year = f"IF({j}=0,{pj},{j})"
    value = (f"{n}*({col('aandeel')}*{col('verzilveringsgraad')}*{col('eenheden_per_client_per_jaar')}"
             f"*{col('prijs')}*{price_factor(col('indexatie'), year, pj)})")
    return f"=_xlfn.LAMBDA({d},{n},{m},{j},IF(AND({','.join(checks)}),{value},#VALUE!))"


def all_names(with_shares: bool = True) -> dict[str, str]:
    """Every LAMBDA name of the export, name -> formula text for ``define_name``."""
    out = forecast_names()
    out["WMO_COST"] = cost_name()
    if with_shares:
        out["WMO_CLIENTS"] = clients_name()
    return out


#: What the Model sheet says about each name (signature, meaning), in Dutch like the UDF help.
HELP: list[tuple[str, str]] = [
    ("WMO_FORECAST(wijk; jaar)", "Wmo-clienten van een wijk of gemeente (totaal); waarneming t/m het laatste CBS-jaar, daarna prognose."),
    ("WMO_FORECAST_CAT(wijk; jaar; categorie)", "Idem voor een categorie van het model (totaal of hbh)."),
    ("WMO_RANGE(wijk; jaar)", "Ondergrens en bovengrens (80%-interval) als 1 x 2: twee cellen naast elkaar."),
    ("WMO_RANGE_CAT(wijk; jaar; categorie)", "Idem voor een categorie."),
    ("WMO_CLIENTS(gemeente; jaar; categorie)", "Clienten van een kostencategorie (hbh, begeleiding, ...) in een gemeente: totaal x aandeel (blad Aandelen; uit de modelprognose van de categorie waar het model die heeft)."),
    ("WMO_COST(dienst; clienten; Menukaart; jaar)", "Kosten in euro per jaar van een dienst van de menukaart; jaar 0 = prijsjaar; "
     "indexatie 'vng' volgt het blad Indexatie."),
]


#: Defined name of the gemeente list (code, naam, toelichting) on the Model sheet.
MAP_NOTES = "WmoGemeenteLijst"


def map_note_formula(cell: str) -> str:
    """The header line of an old gemeente code (its ``toelichting`` in the gemeente list)."""
    return f'=IFERROR(IF(VLOOKUP({cell},{MAP_NOTES},3,FALSE)="","","Let op: "&VLOOKUP({cell},{MAP_NOTES},3,FALSE)),"")'
