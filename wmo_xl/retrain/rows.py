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
from ..inputs import parse_count, shorten
from ..schemas import parse_year
from .dutch import dutch

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
        return [self.row, self.column, "" if v is None else (v if isinstance(v, (int, float)) else shorten(str(v))), self.problem, self.severity]


class DataSheetError(WmoError):
    """The Data sheet as a whole cannot be read (its header) or gives too few rows.

    The message is English for the CLI; ``reason_nl`` is the same in Dutch, for the Controle
    sheet and Excel's status bar.
    """

    def __init__(self, message: str, reason_nl: str) -> None:
        super().__init__(message)
        self.reason_nl = reason_nl


@dataclass(frozen=True)
class CellIssue:
    """A cell a front end could not read as Excel shows it (e.g. a formula without a saved
    value); ``reason`` is Dutch and goes to the Controle sheet as is."""

    shown: Any
    reason: str


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
            raise ValueError("lege wijkcode")
        try:
            code = normalize_code(v)
        except WmoError as exc:
            raise ValueError(dutch(str(exc))) from None
        if not is_wijk(code):
            raise ValueError(f"{shorten(repr(code))} is geen wijkcode (WK + de 4 cijfers van de gemeente + 2 cijfers of letters, "
                             "bv. WK051802 of WK0363AA)")
        return code

    @field_validator("jaar", mode="before")
    @classmethod
    def _jaar(cls, v: object) -> int:
        # CBS period codes such as '2019JJ00' carry the year in their first four characters
        try:
            year = parse_year(v.strip()[:4] if isinstance(v, str) else v)
        except WmoError as exc:
            raise ValueError(dutch(str(exc))) from None
        if year < 2000:
            raise ValueError(f"{year} ligt voor 2000: geef een jaar vanaf 2000")
        if year > dt.date.today().year:
            raise ValueError(f"{year} ligt in de toekomst")
        return year

    @field_validator("clienten", mode="before")
    @classmethod
    def _clienten(cls, v: object) -> float:
        if isinstance(v, bool):
            raise ValueError(f"{'WAAR' if v else 'ONWAAR'} is geen aantal")
        if v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError("leeg aantal")
        if isinstance(v, str) and v.strip() in (".", "x", "-"):
            raise ValueError(f"{v.strip()!r} = geheimgehouden door CBS: ontbreekt, is geen 0; regel overgeslagen")
        try:
            return parse_count(v, "")  # '1.490' is ambiguous, not 1.49; 1e300 refused (wmo_xl.inputs)
        except WmoError as exc:
            raise ValueError(dutch(str(exc))) from None

    @field_validator("categorie", mode="before")
    @classmethod
    def _categorie(cls, v: object) -> str:
        try:
            return category_of(v)
        except WmoError as exc:
            raise ValueError(dutch(str(exc))) from None


def _header_index(values: list[list[Any]]) -> int:
    """Row index of the header: the first row whose first cell is 'wijk' (or the CBS code column)."""
    for i, row in enumerate(values[:50]):
        if row and normalize_name(row[0]) in ("wijk", "coderingregio"):
            return i
    raise DataSheetError(f"no header row found on sheet {DATA_SHEET!r}: the first cell of the header must be 'wijk'",
                         f"geen kopregel gevonden op blad {DATA_SHEET}: de eerste cel van de kopregel moet 'wijk' zijn")


def _column_letter(j: int) -> str:
    name, j = "", j + 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def cell_ref(row: int, col: int) -> str:
    """Excel's name of a cell from 0-based row and column indexes ('A6')."""
    return f"{_column_letter(col)}{row + 1}"


#: A merged area of the sheet: first row, first column, last row, last column (0-based, inclusive).
Merged = tuple[int, int, int, int]


def _merged_cells(merged: list[Merged], h: int, cols: dict[str, int], values: list[list[Any]],
                  problems: list[Problem]) -> tuple[dict[tuple[int, int], Any], dict[int, str]]:
    """Merged areas below the header, read as Excel shows them.

    A wijk, jaar or categorie cell merged down one column means that value for every row it
    covers (Excel shows it over all of them): it is filled down, with a note on Controle. A
    merged count, or an area across columns, has no certain meaning per row: those rows are
    refused with the reason.
    """
    names = {j: k for k, j in cols.items()}
    labels = {cols[k] for k in ("wijk", "jaar", "categorie") if k in cols}
    fill: dict[tuple[int, int], Any] = {}
    refuse: dict[int, str] = {}
    for r1, c1, r2, c2 in sorted(merged):
        top = max(r1, h + 1)
        if r2 <= h or not any(c in names for c in range(c1, c2 + 1)):
            continue  # titles, the header, or columns retraining does not read
        ref = f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"
        if c1 == c2 and c1 in labels and r1 > h:
            value = values[r1][c1] if r1 < len(values) and c1 < len(values[r1]) else None
            for r in range(top, r2 + 1):
                fill[(r, c1)] = value
            problems.append(Problem(r1 + 1, names[c1], value, f"samengevoegde cel {ref}: deze waarde geldt voor rij {r1 + 1} "
                                    f"t/m {r2 + 1}, zoals Excel hem toont", "waarschuwing"))
        else:
            for r in range(top, r2 + 1):
                refuse[r] = (f"samengevoegde cel {ref}: een aantal of een cel over meerdere kolommen is per regel niet "
                             "eenduidig; maak de samenvoeging ongedaan en vul elke regel")
    return fill, refuse


