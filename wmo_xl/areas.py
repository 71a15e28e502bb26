"""Which rows of a model make up a gemeente, year by year, on today's map.

A model's rows carry the wijk and gemeente codes of their data year. A gemeente of today
formed by merging whole gemeenten (``data/herindelingen.csv``, geheel) is the sum of its
predecessors' wijken, under their old codes. Which rows count depends on the year:

- **A past year** ``y`` counts the rows of every gemeente of the family (the gemeente and
  its whole predecessors, transitively) that was on the map of ``y``: CBS's table of ``y``
  uses that year's codes, so nothing is counted twice. A part of the family that was on
  the map then but has no rows at all (CBS never counted it) is named: the year has no
  figure, never a partial sum.
- **A forecast year** counts the rows whose figures are the latest for their area. A
  predecessor's rows are *superseded* when its successor has its own figures from the
  merger year on (Hoogezand-Sappemeer's 2017 wijken once Midden-Groningen has 2018
  wijken), or rows estimated for today's map (``FittedForecast.estimated``); otherwise
  (Haren, merged into Groningen in 2019, after the data) they are added. A part without
  rows refuses the whole gemeente's forecast, naming it.

An old code answers for its old area (its own rows); a superseded one only for past years.
A code unknown to the merger list (a test fixture, a retrained gemeente) is its own area.
Partial boundary moves (``deel``, smaller corrections) are left out: docs/data.md says how
large they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gemeenten import current_code, existed_in, formed_year, successors, whole_predecessors


@dataclass(frozen=True)
class Slot:
    """The rows of an area for one year (or for the forecast years), and the parts without rows."""

    rows: np.ndarray
    missing: tuple[str, ...] = ()
    counted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    """What a gemeente code stands for in one model."""

    code: str
    family: tuple[str, ...]  # the code and its whole predecessors (transitively)
    all_rows: np.ndarray  # every row of the family (what the wijk lists show)
    past: tuple[Slot, ...]  # per data year first_year..origin
    future: Slot | None  # None: superseded (its area's latest figures are under a successor)

    def slot(self, year: int, first_year: int, origin: int) -> Slot | None:
        return self.future if year > origin else self.past[year - first_year]


def family(code: str) -> list[str]:
    """The code and the codes that went wholly into it, directly or through earlier mergers."""
    out, todo = [code], [code]
    while todo:
        c = todo.pop()
        for h in whole_predecessors(c):
            if h.old not in out:
                out.append(h.old)
                todo.append(h.old)
    return out


def _successor_chain(code: str) -> list[str]:
    """The code and the codes it went wholly into, up to today (for the areas to build)."""
    out = [code]
    while True:
        lines = successors(out[-1])
        if len(lines) != 1 or not lines[0].whole or lines[0].new in out:
            return out
        out.append(lines[0].new)


class _Rows:
    """Per gemeente of the data: its rows, its last observed year, whether it has estimated
    rows; and which gemeenten are superseded (cheap: no per-year work)."""

    def __init__(self, gemeente: np.ndarray, observed: np.ndarray, estimated: np.ndarray, first_year: int) -> None:
        names, inverse = np.unique(gemeente, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(names)))[:-1]
        self.rows_of = {str(g): r for g, r in zip(names, np.split(order, bounds))}
        seen = ~np.isnan(observed)
        self.last_seen: dict[str, int | None] = {}
        for g, rows in self.rows_of.items():
            cols = np.flatnonzero(seen[rows].any(axis=0))
            self.last_seen[g] = first_year + int(cols.max()) if len(cols) else None
        self.has_estimate = {g: bool(estimated[rows].any()) for g, rows in self.rows_of.items()}
        self._superseded: dict[str, bool] = {}
        self.n = len(gemeente)

    def covered(self, code: str, since: int) -> bool:
        """The gemeente has figures of its own from ``since`` on (or rows for today's map)."""
        last = self.last_seen.get(code)
        return self.has_estimate.get(code, False) or (last is not None and last >= since)

    def is_superseded(self, code: str, depth: int = 0) -> bool:
        if code not in self._superseded:
            lines = successors(code)
            self._superseded[code] = depth < 20 and any(
                self.covered(h.new, h.year) or self.is_superseded(h.new, depth + 1) for h in lines)
        return self._superseded[code]

    def superseded_rows(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for g, rows in self.rows_of.items():
            if self.is_superseded(g):
                out[rows] = True
        return out


def superseded_rows(gemeente: np.ndarray, observed: np.ndarray, estimated: np.ndarray, first_year: int) -> np.ndarray:
    """Per row: its gemeente is an old area whose successor's own wijken (from the merger year
    on, or estimated for today's map) carry its forecast, so the row has no forecast of its own."""
    return _Rows(gemeente, observed, estimated, first_year).superseded_rows()


def build_areas(gemeente: np.ndarray, observed: np.ndarray, estimated: np.ndarray, first_year: int) -> dict[str, Area]:
    """Areas of every gemeente code the rows reach (old codes and today's)."""
    base = _Rows(gemeente, observed, estimated, first_year)
    rows_of, is_superseded = base.rows_of, base.is_superseded
    years = observed.shape[1]

    codes: list[str] = []
    for g in rows_of:
        for c in _successor_chain(g):
            if c not in codes:
                codes.append(c)
        now = current_code(g)
        if now and now not in codes:
            codes.append(now)

    empty = np.array([], dtype=int)
    memo: dict[tuple[str, ...], np.ndarray] = {}

    def rows_for(members: list[str]) -> np.ndarray:
        key = tuple(c for c in members if c in rows_of)
        if key not in memo:
            memo[key] = rows_of[key[0]] if len(key) == 1 else np.sort(np.concatenate([rows_of[c] for c in key])) if key else empty
        return memo[key]

    areas: dict[str, Area] = {}
    for code in codes:
        members = family(code)
        past = []
        for k in range(years):
            there = [c for c in members if existed_in(c, first_year + k)]
            counted = [c for c in there if c in rows_of and not estimated[rows_of[c]].all()]  # an estimate is no count
            past.append(Slot(rows_for(there), tuple(c for c in there if c not in counted), tuple(counted)))
        future = None
        if not is_superseded(code):
            live = [c for c in members if not is_superseded(c)]
            # a gemeente formed from others is its predecessors' area; any other part without rows is missing
            missing = tuple(c for c in live if c not in rows_of and formed_year(c) is None)
            if missing and any(base.has_estimate.get(c, False) for c in live):
                # one remainder row estimated from demographics stands for every uncounted part
                # (wmo_xl.demographic: KWB 2024 cannot tell the old gemeenten apart)
                missing = ()
            future = Slot(rows_for(live), missing, tuple(c for c in live if c in rows_of))
        areas[code] = Area(code, tuple(members), rows_for(members), tuple(past), future)
    return areas
