"""The budget calendar: T+1 .. T+4 always answer, each year says how far it lies beyond the data,
ranges widen with the horizon, and far years are announced once per command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wmo_xl import horizon
from wmo_xl.errors import WmoError
from wmo_xl.fitted import FittedForecast

from clirun import run


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2150, 12, 31)))
def test_budget_years_are_next_year_and_the_meerjarenraming(day: dt.date) -> None:
    years = horizon.budget_years(day)
    assert years == [day.year + 1, day.year + 2, day.year + 3, day.year + 4]


def test_today_can_be_set_and_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(horizon.TODAY_ENV, "2026-12-07")
    assert horizon.budget_years() == [2027, 2028, 2029, 2030]
    monkeypatch.setenv(horizon.TODAY_ENV, "7-12-2026")
    with pytest.raises(WmoError, match=r"WMO_XL_TODAY='7-12-2026' is not a date: expected an ISO date"):
        horizon.today()


@given(st.integers(2010, 2040), st.integers(-5, 20))
def test_status_and_distance(origin: int, d: int) -> None:
    year = origin + d
    assert horizon.years_beyond(year, origin) == d
    want = "waarneming" if d <= 0 else "prognose" if d <= 3 else "extrapolatie"
    assert horizon.status(year, origin) == want
    assert (year in horizon.far_years([year], origin)) == (want == "extrapolatie")


def test_warning_names_the_far_years_and_the_cures() -> None:
    assert horizon.extrapolation_warning([2019, 2020, 2021], 2018) is None
    msg = horizon.extrapolation_warning([2021, 2027, 2028, 2029, 2030], 2018)
    assert msg is not None and "2027-2030" in msg and "2021" not in msg
    assert "wmo-xl refresh" in msg and "retrain" in msg and "\n" not in msg


def _tiny(origin: int = 2018, H: int = 3) -> FittedForecast:
    """Two wijken of one gemeente, paths growing 2% a year with a widening range."""
    mu = np.log(np.array([[100.0], [400.0]]) + 5) + 0.02 * np.arange(1, H + 1)[None, :]
    sd = np.sqrt(0.003 * np.arange(1, H + 1))[None, :] * np.ones((2, 1))
    z = 1.2815515655446004
    return FittedForecast(
        codes=np.array(["WK010101", "WK010102"]), gemeente=np.array(["GM0101", "GM0101"]), inhabitants=np.array([2000.0, 8000.0]),
        last_year=np.array([origin, origin], dtype=float), mean=np.exp(mu) - 5, lower=np.exp(mu - z * sd) - 5, upper=np.exp(mu + z * sd) - 5,
        observed=np.array([[100.0], [400.0]]), origin=origin, first_year=origin, max_horizon=H,
        var_year=0.003, var_noise=0.5, var_gemeente_year=0.002, q_low=-z, q_high=z,
    )


def test_budget_years_answer_beyond_the_fitted_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(horizon.TODAY_ENV, "2026-12-07")
    fc = _tiny()
    assert fc.reach == 2030  # fitted to 2021, extended to the budget years of today
    years = list(range(2019, 2031))
    clients, lower, upper = fc.grid(["WK010101", "WK010102"], years)
    growth = np.diff(np.log(clients + 5), axis=1)
    assert np.allclose(growth, 0.02)  # the last fitted year's growth continues
    width = np.log(upper + 5) - np.log(lower + 5)
    assert (np.diff(width, axis=1) > 0).all()  # ranges widen every year
    g = [fc.cell("GM0101", y) for y in years[2:]]
    assert all(b[2] - b[1] > a[2] - a[1] for a, b in zip(g, g[1:]))
    assert np.isclose(g[-1][0], clients[:, -1].sum())
    # the fitted arrays are what a bundle stores: no extension depends on the day of writing
    assert fc.to_arrays()["mean"].shape == (2, 3)
    with pytest.raises(WmoError, match="year 2031 outside 2018-2030"):
        fc.check_year(2031)
    monkeypatch.setenv(horizon.TODAY_ENV, "2031-01-05")  # a later day: the same model reaches on
    assert np.isfinite(fc.cell("WK010101", 2035)[0]) and fc.reach == 2035


def test_national_model_answers_todays_budget_years_for_every_wijk() -> None:
    from wmo_xl.bundle import get_bundle, national_bundle_path

    fc = get_bundle(national_bundle_path()).model("totaal")
    years = horizon.budget_years()
    clients, lower, upper = fc.grid([str(c) for c in fc.codes], years)
    assert np.isfinite(clients).all() and (lower <= clients).all() and (clients <= upper).all()


def test_cli_budget_defaults_to_the_budget_years_and_warns_once(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from wmo_xl.bundle import national_bundle_path

    monkeypatch.setenv(horizon.TODAY_ENV, "2026-12-07")
    code, out, err = run(["budget", "--gemeente", "GM0518", "--format", "csv", "--model", str(national_bundle_path())], capsys)
    assert code == 0, err
    header = out.splitlines()[0]
    assert all(str(y) in header for y in (2027, 2028, 2029, 2030)) and "2026" not in header and "2031" not in header
    warnings = [line for line in err.splitlines() if "beyond the model's data" in line]
    assert len(warnings) == 1 and "2027-2030" in warnings[0] and "wmo-xl refresh" in warnings[0]
    code, out, err = run(["forecast", "--wijk", "GM0518", "--year", "2019", "--year", "2020", "--model", str(national_bundle_path())], capsys)
    assert code == 0 and "beyond the model's data" not in err


def test_export_default_years_hold_the_last_data_year_today_and_the_budget_years(monkeypatch: pytest.MonkeyPatch) -> None:
    from wmo_xl.bundle import national_bundle_path
    from wmo_xl.excel.export_data import default_years

    monkeypatch.setenv(horizon.TODAY_ENV, "2026-12-07")
    assert default_years(national_bundle_path()) == [2018, 2026, 2027, 2028, 2029, 2030]
    monkeypatch.setenv(horizon.TODAY_ENV, "2020-05-01")  # recent data: no year skipped
    assert default_years(national_bundle_path()) == list(range(2018, 2025))


def test_export_budget_and_scenario_start_follow_the_budget_years(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    from wmo_xl.bundle import national_bundle_path
    from wmo_xl.excel.export import export_workbook
    from wmo_xl.excel.export_data import default_years

    monkeypatch.setenv(horizon.TODAY_ENV, "2026-12-07")
    out = export_workbook(["GM0518"], tmp_path / "x.xlsx", model=national_bundle_path(), years=default_years(national_bundle_path()))
    ws = openpyxl.load_workbook(out)["Budget"]
    rows = {ws.cell(r, 2).value: r for r in range(1, 40)}
    year_row = [c.value for c in ws[5]][3:]
    assert [y for y in year_row if y is not None] == [2027, 2028, 2029, 2030]
    for key in ("hbh_vanaf_jaar", "substitutie_vanaf_jaar"):
        cell = ws.cell(rows[key], 3).value
        assert isinstance(cell, str) and cell.replace("$", "") == "=D5", (key, cell)
