"""Today's map (issue 18, issue 17 section 5): every gemeente of CBS 2024 answers, merged
gemeenten sum their predecessors, old codes answer with one note on every surface, partial
moves are measured and stated."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import wmo_xl
from tests.clirun import run
from wmo_xl.areas import family
from wmo_xl.bundle import get_bundle, national_bundle_path
from wmo_xl.costs import budget
from wmo_xl.errors import WmoError
from wmo_xl.excel import udfs
from wmo_xl.fitted import FittedForecast
from wmo_xl.gemeenten import current_gemeenten, formed_year, history_note, labelled, notes_for
from wmo_xl.wijken import gemeenten, refused_gemeenten, wijken_of

NATIONAL = national_bundle_path()
#: Gemeenten of 2024 the national model (2015-2018) cannot give yet: no CBS count for a part
#: of their area. The demographic estimate (branch demo) adds rows for them; then they answer.
UNCOUNTED_WHOLLY = {"GM0160", "GM0175", "GM0225", "GM0226", "GM0252", "GM0293", "GM0294", "GM0339", "GM0385", "GM0397",
                    "GM0668", "GM0687", "GM0703", "GM0717", "GM0851", "GM0861", "GM0971", "GM1695", "GM1731", "GM1742",
                    "GM1771", "GM1884", "GM1966"}
UNCOUNTED_PARTLY = {"GM0394", "GM1954", "GM1979", "GM1982", "GM1991"}


def _fc(category: str = "totaal") -> FittedForecast:
    return get_bundle(NATIONAL).model(category)


def _has_rows(fc: FittedForecast, code: str) -> bool:
    return bool((fc.gemeente == code).any())


def _refusal_is_named(fc: FittedForecast, code: str, message: str) -> None:
    """The one wording: the gemeente, then every part without rows by code and name, and the
    counted ones; never "merged" or "unknown" alone."""
    parts = [c for c in family(code) if formed_year(c) is None] or [code]
    missing = [c for c in parts if not _has_rows(fc, c)]
    counted = [c for c in family(code) if _has_rows(fc, c)]
    assert missing, code
    assert message.startswith(labelled(code) + ":"), message
    assert all(labelled(c) in message for c in missing + counted), message
    assert ("counted only" in message) == bool(counted) and "merged" not in message and "unknown" not in message


def _years(fc: FittedForecast) -> list[int]:
    return list(range(fc.first_year, fc.origin + fc.max_horizon + 1))


def _answers(code: str, category: str = "totaal") -> bool:
    fc = _fc(category)
    years = _years(fc)
    try:
        t = wmo_xl.forecast_table([code], years, category, model=NATIONAL)
    except WmoError as exc:
        _refusal_is_named(fc, code, str(exc))
        with pytest.raises(WmoError, match=re.escape(str(exc))):  # the same line from forecast
            wmo_xl.forecast(code, fc.origin + 1, category, model=NATIONAL)
        return False
    future = t[t["year"] > fc.origin]
    assert np.isfinite(future["clients"]).all() and (future["lower"] <= future["clients"]).all(), code
    assert wmo_xl.forecast(code, fc.origin + 1, category, model=NATIONAL) == future["clients"].iloc[0]
    for y, v in zip(t["year"], t["clients"]):
        if y <= fc.origin and np.isnan(v):  # a past year without a figure says why
            with pytest.raises(WmoError, match=r"\S"):
                wmo_xl.forecast(code, int(y), category, model=NATIONAL)
    return True


# ------------------------------------------------------------------ every code of 2024
def test_every_2024_code_answers_or_is_a_named_uncounted_case() -> None:
    refused = {g for g in sorted(current_gemeenten()) if not _answers(g)}
    # only gemeenten of which CBS never counted (a part of) the area; branch demo estimates them
    assert refused <= UNCOUNTED_WHOLLY | UNCOUNTED_PARTLY, sorted(refused - UNCOUNTED_WHOLLY - UNCOUNTED_PARTLY)
    assert len(current_gemeenten()) - len(refused) >= 314
    assert set(gemeenten(NATIONAL)) == current_gemeenten() - refused
    assert set(refused_gemeenten(NATIONAL)) == refused


def test_every_2024_code_answers() -> None:
    """With the demographic estimates of what CBS never counted (wmo_xl.demographic), no code is refused."""
    assert [g for g in sorted(current_gemeenten()) if not _answers(g)] == []


def test_hbh_answers_or_refuses_in_the_same_wording() -> None:
    fc = _fc("hbh")
    for g in sorted(current_gemeenten()):
        try:
            fc.area(g)
        except WmoError as exc:
            _refusal_is_named(fc, g, str(exc))


@pytest.mark.parametrize("code", ["GM0014", "GM0363", "GM1970", "GM1952", "GM1950", "GM1960", "GM0518"])
def test_budget_answers_for_merged_gemeenten(code: str) -> None:
    years = [2022, 2025]
    df = budget(code, years, model=NATIONAL)
    assert np.isfinite(df["basis"]).all() and (df["basis"] > 0).any()
    total = wmo_xl.forecast_table([code], years, model=NATIONAL)["clients"].to_numpy()
    per_year = df.groupby("jaar")["clienten"].sum().to_numpy()
    assert np.all(per_year > 0.5 * total)  # the categories are parts of today's gemeente total


def test_a_partly_counted_gemeente_without_an_estimate_is_refused_in_the_one_wording() -> None:
    fc = _model([("WK096200", "GM0962", SEEN, False), ("WK096201", "GM0962", SEEN, False)])
    with pytest.raises(WmoError) as info:
        fc.cell("GM1954", 2020)
    assert str(info.value).startswith("GM1954 Beekdaelen: CBS counted only GM0962 Schinnen of its predecessors; "
                                      "GM0881 Onderbanken and GM0951 Nuth have no figures")
    df = budget("GM1954", [2025], model=NATIONAL)  # the shipped model estimates the uncounted remainder
    assert np.isfinite(df["basis"]).all() and (df["basis"] > 0).any()


# ------------------------------------------------------------------ sums
def test_gemeente_totals_are_the_sum_of_their_wijken() -> None:
    fc = _fc()
    years = _years(fc)
    for g in gemeenten(NATIONAL):
        wijken = wijken_of(g, model=NATIONAL)
        t = wmo_xl.forecast_table([g, *wijken], years, model=NATIONAL)
        grid = t["clients"].to_numpy().reshape(1 + len(wijken), len(years))
        total, parts = grid[0], grid[1:]
        for j, y in enumerate(years):
            if np.isnan(total[j]):
                continue
            assert total[j] == pytest.approx(np.nansum(parts[:, j]), rel=1e-12, abs=1e-9), (g, y)
            if y > fc.origin:  # every wijk that counts has a forecast, the others none
                assert np.isfinite(parts[:, j]).sum() == len(fc.year_rows(g, y)), (g, y)


def _own(code: str, year: int) -> float:
    """The gemeente's own wijken (its own code's rows), summed."""
    fc = _fc()
    rows = np.flatnonzero(fc.gemeente == code)
    if not len(rows):
        return 0.0
    t = wmo_xl.forecast_table([str(w) for w in fc.codes[rows]], [year], model=NATIONAL)
    return float(np.nansum(t["clients"]))


def _value(code: str, year: int) -> float:
    try:
        return wmo_xl.forecast(code, year, model=NATIONAL)
    except WmoError:
        return 0.0


@pytest.mark.parametrize(("today", "before"), [
    ("GM0014", ["GM0009", "GM0017"]),  # Groningen with Ten Boer and Haren (2019)
    ("GM0363", ["GM0457"]),  # Amsterdam with Weesp (2022)
    ("GM1970", ["GM0058", "GM0079", "GM1722"]),  # Noardeast-Fryslan (2019), no wijken of its own
    ("GM1980", ["GM0398", "GM0416"]),  # Dijk en Waard (2022)
])
@pytest.mark.parametrize("year", [2016, 2017, 2018, 2019, 2022, 2028])
def test_merged_gemeente_is_its_predecessors_sum(today: str, before: list[str], year: int) -> None:
    try:
        got = wmo_xl.forecast(today, year, model=NATIONAL)
    except WmoError as exc:  # a past year may lack a figure: incomplete, never partial
        assert year <= 2018 and ("incomplete" in str(exc) or "no CBS value" in str(exc))
        return
    want = _own(today, year) + sum(_value(b, year) for b in before)
    assert got == pytest.approx(want, rel=1e-12)
    if year > 2018:
        assert all(_value(b, year) > 0 for b in before)  # every predecessor is in it


def test_a_gemeente_formed_in_the_data_counts_its_predecessors_only_before_it() -> None:
    """GM1952 Midden-Groningen (2018): 2017 is its predecessors' figures, 2018 and later its own
    wijken only; the predecessors' old wijken are not added on top (no double count)."""
    assert wmo_xl.forecast("GM1952", 2017, model=NATIONAL) == pytest.approx(
        sum(wmo_xl.forecast(b, 2017, model=NATIONAL) for b in ("GM0018", "GM0040", "GM1987")))
    for year in (2018, 2020, 2028):
        assert wmo_xl.forecast("GM1952", year, model=NATIONAL) == pytest.approx(_own("GM1952", year), rel=1e-12)
    assert _own("GM0018", 2020) == 0.0  # its old wijken have no forecast beside GM1952's
    wijk = next(str(w) for w in _fc().codes if str(w).startswith("WK0018"))
    with pytest.raises(WmoError, match=f"{wijk}: GM0018 Hoogezand-Sappemeer is since 2018 part of GM1952 Midden-Groningen"):
        wmo_xl.forecast(wijk, 2020, model=NATIONAL)


