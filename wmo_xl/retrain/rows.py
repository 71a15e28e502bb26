"""Validate the pasted Data sheet: one pydantic row per line, every refusal listed as a Problem.

A row is used only when its meaning is certain (a wijk code, a year not in the future, a
count that is a number and not a CBS suppression mark); anything else becomes a line on the
Controle sheet naming the row, the value and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError, field_validator

from ..codes import gemeente_of, is_wijk, normalize_code
from ..data import category_of, normalize_name, plain
from ..errors import WmoError
from ..gemeenten import LIST_YEAR, still_exists
from ..inputs import parse_count
from ..schemas import parse_year

DATA_SHEET = "Data"


@dataclass
class Problem:
    """One rejected or suspicious value, as listed on the Controle sheet."""

    row: int  # sheet row (1-based, as Excel shows it)
    column: str
    value: Any
    problem: str
    severity: str = "fout"

    def as_row(self) -> list[Any]:
        v = self.value
        return [self.row, self.column, "" if v is None else (v if isinstance(v, (int, float)) else str(v)), self.problem, self.severity]


#: The Data sheet columns the recalibration reads (wmo_xl.retrain.recalibrate uses counts only).
READ = ("wijk", "jaar", "clienten", "categorie")

_ALIASES = {
    "wijk": ("wijk", "coderingregio", "codering", "wijkcode", "code"),
    "jaar": ("jaar", "year", "perioden", "periode"),
    "clienten": ("clienten", "clients", "wmoclienten", "aantal"),
    "categorie": ("categorie", "category", "typemaatwerkarrangement"),
    "inwoners": ("inwoners", "aantalinwoners", "inhabitants"),
    "k65plus": ("k65plus", "k65jaarofouder", "age65plus", "65plus"),
}


class DataRow(BaseModel):
    """One pasted row: a wijk, a year, a count (and optional category)."""

    wijk: str
    jaar: int
    clienten: float
    categorie: str = "totaal"

    @field_validator("wijk", mode="before")
    @classmethod
    def _wijk(cls, v: object) -> str:
        if v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError("empty wijk code")
        code = normalize_code(v)
        if not is_wijk(code):
            raise ValueError(f"{code!r} is not a wijk code (WK + the 4-digit gemeente code + 2 digits or letters, e.g. WK051802 or WK0363AA)")
        return code

    @field_validator("jaar", mode="before")
    @classmethod
    def _jaar(cls, v: object) -> int:
        # CBS period codes such as '2019JJ00' carry the year in their first four characters
        year = parse_year(v.strip()[:4] if isinstance(v, str) else v)
        if year < 2000:
            raise ValueError(f"{v!r} is not a year from 2000 on")
        if year > dt.date.today().year:
            raise ValueError(f"{year} lies in the future")
        return year

    @field_validator("clienten", mode="before")
    @classmethod
    def _clienten(cls, v: object) -> float:
        if isinstance(v, bool) or v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError("empty count")
        if isinstance(v, str) and v.strip() in (".", "x", "-"):
            raise ValueError(f"{v.strip()!r} = suppressed by CBS: missing, not 0; row skipped")
        return parse_count(v, "")  # '1.490' is ambiguous, not 1.49; TRUE, 1e300 refused (wmo_xl.inputs)

    @field_validator("categorie", mode="before")
    @classmethod
    def _categorie(cls, v: object) -> str:
        return category_of(v)


def _header_index(values: list[list[Any]]) -> int:
    """Row index of the header: the first row whose first cell is 'wijk' (or the CBS code column)."""
    for i, row in enumerate(values[:50]):
        if row and normalize_name(row[0]) in ("wijk", "coderingregio"):
            return i
    raise WmoError(f"no header row found on sheet {DATA_SHEET!r}: the first cell of the header must be 'wijk'")


def _column_letter(j: int) -> str:
    name, j = "", j + 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def parse_rows(
    values: list[list[Any]], known: set[str] | None = None, known_gemeenten: set[str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate the Data sheet. Returns the usable rows and every problem found.

    ``known``: wijk codes of the national model; a code outside it is still used (a new or
    redrawn wijk has only its own history) but reported as a warning.
    """
    h = _header_index(values)
    header = [normalize_name(c) if c is not None else "" for c in values[h]]
    cols: dict[str, int] = {}
    for canon, aliases in _ALIASES.items():
        found = [j for j, name in enumerate(header) if name in aliases]
        if len(found) > 1:  # which column was meant is not certain
            letters = " and ".join(_column_letter(j) for j in found)
            raise WmoError(f"the header on sheet {DATA_SHEET!r} names {canon} twice (columns {letters}): keep one")
        if found:
            cols[canon] = found[0]
    missing = [c for c in ("wijk", "jaar", "clienten") if c not in cols]
    if missing:
        raise WmoError(f"the header on sheet {DATA_SHEET!r} lacks {', '.join(missing)}: needs wijk, jaar, clienten (or year, clients)")
    good: list[dict[str, Any]] = []
    problems: list[Problem] = []
    unread = [str(values[h][j]).strip() for j, name in enumerate(header)
              if name and j not in {cols[c] for c in READ if c in cols}]
    if unread:  # taken from the sheet but not used by the recalibration: say so, never silently
        shown = ", ".join(unread[:6]) + (f" en {len(unread) - 6} meer" if len(unread) > 6 else "")
        problems.append(Problem(h + 1, "kopregel", shown, f"niet gebruikt: hertrainen leest alleen {', '.join(READ)}; "
                                "deze kolommen veranderen het eigen model niet", "waarschuwing"))
    seen: dict[tuple[str, int, str], int] = {}
    warned: set[str] = set()
    for offset, raw in enumerate(values[h + 1:], start=1):
        sheet_row = h + 1 + offset
        cells = list(raw) + [None] * len(header)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells[: len(header)]):
            break
        record = {k: cells[i] for k, i in cols.items() if k in READ and cells[i] is not None}
        try:
            row = DataRow(**record)
        except ValidationError as exc:
            err = exc.errors()[0]
            col = str(err["loc"][0]) if err.get("loc") else "?"
            msg = str(err.get("ctx", {}).get("error", err["msg"])).removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "empty"
            problems.append(Problem(sheet_row, col, cells[cols[col]] if col in cols else None, msg))
            continue
        key = (row.wijk, row.jaar, row.categorie)
        if key in seen:
            problems.append(Problem(sheet_row, "wijk", row.wijk, f"duplicate of row {seen[key]} ({row.wijk}, {row.jaar}); first one used"))
            continue
        seen[key] = sheet_row
        g = gemeente_of(row.wijk)
        if known_gemeenten is not None and g not in known_gemeenten:
            if not still_exists(g):
                problems.append(Problem(sheet_row, "wijk", row.wijk, f"unknown gemeente {g}: not in the national model "
                                        f"nor among the gemeenten of CBS {LIST_YEAR}"))
                continue
            if g not in warned:  # a gemeente formed after the national model's years: its own figures only
                warned.add(g)
                problems.append(Problem(sheet_row, "wijk", row.wijk, f"gemeente {g} is newer than the national model: "
                                        "only its own figures are used", "waarschuwing"))
        elif known is not None and row.wijk not in known:
            problems.append(Problem(sheet_row, "wijk", row.wijk, "not in the national model (new or redrawn wijk): only its own figures are used", "waarschuwing"))
        good.append({"wijk": row.wijk, "year": row.jaar, "clients": row.clienten, "category": row.categorie, "row": sheet_row})
    df = pd.DataFrame(good, columns=["wijk", "year", "clients", "category", "row"])
    df["gemeente"] = df["wijk"].map(gemeente_of) if len(df) else pd.Series(dtype=object)
    return plain(df), problems
