"""KWB features for the demographic (cross-section) part of the model.

Shares rather than counts, so that wijken of different size are comparable. Age 65+,
widowhood, living alone, disability (AO) and social-assistance benefits and low income
are the known drivers of Wmo use; density and urbanity stand in for local supply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of the matrix returned by :func:`demographic_features`, in order.
FEATURE_NAMES: list[str] = [
    "share_65plus", "share_45_65", "share_0_15", "share_widowed", "share_one_person",
    "share_ao", "share_bijstand", "income_per_inhabitant", "low_income_households_pct",
    "rental_pct", "social_housing_pct", "log_density", "urbanity", "log_inhabitants",
]

#: Index of share_65plus; it carries a monotone (non-decreasing) constraint in the model.
SHARE_65_INDEX = 0

#: Yearly survival of the 65+ population (about 4.5% die per year) and the share of the
#: 45-65 group that turns 65 each year (one twentieth of a 20-year band).
SURVIVAL_65PLUS = 0.955
INFLOW_45_65 = 1.0 / 20.0


_NUMERIC = {
    "inhabitants", "age_65plus", "age_45_65", "age_0_15", "widowed", "one_person_households", "households",
    "ao_benefits", "bijstand_benefits", "income_per_inhabitant", "low_income_households_pct", "rental_pct",
    "social_housing_pct", "density", "urbanity",
}


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def _floats(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as float64 with NaN for missing, also from nullable or Arrow dtypes.

    :func:`wmo_xl.data.plain` already gives float64; this keeps the features right for a
    caller who passes a frame of their own (``astype(float)`` fails on ``pd.NA``).
    """
    return pd.DataFrame({c: df[c].to_numpy(dtype=float, na_value=np.nan) for c in columns}, index=df.index)


def demographic_features(df: pd.DataFrame) -> pd.DataFrame:
    """Feature matrix (NaN where CBS has no value; the gradient boosting handles it)."""
    df = _floats(df, [c for c in df.columns if c in _NUMERIC])
    pop = df["inhabitants"]
    return pd.DataFrame(
        {
            "share_65plus": _share(df["age_65plus"], pop),
            "share_45_65": _share(df["age_45_65"], pop),
            "share_0_15": _share(df["age_0_15"], pop),
            "share_widowed": _share(df["widowed"], pop),
            "share_one_person": _share(df["one_person_households"], df["households"]),
            "share_ao": _share(df["ao_benefits"], pop),
            "share_bijstand": _share(df["bijstand_benefits"], pop),
            "income_per_inhabitant": df["income_per_inhabitant"],
            "low_income_households_pct": df["low_income_households_pct"],
            "rental_pct": df["rental_pct"],
            "social_housing_pct": df["social_housing_pct"],
            "log_density": np.log1p(df["density"].clip(lower=0)),
            "urbanity": df["urbanity"],
            "log_inhabitants": np.log(pop.where(pop > 0)),
        },
        index=df.index,
    )[FEATURE_NAMES].astype(float)


def aged_features(features: pd.DataFrame, years: int) -> pd.DataFrame:
    """The same wijken ``years`` later by cohort ageing alone (policy and migration unchanged).

    The 65+ group shrinks by mortality and grows by the part of the 45-65 group that turns
    65; the 45-65 group loses that part. Uses only origin-year KWB, so it is a legitimate
    forecast input.
    """
    out = features.copy()
    inflow = features["share_45_65"] * min(years * INFLOW_45_65, 1.0)
    out["share_65plus"] = features["share_65plus"] * SURVIVAL_65PLUS**years + inflow
    out["share_45_65"] = features["share_45_65"] - inflow
    return out


def inflow_rate(past: pd.DataFrame, default: float = INFLOW_45_65) -> float:
    """Yearly share of the 45-65 group entering 65+, calibrated on the last two KWB years.

    The 45-65 band is not uniform (baby-boom cohorts), so 1/20 is only a first guess: where
    two KWB years are present, the rate is set so that the cohort rule reproduces the
    observed national growth of the 65+ population over the wijken present in both.
    """
    years = sorted(past["year"].unique())
    if len(years) < 2:
        return default
    a, b = years[-2], years[-1]
    cols = ["wijk", "age_65plus", "age_45_65"]
    m = past[past["year"] == a][cols].merge(past[past["year"] == b][cols], on="wijk", suffixes=("_a", "_b")).dropna()
    if m.empty or m["age_45_65_a"].sum() <= 0:
        return default
    growth = (m["age_65plus_b"].sum() / m["age_65plus_a"].sum()) ** (1.0 / (b - a))
    k = m["age_65plus_a"].sum() * (growth - SURVIVAL_65PLUS) / m["age_45_65_a"].sum()
    return float(np.clip(k, 0.0, 0.1))


def cohort_ageing(latest: pd.DataFrame, past: pd.DataFrame, horizon: int) -> np.ndarray:
    """log(65+ in h years / 65+ now) per wijk for h = 1..horizon, by cohort ageing.

    Uses only KWB rows up to the origin. Wijken without a 65+ count get 0 (no change).
    """
    k = inflow_rate(past)
    a65 = latest["age_65plus"].to_numpy(dtype=float, na_value=np.nan)
    a45 = latest["age_45_65"].to_numpy(dtype=float, na_value=np.nan)
    out = np.zeros((len(latest), horizon))
    ok = (a65 > 0) & np.isfinite(a45)
    for h in range(1, horizon + 1):
        projected = a65[ok] * SURVIVAL_65PLUS**h + a45[ok] * (1.0 - (1.0 - k) ** h)
        out[ok, h - 1] = np.log(projected / a65[ok])
    return out
