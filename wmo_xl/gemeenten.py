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

    @property
    def year(self) -> int:
        return int(self.date[:4])


@functools.lru_cache(maxsize=1)
def herindelingen() -> tuple[Herindeling, ...]:
    """The shipped merger list 2016-2024 (``data/herindelingen.csv``), read once per process."""
    return tuple(
        Herindeling(r["datum"], r["oud_code"], r["oud_naam"], r["nieuw_code"], r["nieuw_naam"], r["geheel"] == "geheel")
        for r in _rows("herindelingen.csv")
    )


def successors(code: str) -> tuple[Herindeling, ...]:
    """The merger lines of an old code (one for a whole merger, several for a split)."""
    return tuple(h for h in herindelingen() if h.old == code)


def current_code(code: str) -> str | None:
    """The gemeente of today an area belongs to wholly: the code itself if it still exists,
    its successor after one or more whole mergers, None when it was split or is unknown."""
    seen = set()
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


def history_note(code: str) -> str | None:
    """One line naming what became of a gemeente code that no longer exists (None if it exists)."""
    if code in current_gemeenten():
        return None
    lines = successors(code)
    if not lines:
        return None
    name = lines[0].old_name
    if len(lines) == 1 and lines[0].whole:
        h = lines[0]
        now = current_code(code)
        tail = f" (since {successors(h.new)[0].year} part of {now} {gemeente_name(now or '')})" if now and now != h.new else ""
        return f"{code} {name} is since {h.year} part of {h.new} {h.new_name}{tail}"
    parts = [f"{h.new} {h.new_name}" for h in lines]
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    return f"{code} {name} was split in {lines[0].year} among {listed}"


def still_exists(gemeente: str) -> bool:
    """True for a gemeente code of the 2024 list."""
    return gemeente in current_gemeenten()


def merged_away(gemeente: str) -> bool:
    """A real CBS gemeente code (2015-2018) that is no longer among the gemeenten of 2024."""
    return gemeente in known_gemeenten() and not still_exists(gemeente)


def ended_message(code: str, gemeente: str, last_year: int | None) -> str:
    """The one line for a forecast asked of a code whose gemeente was merged away."""
    figures = f"CBS figures up to {last_year}" if last_year is not None else "no CBS figures"
    return (f"{code}: gemeente {gemeente} no longer exists (merged: not among the gemeenten of CBS {LIST_YEAR}); "
            f"the model has {figures} for it and makes no forecast. Use the code of the gemeente it merged into")


def old_code_note(codes: list[str] | tuple[str, ...], years: list[int], origin: int) -> str | None:
    """A one-line warning when forecast years are asked for gemeente codes merged since the data.

    Such a code (e.g. GM0398, merged in 2022) still has a full history in the model, and its
    forecast is that of its old area; the new gemeente's code is not in a model of older
    years. Said once, for the first such code, beside the figures (the CLI prints it on stderr).
    """
    if not years or max(years) <= origin:
        return None
    for code in codes:
        g = "GM" + code[2:6]
        if merged_away(g):
            return (f"warning: {g} is not among the gemeenten of CBS {LIST_YEAR} (merged since the model's data): "
                    "its figures are those of its old area")
    return None
