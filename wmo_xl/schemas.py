"""Pydantic models for input crossing a boundary (API, CLI, Excel cells, pasted rows).

Inside the core, values are trusted: these models are where a cell's ``' wk051801'`` or
``2024.0`` becomes a clean code and int, or a :class:`~wmo_xl.errors.WmoError` that says
what is accepted.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .codes import check_code
from .data import category_of
from .errors import WmoError
from .inputs import check_years_count
from .inputs import parse_year as _parse_year


def parse_year(v: object) -> int:
    """A cell's year (2025, 2025.0, ' 2025') as int; WmoError for anything else (see wmo_xl.inputs)."""
    return _parse_year(v)


class YearsQuery(BaseModel):
    """Several years and one category (the grid functions)."""

    model_config = ConfigDict(frozen=True)

    years: list[int]
    category: str = "totaal"

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, v: object) -> list[int]:
        years = [parse_year(y) for y in v]  # type: ignore[attr-defined]
        check_years_count(years)
        return years

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: object) -> str:
        return category_of(v)


class ForecastQuery(BaseModel):
    """One forecast request: a wijk or gemeente code, a year and a category."""

    model_config = ConfigDict(frozen=True)

    code: str
    year: int
    category: str = "totaal"

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: object) -> str:
        return check_code(v)

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, v: object) -> int:
        return parse_year(v)

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: object) -> str:
        return category_of(v)


def first_message(exc: ValidationError) -> str:
    """The first error of a pydantic ValidationError as one plain sentence."""
    err = exc.errors()[0]
    ctx = err.get("ctx", {}).get("error")
    msg = str(ctx) if ctx is not None else err["msg"]
    return msg.removeprefix("Value error, ")


def query(code: object, year: object, category: object = "totaal") -> ForecastQuery:
    """Validate one request; raise WmoError with a one-line message."""
    try:
        return ForecastQuery(code=code, year=year, category=category if category is not None else "totaal")
    except ValidationError as exc:
        raise WmoError(first_message(exc)) from None


def years_query(years: list[object], category: object = "totaal") -> YearsQuery:
    """Validate a list of years and a category; raise WmoError with a one-line message."""
    try:
        return YearsQuery(years=years, category=category if category is not None else "totaal")
    except ValidationError as exc:
        raise WmoError(first_message(exc)) from None
