"""The one input rule: accept a value only when its meaning is certain, otherwise refuse it.

Every boundary (Excel cells, CSV files, the CLI, pasted Data rows, scenario ranges) reads
numbers, years, categories and single cells through these functions, so a value means the
same wherever it is typed. A refusal is a :class:`~wmo_xl.errors.WmoError` whose one-line
message names the field, the value and what is accepted. docs/inputs.md has the table.

Numbers written as text (the Dutch way or the English way):

* ``1490``, ``-3``, ``32,40``, ``32.40``, ``0.125``, ``0,125``: plain, one decimal mark.
* ``1.234,56``: Dutch, dots grouping thousands and a decimal comma.
* ``1.490``, ``8.000``, ``1,234``: one mark followed by exactly three digits could be a
  thousands group (Dutch 1490) or a decimal mark (English 1.49); ``12.500.000`` and
  ``1,234.56`` carry thousands separators too. All refused as not certain (a wrong guess is
  a factor 1000); the message says how to write the number. In a CSV whose other numbers
  settle the decimal mark (``32,40`` or ``2.25`` elsewhere in the file, see
  :func:`decimal_mark`) the other mark is read as thousands.
* ``€``, spaces (``1 490``) and a trailing ``%`` (only where a share is asked: ``5%`` = 0.05)
  are allowed.
* TRUE/FALSE, dates, NaN, infinity, ``1e3`` and anything else are refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from numbers import Real
from typing import Any

from .errors import WmoError

#: Years any function accepts at all (a guard against 1e300 and typos like 20255).
YEAR_MIN, YEAR_MAX = 1900, 2200
#: Years a cost may be computed for (indexation over more than a century is no budget).
COST_YEAR_MIN, COST_YEAR_MAX = 2000, 2100
#: At most this many years in one request (a range like 2024-99999999 is refused).
MAX_YEARS = 60
#: At most this many cells in one grid (codes x years).
MAX_GRID_CELLS = 200_000
#: Largest count of clients or inhabitants in one row (the Netherlands has ~18 million people).
MAX_COUNT = 20_000_000

_PLAIN = re.compile(r"^[+-]?\d+$")
_ONE_MARK = re.compile(r"^([+-]?)(\d*)[.,](\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+$|^[+-]?\d{1,3}(?:,\d{3})+$")
_GROUPED_DECIMAL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+$|^[+-]?\d{1,3}(?:,\d{3})+\.\d+$")
_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


#: Messages echo at most this many characters of a value (a 32,000-character cell is not repeated whole).
ECHO_CHARS = 60


def shorten(text: object, limit: int = ECHO_CHARS) -> str:
    """Text as a message echoes it: at most ``limit`` characters, a cut marked with '...'."""
    t = str(text)
    return t if len(t) <= limit else t[: limit - 3] + "..."


def describe(value: object) -> str:
    """A value as the message shows it: text quoted (cut to ~60 characters), numbers plain,
    TRUE/FALSE as in Excel."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return repr(shorten(value))
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return shorten(repr(value)) if not isinstance(value, (int, float)) else str(value)


def _where(field: str, where: str) -> str:
    """'menukaart.csv line 3, prijs' (either part may be empty)."""
    return ", ".join(p for p in (where, field) if p)


def _fail(label: str, rest: str) -> WmoError:
    """The error 'label rest' (just 'rest' when there is no label)."""
    return WmoError(f"{label} {rest}" if label else rest)