def parse_rows(
    values: list[list[Any]], known: set[str] | None = None, known_gemeenten: set[str] | None = None,
    merged: list[Merged] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate the Data sheet. Returns the usable rows and every problem found.

    ``known``: wijk codes of the national model; a code outside it is still used (a new or
    redrawn wijk has only its own history) but reported as a warning. ``merged``: the
    sheet's merged areas (see :func:`_merged_cells`). Every reason is Dutch: it goes to the
    Controle sheet.
    """
    h = _header_index(values)
    header = [normalize_name(c) if c is not None else "" for c in values[h]]
    cols: dict[str, int] = {}
    for canon, aliases in _ALIASES.items():
        found = [j for j, name in enumerate(header) if name in aliases]
        if len(found) > 1:  # which column was meant is not certain
            letters = " and ".join(_column_letter(j) for j in found)
            raise DataSheetError(f"the header on sheet {DATA_SHEET!r} names {canon} twice (columns {letters}): keep one",
                                 f"de kopregel op blad {DATA_SHEET} noemt {canon} twee keer (kolommen {letters.replace(' and ', ' en ')}): "
                                 "houd er een")
        if found:
            cols[canon] = found[0]
    missing = [c for c in ("wijk", "jaar", "clienten") if c not in cols]
    if missing:
        raise DataSheetError(f"the header on sheet {DATA_SHEET!r} lacks {', '.join(missing)}: needs wijk, jaar, clienten (or year, clients)",
                             f"de kopregel op blad {DATA_SHEET} mist {', '.join(missing)}: nodig zijn wijk, jaar, clienten")
    good: list[dict[str, Any]] = []
    problems: list[Problem] = []
    unread = [str(values[h][j]).strip() for j, name in enumerate(header)
              if name and j not in {cols[c] for c in READ if c in cols}]
    if unread:  # taken from the sheet but not used by the recalibration: say so, never silently
        shown = ", ".join(unread[:6]) + (f" en {len(unread) - 6} meer" if len(unread) > 6 else "")
        problems.append(Problem(h + 1, "kopregel", shown, f"niet gebruikt: hertrainen leest alleen {', '.join(READ)}; "
                                "deze kolommen veranderen het eigen model niet", "waarschuwing"))
    fill, refuse = _merged_cells(merged or [], h, cols, values, problems)
    seen: dict[tuple[str, int, str], int] = {}
    warned: set[str] = set()
    for offset, raw in enumerate(values[h + 1:], start=1):
        sheet_row = h + 1 + offset
        i = sheet_row - 1
        cells = list(raw) + [None] * len(header)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells[: len(header)]):
            break
        if i in refuse:
            problems.append(Problem(sheet_row, "wijk", cells[cols["wijk"]], refuse[i]))
            continue
        for (r, c), v in fill.items():
            if r == i:
                cells[c] = v
        record = {k: cells[j] for k, j in cols.items() if k in READ and cells[j] is not None}
        issue = next(((k, v) for k, v in record.items() if isinstance(v, CellIssue)), None)
        if issue is not None:
            problems.append(Problem(sheet_row, issue[0], issue[1].shown, issue[1].reason))
            continue
        try:
            row = DataRow(**record)
        except ValidationError as exc:
            err = exc.errors()[0]
            col = str(err["loc"][0]) if err.get("loc") else "?"
            msg = str(err.get("ctx", {}).get("error", "")) if err["type"] == "value_error" else ""
            if err["type"] == "missing":
                msg = "leeg"
            problems.append(Problem(sheet_row, col, cells[cols[col]] if col in cols else None, msg or "ongeldige waarde"))
            continue
        key = (row.wijk, row.jaar, row.categorie)
        if key in seen:
            problems.append(Problem(sheet_row, "wijk", row.wijk, f"dubbel: dezelfde wijk en hetzelfde jaar als rij {seen[key]} "
                                    f"({row.wijk}, {row.jaar}); de eerste telt"))
            continue
        seen[key] = sheet_row
        g = gemeente_of(row.wijk)
        if known_gemeenten is not None and g not in known_gemeenten:
            if not still_exists(g):
                problems.append(Problem(sheet_row, "wijk", row.wijk, f"onbekende gemeente {g}: niet in het landelijke model "
                                        f"en niet bij de gemeenten van CBS {LIST_YEAR}"))
                continue
            if g not in warned:  # a gemeente formed after the national model's years: its own figures only
                warned.add(g)
                problems.append(Problem(sheet_row, "wijk", row.wijk, f"gemeente {g} is nieuwer dan het landelijke model: "
                                        "alleen de eigen cijfers tellen", "waarschuwing"))
        elif known is not None and row.wijk not in known:
            problems.append(Problem(sheet_row, "wijk", row.wijk, "niet in het landelijke model (nieuwe of hertekende wijk): "
                                    "alleen de eigen cijfers tellen", "waarschuwing"))
        good.append({"wijk": row.wijk, "year": row.jaar, "clients": row.clienten, "category": row.categorie, "row": sheet_row})
    df = pd.DataFrame(good, columns=["wijk", "year", "clients", "category", "row"])
    df["gemeente"] = df["wijk"].map(gemeente_of) if len(df) else pd.Series(dtype=object)
    return plain(df), problems
