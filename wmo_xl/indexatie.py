"""Price indexation the way municipalities contract it: the VNG series (90% OVA + 10% PCC).

VNG advises indexing Wmo tariffs each year by the provisional weighted figure and correcting
it the next year to the final one. In cumulative form that is one number per year, the
final figure where published, else the provisional one, else a stated assumption: the series
``wmo_xl/data/indexatie.csv`` (``jaar,ova,pcc,gewogen,status,bron``; docs/costs.md).

The price level of year ``Y`` relative to a menukaart row's ``prijsjaar`` ``P`` is

    level(P, Y) = product of (1 + gewogen[y]) for y = P+1 .. Y        (Y >= P)
    level(P, Y) = 1 / product of (1 + gewogen[y]) for y = Y+1 .. P    (Y < P: back to an earlier year)

A year the product needs that the series does not hold (past its last year, or a price year
before its first year minus one) is refused with the years the series covers: the series
never carries a figure on silently. Extend the series (the Indexatie sheet, or a file passed
with ``wmo-xl budget --indexatie``) or give the row a flat rate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import WmoError
from .inputs import describe, is_blank, parse_number, parse_year

#: VNG's weights: personnel costs follow the OVA, material costs the PCC.
WEIGHT_OVA = 0.9
WEIGHT_PCC = 0.1
#: Columns of the series file and of the Indexatie sheet.
COLUMNS = ["jaar", "ova", "pcc", "gewogen", "status", "bron"]
STATUSES = ("definitief", "voorlopig", "aanname")
#: The menukaart word for "index by this series".
VNG = "vng"
#: Largest yearly rate accepted (the 2023 figure was 6.4%; 1970s wage rounds stayed below 20%).
_RATE_LIMIT = 0.3
#: ``gewogen`` must equal 0.9 ova + 0.1 pcc to within this (the file rounds to 6 decimals).
_TOLERANCE = 5e-6


class IndexYear(BaseModel):
    """One year of the series."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    jaar: int
    ova: float | None = None
    pcc: float | None = None
    gewogen: float = Field(ge=-_RATE_LIMIT, le=_RATE_LIMIT)
    status: Literal["definitief", "voorlopig", "aanname"] = "aanname"
    bron: str = ""

    @field_validator("jaar", mode="before")
    @classmethod
    def _jaar(cls, v: object) -> int:
        return parse_year(v, "", lo=2000, hi=2100)

    @field_validator("ova", "pcc", mode="before")
    @classmethod
    def _part(cls, v: object) -> float | None:
        return None if is_blank(v) else parse_number(v, "", lo=-_RATE_LIMIT, hi=_RATE_LIMIT, percent=True)

    @field_validator("gewogen", mode="before")
    @classmethod
    def _rate(cls, v: object) -> float:
        return parse_number(v, "", lo=-_RATE_LIMIT, hi=_RATE_LIMIT, percent=True)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: object) -> object:
        return "aanname" if is_blank(v) else str(v).strip().lower() if isinstance(v, str) else v


class IndexSeries(BaseModel):
    """Consecutive years with their weighted rate; built by :func:`load_series` or :func:`series_from_rows`."""

    model_config = ConfigDict(frozen=True)

    rows: tuple[IndexYear, ...]
    source: str = "wmo_xl/data/indexatie.csv"

    @property
    def first(self) -> int:
        return self.rows[0].jaar

    @property
    def last(self) -> int:
        return self.rows[-1].jaar

    @property
    def base_year(self) -> int:
        """The earliest price year the series can index: the year before its first figure."""
        return self.first - 1

    def rate(self, year: int) -> float:
        """The weighted rate of ``year`` (refused outside the series)."""
        if not self.first <= year <= self.last:
            raise WmoError(f"indexatie {year}: the VNG series ({self.source}) holds {self.first}-{self.last}; "
                           "add the year's figure (sheet Indexatie or wmo-xl budget --indexatie FILE) or give the row a flat rate")
        return self.rows[year - self.first].gewogen

    def level(self, prijsjaar: int, year: int) -> float:
        """Price level of ``year`` relative to ``prijsjaar`` (1 when equal); see the module docstring."""
        lo, hi = sorted((int(prijsjaar), int(year)))
        if lo < self.base_year or hi > self.last:
            bad = year if (year < self.base_year or year > self.last) else prijsjaar
            what = "year" if bad == year else "prijsjaar"
            raise WmoError(f"indexatie: {what} {bad} is outside the VNG series ({self.source}: figures {self.first}-{self.last}, "
                           f"so years {self.base_year}-{self.last}); add the year's figure (sheet Indexatie or wmo-xl budget --indexatie FILE) or give the row a flat rate")
        product = float(math.prod(1.0 + self.rows[y - self.first].gewogen for y in range(lo + 1, hi + 1)))
        return product if year >= prijsjaar else 1.0 / product

    def years_used(self, years: Iterable[int]) -> list[IndexYear]:
        """The series rows of ``years`` that it holds (for a note of the index used)."""
        return [self.rows[y - self.first] for y in years if self.first <= y <= self.last]


