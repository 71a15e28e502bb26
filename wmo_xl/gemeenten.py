"""Today's map of gemeenten: the 2024 list with names, and the mergers since 2016.

Gemeenten merge almost every year; the old code's wijken get new codes. A model trained on
2015-2018 still knows the old codes. Three shipped lists settle what a code means today, all
from CBS (CC BY 4.0): the 356 gemeenten of the Wmo wijk tables 2015-2018
(``data/gemeenten_2015_2018.csv``), the 342 of Kerncijfers wijken en buurten 2024 with their
names (table 85984NED, ``data/gemeenten_2024.csv``) and the herindelingen 2016-2024 from CBS's
"Gemeentelijke indeling op 1 januari" of each year (``data/herindelingen.csv``): which code
went wholly (``geheel``) or partly (``deel``) into which. (The CBS boundary crosswalk
``grenswijzigingen`` is CC BY-NC-SA and is not used by the product; tests check this list
against it.)
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

#: The year of the shipped gemeente list.
LIST_YEAR = 2024


def _rows(name: str) -> list[dict[str, str]]:
    """The rows of a shipped CSV (``#`` lines are its source notes)."""
    text = resources.files("wmo_xl").joinpath(f"data/{name}").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(body))]


def _codes(name: str) -> frozenset[str]:
    return frozenset(row["gemeente"] for row in _rows(name))


@functools.lru_cache(maxsize=1)
def current_names() -> dict[str, str]:
    """Gemeente code -> name of the 342 gemeenten of CBS KWB 2024, read once per process."""
    return {row["gemeente"]: row["naam"] for row in _rows("gemeenten_2024.csv")}


@functools.lru_cache(maxsize=1)
def current_gemeenten() -> frozenset[str]:
    """Gemeente codes of CBS KWB 2024, read once per process."""
    return frozenset(current_names())


@functools.lru_cache(maxsize=1)
def known_gemeenten() -> frozenset[str]:
    """Every gemeente code of the CBS Wmo wijk tables 2015-2018, of KWB 2024 and of the mergers.

    A code outside these (a test fixture, a typo that happens to have data) is not known to
    have been merged: nothing is said about it.
    """
    return _codes("gemeenten_2015_2018.csv") | current_gemeenten() | frozenset(h.old for h in herindelingen())


@dataclass(frozen=True)
class Herindeling:
    """One line of the merger list: ``old`` went (wholly or partly) into ``new`` on ``date``."""

    date: str  # ISO date the merger took effect
    old: str
    old_name: str
    new: str
    new_name: str
    whole: bool
    formed: bool = False  # ``new`` is a gemeente formed on ``date`` (a new code), not an existing one taking ``old`` in

    @property
    def year(self) -> int:
        return int(self.date[:4])


@functools.lru_cache(maxsize=1)
def herindelingen() -> tuple[Herindeling, ...]:
    """The shipped merger list 2016-2024 (``data/herindelingen.csv``), read once per process."""
    return tuple(
        Herindeling(r["datum"], r["oud_code"], r["oud_naam"], r["nieuw_code"], r["nieuw_naam"], r["geheel"] == "geheel",
                    r.get("nieuw", "") == "ja")
        for r in _rows("herindelingen.csv")
    )


@functools.lru_cache(maxsize=1)
def _by_old() -> dict[str, tuple[Herindeling, ...]]:
    out: dict[str, list[Herindeling]] = {}
    for h in herindelingen():
        out.setdefault(h.old, []).append(h)
    return {k: tuple(v) for k, v in out.items()}


@functools.lru_cache(maxsize=1)
def _by_new() -> dict[str, tuple[Herindeling, ...]]:
    out: dict[str, list[Herindeling]] = {}
    for h in herindelingen():
        out.setdefault(h.new, []).append(h)
    return {k: tuple(v) for k, v in out.items()}


def successors(code: str) -> tuple[Herindeling, ...]:
    """The merger lines of an old code (one for a whole merger, several for a split)."""
    return _by_old().get(code, ())


def whole_predecessors(code: str) -> tuple[Herindeling, ...]:
    """The merger lines of the gemeenten that went wholly into ``code`` (direct ones only)."""
    return tuple(h for h in _by_new().get(code, ()) if h.whole)


@functools.lru_cache(maxsize=4096)
def formed_year(code: str) -> int | None:
    """The year a gemeente was formed under this (new) code, None for one that existed before the list."""
    years = [h.year for h in _by_new().get(code, ()) if h.formed]
    return min(years) if years else None


@functools.lru_cache(maxsize=4096)
def end_year(code: str) -> int | None:
    """The year a gemeente code stopped (merged wholly or split), None for one that still exists."""
    years = [h.year for h in successors(code)]
    return min(years) if years else None


@functools.lru_cache(maxsize=4096)
def existed_in(code: str, year: int) -> bool:
    """True when the gemeente ``code`` was on the map of ``year`` (CBS tables of a year use its codes)."""
    start, end = formed_year(code), end_year(code)
    return (start is None or start <= year) and (end is None or year < end)


@functools.lru_cache(maxsize=4096)
def current_code(code: str) -> str | None:
    """The gemeente of today an area belongs to wholly: the code itself if it still exists,
    its successor after one or more whole mergers, None when it was split or is unknown."""
    seen: set[str] = set()
    while code not in current_gemeenten():
        nxt = successors(code)
        if len(nxt) != 1 or not nxt[0].whole or code in seen:
            return None
        seen.add(code)
        code = nxt[0].new
    return code


