"""Recalculate a workbook with the `formulas` package, the project's UDFs registered under
their Excel names, converting values the way xlwings hands them to Python."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

UDF_NAMES = ["wmo_forecast", "wmo_forecast_table", "wmo_range", "wmo_cost", "wmo_cost_scenario",
             "wmo_clients", "wmo_wijken", "wmo_model_info", "wmo_forecast_sheet", "wmo_budget", "wmo_realisatie",
             "wmo_wijken_budget"]
#: Calls per UDF name since the last :func:`reset_calls` (the benchmark counts round trips).
calls: dict[str, int] = {}


def reset_calls() -> None:
    calls.clear()


def _cell(v: Any) -> Any:
    import schedula as sh
    from formulas.tokens.operand import XlError

    if v is sh.EMPTY or isinstance(v, XlError):
        return None
    return v.item() if isinstance(v, np.generic) else v


def _arg(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        if x.size == 1:
            return _cell(x.reshape(-1)[0])
        return [[_cell(v) for v in row] for row in np.atleast_2d(x).tolist()]
    return _cell(x)


def register_udfs() -> None:
    import formulas
    import formulas.functions

    from wmo_xl.excel import udfs

    funcs = formulas.get_functions()
    for name in UDF_NAMES:
        f = getattr(udfs, name)

        def call(*args: Any, _f: Any = f, _name: str = name) -> Any:
            calls[_name] = calls.get(_name, 0) + 1
            out = _f(*map(_arg, args))
            return np.asarray(out, dtype=object) if isinstance(out, list) else out

        funcs[name.upper()] = formulas.functions.wrap_func(call)


def load(path: str | Path) -> Any:
    import formulas

    register_udfs()
    return formulas.ExcelModel().loads(str(path)).finish()


def key(book: str, sheet: str, cell: str) -> str:
    return f"'[{book}]{sheet.upper()}'!{cell}"


def value(solution: Any, book: str, sheet: str, cell: str) -> Any:
    """One cell's value, also from inside a spilled (dynamic-array) range."""
    k = key(book, sheet, cell)
    if k in solution:
        v = solution[k]
        v = v.value if hasattr(v, "value") else v
        return _cell(np.asarray(v).reshape(-1)[0])
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string, range_boundaries

    col, row = coordinate_from_string(cell)
    c = column_index_from_string(col)
    prefix = key(book, sheet, "")
    for name, v in solution.items():
        if name.startswith(prefix) and ":" in name:
            c0, r0, c1, r1 = range_boundaries(name[len(prefix):])
            if c0 <= c <= c1 and r0 <= row <= r1:
                arr = np.asarray(v.value if hasattr(v, "value") else v, dtype=object)
                return _cell(arr[row - r0, c - c0]) if arr.ndim == 2 else _cell(arr.reshape(-1)[0])
    raise KeyError(k)


def dependent_calls(xl: Any, inputs: dict[str, Any] | list[str]) -> dict[str, int]:
    """UDF calls in the formulas that depend on the given cells: what Excel recalculates after
    an edit (the formulas engine itself recalculates everything)."""
    graph = xl.dsp.dmap
    seen, stack = set(inputs), list(inputs)
    while stack:
        for m in graph.succ[stack.pop()]:
            if m not in seen:
                seen.add(m)
                stack.append(m)
    counts: dict[str, int] = {}
    for node in seen:
        for name in UDF_NAMES:
            k = str(node).upper().count(name.upper() + "(")
            if k:
                counts[name] = counts.get(name, 0) + k
    return counts