def _validated(records: Sequence[tuple[int, dict[str, object]]], source: str, strict: bool) -> IndexSeries:
    """Rows -> series: each row validated, years consecutive and unique, ``gewogen`` checked against
    0.9 ova + 0.1 pcc when ``strict`` (a file) and both are given."""
    rows: list[IndexYear] = []
    for line, record in records:
        try:
            row = IndexYear.model_validate(record)
        except ValidationError as exc:
            err = exc.errors()[0]
            col = err["loc"][0] if err.get("loc") else "?"
            msg = str(err.get("ctx", {}).get("error", err["msg"])).strip()
            if err["type"] in ("less_than_equal", "greater_than_equal"):
                msg = f"{describe(err.get('input'))} is outside {-_RATE_LIMIT} to {_RATE_LIMIT}"
            elif err["type"] == "literal_error":
                msg = f"{describe(err.get('input'))} is not one of {', '.join(STATUSES)}"
            raise WmoError(f"{source} row {line}, column {col}: {msg}") from None
        if strict and row.ova is not None and row.pcc is not None:
            want = WEIGHT_OVA * row.ova + WEIGHT_PCC * row.pcc
            if abs(row.gewogen - want) > _TOLERANCE:
                raise WmoError(f"{source} row {line} ({row.jaar}): gewogen {row.gewogen:g} is not 0.9 x ova + 0.1 x pcc "
                               f"= {want:.6f}: correct one of the three")
        if rows and row.jaar != rows[-1].jaar + 1:
            raise WmoError(f"{source} row {line}: year {row.jaar} follows {rows[-1].jaar}: give every year once, "
                           "in order, without gaps (a missing year would drop out of the price level)")
        rows.append(row)
    if not rows:
        raise WmoError(f"{source} has a header but no years")
    return IndexSeries(rows=tuple(rows), source=source)


def series_from_rows(values: Sequence[Sequence[object]], source: str = "Indexatie", *, strict: bool = False,
                     decimal: str | None = None) -> IndexSeries:
    """A series from a header-first 2-D list (the Indexatie sheet's range, or a CSV's rows).

    Needs the columns ``jaar`` and ``gewogen``; ``ova``, ``pcc``, ``status``, ``bron`` are
    read when present, other columns (the sheet's ``prijsniveau``) ignored. Rows stop at the
    first empty row; a year below it is refused (it would be silently unread).
    """
    if not values or not isinstance(values[0], (list, tuple)):
        raise WmoError(f"{source} is empty: pass the indexation range with its header row ({', '.join(COLUMNS)})")
    header = [str(h).strip().lower() if h is not None else "" for h in values[0]]
    missing = [c for c in ("jaar", "gewogen") if c not in header]
    if missing:
        raise WmoError(f"{source} lacks column(s) {', '.join(missing)}: the header must have {', '.join(COLUMNS)}")
    # a sheet's status and bron are notes for people (a controller's own figure may say "eigen"): only files check them
    pos = {c: header.index(c) for c in (COLUMNS if strict else ["jaar", "gewogen"]) if c in header}
    records: list[tuple[int, dict[str, object]]] = []
    for i, raw in enumerate(values[1:], start=1):
        cells = list(raw) + [None] * (len(header) - len(raw))
        if all(is_blank(v) for v in cells):
            below = [k for k, r in enumerate(values[i + 1:], start=i + 1) if any(not is_blank(v) for v in r)]
            if below:
                raise WmoError(f"{source} row {below[0]} comes after the empty row {i}: rows below an empty row are not read; "
                               "remove the empty row")
            break
        record: dict[str, object] = {c: cells[j] for c, j in pos.items() if not is_blank(cells[j])}
        for c in ("ova", "pcc", "gewogen"):
            if isinstance(record.get(c), str) and decimal:
                record[c] = parse_number(record[c], c, f"{source} row {i}", percent=True, decimal=decimal)
        if "bron" in record:
            record["bron"] = str(record["bron"])
        if "gewogen" not in record:
            raise WmoError(f"{source} row {i}, column gewogen: is empty: give the year's weighted rate (e.g. 0,0394)")
        records.append((i, record))
    return _validated(records, source, strict)


def load_series(path: str | Path | None = None) -> IndexSeries:
    """The shipped VNG series (None; read once per process) or one from a CSV file."""
    if path is None:
        return _default_series()
    from .csvfiles import read_table

    table = read_table(path, "indexation file")
    return series_from_rows([table.header, *table.rows], table.name, strict=True, decimal=table.decimal)


@functools.lru_cache(maxsize=1)
def _default_series() -> IndexSeries:
    import csv
    import io

    text = resources.files("wmo_xl").joinpath("data/indexatie.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return series_from_rows(rows, "wmo_xl/data/indexatie.csv", strict=True, decimal=".")


def describe_years(series: IndexSeries, years: Iterable[int]) -> str:
    """'2027 3.944% (aanname), ...': the per-year figures a budget used (for the CLI's note)."""
    return ", ".join(f"{r.jaar} {r.gewogen * 100:.3f}% ({r.status})" for r in series.years_used(years))