def is_blank(value: object) -> bool:
    """An empty cell: None, empty or blank text, NaN."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def number_from_text(text: str, field: str = "value", where: str = "", *, percent: bool = False,
                     decimal: str | None = None) -> float:
    """Read a number typed as text by the rule in the module docstring.

    ``decimal`` ('.' or ','), when the file the text comes from settles it (see
    :func:`decimal_mark`), resolves ``1.490``: the other mark is then a thousands group.
    """
    label = _where(field, where)
    s = _SPACES.sub(" ", text).replace("\u20ac", "").replace("EUR", "").strip()
    scale = 1.0
    if s.endswith("%"):
        if not percent:
            raise _fail(label, f"{describe(text)} is a percentage: give a plain number")
        s, scale = s[:-1].strip(), 0.01
    s = re.sub(r"^([+-]) +", r"\1", s)
    if " " in s:
        if not _SPACE_GROUPED.match(s):
            raise _fail(label, f"{describe(text)} is not a number: give a number like 1490 or 32,40")
        s = s.replace(" ", "")
    if _PLAIN.match(s):
        return float(s) * scale
    m = _ONE_MARK.match(s)
    if m:
        sign, whole, frac = m.groups()
        mark = s[len(sign) + len(whole)]
        if len(frac) == 3 and whole and not whole.startswith("0") and len(whole) <= 3:
            if decimal is not None:
                return float(f"{sign}{whole}.{frac}" if mark == decimal else f"{sign}{whole}{frac}") * scale
            suggestion = f"{whole},{frac.rstrip('0') or '0'}" if frac.endswith("0") else f"{whole},{frac}0"
            raise _fail(label, f"{describe(text)} is not certain (thousands or decimals?): write {sign}{whole}{frac} "
                        f"for the whole number, or {sign}{suggestion} for the decimal number")
        if decimal is not None and mark != decimal:
            raise _fail(label, f"{describe(text)} uses {mark!r} as decimal mark, but this file uses {decimal!r}")
        return float(f"{sign}{whole or '0'}.{frac}") * scale
    if _GROUPED.match(s):  # '12.500.000': thousands only where the file's decimal mark is the other one
        mark = "." if "." in s else ","
        if decimal is not None and mark != decimal:
            return float(re.sub(r"[.,]", "", s)) * scale
        raise _fail(label, f"{describe(text)} is not certain (thousands separators): write it without them, "
                    f"e.g. {re.sub(r'[.,]', '', s)}")
    if _GROUPED_DECIMAL.match(s):  # '1.234,56' is Dutch; '1,234.56' only in a file that uses decimal dots
        cut = max(s.rfind("."), s.rfind(","))
        mark = s[cut]
        if (decimal is None and mark == ",") or mark == decimal:
            return float(re.sub(r"[.,]", "", s[:cut]) + "." + s[cut + 1:]) * scale
        plain = re.sub(r"[.,]", "", s[:cut])
        raise _fail(label, f"{describe(text)} is not certain (English or Dutch notation?): write {plain},{s[cut + 1:]} "
                    "without thousands separators")
    raise _fail(label, f"{describe(text)} is not a number: give a number like 1490 or 32,40")


_DOT_DECIMAL = re.compile(r"^[+-]?(?:\d*\.(?:\d{1,2}|\d{4,})|0\.\d+|\d{4,}\.\d+|\d{1,3}(?:,\d{3})+\.\d+)%?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?(?:\d*,(?:\d{1,2}|\d{4,})|0,\d+|\d{4,},\d+|\d{1,3}(?:\.\d{3})+,\d+)%?$")


def decimal_mark(cells: Iterable[object]) -> str | None:
    """The decimal mark a file uses, when its numbers settle it: '.', ',' or None.

    A file whose unambiguous numbers (``32,40``, ``2.25``, ``0,5``) all use one mark uses
    it for ``1.490`` too; a file with both or neither leaves ``1.490`` ambiguous.
    """
    dot = comma = False
    for c in set(cells):  # a table repeats its values: look at each once
        if isinstance(c, str) and c:
            t = c.strip().replace(" ", "")
            dot = dot or bool(_DOT_DECIMAL.match(t))
            comma = comma or bool(_COMMA_DECIMAL.match(t))
            if dot and comma:
                return None
    return "." if dot else "," if comma else None


def parse_number(
    value: object,
    field: str = "value",
    where: str = "",
    *,
    lo: float | None = None,
    hi: float | None = None,
    whole: bool = False,
    percent: bool = False,
    decimal: str | None = None,
) -> float:
    """A cell or text as a finite float within [lo, hi]; WmoError naming field and value otherwise.

    Booleans, dates, NaN and infinity are refused: TRUE is not a price.
    """
    label = _where(field, where)
    if is_blank(value):
        raise _fail(label, f"is empty: give a number")
    if isinstance(value, bool):
        raise _fail(label, f"{describe(value)} is TRUE/FALSE, not a number: give a number")
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        raise _fail(label, f"{value!s} is a date, not a number: format the cell as a number")
    if isinstance(value, str):
        f = number_from_text(value, field, where, percent=percent, decimal=decimal)
    elif isinstance(value, Real):
        f = float(value)
    else:
        raise _fail(label, f"{describe(value)} is not a number")
    if not math.isfinite(f):
        raise _fail(label, f"{describe(value)} is not a finite number")
    if whole and not f.is_integer():
        raise _fail(label, f"{describe(value)} is not a whole number")
    if lo == 0 and f < 0:
        raise _fail(label, f"{describe(value)} is negative: give 0 or more")
    if (lo is not None and f < lo) or (hi is not None and f > hi):
        raise _fail(label, f"{describe(value)} is outside {_bounds(lo, hi)}")
    return f


def _bounds(lo: float | None, hi: float | None) -> str:
    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else str(v)

    if lo is not None and hi is not None:
        return f"{fmt(lo)} to {fmt(hi)}"
    return f"the range >= {fmt(lo)}" if lo is not None else f"the range <= {fmt(hi)}"  # type: ignore[arg-type]


def parse_count(value: object, field: str = "clients", where: str = "") -> float:
    """A count of persons: 0 to MAX_COUNT (fractions allowed: a forecast is not whole)."""
    return parse_number(value, field, where, lo=0, hi=MAX_COUNT)


def parse_share(value: object, field: str = "share", where: str = "") -> float:
    """A share 0-1; ``35%`` and ``35 %`` are read as 0.35."""
    return parse_number(value, field, where, lo=0, hi=1, percent=True)


def parse_year(value: object, field: str = "year", where: str = "", *, lo: int = YEAR_MIN, hi: int = YEAR_MAX) -> int:
    """A year (2025, 2025.0, ' 2025') as int within [lo, hi]; TRUE, dates and 2025.5 are refused."""
    label = _where(field, where)
    if is_blank(value):
        raise _fail(label, f"is empty: give a year like 2025")
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)) or not isinstance(value, (str, Real)):
        raise _fail(label, f"{describe(value)} is not a year: give a whole number like 2025")
    if isinstance(value, str):
        if not re.fullmatch(r"\s*[+-]?\d{1,9}(?:[.,]0+)?\s*", value):
            raise _fail(label, f"{describe(value)} is not a year: give a whole number like 2025")
        f = float(value.strip().replace(",", "."))
    else:
        f = float(value)
    if not math.isfinite(f) or not f.is_integer():
        raise _fail(label, f"{describe(value)} is not a whole year: give a year like 2025")
    if not (lo <= f <= hi):
        raise _fail(label, f"{describe(value)} is outside {lo}-{hi}")
    return int(f)


def parse_cost_year(value: object, field: str = "year", where: str = "") -> int:
    """A year a cost is computed for: COST_YEAR_MIN to COST_YEAR_MAX."""
    return parse_year(value, field, where, lo=COST_YEAR_MIN, hi=COST_YEAR_MAX)


def parse_years_spec(spec: str, field: str = "years") -> list[int]:
    """CLI years: '2024-2028', '2024,2026' or '2025'; at most MAX_YEARS, each within YEAR_MIN-YEAR_MAX."""
    text = spec.strip()
    if not text:
        raise WmoError(f"{field} is empty: use a range like 2024-2028 or a list like 2024,2025")
    m = re.fullmatch(r"(\d+)\s*[-\u2013]\s*(\d+)", text)
    if m:
        a, b = (parse_year(x, field) for x in m.groups())
        if b < a:
            raise WmoError(f"{field} {shorten(spec)!r}: the range runs backwards; write {b}-{a}")
        years = list(range(a, b + 1))
    elif re.fullmatch(r"\d+(\s*[,;]\s*\d+)*", text):
        years = [parse_year(x, field) for x in re.split(r"\s*[,;]\s*", text)]
        if len(set(years)) != len(years):
            raise WmoError(f"{field} {shorten(spec)!r} names a year twice")
    else:
        raise WmoError(f"{field} {shorten(spec)!r} not understood: use a range like 2024-2028 or a list like 2024,2025")
    check_years_count(years, field)
    return years


def check_years_count(years: Iterable[object], field: str = "years") -> None:
    n = len(list(years))
    if n > MAX_YEARS:
        raise WmoError(f"{field}: {n} years asked, at most {MAX_YEARS} in one request")


def check_grid(n_codes: int, n_years: int) -> None:
    """Refuse a grid too large to be a table anyone reads."""
    if n_codes * n_years > MAX_GRID_CELLS:
        raise WmoError(
            f"grid of {n_codes} codes x {n_years} years = {n_codes * n_years} cells is too large: at most {MAX_GRID_CELLS}")


def parse_text(value: object, field: str, where: str = "") -> str:
    """A label cell (service, name): non-empty text; numbers and TRUE/FALSE are refused."""
    label = _where(field, where)
    if is_blank(value):
        raise _fail(label, f"is empty")
    if isinstance(value, bool) or not isinstance(value, str):
        raise _fail(label, f"{describe(value)} is not text: give a name")
    return value.strip()


# --- single cells and ranges -----------------------------------------------------------


def cells_of(value: Any) -> list[Any]:
    """Every cell of a scalar, 1-D or 2-D range, blanks included, in reading order."""
    if isinstance(value, (list, tuple)):
        out: list[Any] = []
        for v in value:
            out.extend(v if isinstance(v, (list, tuple)) else [v])
        return out
    return [value]


def one_cell(value: Any, field: str) -> Any:
    """The value of an argument that must be one cell: None if blank; a range is refused.

    A 1x2 range with one blank is still two cells: which one was meant is not certain.
    """
    cells = cells_of(value)
    if len(cells) != 1:
        raise WmoError(f"{field} must be one cell, got a range of {len(cells)} cells")
    return None if is_blank(cells[0]) else cells[0]


def vector(value: Any, field: str) -> list[Any]:
    """A row or a column of cells (blanks kept in place as None); a 2-D block is refused."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(r, (list, tuple)) for r in value):
        rows, cols = len(value), max((len(r) for r in value), default=0)
        if rows > 1 and cols > 1:
            raise WmoError(f"{field} must be one row or one column, got {rows} x {cols} cells")
    return [None if is_blank(v) else v for v in cells_of(value)]