def predecessors(code: str) -> tuple[str, ...]:
    """Codes that went wholly into ``code`` (directly or through earlier mergers), sorted."""
    out: set[str] = set()
    todo = [code]
    while todo:
        c = todo.pop()
        for h in herindelingen():
            if h.new == c and h.whole and h.old not in out:
                out.add(h.old)
                todo.append(h.old)
    return tuple(sorted(out))


def gemeente_name(code: str) -> str | None:
    """The name of a gemeente code: today's name, else the name it had when it merged."""
    name = current_names().get(code)
    if name is None:
        name = next((h.old_name for h in herindelingen() if h.old == code), None)
    return name


@functools.lru_cache(maxsize=4096)
def history_note(code: str, dutch: bool = False) -> str | None:
    """One line naming what became of a gemeente code that no longer exists (None if it exists).

    ``GM0457 Weesp is since 2022 part of GM0363 Amsterdam``; ``dutch`` gives the same line in
    Dutch for the workbooks (``GM0457 Weesp hoort sinds 2022 bij GM0363 Amsterdam``).
    """
    if code in current_gemeenten():
        return None
    lines = successors(code)
    if not lines:
        return None
    name = lines[0].old_name
    if len(lines) == 1 and lines[0].whole:
        h = lines[0]
        now = current_code(code)
        tail = ""
        if now and now != h.new:
            later = successors(h.new)[0].year
            tail = (f" (sinds {later} bij {now} {gemeente_name(now)})" if dutch
                    else f" (since {later} part of {now} {gemeente_name(now)})")
        if dutch:
            return f"{code} {name} hoort sinds {h.year} bij {h.new} {h.new_name}{tail}"
        return f"{code} {name} is since {h.year} part of {h.new} {h.new_name}{tail}"
    parts = [f"{h.new} {h.new_name}" for h in lines]
    join = " en " if dutch else " and "
    listed = ", ".join(parts[:-1]) + f"{join}{parts[-1]}" if len(parts) > 1 else parts[0]
    if dutch:
        return f"{code} {name} is in {lines[0].year} verdeeld over {listed}"
    return f"{code} {name} was split in {lines[0].year} among {listed}"


def still_exists(gemeente: str) -> bool:
    """True for a gemeente code of the 2024 list."""
    return gemeente in current_gemeenten()


def labelled(code: str) -> str:
    """``GM0457 Weesp``: the code with its name (today's, else the one it had), or the code alone."""
    name = gemeente_name(code)
    return f"{code} {name}" if name else code


def _listed(codes: list[str]) -> str:
    parts = [labelled(c) for c in codes]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]


def no_figures_message(code: str, missing: list[str] | tuple[str, ...], counted: list[str] | tuple[str, ...], years: str) -> str:
    """The one line for a gemeente whose area lacks figures: ``missing`` are the parts of it
    (itself or the gemeenten it was formed from) the model has no rows of, ``counted`` those
    it has; ``years`` the model's data years (``2015-2018``). Never says "merged" of a
    gemeente that did not merge: the history, if any, comes from :func:`history_note`.
    """
    missing, counted = list(missing), list(counted)
    note = history_note(code)
    head = f"{note}; " if note else f"{labelled(code)}: "
    if missing == [code] and not counted:
        return f"{head}CBS did not count its Wmo clients per wijk in {years}: the model has no figures for it"
    of = "of the gemeenten it is made of" if code in missing or code in counted else "of its predecessors"
    counted_part = f"CBS counted only {_listed(counted)} {of}" if counted else f"CBS counted none {of}"
    verb = "has" if len(missing) == 1 else "have"
    return f"{head}{counted_part}; {_listed(missing)} {verb} no figures in {years}: no figure for the whole gemeente"


def superseded_message(code: str, origin: int) -> str:
    """The one line for a forecast asked of an old code whose area the model's last data year
    already counts under its successor (e.g. GM0018, part of GM1952 since 2018)."""
    now = current_code(code)
    where = labelled(now) if now else "its successors"
    note = history_note(code) or labelled(code)
    return (f"{note}; the model's data of {origin} count its area under {where}: "
            f"ask {now or 'the successors'} for the years after {origin}")


@functools.lru_cache(maxsize=4096)
def partial_note(code: str, dutch: bool = False) -> str | None:
    """One line for a gemeente of today that took in part of a split gemeente (a ``deel``
    line): partial moves are left out (docs/data.md), so figures from data before that year
    are of its area without that part. None for any other code."""
    lines = [h for h in _by_new().get(code, ()) if not h.whole]
    if not lines or code not in current_gemeenten():
        return None
    parts = ", ".join(f"{h.old} {h.old_name} ({h.year})" for h in lines)
    if dutch:
        return f"{labelled(code)} kreeg een deel van {parts}: cijfers uit gegevens van voor dat jaar zijn zonder dat deel"
    return f"{labelled(code)} took in part of {parts}: figures from data before that year leave that part out"


def notes_for(codes: list[str] | tuple[str, ...], dutch: bool = False) -> list[str]:
    """The history notes (:func:`history_note`, :func:`partial_note`) of the gemeenten of
    ``codes`` (gemeente or wijk codes), each once, in the order asked: what every surface
    shows beside an old code's figures (the CLI on stderr, the sheets in the block's header)."""
    out: list[str] = []
    for c in codes:
        c = str(c).strip().upper()
        g = "GM" + c[2:6] if c.startswith(("GM", "WK")) and len(c) >= 6 else c
        for note in (history_note(g, dutch), partial_note(g, dutch)):
            if note and note not in out:
                out.append(note)
    return out