def test_a_merger_in_the_data_without_successor_figures_keeps_the_predecessors() -> None:
    """GM1950 Westerwolde (2018) has no 2018 wijken: Bellingwedde and Vlagtwedde are the latest
    figures of its area and are its forecast."""
    for year in (2020, 2025):
        assert wmo_xl.forecast("GM1950", year, model=NATIONAL) == pytest.approx(
            wmo_xl.forecast("GM0007", year, model=NATIONAL) + wmo_xl.forecast("GM0048", year, model=NATIONAL))
    with pytest.raises(WmoError, match="GM1950 Westerwolde: CBS did not count"):
        wmo_xl.forecast("GM1950", 2018, model=NATIONAL)


def test_observed_sums_of_merged_gemeenten_are_the_cbs_counts(shared_dir: Path) -> None:
    from wmo_xl.data import load_totaal

    cbs = load_totaal(shared_dir)
    for today, parts in (("GM1970", ["0058", "0079", "1722"]), ("GM1952", ["0018", "0040", "1987"]), ("GM0014", ["0014", "0009", "0017"])):
        rows = cbs[(cbs["year"] == 2017) & cbs["wijk"].str[2:6].isin(parts)]
        assert wmo_xl.forecast(today, 2017, model=NATIONAL) == pytest.approx(rows["clients"].sum())


