"""The public forecasting API: ``forecast`` (one cell) and ``forecast_table`` (a grid).

Both read the cached bundle (see :mod:`wmo_xl.bundle`) and never touch disk after the first
call. A gemeente code stands for the sum of its wijken known to the model. Years up to the
model's origin return the CBS value (lower = upper = value); later years the forecast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .bundle import Bundle, get_bundle
from .codes import check_code, is_gemeente
from .errors import WmoError
from .model import WmoForecaster
from .schemas import ForecastQuery, query, years_query

TABLE_COLUMNS = ["wijk", "year", "category", "clients", "lower", "upper"]


def _check_year(est: WmoForecaster, year: int) -> int:
    """Past years back to the first data year, future years up to origin + max_horizon."""
    last = est.origin_ + est.max_horizon
    if year < est.first_year_ or year > last:
        raise WmoError(f"year {year} outside {est.first_year_}-{last}: the model has data {est.first_year_}-{est.origin_} and forecasts up to {est.max_horizon} years ahead")
    return year


def _rows_of(est: WmoForecaster, code: str) -> np.ndarray:
    """Model rows of a wijk (one) or a gemeente (all its wijken); WmoError if unknown."""
    if is_gemeente(code):
        rows = est.gemeente_index_.get(code)
        if rows is None:
            raise WmoError(f"unknown gemeente {code}: not in the model (gemeente codes of {est.first_year_}-{est.origin_}; merged gemeenten have new codes)")
        return rows
    i = est.index_.get(code)
    if i is None:
        raise WmoError(f"unknown wijk {code}: not in the model (wijk codes of {est.first_year_}-{est.origin_}; use WMO_WIJKEN or 'wmo-xl forecast --gemeente' for the list)")
    return np.array([i])


def _cell(est: WmoForecaster, code: str, rows: np.ndarray, year: int) -> tuple[float, float, float]:
    """(clients, lower, upper) of one code and year."""
    h = year - est.origin_
    if h >= 1:
        if len(rows) == 1 and not is_gemeente(code):
            i = rows[0]
            return float(est.mean_[i, h - 1]), float(est.lower_[i, h - 1]), float(est.upper_[i, h - 1])
        return est.gemeente_interval(rows, h)
    values = [est.observed_.get((w, year)) for w in est.wijken_[rows]]
    values = [v for v in values if v is not None]
    if not values:
        return (float("nan"),) * 3
    total = float(sum(values))
    return total, total, total


def _resolve(category: str, model: str | Path | None) -> tuple[Bundle, WmoForecaster]:
    bundle = get_bundle(model)
    return bundle, bundle.model(category)


def forecast(wijk: str, year: int, category: str = "totaal", model: str | Path | None = None) -> float:
    """Wmo clients of a wijk or gemeente in ``year`` (observed value for past years).

    Raises WmoError for an unknown code, category or a year out of range, and for a past
    year without a published value (CBS suppressed it or the wijk did not exist then).
    """
    q: ForecastQuery = query(wijk, year, category)
    _, est = _resolve(q.category, model)
    year = _check_year(est, q.year)
    rows = _rows_of(est, q.code)
    if year > est.origin_ and len(rows) == 1 and not is_gemeente(q.code):
        return float(est.mean_[rows[0], year - est.origin_ - 1])  # the hot path: two lookups
    value = _cell(est, q.code, rows, year)[0]
    if np.isnan(value):
        raise WmoError(f"no CBS value for {q.code} in {year} (suppressed or not in that year's table)")
    return value


def forecast_interval(wijk: str, year: int, category: str = "totaal", model: str | Path | None = None) -> tuple[float, float]:
    """Lower and upper bound of the 80% prediction interval (equal for observed years)."""
    q = query(wijk, year, category)
    _, est = _resolve(q.category, model)
    _, lower, upper = _cell(est, q.code, _rows_of(est, q.code), _check_year(est, q.year))
    if np.isnan(lower):
        raise WmoError(f"no CBS value for {q.code} in {q.year} (suppressed or not in that year's table)")
    return lower, upper


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (str, int, float, np.integer)):
        return [value]
    return list(value)  # type: ignore[call-overload]


def forecast_table(
    wijken: str | Sequence[str] | None,
    years: int | Iterable[int],
    category: str = "totaal",
    model: str | Path | None = None,
) -> pd.DataFrame:
    """Long table ``wijk, year, category, clients, lower, upper`` for every code x year.

    ``wijken=None`` means every wijk the model knows. Past years without a CBS value give NaN.
    """
    yq = years_query(_as_list(years), category)
    year_list, cat = yq.years, yq.category
    if not year_list:
        raise WmoError("no years given: pass one or more years like 2025")
    _, est = _resolve(cat, model)
    for y in year_list:
        _check_year(est, y)
    codes = list(est.wijken_) if wijken is None else [check_code(c) for c in _as_list(wijken)]
    if not codes:
        raise WmoError("no wijk or gemeente codes given")
    simple = [not is_gemeente(c) for c in codes]
    if all(simple):
        return _wijk_grid(est, codes, year_list, cat)
    frames = []
    for code in codes:
        rows = _rows_of(est, code)
        vals = [_cell(est, code, rows, y) for y in year_list]
        frames.append(pd.DataFrame({
            "wijk": code, "year": year_list, "category": cat,
            "clients": [v[0] for v in vals], "lower": [v[1] for v in vals], "upper": [v[2] for v in vals],
        }))
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]


def _wijk_grid(est: WmoForecaster, codes: list[str], years: list[int], category: str) -> pd.DataFrame:
    """Vectorized grid for plain wijk codes (the national table in one go)."""
    idx = np.fromiter((est.index_.get(c, -1) for c in codes), dtype=int, count=len(codes))
    if (idx < 0).any():
        _rows_of(est, codes[int(np.argmax(idx < 0))])  # raises the unknown-wijk message
    n, m = len(codes), len(years)
    clients = np.empty((n, m))
    lower = np.empty((n, m))
    upper = np.empty((n, m))
    for j, year in enumerate(years):
        h = year - est.origin_
        if h >= 1:
            clients[:, j], lower[:, j], upper[:, j] = est.mean_[idx, h - 1], est.lower_[idx, h - 1], est.upper_[idx, h - 1]
        else:
            obs = est.observed_
            v = np.array([obs.get((c, year), np.nan) for c in codes], dtype=float)
            clients[:, j] = lower[:, j] = upper[:, j] = v
    return pd.DataFrame({
        "wijk": np.repeat(np.asarray(codes, dtype=object), m),
        "year": np.tile(np.asarray(years, dtype=int), n),
        "category": category,
        "clients": clients.ravel(), "lower": lower.ravel(), "upper": upper.ravel(),
    })
