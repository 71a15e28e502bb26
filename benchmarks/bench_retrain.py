"""Retrain speed (goal from issue #5: one municipality, <= 100 wijken x 10 years, < 3 s).

Generates a Data sheet for the 99 wijken of Amsterdam (GM0363) over 2016-2025 in a fresh
.xlsx, then times the whole retrain through the openpyxl front end (read, validate, fit,
local backtest, write the bundle and the Controle sheet). Run: python benchmarks/bench_retrain.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl


def main() -> None:
    from wmo_xl.bundle import get_bundle
    from wmo_xl.retrain import retrain
    from wmo_xl.excel.sheets import OpenpyxlBook

    est = get_bundle().model("totaal")
    wijken = est.wijken_of("GM0363")[:100]
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "amsterdam.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Data"
        ws.append(["wijk", "jaar", "clienten"])
        for w in wijken:
            base = rng.integers(100, 2000)
            for k, year in enumerate(range(2016, 2026)):
                ws.append([w, year, int(base * 1.03**k)])
        wb.save(path)
        t = time.perf_counter()
        result = retrain(OpenpyxlBook(path))
        elapsed = time.perf_counter() - t
    print(f"retrain {len(wijken)} wijken x 10 years ({result.rows_used} rows): {elapsed:.2f} s (goal < 3 s)")


if __name__ == "__main__":
    main()
