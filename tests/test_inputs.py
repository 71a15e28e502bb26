"""The one input rule (wmo_xl.inputs): every value accepted has one certain meaning."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wmo_xl.errors import WmoError
from wmo_xl.inputs import (
    MAX_YEARS,
    check_grid,
    decimal_mark,
    normalize_categorie,
    one_cell,
    parse_cost_year,
    parse_count,
    parse_number,
    parse_share,
    parse_year,
    parse_years_spec,
    vector,
)

# --- numbers as text -------------------------------------------------------------------

READ = [
    ("1490", 1490.0), ("-3", -3.0), ("32,40", 32.40), ("32.40", 32.40), ("0.125", 0.125), ("0,125", 0.125),
    (",5", 0.5), ("1 490", 1490.0), ("1\u00a0490", 1490.0), ("1 234 567", 1234567.0),
    ("1.234,56", 1234.56), ("\u20ac 8.000,00", 8000.0), ("EUR 32,40", 32.40), ("3.000,00", 3000.0), ("0,045", 0.045),
    ("1234.567", 1234.567), ("1000,000", 1000.0), ("  12 ", 12.0), ("+7", 7.0), ("- 5", -5.0),
]
AMBIGUOUS = ["1.490", "8.000", "1,234", "-1.490", "100.000", "999,999", "12.500.000", "1,234,567", "1,234.56", "2,500.5",
             "\u20ac 3.000"]
NOT_NUMBERS = ["abc", "1e3", "1,2,3", "1.23.4", "12-3", "1.234,567.8", "1,234,56.7", "0x10", "nan", "inf", "--5", "5%"]


@pytest.mark.parametrize(("text", "value"), READ)
def test_number_text_read(text: str, value: float) -> None:
    assert parse_number(text, "prijs") == pytest.approx(value)


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_one_mark_and_three_digits_is_ambiguous(text: str) -> None:
    with pytest.raises(WmoError, match="not certain") as info:
        parse_number(text, "clienten")
    msg = str(info.value)
    assert text in msg and "clienten" in msg and "write" in msg


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(WmoError, match="prijs"):
        parse_number(text, "prijs")


@pytest.mark.parametrize("value", [True, False, dt.date(2025, 1, 1), dt.datetime(2025, 1, 1), float("nan"), float("inf"),
                                   -float("inf"), None, "", "   ", [1], object()])
def test_booleans_dates_and_non_finite_are_refused(value: object) -> None:
    with pytest.raises(WmoError):
        parse_number(value, "prijs")


def test_percent_only_where_a_share_is_asked() -> None:
    assert parse_share("35%") == pytest.approx(0.35)
    assert parse_share("2,5 %") == pytest.approx(0.025)
    with pytest.raises(WmoError, match="percentage"):
        parse_number("35%", "prijs")
    with pytest.raises(WmoError, match="outside 0 to 1"):
        parse_share(1.5, "aandeel")


def test_counts_are_bounded() -> None:
    assert parse_count(1490) == 1490
    for bad in (-1, 1e300, "1e300", 2e7 + 1):
        with pytest.raises(WmoError):
            parse_count(bad)
    with pytest.raises(WmoError, match="negative"):
        parse_count(-3, "clienten")


def test_file_decimal_mark_settles_the_ambiguous_case() -> None:
    assert decimal_mark(["32,40", "1.490"]) == ","
    assert decimal_mark(["2.25", "1,490"]) == "."
    assert decimal_mark(["1.490", "12"]) is None
    assert decimal_mark(["1,5", "2.5"]) is None  # both habits in one file: nothing settled
    assert parse_number("1.490", decimal=",") == 1490
    assert parse_number("1.490", decimal=".") == pytest.approx(1.49)
    with pytest.raises(WmoError, match="decimal mark"):
        parse_number("1,49", decimal=".")


def _dutch(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_grouped_with_decimals_dutch_always_english_where_the_file_says(whole: int, cents: int) -> None:
    value = whole + cents / 100
    assert parse_number(_dutch(value, 2)) == pytest.approx(value)  # 1.234,56
    english = f"{value:,.2f}"  # 1,234.56
    assert parse_number(english, decimal=".") == pytest.approx(value)
    if value >= 1000:
        with pytest.raises(WmoError, match="not certain"):
            parse_number(english)


@given(st.integers(min_value=1000, max_value=10**15), st.sampled_from([".", ","]))
def test_grouped_thousands_are_never_read_as_a_smaller_number(n: int, sep: str) -> None:
    text = f"{n:,}".replace(",", sep)
    with pytest.raises(WmoError, match="not certain"):
        parse_number(text)
    assert parse_number(text, decimal="," if sep == "." else ".") == n


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999), st.sampled_from([".", ","]))
def test_one_group_of_three_is_never_guessed(whole: int, frac: int, mark: str) -> None:
    text = f"{whole}{mark}{frac:03d}"
    with pytest.raises(WmoError, match="not certain"):
        parse_number(text)
    assert parse_number(text, decimal=mark) == pytest.approx(whole + frac / 1000)
    other = "," if mark == "." else "."
    assert parse_number(text, decimal=other) == whole * 1000 + frac


@given(st.text(max_size=20))
def test_any_text_is_a_finite_number_or_a_wmo_error(text: str) -> None:
    try:
        v = parse_number(text, "x", percent=True)
    except WmoError as exc:
        assert "\n" not in str(exc)
        return
    assert math.isfinite(v)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_float_cell(value: float) -> None:
    try:
        v = parse_number(value, "x")
    except WmoError:
        assert not math.isfinite(value)
        return
    assert v == value


# --- years -----------------------------------------------------------------------------

YEARS_OK = [(2025, 2025), (2025.0, 2025), ("2025", 2025), (" 2025 ", 2025), ("2025.0", 2025), ("2025,0", 2025)]
YEARS_BAD = [True, False, 2025.5, "2025.5", "20255", -1, 1e300, float("nan"), float("inf"), None, "", "x", "2025-01",
             dt.date(2025, 1, 1), [2025, 2026], 99999999]


@pytest.mark.parametrize(("value", "year"), YEARS_OK)
def test_years_read(value: object, year: int) -> None:
    assert parse_year(value) == year


@pytest.mark.parametrize("value", YEARS_BAD)
def test_years_refused(value: object) -> None:
    with pytest.raises(WmoError, match="year"):
        parse_year(value)


@pytest.mark.parametrize("value", [1900, 3000, -1, 1999, 2101])
def test_cost_years_are_range_checked(value: int) -> None:
    with pytest.raises(WmoError, match="2000-2100"):
        parse_cost_year(value)
    assert parse_cost_year(2030) == 2030


@pytest.mark.parametrize(("spec", "years"), [("2024-2028", [2024, 2025, 2026, 2027, 2028]), ("2024,2026", [2024, 2026]),
                                             ("2025", [2025]), ("2024 - 2025", [2024, 2025]), ("2024;2025", [2024, 2025])])
def test_year_specs(spec: str, years: list[int]) -> None:
    assert parse_years_spec(spec) == years


@pytest.mark.parametrize("spec", ["2024-99999999", "2028-2024", "", "abc", "2024,2024", "1800-2024", "2024-", "2024.5",
                                  f"2000-{2000 + MAX_YEARS}"])
def test_year_specs_refused(spec: str) -> None:
    with pytest.raises(WmoError):
        parse_years_spec(spec)


def test_grid_limit() -> None:
    check_grid(1000, 10)
    with pytest.raises(WmoError, match="too large"):
        check_grid(100_000, 10)


# --- single cells, rows and columns ----------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(5, 5), ("x", "x"), ([5], 5), ([[5]], 5), (None, None), ("  ", None),
                                                 ([[None]], None)])
def test_one_cell(value: object, expected: object) -> None:
    assert one_cell(value, "year") == expected


@pytest.mark.parametrize("value", [[2025, 2026], [[2025, None]], [[2025], [None]], [["hbh", "totaal"]], [[1, 2], [3, 4]]])
def test_a_range_where_one_cell_is_expected_is_refused(value: object) -> None:
    with pytest.raises(WmoError, match="must be one cell"):
        one_cell(value, "year")


def test_vector_keeps_blanks_in_place_and_refuses_a_block() -> None:
    assert vector([["a"], [None], ["b"]], "wijken") == ["a", None, "b"]
    assert vector([["a", "", "b"]], "wijken") == ["a", None, "b"]
    assert vector("a", "wijken") == ["a"]
    with pytest.raises(WmoError, match="one row or one column"):
        vector([["a", "b"], ["c", "d"]], "wijken")


# --- categories ------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "cat"), [("HBH", "hbh"), ("HbH", "hbh"), ("hulp bij het huishouden", "hbh"),
                                            ("Hulp  bij het Huishouden", "hbh"), ("Begeleiding", "begeleiding"),
                                            (" DAGBESTEDING ", "dagbesteding"), ("Vervoer", "vervoer"), ("wonen", "wonen")])
def test_categories_normalised(label: str, cat: str) -> None:
    assert normalize_categorie(label) == cat


@pytest.mark.parametrize("label", ["jeugd", "begeleiding individueel", "", None, True, 3, "hbh2"])
def test_unknown_categories_refused(label: object) -> None:
    with pytest.raises(WmoError, match="categorie"):
        normalize_categorie(label)


def test_own_categories_when_listed() -> None:
    assert normalize_categorie("Jeugd", accepted=["jeugd"]) == "jeugd"