# ------------------------------------------------------------------ estimated rows (branch demo)
def _model(rows: list[tuple[str, str, list[float], bool]], first: int = 2015, origin: int = 2018) -> FittedForecast:
    """A small model: (code, gemeente, observed per year, estimated); forecasts 100 per row, growing 10%."""
    n, h = len(rows), 3
    mean = np.array([[100.0 * 1.1 ** k for k in range(1, h + 1)]] * n)
    return FittedForecast(
        codes=[r[0] for r in rows], gemeente=[r[1] for r in rows], inhabitants=np.full(n, 1000.0),
        last_year=[np.nan if all(np.isnan(r[2])) else float(origin) for r in rows],
        mean=mean, lower=0.8 * mean, upper=1.2 * mean, observed=np.array([r[2] for r in rows], dtype=float),
        origin=origin, first_year=first, max_horizon=h, var_year=0.01, var_noise=0.1, var_gemeente_year=0.01,
        q_low=-1.28, q_high=1.28, estimated=np.array([r[3] for r in rows]),
    )


SEEN, NONE = [90.0, 95.0, 98.0, 100.0], [np.nan] * 4


def test_an_estimated_row_for_a_missing_predecessor_completes_its_successor() -> None:
    counted = [("WK096200", "GM0962", SEEN, False), ("WK096201", "GM0962", SEEN, False)]
    with pytest.raises(WmoError, match=r"^GM1954 Beekdaelen: CBS counted only GM0962 Schinnen .*GM0881 Onderbanken and GM0951 Nuth have no"):
        _model(counted).cell("GM1954", 2020)
    # one remainder row (wmo_xl.demographic) stands for every uncounted part: KWB 2024 cannot split it
    fc = _model([*counted, ("GM0951", "GM0951", NONE, True)])
    assert fc.cell("GM1954", 2019)[0] == pytest.approx(3 * 110.0)
    assert fc.cell("GM0951", 2019)[0] == pytest.approx(110.0)  # the old code answers for its own area
    assert fc.cell("GM1954", 2017)[0] != fc.cell("GM1954", 2017)[0]  # a past year has no CBS count for Nuth: no figure
    assert fc.observed_gap("GM1954", 2017).endswith("GM0881 Onderbanken and GM0951 Nuth have no figures in 2017: no figure for the whole gemeente")
    again = FittedForecast.from_arrays(fc.to_arrays())
    assert again.estimated.tolist() == [False, False, True] and again.cell("GM1954", 2020) == fc.cell("GM1954", 2020)


