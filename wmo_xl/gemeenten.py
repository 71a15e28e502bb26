"""Which gemeente codes still exist: a code merged away must say so, not forecast on.

Gemeenten merge almost every year; the old code's wijken get new codes. A model trained on
2015-2018 still knows the old codes, and a forecast for one would continue figures of a
gemeente that no longer exists. The list of the 342 gemeenten of CBS Kerncijfers wijken en
buurten 2024 (table 85984NED, CBS CC BY 4.0; shipped as ``data/gemeenten_2024.csv``) settles
it: a code of the model that is not in it was merged away. (The CBS boundary crosswalk is
CC BY-NC-SA and is not used by the product.)
"""

from __future__ import annotations

import functools
from importlib import resources

#: The year of the shipped gemeente list.
LIST_YEAR = 2024


@functools.lru_cache(maxsize=1)
def current_gemeenten() -> frozenset[str]:
    """Gemeente codes of CBS KWB 2024, read once per process."""
    text = resources.files("wmo_xl").joinpath("data/gemeenten_2024.csv").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return frozenset(lines[1:])


def still_exists(gemeente: str) -> bool:
    """True for a gemeente code of the 2024 list."""
    return gemeente in current_gemeenten()


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
        if not still_exists(g):
            return (f"warning: {g} is not among the gemeenten of CBS {LIST_YEAR} (merged since the model's data): "
                    "its figures are those of its old area")
    return None
