"""Menu card validation, cost arithmetic by hand, budgets and scenarios."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wmo_xl.costs import Scenario, budget, cost, cost_views, load_scenario, scenario_cost, summarize
from wmo_xl.errors import WmoError
from wmo_xl.menukaart import COLUMNS, MenuRow, load_category_shares, load_menu, menu_from_rows

HEADER = COLUMNS


def row(**kw: object) -> MenuRow:
    base = dict(dienst="x", omschrijving="", categorie="hbh", leveringsvorm="ZIN", aandeel=1.0, verzilveringsgraad=1.0,
                eenheid="uur", eenheden_per_client_per_jaar=1.0, prijs=1.0, prijsjaar=2023, indexatie=0.0)
    base.update(kw)
    return MenuRow(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("eenheid", "units", "price", "clients", "aandeel", "verz", "expected"),
    [
        ("uur", 90, 32.40, 100, 0.9, 0.9, 100 * 0.9 * 0.9 * 90 * 32.40),  # 236,196.00
        ("dagdeel", 120, 46.15, 40, 0.85, 0.85, 40 * 0.85 * 0.85 * 120 * 46.15),
        ("etmaal", 14, 204.21, 10, 0.5, 1.0, 10 * 0.5 * 14 * 204.21),  # respijtzorg: 14,294.70
        ("maand", 12, 40.0, 200, 0.7, 0.95, 200 * 0.7 * 0.95 * 12 * 40.0),  # 63,840.00
        ("rit", 40, 20.0, 300, 0.8, 0.6, 300 * 0.8 * 0.6 * 40 * 20.0),  # 115,200.00
        ("stuk", 1, 2475.47, 50, 0.3, 1.0, 50 * 0.3 * 2475.47),  # 37,132.05
    ],
)
def test_cost_by_hand_for_every_unit(eenheid, units, price, clients, aandeel, verz, expected) -> None:  # type: ignore[no-untyped-def]
    r = row(eenheid=eenheid, eenheden_per_client_per_jaar=units, prijs=price, aandeel=aandeel, verzilveringsgraad=verz)
    assert cost(r, clients) == pytest.approx(expected)


def test_literal_hand_values() -> None:
    assert cost(row(eenheden_per_client_per_jaar=90, prijs=32.40, aandeel=0.9, verzilveringsgraad=0.9), 100) == pytest.approx(236196.0)
    assert cost(row(eenheid="stuk", prijs=2475.47, aandeel=0.3), 50) == pytest.approx(37132.05)


def test_indexation_over_years() -> None:
    r = row(prijs=100.0, indexatie=0.03, prijsjaar=2023)
    assert cost(r, 1, 2026) == pytest.approx(100 * 1.03**3)
    assert cost(r, 1, 2021) == pytest.approx(100 / 1.03**2)
    assert cost(r, 1) == pytest.approx(100.0)


def test_two_views_agree() -> None:
    r = row(aandeel=0.8, verzilveringsgraad=0.75, eenheden_per_client_per_jaar=50, prijs=30.0)
    v = cost_views(r, 200)
    assert v["clienten_met_beschikking"] == pytest.approx(160)
    assert v["clienten_gerealiseerd"] == pytest.approx(120)
    assert v["kosten_uit_beschikkingen"] == pytest.approx(v["kosten_uit_betalingen"]) == pytest.approx(cost(r, 200)) == pytest.approx(180000)


def test_price_up_10_percent_cost_up_10_percent() -> None:
    menu = load_menu()
    r = menu.get("begeleiding_zin")
    up = r.model_copy(update={"prijs": r.prijs * 1.10})
    assert cost(up, 123, 2025) / cost(r, 123, 2025) == pytest.approx(1.10)


def _rows(**change: object) -> list[list[object]]:
    values = ["hbh_zin", "HbH", "hbh", "ZIN", 0.9, 0.9, "uur", 90, 32.4, 2023, 0.03]
    for k, v in change.items():
        values[HEADER.index(k)] = v
    return [HEADER, values]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prijs": -5}, "row 1 (hbh_zin), column prijs: -5 is negative"),
        ({"prijs": "duur"}, "row 1 (hbh_zin), column prijs: 'duur' is not a number"),
        ({"aandeel": 1.5}, "row 1 (hbh_zin), column aandeel: 1.5 is outside 0-1"),
        ({"verzilveringsgraad": -0.1}, "row 1 (hbh_zin), column verzilveringsgraad"),
        ({"eenheid": "week"}, "row 1 (hbh_zin), column eenheid: 'week' is not one of"),
        ({"leveringsvorm": "cash"}, "row 1 (hbh_zin), column leveringsvorm"),
        ({"prijs": None}, "row 1 (hbh_zin), column prijs: is empty"),
    ],
)
def test_bad_menu_values_name_row_and_column(change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WmoError, match=re.escape(message)):
        menu_from_rows(_rows(**change))


def test_menu_structure_errors() -> None:
    with pytest.raises(WmoError, match="empty"):
        menu_from_rows([])
    with pytest.raises(WmoError, match="lacks column"):
        menu_from_rows([["dienst", "prijs"], ["a", 1]])
    with pytest.raises(WmoError, match="no rows"):
        menu_from_rows([HEADER])
    with pytest.raises(WmoError, match="appears twice"):
        menu_from_rows(_rows() + [_rows()[1]])
    with pytest.raises(WmoError, match="unknown service 'nope'"):
        menu_from_rows(_rows()).get("nope")


def test_dutch_decimal_comma_and_stop_at_empty_row() -> None:
    rows = _rows(prijs="32,40") + [[None] * len(HEADER), ["ignored"] + [None] * 10]
    m = menu_from_rows(rows)
    assert len(m.rows) == 1 and m.rows[0].prijs == pytest.approx(32.40)


@pytest.mark.parametrize("text", ["3.000", "3,000", "\u20ac 3.000", "12.500.000", "1,234.50"])
def test_price_text_with_uncertain_separators_is_refused_not_guessed(text: str) -> None:
    # '3.000' is 3000 to a Dutch controller; reading it as 3.0 would make every total 1000x too low
    with pytest.raises(WmoError, match=r"row 1 \(hbh_zin\), column prijs: .*not certain"):
        menu_from_rows(_rows(prijs=text))


@given(st.integers(min_value=1000, max_value=10**9), st.sampled_from([".", ","]))
def test_grouped_thousands_never_read_as_a_smaller_number(n: int, sep: str) -> None:
    text = f"{n:,}".replace(",", sep)
    try:
        value = menu_from_rows(_rows(prijs=text)).rows[0].prijs
    except WmoError:
        return
    assert value == n


@pytest.mark.parametrize(("text", "value"), [("1.234,50", 1234.5), ("3.000,00", 3000.0), ("32,40", 32.4), ("32.40", 32.4), ("0,045", 0.045)])
def test_certain_dutch_and_plain_notations_are_read(text: str, value: float) -> None:
    assert menu_from_rows(_rows(prijs=text)).rows[0].prijs == pytest.approx(value)


def test_default_menu_covers_required_services_with_sources() -> None:
    m = load_menu()
    df = m.to_frame()
    assert {("hbh", "ZIN"), ("hbh", "PGB"), ("begeleiding", "ZIN"), ("begeleiding", "PGB"), ("dagbesteding", "ZIN"), ("dagbesteding", "PGB")} <= set(zip(df["categorie"], df["leveringsvorm"]))
    assert {"vervoer_eenmalig", "vervoer_bruikleen", "vervoer_collectief", "wonen_genormeerd", "wonen_niet_genormeerd", "wonen_bruikleen", "rolstoel_bruikleen"} <= set(df["dienst"])
    assert (df["bron"].str.len() > 10).all()
    assert set(df["categorie"]) <= set(load_category_shares())


def test_menu_from_csv_and_xlsx(tmp_path: Path) -> None:
    df = load_menu().to_frame()
    df.to_csv(tmp_path / "m.csv", index=False)
    assert load_menu(tmp_path / "m.csv").get("hbh_zin").prijs == pytest.approx(32.40)
    with pd.ExcelWriter(tmp_path / "m.xlsx") as xw:
        pd.DataFrame([["Menukaart gemeente X"]]).to_excel(xw, sheet_name="Menukaart", header=False, index=False)
        df.to_excel(xw, sheet_name="Menukaart", startrow=2, index=False)
    assert load_menu(tmp_path / "m.xlsx").get("wonen_genormeerd").prijs == pytest.approx(2475.47)
    with pytest.raises(WmoError, match="not found"):
        load_menu(tmp_path / "none.csv")


def test_scenario_arithmetic() -> None:
    r = row(categorie="begeleiding", prijs=50.0, eenheden_per_client_per_jaar=10, indexatie=0.03, verzilveringsgraad=0.8)
    base = cost(r, 100, 2026)
    # price indexation 5% instead of 3%
    assert scenario_cost(r, 100, 2026, Scenario(indexatie=0.05)) == pytest.approx(base / 1.03**3 * 1.05**3)
    # verzilveringsgraad 0.8 -> 0.9
    assert scenario_cost(r, 100, 2026, Scenario(verzilveringsgraad=0.9)) == pytest.approx(base * 0.9 / 0.8)
    # 30% of begeleiding by eigen trajecten at half the cost, from 2025: 1 - 0.3 + 0.15 = 0.85
    sub = Scenario(substitutie_aandeel=0.3, substitutie_kostenfactor=0.5, substitutie_vanaf_jaar=2025)
    assert scenario_cost(r, 100, 2026, sub) == pytest.approx(base * 0.85)
    assert scenario_cost(r, 100, 2024, sub) == pytest.approx(cost(r, 100, 2024))
    # HbH +8% clients from 2026 on; begeleiding untouched
    h = row(categorie="hbh", prijs=30.0)
    shift = Scenario(hbh_extra_clienten=0.08, hbh_vanaf_jaar=2026)
    assert scenario_cost(h, 100, 2026, shift) == pytest.approx(cost(h, 108, 2026))
    assert scenario_cost(h, 100, 2025, shift) == pytest.approx(cost(h, 100, 2025))
    assert scenario_cost(r, 100, 2026, shift) == pytest.approx(base)


def test_scenario_file(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"naam": "duurder", "indexatie": 0.05}))
    assert load_scenario(p).indexatie == 0.05
    p.write_text(json.dumps({"indexatie": 2}))
    with pytest.raises(WmoError, match="field indexatie"):
        load_scenario(p)
    p.write_text(json.dumps({"typo": 1}))
    with pytest.raises(WmoError, match="unknown field 'typo': accepted are naam, indexatie, ") as err:
        load_scenario(p)
    assert "Extra inputs" not in str(err.value)


def test_budget_and_summary(active_bundle) -> None:  # type: ignore[no-untyped-def]
    import wmo_xl

    from wmo_xl.menukaart import Menu

    # the shipped card follows the VNG series; a flat 3% card against a 5% scenario is dearer everywhere
    menu = Menu(rows=[r.model_copy(update={"indexatie": 0.03}) for r in load_menu().rows])
    detail = budget("GM0202", [2025, 2026], menu, Scenario(indexatie=0.05))
    assert len(detail) == 2 * len(menu.rows)
    shares = load_category_shares()
    total = wmo_xl.forecast("GM0202", 2026)
    r = detail[(detail["dienst"] == "vervoer_collectief") & (detail["jaar"] == 2026)].iloc[0]
    assert r["clienten"] == pytest.approx(total * shares["vervoer"])
    assert r["basis"] == pytest.approx(cost(menu.get("vervoer_collectief"), total * shares["vervoer"], 2026))
    assert (detail["verschil"] > 0).all()
    s = summarize(detail)
    base = s[s["maat"] == "basis"]
    tot = base[base["niveau"] == "totaal"]["2026"].iloc[0]
    assert tot == pytest.approx(detail[detail["jaar"] == 2026]["basis"].sum())
    subs = base[base["niveau"] == "subtotaal"]["2026"].sum()
    assert subs == pytest.approx(tot)


@pytest.mark.parametrize(("text", "value"), [("0,05", 0.05), ("0.05", 0.05), (" 0,5 ", 0.5)])
def test_scenario_reads_dutch_decimal_text(text: str, value: float) -> None:
    assert Scenario(hbh_extra_clienten=text).hbh_extra_clienten == pytest.approx(value)


@pytest.mark.parametrize("text", ["1.000", "1,000", "2,500.5"])
def test_scenario_refuses_uncertain_number_text(text: str) -> None:
    # '1.000' was read as 1.0 (+100% HbH clients) although a Dutch reader sees 1000
    with pytest.raises(ValueError, match="not certain"):
        Scenario(substitutie_kostenfactor=text)
