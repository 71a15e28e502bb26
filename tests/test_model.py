"""The estimator: fit/predict, intervals, and no peeking past the origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wmo_xl.data import tidy
from wmo_xl.errors import WmoError
from wmo_xl.model import WmoForecaster


@pytest.fixture(scope="module")
def fitted(cbs_frame: pd.DataFrame) -> WmoForecaster:
    return WmoForecaster().fit(tidy(cbs_frame))


def test_init_does_no_work() -> None:
    est = WmoForecaster(coverage=0.9)
    assert est.get_params()["coverage"] == 0.9
    assert not hasattr(est, "origin_")


def test_predict_and_interval_shapes_and_order(fitted: WmoForecaster) -> None:
    X = pd.DataFrame({"wijk": ["WK010101", "WK020203", "WK030305"], "year": [2019, 2021, 2024]})
    pred = fitted.predict(X)
    lo, hi = fitted.predict_interval(X)
    assert pred.shape == (3,)
    assert (lo <= pred).all() and (pred <= hi).all() and (hi > lo).all()


def test_interval_widens_with_horizon(fitted: WmoForecaster) -> None:
    X = pd.DataFrame({"wijk": ["WK020203"] * 6, "year": list(range(2019, 2025))})
    lo, hi = fitted.predict_interval(X)
    width = (hi - lo) / fitted.predict(X)
    assert np.all(np.diff(width) > 0)


def test_forecast_starts_near_last_observation(fitted: WmoForecaster, cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame)
    last = df[(df["year"] == 2018)].dropna(subset=["clients"]).set_index("wijk")["clients"]
    pred = pd.Series(fitted.predict(pd.DataFrame({"wijk": last.index, "year": 2019})), index=last.index)
    assert ((pred / last - 1).abs() < 0.25).all()


def test_suppressed_wijk_still_gets_a_forecast(fitted: WmoForecaster) -> None:
    value = fitted.predict(pd.DataFrame({"wijk": ["WK010100"], "year": [2019]}))[0]
    assert np.isfinite(value) and value > 0


def test_later_rows_do_not_change_a_fit_up_to_the_origin(cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame)
    a = WmoForecaster().fit(df[df["year"] <= 2017])
    changed = df.copy()
    changed.loc[changed["year"] == 2018, "clients"] *= 3
    b = WmoForecaster().fit(changed[changed["year"] <= 2017])
    assert np.allclose(a.forecast_.mean, b.forecast_.mean)


def test_unknown_wijk_and_out_of_range_year(fitted: WmoForecaster) -> None:
    with pytest.raises(WmoError, match="unknown wijk WK999999"):
        fitted.predict(pd.DataFrame({"wijk": ["WK999999"], "year": [2019]}))
    with pytest.raises(WmoError, match="year outside"):
        fitted.predict(pd.DataFrame({"wijk": ["WK010101"], "year": [2018]}))


def test_learns_drift_from_pairs_when_enough(cbs_frame: pd.DataFrame) -> None:
    """With enough one-year pairs the drift is estimated, and positive for growing data."""
    df = tidy(cbs_frame)
    est = WmoForecaster(min_pairs=20).fit(df)
    assert est.n_pairs_ >= 20
    assert est.drift_ + est.coef_[0] * 0.02 > 0  # synthetic clients grow 0-6% a year
    default = WmoForecaster(min_pairs=10_000).fit(df)
    assert default.drift_ == 0.0
