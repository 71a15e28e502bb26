"""Realisation against budget (wmo_xl.realisatie, wmo-xl realisatie) and euros per wijk
(wmo_xl.wijkbudget, wmo-xl budget --per-wijk)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from clirun import run
from wmo_xl.bundle import national_bundle_path
from wmo_xl.menukaart import Menu, load_menu
from wmo_xl.costs import Scenario, budget
from wmo_xl.errors import WmoError
from wmo_xl.realisatie import (COLUMNS, Drempels, begroting, compare, drempels, load_realisatie, profiel_from,
                               realisatie, realisatie_from_rows, signaal)
from wmo_xl.wijkbudget import per_wijk, whole_euros

HAS_NATIONAL = (national_bundle_path() / "manifest.json").is_file()
YEAR = 2025  # a forecast year of the synthetic bundle (data 2015-2018) that the VNG series prices

#: Seasonal shape of Wmo spending: lower in the summer holidays, a year-end peak of declarations.
SHAPE = np.array([1.00, 0.97, 1.02, 1.00, 1.01, 0.98, 0.86, 0.82, 1.00, 1.04, 1.07, 1.23])


def rows_of(amounts: dict[tuple[str, int], float]) -> list[list[object]]:
    return [["dienst", "periode", "bedrag"], *[[d, p, v] for (d, p), v in amounts.items()]]


# ------------------------------------------------------------------ the 9-month case
def test_nine_months_with_known_deviations_projected_within_half_percent_and_flagged(bundle_dir: Path) -> None:
    """Each dienst spends its budget x (1 + d) over the year in last year's seasonal pattern
    (+-0.4% noise per month, last year +-0.3%); after 9 months the projection lies within 0.5% of that
    year total and the signal is the one the true deviation earns."""
    rng = np.random.default_rng(7)
    plan = begroting("GM0202", YEAR, model=bundle_dir)
    deviations = [0.0, 0.03, 0.07, -0.08, 0.15, -0.12, 0.30, -0.25, 0.045, 0.11]
    truth: dict[str, float] = {}
    actual: dict[tuple[str, int], float] = {}
    previous: dict[tuple[str, int], float] = {}
    share = SHAPE / SHAPE.sum()
    for k, (dienst, b) in enumerate(plan.items()):
        d = deviations[k % len(deviations)]
        truth[dienst] = b * (1 + d)
        for m in range(1, 13):
            previous[(dienst, m)] = 0.93 * b * share[m - 1] * (1 + rng.uniform(-0.003, 0.003))  # last year: lower level
            if m <= 9:
                actual[(dienst, m)] = truth[dienst] * share[m - 1] * (1 + rng.uniform(-0.004, 0.004))
    rows = realisatie("GM0202", YEAR, realisatie_from_rows(rows_of(actual)), profiel=realisatie_from_rows(rows_of(previous)),
                      model=bundle_dir)
    by = {r.dienst: r for r in rows}
    assert [r.dienst for r in rows] == [*plan, "Totaal"]
    d0 = Drempels()
    for dienst, b in plan.items():
        r = by[dienst]
        assert r.perioden == 9 and r.begroot == pytest.approx(b)
        assert abs(r.prognose / truth[dienst] - 1) < 0.005, dienst
        true_v = truth[dienst] - b
        # the class the true deviation earns, where noise cannot move it across a threshold
        margin = 0.01 * abs(true_v)
        if all(abs(abs(true_v) - f * d0.euro) > margin for f in (1, 2)) and all(
                abs(abs(100 * true_v / b) - f * d0.pct) > 0.1 for f in (1, 2)):
            assert r.signaal == signaal(true_v, b, d0), dienst
    total = by["Totaal"]
    assert total.prognose == pytest.approx(sum(r.prognose for r in rows[:-1]))
    assert abs(total.prognose / sum(truth.values()) - 1) < 0.005
    assert {r.signaal for r in rows} >= {"groen", "oranje", "rood"}


def test_linear_projection_is_exact_for_flat_spending() -> None:
    real = realisatie_from_rows(rows_of({("a", m): 1000.0 for m in range(1, 10)}))
    (a, total) = compare({"a": 12000.0}, real)
    assert a.prognose == pytest.approx(12000.0) and a.verschil == pytest.approx(0.0) and a.signaal == "groen"
    assert "lineair (9 van 12" in a.toelichting and total.perioden == 9


@pytest.mark.parametrize("verschil,begroot,expected", [
    (25_000.0, 500_000.0, "oranje"),      # both thresholds exactly reached
    (24_999.99, 499_999.8, "groen"),      # 5% but a cent short of EUR 25,000
    (25_000.0, 500_100.0, "groen"),       # EUR 25,000 but 4.999%
    (-25_000.0, 500_000.0, "oranje"),     # underspending is flagged too
    (50_000.0, 500_000.0, "rood"),        # twice both
    (49_999.0, 400_000.0, "oranje"),      # 12.5% but under EUR 50,000
    (400_000.0, 10_000_000.0, "groen"),   # large post: euros without 5%
    (9_000.0, 20_000.0, "groen"),         # small post: 45% without EUR 25,000
    (60_000.0, 0.0, "rood"),              # no budget: the euro threshold alone
])
def test_signal_needs_both_thresholds(verschil: float, begroot: float, expected: str) -> None:
    assert signaal(verschil, begroot, Drempels()) == expected


def test_thresholds_set_by_the_controller() -> None:
    real = realisatie_from_rows(rows_of({("a", m): 1100.0 for m in range(1, 7)}))
    (a, _) = compare({"a": 12000.0}, real, d=drempels(1000, "5"))  # +1,200 = +10%
    assert a.signaal == "oranje"
    (a, _) = compare({"a": 12000.0}, real, d=drempels(500, 4))
    assert a.signaal == "rood"
    with pytest.raises(WmoError, match="drempel_euro: -1 is outside"):
        drempels(-1, None)
    with pytest.raises(WmoError, match="drempel_pct"):
        drempels(None, "veel")


# ------------------------------------------------------------------ the rules
def test_bookings_are_added_corrections_allowed_unknown_dienst_listed_and_no_realisation_kept() -> None:
    real = realisatie_from_rows([["Dienst", "Periode", "Bedrag"], ["a", 1, 500.0], ["A", 1, 600.0], ["a", 2, -100.0],
                                 ["nieuw", 2, 2000.0]])
    rows = compare({"a": 6000.0, "b": 3000.0}, real)
    assert [r.dienst for r in rows] == ["a", "b", "nieuw", "Totaal"]
    a, b, new, total = rows
    assert a.gerealiseerd == pytest.approx(1000.0) and a.prognose == pytest.approx(6000.0)
    assert (b.gerealiseerd, b.perioden, b.prognose, b.verschil) == (0.0, 0, 3000.0, 0.0)
    assert "geen realisatie" in b.toelichting
    assert new.begroot == 0 and math.isnan(new.verschil_pct) and new.prognose == pytest.approx(12000.0)
    assert "niet op de menukaart" in new.toelichting and "maand 1 zonder boeking" in new.toelichting
    assert total.begroot == 9000.0 and total.prognose == pytest.approx(6000 + 3000 + 12000)
    assert total.gerealiseerd == pytest.approx(3000.0) and "4 regels" in total.toelichting


@pytest.mark.parametrize("row,message", [
    (["a", 13, 1.0], "row 1, column periode: 13 is outside 1-12"),
    (["a", "mrt", 1.0], "row 1, column periode: 'mrt' is not a year: give a month 1-12"),
    (["a", 2.5, 1.0], "column periode: 2.5 is not a whole year"),
    (["a", 3, "1.000"], "column bedrag: '1.000' is not certain"),
    (["a", 3, None], "row 1, column bedrag: is empty"),
    (["", 3, 1.0], "row 1, column dienst: is empty"),
    (["a", 3, True], "column bedrag: TRUE is TRUE/FALSE"),
])
def test_bad_rows_refused_in_one_line(row: list[object], message: str) -> None:
    with pytest.raises(WmoError) as exc:
        realisatie_from_rows([["dienst", "periode", "bedrag"], row])
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_bad_tables_refused() -> None:
    with pytest.raises(WmoError, match="lacks column"):
        realisatie_from_rows([["dienst", "maand", "bedrag"], ["a", 1, 1]])
    with pytest.raises(WmoError, match="has column 'leverancier'"):
        realisatie_from_rows([["dienst", "periode", "bedrag", "leverancier"], ["a", 1, 1, "x"]])
    with pytest.raises(WmoError, match="row 3 comes after the empty row 2"):
        realisatie_from_rows([["dienst", "periode", "bedrag"], ["a", 1, 1], [None, None, None], ["a", 2, 1]])
    with pytest.raises(WmoError, match=r"jaar: 2024 is not the year asked \(2025\)"):
        realisatie_from_rows([["dienst", "periode", "bedrag", "jaar"], ["a", 1, 1, 2024]], jaar=2025)


def test_profile_rules() -> None:
    full = {("a", m): 100.0 * m for m in range(1, 13)}
    with pytest.raises(WmoError, match="lacks periode 12"):
        profiel_from(realisatie_from_rows(rows_of({k: v for k, v in full.items() if k[1] != 12})))
    with pytest.raises(WmoError, match="positive spending"):
        profiel_from(realisatie_from_rows(rows_of({("a", m): 0.0 for m in range(1, 13)})))
    # the dienst Totaal in a profile applies to every dienst without its own
    prof = profiel_from(realisatie_from_rows(rows_of({("Totaal", m): 100.0 * m for m in range(1, 13)})))
    real = realisatie_from_rows(rows_of({("a", m): 10.0 * m for m in range(1, 4)}))
    (a, _) = compare({"a": 780.0}, real, prof)
    assert a.prognose == pytest.approx(780.0) and "profiel vorig jaar (totaal)" in a.toelichting


def test_dutch_csv_cp1252_and_xlsx_read_alike(tmp_path: Path) -> None:
    text = "dienst;periode;bedrag\r\nhbh_zin;1;€ 1.234,56\r\nhbh_zin;2;-34,56\r\nwoonvoorziening é;2;10,00\r\n"
    csv = tmp_path / "r.csv"
    csv.write_bytes(text.encode("cp1252"))
    xlsx = tmp_path / "r.xlsx"
    with pd.ExcelWriter(xlsx) as w:
        pd.DataFrame([["Realisatie 2025", None, None], ["dienst", "periode", "bedrag"], ["hbh_zin", 1, 1234.56],
                      ["hbh_zin", 2, -34.56], ["woonvoorziening é", 2, 10.0]]).to_excel(w, sheet_name="Realisatie", header=False, index=False)
    a, b = load_realisatie(csv), load_realisatie(xlsx)
    assert a.bedragen == pytest.approx(b.bedragen) and a.namen == b.namen
    assert a.bedragen[("hbh_zin", 1)] == pytest.approx(1234.56)


# ------------------------------------------------------------------ command line
def test_cli_csv_columns_and_numbers_equal_the_core(tmp_path: Path, bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = begroting("GM0202", YEAR, model=bundle_dir)
    first = next(iter(plan))
    f = tmp_path / "real.csv"
    f.write_bytes(("dienst;periode;bedrag\n" + "".join(f"{first};{m};{plan[first] / 12 * 1.1:.2f}".replace(".", ",") + "\n"
                                                     for m in range(1, 10)) + "extra;4;30000\n").encode("cp1252"))
    code, out, err = run(["realisatie", "--gemeente", "GM0202", "--jaar", str(YEAR), "--realisatie", str(f),
                          "--model", str(bundle_dir), "--format", "csv"], capsys)
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == COLUMNS
    assert list(df["dienst"]) == [*plan, "extra", "Totaal"]
    core = {r.dienst: r for r in realisatie("GM0202", YEAR, load_realisatie(f), model=bundle_dir)}
    for r in df.itertuples(index=False):
        assert r.prognose == pytest.approx(core[r.dienst].prognose, abs=0.006)
        assert r.signaal == core[r.dienst].signaal
    row = df.set_index("dienst").loc[first]
    assert row.verschil_pct == pytest.approx(10.0, abs=0.01) and row.signaal in ("oranje", "rood")
    assert "extra: niet op de menukaart" in err


def test_cli_scenario_is_the_budget(tmp_path: Path, bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "real.csv"
    f.write_text("dienst,periode,bedrag\nhbh_zin,1,1000\n")
    s = tmp_path / "s.json"
    s.write_text('{"indexatie": 0.10}')
    code, out, err = run(["realisatie", "--gemeente", "GM0202", "--jaar", str(YEAR), "--realisatie", str(f),
                          "--scenario", str(s), "--model", str(bundle_dir), "--format", "csv"], capsys)
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out)).set_index("dienst")["begroot"]
    want = budget("GM0202", [YEAR], scenario=Scenario(indexatie=0.10), model=bundle_dir).set_index("dienst")["scenario"]
    assert got["hbh_zin"] == pytest.approx(want["hbh_zin"], abs=0.006)


@pytest.mark.parametrize("extra,message", [
    (["--format", "json"], "unknown format 'json'"),
    (["--jaar", "2200"], "--jaar 2200 is outside 2000-2100"),
    (["--drempel-pct", "-2"], "drempel_pct: -2"),
])
def test_cli_bad_input_one_line(tmp_path: Path, bundle_dir: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    f = tmp_path / "real.csv"
    f.write_text("dienst,periode,bedrag\nhbh_zin,1,1000\n")
    args = ["realisatie", "--gemeente", "GM0202", "--jaar", str(YEAR), "--realisatie", str(f), "--model", str(bundle_dir)]
    code, out, err = run(args + extra, capsys)
    assert code == 2 and message in err and err.count("\n") == 1


# ------------------------------------------------------------------ euros per wijk
def test_whole_euros_add_up_exactly() -> None:
    assert sum(whole_euros([0.4, 0.4, 0.4, 1.8], 3.0)) == 3
    assert whole_euros([10.5, 20.5], 31.0) in ([11, 20], [10, 21])


def test_per_wijk_adds_up_to_the_budget_total(bundle_dir: Path) -> None:
    years = [2017, 2018, 2020, 2024]  # past years too (2018: a wijk without a CBS value), so a flat-rate card
    flat = Menu(rows=[r.model_copy(update={"indexatie": 0.03}) for r in load_menu().rows])
    table = per_wijk("GM0202", years, flat, model=bundle_dir)
    totals = budget("GM0202", years, flat, model=bundle_dir).groupby("jaar")["basis"].sum()
    for y in years:
        part = table[table["jaar"] == y]
        assert part["euro"].sum() == pytest.approx(totals[y], rel=1e-12)
        assert int(part["euro_afgerond"].sum()) == round(totals[y])
        assert list(part["euro"]) == sorted(part["euro"], reverse=True) or "zonder wijkcijfer" in set(part["naam"])
    # the synthetic 2018 has one wijk without a CBS value: its clients are not spread over the others
    rest = table[(table["jaar"] == 2018) & (table["naam"] == "zonder wijkcijfer")]
    known = table[(table["jaar"] == 2018) & (table["wijk"] != "")]
    assert len(rest) <= 1 and len(known) >= 10


@pytest.mark.skipif(not HAS_NATIONAL, reason="national model bundle not present")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=hs.data())
def test_per_wijk_sums_exactly_for_any_gemeente_and_year(data: hs.DataObject) -> None:
    from wmo_xl.wijken import gemeenten

    codes = sorted(gemeenten())
    g = data.draw(hs.sampled_from(codes))
    years = data.draw(hs.lists(hs.integers(2022, 2028), min_size=1, max_size=3, unique=True))  # the VNG series prices 2022+
    table = per_wijk(g, years)
    totals = budget(g, years).groupby("jaar")["basis"].sum()
    for y in years:
        part = table[table["jaar"] == y]
        assert part["euro"].sum() == pytest.approx(totals[y], rel=1e-9)
        assert int(part["euro_afgerond"].sum()) == round(totals[y])


def test_cli_per_wijk_columns_and_sum(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["budget", "--gemeente", "GM0101", "--years", "2025-2026", "--per-wijk", "--format", "csv",
                          "--model", str(bundle_dir)], capsys)
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert list(df.columns) == ["wijk", "naam", "jaar", "clienten", "euro"]
    totals = budget("GM0101", [2025, 2026], model=bundle_dir).groupby("jaar")["basis"].sum()
    for y, part in df.groupby("jaar"):
        assert part["euro"].sum() == round(totals[y])
    code, _, err = run(["budget", "--gemeente", "GM0101", "--years", "2025", "--per-wijk", "--detail",
                        "--model", str(bundle_dir)], capsys)
    assert code == 2 and "leave out --detail" in err
