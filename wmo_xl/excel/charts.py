"""The two charts of the workbooks, built once for the template and the export alike.

Both workbooks are written with xlsxwriter and carry the same charts: the gemeente's clients
with their 80% range (Forecast sheet) and the total cost of base and scenario per year
(Budget sheet). Value axes start at 0 (:func:`wmo_xl.excel.printing.value_axis`). Ranges
are given as sheet references, so each caller keeps its own layout.
"""

from __future__ import annotations

from typing import Any

from . import printing


def forecast_chart(wb: Any, years: str, rows: list[str]) -> Any:
    """Line chart of the gemeente total, lower and upper 80% bound.

    ``years``: the year header range; ``rows``: the three value ranges, in that order
    (references like ``"=Forecast!$C$8:$K$8"``).
    """
    chart = wb.add_chart({"type": "line"})
    for ref, (name, color, dash) in zip(rows, [("Gemeente totaal", "#1F3864", "solid"), ("Ondergrens (80%)", "#8EA9DB", "dash"),
                                               ("Bovengrens (80%)", "#8EA9DB", "dash")]):
        chart.add_series({"name": name, "categories": years, "values": ref,
                          "line": {"color": color, "dash_type": dash, "width": 2.25 if name == "Gemeente totaal" else 1.25}})
    chart.set_title({"name": "Wmo-clienten gemeente: waarneming en prognose"})
    printing.value_axis(chart, "#,##0")
    return chart


def budget_chart(wb: Any, years: str, basis: str, scenario: str) -> Any:
    """Column chart of the total cost per year: base and scenario side by side."""
    chart = wb.add_chart({"type": "column"})
    for name, ref, color in [("Basis", basis, "#1F3864"), ("Scenario", scenario, "#C55A11")]:
        chart.add_series({"name": name, "categories": years, "values": ref, "fill": {"color": color}})
    chart.set_title({"name": "Totale Wmo-kosten: basis en scenario"})
    printing.value_axis(chart, "€ #,##0")
    return chart
