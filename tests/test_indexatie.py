"""The VNG indexation series and the eigen-bijdrage switch in the core and the CLI (issue 19 sections 1-2)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clirun import run
from wmo_xl.costs import Scenario, budget, cost, scenario_cost, scenario_from_rows
from wmo_xl.eigen_bijdrage import ABONNEMENTSTARIEF_JUMP, EFFECTS, ivb_preset, preset_names
from wmo_xl.errors import WmoError
from wmo_xl.indexatie import load_series, series_from_rows
from wmo_xl.menukaart import COLUMNS, Menu, MenuRow, load_menu, menu_from_rows

SERIES_FILE = Path(__file__).resolve().parents[1] / "wmo_xl" / "data" / "indexatie.csv"


def file_rates() -> dict[int, tuple[float, float, float, str]]:
    """The series file read with the csv module alone: year -> (ova, pcc, gewogen, status)."""
    with SERIES_FILE.open(encoding="utf-8") as fh:
        return {int(r["jaar"]): (float(r["ova"]), float(r["pcc"]), float(r["gewogen"]), r["status"]) for r in csv.DictReader(fh)}


def row(**kw: object) -> MenuRow:
    base = dict(dienst="x", omschrijving="", categorie="hbh", leveringsvorm="ZIN", aandeel=1.0, verzilveringsgraad=1.0,
                eenheid="uur", eenheden_per_client_per_jaar=1.0, prijs=100.0, prijsjaar=2023, indexatie="vng")
    base.update(kw)
    return MenuRow(**base)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ the series file
def test_series_file_holds_the_issue_figures_and_weights() -> None:
    rates = file_rates()
    assert rates[2023][:2] == (0.0636, 0.0702) and rates[2023][3] == "definitief"
    assert rates[2024][:2] == (0.06, 0.031) and rates[2024][3] == "definitief"
    assert rates[2025][:2] == (0.0418, 0.0182) and rates[2025][3] == "voorlopig"
    assert rates[2025][2] == pytest.approx(0.03944, abs=1e-9)  # VNG's own weighted 2025 figure
    for y, (ova, pcc, g, status) in rates.items():
        assert g == pytest.approx(0.9 * ova + 0.1 * pcc, abs=5e-7), y
        assert status in ("definitief", "voorlopig", "aanname")
    years = sorted(rates)
    assert years == list(range(2023, years[-1] + 1)) and years[-1] >= 2035  # past T+4 of any budget made before 2031
    assert all(rates[y][3] == "aanname" for y in years if y > 2025)


def test_shipped_menukaart_uses_vng() -> None:
    assert {r.indexatie for r in load_menu().rows} == {"vng"}


@given(st.integers(2022, 2035), st.integers(2022, 2035))
def test_cumulative_level_is_the_product_of_the_file_rates(prijsjaar: int, year: int) -> None:
    rates = file_rates()
    lo, hi = sorted((prijsjaar, year))
    product = math.prod(1 + rates[y][2] for y in range(lo + 1, hi + 1))
    want = product if year >= prijsjaar else 1 / product
    assert load_series().level(prijsjaar, year) == pytest.approx(want, rel=1e-12)
    # the row's cost follows the same level; back and forth is 1
    assert cost(row(prijsjaar=prijsjaar), 10, year) == pytest.approx(10 * 100 * want, rel=1e-12)
    assert load_series().level(prijsjaar, year) * load_series().level(year, prijsjaar) == pytest.approx(1.0)


def test_vng_corrections_make_the_level_equal_to_the_final_figures() -> None:
    """2023-2025 as a provider was paid (provisional, then the correction) ends near the final level."""
    s = load_series()
    # VNG's "indexatie aanbieder": 2023 provisional 4.75%; 2024 4.70% + 1.60% correction; 2025 3.944% + 1.013%
    paid = 1.0475 * 1.0630 * 1.0496
    assert s.level(2022, 2025) == pytest.approx(1.06426 * 1.0571 * 1.03944)
    assert s.level(2022, 2025) == pytest.approx(paid, rel=2e-3)  # additive corrections vs the product: within 0.2%


@pytest.mark.parametrize(("prijsjaar", "year", "bad"), [(2023, 2036, "year 2036"), (2021, 2027, "prijsjaar 2021"),
                                                         (2023, 2020, "year 2020")])
def test_a_year_outside_the_series_is_refused_in_one_line(prijsjaar: int, year: int, bad: str) -> None:
    with pytest.raises(WmoError) as exc:
        cost(row(prijsjaar=prijsjaar), 10, year)
    msg = str(exc.value)
    assert bad in msg and "2023-2035" in msg and "\n" not in msg


def test_flat_rate_and_vng_side_by_side() -> None:
    flat, vng = row(indexatie=0.03), row()
    assert cost(flat, 1, 2027) == pytest.approx(100 * 1.03**4)
    assert cost(vng, 1, 2027) == pytest.approx(100 * 1.0571 * 1.03944 * 1.03944 * 1.03944)
    assert cost(vng, 1, 2023) == cost(flat, 1, 2023) == pytest.approx(100)
    # the scenario's flat rate replaces vng; an own series replaces the shipped one
    assert scenario_cost(vng, 1, 2027, Scenario(indexatie=0.03)) == pytest.approx(cost(flat, 1, 2027))
    own = series_from_rows([["jaar", "gewogen"], *[[y, 0.02] for y in range(2023, 2031)]], "eigen")
    assert cost(vng, 1, 2027, own) == pytest.approx(100 * 1.02**4)


@pytest.mark.parametrize(("value", "want"), [("vng", "vng"), (" VNG ", "vng"), ("3%", 0.03), ("0,03", 0.03), (0.025, 0.025)])
def test_menukaart_indexatie_is_a_rate_or_vng(value: object, want: object) -> None:
    menu = menu_from_rows([COLUMNS, ["a", "", "hbh", "ZIN", 1, 1, "uur", 1, 1, 2023, value]])
    assert menu.rows[0].indexatie == want


@pytest.mark.parametrize(("value", "message"), [("cpi", "neither a yearly rate nor vng"), (0.7, "outside -0.5 to 0.5"),
                                                (None, "is empty")])
def test_menukaart_indexatie_refuses_the_rest(value: object, message: str) -> None:
    with pytest.raises(WmoError, match=message):
        menu_from_rows([COLUMNS, ["a", "", "hbh", "ZIN", 1, 1, "uur", 1, 1, 2023, value]])


@pytest.mark.parametrize(("rows", "message"), [
    ([["jaar", "gewogen"], [2023, 0.05], [2025, 0.04]], "follows 2023"),
    ([["jaar", "gewogen"], [2023, 0.05], [2023, 0.04]], "follows 2023"),
    ([["jaar", "gewogen"], [2023, None]], "gewogen: is empty"),
    ([["jaar", "gewogen"], [2023, "hoog"]], "not a number"),
    ([["jaar", "gewogen"], [2023, 0.05], [None, None], [2024, 0.04]], "after the empty row"),
    ([["jaar", "ova"], [2023, 0.05]], "lacks column"),
])
def test_a_bad_series_is_refused(rows: list[list[object]], message: str) -> None:
    with pytest.raises(WmoError, match=message):
        series_from_rows(rows, "Indexatie")


def test_series_file_checks_its_weights(tmp_path: Path) -> None:
    p = tmp_path / "idx.csv"
    p.write_text("jaar;ova;pcc;gewogen;status;bron\n2023;6,36%;7,02%;5,00%;definitief;x\n", encoding="utf-8")
    with pytest.raises(WmoError, match="is not 0.9 x ova"):
        load_series(p)
    p.write_text("jaar;ova;pcc;gewogen;status;bron\n2023;6,36%;7,02%;6,426%;geraden;x\n", encoding="utf-8")
    with pytest.raises(WmoError, match="status"):
        load_series(p)


# -------------------------------------------------------------------- eigen bijdrage
def test_ivb_changes_hbh_only_from_its_start_year() -> None:
    sc = Scenario(eigen_bijdrage="ivb", eigen_bijdrage_vanaf=2028, hbh_effect_ivb=-0.1)
    h, b = row(indexatie=0.0), row(categorie="begeleiding", indexatie=0.0)
    assert scenario_cost(h, 100, 2027, sc) == pytest.approx(cost(h, 100, 2027))
    assert scenario_cost(h, 100, 2028, sc) == pytest.approx(cost(h, 90, 2028))
    assert scenario_cost(h, 100, 2030, sc) == pytest.approx(cost(h, 90, 2030))
    assert scenario_cost(b, 100, 2030, sc) == pytest.approx(cost(b, 100, 2030))
    # the default (abonnementstarief) has no effect, whatever effect is typed
    quiet = Scenario(hbh_effect_ivb=-0.1, eigen_bijdrage_vanaf=2027)
    assert scenario_cost(h, 100, 2030, quiet) == pytest.approx(cost(h, 100, 2030))


def test_preset_effects_follow_from_the_2019_jump() -> None:
    assert ABONNEMENTSTARIEF_JUMP == pytest.approx((510_000 - 390_000) / 390_000, abs=0.01)
    for variant, part in (("laag", 0.25), ("centraal", 0.5), ("hoog", 1.0)):
        assert EFFECTS[variant] == pytest.approx(1 / (1 + part * 0.30) - 1, abs=5e-4)
    assert EFFECTS["laag"] > EFFECTS["centraal"] > EFFECTS["hoog"] > -0.25
    sc = ivb_preset("ivb-centraal")
    assert (sc.eigen_bijdrage, sc.eigen_bijdrage_vanaf, sc.hbh_effect_ivb) == ("ivb", 2027, EFFECTS["centraal"])
    assert sc.client_factor("hbh", 2026) == 1.0 and sc.client_factor("hbh", 2027) == pytest.approx(1 + EFFECTS["centraal"])
    assert preset_names() == ["ivb-laag", "ivb-centraal", "ivb-hoog"]
    with pytest.raises(WmoError, match="accepted are ivb-laag"):
        ivb_preset("ivb-extreem")


@pytest.mark.parametrize(("rows", "message"), [
    ([["eigen_bijdrage", "ivb"], ["hbh_effect_ivb", -0.1]], "needs eigen_bijdrage_vanaf"),
    ([["eigen_bijdrage", "ivb"], ["eigen_bijdrage_vanaf", 2027], ["hbh_effect_ivb", -0.1], ["hbh_extra_clienten", 0.05]],
     "both change HbH clients"),
    ([["eigen_bijdrage", "inkomen"]], "not one of"),
    ([["hbh_effect_ivb", "-150%"]], "below -1"),
])
def test_eigen_bijdrage_refusals(rows: list[list[object]], message: str) -> None:
    with pytest.raises(WmoError, match=message) as exc:
        scenario_from_rows(rows)
    assert "\n" not in str(exc.value)


def test_cli_preset_notes_the_effect_and_the_index_used(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["budget", "--gemeente", "GM0202", "--years", "2026-2028", "--model", str(bundle_dir),
                          "--preset", "ivb-hoog", "--format", "csv"], capsys)
    assert code == 0, err
    assert "ivb from 2027" in err and "2027, 2028" in err
    assert "2026 3.944% (aanname)" in err and "2028 3.944% (aanname)" in err
    menu = load_menu()
    detail = budget("GM0202", [2026, 2027], menu, ivb_preset("hoog"), model=bundle_dir)
    hbh = detail[detail["categorie"] == "hbh"].set_index("jaar")
    assert (hbh.loc[2026, "verschil"] == 0).all()
    assert (hbh.loc[2027, "scenario"] / hbh.loc[2027, "basis"]).to_numpy() == pytest.approx(1 + EFFECTS["hoog"])


def test_cli_refuses_double_counting_and_two_scenarios(bundle_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = tmp_path / "s.json"
    scen.write_text(json.dumps({"eigen_bijdrage": "ivb", "eigen_bijdrage_vanaf": 2027, "hbh_effect_ivb": -0.1,
                                "hbh_extra_clienten": 0.08}))
    code, _, err = run(["budget", "--gemeente", "GM0202", "--years", "2027", "--model", str(bundle_dir), "--scenario", str(scen)], capsys)
    assert code == 2 and "both change HbH clients" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["budget", "--gemeente", "GM0202", "--years", "2027", "--model", str(bundle_dir), "--scenario", str(scen),
                        "--preset", "ivb-laag"], capsys)
    assert code == 2 and "not both" in err


def test_cli_own_series_moves_the_vng_rows(bundle_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = tmp_path / "idx.csv"
    lines = ["jaar;ova;pcc;gewogen;status;bron"] + [f"{y};2,00%;2,00%;2,00%;aanname;test" for y in range(2023, 2029)]
    own.write_text("\n".join(lines), encoding="utf-8")
    args = ["budget", "--gemeente", "GM0202", "--years", "2027", "--model", str(bundle_dir), "--format", "csv", "--detail"]
    code, shipped, err = run(args, capsys)
    assert code == 0, err
    code, mine, err = run(args + ["--indexatie", str(own)], capsys)
    assert code == 0 and "idx.csv" in err, err
    import io

    import pandas as pd

    a, b = pd.read_csv(io.StringIO(shipped)), pd.read_csv(io.StringIO(mine))
    menu = load_menu()
    want = [1.02 ** (2027 - menu.get(d).prijsjaar) / load_series().level(menu.get(d).prijsjaar, 2027) for d in a["dienst"]]
    assert (b["basis"] / a["basis"]).to_numpy() == pytest.approx(want)


def test_export_refuses_years_the_series_cannot_price(bundle_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["export-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--years", "2016-2020",
                        "--out", str(tmp_path / "x.xlsx")], capsys)
    assert code == 2 and "before 2022" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.xlsx").exists()
