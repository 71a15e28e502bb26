"""The financial menu card (menukaart): one row per Wmo service with its volume and price.

A controller edits it in the workbook's Menukaart table; the same rows come in as a 2-D
list (an Excel range), a CSV or an xlsx file. Every row is validated with pydantic and a
bad value is reported by row and column, never read as 0.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .csvfiles import read_table
from .errors import WmoError
from .indexatie import VNG, IndexSeries, load_series
from .inputs import describe, is_blank, no_duplicates, normalize_categorie, parse_number, parse_share, parse_year, shorten

Eenheid = Literal["uur", "dagdeel", "etmaal", "maand", "rit", "stuk"]

#: Column names of the menu card, as in the workbook (``bron`` is optional).
COLUMNS: list[str] = [
    "dienst", "omschrijving", "categorie", "leveringsvorm", "aandeel", "verzilveringsgraad",
    "eenheid", "eenheden_per_client_per_jaar", "prijs", "prijsjaar", "indexatie",
]
OPTIONAL_COLUMNS = ["bron"]
#: Free-text columns a user may add; they are notes, never read as figures.
NOTE_COLUMNS = ("bron", "toelichting", "opmerking", "opmerkingen")
CATEGORIES = ("hbh", "begeleiding", "dagbesteding", "hulpmiddelen", "vervoer", "wonen")

def _decimal(info: ValidationInfo) -> str | None:
    """The decimal mark of the file the row comes from (None for cells typed in Excel)."""
    return (info.context or {}).get("decimal") if info is not None else None


class MenuRow(BaseModel):
    """One service on the menu card."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    dienst: str = Field(min_length=1)
    omschrijving: str = ""
    categorie: str = Field(min_length=1)
    leveringsvorm: Literal["ZIN", "PGB"]
    aandeel: float = Field(ge=0, le=1)
    verzilveringsgraad: float = Field(ge=0, le=1)
    eenheid: Eenheid
    eenheden_per_client_per_jaar: float = Field(ge=0)
    prijs: float = Field(ge=0)
    prijsjaar: int = Field(ge=2000, le=2100)
    #: a flat yearly rate, or "vng": the VNG series (wmo_xl.indexatie, sheet Indexatie)
    indexatie: float | Literal["vng"]
    bron: str = ""

    @field_validator("leveringsvorm", "eenheid", "dienst", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.strip()
            return v.upper() if v.upper() in ("ZIN", "PGB") else v.lower() if v.lower() in (
                "uur", "dagdeel", "etmaal", "maand", "rit", "stuk") else v
        return v

    @field_validator("categorie", mode="before")
    @classmethod
    def _categorie(cls, v: object) -> str:
        """'HBH', 'Hulp bij het huishouden' -> 'hbh': an unknown label would drop out of a scenario."""
        return normalize_categorie(v, "", accepted=CATEGORIES)

    @field_validator("aandeel", "verzilveringsgraad", mode="before")
    @classmethod
    def _share(cls, v: object, info: ValidationInfo) -> float:
        """Shares: '35%' = 0.35; text by the one number rule (wmo_xl.inputs)."""
        return parse_number(v, "", percent=True, decimal=_decimal(info))

    @field_validator("indexatie", mode="before")
    @classmethod
    def _indexatie(cls, v: object, info: ValidationInfo) -> float | str:
        """A flat yearly rate ('3%' = 0.03, -0.5 to 0.5) or 'vng' (any case): the VNG series."""
        if isinstance(v, str) and v.strip().lower() == VNG:
            return VNG
        try:
            return parse_number(v, "", percent=True, lo=-0.5, hi=0.5, decimal=_decimal(info))
        except WmoError as exc:
            if isinstance(v, str) and "not a number" in str(exc):
                raise WmoError(f"{describe(v)} is neither a yearly rate nor vng: give e.g. 0,03 (3% a year) "
                               "or vng (the VNG index, sheet Indexatie)") from None
            raise

    @field_validator("eenheden_per_client_per_jaar", "prijs", mode="before")
    @classmethod
    def _number(cls, v: object, info: ValidationInfo) -> float:
        """'32,40', '32.40', '€ 8.000,00' are read; '8.000' only where the file settles the decimal mark."""
        return parse_number(v, "", decimal=_decimal(info))

    @field_validator("prijsjaar", mode="before")
    @classmethod
    def _prijsjaar(cls, v: object) -> int:
        return parse_year(v, "", lo=2000, hi=2100)

    def price_factor(self, year: int | None = None, index: IndexSeries | None = None) -> float:
        """Price level of ``year`` relative to the price year: (1 + rate)^(years) for a flat
        rate, the VNG series' cumulative level for ``vng`` (``index``, default the shipped one)."""
        y = year if year is not None else self.prijsjaar
        if self.indexatie == VNG:
            series = index if index is not None else load_series()
            try:
                return series.level(self.prijsjaar, y)
            except WmoError as exc:
                raise WmoError(f"service {self.dienst!r} (indexatie vng, prijsjaar {self.prijsjaar}): {exc}") from None
        return (1.0 + float(self.indexatie)) ** (y - self.prijsjaar)

    def euro_per_client(self, year: int | None = None, index: IndexSeries | None = None) -> float:
        """Euros per client of the category in ``year`` (price year if None)."""
        factor = self.price_factor(year, index)
        return self.aandeel * self.verzilveringsgraad * self.eenheden_per_client_per_jaar * self.prijs * factor


class Menu(BaseModel):
    """A validated menu card: rows keyed by ``dienst`` (unique)."""

    rows: list[MenuRow]

    def get(self, dienst: object) -> MenuRow:
        key = str(dienst).strip() if dienst is not None and not isinstance(dienst, bool) else ""
        for row in self.rows:
            if row.dienst == key:
                return row
        for row in self.rows:  # names are unique ignoring case (menu_from_rows checks), so this is certain
            if row.dienst.lower() == key.lower():
                return row
        raise WmoError(f"unknown service {shorten(key)!r}: the menukaart has {', '.join(r.dienst for r in self.rows)}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.model_dump() for r in self.rows], columns=COLUMNS + OPTIONAL_COLUMNS)


def _problem(err: dict) -> str:  # type: ignore[type-arg]
    kind = err["type"]
    value = err.get("input")
    if kind in ("missing",):
        return "is empty"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"])).strip()
    if kind.startswith(("float", "int")) and "parsing" in kind:
        return f"{describe(value)} is not a number"
    if kind == "greater_than_equal" and err.get("ctx", {}).get("ge") == 0:
        return f"{describe(value)} is negative"
    if kind in ("less_than_equal", "greater_than_equal"):
        lo = {"aandeel": "0-1", "verzilveringsgraad": "0-1", "indexatie": "-0.5 to 0.5", "prijsjaar": "2000-2100"}
        field = err["loc"][0] if err.get("loc") else ""
        return f"{describe(value)} is outside {lo.get(str(field), 'the allowed range')}"
    if kind == "literal_error":
        return f"{describe(value)} is not one of {err.get('ctx', {}).get('expected', '')}"
    return f"{describe(value)}: {err['msg']}"


@dataclass(frozen=True)
class TableOrigin:
    """Where a menukaart's header row is, so an error names the place as the user sees it:
    a cell on a sheet (``Menukaart!I6 (hbh_zin)``), a line of a file, or a row of a range."""

    sheet: str | None = None  # errors name cells, e.g. Menukaart!I6
    file: str | None = None  # errors name the file's line and column
    header_row: int = 1  # sheet row or file line of the header (1-based)
    first_col: int = 1  # sheet column of the range's first cell (1-based)
    skip: int = 0  # data rows above the first one passed (a row validated on its own)

    def place(self, source: str, i: int, j: int, column: str, dienst: object) -> str:
        """Data row ``i`` (1 = under the header), column index ``j`` named ``column``."""
        r = i + self.skip
        svc = f" ({shorten(str(dienst).strip(), 40)})" if not is_blank(dienst) else ""
        if self.sheet:
            cell = sheet_cell(self.sheet, self.header_row + r, self.first_col - 1 + j)
            return f"{self.file + ', ' if self.file else ''}{cell}{svc}, {column}"
        if self.file:
            return f"{self.file} line {self.header_row + r}{svc}, column {column}"
        return f"{source} row {r}{svc}, column {column}"


def sheet_cell(sheet: str, row: int, col: int) -> str:
    """A cell as Excel names it: 'Menukaart!I6' (row 1-based, col 0-based from the sheet's column A)."""
    name, n = "", col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    quoted = sheet if sheet.replace("_", "").isalnum() else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{name}{row}"


def _is_empty(v: object) -> bool:
    return is_blank(v)


def _until_empty(rows: Sequence[Sequence[object]]) -> list[Sequence[object]]:
    """The data rows up to the first empty one (the table's end)."""
    out = []
    for raw in rows:
        if all(_is_empty(v) for v in raw):
            break
        out.append(raw)
    return out


def nothing_below(values: Sequence[Sequence[object]], empty: int, source: str) -> None:
    """The table ends at its first empty row; a service below it would be silently unread.

    A row with one filled cell (a note under the table) is no service and is allowed.
    """
    for k, raw in enumerate(values[empty + 1:], start=empty + 1):
        if sum(not _is_empty(v) for v in raw) >= 2:
            raise WmoError(f"{source} row {k} comes after the empty row {empty}: rows below an empty row are not read; "
                           "remove the empty row")


def menu_header(row: Sequence[object], *, source: str = "menukaart") -> list[str]:
    """The header row's column names (lower case), or an error naming lacking or doubled columns.

    A first row that is no header at all is named as such: one holding values (the header
    row is missing), or a title above the header (the range must start at the header).
    """
    header = [str(h).strip().lower() if h is not None else "" for h in row]
    if "dienst" not in header:
        filled = [h for h in row if not is_blank(h)]
        values = [h for h in filled if isinstance(h, (int, float)) or str(h).strip().lower() in ("zin", "pgb", *CATEGORIES)
                  or any(ch.isdigit() for ch in str(h))]
        if len(values) >= 2:
            raise WmoError(f"{source} has no header row: its first row holds values ({', '.join(describe(v) for v in filled[:2])}, ...); "
                           f"put the header above them: {', '.join(COLUMNS[:3])}, ... ({len(COLUMNS)} columns)")
        if len(filled) <= 2:
            raise WmoError(f"{source}: the range's first row must be the header (dienst, omschrijving, ...), not "
                           f"{describe(filled[0]) if filled else 'an empty row'}: start the range at the header row")
    no_duplicates(header, f"{source}: column")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise WmoError(f"{source} lacks column(s) {', '.join(missing)}: the header must have {', '.join(COLUMNS)}")
    unused = [h for h in header if h and h not in COLUMNS and h not in NOTE_COLUMNS]
    if unused:  # a column such as prijs_2026 would be taken and silently not used
        raise WmoError(f"{source} column {describe(unused[0])[:60]} is not used by the cost formula: remove it, or name a "
                       f"note column {' or '.join(NOTE_COLUMNS[:2])} (columns read: {', '.join(COLUMNS)})")
    return header


def no_values_without_header(header: Sequence[str], values: Sequence[Sequence[object]], source: str) -> None:
    """A value under an empty header cell belongs to no column: refused, not skipped."""
    for i, raw in enumerate(values, start=1):
        for j, v in enumerate(raw):
            if (j >= len(header) or not header[j]) and not _is_empty(v):
                raise WmoError(f"{source} row {i} has {describe(v)[:60]} in column {j + 1}, which has no header: "
                               "give the column a name from the header row, or clear it")


def menu_from_rows(values: Sequence[Sequence[object]], *, source: str = "menukaart", decimal: str | None = None,
                   origin: TableOrigin | None = None) -> Menu:
    """Validate a header-first 2-D list (an Excel range); rows stop at the first empty row.

    Errors name the place (see :class:`TableOrigin`: a sheet cell, a file line, or the data
    row with 1 = first row under the header), the service and the column. ``decimal``
    is the decimal mark of the CSV the rows come from (see :func:`wmo_xl.inputs.decimal_mark`).
    """
    where = origin or TableOrigin()
    if not values or not isinstance(values[0], (list, tuple)):
        raise WmoError(f"{source} is empty: pass the Menukaart range with its header row")
    header = menu_header(values[0], source=source)
    no_values_without_header(header, _until_empty(values[1:]), source)
    pos = {c: header.index(c) for c in COLUMNS + OPTIONAL_COLUMNS if c in header}
    rows: list[MenuRow] = []
    seen: set[str] = set()
    for i, raw in enumerate(values[1:], start=1):
        cells = list(raw) + [None] * (len(header) - len(raw))
        if all(_is_empty(v) for v in cells):
            nothing_below(values, i, source)
            break
        record = {c: cells[j] for c, j in pos.items() if not _is_empty(cells[j])}
        if "omschrijving" in record:
            record["omschrijving"] = str(record["omschrijving"])
        if "bron" in record:
            record["bron"] = str(record["bron"])
        try:
            row = MenuRow.model_validate(record, context={"decimal": decimal})
        except ValidationError as exc:
            err = exc.errors()[0]
            col = str(err["loc"][0]) if err.get("loc") else "?"
            dienst = cells[pos["dienst"]] if "dienst" in pos else None
            raise WmoError(f"{where.place(source, i, pos.get(col, 0), col, dienst)}: {_problem(err)}") from None
        if row.dienst.lower() in seen:
            raise WmoError(f"{where.place(source, i, pos['dienst'], 'dienst', None)}: {shorten(row.dienst)!r} appears twice")
        seen.add(row.dienst.lower())
        rows.append(row)
    if not rows:
        raise WmoError(f"{source} has a header but no rows")
    return Menu(rows=rows)


def menu_from_frame(df: pd.DataFrame, *, source: str = "menukaart") -> Menu:
    df = df.astype(object).where(df.notna(), None)
    return menu_from_rows([list(df.columns)] + df.values.tolist(), source=source)


def load_menu(path: str | Path | None = None) -> Menu:
    """The default menu card (None) or one from a CSV or xlsx file (sheet 'Menukaart' or the first)."""
    if path is None:
        with resources.files("wmo_xl").joinpath("data/menukaart_default.csv").open("r", encoding="utf-8") as fh:
            return menu_from_frame(pd.read_csv(fh, dtype=str), source="default menukaart")
    p = Path(path)
    if not p.exists():
        raise WmoError(f"menukaart file {str(p)!r} not found: pass a .csv or .xlsx with columns {', '.join(COLUMNS)}")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        sheet, raw = _read_sheet(p)
        body, header_row = _table_from_sheet(raw)
        body = body.astype(object).where(body.notna(), None)
        return menu_from_rows([list(body.columns)] + body.values.tolist(), source=p.name,
                              origin=TableOrigin(sheet=sheet, file=p.name, header_row=header_row))
    if p.suffix.lower() in (".csv", ".txt"):
        table = read_table(p, "menukaart file")
        return menu_from_rows([table.header, *table.rows], source=p.name, decimal=table.decimal, origin=TableOrigin(file=p.name))
    raise WmoError(f"menukaart file {p.name!r} must be .csv or .xlsx")


def _read_sheet(p: Path) -> tuple[str, pd.DataFrame]:
    """The Menukaart sheet (or the first) of a workbook, raw, and its name; a damaged file is a WmoError."""
    if not p.is_file():
        raise WmoError(f"menukaart file {str(p)!r} is a folder: pass a .csv or .xlsx file")
    try:
        xl = pd.ExcelFile(p)
        sheet = "Menukaart" if "Menukaart" in xl.sheet_names else xl.sheet_names[0]
        return str(sheet), pd.read_excel(xl, sheet_name=sheet, header=None)
    except WmoError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, ... from a damaged or renamed file
        raise WmoError(f"menukaart file {p.name!r} cannot be read as an Excel workbook ({type(exc).__name__}): "
                       "save it again from Excel as .xlsx, or as CSV") from None


def _table_from_sheet(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Find the header row (first cell 'dienst') in a sheet that may have a title above it;
    the table and the header's sheet row (1-based: pandas keeps the sheet's leading rows)."""
    for i in range(min(len(raw), 30)):
        if str(raw.iat[i, 0]).strip().lower() == "dienst":
            body = raw.iloc[i + 1:].reset_index(drop=True)
            body.columns = ["" if pd.isna(c) else str(c).strip().lower() for c in raw.iloc[i]]
            return body, i + 1
    raise WmoError("no header row starting with 'dienst' found in the menukaart sheet")


def load_category_shares(path: str | Path | None = None) -> dict[str, float]:
    """Share of all Wmo clients per category (national defaults, or a CSV categorie,aandeel_van_totaal)."""
    if path is None:
        return dict(_default_shares())  # read once per process: WMO_CLIENTS calls this per cell
    return _read_shares(path)


@functools.lru_cache(maxsize=1)
def _default_shares() -> tuple[tuple[str, float], ...]:
    return tuple(_read_shares(None).items())


def _read_shares(path: str | Path | None) -> dict[str, float]:
    """categorie -> share; categories normalised, numbers by the one rule, a category twice refused."""
    if path is None:
        with resources.files("wmo_xl").joinpath("data/categorie_aandelen.csv").open("r", encoding="utf-8") as fh:
            df = pd.read_csv(fh, dtype=str)
        header, rows, decimal, name = list(df.columns), df.values.tolist(), ".", "default shares"
    else:
        table = read_table(path, "shares file")
        header, rows, decimal, name = table.header, table.rows, table.decimal, table.name
    cols = [str(h).strip().lower() for h in header]
    if not {"categorie", "aandeel_van_totaal"} <= set(cols):
        raise WmoError(f"shares file {name!r} needs columns categorie, aandeel_van_totaal (has {', '.join(cols)})")
    unused = [c for c in cols if c and c not in ("categorie", "aandeel_van_totaal", *NOTE_COLUMNS)]
    if unused:  # a column such as jaar or gemeente would be taken and silently not used
        raise WmoError(f"shares file {name!r} column {describe(unused[0])[:60]} is not used: one share per category applies to "
                       f"every gemeente and year; remove it (columns read: categorie, aandeel_van_totaal; notes: bron)")
    ci, vi = cols.index("categorie"), cols.index("aandeel_van_totaal")
    shares: dict[str, float] = {}
    for i, r in enumerate(rows, start=2):
        if is_blank(r[ci]) and is_blank(r[vi]):
            continue
        where = f"{name} line {i}"
        cat = normalize_categorie(r[ci], "categorie", where, accepted=CATEGORIES)
        if cat in shares:
            raise WmoError(f"{where}: categorie {shorten(cat)!r} appears twice")
        shares[cat] = parse_share(r[vi], "aandeel_van_totaal", where) if decimal is None else parse_number(
            r[vi], "aandeel_van_totaal", where, lo=0, hi=1, percent=True, decimal=decimal)
    if not shares:
        raise WmoError(f"shares file {name!r} has a header but no rows")
    return shares