def test_estimated_rows_of_a_gemeente_of_today_make_it_answer() -> None:
    fc = _model([("WK068700", "GM0687", NONE, True), ("WK196600", "GM1966", NONE, True), ("WK196601", "GM1966", NONE, True)])
    assert fc.cell("GM0687", 2019)[0] == pytest.approx(110.0)
    assert fc.cell("GM1966", 2019)[0] == pytest.approx(220.0)  # its predecessors have no rows: not missing
    assert "GM0005 Bedum" in fc.observed_gap("GM1966", 2017)  # before 2019 the area was theirs
    assert _model([("WK096200", "GM0962", SEEN, False)]).areas.get("GM0687") is None


def test_a_successor_with_its_own_figures_supersedes_its_predecessors() -> None:
    """Without the double count: the model's GM1952 wijken of 2018 carry Hoogezand-Sappemeer's area."""
    old = [(f"WK{g[2:]}00", g, [np.nan, np.nan, 50.0, np.nan], False) for g in ("GM0018", "GM0040", "GM1987")]
    fc = _model([*old, ("WK195200", "GM1952", [np.nan] * 3 + [80.0], False)])
    assert fc.cell("GM1952", 2017)[0] == 150.0 and fc.cell("GM1952", 2018)[0] == 80.0
    assert fc.cell("GM1952", 2020)[0] == pytest.approx(121.0)  # its own row only
    assert "GM1987 Menterwolde has no" in _model([*old[:2], ("WK195200", "GM1952", [np.nan] * 3 + [80.0], False)]).observed_gap("GM1952", 2017)
    assert np.isnan(fc.cell("GM0018", 2020)[0]) and fc.observed_gap("GM0018", 2020).startswith("GM0018 Hoogezand-Sappemeer is since 2018")
    estimated = _model([*old, ("WK195200", "GM1952", NONE, True)])
    assert estimated.cell("GM1952", 2020)[0] == pytest.approx(121.0)  # rows estimated for today's map count as its own


# ------------------------------------------------------------------ the note on every surface
def test_old_code_note_on_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    note = "note: GM0457 Weesp is since 2022 part of GM0363 Amsterdam\n"
    code, out, err = run(["forecast", "--wijk", "GM0457", "--wijk", "WK045700", "--year", "2017", "--year", "2021",
                          "--format", "table", "--model", str(NATIONAL)], capsys)
    assert code == 0 and err == note and "Weesp" in out.splitlines()[1]
    code, out, err = run(["budget", "--gemeente", "GM0457", "--years", "2022", "--model", str(NATIONAL)], capsys)
    assert code == 0 and note in err and err.count("note:") == 1 and "GM0457 Weesp" in out.splitlines()[0]
    code, out, err = run(["forecast", "--wijk", "GM0363", "--year", "2021", "--format", "table", "--model", str(NATIONAL)], capsys)
    assert code == 0 and err == "" and "Amsterdam" in out


def test_old_code_note_in_the_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "weesp.xlsx"
    code, _, err = run(["export-workbook", "--gemeente", "GM0457", "--gemeente", "GM0363", "--out", str(out),
                        "--model", str(NATIONAL)], capsys)
    assert code == 0 and "note: GM0457 Weesp is since 2022 part of GM0363 Amsterdam" in err
    wb = openpyxl.load_workbook(out)
    dutch = "GM0457 Weesp hoort sinds 2022 bij GM0363 Amsterdam"
    rows = [r for r in wb["Model"].iter_rows(values_only=True) if r[1] in ("GM0457", "GM0363")]
    assert [r[1:4] for r in rows] == [("GM0457", "Weesp", dutch), ("GM0363", "Amsterdam", None)]
    cached = openpyxl.load_workbook(out, data_only=True)
    assert cached["Forecast"]["B3"].value.startswith(f"Let op: {dutch} - Model: ") and cached["Budget"]["D4"].value == f"Let op: {dutch}"
    assert "WmoGemeenteLijst" in wb["Forecast"]["B3"].value  # the header line follows the gemeente chosen
    assert refused_gemeenten(NATIONAL) == {}  # every code of 2024 answers (some as demographic estimates)


def test_old_code_note_in_the_sheet_blocks() -> None:
    dutch = "Let op: GM0457 Weesp hoort sinds 2022 bij GM0363 Amsterdam"
    block = udfs.wmo_forecast_sheet("GM0457", [2017, 2025])
    assert block[5][0].startswith(dutch + " - Model: ") and block[0][1] == wmo_xl.forecast("GM0457", 2017, model=NATIONAL)
    menu = [["dienst", "omschrijving", "categorie", "leveringsvorm", "aandeel", "verzilveringsgraad", "eenheid", "eenheden_per_client_per_jaar", "prijs", "prijsjaar", "indexatie"],
            ["hbh_zin", "HbH", "hbh", "ZIN", 1, 1, "uur", 90, 32.4, 2023, 0.03]]
    budget = udfs.wmo_budget("GM0457", [2025], menu)
    assert budget[3][0].startswith(dutch + " - Model: ") and isinstance(budget[-3][2], float)
    assert udfs.wmo_forecast_sheet("GM0363", [2025])[5][0].startswith("Model: ") and udfs.wmo_budget("GM0363", [2025], menu)[3][0].startswith("Model: ")
    block = udfs.wmo_forecast_sheet("GM1954", [2025])  # partly a demographic estimate: it says so
    assert "deels schatting" in block[5][0] or "schatting uit demografie" in block[5][0]


