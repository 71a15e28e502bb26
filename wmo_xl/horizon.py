"""The budget calendar: which years a controller plans, and what the figure of each year is.

A controller in December of year T budgets T+1 (the begroting) and the meerjarenraming
T+2 .. T+4. Those four years must always be answerable, whatever the age of the model's data:
a model whose data end in 2018 still has to say something for 2030, and say plainly how far
that lies beyond its data. So every year carries its distance from the last CBS observation
and a status:

- ``waarneming``: a CBS count (distance <= 0);
- ``prognose``: 1 to :data:`EXTRAPOLATION_AFTER` years beyond the data, where the backtests
  reach and the 80% range is calibrated on them;
- ``extrapolatie``: further out. The range there comes from a stated assumption
  (:data:`RANGE_ASSUMPTION`), not from a backtest.

"Today" is the machine's date; ``WMO_XL_TODAY`` (an ISO date) overrides it, so a budget can be
made "as of" another day and tests are reproducible.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

from .errors import WmoError

#: Years beyond the last CBS observation after which a figure is called an extrapolation.
#: The backtests of the national model reach 3 years (2015 -> 2018).
EXTRAPOLATION_AFTER = 3
#: The begroting year plus the three years of the meerjarenraming.
BUDGET_YEAR_COUNT = 4
#: Environment variable that sets "today" (ISO date, e.g. 2026-12-07).
TODAY_ENV = "WMO_XL_TODAY"
#: How the 80% range is made where no backtest reaches (model card and sheets quote this).
RANGE_ASSUMPTION = (
    "beyond the backtested horizon the yearly gemeente-wide and wijk variance measured on one-year-ahead "
    "pairs keeps adding up year by year (a random walk: the range widens with the square root of the years); "
    "beyond the model's fitted paths the last fitted year's growth continues"
)
RANGE_ASSUMPTION_NL = (
    "na de gebacktestte horizon telt de jaarlijkse spreiding (gemeten op een-jaar-vooruit-paren) elk jaar "
    "verder op (random walk: de bandbreedte groeit met de wortel van het aantal jaren); na de berekende "
    "paden loopt de groei van het laatste jaar door"
)


def today() -> dt.date:
    """The date budgets are made on: ``WMO_XL_TODAY`` if set, else the machine's date."""
    value = os.environ.get(TODAY_ENV, "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise WmoError(f"{TODAY_ENV}={value[:40]!r} is not a date: expected an ISO date like 2026-12-07, or unset it") from None


def budget_years(on: dt.date | None = None) -> list[int]:
    """The years a controller budgets on date ``on``: T+1 (begroting) and T+2 .. T+4."""
    year = (on or today()).year
    return list(range(year + 1, year + 1 + BUDGET_YEAR_COUNT))


def reach(origin: int, max_horizon: int, on: dt.date | None = None) -> int:
    """The last year a model with data to ``origin`` answers: its fitted paths, and at least
    the budget years of today (extrapolated beyond the fitted paths)."""
    return max(origin + max_horizon, budget_years(on)[-1])


def years_beyond(year: int, last_observed: int) -> int:
    """How many years ``year`` lies beyond the last CBS observation (<= 0: observed)."""
    return int(year) - int(last_observed)


def status(year: int, last_observed: int) -> str:
    """``waarneming``, ``prognose`` or ``extrapolatie`` (see the module docstring)."""
    d = years_beyond(year, last_observed)
    return "waarneming" if d <= 0 else "prognose" if d <= EXTRAPOLATION_AFTER else "extrapolatie"


def far_years(years: Iterable[int], last_observed: int) -> list[int]:
    """The years that lie more than EXTRAPOLATION_AFTER years beyond the data."""
    return sorted({int(y) for y in years if status(int(y), last_observed) == "extrapolatie"})


def extrapolation_warning(years: Iterable[int], last_observed: int) -> str | None:
    """The one stderr line a command prints when it shows years far beyond the data."""
    far = far_years(years, last_observed)
    if not far:
        return None
    shown = f"{far[0]}" if len(far) == 1 else f"{far[0]}-{far[-1]}" if far == list(range(far[0], far[-1] + 1)) else ", ".join(map(str, far))
    return (f"warning: {shown} lie{'s' if len(far) == 1 else ''} more than {EXTRAPOLATION_AFTER} years beyond the model's "
            f"data (last CBS year {last_observed}): extrapolation, its range an assumption, not a backtest. "
            "Fetch newer CBS figures with 'wmo-xl refresh', or retrain on your own figures ('wmo-xl retrain').")
