"""The committed national model in models/: loads, verifies and answers offline."""

from __future__ import annotations

import json

import numpy as np

import wmo_xl
from wmo_xl.bundle import MANIFEST_FILE, get_bundle, national_bundle_path


def test_national_bundle_verifies_and_forecasts() -> None:
    path = national_bundle_path()
    bundle = get_bundle(path)
    assert bundle.kind == "national"
    est = bundle.model("totaal")
    assert est.origin == 2018 and len(est.codes) > 2500
    value = wmo_xl.forecast("GM0518", 2020, model=path)
    lo, hi = wmo_xl.forecast_interval("GM0518", 2020, model=path)
    assert lo < value < hi
    assert "hbh" in bundle.models


def test_national_manifest_has_backtests_and_attribution() -> None:
    m = json.loads((national_bundle_path() / MANIFEST_FILE).read_text())
    assert "CBS" in m["data_provenance"]["attribution"] and m["data_provenance"]["licence"] == "CC BY 4.0"
    origins = {(b["origin"], b["horizon"]) for b in m["backtests"]}
    assert {(2017, 1), (2015, 3)} <= origins
    for b in m["backtests"]:
        assert 0 < b["wape"]["model"] < 1


def test_national_grid_is_complete() -> None:
    t = wmo_xl.forecast_table(None, range(2019, 2025), model=national_bundle_path())
    assert len(t) == 6 * t["wijk"].nunique()
    from wmo_xl.bundle import get_bundle

    fc = get_bundle(national_bundle_path()).model("totaal")
    # old areas whose successor's own 2018 wijken carry the forecast (GM0018 in GM1952): none
    gone = t["wijk"].map(lambda w: bool(fc.superseded[fc.index[w]]))
    assert 0 < gone.mean() < 0.05 and t.loc[gone, "clients"].isna().all()
    live = t[~gone]
    assert np.isfinite(live["clients"]).all() and (live["lower"] <= live["clients"]).all()


def test_national_bundle_is_data_only() -> None:
    """npz + JSON + card: no pickle in the shipped model."""
    m = json.loads((national_bundle_path() / MANIFEST_FILE).read_text())
    assert m["format"] == 2 and set(m["files"]) == {"forecast.npz", "MODEL_CARD.md"}
    assert not list(national_bundle_path().glob("*.joblib"))
    with np.load(national_bundle_path() / "forecast.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype.kind != "O" for k in npz.files)
