"""Rewrite national_forecasts.npz from the current national bundle (run after a retrain).

    PYTHONPATH=$PWD python tests/golden/regenerate.py

Every wijk, then every gemeente, of each category; every year the model answers; lower and
upper only for forecast years (past years equal the observed value). Codes of gemeenten merged
away refuse forecasts: their rows hold NaN (the golden test skips them). The golden test then
guards that later bundle-format changes reproduce these numbers exactly.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

import wmo_xl
from wmo_xl.bundle import get_bundle, national_bundle_path

GOLDEN = Path(__file__).parent / "national_forecasts.npz"


def _answers(code: str, years: list[int], category: str) -> bool:
    from wmo_xl.errors import WmoError

    try:
        wmo_xl.forecast_table([code], years, category, model=national_bundle_path())
    except WmoError:
        return False
    return True


def main() -> None:
    bundle = get_bundle(national_bundle_path())
    out: dict[str, np.ndarray] = {}
    for category in ("totaal", "hbh"):
        fc = bundle.model(category)
        codes = sorted(str(c) for c in fc.codes) + sorted(str(g) for g in fc.gemeente_rows)
        years = list(range(fc.first_year, fc.origin + fc.max_horizon + 1))  # the fitted paths
        keep = np.array([_answers(c, years, category) for c in codes])  # refused codes: NaN rows
        t = wmo_xl.forecast_table([c for c, k in zip(codes, keep) if k], years, category, model=national_bundle_path())
        future = np.array(years) > fc.origin
        grid = {}
        for k in ("clients", "lower", "upper"):
            grid[k] = np.full((len(codes), len(years)), np.nan)
            grid[k][keep] = t[k].to_numpy(dtype=float).reshape(int(keep.sum()), len(years))
        out.update({
            f"{category}_codes": np.array(codes), f"{category}_years": np.array(years, dtype=np.int64),
            f"{category}_origin": np.array(fc.origin, dtype=np.int64), f"{category}_clients": grid["clients"],
            f"{category}_lower": grid["lower"][:, future], f"{category}_upper": grid["upper"][:, future],
        })
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=GOLDEN.parent)
    with os.fdopen(fd, "wb") as f:
        np.savez_compressed(f, **out)
    os.replace(tmp, GOLDEN)
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
