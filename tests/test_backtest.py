"""Backtest metrics and baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wmo_xl.backtest import baselines, forecast_linear, metrics, run_backtest
from wmo_xl.data import tidy
from wmo_xl.errors import WmoError


def test_forecast_linear_matches_excel_formula() -> None:
    # Excel: =FORECAST.LINEAR(2018, {100,110,125}, {2015,2016,2017}) = 136.6667
    assert forecast_linear(np.array([2015, 2016, 2017.0]), np.array([100, 110, 125.0]), 2018) == pytest.approx(136.6666667)
    assert forecast_linear(np.array([2017.0]), np.array([40.0]), 2019) == 40.0


def test_metrics_by_hand() -> None:
    m = metrics(np.array([100.0, 50.0, 0.0]), np.array([110.0, 40.0, 5.0]))
    assert m["WAPE"] == pytest.approx(25 / 150)
    assert m["MAPE"] == pytest.approx((0.1 + 0.2) / 2)
    assert m["MAE"] == pytest.approx(25 / 3)


def test_baselines_use_only_training_rows(cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame)
    b = baselines(df[df["year"] <= 2016], np.array(["WK020201"]), 2018)
    w = df[(df["wijk"] == "WK020201")].set_index("year")["clients"]
    assert b.loc["WK020201", "persistence"] == w[2016]
    assert b.loc["WK020201", "linear"] == pytest.approx(max(w[2016] + 2 * (w[2016] - w[2015]), 0))


def test_backtest_scores_every_wijk_with_actual(cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame)
    res = run_backtest(df, 2016, 2)
    n_actual = df[(df["year"] == 2018)]["clients"].notna().sum()
    assert len(res.predictions) == n_actual
    assert set(res.metrics.index) == {"model", "persistence", "forecast_linear"}
    assert 0 <= res.coverage <= 1
    # the prediction for 2018 must not change when 2018 itself changes
    changed = df.copy()
    changed.loc[changed["year"] == 2018, "clients"] += 50
    res2 = run_backtest(changed, 2016, 2)
    assert np.allclose(res.predictions["clients"], res2.predictions["clients"])


def test_backtest_bad_origin_and_horizon(cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame)
    with pytest.raises(WmoError, match="origin 2010"):
        run_backtest(df, 2010, 1)
    with pytest.raises(WmoError, match="no actuals for 2020"):
        run_backtest(df, 2018, 2)


def test_gemeente_coverage_counts_sums(cbs_frame: pd.DataFrame) -> None:
    from wmo_xl.model import WmoForecaster

    wide = run_backtest(tidy(cbs_frame), 2017, 1, WmoForecaster(min_pairs=10**6, prior_sd_year=5.0))
    assert wide.gemeente_coverage == 1.0  # a +-500% yearly spread covers every gemeente sum
    narrow = run_backtest(tidy(cbs_frame), 2017, 1, WmoForecaster(min_pairs=10**6, prior_sd_year=1e-4))
    assert narrow.gemeente_coverage < 1.0  # synthetic gemeenten grow 0-6% a year: a 0.01% spread misses
    assert narrow.summary()["coverage_80_gemeente_sums"] == round(narrow.gemeente_coverage, 4)
