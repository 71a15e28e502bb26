"""A gemeente's past year is the sum of its wijken only when that sum is (nearly) complete.

The synthetic data suppress wijk 0 of every gemeente in 2018; how many clients that wijk
carried differs per gemeente, so some gemeenten keep their 2018 count and some lose it. The
tests compute the missing share from the data themselves and check every consumer (forecast,
forecast_table, the block functions, costs, the export) agrees: a count or a visible reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wmo_xl
from wmo_xl.costs import category_clients
from wmo_xl.data import load_hbh_yearly, tidy
from wmo_xl.errors import WmoError
from wmo_xl.excel import udfs
from wmo_xl.fitted import MAX_MISSING_SHARE

from conftest import GEMEENTEN, make_cbs_frame, write_data_dir


def _missing_share(df: pd.DataFrame, gemeente: str, year: int) -> float:
    """Share of the clients held by wijken without a value in ``year``, judged by the year before."""
    g = df[df["gemeente"] == gemeente].pivot_table(index="wijk", columns="year", values="clients")
    gone = g[year].isna()
    gap, known = g.loc[gone, year - 1].sum(), g.loc[~gone, year].sum()
    return float(gap / (gap + known))


@pytest.fixture(scope="module")
def shares(cbs_frame: pd.DataFrame) -> dict[str, float]:
    df = tidy(cbs_frame)
    out = {g: _missing_share(df, g, 2018) for g in GEMEENTEN}
    # the fixture must exercise the rule both ways
    assert min(out.values()) <= MAX_MISSING_SHARE < max(out.values())
    return out


def test_forecast_gives_the_sum_or_says_it_is_incomplete(active_bundle, cbs_frame, shares) -> None:  # type: ignore[no-untyped-def]
    df = tidy(cbs_frame)
    for g, share in shares.items():
        present = df[(df["gemeente"] == g) & (df["year"] == 2018)]["clients"].sum()
        table = wmo_xl.forecast_table(g, [2017, 2018, 2019])
        if share <= MAX_MISSING_SHARE:
            assert wmo_xl.forecast(g, 2018) == present
            assert table["clients"].iloc[1] == present
        else:
            with pytest.raises(WmoError, match=r"^incomplete: 1 of 12 wijken have no CBS value in 2018"):
                wmo_xl.forecast(g, 2018)
            with pytest.raises(WmoError, match=r"^incomplete: 1 of 12"):
                wmo_xl.forecast_interval(g, 2018)
            assert np.isnan(table["clients"].iloc[1])
        assert np.isfinite(table["clients"].iloc[[0, 2]]).all()  # complete and forecast years stay


def test_block_functions_show_the_reason_and_keep_the_wijken(active_bundle, shares) -> None:  # type: ignore[no-untyped-def]
    bad = max(shares, key=shares.get)
    grid = udfs.wmo_forecast_table([bad, f"WK{bad[2:]}01"], [2018, 2019])
    assert isinstance(grid[0][0], str) and "incomplete: 1 of 12" in grid[0][0]
    assert isinstance(grid[0][1], float) and isinstance(grid[1][0], float)
    sheet = udfs.wmo_forecast_sheet(bad, [[2017, 2018]])
    assert "incomplete" in sheet[0][2] and isinstance(sheet[0][1], float)  # the gemeente row
    header = next(i for i, r in enumerate(sheet) if r[0] == "Wijk")
    assert all(isinstance(r[2], float) for r in sheet[header + 2:])  # every wijk but the suppressed one


def test_costs_refuse_an_incomplete_year_and_the_budget_total_fails(active_bundle, shares) -> None:  # type: ignore[no-untyped-def]
    bad, good = max(shares, key=shares.get), min(shares, key=shares.get)
    with pytest.raises(WmoError, match="incomplete: 1 of 12"):
        category_clients(bad, [2018])
    assert category_clients(good, [2018])["clienten"].notna().all()
    from wmo_xl.menukaart import load_menu

    df = load_menu().to_frame()
    df["indexatie"] = 0.03  # flat: the shipped card's VNG series prices from 2022 on, and this is about 2018
    menu = [list(df.columns)] + df.astype(object).values.tolist()
    block = udfs.wmo_budget(bad, [[2018, 2019]], menu)
    total = next(r for r in block if r[0] == "Totaal Wmo")
    assert isinstance(total[2], str) and "incomplete" in total[2]
    assert isinstance(total[3], float)


# ---------------------------------------------------------------- HbH from half-years
def _halfyear_file(root: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """An HbH half-year file: H1 = H2 = 30% of the total, except in 2018: GM0101's second half
    collapses (one tiny wijk left) and four wijken of GM0202 have neither half."""
    rows = []
    for r in frame.to_dict("records"):
        total = pd.to_numeric(r["wmoclienten"], errors="coerce")
        for half in (1, 2):
            v = np.nan if np.isnan(total) else 5 * round(0.3 * total / 5)
            if half == 2 and r["year_"] == 2018 and r["codering_regio"].startswith("WK0101"):
                v = np.nan if r["codering_regio"] != "WK010103" else 5.0  # most wijken gone, one tiny
            if r["year_"] == 2018 and r["codering_regio"] in {"WK020201", "WK020202", "WK020203", "WK020204"}:
                v = np.nan
            rows.append({**r, "periodennum": f"{r['year_']}0{half}", "wmoclienten": v})
    out = pd.DataFrame(rows).drop(columns=["year_"])
    out["perioden"] = out["periodennum"]
    out.to_csv(root / "wijk_wmo_hbh_halfjaar_2017_2018_met_kwb.csv", index=False)
    return out


@pytest.fixture(scope="module")
def hbh_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = make_cbs_frame()
    root = write_data_dir(tmp_path_factory.mktemp("cbs_hbh"), frame)
    half = frame[frame["perioden"].isin([2017, 2018])].assign(year_=lambda d: d["perioden"])
    _halfyear_file(root, half)
    return root


def test_yearly_hbh_is_the_larger_half(hbh_dir: Path) -> None:
    raw = pd.read_csv(hbh_dir / "wijk_wmo_hbh_halfjaar_2017_2018_met_kwb.csv")
    yearly = load_hbh_yearly(hbh_dir).set_index(["wijk", "year"])["clients"]
    halves = raw.assign(year=raw["periodennum"] // 100).groupby(["codering_regio", "year"])["wmoclienten"].max()
    for (wijk, year), want in halves.items():
        got = yearly.get((wijk, year), np.nan)
        assert (np.isnan(got) and np.isnan(want)) or got == want, (wijk, year)
    # the collapsed second half does not pull the gemeente down: 2018 keeps its first-half level
    g = yearly[yearly.index.get_level_values(0).str.startswith("WK0101")].groupby(level=1).sum()
    assert g[2018] > 0.5 * g[2017]


def test_incomplete_hbh_year_fails_the_hbh_share(tmp_path: Path, hbh_dir: Path) -> None:
    from wmo_xl.bundle import set_active_model
    from wmo_xl.train import train

    path, _ = train(hbh_dir, tmp_path / "national", run_backtests=False)
    set_active_model(path)
    try:
        fc = wmo_xl.bundle.get_bundle(None).model("hbh")
        assert fc.observed_gap("GM0202", 2018).startswith("incomplete: 5 of 12")  # these 4 and the suppressed wijk 0
        with pytest.raises(WmoError, match=r"^HbH share of GM0202 in 2018: incomplete: 5 of 12"):
            category_clients("GM0202", [2018], categories=["hbh"])
        assert category_clients("GM0202", [2018], categories=["begeleiding"])["clienten"].notna().all()
        # complete years: the HbH clients of the costs are the observed HbH count
        for g, y in (("GM0303", 2018), ("GM0202", 2017)):
            got = category_clients(g, [y], categories=["hbh"])["clienten"].iloc[0]
            assert got == pytest.approx(wmo_xl.forecast(g, y, "hbh"))
        # the export: only the incomplete year's HbH share is missing ("." -> #N/A in the file)
        from wmo_xl.excel.export_data import gather

        data = gather(["GM0202"], [2017, 2018, 2019], model=path)
        assert np.isnan(data.shares[("GM0202", "hbh")][1])
        assert np.isfinite([data.shares[("GM0202", "hbh")][k] for k in (0, 2)]).all()
        assert np.isfinite(data.shares[("GM0202", "begeleiding")]).all()
    finally:
        set_active_model(None)


def test_cli_forecast_leaves_the_gemeente_empty_and_says_why(bundle_dir: Path, shares, capsys) -> None:  # type: ignore[no-untyped-def]
    import io
    import sys

    from wmo_xl.cli import main

    codes = sorted(shares)
    argv = ["wmo-xl", "forecast", "--model", str(bundle_dir), "--year", "2018"]
    for g in codes:
        argv += ["--wijk", g]
    old, sys.argv = sys.argv, argv
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    finally:
        sys.argv = old
    out = capsys.readouterr()
    df = pd.read_csv(io.StringIO(out.out)).set_index("wijk")
    for g in codes:
        incomplete = shares[g] > MAX_MISSING_SHARE
        assert pd.isna(df.loc[g, "clients"]) == incomplete
        assert (f"{g} 2018: incomplete: 1 of 12" in out.err) == incomplete
