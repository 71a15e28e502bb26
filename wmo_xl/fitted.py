"""A fitted forecast: plain arrays and the queries prediction needs (no scikit-learn, no scipy).

:class:`~wmo_xl.model.WmoForecaster` fits; what prediction reads afterwards is only this:
per wijk the forecast paths (mean, lower, upper for 1..max_horizon years after the origin),
the observed counts up to the origin, inhabitants, and the four numbers of the gemeente
interval. Bundles store exactly these arrays (:mod:`wmo_xl.bundle`), so loading a model is
reading numbers, and every module asks this object instead of reading estimator internals.

The interval arithmetic lives here once: :func:`path_bounds` turns a log-scale path and its
variance into clients and bounds (used by the fit and by the local recalibration), and
:meth:`FittedForecast.gemeente_interval` gives the interval of a sum of wijken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .areas import Area, build_areas, superseded_rows
from .codes import gemeente_of, is_gemeente
from .errors import ModelIntegrityError, WmoError
from .horizon import EXTRAPOLATION_AFTER, reach

#: log(clients + OFFSET) is the modelling scale: counts are multiples of 5 and may be 0.
OFFSET = 5.0

#: An observed sum over several wijken is given only when the wijken without a CBS value that
#: year carried at most this share of the clients (see :meth:`FittedForecast.observed_gap`).
MAX_MISSING_SHARE = 0.05

_ARRAYS = ("codes", "gemeente", "inhabitants", "last_year", "mean", "lower", "upper", "observed")
_INTS = ("origin", "first_year", "max_horizon")
_FLOATS = ("var_year", "var_noise", "var_gemeente_year", "q_low", "q_high")
#: Optional arrays (bundles written before they existed load with the default):
#: ``estimated`` marks rows estimated from demographics (:mod:`wmo_xl.demographic`), all False
#: by default; ``estimate_q`` the log 10%/90% quantiles of an estimated gemeente total.
_OPTIONAL = ("estimated", "estimate_q")
_Z80 = 1.2815515655446004


def path_variance(var_year: float, var_noise: float, steps: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Log-scale variance per wijk and horizon: ``var_year * steps + var_noise / (count + 5)``.

    A gemeente-wide part that grows with the years since the last observation, and a
    counting-noise part that is larger for small counts.
    """
    return var_year * steps + var_noise / (np.maximum(counts, 0) + OFFSET)[:, None]


