"""Recalculate a workbook with the `formulas` package, the project's UDFs registered under
their Excel names, converting values the way xlwings hands them to Python."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

UDF_NAMES = ["wmo_forecast", "wmo_forecast_table", "wmo_range", "wmo_cost", "wmo_cost_scenario",
             "wmo_clients", "wmo_wijken", "wmo_model_info"]


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

    from wmo_xl import udfs

    funcs = formulas.get_functions()
    for name in UDF_NAMES:
        f = getattr(udfs, name)

        def call(*args: Any, _f: Any = f) -> Any:
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
    v = solution[key(book, sheet, cell)]
    v = v.value if hasattr(v, "value") else v
    return _cell(np.asarray(v).reshape(-1)[0])
