"""Issue 20: a gemeente's own trend, weighed by evidence.

A refresh on a synthetic CBS (:func:`fake_cbs.trend_cbs`) whose gemeenten grow or shrink
steadily by -3% to +6% a year over 2019-2024 must forecast 2025 in the right direction for the
fastest-moving gemeenten, with a smaller error than the model without the trend term; on the
2015-2018 CBS data, where trends did not persist, the fitted weight stays about zero.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_cbs import FakeCbs, trend_cbs
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from wmo_xl.bundle.format import load_bundle
from wmo_xl.cbs.link import link_dirs
from wmo_xl.cli import app
from wmo_xl.data import combine, load_dir
from wmo_xl.model import WmoForecaster
from wmo_xl.trend import damped_steps, gemeente_trend
from wmo_xl.train import complete_features, drop_redrawn

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object, dict]:
    """``wmo-xl refresh`` on the trend world (data to 2024; 2025 withheld as the truth)."""
    root = tmp_path_factory.mktemp("trend")
    catalog, tables, truth, world = trend_cbs()
    with FakeCbs(catalog, tables, page_size=2000) as fake:
        r = CliRunner().invoke(app, ["refresh", "--cbs-url", fake.url, "--cache", str(root / "c"), "--data-out", str(root / "d"),
                                     "--only-fetched", "--out", str(root / "m")])
    assert r.exit_code == 0, r.output
    return root / "d", root / "m", truth, world


def _gemeente_table(mean: np.ndarray, codes: np.ndarray, truth: object, world: dict) -> pd.DataFrame:
    """Per gemeente of the world: its growth, 2024 and 2025 truth, and the 2025 forecast (sums)."""
    rows = []
    for g, (_name, _n, _rate, growth, _f) in world.items():
        mine = np.array([c[2:6] == g[2:] for c in codes])
        t24 = sum(truth.clients[(c, 2024, "totaal")] or 0 for c in codes[mine])
        t25 = np.array([truth.clients[(c, 2025, "totaal")] or 0 for c in codes[mine]], dtype=float)
        rows.append((g, growth, t24, t25.sum(), mean[mine, 0].sum(), np.abs(mean[mine, 0] - t25).sum()))
    return pd.DataFrame(rows, columns=["gemeente", "growth", "t2024", "t2025", "f2025", "wijk_abs_error"]).set_index("gemeente")


def test_refresh_forecasts_the_direction_of_steady_trends(refreshed: tuple[Path, Path, object, dict]) -> None:
    data, model, truth, world = refreshed
    fc = load_bundle(model).model("totaal")
    d = _gemeente_table(fc.mean, fc.codes, truth, world)
    # the 10 gemeenten whose growth is furthest from the world's average: half shrink, half grow
    d["away"] = (d["growth"] - d["growth"].mean()).abs()
    top = d.nlargest(10, "away")
    right = np.sign(top["f2025"] - top["t2024"]) == np.sign(top["t2025"] - top["t2024"])
    assert (top["growth"] < 0).sum() >= 4  # shrinking gemeenten are among them
    assert right.sum() >= 8, top
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    weight = manifest["coefficients"]["totaal"]["trend"]
    assert weight > 0.5  # the data show persistence: the term carries the trend
    card = (model / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"weight {weight:.3f} (totaal" in card and "about zero in each" not in card
    assert "| 2023 -> 2024 (1) |" in card.split("WAPE before")[1]  # the refreshed years, before and now

    # the same data without the trend term (the model before issue 20): a larger 2025 error
    rows = combine(link_dirs([data], [load_dir(data)]))
    rows = complete_features(rows[rows["category"] == "totaal"], "totaal", lambda _m: None)
    rows, _gone = drop_redrawn(rows)
    old = WmoForecaster(trend=False, half_life=float("inf")).fit(rows).forecast_
    o = _gemeente_table(old.mean, old.codes, truth, world)
    new_gemeente = (d["f2025"] - d["t2025"]).abs().sum() / d["t2025"].sum()
    old_gemeente = (o["f2025"] - o["t2025"]).abs().sum() / o["t2025"].sum()
    assert new_gemeente < 0.9 * old_gemeente
    assert d["wijk_abs_error"].sum() < o["wijk_abs_error"].sum()
    old_right = (np.sign(o.loc[top.index, "f2025"] - top["t2024"]) == np.sign(top["t2025"] - top["t2024"])).sum()
    assert old_right < right.sum()


def _obs(growth: dict[str, float], years: range, size: int = 2000) -> pd.DataFrame:
    rows = []
    for g, r in growth.items():
        for k in range(4):
            for y in years:
                rows.append({"wijk": f"WK{g[2:]}{k:02d}", "gemeente": g, "year": y, "clients": size / 4 * np.exp(r * (y - years[0]))})
    return pd.DataFrame(rows)


def test_gemeente_trend_is_relative_and_needs_the_origin_year() -> None:
    obs = _obs({"GM0001": 0.05, "GM0002": -0.03, "GM0003": 0.01}, range(2019, 2025), size=10**6)
    t = gemeente_trend(obs, 2024, 4)
    assert t["GM0001"] > 0 > t["GM0002"]  # relative to the country's growth (about +1%)
    assert t["GM0001"] - t["GM0002"] == pytest.approx(0.08, abs=0.002)  # large gemeenten: hardly shrunk (counting noise ~ 1 / clients)
    assert t["GM0002"] < t["GM0003"] < t["GM0001"]
    # a gemeente not counted in the origin year has no current trend
    gone = obs[~((obs["gemeente"] == "GM0003") & (obs["year"] == 2024))]
    assert "GM0003" not in gemeente_trend(gone, 2024, 4).index
    assert gemeente_trend(obs[obs["year"] == 2024], 2024, 4).empty  # one year: no growth


def test_small_gemeente_trend_weighs_less() -> None:
    big = _obs({"GM0001": 0.05, "GM0002": -0.03}, range(2019, 2025), size=5000)
    small = _obs({"GM0003": 0.05}, range(2019, 2025), size=40)
    t = gemeente_trend(pd.concat([big, small]), 2024, 4)
    assert abs(t["GM0003"]) < abs(t["GM0001"])  # same growth, less evidence


@given(steps=st.integers(1, 30), damping=st.floats(0.0, 1.0))
def test_damped_steps_start_at_one_and_are_bounded(steps: int, damping: float) -> None:
    d = float(damped_steps(np.array([steps]), damping)[0])
    assert float(damped_steps(np.array([1]), damping)[0]) == pytest.approx(1.0)
    assert 1.0 - 1e-9 <= d <= steps + 1e-9
    if damping < 1.0:
        assert d <= 1.0 / (1.0 - damping) + 1e-9
    assert float(damped_steps(np.array([steps + 1]), damping)[0]) >= d - 1e-12


def test_older_pairs_weigh_less() -> None:
    pairs = pd.DataFrame({"origin": [2015, 2017, 2019]})
    assert list(WmoForecaster(half_life=2.0)._recency(pairs)) == pytest.approx([0.25, 0.5, 1.0])
    assert list(WmoForecaster(half_life=float("inf"))._recency(pairs)) == [1.0, 1.0, 1.0]


def test_national_trend_weight_is_about_zero() -> None:
    """On 2015-2018 gemeente trends did not persist: the shipped model's weight is about zero."""
    manifest = json.loads((ROOT / "models" / "national" / "manifest.json").read_text(encoding="utf-8"))
    for cat, c in manifest["coefficients"].items():
        assert abs(c["trend"]) < 0.1, cat
        assert 0.0 <= c["trend_damping"] <= 1.0


