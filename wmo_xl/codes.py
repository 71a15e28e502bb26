"""CBS region codes: gemeente ``GM0518`` and wijk ``WK051801``.

A wijk code is the code of its gemeente (4 digits) plus 2 characters: digits, or from
2023 on letters in Amsterdam (``WK0363AA``), which has more than 100 wijken. Codes are those of the
CBS year a row belongs to; they change when gemeenten merge or wijken are redrawn.
"""

from __future__ import annotations

import re

from .errors import WmoError
from .inputs import shorten

WIJK_RE = re.compile(r"^WK\d{4}[0-9A-Z]{2}$")
GEMEENTE_RE = re.compile(r"^GM\d{4}$")


def normalize_code(value: object) -> str:
    """Upper-case and strip a code as typed in a cell ('wk051801 ' -> 'WK051801')."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise WmoError("empty code: expected a wijk code like WK051801 or a gemeente code like GM0518")
    if isinstance(value, bool) or not isinstance(value, str):
        shown = "TRUE" if value is True else "FALSE" if value is False else repr(value)
        raise WmoError(f"code {shown} is not text: expected a wijk code like WK051801 or a gemeente code like GM0518")
    return value.strip().upper()


def is_wijk(code: str) -> bool:
    return bool(WIJK_RE.match(code))


def is_gemeente(code: str) -> bool:
    return bool(GEMEENTE_RE.match(code))


def gemeente_of(wijk: str) -> str:
    """The gemeente code a wijk code belongs to (same CBS year)."""
    return "GM" + wijk[2:6]


def check_code(value: object) -> str:
    """Return the normalized code, or raise a WmoError saying what a code looks like."""
    code = normalize_code(value)
    if not (is_wijk(code) or is_gemeente(code)):
        raise WmoError(
            f"invalid code {shorten(code)!r}: expected a wijk code WK + 4-digit gemeente + 2 characters (WK051801, WK0363AA) "
            "or a gemeente code GM + 4 digits (GM0518)"
        )
    return code