def path_bounds(mu: np.ndarray, var: np.ndarray, q_low: float, q_high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Clients, lower and upper bound (clipped at 0) and the sd, from log-scale ``mu`` and ``var``."""
    sd = np.sqrt(var)
    mean = np.maximum(np.exp(mu) - OFFSET, 0.0)
    lower = np.maximum(np.exp(mu + q_low * sd) - OFFSET, 0.0)
    upper = np.maximum(np.exp(mu + q_high * sd) - OFFSET, 0.0)
    return mean, lower, upper, sd


@dataclass(eq=False)
class FittedForecast:
    """Forecast paths per wijk and what the queries need; arrays and plain numbers only.

    ``observed[i, k]`` is the CBS count of wijk ``i`` in year ``first_year + k`` (NaN: none
    published), for years up to the origin. ``mean/lower/upper[i, h - 1]`` are the forecast
    for year ``origin + h``. ``last_year`` is NaN for a wijk never observed.
    """

    codes: np.ndarray
    gemeente: np.ndarray
    inhabitants: np.ndarray
    last_year: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    observed: np.ndarray
    origin: int
    first_year: int
    max_horizon: int
    var_year: float
    var_noise: float
    var_gemeente_year: float
    q_low: float
    q_high: float
    #: Rows the model estimated for what CBS never counted (per row; default all False).
    estimated: np.ndarray | None = None
    estimate_q: np.ndarray | None = None
    reach: int = field(init=False)
    index: dict[str, int] = field(init=False, repr=False)
    _map: tuple[dict[str, Area], dict[str, np.ndarray]] | None = field(init=False, repr=False, default=None)
    _superseded: np.ndarray | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.codes = np.asarray(self.codes, dtype=str)
        self.gemeente = np.asarray(self.gemeente, dtype=str)
        for name in ("inhabitants", "last_year", "mean", "lower", "upper", "observed"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=float))
        self.origin, self.first_year, self.max_horizon = int(self.origin), int(self.first_year), int(self.max_horizon)
        n, years = len(self.codes), self.origin - self.first_year + 1
        for name in ("mean", "lower", "upper"):  # paths extended by an earlier instance: back to the fitted ones
            arr = getattr(self, name)
            if arr.ndim == 2 and arr.shape[1] > self.max_horizon:
                setattr(self, name, arr[:, : self.max_horizon])
        self.estimated = np.zeros(n, dtype=bool) if self.estimated is None else np.asarray(self.estimated, dtype=bool)
        self.estimate_q = np.zeros(2) if self.estimate_q is None else np.asarray(self.estimate_q, dtype=float)
        shapes = {
            "gemeente": (self.gemeente.shape, (n,)), "inhabitants": (self.inhabitants.shape, (n,)),
            "last_year": (self.last_year.shape, (n,)), "mean": (self.mean.shape, (n, self.max_horizon)),
            "lower": (self.lower.shape, (n, self.max_horizon)), "upper": (self.upper.shape, (n, self.max_horizon)),
            "observed": (self.observed.shape, (n, years)),
            "estimated": (self.estimated.shape, (n,)), "estimate_q": (self.estimate_q.shape, (2,)),
        }
        bad = [f"{k} {got} != {want}" for k, (got, want) in shapes.items() if got != want]
        if bad or self.max_horizon < 1 or years < 1:
            raise ModelIntegrityError(f"forecast arrays do not fit together ({'; '.join(bad) or 'empty year range'})")
        self.index = {str(c): i for i, c in enumerate(self.codes)}
        if len(self.index) != n:
            raise ModelIntegrityError("forecast arrays list a wijk code twice")
        self.reach = self.origin + self.max_horizon
        self._extend_to(reach(self.origin, self.max_horizon))

    def _extend_to(self, last_year: int) -> None:
        """Make the model answer up to ``last_year`` (extrapolated paths), if it does not yet."""
        if last_year > self.reach:
            self._extend_paths(last_year - self.origin)
            self.reach = last_year

    def _extend_paths(self, horizon: int) -> None:
        """Paths beyond the fitted ``max_horizon`` up to ``horizon`` (the budget years of today).

        The stated assumption (:data:`wmo_xl.horizon.RANGE_ASSUMPTION`): the last fitted
        year's growth continues, and the log-scale variance keeps adding ``var_year`` a year
        (a random walk), so the range widens with the square root of the years. These years
        are always called ``extrapolatie`` (:func:`wmo_xl.horizon.status`).
        """
        H = self.mean.shape[1]  # the fitted paths, or paths extended before (same growth, same rule)
        extra = horizon - H
        if extra <= 0:
            return
        last = np.log(self.mean[:, H - 1] + OFFSET)
        growth = last - np.log(self.mean[:, H - 2] + OFFSET) if H >= 2 else np.zeros(len(last))
        z = self.q_high if self.q_high > 0 else 1.2815515655446004
        sd_last = (np.log(self.upper[:, H - 1] + OFFSET) - last) / z
        sd_last = np.where(np.isfinite(sd_last) & (sd_last > 0), sd_last, np.sqrt(self.var_year * H))
        k = np.arange(1, extra + 1)[None, :]
        mu = last[:, None] + growth[:, None] * k
        var = sd_last[:, None] ** 2 + self.var_year * k
        mean, lower, upper, _sd = path_bounds(mu, var, self.q_low, self.q_high)
        self.mean = np.hstack([self.mean, mean])
        self.lower = np.hstack([self.lower, lower])
        self.upper = np.hstack([self.upper, upper])

    # ------------------------------------------------------------- today's map
    def _today(self) -> tuple[dict[str, Area], dict[str, np.ndarray]]:
        """Built on first use (wmo_xl.areas): a model that only answers wijken never pays for it."""
        if self._map is None:
            areas = build_areas(self.gemeente, self.observed, self.estimated, self.first_year)
            self._map = (areas, {code: area.all_rows for code, area in areas.items()})
        return self._map

    @property
    def areas(self) -> dict[str, Area]:
        """Gemeente code (old or of today) -> the rows of its area, year by year."""
        return self._today()[0]

    @property
    def superseded(self) -> np.ndarray:
        """Per row: an old area whose successor's own wijken carry its forecast (no forecast of its own)."""
        if self._superseded is None:
            self._superseded = superseded_rows(self.gemeente, self.observed, self.estimated, self.first_year)
        return self._superseded

    @property
    def gemeente_rows(self) -> dict[str, np.ndarray]:
        """Gemeente code (old or of today) -> every row of its area (its wijken and its predecessors')."""
        return self._today()[1]

    # ----------------------------------------------------------------- queries
    def check_year(self, year: int) -> int:
        """Past years back to the first data year, future years up to :attr:`reach`: the fitted
        paths (``max_horizon`` years) and at least today's budget years (extrapolated)."""
        if year > self.reach:  # "today" moved on (WMO_XL_TODAY, a new year): reach its budget years
            self._extend_to(reach(self.origin, self.max_horizon))
        last = self.reach
        if year < self.first_year or year > last:
            raise WmoError(f"year {year} outside {self.first_year}-{last}: the model has data {self.first_year}-{self.origin} "
                           f"and answers up to {last} (the budget years of today; more than {EXTRAPOLATION_AFTER} years beyond its data is extrapolation)")
        return year

    def data_years(self) -> str:
        return f"{self.first_year}-{self.origin}" if self.origin > self.first_year else str(self.origin)

    def area(self, code: str) -> Area:
        """The area of a gemeente code (:mod:`wmo_xl.areas`); WmoError, in the one wording of
        :func:`wmo_xl.gemeenten.no_figures_message`, when the model cannot give its figures."""
        from .areas import family
        from .gemeenten import formed_year, known_gemeenten, no_figures_message

        area = self.areas.get(code)
        if area is None:
            if code in known_gemeenten():
                parts = [c for c in family(code) if formed_year(c) is None] or [code]
                raise WmoError(no_figures_message(code, parts, [], self.data_years()))
            raise WmoError(f"unknown gemeente {code}: not in the model (gemeente codes of {self.data_years()} "
                           f"and of CBS 2024; use 'wmo-xl export-workbook --all' or the template's list for the codes)")
        if area.future is not None and area.future.missing:
            raise WmoError(no_figures_message(code, area.future.missing, area.future.counted, self.data_years()))
        return area

    def rows(self, code: str) -> np.ndarray:
        """Rows of a wijk (one) or a gemeente (every wijk of its area, old codes included);
        WmoError if unknown or refused."""
        if is_gemeente(code):
            return self.area(code).all_rows
        i = self.index.get(code)
        if i is None:
            raise WmoError(f"unknown wijk {code}: not in the model (wijk codes of {self.first_year}-{self.origin}; use WMO_WIJKEN or 'wmo-xl forecast --gemeente' for the list)")
        return np.array([i])

    def wijken_of(self, gemeente: str) -> list[str]:
        """Sorted wijk codes of a gemeente; WmoError if the model does not know it."""
        return sorted(str(w) for w in self.codes[self.rows(gemeente)])

    def observed_value(self, row: int, year: int) -> float:
        """The CBS count of one row in a past year (NaN: none published or out of range)."""
        k = year - self.first_year
        return float(self.observed[row, k]) if 0 <= k < self.observed.shape[1] else float("nan")

    def clients(self, code: str, year: int) -> float:
        """Clients of a code in a checked year; NaN for a past year without a CBS value."""
        h = self.check_year(year) - self.origin
        if h >= 1 and not is_gemeente(code):
            i = self.rows(code)[0]  # the hot path: two lookups
            return float("nan") if self.superseded[i] else float(self.mean[i, h - 1])
        return self.cell(code, year)[0]

    def cell(self, code: str, year: int) -> tuple[float, float, float]:
        """(clients, lower, upper) of a wijk or gemeente in a year (checked); past years the CBS value."""
        self.check_year(year)
        return self._cell(code, self.year_rows(code, year), year)

    def year_rows(self, code: str, year: int) -> np.ndarray | None:
        """The rows whose sum is ``code``'s figure in ``year`` (a gemeente's area that year, a
        wijk's own row); None when the year has no figure (a part without rows, or a forecast
        of an old area its successor's wijken carry)."""
        if not is_gemeente(code):
            return self.rows(code)
        slot = self.area(code).slot(year, self.first_year, self.origin)
        return None if slot is None or slot.missing else slot.rows

    def _cell(self, code: str, rows: np.ndarray | None, year: int) -> tuple[float, float, float]:
        h = year - self.origin
        if rows is None or not len(rows):
            return (float("nan"),) * 3
        if h >= 1:
            if not is_gemeente(code):
                i = rows[0]
                if self.superseded[i]:
                    return (float("nan"),) * 3
                return float(self.mean[i, h - 1]), float(self.lower[i, h - 1]), float(self.upper[i, h - 1])
            return self.gemeente_interval(rows, h)
        values = self.observed[rows, year - self.first_year]
        present = values[~np.isnan(values)]
        if not len(present) or (len(present) < len(values) and self._missing_share(rows, year) > MAX_MISSING_SHARE):
            return (float("nan"),) * 3
        total = float(sum(present.tolist()))
        return total, total, total

    def _reference(self, row: int, year: int) -> float:
        """A wijk's size when it has no CBS value in ``year``: its count in the nearest
        observed year (the larger one on a tie), else the model's first forecast year."""
        seen = np.flatnonzero(~np.isnan(self.observed[row]))
        if not len(seen):
            first = float(self.mean[row, 0])
            return first if np.isfinite(first) else 0.0
        k = year - self.first_year
        dist = np.abs(seen - k)
        nearest = seen[dist == dist.min()]
        return float(np.max(self.observed[row, nearest]))

    def _missing_share(self, rows: np.ndarray, year: int) -> float:
        """Estimated share of the clients of ``rows`` in ``year`` held by wijken without a value."""
        values = self.observed[rows, year - self.first_year]
        gap = sum(self._reference(int(r), year) for r in rows[np.isnan(values)])
        known = float(np.nansum(values))
        return gap / (gap + known) if gap + known > 0 else 0.0

    def cell_of_rows(self, code: str, rows: np.ndarray, year: int) -> tuple[float, float, float]:
        """(clients, lower, upper) of the sum of some rows of ``code`` (checked year), with the
        same completeness rule as :meth:`cell` for past years; only rows of ``code``'s area
        that year count (:meth:`year_rows`)."""
        self.check_year(year)
        rows = np.asarray(rows, dtype=int)
        if is_gemeente(code):
            allowed = self.year_rows(code, year)
            rows = rows[np.isin(rows, allowed)] if allowed is not None else None
        return self._cell(code, rows, year)

    def observed_gap(self, code: str, year: int, rows: np.ndarray | None = None) -> str:
        """Why a past year of ``code`` (or of some of its ``rows``) has no value; "" if it has one.

        The rule for a sum of wijken (a gemeente): CBS suppresses small counts and wijken
        come and go, so some wijken may lack a value in a year. The sum of the others is
        given as the gemeente's count only when the missing wijken carried at most
        ``MAX_MISSING_SHARE`` (5%) of the clients, judged by each missing wijk's count in its
        nearest observed year (or the model's estimate for a wijk never observed). Otherwise
        the figure is missing, never a partial sum shown as the whole.
        """
        k = self.check_year(year) - self.first_year
        why = self.area_gap(code, year)
        if why:
            return why
        rows = self.year_rows(code, year) if rows is None else np.asarray(rows, dtype=int)
        if k >= self.observed.shape[1] or rows is None:
            return ""
        values = self.observed[rows, k]
        if not len(values):
            return f"no CBS value for {code} in {year} (not on the map of that year)"
        missing = int(np.isnan(values).sum())
        if missing == len(values):
            return f"no CBS value for {code} in {year} (suppressed or not in that year's table)"
        share = self._missing_share(rows, year) if missing else 0.0
        if share <= MAX_MISSING_SHARE:
            return ""
        return (f"incomplete: {missing} of {len(values)} wijken have no CBS value in {year} "
                f"(about {share:.0%} of {code}'s clients in their nearest observed year): "
                f"no count for {code} in {year}")

    def area_gap(self, code: str, year: int) -> str:
        """Why ``code`` (gemeente or wijk) has no figure in ``year`` because of the map: a part
        of its area without rows, or a forecast of an old area its successor carries; ""
        otherwise. The one wording of :mod:`wmo_xl.gemeenten` on every surface."""
        from .gemeenten import no_figures_message, superseded_message

        if not is_gemeente(code):
            i = self.index.get(code)
            if i is not None and year > self.origin and self.superseded[i]:
                return f"{code}: {superseded_message(gemeente_of(code), self.origin)}"
            return ""
        slot = self.area(code).slot(year, self.first_year, self.origin)
        if slot is None:
            return superseded_message(code, self.origin)
        if slot.missing:
            return f"{no_figures_message(code, slot.missing, slot.counted, str(year))}"
        return ""

    def grid(self, codes: list[str], years: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Clients, lower and upper (codes x years); a wijk grid is vectorised, gemeenten summed."""
        for y in years:
            self.check_year(y)
        n, m = len(codes), len(years)
        clients, lower, upper = np.empty((n, m)), np.empty((n, m)), np.empty((n, m))
        areas = [i for i, c in enumerate(codes) if is_gemeente(c)]
        if areas:  # gemeente codes are sums over their area, cell by cell; wijken stay vectorised
            for i in areas:
                code = codes[i]
                self.rows(code)  # an unknown or refused code stops the whole grid
                for j, year in enumerate(years):
                    clients[i, j], lower[i, j], upper[i, j] = self._cell(code, self.year_rows(code, year), year)
            if len(areas) == n:
                return clients, lower, upper
            rest = np.setdiff1d(np.arange(n), areas)
            sub = self.grid([codes[i] for i in rest], years)
            for full, part in zip((clients, lower, upper), sub):
                full[rest] = part
            return clients, lower, upper
        idx = np.fromiter((self.index.get(c, -1) for c in codes), dtype=int, count=n)
        if (idx < 0).any():
            self.rows(codes[int(np.argmax(idx < 0))])  # raises the unknown-wijk message
        for j, year in enumerate(years):
            h = year - self.origin
            if h >= 1:
                clients[:, j], lower[:, j], upper[:, j] = self.mean[idx, h - 1], self.lower[idx, h - 1], self.upper[idx, h - 1]
                gone = self.superseded[idx]  # an old area whose successor's wijken carry the forecast
                if gone.any():
                    clients[gone, j] = lower[gone, j] = upper[gone, j] = np.nan
            else:
                clients[:, j] = lower[:, j] = upper[:, j] = self.observed[idx, year - self.first_year]
        return clients, lower, upper

    def total(self, rows: np.ndarray, h: int) -> float:
        """Forecast clients summed over ``rows`` at horizon ``h`` (1-based)."""
        return float(self.mean[rows, h - 1].sum())

    def gemeente_interval(self, rows: np.ndarray, h: int) -> tuple[float, float, float]:
        """Sum and interval of several wijken at horizon ``h`` (1-based), with a common part.

        Wijk errors within a gemeente are correlated (a policy change moves them all), so
        the sum's interval is not the sum of the bounds nor the independent one: the common
        variance is ``var_gemeente_year * h``, the rest is counted as independent noise.
        """
        est = self.estimated[rows]
        if est.any():
            return self._estimated_interval(rows[~est], rows[est], h)
        mean = self.mean[rows, h - 1]
        total = self.total(rows, h)
        if total <= 0:
            return total, 0.0, 0.0
        idio = np.sum((mean * self.var_noise ** 0.5 / np.sqrt(mean + OFFSET)) ** 2) / total**2
        sd = np.sqrt(self.var_gemeente_year * h + idio)
        return total, total * float(np.exp(self.q_low * sd)), total * float(np.exp(self.q_high * sd))

    def _estimated_interval(self, counted: np.ndarray, estimated: np.ndarray, h: int) -> tuple[float, float, float]:
        """A sum with rows estimated from demographics: their range is the calibrated one of a
        gemeente total (``estimate_q``) widened by the common variance of ``h`` years, and is
        added to the counted rows' range as fully dependent (never narrower than either)."""
        total = self.total(estimated, h)
        extra = _Z80**2 * self.var_gemeente_year * h
        lo, hi = float(self.estimate_q[0]), float(self.estimate_q[1])
        lo = -np.sqrt(lo**2 + extra) if lo < 0 else lo - np.sqrt(extra)
        hi = np.sqrt(hi**2 + extra) if hi > 0 else hi + np.sqrt(extra)
        mean, lower, upper = total, total * float(np.exp(lo)), total * float(np.exp(hi))
        if len(counted):
            m, lo_c, hi_c = self.gemeente_interval(counted, h)
            mean, lower, upper = mean + m, lower + lo_c, upper + hi_c
        return mean, lower, upper

    # ------------------------------------------------------------- as arrays
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every field as a plain (non-object) array, for ``np.savez`` without pickling."""
        out = {k: np.asarray(getattr(self, k)) for k in _ARRAYS}
        for k in ("mean", "lower", "upper"):  # only the fitted paths: extensions depend on the day of loading
            out[k] = out[k][:, : self.max_horizon]
        out.update({k: np.array(getattr(self, k), dtype=np.int64) for k in _INTS})
        out.update({k: np.array(getattr(self, k), dtype=float) for k in _FLOATS})
        if self.estimated.any():  # only models with estimated rows carry the marks and their quantiles
            out.update({k: np.asarray(getattr(self, k)) for k in _OPTIONAL})
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> FittedForecast:
        """Inverse of :meth:`to_arrays`; a missing or malformed field is a ModelIntegrityError."""
        missing = [k for k in (*_ARRAYS, *_INTS, *_FLOATS) if k not in arrays]
        if missing:
            raise ModelIntegrityError(f"forecast arrays lack {', '.join(missing)}")
        kw: dict[str, Any] = {k: arrays[k] for k in _ARRAYS}
        for k in _INTS:
            kw[k] = int(arrays[k])
        for k in _FLOATS:
            kw[k] = float(arrays[k])
        for k in _OPTIONAL:
            if k in arrays:
                kw[k] = arrays[k]
        if "estimated" in arrays and np.asarray(arrays["estimated"]).dtype.kind != "b":
            raise ModelIntegrityError("the estimated-row marks must be stored as booleans")
        if any(np.asarray(arrays[k]).dtype.kind not in "U" for k in ("codes", "gemeente")):
            raise ModelIntegrityError("wijk and gemeente codes must be stored as text")
        if "estimated" in arrays:
            kw["estimated"] = np.asarray(arrays["estimated"], dtype=bool)
        return cls(**kw)


def observed_matrix(codes: np.ndarray, first_year: int, origin: int, cells: dict[tuple[str, int], float]) -> np.ndarray:
    """(n, years) matrix of observed counts from a ``(code, year) -> count`` mapping; NaN elsewhere.

    Counts of codes not in ``codes`` or years outside ``first_year..origin`` are left out:
    the queries never ask for them (later years are forecasts).
    """
    index = {str(c): i for i, c in enumerate(codes)}
    out = np.full((len(codes), origin - first_year + 1), np.nan)
    for (code, year), value in cells.items():
        i = index.get(str(code))
        if i is not None and first_year <= year <= origin:
            out[i, year - first_year] = value
    return out
