"""Cold start of a UDF server; run: python benchmarks/bench_startup.py [--repeats N].

Each measurement is a fresh interpreter (as Excel starts one): a bare ``import xlwings``
against ``import wmo_xl.udfs`` plus the first forecast (which loads the national bundle),
alternated in the same run so both see the same machine load. Also prints the peak RSS after
the first forecast, whether scikit-learn or scipy got imported, and the bundle size on disk.
Goal: warm-up <= 1.6x the bare xlwings import.

Measured on the 2-core dev box (7 alternating runs, same session, machine shared):
- before (joblib bundle, eager package): 4.36x bare xlwings (2498 ms vs 573 ms), peak RSS
  187 MiB, imports scikit-learn, scipy and joblib; bundle 1.78 MB on disk.
- after (npz + JSON, lazy package): 1.20x (690 ms vs 573 ms), peak RSS 90 MiB, neither
  scikit-learn nor scipy; bundle 1.35 MB on disk.
- review re-run (the UDF ``wmo_forecast`` itself as the first call, 7 runs, machine shared
  by ~6 jobs): 1.30x (373 ms vs 287 ms), peak RSS 90 MiB, neither scikit-learn nor scipy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = "import time; t = time.perf_counter(); import xlwings; print(time.perf_counter() - t)"
WARM = """
import time, sys, json, resource
t = time.perf_counter()
import wmo_xl.excel.udfs as u
v = u.wmo_forecast("WK051802", 2021)  # the UDF itself, as Excel's first call runs it
dt = time.perf_counter() - t
heavy = sorted(m for m in ("sklearn", "scipy", "joblib") if m in sys.modules)
print(json.dumps({"s": dt, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "heavy": heavy, "value": v}))
"""


def run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=ROOT).stdout.strip()


def bundle_size() -> int:
    from wmo_xl.bundle import national_bundle_path

    return sum(f.stat().st_size for f in national_bundle_path().iterdir() if f.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    run(BARE), run(WARM)  # fill the OS file cache for both
    bare, warm, info = [], [], {}
    for _ in range(args.repeats):
        bare.append(float(run(BARE)))
        info = json.loads(run(WARM))
        warm.append(info["s"])
    b, w = statistics.median(bare), statistics.median(warm)
    print(f"bare import xlwings: median {1000 * b:.0f} ms (min {1000 * min(bare):.0f})")
    print(f"import UDF module + first forecast: median {1000 * w:.0f} ms (min {1000 * min(warm):.0f}) = {w / b:.2f}x (goal <= 1.6x)")
    print(f"peak RSS after the first forecast: {info['rss_mib']:.0f} MiB; heavy modules imported: {info['heavy'] or 'none'}")
    print(f"national bundle on disk: {bundle_size() / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
