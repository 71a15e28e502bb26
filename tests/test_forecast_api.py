"""wmo_xl.forecast / forecast_table on a bundle trained on synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import wmo_xl
from wmo_xl import horizon
from wmo_xl.data import tidy
from wmo_xl.errors import WmoError


def test_observed_year_returns_observed_value(active_bundle, cbs_frame: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    df = tidy(cbs_frame)
    value = df[(df["wijk"] == "WK020203") & (df["year"] == 2017)]["clients"].iloc[0]
    assert wmo_xl.forecast("WK020203", 2017) == value
    assert wmo_xl.forecast_interval("WK020203", 2017) == (value, value)


def test_table_long_format_and_gemeente_is_sum(active_bundle) -> None:  # type: ignore[no-untyped-def]
    t = wmo_xl.forecast_table(["GM0202"], [2018, 2019, 2023])
    assert list(t.columns) == ["wijk", "year", "category", "clients", "lower", "upper"]
    wijk_table = wmo_xl.forecast_table(None, [2019, 2023])
    gm = wijk_table[wijk_table["wijk"].str.startswith("WK0202")].groupby("year")["clients"].sum()
    assert t.set_index("year").loc[2019, "clients"] == pytest.approx(gm[2019])
    assert t.set_index("year").loc[2023, "clients"] == pytest.approx(gm[2023])
    row = t.set_index("year").loc[2023]
    assert row["lower"] < row["clients"] < row["upper"]


def test_all_wijken_when_none(active_bundle) -> None:  # type: ignore[no-untyped-def]
    t = wmo_xl.forecast_table(None, 2020)
    assert t["wijk"].nunique() == 36 and (t["year"] == 2020).all()


def test_single_forecast_equals_table_cell(active_bundle) -> None:  # type: ignore[no-untyped-def]
    t = wmo_xl.forecast_table(["WK030307", "GM0303"], [2021])
    assert wmo_xl.forecast("WK030307", 2021) == pytest.approx(t.iloc[0]["clients"])
    assert wmo_xl.forecast("gm0303 ", 2021.0) == pytest.approx(t.iloc[1]["clients"])


def test_suppressed_past_value_is_missing_not_zero(active_bundle) -> None:  # type: ignore[no-untyped-def]
    t = wmo_xl.forecast_table(["WK010100"], [2018])
    assert math.isnan(t.iloc[0]["clients"])
    with pytest.raises(WmoError, match="no CBS value for WK010100 in 2018"):
        wmo_xl.forecast("WK010100", 2018)


#: The synthetic model (data 2015-2018, 10 fitted years) answers up to 2028 or today's budget years.
REACH = horizon.reach(2018, 10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("WK999901", 2020), "unknown wijk WK999901"),
        (("GM9999", 2020), "unknown gemeente GM9999"),
        (("Den Haag", 2020), "invalid code 'DEN HAAG'"),
        (("WK020203", 2014), f"year 2014 outside 2015-{REACH}"),
        (("WK020203", REACH + 1), f"year {REACH + 1} outside 2015-{REACH}"),
        (("WK020203", "next year"), "not a year"),
        (("WK020203", 2020, "jeugdzorg"), "unknown category 'jeugdzorg'"),
        (("WK020203", 2020, "hbh"), "category 'hbh' not in this model"),
    ],
)
def test_bad_input_gives_one_clear_message(active_bundle, args, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WmoError, match=message):
        wmo_xl.forecast(*args)


def test_explicit_model_path(bundle_dir) -> None:  # type: ignore[no-untyped-def]
    assert np.isfinite(wmo_xl.forecast("WK010101", 2020, model=bundle_dir))
