"""Which gemeente codes still exist: a code merged away must say so, not forecast on.

Gemeenten merge almost every year; the old code's wijken get new codes. A model trained on
2015-2018 still knows the old codes, and a forecast for one would continue figures of a
gemeente that no longer exists. Two code lists settle it, both CBS (CC BY 4.0): the 356
gemeenten of the Wmo wijk tables 2015-2018 (``data/gemeenten_2015_2018.csv``) and the 342 of
Kerncijfers wijken en buurten 2024 (table 85984NED, ``data/gemeenten_2024.csv``): a code in
the first and not in the second was merged away. (The CBS boundary crosswalk is
CC BY-NC-SA and is not used by the product.)
"""

from __future__ import annotations

import functools
from importlib import resources

#: The year of the shipped gemeente list.
LIST_YEAR = 2024


def _codes(name: str) -> frozenset[str]:
    text = resources.files("wmo_xl").joinpath(f"data/{name}").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return frozenset(lines[1:])


@functools.lru_cache(maxsize=1)
def current_gemeenten() -> frozenset[str]:
    """Gemeente codes of CBS KWB 2024, read once per process."""
    return _codes("gemeenten_2024.csv")


@functools.lru_cache(maxsize=1)
def known_gemeenten() -> frozenset[str]:
    """Every gemeente code of the CBS Wmo wijk tables 2015-2018 and of KWB 2024.

    A code outside both (a test fixture, a typo that happens to have data) is not known to
    have been merged: nothing is said about it.
    """
    return _codes("gemeenten_2015_2018.csv") | current_gemeenten()


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
