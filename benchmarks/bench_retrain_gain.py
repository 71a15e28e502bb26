"""Does retraining help? The table of docs/retrain.md; run: python benchmarks/bench_retrain_gain.py [--data DIR].

A national model fitted on every wijk up to 2016; each gemeente's own 2015-2017 figures
(recalibrated with ``wmo_xl.retrain.recalibrate``); the forecast of 2018 against CBS's
actual, per gemeente with 2017 data and at least 3 wijken with a 2018 actual. Prints the
number of gemeenten, the share where the own model has the lower WAPE, pooled (weighted by
clients) and median WAPE of both, and the rows of the example gemeenten. The same
computation as tests/test_shared_data.py::test_retrained_beats_national_on_newer_local_year.
Needs the CBS files in ../shared/data/cbs (or --data).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

EXAMPLES = {"GM0518": "Den Haag", "GM0363": "Amsterdam", "GM0200": "Apeldoorn"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "cbs")
    args = ap.parse_args()
    from wmo_xl.data import load_totaal
    from wmo_xl.model import WmoForecaster
    from wmo_xl.retrain import recalibrate, wape

    totaal = load_totaal(args.data)
    national = WmoForecaster().fit(totaal[totaal["year"] <= 2016]).forecast_
    rows_out: dict[str, tuple[int, float, float]] = {}
    local_w, nat_w, sizes = [], [], []
    for g, rows in totaal.groupby("gemeente"):
        loc = rows[rows["year"] <= 2017].dropna(subset=["clients"])
        act = rows[rows["year"] == 2018].dropna(subset=["clients"])
        if g not in national.gemeente_rows or 2017 not in set(loc["year"]) or len(act) < 3:
            continue
        est = recalibrate(national, loc)
        act = act[act["wijk"].isin(est.index) & act["wijk"].isin(national.index)]
        if act.empty or act["clients"].sum() == 0:
            continue
        a = act["clients"].to_numpy()
        local_w.append(wape(a, est.grid(list(act["wijk"]), [2018])[0][:, 0]))
        nat_w.append(wape(a, national.grid(list(act["wijk"]), [2018])[0][:, 0]))
        sizes.append(a.sum())
        if g in EXAMPLES:
            rows_out[str(g)] = (len(act), local_w[-1], nat_w[-1])
    lw, nw, w = np.array(local_w), np.array(nat_w), np.array(sizes)
    print(f"{len(w)} gemeenten; own model better in {np.mean(lw < nw):.0%}; WAPE own model "
          f"{np.average(lw, weights=w):.3f} (pooled), {np.median(lw):.3f} (median); national "
          f"{np.average(nw, weights=w):.3f} (pooled), {np.median(nw):.3f} (median)")
    for g, name in EXAMPLES.items():
        if g in rows_out:
            n, a, b = rows_out[g]
            print(f"{name} {g} ({n} wijken): own {a:.3f}, national {b:.3f}, {'better' if a < b else 'not better'}")


if __name__ == "__main__":
    main()
