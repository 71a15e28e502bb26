"""FittedForecast: the arrays prediction reads, and its queries (cell, grid, gemeente sums)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wmo_xl.data import tidy
from wmo_xl.errors import ModelIntegrityError, WmoError
from wmo_xl.fitted import FittedForecast
from wmo_xl.model import WmoForecaster


@pytest.fixture(scope="module")
def fc(cbs_frame: pd.DataFrame) -> FittedForecast:
    return WmoForecaster().fit(tidy(cbs_frame)).forecast_


def test_fit_leaves_plain_arrays(fc: FittedForecast) -> None:
    arrays = fc.to_arrays()
    assert all(a.dtype.kind in "Uif" for a in arrays.values())
    assert fc.mean.shape == (len(fc.codes), fc.max_horizon) and fc.observed.shape == (len(fc.codes), 4)


def test_arrays_round_trip_exactly(fc: FittedForecast) -> None:
    back = FittedForecast.from_arrays(fc.to_arrays())
    for k, v in fc.to_arrays().items():
        assert np.array_equal(v, back.to_arrays()[k], equal_nan=v.dtype.kind == "f"), k


def test_arrays_that_do_not_fit_are_refused(fc: FittedForecast) -> None:
    arrays = fc.to_arrays()
    arrays["mean"] = arrays["mean"][:, :3]
    with pytest.raises(ModelIntegrityError, match="do not fit together"):
        FittedForecast.from_arrays(arrays)
    arrays = fc.to_arrays()
    del arrays["q_low"]
    with pytest.raises(ModelIntegrityError, match="lack q_low"):
        FittedForecast.from_arrays(arrays)


def test_past_years_are_the_observed_counts(fc: FittedForecast, cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame).dropna(subset=["clients"])
    for w, y, c in df[["wijk", "year", "clients"]].head(30).itertuples(index=False):
        assert fc.cell(w, int(y)) == (c, c, c)
    assert np.isnan(fc.cell("WK010100", 2018)[0])  # suppressed ('.') is missing, not 0


def test_gemeente_is_the_sum_of_its_wijken_with_a_narrower_relative_interval(fc: FittedForecast) -> None:
    wijken = fc.wijken_of("GM0202")
    total, lo, hi = fc.cell("GM0202", 2021)
    assert total == pytest.approx(sum(fc.cell(w, 2021)[0] for w in wijken))
    assert lo < total < hi
    assert hi - lo < sum(fc.cell(w, 2021)[2] - fc.cell(w, 2021)[1] for w in wijken)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_grid_agrees_with_cells(fc: FittedForecast, data: st.DataObject) -> None:
    pool = [str(c) for c in fc.codes] + sorted(fc.gemeente_rows)
    codes = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6))
    years = data.draw(st.lists(st.integers(fc.first_year, fc.origin + fc.max_horizon), min_size=1, max_size=4))
    grid = fc.grid(codes, years)
    for i, c in enumerate(codes):
        for j, y in enumerate(years):
            want = fc.cell(c, y)
            got = tuple(float(g[i, j]) for g in grid)
            assert np.allclose(got, want, equal_nan=True, rtol=0, atol=1e-12)


def test_unknown_code_and_year_messages(fc: FittedForecast) -> None:
    with pytest.raises(WmoError, match="unknown wijk WK999999"):
        fc.cell("WK999999", 2020)
    with pytest.raises(WmoError, match="unknown gemeente GM9999"):
        fc.grid(["GM9999"], [2020])
    with pytest.raises(WmoError, match=r"year 2040 outside 2015-2028"):
        fc.check_year(2040)
