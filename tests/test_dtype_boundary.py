"""The dtype boundary: whatever storage pandas uses, the core sees float64/int64/str columns.

pandas 3 with pyarrow hands out Arrow-backed strings, nullable ``Float64``/``Int64`` columns
and ``ArrowDtype`` frames; before the boundary existed, these reached ``np.exp`` and
``np.linalg.lstsq`` as object arrays. Each storage below must give the same tidy frame and
the same fitted forecast (to 1e-9) as plain NumPy columns.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wmo_xl.data import TEXT_COLUMNS, plain, tidy, to_number, to_text
from wmo_xl.model import WmoForecaster
from wmo_xl.retrain import parse_rows


def _pyarrow() -> None:
    pytest.importorskip("pyarrow")


def as_object(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(object)


def as_python_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, as a CSV read with dtype=str gives it (missing stays missing)."""
    return df.astype(str).astype("string[python]")


def as_arrow_strings(df: pd.DataFrame) -> pd.DataFrame:
    _pyarrow()
    return df.astype(str).astype("string[pyarrow]")


def as_nullable(df: pd.DataFrame) -> pd.DataFrame:
    """pandas' own nullable dtypes (Int64, Float64, string), as ``convert_dtypes`` makes them."""
    return df.convert_dtypes(dtype_backend="numpy_nullable")


def as_arrow(df: pd.DataFrame) -> pd.DataFrame:
    """ArrowDtype columns throughout, as ``dtype_backend='pyarrow'`` readers make them."""
    _pyarrow()
    return df.convert_dtypes(dtype_backend="pyarrow")


STORAGES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "object": as_object,
    "string[python]": as_python_strings,
    "string[pyarrow]": as_arrow_strings,
    "nullable": as_nullable,
    "arrow": as_arrow,
}


def _assert_plain(df: pd.DataFrame) -> None:
    for col in df.columns:
        dtype = df[col].dtype
        assert isinstance(dtype, np.dtype), f"{col}: {dtype!r} is not a NumPy dtype"
        if col in TEXT_COLUMNS:
            assert dtype == object
            assert all(isinstance(v, str) for v in df[col].dropna())
        elif col == "year":
            assert dtype == np.int64
        else:
            assert dtype == np.float64, f"{col}: {dtype}"


def _raw_with_missing(cbs_frame: pd.DataFrame) -> pd.DataFrame:
    """The synthetic CBS table with real gaps in numeric columns (not only '.' text)."""
    raw = cbs_frame.copy()
    raw["wmoclienten"] = pd.to_numeric(raw["wmoclienten"], errors="coerce")  # '.' -> NaN
    raw.loc[raw.index[::7], "gemiddeldinkomenperinwoner"] = np.nan
    raw.loc[raw.index[::11], "k45tot65jaar"] = np.nan
    return raw


@pytest.fixture(scope="module")
def reference(cbs_frame: pd.DataFrame) -> tuple[pd.DataFrame, WmoForecaster, pd.DataFrame]:
    raw = _raw_with_missing(cbs_frame)
    df = tidy(raw)
    est = WmoForecaster().fit(df)
    codes = list(est.forecast_.codes)
    X = pd.DataFrame({"wijk": codes * 3, "year": [2019] * len(codes) + [2020] * len(codes) + [2023] * len(codes)})
    return df, est, X


