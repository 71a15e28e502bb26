"""Honest backtests: fit on rows up to the origin year, score the forecast of origin + h.

Two baselines a controller already has: persistence (the last observed value up to the
origin) and Excel's FORECAST.LINEAR over the wijk's observed years up to the origin. Where
a wijk has a single observed year FORECAST.LINEAR is undefined (#DIV/0! in Excel); the
baseline then falls back to that value, as a controller would.

All methods are scored on the same wijken: those with an actual at origin + h and a
value up to the origin (so persistence exists). Wijken that appear only after the origin
(new or redrawn codes) cannot be forecast by any of the three and are counted separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import WmoError
from .model import WmoForecaster

PREDICTION_COLUMNS = ["wijk", "year", "clients", "lower", "upper", "actual", "persistence", "linear"]


@dataclass
class BacktestResult:
    """Per-wijk predictions and the metric table of one backtest."""

    origin: int
    horizon: int
    predictions: pd.DataFrame
    metrics: pd.DataFrame
    coverage: float
    n_unforecastable: int
    gemeente_coverage: float = float("nan")

    def gemeente_share_better(self) -> float:
        """Share of gemeenten where the model's summed absolute error beats persistence's.

        A check that the gain is not carried by a few large gemeenten.
        """
        p = self.predictions.assign(g=self.predictions["wijk"].str[2:6])
        s = p.assign(em=(p["clients"] - p["actual"]).abs(), ep=(p["persistence"] - p["actual"]).abs()).groupby("g")[["em", "ep"]].sum()
        return float((s["em"] < s["ep"]).mean()) if len(s) else float("nan")

    def summary(self) -> dict[str, object]:
        """Plain numbers for the manifest and the README table."""
        m = self.metrics
        return {
            "origin": self.origin,
            "horizon": self.horizon,
            "n_wijken": int(len(self.predictions)),
            "n_new_codes_skipped": self.n_unforecastable,
            "wape": {k: round(float(v), 4) for k, v in m["WAPE"].items()},
            "mape": {k: round(float(v), 4) for k, v in m["MAPE"].items()},
            "mae": {k: round(float(v), 2) for k, v in m["MAE"].items()},
            "coverage_80": round(self.coverage, 4),
            "coverage_80_gemeente_sums": round(self.gemeente_coverage, 4),
            "share_gemeenten_model_better": round(self.gemeente_share_better(), 3),
        }


def forecast_linear(years: np.ndarray, values: np.ndarray, target: int) -> float:
    """Excel FORECAST.LINEAR(target, values, years); the last value when < 2 distinct years."""
    if len(values) == 0:
        return float("nan")
    if len(np.unique(years)) < 2:
        return float(values[-1])
    x_mean, y_mean = years.mean(), values.mean()
    slope = np.sum((years - x_mean) * (values - y_mean)) / np.sum((years - x_mean) ** 2)
    return float(y_mean + slope * (target - x_mean))


def baselines(train: pd.DataFrame, wijken: np.ndarray, target_year: int) -> pd.DataFrame:
    """Persistence and FORECAST.LINEAR per wijk from its observed rows in ``train``."""
    obs = train[train["clients"].notna()].sort_values("year")
    groups = {w: g for w, g in obs.groupby("wijk")}
    rows = []
    for w in wijken:
        g = groups.get(w)
        if g is None:
            rows.append((w, np.nan, np.nan))
            continue
        yrs, vals = g["year"].to_numpy(float), g["clients"].to_numpy(float)
        rows.append((w, vals[-1], max(forecast_linear(yrs, vals, target_year), 0.0)))
    return pd.DataFrame(rows, columns=["wijk", "persistence", "linear"]).set_index("wijk")


def metrics(actual: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """MAPE (over non-zero actuals), WAPE = sum|error| / sum actual, and MAE."""
    err = np.abs(pred - actual)
    nz = actual > 0
    return {
        "MAPE": float(np.mean(err[nz] / actual[nz])) if nz.any() else float("nan"),
        "WAPE": float(err.sum() / actual.sum()) if actual.sum() > 0 else float("nan"),
        "MAE": float(err.mean()) if len(err) else float("nan"),
    }


def run_backtest(df: pd.DataFrame, origin: int, horizon: int, model: WmoForecaster | None = None) -> BacktestResult:
    """Fit on ``year <= origin`` (one category) and score origin + horizon."""
    if horizon < 1:
        raise WmoError(f"horizon {horizon} must be at least 1")
    years = sorted(df.loc[df["clients"].notna(), "year"].unique())
    if origin not in years:
        raise WmoError(f"origin {origin} has no observed counts: data years are {', '.join(map(str, years))}")
    target = origin + horizon
    truth = df[(df["year"] == target) & df["clients"].notna()].set_index("wijk")["clients"]
    if truth.empty:
        raise WmoError(f"no actuals for {target} (origin {origin} + horizon {horizon}): data years are {', '.join(map(str, years))}")
    train = df[df["year"] <= origin]
    est = (model or WmoForecaster()).fit(train)
    base = baselines(train, truth.index.to_numpy(), target)
    known = base["persistence"].notna() & truth.index.isin(est.forecast_.codes)
    wijken = truth.index[known.to_numpy()].to_numpy()
    X = pd.DataFrame({"wijk": wijken, "year": target})
    lower, upper = est.predict_interval(X)
    pred = pd.DataFrame({
        "wijk": wijken, "year": target, "clients": est.predict(X), "lower": lower, "upper": upper,
        "actual": truth.loc[wijken].to_numpy(), "persistence": base.loc[wijken, "persistence"].to_numpy(),
        "linear": base.loc[wijken, "linear"].to_numpy(),
    })
    actual = pred["actual"].to_numpy()
    table = pd.DataFrame({
        name: metrics(actual, pred[col].to_numpy())
        for name, col in [("model", "clients"), ("persistence", "persistence"), ("forecast_linear", "linear")]
    }).T
    coverage = float(np.mean((actual >= pred["lower"]) & (actual <= pred["upper"])))
    return BacktestResult(origin, horizon, pred[PREDICTION_COLUMNS], table, coverage, int((~known).sum()),
                          gemeente_coverage(est, pred, horizon))


def gemeente_coverage(est: WmoForecaster, pred: pd.DataFrame, horizon: int) -> float:
    """Share of gemeenten whose summed actual lies in the interval of the summed forecast.

    Sums over the wijken scored, with the model's interval for sums (a common gemeente part
    plus independent noise), which is what WMO_RANGE shows for a gemeente code.
    """
    hits = []
    fc = est.forecast_
    for _, rows in pred.groupby(pred["wijk"].str[2:6]):
        idx = np.array([fc.index[w] for w in rows["wijk"]])
        _, lo, hi = fc.gemeente_interval(idx, horizon)
        hits.append(lo <= rows["actual"].sum() <= hi)
    return float(np.mean(hits)) if hits else float("nan")
