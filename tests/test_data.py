"""CBS tables -> tidy table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wmo_xl.data import TIDY_COLUMNS, normalize_name, read_csvs, tidy
from wmo_xl.errors import WmoError


def test_suppressed_counts_are_missing_not_zero(cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame)
    suppressed = df[(df["wijk"] == "WK010100") & (df["year"] == 2018)]
    assert suppressed["clients"].isna().all()
    assert (df["clients"].dropna() % 5 == 0).all()
    assert list(df.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS


def test_per_1000_computed_when_cbs_column_suppressed(cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame).dropna(subset=["clients"])
    expected = 1000 * df["clients"] / df["inhabitants"]
    assert np.allclose(df["clients_per_1000"], expected)


def test_gemeente_derived_from_wijk_code(cbs_frame: pd.DataFrame) -> None:
    df = tidy(cbs_frame)
    assert (df["gemeente"] == "GM" + df["wijk"].str[2:6]).all()


def test_cbsodata_names_map_to_same_columns() -> None:
    raw = pd.DataFrame({
        "WijkenEnBuurten": ["WK051801  "], "Codering_3": ["WK051801  "], "Gemeentenaam_1": ["'s-Gravenhage "],
        "AantalInwoners_5": [1000], "k_65JaarOfOuder_12": [200], "WmoClienten_100": [None], "perioden": [2020],
    })
    df = tidy(raw)
    assert df.loc[0, "wijk"] == "WK051801"
    assert df.loc[0, "age_65plus"] == 200
    assert np.isnan(df.loc[0, "clients"])
    assert normalize_name("k_65JaarOfOuder_12") == "k65jaarofouder"


def test_csv_without_needed_columns_names_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "bad.csv"
    pd.DataFrame({"codering_regio": ["WK051801"], "perioden": [2018]}).to_csv(p, index=False)
    with pytest.raises(WmoError, match="lacks column.*wmoclienten"):
        read_csvs([p])


def test_missing_csv_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WmoError, match="not found"):
        read_csvs([tmp_path / "nope.csv"])