# --- categories ------------------------------------------------------------------------

#: Menu card categories (the client shares of :mod:`wmo_xl.menukaart`) and the names users type.
CATEGORY_ALIASES: dict[str, str] = {
    "hbh": "hbh", "hulp bij het huishouden": "hbh", "huishoudelijke hulp": "hbh", "huishoudelijke ondersteuning": "hbh",
    "begeleiding": "begeleiding",
    "dagbesteding": "dagbesteding",
    "hulpmiddelen": "hulpmiddelen", "hulpmiddelen en diensten": "hulpmiddelen",
    "vervoer": "vervoer", "vervoersvoorzieningen": "vervoer",
    "wonen": "wonen", "woonvoorzieningen": "wonen",
}


def category_key(value: object) -> str:
    """Lower-case, single-spaced text of a category label (no mapping yet)."""
    return re.sub(r"[\s_]+", " ", str(value).strip().lower())


def normalize_categorie(value: object, field: str = "categorie", where: str = "",
                        accepted: Iterable[str] | None = None) -> str:
    """'HBH', 'HbH', 'Hulp bij het huishouden' -> 'hbh'; 'Begeleiding' -> 'begeleiding'.

    Labels outside the known names are refused unless ``accepted`` (e.g. the categories of
    a user's own shares file) lists them: a category that matches nothing would silently
    drop out of a scenario.
    """
    label = _where(field, where)
    if is_blank(value):
        raise _fail(label, f"is empty: accepted are {', '.join(sorted(set(CATEGORY_ALIASES.values())))}")
    if isinstance(value, bool) or not isinstance(value, str):
        raise _fail(label, f"{describe(value)} is not a category name")
    key = category_key(value)
    extra = {category_key(a): category_key(a) for a in (accepted or ())}
    if key in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[key]
    if key in extra:
        return extra[key]
    known = sorted(set(CATEGORY_ALIASES.values()) | set(extra))
    raise _fail(label, f"{describe(value)} is not a known category: accepted are {', '.join(known)}")


def no_duplicates(names: Iterable[object], what: str) -> None:
    """Refuse a header or parameter list that names one thing twice (which one wins is not certain)."""
    seen: set[str] = set()
    for n in names:
        if is_blank(n):
            continue
        key = str(n).strip().lower()
        if key in seen:
            raise WmoError(f"{what} {shorten(str(n).strip())!r} appears twice: keep one")
        seen.add(key)
