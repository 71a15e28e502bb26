"""Leave-gemeente-out backtest of the demographic estimate for gemeenten CBS never counted.

run: PYTHONPATH=. python benchmarks/bench_demographic.py [--data ../shared/data/cbs] [--category totaal]

Gemeenten CBS did count in the last data year are hidden in 10 folds, estimated from the
KWB basics of their wijken by a level model fitted on the other folds (as ``wmo-xl train``
does for the gemeenten it never saw, :mod:`wmo_xl.demographic`), and compared with the naive
estimate "inhabitants x national rate" of the other folds. Prints WAPE of the gemeente totals
and the coverage of the 80% range, whose quantiles for each fold come from the other folds.
Goal (issue 18): a clear margin over naive's WAPE, 70-90% coverage.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from wmo_xl import demographic as dm
from wmo_xl.data import load_dir
from wmo_xl.train import complete_features, drop_redrawn


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/cbs")
    ap.add_argument("--category", default="totaal")
    args = ap.parse_args()
    start = time.perf_counter()
    df = load_dir(args.data)
    rows = df[df["category"] == args.category]
    rows, _ = drop_redrawn(complete_features(rows, args.category, lambda _m: None))
    cs = dm.cross_section(rows, dm.training_basics([Path(args.data)]))
    summary, cal = dm.backtest_summary(cs)
    print(f"{args.category}: {summary['gemeenten']} gemeenten, {summary['wijken']} wijken, year {summary['year']}")
    print(dm.backtest_table(summary))
    print(f"80% range of a gemeente total: x{pow(2.718281828459045, cal.g_low):.2f} .. x{pow(2.718281828459045, cal.g_high):.2f} "
          f"of the estimate ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
