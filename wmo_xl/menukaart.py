"""The financial menu card (menukaart): one row per Wmo service with its volume and price.

A controller edits it in the workbook's Menukaart table; the same rows come in as a 2-D
list (an Excel range), a CSV or an xlsx file. Every row is validated with pydantic and a
bad value is reported by row and column, never read as 0.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import WmoError

Eenheid = Literal["uur", "dagdeel", "etmaal", "maand", "rit", "stuk"]

#: Column names of the menu card, as in the workbook (``bron`` is optional).
COLUMNS: list[str] = [
    "dienst", "omschrijving", "categorie", "leveringsvorm", "aandeel", "verzilveringsgraad",
    "eenheid", "eenheden_per_client_per_jaar", "prijs", "prijsjaar", "indexatie",
]
OPTIONAL_COLUMNS = ["bron"]
CATEGORIES = ("hbh", "begeleiding", "dagbesteding", "hulpmiddelen", "vervoer", "wonen")

#: '3.000' / '3,000' / '12.500.000': one separator kind in groups of three, no leading zero.
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}([.,])\d{3}(\1\d{3})*$")
#: '1.234,50': dots grouping thousands, one decimal comma.
_DUTCH_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+,\d+$")


def dutch_number(v: object) -> object:
    """Text as a number when its reading is certain: '32,40', '32.40', '1.234,50', '\u20ac 12'.

    Text whose reading is not certain is refused, never guessed: '3.000' is 3000 to a Dutch
    reader and 3 to an English one (likewise '3,000'), and '1,234.50' is English notation.
    A wrong guess would be a price 1000 times too low in every total. Other text is returned
    as it is (the field's own validation then refuses it); numbers pass through.
    """
    if isinstance(v, str):
        s = v.strip().replace("\u20ac", "").replace(" ", "").replace("\u00a0", "")
        if _AMBIGUOUS.match(s) or ("," in s and "." in s and not _DUTCH_GROUPED.match(s)):
            raise ValueError(f"{v!r} is not certain (thousands or decimals?): type the number "
                             "without thousands separators, e.g. 3000 or 32,40")
        if "," in s:
            s = s.replace(".", "").replace(",", ".")
        try:
            return float(s)
        except ValueError:
            return v
    return v


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
    indexatie: float = Field(ge=-0.5, le=0.5)
    bron: str = ""

    @field_validator("leveringsvorm", "eenheid", "categorie", "dienst", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.strip()
            return v.upper() if v.upper() in ("ZIN", "PGB") else v.lower() if v.lower() in (
                "uur", "dagdeel", "etmaal", "maand", "rit", "stuk") else v
        return v

    @field_validator("aandeel", "verzilveringsgraad", "eenheden_per_client_per_jaar", "prijs", "indexatie", "prijsjaar", mode="before")
    @classmethod
    def _number(cls, v: object) -> object:
        """Accept '32,40', '32.40' and '1.234,50' from a Dutch sheet (see :func:`dutch_number`)."""
        return dutch_number(v)

    def euro_per_client(self, year: int | None = None) -> float:
        """Euros per client of the category in ``year`` (price year if None)."""
        factor = (1.0 + self.indexatie) ** ((year if year is not None else self.prijsjaar) - self.prijsjaar)
        return self.aandeel * self.verzilveringsgraad * self.eenheden_per_client_per_jaar * self.prijs * factor


class Menu(BaseModel):
    """A validated menu card: rows keyed by ``dienst`` (unique)."""

    rows: list[MenuRow]

    def get(self, dienst: object) -> MenuRow:
        key = str(dienst).strip() if dienst is not None else ""
        for row in self.rows:
            if row.dienst == key:
                return row
        raise WmoError(f"unknown service {key!r}: the menukaart has {', '.join(r.dienst for r in self.rows)}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.model_dump() for r in self.rows], columns=COLUMNS + OPTIONAL_COLUMNS)


def _problem(err: dict) -> str:  # type: ignore[type-arg]
    kind = err["type"]
    value = err.get("input")
    if kind in ("missing",):
        return "is empty"
    if kind.startswith(("float", "int")) and "parsing" in kind:
        return f"{value!r} is not a number"
    if kind == "greater_than_equal" and err.get("ctx", {}).get("ge") == 0:
        return f"{value!r} is negative"
    if kind in ("less_than_equal", "greater_than_equal"):
        lo = {"aandeel": "0-1", "verzilveringsgraad": "0-1", "indexatie": "-0.5 to 0.5", "prijsjaar": "2000-2100"}
        field = err["loc"][0] if err.get("loc") else ""
        return f"{value!r} is outside {lo.get(str(field), 'the allowed range')}"
    if kind == "value_error":  # our own validators' messages name the value already
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind == "literal_error":
        return f"{value!r} is not one of {err.get('ctx', {}).get('expected', '')}"
    return f"{value!r}: {err['msg']}"


def _is_empty(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def menu_header(row: Sequence[object], *, source: str = "menukaart") -> list[str]:
    """The header row's column names (lower case), or an error naming the lacking columns."""
    header = [str(h).strip().lower() if h is not None else "" for h in row]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise WmoError(f"{source} lacks column(s) {', '.join(missing)}: the header must have {', '.join(COLUMNS)}")
    return header


def menu_from_rows(values: Sequence[Sequence[object]], *, source: str = "menukaart") -> Menu:
    """Validate a header-first 2-D list (an Excel range); rows stop at the first empty row.

    Errors name the data row (1 = first row under the header) and the column.
    """
    if not values or not isinstance(values[0], (list, tuple)):
        raise WmoError(f"{source} is empty: pass the Menukaart range with its header row")
    header = menu_header(values[0], source=source)
    pos = {c: header.index(c) for c in COLUMNS + OPTIONAL_COLUMNS if c in header}
    rows: list[MenuRow] = []
    seen: set[str] = set()
    for i, raw in enumerate(values[1:], start=1):
        cells = list(raw) + [None] * (len(header) - len(raw))
        if all(_is_empty(v) for v in cells):
            break
        record = {c: cells[j] for c, j in pos.items() if not _is_empty(cells[j])}
        if "omschrijving" in record:
            record["omschrijving"] = str(record["omschrijving"])
        if "bron" in record:
            record["bron"] = str(record["bron"])
        try:
            row = MenuRow(**record)
        except ValidationError as exc:
            err = exc.errors()[0]
            col = err["loc"][0] if err.get("loc") else "?"
            raise WmoError(f"{source} row {i}, column {col}: {_problem(err)}") from None
        if row.dienst in seen:
            raise WmoError(f"{source} row {i}, column dienst: {row.dienst!r} appears twice")
        seen.add(row.dienst)
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
    if not p.is_file():
        raise WmoError(f"menukaart file {str(p)!r} not found: pass a .csv or .xlsx with columns {', '.join(COLUMNS)}")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        xl = pd.ExcelFile(p)
        sheet = "Menukaart" if "Menukaart" in xl.sheet_names else xl.sheet_names[0]
        return menu_from_frame(_table_from_sheet(pd.read_excel(p, sheet_name=sheet, header=None)), source=p.name)
    if p.suffix.lower() == ".csv":
        return menu_from_frame(pd.read_csv(p, dtype=str), source=p.name)
    raise WmoError(f"menukaart file {p.name!r} must be .csv or .xlsx")


def _table_from_sheet(raw: pd.DataFrame) -> pd.DataFrame:
    """Find the header row (first cell 'dienst') in a sheet that may have a title above it."""
    for i in range(min(len(raw), 30)):
        if str(raw.iat[i, 0]).strip().lower() == "dienst":
            body = raw.iloc[i + 1:].reset_index(drop=True)
            body.columns = [str(c).strip().lower() for c in raw.iloc[i]]
            return body
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
    if path is None:
        with resources.files("wmo_xl").joinpath("data/categorie_aandelen.csv").open("r", encoding="utf-8") as fh:
            df = pd.read_csv(fh)
    else:
        p = Path(path)
        if not p.is_file():
            raise WmoError(f"shares file {str(p)!r} not found: needs columns categorie, aandeel_van_totaal")
        df = pd.read_csv(p)
    if not {"categorie", "aandeel_van_totaal"} <= set(df.columns):
        raise WmoError("shares file needs columns categorie, aandeel_van_totaal")
    shares = dict(zip(df["categorie"].astype(str).str.strip(), pd.to_numeric(df["aandeel_van_totaal"], errors="coerce")))
    bad = [k for k, v in shares.items() if not (0 <= v <= 1)]
    if bad:
        raise WmoError(f"share of category {bad[0]!r} must be a number between 0 and 1")
    return shares
