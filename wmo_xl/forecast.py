"""The public forecasting API: ``forecast`` (one cell) and ``forecast_table`` (a grid).

Both read the cached bundle (see :mod:`wmo_xl.bundle`) and never touch disk after the first
call; the queries themselves are methods of :class:`~wmo_xl.fitted.FittedForecast`. A gemeente code stands for the sum of its wijken known to the model. Years up to the
model's origin return the CBS value (lower = upper = value); later years the forecast.

A gemeente's past year is the sum of its wijken's CBS values only when the wijken without a
value carried at most 5% of its clients (:meth:`FittedForecast.observed_gap`); otherwise it is
missing (``forecast`` raises ``incomplete: k of n wijken have no CBS value in YEAR``,
``forecast_table`` gives NaN), never a partial sum shown as the gemeente's count.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .bundle import get_bundle
from .codes import check_code, gemeente_of, is_gemeente
from .errors import WmoError
from .fitted import FittedForecast
from .gemeenten import ended_message, merged_away
from .schemas import ForecastQuery, query, years_query

if TYPE_CHECKING:
    import pandas as pd

TABLE_COLUMNS = ["wijk", "year", "category", "clients", "lower", "upper"]


def _model(category: str, model: str | Path | None) -> FittedForecast:
    return get_bundle(model).model(category)


def forecast(wijk: str, year: int, category: str = "totaal", model: str | Path | None = None) -> float:
    """Wmo clients of a wijk or gemeente in ``year`` (observed value for past years).

    Raises WmoError for an unknown code, category or a year out of range, and for a past
    year without a published value (CBS suppressed it or the wijk did not exist then), or a
    gemeente whose wijken lack values for more than 5% of its clients that year.
    """
    q: ForecastQuery = query(wijk, year, category)
    fc = _model(q.category, model)
    if q.year > fc.origin:
        _refuse_ended(fc, q.code)
    value = fc.clients(q.code, q.year)
    if np.isnan(value):
        raise WmoError(fc.observed_gap(q.code, q.year) or f"no value for {q.code} in {q.year}")
    return value


def forecast_interval(wijk: str, year: int, category: str = "totaal", model: str | Path | None = None) -> tuple[float, float]:
    """Lower and upper bound of the 80% prediction interval (equal for observed years)."""
    q = query(wijk, year, category)
    fc = _model(q.category, model)
    if q.year > fc.origin:
        _refuse_ended(fc, q.code)
    _, lower, upper = fc.cell(q.code, q.year)
    if np.isnan(lower):
        raise WmoError(fc.observed_gap(q.code, q.year) or f"no value for {q.code} in {q.year}")
    return lower, upper


_ended_cache: weakref.WeakKeyDictionary[FittedForecast, dict[str, int | None]] = weakref.WeakKeyDictionary()


def ended_gemeenten(fc: FittedForecast) -> dict[str, int | None]:
    """Gemeenten of the model merged away before its last data year -> their last CBS year.

    Certain only when both hold: CBS has no figures for the gemeente in the model's origin
    year, and its code, a CBS code of 2015-2018, is not among the gemeenten of 2024
    (:func:`wmo_xl.gemeenten.merged_away`). A gemeente
    that merged after the origin year still has a full history and is forecast as the area
    it was. Computed once per model.
    """
    found = _ended_cache.get(fc)
    if found is None:
        found = {}
        for g, rows in fc.gemeente_rows.items():
            if fc.estimated[rows].all():  # estimated from demographics: a remainder of today's gemeente, never "ended"
                continue
            last = fc.last_year[rows]
            seen = int(np.nanmax(last)) if np.isfinite(last).any() else None
            if (seen is None or seen < fc.origin) and merged_away(g):
                found[g] = seen
        _ended_cache[fc] = found
    return found


_rows_cache: weakref.WeakKeyDictionary[FittedForecast, np.ndarray] = weakref.WeakKeyDictionary()


def _ended_rows(fc: FittedForecast) -> np.ndarray:
    """Boolean per model row: its gemeente was merged away (computed once per model)."""
    rows = _rows_cache.get(fc)
    if rows is None:
        rows = np.zeros(len(fc.codes), dtype=bool)
        for g in ended_gemeenten(fc):
            rows[fc.gemeente_rows[g]] = True
        _rows_cache[fc] = rows
    return rows


def ended(fc: FittedForecast, code: str) -> bool:
    """True when ``code`` (wijk or gemeente) belongs to a gemeente in :func:`ended_gemeenten`."""
    return (code if is_gemeente(code) else gemeente_of(code)) in ended_gemeenten(fc)


def _refuse_ended(fc: FittedForecast, code: str) -> None:
    """No forecast for a code of a gemeente merged away before the model's last data year."""
    found = ended_gemeenten(fc)
    if found:
        g = code if is_gemeente(code) else gemeente_of(code)
        if g in found:
            raise WmoError(ended_message(code, g, found[g]))


def estimate_note(code: str, model: str | Path | None = None, category: str = "totaal") -> str | None:
    """The label of a figure estimated from demographics (CBS never counted the gemeente), or None.

    One line, Dutch (it shows in Excel too): ``GM0687 Middelburg: schatting uit demografie
    (geen CBS-telling), ...; hertrain op eigen cijfers of ververs met 'wmo-xl refresh'``. Every
    surface that shows such a figure (CLI, UDF blocks, export) shows this beside it.
    """
    from .codes import normalize_code
    from .data import category_of
    from .demographic import note_for

    return note_for(_model(category_of(category), model), normalize_code(code))


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

    ``wijken=None`` means every wijk the model knows. Past years without a CBS value give NaN,
    ``wijken=None`` means every wijk the model knows. Past years without a CBS value give NaN,
    and so does a gemeente's past year whose wijken lack values for more than 5% of its
    clients (``forecast`` gives the reason), and later years of wijken whose gemeente was
    merged away (:func:`ended_gemeenten`); naming such a code explicitly is refused with the reason.
    """
    yq = years_query(_as_list(years), category)
    year_list, cat = yq.years, yq.category
    if not year_list:
        raise WmoError("no years given: pass one or more years like 2025")
    fc = _model(cat, model)
    for y in year_list:
        fc.check_year(y)
    codes = [str(c) for c in fc.codes] if wijken is None else [check_code(c) for c in _as_list(wijken)]
    if not codes:
        raise WmoError("no wijk or gemeente codes given")
    if wijken is not None and max(year_list) > fc.origin:
        for code in codes:
            _refuse_ended(fc, code)
    clients, lower, upper = fc.grid(codes, year_list)
    if wijken is None and ended_gemeenten(fc):  # the whole table: no forecast for gemeenten merged away
        gone = _ended_rows(fc)
        future = np.asarray(year_list) > fc.origin
        for a in (clients, lower, upper):
            a[np.ix_(gone, future)] = np.nan
    import pandas as pd  # lazily: the UDF warm-up needs no DataFrame

    m = len(year_list)
    return pd.DataFrame({
        "wijk": np.repeat(np.asarray(codes, dtype=object), m),
        "year": np.tile(np.asarray(year_list, dtype=int), len(codes)),
        "category": cat,
        "clients": clients.ravel(), "lower": lower.ravel(), "upper": upper.ravel(),
    })[TABLE_COLUMNS]