def test_template_lists_every_2024_code_with_todays_name(tmp_path: Path) -> None:
    from wmo_xl.excel.template import build_workbook

    path = build_workbook(tmp_path / "t.xlsm", gemeente="GM0457")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    listed = {r[0]: r[1] for r in wb["Lijsten"].iter_rows(min_row=2, max_col=2, values_only=True) if r[0]}
    from wmo_xl.gemeenten import current_names

    assert listed == current_names() and listed["GM1970"] == "Noardeast-Fryslân"
    cached = openpyxl.load_workbook(path, data_only=True)
    for sheet in ("Forecast", "Budget"):  # the block's header line, shown before Python runs
        shown = [c.value for row in cached[sheet].iter_rows(max_row=40) for c in row if isinstance(c.value, str)]
        assert any(v.startswith("Let op: GM0457 Weesp hoort sinds 2022 bij GM0363 Amsterdam - Model: ") for v in shown), sheet


def test_notes_name_the_successor_and_never_say_merged_alone() -> None:
    assert history_note("GM0009") == "GM0009 Ten Boer is since 2019 part of GM0014 Groningen"
    assert history_note("GM0788") == "GM0788 Haaren was split in 2021 among GM0824 Oisterwijk, GM0865 Vught, GM0757 Boxtel and GM0855 Tilburg"
    assert history_note("GM0788", dutch=True).startswith("GM0788 Haaren is in 2021 verdeeld over GM0824 Oisterwijk")
    assert notes_for(["WK001700", "GM0017", "GM0518"]) == ["GM0017 Haren is since 2019 part of GM0014 Groningen"]
    for g in sorted(current_gemeenten()):
        for text in notes_for([g]) + [refused_gemeenten(NATIONAL).get(g, "")]:
            assert "merged" not in text and "unknown" not in text


# ------------------------------------------------------------------ partial moves
def test_partial_moves_are_measured_as_the_docs_say(shared_dir: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_partial_moves", Path(__file__).parents[1] / "benchmarks" / "bench_partial_moves.py")
    bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    moves = bench.partial_moves(shared_dir, 2018)
    moved = int(moves["moved"].sum())
    share = moved / bench.national_dwellings(shared_dir)
    doc = (Path(__file__).parents[1] / "docs" / "data.md").read_text(encoding="utf-8")
    assert f"| 2018 (the national model's last data year) | {moved:,} " in doc and f"| {share:.2%} |" in doc
    big = moves[moves["share"] > 0.001]
    for code, r in big.iterrows():
        assert f"{code} " in doc and f"{r['share']:.1%}" in doc, code
    # whole mergers are not partial moves: Weesp's 9,309 addresses came with the whole merger
    assert "GM0363" not in moves.index


def test_partial_moves_are_stated_beside_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["forecast", "--wijk", "GM0824", "--year", "2021", "--model", str(NATIONAL)], capsys)
    assert code == 0 and err == ("note: GM0824 Oisterwijk took in part of GM0788 Haaren (2021): "
                                 "figures from data before that year leave that part out\n")
    assert wmo_xl.forecast("GM0788", 2025, model=NATIONAL) > 0  # the split gemeente still answers for its old area
    assert udfs.wmo_forecast_sheet("GM0824", [2025])[5][0].startswith("Let op: GM0824 Oisterwijk kreeg een deel van GM0788 Haaren")


def test_merger_list_new_codes_agree_with_the_crosswalk(shared_dir: Path) -> None:
    """``nieuw``: a code formed on the merger date is not on the map of the year before; an
    existing one is. (In the crosswalk, ``naar_code`` holds the earlier year's code.)"""
    from wmo_xl.gemeenten import herindelingen

    x = pd.read_csv(shared_dir / "grenswijzigingen_wijk_gemeente_2016_2024.csv")
    g = x[x["niveau"] == "gemeente"]
    for h in herindelingen():
        before = set(g.loc[g["van_jaar"] == h.year - 1, "naar_code"])
        if h.year - 1 >= 2016:
            assert (h.new in before) != h.formed, h