def test_recalibration_carries_the_local_trend_with_the_national_weight(refreshed: tuple[Path, Path, object, dict]) -> None:
    """The retrain on a gemeente's own figures: a national model to 2023, local figures to 2024."""
    from wmo_xl.retrain import recalibrate
    from wmo_xl.retrain.recalibrate import trend_of

    data, model, truth, world = refreshed
    assert trend_of(json.loads((model / "manifest.json").read_text(encoding="utf-8")), "totaal") is not None
    assert trend_of({"coefficients": {"totaal": {"drift": 0.01}}}, "totaal") is None  # a bundle from before the term
    rows = combine(link_dirs([data], [load_dir(data)]))
    rows = complete_features(rows[rows["category"] == "totaal"], "totaal", lambda _m: None)
    est = WmoForecaster().fit(rows[rows["year"] <= 2023])
    national, trend = est.forecast_, (float(est.coef_[4]), est.damping_)
    shrinking = sorted(world, key=lambda g: world[g][3])[:5]
    right = 0
    for g in shrinking:
        local = rows[(rows["gemeente"] == g) & rows["clients"].notna()][["wijk", "year", "clients", "gemeente"]]
        fc = recalibrate(national, local, trend)
        t24 = local.loc[local["year"] == 2024, "clients"].sum()
        t25 = sum(truth.clients[(w, 2025, "totaal")] or 0 for w in fc.codes)
        right += np.sign(fc.total(np.arange(len(fc.codes)), 1) - t24) == np.sign(t25 - t24)
        # weight 1 and no damping: the local growth carried as is (the recalibration before the term)
        assert np.allclose(recalibrate(national, local, (1.0, 1.0)).mean, recalibrate(national, local).mean)
        # damped, the path fades from the local growth (first year) towards the national model's
        damped = recalibrate(national, local, (1.0, 0.5)).mean
        straight, nat = recalibrate(national, local, (1.0, 1.0)).mean, recalibrate(national, local, (0.0, 0.5)).mean
        assert np.allclose(damped[:, 0], straight[:, 0])
        assert (damped >= np.minimum(straight, nat) - 1e-6).all() and (damped <= np.maximum(straight, nat) + 1e-6).all()
    assert right >= 4


def test_retrain_reads_the_trend_from_the_national_manifest(refreshed: tuple[Path, Path, object, dict], tmp_path: Path) -> None:
    """The Excel retrain path (retrain_frame) carries the local growth with the national weight."""
    from wmo_xl.retrain import recalibrate, retrain_frame
    from wmo_xl.retrain.recalibrate import trend_of

    data, model, truth, world = refreshed
    national = load_bundle(model)
    g = min(world, key=lambda k: world[k][3])  # the fastest-shrinking gemeente
    rows = load_dir(data)
    local = rows[(rows["category"] == "totaal") & (rows["gemeente"] == g) & rows["clients"].notna()][["wijk", "year", "clients", "gemeente", "category"]]
    path, manifest = retrain_frame(local, tmp_path / "own", national)
    want = trend_of(national.manifest, "totaal")
    assert want is not None and manifest["trend"]["totaal"] == pytest.approx(list(want))
    own = load_bundle(path).model("totaal")
    assert np.allclose(own.mean, recalibrate(national.model("totaal"), local.drop(columns="category"), want).mean)
