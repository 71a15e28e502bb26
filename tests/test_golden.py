"""The national bundle answers exactly as the joblib bundle it was converted from.

tests/golden/national_forecasts.npz was written from the joblib bundle before the switch to
npz + JSON: every wijk and gemeente, every year the model answers, totaal and hbh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import wmo_xl
from wmo_xl.bundle import national_bundle_path

GOLDEN = Path(__file__).parent / "golden" / "national_forecasts.npz"


@pytest.mark.parametrize("category", ["totaal", "hbh"])
def test_national_bundle_reproduces_golden_forecasts(category: str) -> None:
    with np.load(GOLDEN, allow_pickle=False) as g:
        codes, years = [str(c) for c in g[f"{category}_codes"]], [int(y) for y in g[f"{category}_years"]]
        origin = int(g[f"{category}_origin"])
        want = {k: g[f"{category}_{k}"] for k in ("clients", "lower", "upper")}
    # the golden file holds each code's own wijken; on today's map (wmo_xl/areas.py) a merged
    # gemeente sums its predecessors' too (tests/test_todays_map.py) and an old area whose
    # successor carries its forecast has none: compare the codes whose meaning did not change
    from wmo_xl.bundle import get_bundle

    fc = get_bundle(national_bundle_path()).model(category)

    def same_meaning(code: str) -> bool:
        if code in fc.index:
            return not fc.superseded[fc.index[code]]
        area = fc.areas.get(code)
        return area is not None and area.family == (code,) and area.future is not None and not area.future.missing

    keep = np.array([same_meaning(c) for c in codes])
    assert 0 < (~keep).sum() < 0.05 * len(codes)
    codes = [c for c, k in zip(codes, keep) if k]
    want = {k: v[keep] for k, v in want.items()}
    t = wmo_xl.forecast_table(codes, years, category, model=national_bundle_path())
    got = {k: t[k].to_numpy(dtype=float).reshape(len(codes), len(years)) for k in ("clients", "lower", "upper")}
    future = np.array(years) > origin
    assert np.array_equal(np.isnan(got["clients"]), np.isnan(want["clients"]))
    assert np.nanmax(np.abs(got["clients"] - want["clients"])) <= 1e-9
    for k in ("lower", "upper"):
        assert np.max(np.abs(got[k][:, future] - want[k])) <= 1e-9
        past, clients = got[k][:, ~future], got["clients"][:, ~future]
        assert np.array_equal(past[~np.isnan(clients)], clients[~np.isnan(clients)])
