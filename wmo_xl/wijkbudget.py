"""Euros per wijk: where a gemeente's Wmo budget goes (the per-wijk cost map).

A wijk's clients of each cost category are its share of the gemeente's Wmo clients times
the gemeente's clients of that category; times the gemeente's cost per client of the
category (its base budget for the category / its clients of the category) this gives

    euro(wijk, jaar) = sum over categories of clients(wijk) / clients(gemeente)
                       x clients(gemeente, cat) x kosten(gemeente, cat) / clients(gemeente, cat)
                     = clients(wijk) / clients(gemeente) x budget(gemeente, jaar)

so the wijken add up to the gemeente's base budget total (:func:`wmo_xl.costs.budget`, so
menukaart, indexation and client-source changes flow through). The category mix of a wijk
is the gemeente's: the model's HbH figures per wijk are not used to shift HbH euros between
wijken (the export, which has no model, must give the same numbers).

Whole euros: :func:`whole_euros` rounds by largest remainder, so the wijken's whole euros
add up exactly to the gemeente total rounded to the euro. Clients the wijken do not carry
(a past year in which a wijk has no CBS value) go to a row ``zonder wijkcijfer``, never
spread silently over the others.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import check_code, is_gemeente
from .errors import WmoError

#: Output columns of ``wmo-xl budget --per-wijk``.
COLUMNS = ["wijk", "naam", "jaar", "clienten", "euro"]
#: The row of clients no wijk carries (wijk code empty).
REST = "zonder wijkcijfer"


def whole_euros(values: list[float], total: float) -> list[int]:
    """Round to whole euros so that they add up exactly to ``round(total)`` (largest remainder)."""
    target = int(round(total))
    floors = [math.floor(v) for v in values]
    left = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (values[i] - floors[i]), reverse=True)
    if left < 0 or left > len(values):  # cannot happen when sum(values) == total; refuse rather than bend
        raise WmoError(f"euros per wijk do not add up to the total {total:,.2f}")
    for i in order[:left]:
        floors[i] += 1
    return floors


def per_wijk(gemeente: str, years: Iterable[int], menu: Any = None, shares: dict[str, float] | None = None,
             model: str | Path | None = None, index: Any = None) -> pd.DataFrame:
    """Columns wijk, naam, jaar, clienten, euro (float) and euro_afgerond (whole euros), wijken
    sorted by euros (descending) within each year; the rows of a year add up to the base budget."""
    from .costs import budget
    from .forecast import forecast_table
    from .wijken import wijk_names, wijken_of

    code = check_code(gemeente)
    if not is_gemeente(code):
        raise WmoError(f"--per-wijk needs a gemeente code (GM + 4 digits), not the wijk {code}")
    year_list = list(years)
    detail = budget(code, year_list, menu, None, shares, model, index=index)  # index: the VNG series of the budget
    totals = detail.groupby("jaar")["basis"].sum()
    wijken = wijken_of(code, model=model)
    grid = forecast_table(wijken, year_list, "totaal", model).pivot(index="wijk", columns="year", values="clients")
    gem = forecast_table([code], year_list, "totaal", model).set_index("year")["clients"]
    names = wijk_names(model)
    rows: list[dict[str, Any]] = []
    for y in year_list:
        total_clients = float(gem[y])
        euros = float(totals[y])
        if not np.isfinite(total_clients) or total_clients <= 0:
            raise WmoError(f"{code} has no client total in {y}: euros per wijk need it")
        part = []
        for w in wijken:
            c = float(grid.at[w, y])
            if np.isfinite(c):
                part.append({"wijk": w, "naam": names.get(w, ""), "jaar": y, "clienten": c, "euro": euros * c / total_clients})
        part.sort(key=lambda r: (-r["euro"], r["wijk"]))
        rest = total_clients - sum(r["clienten"] for r in part)
        if abs(rest) > 1e-6 * total_clients:
            part.append({"wijk": "", "naam": REST, "jaar": y, "clienten": rest, "euro": euros * rest / total_clients})
        for r, e in zip(part, whole_euros([r["euro"] for r in part], euros)):
            r["euro_afgerond"] = e
        rows.extend(part)
    return pd.DataFrame(rows, columns=COLUMNS + ["euro_afgerond"])


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """Wijken x years in euros (rows sorted by the first year's euros), for the Wijken sheet."""
    years = sorted(table["jaar"].unique())
    out = table.pivot_table(index=["wijk", "naam"], columns="jaar", values="euro", aggfunc="sum", sort=False).reset_index()
    out = out.sort_values(years[0], ascending=False, kind="stable")
    rest = out["naam"] == REST
    return pd.concat([out[~rest], out[rest]], ignore_index=True)
