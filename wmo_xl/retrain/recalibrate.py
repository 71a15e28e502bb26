"""Recalibration math: the national forecast moved to a municipality's own figures.

Recalibration keeps the national model's estimated behaviour (noise, spread, interval
quantiles) and replaces what local figures know better: each wijk's latest level, the
gemeente's recent growth (shrunk towards the national model's implied growth, since two or
three local years are little evidence) and, with four or more years, a wijk's own trend.
How much of the local growth beyond the national model's own is carried forward, and how it
fades with the years ahead, is what the national model learned about gemeente trends (its
fitted trend weight and damping, issue 20): on 2015-2018, where trends did not persist, that
weight is about zero, and forecasting 2018 from a gemeente's own 2015-2017 figures improves
from WAPE 0.066 (local growth carried undamped) to 0.060; where the data show persistence the
local trend is carried.
The interval arithmetic is :func:`wmo_xl.fitted.path_bounds`, the same as the fit's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..codes import gemeente_of
from ..errors import WmoError
from ..fitted import OFFSET, FittedForecast, observed_matrix, path_bounds, path_variance
from ..trend import damped_steps

#: Pseudo-number of year-on-year transitions pulling local growth to the national growth.
GROWTH_PRIOR_PAIRS = 2.0
#: Pseudo-number of years pulling a wijk's own trend to its gemeente's growth.
TREND_PRIOR_YEARS = 6.0


def trend_of(manifest: dict[str, Any], category: str) -> tuple[float, float] | None:
    """(weight, damping) of the national model's gemeente trend term for ``category``, from its
    manifest; None for a bundle made before the term existed (local growth then carried as is)."""
    c = (manifest.get("coefficients") or {}).get(category) or {}
    if "trend" not in c or "trend_damping" not in c:
        return None
    return float(c["trend"]), float(c["trend_damping"])


def _implied_growth(national: FittedForecast, rows: np.ndarray) -> float:
    """Yearly growth the national model expects for these wijken (first forecast years)."""
    if len(rows) == 0:
        return 0.0
    a, b = national.total(rows, 1), national.total(rows, 2)
    return float(np.log(b / a)) if a > 0 and b > 0 else 0.0


def _gemeente_growth(local: pd.DataFrame) -> tuple[float, int]:
    """Mean log growth of matched wijk sums over consecutive local years, and the pair count."""
    p = local.pivot_table(index="wijk", columns="year", values="clients", aggfunc="sum")
    years = sorted(p.columns)
    rates, weights = [], []
    for a, b in zip(years, years[1:]):
        if b != a + 1:
            continue
        m = p[[a, b]].dropna()
        if len(m) and m[a].sum() > 0 and m[b].sum() > 0:
            rates.append(np.log(m[b].sum() / m[a].sum()))
            weights.append(m[a].sum())
    if not rates:
        return 0.0, 0
    return float(np.average(rates, weights=weights)), len(rates)


def _observed_cells(fc: FittedForecast, rows: np.ndarray) -> dict[tuple[str, int], float]:
    """The observed counts of some rows as ``(wijk, year) -> count``."""
    years = range(fc.first_year, fc.origin + 1)
    cells = {(str(fc.codes[r]), y): fc.observed_value(int(r), y) for r in rows for y in years}
    return {k: v for k, v in cells.items() if v == v}


def recalibrate(national: FittedForecast, local: pd.DataFrame, trend: tuple[float, float] | None = None) -> FittedForecast:
    """A forecast for the local rows' gemeenten: local levels and trends, national spread.

    ``local``: tidy rows (wijk, year, clients) of one category. The result knows the wijken
    of the local gemeenten (national ones and new codes), with origin = last local year.
    ``trend``: the national model's (weight, damping) of the gemeente trend (:func:`trend_of`);
    the local growth's excess over the national model's is carried with that weight (clipped to
    0..1: the local growth is already shrunk to the national one) and damped with the years.
    None: carried undamped, as before the trend term.
    """
    if local.empty:
        raise WmoError("no valid rows to retrain on")
    gemeenten = sorted(set(local["gemeente"]))
    none = np.array([], dtype=int)
    # each gemeente's own wijken in the national model (its code's rows, not a merged area's)
    nat_rows = np.concatenate([np.flatnonzero(national.gemeente == g) for g in gemeenten] or [none]).astype(int)
    origin = int(local["year"].max())
    obs = local.sort_values("year")
    last = obs.groupby("wijk").tail(1).set_index("wijk")
    wijken = sorted(set(national.codes[nat_rows]) | set(last.index))
    H = national.max_horizon
    horizons = np.arange(1, H + 1)
    level = np.zeros(len(wijken))  # the starting count per wijk
    mu = np.zeros((len(wijken), H))
    steps = np.zeros((len(wijken), H))
    last_year = np.full(len(wijken), np.nan)
    growth: dict[str, float] = {}
    nat_growth: dict[str, float] = {}
    for g in gemeenten:
        g_local, n = _gemeente_growth(local[local["gemeente"] == g])
        g_nat = _implied_growth(national, np.flatnonzero(national.gemeente == g))
        growth[g] = (n * g_local + GROWTH_PRIOR_PAIRS * g_nat) / (n + GROWTH_PRIOR_PAIRS)
        nat_growth[g] = g_nat
    for i, w in enumerate(wijken):
        g = growth[gemeente_of(w)]
        if w in last.index:
            y, ly = float(last.loc[w, "clients"]), int(last.loc[w, "year"])
            hist = obs[obs["wijk"] == w]
            if len(hist) >= 4:
                slope = float(np.polyfit(hist["year"], np.log(hist["clients"] + OFFSET), 1)[0])
                k = (len(hist) - 2) / (len(hist) - 2 + TREND_PRIOR_YEARS)
                g = g + k * (slope - g)
            last_year[i] = ly
        else:  # a national wijk without local rows: its national level at the local origin
            try:
                y = national.cell(w, origin)[0]
            except WmoError:  # the local origin lies outside the national model's years
                y = float("nan")
            if not np.isfinite(y):
                y = national.cell(w, national.origin + 1)[0]
            ly = origin
        steps[i] = (origin - ly) + horizons
        if trend is None:
            mu[i] = np.log(y + OFFSET) + g * steps[i]
        else:  # the local excess over the national growth is the gemeente's own trend: damped
            g_nat = nat_growth[gemeente_of(w)]
            weight = min(max(trend[0], 0.0), 1.0)
            mu[i] = np.log(y + OFFSET) + g_nat * steps[i] + weight * (g - g_nat) * damped_steps(steps[i], trend[1])
        level[i] = y
    var = path_variance(national.var_year, national.var_noise, steps, level)
    mean, lower, upper, _sd = path_bounds(mu, var, national.q_low, national.q_high)
    codes = np.array(wijken, dtype=str)
    first_year = int(min(local["year"].min(), national.first_year))
    cells = _observed_cells(national, nat_rows)
    cells.update({(w, int(y)): float(c) for w, y, c in local[["wijk", "year", "clients"]].itertuples(index=False)})
    return FittedForecast(
        codes=codes, gemeente=np.array([gemeente_of(w) for w in wijken], dtype=str),
        inhabitants=np.array([national.inhabitants[national.index[w]] if w in national.index else np.nan for w in wijken]),
        last_year=last_year, mean=mean, lower=lower, upper=upper,
        observed=observed_matrix(codes, first_year, origin, cells),
        origin=origin, first_year=first_year, max_horizon=H,
        var_year=national.var_year, var_noise=national.var_noise, var_gemeente_year=national.var_gemeente_year,
        q_low=national.q_low, q_high=national.q_high,
    )


def wape(actual: np.ndarray, pred: np.ndarray) -> float:
    return float(np.abs(pred - actual).sum() / actual.sum()) if actual.sum() > 0 else float("nan")


def local_backtest(national: FittedForecast, local: pd.DataFrame, trend: tuple[float, float] | None = None) -> dict[str, Any]:
    """Hold out the last local year: retrained forecast vs the national model's, WAPE."""
    years = sorted(local["year"].unique())
    if len(years) < 2:
        return {"year": int(years[-1]) if years else None, "note": "one local year: no backtest",
                "note_nl": "een jaar eigen cijfers: geen backtest mogelijk (minstens 2 jaren nodig)"}
    target = int(years[-1])
    train, test = local[local["year"] < target], local[local["year"] == target]
    fc = recalibrate(national, train, trend)
    test = test[test["wijk"].isin(fc.index)]
    actual = test["clients"].to_numpy()
    pred_local = fc.grid(list(test["wijk"]), [target])[0][:, 0]
    result: dict[str, Any] = {"year": target, "n_wijken": int(len(test)), "wape_local": round(wape(actual, pred_local), 4)}
    result["wape_national"] = None
    if target <= national.origin:
        result["note"] = f"no national figure: the national model already contains {target} (its data run to {national.origin})"
        result["note_nl"] = (f"geen landelijk cijfer: het landelijke model bevat {target} al (gegevens t/m {national.origin}), "
                             "dus het kent de uitkomst")
    elif target - national.origin > national.max_horizon:
        result["note"] = f"no national figure: {target} lies beyond the national model's reach ({national.origin + national.max_horizon})"
        result["note_nl"] = (f"geen landelijk cijfer: {target} ligt voorbij het bereik van het landelijke model "
                             f"(t/m {national.origin + national.max_horizon})")
    else:
        known = test["wijk"].isin(national.index).to_numpy()
        pred_national = national.grid(list(test["wijk"][known]), [target])[0][:, 0]
        w_nat = wape(actual[known], pred_national)
        if w_nat == w_nat:
            result["wape_national"] = round(w_nat, 4)
            result["wape_local_same_wijken"] = round(wape(actual[known], pred_local[known]), 4)
        elif not known.any():
            result["note"] = f"no national figure: none of the wijken of {target} is in the national model (new or redrawn codes)"
            result["note_nl"] = f"geen landelijk cijfer: geen van de wijken van {target} staat in het landelijke model (nieuwe of hertekende codes)"
        else:
            result["note"] = f"no national figure: the wijken the national model knows have 0 clients in {target}"
            result["note_nl"] = f"geen landelijk cijfer: de wijken die het landelijke model kent, hebben 0 clienten in {target}"
    return result
