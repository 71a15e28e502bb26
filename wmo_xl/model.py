"""The forecasting model: Wmo clients per wijk, 1 to ``max_horizon`` years after the origin.

Why this shape. On CBS data, persistence (next year = this year) is hard to beat: a wijk's
clients move a few percent a year, and most of that movement is (a) noise from small
counts rounded to 5 and (b) gemeente-wide shifts of policy and registration. The model
therefore starts from the wijk's last observed count and adds four corrections, all
estimated from information up to the origin year:

1. **Shrinkage to a demographic expectation.** A gradient-boosting model (Poisson loss)
   fitted on the origin-year cross-section predicts clients from KWB shares (65+, widowed,
   living alone, AO, bijstand, income, housing, density). Predictions are cross-fitted by
   gemeente, so a wijk's expectation never saw its own gemeente. A wijk far above or below
   its expectation, relative to its gemeente, is pulled part-way back; the empirical-Bayes
   weight is larger for small counts (noise variance ~ 1/count).
2. **Gemeente level.** The same comparison summed over a gemeente (municipal policy).
3. **Ageing.** The cross-section model is re-applied to the wijk's population aged by
   cohort (65+ survival, 45-65 inflow); the ratio is the demographic growth.
4. **Drift.** The average yearly growth not explained by the above.

The coefficients of 1, 2, the previous year's change and the drift are fitted (Huber
regression, robust to the odd registration break) on one-year-ahead pairs built the same
way at every earlier origin, so they are out-of-sample by construction. With only one or
two origin years, the fit is averaged with the no-evidence defaults, which count as
``prior_years`` (1) years of pairs. With a single year
of data there are no pairs: then shrinkage uses its empirical-Bayes weight alone, gemeente
reversion and drift are 0 and the interval width comes from ``prior_sd_year``.

The 80% interval comes from the same pairs: the residual variance is modelled as
``a * h + b / (count + 5)`` (a gemeente-wide part that accumulates with the horizon and a
counting-noise part) and the 10%/90% quantiles of the standardized residuals are used, so
heavy tails are kept. Gemeente sums get a separate variance for their common part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import HuberRegressor
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from .errors import WmoError
from .features import FEATURE_NAMES, SHARE_65_INDEX, cohort_ageing, demographic_features
from .fitted import OFFSET, FittedForecast, observed_matrix, path_bounds, path_variance

__all__ = ["OFFSET", "FittedForecast", "WmoForecaster"]
#: Pseudo-count of clients pulling a gemeente's ratio towards the national one.
GEMEENTE_PRIOR_CLIENTS = 100.0
_Z80 = 1.2815515655446004

PAIR_COLUMNS = ["ageing", "shrink", "gemeente_dev", "prev_change"]
#: Coefficients without evidence: about two thirds of Wmo clients are 65+, so clients grow
#: with two thirds of the 65+ growth; a wijk moves to its expectation by its noise share.
DEFAULT_COEF = np.array([0.65, 1.0, 0.0, 0.0])


def _cross_section_model(random_state: int) -> HistGradientBoostingRegressor:
    mono = [0] * len(FEATURE_NAMES)
    mono[SHARE_65_INDEX] = 1
    return HistGradientBoostingRegressor(
        loss="poisson", max_iter=80, learning_rate=0.1, min_samples_leaf=30,
        l2_regularization=1.0, monotonic_cst=mono, random_state=random_state,
    )


@dataclass
class OriginState:
    """Per-wijk quantities at one origin year (index = wijk)."""

    frame: pd.DataFrame  # gemeente, last_year, last_clients, expected, inhabitants, shrink, gemeente_dev, prev_change
    ageing: np.ndarray  # (n_wijk, max_horizon) log growth from cohort ageing


class WmoForecaster(BaseEstimator):
    """Forecast Wmo clients per wijk (scikit-learn style: ``fit`` then ``predict``).

    ``fit(df)`` takes the tidy table of :mod:`wmo_xl.data` for one category (rows up to the
    origin year) and leaves the result in ``forecast_``, a :class:`~wmo_xl.fitted.FittedForecast`
    (plain arrays: what bundles store and every query reads); ``predict(X)`` takes a frame
    with ``wijk`` and ``year`` and returns clients; ``predict_interval(X)`` the 80% bounds.
    """

    def __init__(
        self,
        coverage: float = 0.8,
        max_horizon: int = 10,
        min_pairs: int = 200,
        n_folds: int = 4,
        prior_sd_year: float = 0.10,
        prior_years: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.coverage = coverage
        self.max_horizon = max_horizon
        self.min_pairs = min_pairs
        self.n_folds = n_folds
        self.prior_sd_year = prior_sd_year
        self.prior_years = prior_years
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def fit(self, df: pd.DataFrame, y: None = None) -> WmoForecaster:
        """Fit on all rows of ``df`` (one category); the origin is its last year with counts."""
        observed = df[df["clients"].notna()]
        if observed.empty:
            raise WmoError("no rows with a client count to train on")
        # ~2,500 rows per fit: thread start-up costs more than it saves (measured 1.16 s -> 0.79 s per fit)
        with threadpool_limits(limits=1):
            return self._fit(df, observed)

    def _fit(self, df: pd.DataFrame, observed: pd.DataFrame) -> WmoForecaster:
        self.origin_ = int(observed["year"].max())
        self.first_year_ = int(df["year"].min())
        pairs = self._training_pairs(df)
        self.n_pairs_ = len(pairs)
        self._fit_coefficients(pairs)
        self._fit_spread(pairs)
        state = self._origin_state(df, self.origin_, keep_model=True)
        cells = {(w, int(yr)): float(c) for w, yr, c in observed[["wijk", "year", "clients"]].itertuples(index=False)}
        self.forecast_ = self._precompute(state, cells)
        return self

    def _origin_state(self, df: pd.DataFrame, origin: int, keep_model: bool = False) -> OriginState:
        """Everything the forecast from ``origin`` needs, using rows up to ``origin`` only."""
        past = df[df["year"] <= origin].sort_values("year")
        obs = past[past["clients"].notna()]
        latest_obs = obs.groupby("wijk").tail(1).set_index("wijk")
        latest_row = past.groupby("wijk").tail(1).set_index("wijk")
        wijken = latest_row.index
        # features: the wijk's most recent KWB row up to the origin
        X = demographic_features(latest_row)
        fit_rows = latest_obs[(latest_obs["inhabitants"] > 0)]
        if (fit_rows["year"] == origin).sum() >= 100:
            fit_rows = fit_rows[fit_rows["year"] == origin]
        Xf = demographic_features(fit_rows)
        rate = (fit_rows["clients"] / fit_rows["inhabitants"]).clip(upper=1.0)
        weight = fit_rows["inhabitants"]
        model = _cross_section_model(self.random_state).fit(Xf, rate, sample_weight=weight)
        expected_rate = pd.Series(model.predict(X), index=wijken)
        # out-of-fold expectations for the rows the model was fitted on
        groups = fit_rows["gemeente"].to_numpy()
        n_splits = min(self.n_folds, len(np.unique(groups)))
        if n_splits >= 2:
            oof = pd.Series(np.nan, index=fit_rows.index)
            for tr, te in GroupKFold(n_splits=n_splits).split(Xf, rate, groups):
                m = _cross_section_model(self.random_state).fit(Xf.iloc[tr], rate.iloc[tr], sample_weight=weight.iloc[tr])
                oof.iloc[te] = m.predict(Xf.iloc[te])
            expected_rate.loc[oof.index] = oof.to_numpy()
        f = pd.DataFrame(index=wijken)
        f["gemeente"] = latest_row["gemeente"]
        f["inhabitants"] = latest_row["inhabitants"]
        f["last_year"] = latest_obs["year"].reindex(wijken)
        f["last_clients"] = latest_obs["clients"].reindex(wijken)
        pop_at_obs = latest_obs["inhabitants"].reindex(wijken).fillna(f["inhabitants"])
        f["expected"] = expected_rate * pop_at_obs.fillna(0).clip(lower=0)
        # gemeente deviation (log observed / expected, shrunk with a pseudo-count)
        seen = f.dropna(subset=["last_clients"])
        g = seen.groupby("gemeente")[["last_clients", "expected"]].sum()
        g_dev = np.log((g["last_clients"] + GEMEENTE_PRIOR_CLIENTS) / (g["expected"] + GEMEENTE_PRIOR_CLIENTS))
        f["gemeente_dev"] = f["gemeente"].map(g_dev).fillna(0.0)
        # within-gemeente deviation, weighted by its empirical-Bayes noise share
        dev = np.log((f["last_clients"] + OFFSET) / (f["expected"] + OFFSET)) - f["gemeente_dev"]
        noise = 1.0 / (f["last_clients"] + OFFSET) + (25.0 / 12.0) / (f["last_clients"] + OFFSET) ** 2
        tau2 = max(float(np.nanvar(dev) - np.nanmean(noise)), 0.01)
        f["shrink"] = -(noise / (noise + tau2)) * dev
        prev = obs.set_index(["wijk", "year"])["clients"]
        prev_key = list(zip(f.index, f["last_year"].fillna(0).astype(int) - 1))
        prev_val = prev.reindex(prev_key).to_numpy()
        f["prev_change"] = np.nan_to_num(np.log((f["last_clients"].to_numpy() + OFFSET) / (prev_val + OFFSET)))
        ageing = cohort_ageing(latest_row, past, self.max_horizon)
        if keep_model:
            self.cross_section_model_ = model
        return OriginState(frame=f, ageing=np.nan_to_num(ageing))

    def _training_pairs(self, df: pd.DataFrame) -> pd.DataFrame:
        """One-year-ahead pairs from every earlier origin (state at o, actual at o + 1)."""
        years = sorted(int(y) for y in df.loc[df["clients"].notna(), "year"].unique())
        actual = df[df["clients"].notna()].set_index(["wijk", "year"])["clients"]
        frames = []
        for o in years[:-1]:
            if o + 1 not in years:
                continue
            st = self._origin_state(df[df["year"] <= o], o)
            f = st.frame[st.frame["last_year"] == o].copy()
            f["ageing"] = st.ageing[:, 0][st.frame.index.get_indexer(f.index)]
            f["actual"] = actual.reindex(list(zip(f.index, [o + 1] * len(f)))).to_numpy()
            f["origin"] = o
            frames.append(f.dropna(subset=["actual"]))
        return pd.concat(frames) if frames else pd.DataFrame()

    def _fit_coefficients(self, pairs: pd.DataFrame) -> None:
        """Drift and correction coefficients; without enough pairs, the no-evidence defaults."""
        self.coef_ = DEFAULT_COEF.copy()
        self.drift_ = 0.0
        if len(pairs) < self.min_pairs:
            return
        target = np.log((pairs["actual"] + OFFSET) / (pairs["last_clients"] + OFFSET))
        weight = pairs["last_clients"] + OFFSET
        reg = HuberRegressor(epsilon=1.5, alpha=1e-3, max_iter=500)
        reg.fit(pairs[PAIR_COLUMNS].to_numpy(), target.to_numpy(), sample_weight=weight.to_numpy())
        # One or two origin years are little evidence of how the next year behaves: weigh the
        # fit against the no-evidence defaults as if those were `prior_years` years of pairs.
        n_years = pairs["origin"].nunique()
        w = n_years / (n_years + self.prior_years)
        self.coef_ = w * reg.coef_ + (1 - w) * DEFAULT_COEF
        self.drift_ = w * float(reg.intercept_)

    def _log_change(self, frame: pd.DataFrame) -> np.ndarray:
        """One-year-ahead change of log(clients + 5) for the pairs' rows."""
        return frame[PAIR_COLUMNS].to_numpy() @ self.coef_ + self.drift_

    def _fit_spread(self, pairs: pd.DataFrame) -> None:
        """Residual variance a*h + b/(count+5) and the quantiles of standardized residuals."""
        self.var_year_ = self.prior_sd_year**2
        self.var_noise_ = 1.0
        self.var_gemeente_year_ = self.prior_sd_year**2
        self.q_low_, self.q_high_ = -_Z80, _Z80
        if len(pairs) < self.min_pairs:
            return
        pred = np.log(pairs["last_clients"] + OFFSET) + self._log_change(pairs)
        resid = np.log(pairs["actual"] + OFFSET) - pred
        inv = 1.0 / (pairs["last_clients"] + OFFSET)
        A = np.column_stack([np.ones(len(pairs)), inv])
        sol, *_ = np.linalg.lstsq(A, resid.to_numpy() ** 2, rcond=None)
        self.var_year_ = float(max(sol[0], 1e-4))
        self.var_noise_ = float(max(sol[1], 0.0))
        sd = np.sqrt(self.var_year_ + self.var_noise_ * inv)
        z = resid / sd
        tail = (1.0 - self.coverage) / 2.0
        self.q_low_, self.q_high_ = float(np.quantile(z, tail)), float(np.quantile(z, 1.0 - tail))
        # common gemeente part: log(actual sum / forecast sum) per gemeente and origin
        mean = np.exp(pred) - OFFSET
        g = pd.DataFrame({"g": pairs["gemeente"], "o": pairs["origin"], "a": pairs["actual"], "f": mean})
        s = g.groupby(["g", "o"])[["a", "f"]].sum()
        s = s[(s["a"] > 0) & (s["f"] > 0)]
        if len(s) >= 20:
            r = np.log(s["a"] / s["f"])
            w = s["f"] / s["f"].sum()
            self.var_gemeente_year_ = float(np.sum(w * (r - np.sum(w * r)) ** 2))

    def _precompute(self, state: OriginState, cells: dict[tuple[str, int], float]) -> FittedForecast:
        """Forecast paths for every wijk and horizon, so prediction is a table lookup."""
        f = state.frame
        horizons = np.arange(1, self.max_horizon + 1)
        last_year = f["last_year"].to_numpy(dtype=float)
        has_obs = ~np.isnan(last_year)
        # years since the last observation at each horizon after the origin
        steps = (self.origin_ - np.where(has_obs, last_year, self.origin_))[:, None] + horizons[None, :]
        base = np.where(has_obs, np.log(f["last_clients"].fillna(0).to_numpy() + OFFSET), 0.0)
        # a wijk never observed starts from its expectation at its gemeente's level
        expected = np.log(f["expected"].to_numpy() + OFFSET) + f["gemeente_dev"].to_numpy()
        base = np.where(has_obs, base, expected)
        # one-off level corrections (noise and gemeente deviation), then growth per year
        one_off = PAIR_COLUMNS[1:]
        frame = f[one_off].copy()
        frame.loc[~has_obs, one_off] = 0.0
        corr = frame.to_numpy() @ self.coef_[1:]
        ageing = np.take_along_axis(state.ageing, np.clip(steps - 1, 0, self.max_horizon - 1).astype(int), axis=1)
        mu = base[:, None] + corr[:, None] + self.drift_ * steps + self.coef_[0] * ageing
        counts = np.exp(base) - OFFSET
        var = path_variance(self.var_year_, self.var_noise_, steps, counts)
        var = np.where(has_obs[:, None], var, var + 0.25)  # no history: demographic guess only
        mean, lower, upper, _sd = path_bounds(mu, var, self.q_low_, self.q_high_)
        codes = f.index.to_numpy().astype(str)
        return FittedForecast(
            codes=codes, gemeente=f["gemeente"].to_numpy().astype(str), inhabitants=f["inhabitants"].to_numpy(dtype=float),
            last_year=last_year, mean=mean, lower=lower, upper=upper,
            observed=observed_matrix(codes, self.first_year_, self.origin_, cells),
            origin=self.origin_, first_year=self.first_year_, max_horizon=self.max_horizon,
            var_year=self.var_year_, var_noise=self.var_noise_, var_gemeente_year=self.var_gemeente_year_,
            q_low=self.q_low_, q_high=self.q_high_,
        )

    # --------------------------------------------------------------- prediction
    def _cells(self, wijken: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fc = self.forecast_
        idx = np.array([fc.index.get(w, -1) for w in wijken])
        if (idx < 0).any():
            raise WmoError(f"unknown wijk {wijken[idx < 0][0]}")
        h = np.asarray(years, dtype=int) - fc.origin
        if (h < 1).any() or (h > fc.reach - fc.origin).any():
            raise WmoError(f"year outside {fc.origin + 1}-{fc.reach}")
        return idx, h - 1

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Clients for each (wijk, year) row; years after the origin only."""
        idx, j = self._cells(X["wijk"].to_numpy(), X["year"].to_numpy())
        return self.forecast_.mean[idx, j]

    def predict_interval(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bound of the ``coverage`` prediction interval per row."""
        idx, j = self._cells(X["wijk"].to_numpy(), X["year"].to_numpy())
        return self.forecast_.lower[idx, j], self.forecast_.upper[idx, j]
