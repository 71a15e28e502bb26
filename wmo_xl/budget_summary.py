"""What ``wmo-xl budget`` prints: the Budget sheet's figures as one table.

The Budget sheet shows, per year, the clients per category, the euros per service with
subtotals and a total, and the total at the bounds of the 80% interval of the gemeente's
clients. :func:`budget_summary` returns the same rows as a frame (Dutch identifiers, the
CSV columns); :func:`for_people` gives the English labels of the table format, so one
output speaks one language.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .costs import summarize
from .forecast import forecast, forecast_interval

#: Table-format labels (the CSV keeps the identifiers of :func:`wmo_xl.costs.summarize`).
PEOPLE_COLUMNS = {"maat": "measure", "niveau": "level", "categorie": "category", "dienst": "service"}
PEOPLE_DETAIL = {"dienst": "service", "omschrijving": "description", "categorie": "category", "leveringsvorm": "delivery",
                 "eenheid": "unit", "jaar": "year", "clienten": "clients", "basis": "base", "verschil": "difference"}
PEOPLE_VALUES = {
    "basis": "base", "scenario": "scenario", "verschil": "difference", "clienten": "clients",
    "dienst": "service", "subtotaal": "subtotal", "totaal": "total", "categorie": "category",
    "ondergrens_80": "lower 80%", "bovengrens_80": "upper 80%",
}


def budget_summary(detail: pd.DataFrame, gemeente: str, years: Sequence[int], measures: Sequence[str],
                   model: str | Path | None = None) -> pd.DataFrame:
    """Clients per category and in total, then per measure the services, subtotals, total
    and the total at the lower and upper bound of the gemeente's 80% interval.

    The bounds scale the whole total with the gemeente's clients (every category moves
    with it), as the Budget sheet's ``Totaal ondergrens/bovengrens 80% (EUR)`` rows do.
    """
    euros = summarize(detail)
    euros = euros[euros["maat"].isin(measures)]
    cols = [str(y) for y in years]
    clients = detail.drop_duplicates(["categorie", "jaar"]).pivot_table(
        index="categorie", columns="jaar", values="clienten", sort=False)
    clients.columns = [str(c) for c in clients.columns]
    rows: list[dict[str, object]] = []
    total, lower, upper = {}, {}, {}
    for y in years:
        mean = forecast(gemeente, int(y), model=model)
        lo, hi = forecast_interval(gemeente, int(y), model=model)
        total[str(y)], lower[str(y)], upper[str(y)] = mean, lo / mean if mean else 1.0, hi / mean if mean else 1.0
    rows.append({"maat": "clienten", "niveau": "totaal", "categorie": "", "dienst": "totaal", **total})
    for cat, values in clients.iterrows():
        rows.append({"maat": "clienten", "niveau": "categorie", "categorie": cat, "dienst": "", **values.to_dict()})
    parts = [pd.DataFrame(rows)]
    for m in measures:
        block = euros[euros["maat"] == m]
        parts.append(block)
        if m == "verschil":
            continue
        tot = block[block["niveau"] == "totaal"].iloc[0]
        for name, factor in (("ondergrens_80", lower), ("bovengrens_80", upper)):
            parts.append(pd.DataFrame([{"maat": m, "niveau": name, "categorie": "", "dienst": "totaal",
                                        **{c: float(tot[c]) * factor[c] for c in cols}}]))
    out = pd.concat(parts, ignore_index=True)
    return out[["maat", "niveau", "categorie", "dienst", *cols]]


def for_people(summary: pd.DataFrame) -> pd.DataFrame:
    """The table format's labels: English words, identifiers (services, categories) kept.
    A detail frame (:func:`wmo_xl.costs.budget`) gets English column names."""
    if "maat" not in summary.columns:
        return summary.rename(columns=PEOPLE_DETAIL)
    out = summary.rename(columns=PEOPLE_COLUMNS)
    for col in ("measure", "level"):
        out[col] = out[col].map(lambda v: PEOPLE_VALUES.get(v, v))
    out["service"] = out["service"].map(lambda v: "total" if v == "totaal" else
                                        f"subtotal {v[len('subtotaal '):]}" if str(v).startswith("subtotaal ") else v)
    return out
