"""Export time and file size of the zero-install workbook; run: python benchmarks/bench_export.py [--model DIR].

Prints, for one gemeente (GM0518, 's-Gravenhage: 44 wijken) and for every gemeente (--all):
the export time (best of a few runs; goal: one gemeente < 5 s, all < 60 s) and the file size
(goals from issue 14: one gemeente well under 1 MB, all under 15 MB), plus the number of
formula cells and how long the ``formulas`` package takes to recalculate the one-gemeente file
(a stand-in for Excel's recalculation, which needs no Python at all).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")


def timed_export(codes: list[str], out: Path, model: str | None, years: list[int] | None, runs: int) -> float:
    from wmo_xl.excel.export import export_workbook

    best = float("inf")
    for _ in range(runs):
        out.unlink(missing_ok=True)
        t = time.perf_counter()
        export_workbook(codes, out, model=model, years=years)
        best = min(best, time.perf_counter() - t)
    return best


def formula_count(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(z.read(n).count(b"<f>") + z.read(n).count(b"<f ") for n in z.namelist() if n.startswith("xl/worksheets/"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--gemeente", default="GM0518")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from wmo_xl.bundle import get_bundle
    from wmo_xl.wijken import gemeenten

    t = time.perf_counter()
    get_bundle(args.model)
    print(f"model load: {1000 * (time.perf_counter() - t):.0f} ms")
    with tempfile.TemporaryDirectory() as d:
        one = Path(d) / "one.xlsx"
        secs = timed_export([args.gemeente], one, args.model, list(range(2017, 2024)), args.runs)
        size = one.stat().st_size
        print(f"{args.gemeente} 2017-2023: export {secs:.2f} s, {size / 1e3:.0f} kB (goal < 1000 kB), "
              f"{formula_count(one)} formula cells")
        import formulas

        t = time.perf_counter()
        xl = formulas.ExcelModel().loads(str(one)).finish()
        load = time.perf_counter() - t
        t = time.perf_counter()
        xl.calculate()
        print(f"  formulas package: load {load:.1f} s, full recalculation {time.perf_counter() - t:.1f} s")
        codes = list(gemeenten(args.model))
        every = Path(d) / "all.xlsx"
        secs = timed_export(codes, every, args.model, None, 1)
        print(f"--all ({len(codes)} gemeenten, default years): export {secs:.1f} s, {every.stat().st_size / 1e6:.2f} MB "
              f"(goal < 15 MB), {formula_count(every)} formula cells")


if __name__ == "__main__":
    main()
