"""CBS refresh end to end against a local fake of the OData v3 service (no internet).

The real ``cbsodata`` client talks to :mod:`fake_cbs` over HTTP on 127.0.0.1: catalogue,
service documents, DataProperties, dimension lists and paged data sets with the real shapes
(padded keys, per-year topic suffixes, Amsterdam letter codes, suppressed counts, a year in
both methods). Then update-data -> train -> forecast through the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import cbsodata
import numpy as np
import pandas as pd
import pytest
from fake_cbs import GEMEENTEN, IDS, FakeCbs, untyped
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from wmo_xl.cbs import parse
from wmo_xl.cbs.catalog import kind_of, select_tables
from wmo_xl.cbs.fetch import cbs_endpoint, resolve_url
from wmo_xl.cbs.link import LINK_FILE, apply_link, link_dirs
from wmo_xl.cbs.update import FINANCING_FILE, NAMES_FILE, SOURCES_FILE, carry_forward, update_data
from wmo_xl.cli import app
from wmo_xl.data import TYPE_FILE, category_of, load_dir
from wmo_xl.errors import WmoError


@pytest.fixture(scope="module")
def fake() -> FakeCbs:
    with FakeCbs(page_size=25) as f:
        yield f


@pytest.fixture(scope="module")
def updated(fake: FakeCbs, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("upd")
    summary = update_data(root / "data", url=fake.url, cache_dir=root / "cache")
    return root, summary


# ------------------------------------------------------------------ catalogue
REAL_TITLES = [  # from ../shared/data/cbs/odata/cbs_table_ids.csv
    ("Wmo-cliënten; type maatwerkvoorziening, wijken 2019", ("wmo_type", 2019)),
    ("Wmo-cliënten; type maatwerkvoorziening, wijken, 2021", ("wmo_type", 2021)),
    ("Wmo-cliënten; type maatwerkvoorziening, regio, wijken, 2023", ("wmo_type", 2023)),
    ("Wmo-cliënten; financieringsvorm, (regio,) wijken, 2019", ("wmo_financiering", 2019)),
    ("Wmo-cliënten; financieringsvorm, regio, wijken, 2021", ("wmo_financiering", 2021)),
    ("Kerncijfers wijken en buurten 2024", ("kwb", 2024)),
    ("Wmo-cliënten; type maatwerkvoorziening (detail), regio, 2019-2023", None),
    ("Wmo-cliënten; type maatwerkvoorziening (detail), regio", None),
    ("Wmo-gebruik; aantal maatwerkvoorzieningen, regio (2015-2023)", None),
    ("Regionale prognose 2020-2050; bevolking, regio-indeling 2018", None),
    ("Kerncijfers wijken en buurten; gemeenten 2020, vergelijking", None),
]


@pytest.mark.parametrize("title,expected", REAL_TITLES)
def test_titles_are_matched_on_words_and_year(title: str, expected: tuple[str, int] | None) -> None:
    assert kind_of(title) == expected


@given(year=st.integers(2019, 2040), comma=st.booleans(), regio=st.booleans(), accent=st.booleans())
def test_title_variants_find_the_same_table(year: int, comma: bool, regio: bool, accent: bool) -> None:
    title = f"Wmo-cli{'ë' if accent else 'e'}nten; type maatwerkvoorziening, {'regio, ' if regio else ''}wijken{',' if comma else ''} {year}"
    assert kind_of(title) == ("wmo_type", year)


def test_two_methods_of_one_year_are_told_apart() -> None:
    entries = [
        {"Identifier": "85377NED", "Title": "Wmo-cliënten; type maatwerkvoorziening, wijken 2022", "Modified": "2023-06-30", "OutputStatus": "Gediscontinueerd"},
        {"Identifier": "86189NED", "Title": "Wmo-cliënten; type maatwerkvoorziening, wijken 2022", "Modified": "2024-12-02", "OutputStatus": "Regulier"},
        {"Identifier": "85639NED", "Title": "Wmo-cliënten; type maatwerkvoorziening, regio, wijken, 2023", "Modified": "2024-07-01"},
        {"Identifier": "85995NED", "Title": "Wmo-cliënten; financieringsvorm, wijken, 2024", "Modified": "2025-06-01"},
        {"Identifier": "86177NED", "Title": "Wmo-cliënten; financieringsvorm, wijken, 2018", "Modified": "2024-12-02"},
    ]
    refs = {r.identifier: r.method for r in select_tables(entries)}
    assert refs == {"86189NED": "2024", "85377NED": "origineel", "85639NED": "origineel", "85995NED": "2024"}
    assert [r.identifier for r in select_tables(entries, [2024])] == ["85995NED"]


# ------------------------------------------------------------------ parsing
def _wmo_resources(fake: FakeCbs, tid: str, typed: bool = True) -> dict:
    res = dict(fake.tables[tid])
    if not typed:
        res["UntypedDataSet"] = untyped(res.pop("TypedDataSet"))
    return res


@pytest.mark.parametrize("typed", [True, False])
def test_wmo_rows_codes_categories_and_suppression(fake: FakeCbs, typed: bool) -> None:
    """Typed (null) and untyped ('.' right-aligned strings) give the same rows."""
    rows = parse.wmo_type_rows(_wmo_resources(fake, IDS[("wmo_type", 2023, "2024")], typed), 2023)
    assert set(rows["category"]) == {"totaal", "hbh", "ondersteuning_thuis", "hulpmiddelen", "verblijf"}  # 'Totaal excl.' dropped
    assert rows["wijk"].str.len().eq(8).all() and not rows["wijk"].str.startswith("GM").any()
    assert {"WK0363AA", "WK051801"} <= set(rows["wijk"])  # letter codes kept, padding stripped
    for r in rows.itertuples():
        want = fake.truth.clients[(r.wijk, 2023, r.category)]
        assert (np.isnan(r.clients) and want is None) or r.clients == want
    assert rows["clients"].isna().any()  # suppressed is missing, not 0
    assert not (rows["clients"] == 0).any()
    assert rows.loc[rows["wijk"] == "WK051801", "wijknaam"].iloc[0] == fake.truth.names["WK051801"]


@pytest.mark.parametrize("title,expected", [
    ("Totaal", "totaal"), ("Hulp bij het huishouden (HbH)", "hbh"), ("Ondersteuning thuis", "ondersteuning_thuis"),
    ("Hulpmiddelen en diensten", "hulpmiddelen"), ("Verblijf en opvang", "verblijf"),
    ("Totaal excl. verblijf en opvang", None), ("Overig", None), ("Totaal exclusief verblijf", None), ("", None),
])
def test_type_titles_for_unknown_keys(title: str, expected: str | None) -> None:
    assert parse._category_of("X999999", title) == expected


def test_a_type_table_without_totaal_is_refused(fake: FakeCbs) -> None:
    res = _wmo_resources(fake, IDS[("wmo_type", 2023, "2024")])
    res["TypedDataSet"] = [r for r in res["TypedDataSet"] if r["TypeMaatwerkvoorziening"] != "T001024"]
    with pytest.raises(ValueError, match="no 'Totaal' type"):
        parse.wmo_type_rows(res, 2023)


def test_codes_come_from_topic_or_key_never_a_title(fake: FakeCbs) -> None:
    res = _wmo_resources(fake, IDS[("wmo_type", 2022, "2024")])
    # what cbsodata.get_data would do: dimension keys replaced by their titles
    titles = {r["Key"]: r["Title"] for r in res["Wijken"]}
    res["TypedDataSet"] = [{**r, "Wijken": titles[r["Wijken"]]} for r in res["TypedDataSet"]]
    rows = parse.wmo_type_rows(res, 2022)
    assert rows["wijk"].str.match(r"^WK\d{4}[0-9A-Z]{2}$").all() and len(rows) == 15 * 5
    # and without the Codering topic, the raw key serves
    bare = _wmo_resources(fake, IDS[("wmo_type", 2022, "2024")])
    bare["TypedDataSet"] = [{k: v for k, v in r.items() if k != "Codering_3"} for r in bare["TypedDataSet"]]
    assert set(parse.wmo_type_rows(bare, 2022)["wijk"]) == set(rows["wijk"])


@given(suffix=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
       gemeente=st.integers(1, 9999), lower=st.booleans(), topic=st.booleans())
def test_any_two_character_wijk_suffix_is_a_code(suffix: str, gemeente: int, lower: bool, topic: bool) -> None:
    code = f"WK{gemeente:04d}{suffix}"
    typed = code.lower() if lower else code
    frame = pd.DataFrame({"Wijken": [typed.ljust(10), "GM0363    ", "Wijk 01 Centrum"]})
    if topic:
        frame["Codering_3"] = [typed.ljust(10), "GM0363    ", "  "]
    assert list(parse.region_codes(frame, "Wijken")) == [code, "GM0363", ""]


def test_kwb_topic_suffixes_matched_on_stems(fake: FakeCbs) -> None:
    for year in (2022, 2023, 2024):  # WmoClienten_89 / _98 / _93 and other shifted suffixes
        rows = parse.kwb_rows(fake.tables[IDS[("kwb", year, "")]], year)
        assert len(rows) == 15  # buurten and gemeenten left out
        for r in rows.itertuples():
            assert r.inhabitants == fake.truth.inhabitants[(r.wijk, year)]
        assert rows["age_65plus"].notna().all() and rows["density"].notna().all()


def test_missing_feature_of_a_year_is_carried_forward(fake: FakeCbs) -> None:
    kwb = pd.concat([parse.kwb_rows(fake.tables[IDS[("kwb", y, "")]], y) for y in (2022, 2023, 2024)])
    assert kwb.loc[kwb["year"] == 2024, "income_per_inhabitant"].isna().all()
    filled, carried = carry_forward(kwb)
    assert "income_per_inhabitant" in carried[2024]
    w = filled[filled["wijk"] == "WK051802"].set_index("year")
    assert w.loc[2024, "income_per_inhabitant"] == w.loc[2023, "income_per_inhabitant"]
    assert filled["inhabitants"].equals(kwb.sort_values(["wijk", "year"])["inhabitants"].reset_index(drop=True))


def test_financing_shares(fake: FakeCbs) -> None:
    fin = parse.financing_rows(fake.tables[IDS[("wmo_financiering", 2024, "")]], 2024)
    assert set(fin["gemeente"]) == set(GEMEENTEN)
    assert fin["aandeel_zin"].between(0.85, 0.91).all() and fin["aandeel_pgb"].between(0.08, 0.12).all()


# ------------------------------------------------------------------ URL
def test_cbs_url_from_argument_env_or_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WMO_XL_CBS_URL", raising=False)
    assert resolve_url(None) == "https://opendata.cbs.nl"
    monkeypatch.setenv("WMO_XL_CBS_URL", "http://mirror.local:8080/cbs/")
    assert resolve_url(None) == "http://mirror.local:8080/cbs"
    assert resolve_url("http://127.0.0.1:9") == "http://127.0.0.1:9"
    for bad in ("ftp://x", "opendata.cbs.nl", "http://", "http://h/?q=1"):
        with pytest.raises(WmoError, match="CBS URL"):
            resolve_url(bad)


def test_endpoint_restores_cbsodata_options() -> None:
    before = cbsodata.options.use_https
    with cbs_endpoint("http://127.0.0.1:1") as host:
        assert host == "127.0.0.1:1" and cbsodata.options.use_https is False
    assert cbsodata.options.use_https == before


# ------------------------------------------------------------------ update-data
def test_update_writes_the_training_folder(fake: FakeCbs, updated: tuple[Path, object]) -> None:
    root, summary = updated
    out = root / "data"
    assert {p.name for p in out.iterdir()} == {TYPE_FILE, NAMES_FILE, LINK_FILE, FINANCING_FILE, SOURCES_FILE}
    assert summary.years == [2021, 2022, 2023, 2024]
    assert summary.categories == ["hbh", "hulpmiddelen", "ondersteuning_thuis", "totaal"]  # verblijf: all suppressed
    assert summary.wijken[(2024, "totaal")] == 15
    df = load_dir(out)
    assert set(df["category"]) == {"totaal", "hbh", "ondersteuning_thuis", "hulpmiddelen", "verblijf"}
    obs = df.set_index(["wijk", "year", "category"])["clients"]
    for key, want in fake.truth.clients.items():
        if want is None:
            assert np.isnan(obs[key])
        else:
            assert obs[key] == want  # improved-method counts as CBS published them
    assert "WK0363AA" in set(df["wijk"]) and df["inhabitants"].notna().all()
    sources = json.loads((out / SOURCES_FILE).read_text(encoding="utf-8"))
    used = {t["id"]: t["use"] for t in sources["tables"]}
    assert used["85377NED"] == "link" and used["86189NED"] == "data" and "85047NED" not in used and "84839NED" not in used
    names = pd.read_csv(out / NAMES_FILE)
    assert dict(zip(names["codering_regio"], names["wijknaam"]))["WK0363AA"] == fake.truth.names["WK0363AA"]
    # the data sets were paged: cbsodata followed odata.nextLink
    assert any("$skip=" in r for r in fake.requests)


def test_link_factors_recover_the_method_change(fake: FakeCbs, updated: tuple[Path, object]) -> None:
    link = pd.read_csv(updated[0] / "data" / LINK_FILE)
    tot = link[link["categorie"] == "totaal"].set_index("gemeente")["factor"]
    for g, (*_rest, factor) in GEMEENTEN.items():
        assert tot[g] == pytest.approx(factor, abs=0.02)
    assert min(f[-1] for f in GEMEENTEN.values()) <= tot["NL"] <= max(f[-1] for f in GEMEENTEN.values())


def test_older_folders_are_linked_before_the_new_series(updated: tuple[Path, object], tmp_path: Path) -> None:
    from conftest import make_cbs_frame, write_data_dir

    old_dir = write_data_dir(tmp_path / "old", make_cbs_frame(years=[2019, 2020]))
    new_dir = updated[0] / "data"
    old, new = load_dir(old_dir), load_dir(new_dir)
    linked_old, linked_new = link_dirs([old_dir, new_dir], [old, new])
    nat = pd.read_csv(new_dir / LINK_FILE).set_index(["categorie", "gemeente"]).loc[("totaal", "NL"), "factor"]
    ratio = (linked_old["clients"] / old["clients"]).dropna()
    assert np.allclose(ratio, nat)  # gemeenten without a factor of their own: the national one
    assert linked_new.equals(new)
    # a gemeente with its own factor uses it
    probe = pd.DataFrame({"wijk": ["WK051801"], "gemeente": ["GM0518"], "category": ["totaal"], "clients": [100.0], "clients_per_1000": [50.0]})
    own = pd.read_csv(new_dir / LINK_FILE).set_index(["categorie", "gemeente"]).loc[("totaal", "GM0518"), "factor"]
    assert apply_link(probe, pd.read_csv(new_dir / LINK_FILE))["clients"].iloc[0] == pytest.approx(100 * own)


def test_a_refused_filter_falls_back_to_the_whole_table(tmp_path: Path) -> None:
    with FakeCbs(filters=False) as strict:
        s = update_data(tmp_path / "d", [2024], url=strict.url, cache_dir=tmp_path / "c")
        assert any("substringof" in r for r in strict.requests)  # asked for wijk rows first
    assert s.wijken[(2024, "totaal")] == 15
    kwb = pd.read_csv(tmp_path / "d" / TYPE_FILE)
    assert kwb["aantalinwoners"].notna().all() and kwb["codering_regio"].str.startswith("WK").all()


def test_a_year_without_kwb_borrows_the_nearest(tmp_path: Path) -> None:
    from fake_cbs import synthetic_cbs

    catalog, tables, truth = synthetic_cbs()
    no_2023 = [c for c in catalog if c["Identifier"] != IDS[("kwb", 2023, "")]]
    with FakeCbs(no_2023, tables) as f:
        update_data(tmp_path / "d", [2023, 2024], url=f.url, cache_dir=tmp_path / "c")
    df = load_dir(tmp_path / "d")
    assert df["inhabitants"].notna().all()
    w = df[(df["wijk"] == "WK051801") & (df["category"] == "totaal")].set_index("year")["inhabitants"]
    assert w[2023] == w[2024] == truth.inhabitants[("WK051801", 2024)]  # KWB 2024 lent to 2023
    sources = json.loads((tmp_path / "d" / SOURCES_FILE).read_text(encoding="utf-8"))
    assert sources["kwb_year_used_for"] == {"2023": 2024}
    no_kwb = [c for c in catalog if not c["Title"].startswith("Kerncijfers")]
    with FakeCbs(no_kwb, tables) as f, pytest.raises(WmoError, match="no 'Kerncijfers wijken en buurten' table"):
        update_data(tmp_path / "e", url=f.url, cache_dir=tmp_path / "c")


def test_older_years_are_linked_for_fitting_but_shown_as_published(updated: tuple[Path, object], tmp_path: Path) -> None:
    """Training on an older folder (original method) and a fetched one: the fit sees linked
    counts, an observed year still returns the CBS figure exactly."""
    import shutil

    from conftest import make_cbs_frame, write_data_dir

    from wmo_xl.forecast import forecast_table
    from wmo_xl.train import train

    old = make_cbs_frame(years=[2019, 2020], n_wijk=4)
    old_dir = write_data_dir(tmp_path / "old", old)
    new_dir = tmp_path / "new"
    shutil.copytree(updated[0] / "data", new_dir)
    factor = pd.read_csv(new_dir / LINK_FILE).set_index(["categorie", "gemeente"]).loc[("totaal", "NL"), "factor"]
    train([old_dir, new_dir], tmp_path / "linked", run_backtests=False)
    (new_dir / LINK_FILE).unlink()
    train([old_dir, new_dir], tmp_path / "plain", run_backtests=False)
    wijk = "WK010103"
    published = float(old.loc[(old["codering_regio"] == wijk) & (old["perioden"] == 2020), "wmoclienten"].iloc[0])
    linked = forecast_table([wijk], [2020, 2025], model=tmp_path / "linked").set_index("year")["clients"]
    plain = forecast_table([wijk], [2020, 2025], model=tmp_path / "plain").set_index("year")["clients"]
    assert linked[2020] == plain[2020] == published  # the observation, exactly
    assert linked[2025] / plain[2025] == pytest.approx(factor, rel=0.03)  # the forecast starts from the linked level


def test_second_run_uses_the_cache(fake: FakeCbs, updated: tuple[Path, object]) -> None:
    root, first = updated
    before = len(fake.requests)
    again = update_data(root / "data2", url=fake.url, cache_dir=root / "cache")
    assert again.cached == len(again.tables) and again.fetched == 0
    assert len(fake.requests) - before == 1  # the catalogue only
    assert (root / "data2" / TYPE_FILE).read_bytes() == (root / "data" / TYPE_FILE).read_bytes()


def test_years_on_request_and_unknown_years(fake: FakeCbs, tmp_path: Path) -> None:
    update_data(tmp_path / "d", url=fake.url, cache_dir=tmp_path / "c")
    assert (tmp_path / "d" / LINK_FILE).is_file()
    (tmp_path / "d" / "mine.csv").write_text("x\n1\n", encoding="utf-8")
    s = update_data(tmp_path / "d", [2023, 2024], url=fake.url, cache_dir=tmp_path / "c")
    assert s.years == [2023, 2024] and "85377NED" not in {t.identifier for t in s.tables}  # no link year inside
    assert not (tmp_path / "d" / LINK_FILE).exists()  # the earlier run's factors do not fit these data
    assert (tmp_path / "d" / "mine.csv").read_text(encoding="utf-8") == "x\n1\n"  # nothing else is touched
    assert set(pd.read_csv(tmp_path / "d" / TYPE_FILE)["perioden"]) == {2023, 2024}
    with pytest.raises(WmoError, match=r"no per-wijk Wmo table for 2020 .* on offer are 2021, 2022, 2023, 2024"):
        update_data(tmp_path / "d", [2020, 2021], url=fake.url, cache_dir=tmp_path / "c")


def test_unreachable_service_is_one_line(tmp_path: Path) -> None:
    with FakeCbs() as f:
        url = f.url
    with pytest.raises(WmoError, match="could not read the CBS catalogue at http://127.0.0.1"):
        update_data(tmp_path / "d", url=url, cache_dir=tmp_path / "c")
    assert not (tmp_path / "d").exists()


def test_category_aliases() -> None:
    assert category_of("Hulpmiddelen en diensten") == "hulpmiddelen"
    assert category_of("ondersteuning thuis") == "ondersteuning_thuis"
    with pytest.raises(WmoError, match="accepted are totaal, hbh, ondersteuning_thuis, hulpmiddelen, verblijf"):
        category_of("begeleiding")


# ------------------------------------------------------------------ end to end (CLI)
def test_update_train_forecast_end_to_end(fake: FakeCbs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setenv("WMO_XL_CBS_URL", fake.url)
    data, model = tmp_path / "data", tmp_path / "model"
    r = runner.invoke(app, ["update-data", "--out", str(data), "--cache", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    assert "11 CBS tables" in r.output and "method break linked through 2022" in r.output
    r = runner.invoke(app, ["train", "--data", str(data), "--out", str(model)])
    assert r.exit_code == 0, r.output
    assert "backtest 2023->2024" in r.output and "backtest 2022->2024" in r.output  # the newest years are scored
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["training_years"]) == ["hbh", "hulpmiddelen", "ondersteuning_thuis", "totaal"]
    assert "verblijf" in manifest["categories_skipped"]
    assert manifest["data_provenance"]["online"][0]["url"] == fake.url
    from wmo_xl.wijken import wijk_name, wijk_names

    names = wijk_names(model)
    assert names["WK0363AB"] == fake.truth.names["WK0363AB"] and wijk_name(" wk051801", model) == fake.truth.names["WK051801"]
    assert set(names) <= {w for w in fake.truth.names}
    from wmo_xl.bundle import set_active_model
    from wmo_xl.excel import udfs

    set_active_model(model)
    try:  # WMO_WIJKEN: name beside code
        assert udfs.wmo_wijken("GM0363") == [[w, fake.truth.names[w]] for w in sorted(names) if w.startswith("WK0363")]
    finally:
        set_active_model(None)
    for cat in ("totaal", "hbh", "ondersteuning_thuis", "hulpmiddelen"):
        r = runner.invoke(app, ["forecast", "--model", str(model), "--gemeente", "GM0518", "--wijk", "WK0363AB",
                                "--year", "2024", "--year", "2027", "--category", cat, "--format", "csv"])
        assert r.exit_code == 0, r.output
        lines = r.output.strip().splitlines()
        assert lines[0] == "wijk,year,category,clients,lower,upper"
        got = pd.read_csv(pd.io.common.StringIO(r.output), dtype={"wijk": str})
        assert set(got["category"]) == {cat} and set(got["wijk"]) >= {"WK051801", "WK0363AB"}
        assert list(got["wijk"].iloc[-2:]) == ["GM0518", "GM0518"]  # the gemeente's total closes the list
        past = got[(got["year"] == 2024) & (got["wijk"] != "GM0518")].set_index("wijk")
        for w, row in past.iterrows():
            want = fake.truth.clients[(w, 2024, cat)]
            if want is not None:
                assert row["clients"] == want and row["lower"] == want and row["upper"] == want
        future = got[got["year"] == 2027]
        assert (future["lower"] <= future["clients"]).all() and (future["clients"] <= future["upper"]).all()
    r = runner.invoke(app, ["forecast", "--model", str(model), "--wijk", "WK051801", "--year", "2027", "--category", "verblijf"])
    assert r.exit_code != 0
    # Amsterdam renumbered (letters from 2023): the old codes are not forecast, so the
    # gemeente is not counted twice
    r = runner.invoke(app, ["forecast", "--model", str(model), "--wijk", "GM0363", "--year", "2024", "--year", "2025", "--format", "csv"])
    g = pd.read_csv(pd.io.common.StringIO(r.output)).set_index("year")["clients"]
    assert g[2024] == sum(fake.truth.clients[(w, 2024, "totaal")] for w in fake.truth.names if w.startswith("WK0363A"))
    assert 0.9 < g[2025] / g[2024] < 1.2
    r = runner.invoke(app, ["forecast", "--model", str(model), "--wijk", "WK036301", "--year", "2025"])
    assert isinstance(r.exception, WmoError) and "unknown wijk WK036301" in str(r.exception)


def test_refresh_summarises_years_and_categories(fake: FakeCbs, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["refresh", "--cbs-url", fake.url, "--cache", str(tmp_path / "c"), "--data-out", str(tmp_path / "d"),
                                 "--only-fetched", "--out", str(tmp_path / "m"), "--year", "2023", "--year", "2024"])
    assert r.exit_code == 0, r.output
    assert "totaal: years 2023-2024 (2), 15 wijken" in r.output
    assert "verblijf: not modelled" in r.output and "WMO_XL_MODEL=" in r.output


def test_a_bundle_without_names_has_none() -> None:
    from wmo_xl.wijken import wijk_name, wijk_names

    assert wijk_names() == {}  # the bundled 2015-2018 model
    assert wijk_name("WK051801") == ""
    with pytest.raises(WmoError, match="invalid code"):
        wijk_name("WK05")


def test_training_rows_never_lack_a_feature_for_a_whole_year() -> None:
    from conftest import make_cbs_frame

    from wmo_xl.data import tidy
    from wmo_xl.train import complete_features

    rows = tidy(make_cbs_frame(years=[2018, 2019, 2020]))
    rows.loc[rows["year"] == 2020, "income_per_inhabitant"] = np.nan  # not yet published
    rows["rental_pct"] = np.nan  # never published
    said: list[str] = []
    out = complete_features(rows, "totaal", said.append)
    w = out[out["wijk"] == rows["wijk"].iloc[0]].set_index("year")
    assert w.loc[2020, "income_per_inhabitant"] == w.loc[2019, "income_per_inhabitant"]
    assert (out["rental_pct"] == 0).all()
    assert len(out) == len(rows) and sorted(out["clients"].dropna()) == sorted(rows["clients"].dropna())
    assert any("income_per_inhabitant" in m for m in said) and any("rental_pct" in m and "left out" in m for m in said)


def test_names_file_must_be_code_to_name_texts(tmp_path: Path) -> None:
    from wmo_xl.bundle.format import _parse_names
    from wmo_xl.errors import ModelIntegrityError

    assert _parse_names(tmp_path, None) == {}
    assert _parse_names(tmp_path, '{"WK0363AA": "Burgwallen-Oude Zijde"}'.encode()) == {"WK0363AA": "Burgwallen-Oude Zijde"}
    for bad in (b"[1, 2]", b'{"WK0363AA": 3}', b"{not json"):
        with pytest.raises(ModelIntegrityError):
            _parse_names(tmp_path, bad)
