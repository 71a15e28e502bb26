"""The backtest table of README.md and the model card; run: python benchmarks/bench_backtests.py [--data DIR].

Fits on the CBS files up to each origin of ``wmo_xl.train.STANDARD_BACKTESTS`` and scores
the target year (``wmo_xl.backtest.run_backtest``), exactly as ``wmo-xl train`` does for the
model card, and prints the same table (``wmo_xl.train.backtest_table``). Needs the CBS files
in ../shared/data/cbs (or --data). The figures change whenever the model does; the README
quotes the bundled model's card.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "cbs")
    args = ap.parse_args()
    from wmo_xl.backtest import run_backtest
    from wmo_xl.data import load_totaal
    from wmo_xl.train import STANDARD_BACKTESTS, backtest_table

    totaal = load_totaal(args.data)
    print(backtest_table([run_backtest(totaal, origin, h) for origin, h in STANDARD_BACKTESTS]))


if __name__ == "__main__":
    main()
