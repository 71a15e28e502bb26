"""Speed of the forecasting core and the Excel grid; run: python benchmarks/bench_forecast.py [--data DIR].

Prints: import + model load; forecast_table for all wijken x 6 years (goal < 50 ms); the same
grid through the UDF WMO_FORECAST_TABLE as xlwings calls it (goal < 100 ms and within 2x of
the core call; the COM round trip in Excel comes on top); one warm forecast call (goal
< 0.2 ms); fitting the national model (goal < 30 s on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def best_of(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)  # type: ignore[return-value]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/cbs")
    args = ap.parse_args()
    t = time.perf_counter()
    import wmo_xl
    from wmo_xl.bundle import get_bundle

    bundle = get_bundle()
    print(f"import + model load: {1000 * (time.perf_counter() - t):.0f} ms ({len(bundle.model('totaal').codes)} wijken)")
    years = list(range(2019, 2025))
    wmo_xl.forecast_table(None, years)
    best, med = best_of(lambda: wmo_xl.forecast_table(None, years), 20)
    print(f"forecast_table all wijken x 6 years: best {1000 * best:.1f} ms, median {1000 * med:.1f} ms (goal < 50 ms)")
    from wmo_xl.excel import udfs

    fc = bundle.model("totaal")
    codes = [str(w) for w, gone in zip(fc.codes, fc.superseded) if not gone]  # old areas carried by a successor: no forecast
    cbest, cmed = best_of(lambda: wmo_xl.forecast_table(codes, years), 20)
    print(f"forecast_table(list of all wijk codes, 6 years): best {1000 * cbest:.1f} ms, median {1000 * cmed:.1f} ms")
    wijken = [[w] for w in codes]
    udfs.wmo_forecast_table(wijken, [years])
    ubest, umed = best_of(lambda: udfs.wmo_forecast_table(wijken, [years]), 20)
    print(f"WMO_FORECAST_TABLE (UDF) all wijken x 6 years: best {1000 * ubest:.1f} ms, median {1000 * umed:.1f} ms "
          f"= {umed / cmed:.2f}x the same core call (goals < 100 ms and < 2x)")
    wmo_xl.forecast("WK051802", 2021)
    n = 10000
    t = time.perf_counter()
    for _ in range(n):
        wmo_xl.forecast("WK051802", 2021)
    print(f"warm forecast call: {1e3 * (time.perf_counter() - t) / n:.4f} ms (goal < 0.2 ms)")
    if Path(args.data).is_dir():
        from wmo_xl.data import load_dir
        from wmo_xl.model import WmoForecaster

        t = time.perf_counter()
        df = load_dir(args.data)
        for _cat, rows in df.groupby("category"):
            WmoForecaster().fit(rows)
        print(f"train (load + fit totaal and hbh): {time.perf_counter() - t:.1f} s (goal < 30 s)")
    else:
        print(f"train: skipped, no data at {args.data}")


if __name__ == "__main__":
    main()
