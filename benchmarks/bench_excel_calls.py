"""UDF calls (COM round trips) per recalculation of the template, and the Python time of each.

run: PYTHONPATH=. python benchmarks/bench_excel_calls.py [--workbook workbook/wmo_xl.xlsm]

Recalculates the workbook with the ``formulas`` engine, the project's UDFs registered under
their Excel names behind a counting, timing wrapper (tests/xlcalc.py). Three scenarios, as a
controller meets them: the first full recalculation, switching the gemeente on the Forecast
sheet, and editing one price on the Menukaart. Each UDF cell is one VBA -> COM -> Python
round trip in Excel (~13-20 ms each, xlwings #1976/#2315): the estimate below uses 20 ms.
Goals: full recalculation <= 12 calls, price edit <= 3 calls.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ROUND_TRIP_MS = 20.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workbook", default=str(ROOT / "workbook" / "wmo_xl.xlsm"))
    ap.add_argument("--gemeente", default="GM0518", help="gemeente to switch to")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    import xlcalc  # noqa: E402 (the project's recalculation helper)

    from wmo_xl.excel import udfs

    timings: dict[str, list[float]] = defaultdict(list)
    for name in xlcalc.UDF_NAMES:  # time every call the engine makes
        f = getattr(udfs, name)

        def timed(*a: Any, _f: Any = f, _n: str = name, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                timings[_n].append(time.perf_counter() - t)

        setattr(udfs, name, timed)
    path = Path(args.workbook)
    book = path.name
    t = time.perf_counter()
    xl = xlcalc.load(path)
    print(f"{path.name}: loaded into the formulas engine in {time.perf_counter() - t:.1f} s")

    def scenario(label: str, inputs: dict[str, Any] | None = None) -> None:
        xlcalc.reset_calls()
        timings.clear()
        xl.calculate(inputs=inputs) if inputs else xl.calculate()
        calls = xlcalc.dependent_calls(xl, inputs) if inputs else dict(xlcalc.calls)
        n = sum(calls.values())
        mean = {k: sum(v) / len(v) for k, v in timings.items()}
        py = sum(calls[k] * mean[k] for k in calls)
        per = ", ".join(f"{k} {calls[k]} x {1000 * mean[k]:.1f} ms" for k in sorted(calls))
        print(f"{label}: {n} UDF calls, Python {1000 * py:.0f} ms in total ({per}); "
              f"in Excel ~{n * ROUND_TRIP_MS / 1000:.2f} s of round trips on top")

    scenario("full recalculation")
    scenario("full recalculation (warm)")
    scenario(f"gemeente switch to {args.gemeente}", {xlcalc.key(book, "Forecast", "C4"): args.gemeente})
    import openpyxl

    ws = openpyxl.load_workbook(path)["Menukaart"]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "dienst")
    col = next(c for c in range(1, 20) if ws.cell(header, c).value == "prijs")
    cell = f"{openpyxl.utils.get_column_letter(col)}{header + 3}"
    scenario(f"price edit (Menukaart!{cell} +10%)", {xlcalc.key(book, "Menukaart", cell): float(ws[cell].value) * 1.1})


if __name__ == "__main__":
    main()
