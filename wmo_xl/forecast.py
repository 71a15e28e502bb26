"""The public forecasting API: ``forecast`` (one cell) and ``forecast_table`` (a grid).

Both read the cached bundle (see :mod:`wmo_xl.bundle`) and never touch disk after the first
call; the queries themselves are methods of :class:`~wmo_xl.fitted.FittedForecast`. A gemeente code stands for the sum of its wijken known to the model. Years up to the
model's origin return the CBS value (lower = upper = value); later years the forecast.

A gemeente of today formed by merging whole gemeenten is the sum of its predecessors'
wijken, and an old code answers for its old area (:mod:`wmo_xl.areas`); every surface shows
:func:`wmo_xl.gemeenten.notes_for` beside an old code's figures.

A gemeente's past year is the sum of its wijken's CBS values only when the wijken without a
value carried at most 5% of its clients (:meth:`FittedForecast.observed_gap`); otherwise it is
missing (``forecast`` raises ``incomplete: k of n wijken have no CBS value in YEAR``,
``forecast_table`` gives NaN), never a partial sum shown as the gemeente's count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .bundle import get_bundle
from .codes import check_code
from .errors import WmoError
from .fitted import FittedForecast
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
    value = fc.clients(q.code, q.year)
    if np.isnan(value):
        raise WmoError(fc.observed_gap(q.code, q.year) or f"no value for {q.code} in {q.year}")
    return value


def forecast_interval(wijk: str, year: int, category: str = "totaal", model: str | Path | None = None) -> tuple[float, float]:
    """Lower and upper bound of the 80% prediction interval (equal for observed years)."""
    q = query(wijk, year, category)
    fc = _model(q.category, model)
    _, lower, upper = fc.cell(q.code, q.year)
    if np.isnan(lower):
        raise WmoError(fc.observed_gap(q.code, q.year) or f"no value for {q.code} in {q.year}")
    return lower, upper


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
    and so does a gemeente's past year whose wijken lack values for more than 5% of its
    clients, and later years of an old area whose successor's wijken carry its forecast
    (:mod:`wmo_xl.areas`; ``forecast`` gives the reason). A gemeente the model cannot give
    (no rows for part of its area) is refused with the reason.
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
    clients, lower, upper = fc.grid(codes, year_list)
    import pandas as pd  # lazily: the UDF warm-up needs no DataFrame

    m = len(year_list)
    return pd.DataFrame({
        "wijk": np.repeat(np.asarray(codes, dtype=object), m),
        "year": np.tile(np.asarray(year_list, dtype=int), len(codes)),
        "category": cat,
        "clients": clients.ravel(), "lower": lower.ravel(), "upper": upper.ravel(),
    })[TABLE_COLUMNS]