def _assert_same_forecast(est: WmoForecaster, ref: WmoForecaster, X: pd.DataFrame) -> None:
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-9, atol=1e-9)
    for got, want in zip(est.predict_interval(X), ref.predict_interval(X)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    got, want = est.forecast_, ref.forecast_
    assert list(got.codes) == list(want.codes)
    np.testing.assert_allclose(got.observed, want.observed, rtol=1e-9, equal_nan=True)
    rows = got.gemeente_rows["GM0202"]
    np.testing.assert_allclose(got.gemeente_interval(rows, 2), want.gemeente_interval(rows, 2), rtol=1e-9)


@pytest.mark.parametrize("storage", list(STORAGES))
def test_raw_cbs_table_in_any_storage_fits_and_forecasts_the_same(
    storage: str, cbs_frame: pd.DataFrame, reference: tuple[pd.DataFrame, WmoForecaster, pd.DataFrame],
) -> None:
    ref_df, ref_est, X = reference
    raw = STORAGES[storage](_raw_with_missing(cbs_frame))
    df = tidy(raw)
    _assert_plain(df)
    pd.testing.assert_frame_equal(df, ref_df)
    _assert_same_forecast(WmoForecaster().fit(df), ref_est, X)


@pytest.mark.parametrize("storage", list(STORAGES))
def test_tidy_table_in_any_storage_through_plain_fits_the_same(
    storage: str, reference: tuple[pd.DataFrame, WmoForecaster, pd.DataFrame],
) -> None:
    ref_df, ref_est, X = reference
    df = plain(STORAGES[storage](ref_df))
    _assert_plain(df)
    pd.testing.assert_frame_equal(df, ref_df)
    _assert_same_forecast(WmoForecaster().fit(df), ref_est, X)


def test_data_sheet_rows_leave_as_plain_columns() -> None:
    values = [["wijk", "jaar", "clienten"], ["WK051801", 2017, 120], ["WK051801", 2018.0, "125"], ["WK051802", "2018", 0]]
    df, problems = parse_rows(values)
    assert not problems
    _assert_plain(df.drop(columns=["row"]))
    assert df["clients"].tolist() == [120.0, 125.0, 0.0]  # a controller's own 0 is a real 0


numbers = st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False), st.integers(-10**9, 10**9)), max_size=20)


@pytest.mark.parametrize("storage", ["object", "nullable", "string[python]", "arrow"])
@settings(deadline=None)  # the first pandas call of a run can take longer than 200 ms on a busy CI
@given(values=numbers)
def test_to_number_is_float64_with_nan_for_missing(storage: str, values: list[float | int | None]) -> None:
    expected = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    series = STORAGES[storage](pd.DataFrame({"x": pd.Series(values, dtype=object)}))["x"]
    got = to_number(series)
    assert got.dtype == np.float64
    # text storage round-trips through repr: compare as the same text would parse
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12, equal_nan=True)


def test_to_number_reads_cbs_text() -> None:
    got = to_number(pd.Series([" 12 ", ".", "", "x", "1,5", None], dtype=object))
    np.testing.assert_array_equal(got.to_numpy(), [12.0, np.nan, np.nan, np.nan, 1.5, np.nan])


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="WKGM0123456789 ", max_size=10)), max_size=20))
def test_to_text_gives_stripped_python_str(values: list[str | None]) -> None:
    for dtype in (object, "string[python]"):
        got = to_text(pd.Series(values, dtype=dtype))
        assert got.dtype == object
        assert [v if isinstance(v, str) else None for v in got] == [None if v is None else v.strip() for v in values]


def test_suppressed_zero_of_the_shared_file_is_missing_not_zero() -> None:
    """2015-2017 rows of the shared file store a suppressed count as 0 with an empty rate."""
    raw = pd.DataFrame({
        "codering_regio": ["WK051801", "WK051802", "WK051803", "WK051804"],
        "perioden": [2016, 2016, 2016, 2018],
        "wmoclienten": [0, 0, 40, np.nan],
        "wmoclientenper1000inwoners": [np.nan, 0.0, 0.0, np.nan],
        "aantalinwoners": [150, 2000, 1000, 500],
    })
    df = tidy(raw)
    assert np.isnan(df.loc[0, "clients"]) and np.isnan(df.loc[0, "clients_per_1000"])
    assert df.loc[1, "clients"] == 0 and df.loc[1, "clients_per_1000"] == 0  # a published 0 with its rate
    assert df.loc[2, "clients_per_1000"] == pytest.approx(40.0)  # a rate of 0 beside 40 clients is no rate
    assert np.isnan(df.loc[3, "clients"])

