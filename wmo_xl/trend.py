"""A gemeente's own recent trend (issue 20): how it is measured and how it fades with the years.

Pure numpy/pandas (no scikit-learn): the fit (:mod:`wmo_xl.model`) and the local recalibration
(:mod:`wmo_xl.retrain.recalibrate`) both use it, and the latter runs where only prediction
libraries are loaded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Year-on-year growths (up to the origin) averaged into a gemeente's trend.
TREND_YEARS = 4


def damped_steps(steps: np.ndarray, damping: float) -> np.ndarray:
    """Sum of ``damping**k`` for k = 0 .. steps - 1: how many years' worth of a trend a forecast
    ``steps`` years ahead carries (1 at one year ahead; at most ``1 / (1 - damping)``)."""
    steps = np.asarray(steps, dtype=float)
    if damping >= 1.0:
        return steps
    return (1.0 - damping**steps) / (1.0 - damping)


def gemeente_trend(obs: pd.DataFrame, origin: int, years: int = TREND_YEARS) -> pd.Series:
    """Each gemeente's recent growth relative to the country: log growth of its summed clients
    over the last ``years`` year pairs up to ``origin``, on wijken counted in both years of a
    pair, minus the national growth of that pair, averaged and shrunk by evidence.

    The shrinkage is empirical Bayes: the counting noise of a gemeente's mean growth is about
    ``2 / clients / n_years`` (Poisson on both years), the spread of true trends is what the
    gemeenten's variance leaves after that noise. A small gemeente's jump so weighs less than a
    large one's. Only gemeenten counted in ``origin - 1`` and ``origin`` get a trend (the
    others 0): an older trend is no evidence of the current one.
    """
    recent = obs[(obs["year"] >= origin - years) & (obs["year"] <= origin)]
    if recent.empty:
        return pd.Series(dtype=float)
    p = recent.pivot_table(index="wijk", columns="year", values="clients", aggfunc="sum")
    gem = recent.drop_duplicates("wijk", keep="last").set_index("wijk")["gemeente"]
    rates: dict[int, pd.Series] = {}
    sizes: dict[int, pd.Series] = {}
    for t in range(origin - years + 1, origin + 1):
        if t - 1 not in p.columns or t not in p.columns:
            continue
        m = p[[t - 1, t]].dropna()
        s = m.groupby(gem.reindex(m.index).to_numpy()).sum()
        s = s[(s[t - 1] > 0) & (s[t] > 0)]
        if s.empty:
            continue
        national = np.log(s[t].sum() / s[t - 1].sum())
        rates[t], sizes[t] = np.log(s[t] / s[t - 1]) - national, s[t - 1]
    if origin not in rates:
        return pd.Series(dtype=float)
    current = rates[origin].index
    r = pd.concat(rates, axis=1).reindex(current)
    n = pd.concat(sizes, axis=1).reindex(current)
    mean = r.mean(axis=1)
    noise = (2.0 / n).mean(axis=1) / r.notna().sum(axis=1)
    tau2 = max(float(np.var(mean) - np.mean(noise)), 1e-4)
    return mean * tau2 / (tau2 + noise)
