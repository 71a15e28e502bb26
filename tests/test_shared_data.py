"""Checks on the real CBS data in ../shared (skipped when it is absent; CI has it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import wmo_xl
from wmo_xl.backtest import run_backtest
from wmo_xl.bundle import national_bundle_path
from wmo_xl.data import load_dir, load_totaal


@pytest.fixture(scope="module")
def totaal(shared_dir: Path):  # type: ignore[no-untyped-def]
    return load_totaal(shared_dir)


def test_tidy_table_of_shared_files(shared_dir: Path) -> None:
    df = load_dir(shared_dir)
    tot = df[df["category"] == "totaal"]
    # SOURCES.md: non-null target per year; the 0 stored for a suppressed 2015-2017 count is missing
    assert tot.groupby("year")["clients"].count().to_dict() == {2015: 1182, 2016: 1817, 2017: 2352, 2018: 2440}
    assert (tot["clients"].dropna() % 5 == 0).all() and (tot["clients"].dropna() > 0).all()
    assert tot[tot["year"] == 2018]["clients"].isna().sum() == 2621 - 2440
    assert set(df["category"]) == {"totaal", "hbh"}


@pytest.mark.parametrize(("origin", "horizon"), [(2017, 1), (2015, 3)])
def test_model_beats_both_baselines(totaal, origin: int, horizon: int) -> None:  # type: ignore[no-untyped-def]
    res = run_backtest(totaal, origin, horizon)
    w = res.metrics["WAPE"]
    assert w["model"] < w["persistence"]
    assert w["model"] < w["forecast_linear"]
    assert 0.65 <= res.coverage <= 0.9


def test_bundled_model_reproduces_observed_2018(totaal) -> None:  # type: ignore[no-untyped-def]
    obs = totaal[(totaal["year"] == 2018)].dropna(subset=["clients"]).head(50)
    got = wmo_xl.forecast_table(list(obs["wijk"]), 2018, model=national_bundle_path())
    assert np.allclose(got["clients"].to_numpy(), obs["clients"].to_numpy())


def test_retrained_beats_national_on_newer_local_year(totaal) -> None:  # type: ignore[no-untyped-def]
    """A national model that knows up to 2016; a gemeente with its own 2015-2017; forecast 2018.

    This is the retrain use case: the municipality's figures are newer than the national model.
    """
    from wmo_xl.model import WmoForecaster
    from wmo_xl.retrain import recalibrate, wape

    est = WmoForecaster().fit(totaal[totaal["year"] <= 2016])
    national, trend = est.forecast_, (float(est.coef_[4]), est.damping_)  # what retrain_frame reads from the manifest
    local_w, nat_w, sizes, better = [], [], [], 0
    undamped_err, err = 0.0, 0.0
    for g, rows in totaal.groupby("gemeente"):
        loc = rows[rows["year"] <= 2017].dropna(subset=["clients"])
        act = rows[rows["year"] == 2018].dropna(subset=["clients"])
        if g not in national.gemeente_rows or 2017 not in set(loc["year"]) or len(act) < 3:
            continue
        local = recalibrate(national, loc, trend)
        act = act[act["wijk"].isin(local.index) & act["wijk"].isin(national.index)]
        if act.empty or act["clients"].sum() == 0:
            continue
        pl = local.grid(list(act["wijk"]), [2018])[0][:, 0]
        undamped_err += np.abs(recalibrate(national, loc).grid(list(act["wijk"]), [2018])[0][:, 0] - act["clients"].to_numpy()).sum()
        err += np.abs(pl - act["clients"].to_numpy()).sum()
        pn = national.grid(list(act["wijk"]), [2018])[0][:, 0]
        a = act["clients"].to_numpy()
        local_w.append(wape(a, pl))
        nat_w.append(wape(a, pn))
        sizes.append(a.sum())
        better += local_w[-1] < nat_w[-1]
        if g == "GM0518":
            assert local_w[-1] < nat_w[-1]
    assert len(sizes) > 100
    assert np.average(local_w, weights=sizes) < 0.8 * np.average(nat_w, weights=sizes)
    assert better / len(sizes) > 0.6
    # trends did not persist on 2015-2018: carrying the local growth with the national trend
    # weight (about zero) beats carrying it as is (WAPE 0.060 against 0.066)
    assert err < 0.95 * undamped_err


def test_yearly_hbh_per_wijk_adds_up_to_cbs_gemeente_yearly_counts(shared_dir: Path) -> None:
    """The wijk yearly HbH estimate summed per gemeente agrees with CBS's gemeente yearly file,
    also where a gemeente's second half collapsed (Den Haag 2018: 4,160 in the year, 460 in H2)."""
    import pandas as pd

    from wmo_xl.data import load_hbh_yearly

    wijk = load_hbh_yearly(shared_dir).groupby(["gemeente", "year"])["clients"].sum(min_count=1)
    g = pd.read_csv(next(shared_dir.glob("gemeente_wmo_hbh_jaar_*_met_features.csv")), low_memory=False,
                    usecols=["codering_regio", "perioden", "wmoclienten"])
    cbs = g.assign(gemeente=g["codering_regio"].str.strip(), year=g["perioden"].astype(int)).set_index(["gemeente", "year"])["wmoclienten"]
    both = pd.concat([wijk.rename("w"), cbs.rename("c")], axis=1).dropna()
    err = np.log(both["w"] / both["c"]).abs()
    assert len(both) > 550 and err.median() < 0.03 and (err > np.log(1.2)).sum() <= 10
    assert err[("GM0518", 2018)] < np.log(1.2)


def test_den_haag_hbh_2018_is_the_sum_of_its_wijken(shared_dir: Path) -> None:
    """With the larger half, 36 of Den Haag's wijken have a 2018 HbH value: a complete sum."""
    from wmo_xl.wijken import wijken_of

    model = national_bundle_path()
    wijken = wijken_of("GM0518", category="hbh", model=model)
    per_wijk = wmo_xl.forecast_table(wijken, [2018], "hbh", model=model)["clients"]
    assert per_wijk.notna().sum() >= 30
    assert wmo_xl.forecast("GM0518", 2018, "hbh", model=model) == per_wijk.sum()
