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
    assert arrays["mean"].shape == (len(fc.codes), fc.max_horizon) and fc.observed.shape == (len(fc.codes), 4)
    assert fc.mean.shape == (len(fc.codes), fc.reach - fc.origin)  # fitted paths + extrapolated budget years


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
    with pytest.raises(WmoError, match=rf"year {fc.reach + 1} outside 2015-{fc.reach}"):
        fc.check_year(fc.reach + 1)


# ---------------------------------------------------------------- completeness of observed sums
def _gemeente(observed: list[list[float]], first_year: int = 2017) -> FittedForecast:
    """A hand-made gemeente GM0909 whose wijken have the given observed rows."""
    n, years = len(observed), len(observed[0])
    flat = np.full((n, 2), 50.0)
    return FittedForecast(
        codes=[f"WK0909{i:02d}" for i in range(n)], gemeente=["GM0909"] * n, inhabitants=np.full(n, 1000.0),
        last_year=np.full(n, first_year + years - 1.0), mean=flat, lower=flat * 0.8, upper=flat * 1.2,
        observed=np.array(observed, dtype=float), origin=first_year + years - 1, first_year=first_year,
        max_horizon=2, var_year=0.01, var_noise=1.0, var_gemeente_year=0.005, q_low=-1.28, q_high=1.28,
    )


def test_gemeente_sum_with_a_small_missing_wijk_is_the_sum_of_the_others() -> None:
    # the missing wijk held 10 of ~1,000 clients the year before (a suppressed small count)
    fc = _gemeente([[500.0, 500.0], [490.0, 480.0], [10.0, np.nan]])
    assert fc.cell("GM0909", 2018) == (980.0, 980.0, 980.0)
    assert fc.observed_gap("GM0909", 2018) == ""


def test_gemeente_sum_with_a_large_missing_wijk_is_missing_with_the_reason() -> None:
    # a wijk with a third of the clients has no value in 2018: 2 wijken are no gemeente count
    fc = _gemeente([[500.0, 500.0], [490.0, 480.0], [500.0, np.nan]])
    assert np.isnan(fc.cell("GM0909", 2018)).all()
    assert np.isnan(fc.grid(["GM0909"], [2018])[0]).all()
    assert fc.cell("GM0909", 2017)[0] == 1490.0  # the complete year stays
    assert fc.observed_gap("GM0909", 2018).startswith("incomplete: 1 of 3 wijken have no CBS value in 2018")
    assert fc.cell("WK090900", 2018)[0] == 500.0  # the wijken themselves keep their values


def test_missing_share_is_judged_by_the_nearest_observed_year() -> None:
    # the missing wijk was small in 2017 and large in 2019: for 2018 the tie takes the larger
    fc = _gemeente([[500.0, 500.0, 500.0], [10.0, np.nan, 400.0]])
    assert np.isnan(fc.cell("GM0909", 2018)[0])
    fc = _gemeente([[500.0, 500.0, 500.0], [10.0, np.nan, 10.0]])
    assert fc.cell("GM0909", 2018)[0] == 500.0


def test_a_wijk_never_observed_is_judged_by_the_model_estimate() -> None:
    fc = _gemeente([[500.0, 500.0], [np.nan, np.nan]])  # the model puts 50 clients there: 9%
    assert np.isnan(fc.cell("GM0909", 2018)[0])
    assert fc.observed_gap("GM0909", 2018).startswith("incomplete: 1 of 2 wijken")
    assert "about 9%" in fc.observed_gap("GM0909", 2018)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400).map(lambda v: 5.0 * v), st.booleans()), min_size=1, max_size=8))
def test_an_observed_sum_is_complete_or_missing(cells: list[tuple[float, bool]]) -> None:
    """Property: a gemeente's past year is either the sum of all its published wijk values
    while the unpublished ones carried <= 5% of the clients (judged by the year before),
    or missing with a reason; never another number."""
    fc = _gemeente([[v, np.nan if gone else v] for v, gone in cells])
    value = fc.cell("GM0909", 2018)[0]
    present = sum(v for v, gone in cells if not gone)
    gap = sum(v for v, gone in cells if gone)
    if all(gone for _, gone in cells):
        assert np.isnan(value) and fc.observed_gap("GM0909", 2018).startswith("no CBS value")
    elif gap <= 0.05 * (gap + present):
        assert value == present and fc.observed_gap("GM0909", 2018) == ""
    else:
        assert np.isnan(value) and fc.observed_gap("GM0909", 2018).startswith("incomplete:")
