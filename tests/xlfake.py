"""xlwings' own UDF dispatch (``xlwings.udfs.call_udf``) runnable off Windows.

In Excel, the VBA wrapper hands the UDF server a COM ``Range`` for a range argument, a
float for a number, the integer DISP_E_PARAMNOTFOUND for an omitted optional argument and
``ThisWorkbook``; ``call_udf`` turns these into Python values through xlwings' conversion
pipeline and shapes the return value for Excel. Here pywin32 is stood in for, and
``xlwings._xlwindows`` (the pywin32 engine, which needs Windows to import) is replaced by a
small module whose value cleaning and return preparation are xlwings' OWN functions, taken
from ``_xlwindows.py``'s source; only the COM objects are fakes.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import sys
import types
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import numpy as np
import pandas as pd

#: What VBA passes for an omitted Optional argument (DISP_E_PARAMNOTFOUND).
MISSING = -2147352572


class ComRange:
    """A COM Range as pywin32 shows it: ``Value`` is a scalar for one cell and a tuple of
    row tuples for several; empty cells are None. Reading ``CLSID`` fails, as it does where
    pywin32 has no generated Excel cache (xlwings #1404)."""

    _oleobj_ = object()

    def __init__(self, rows: list[list[Any]]) -> None:
        self.Value: Any = rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else tuple(tuple(r) for r in rows)

    @property
    def CLSID(self) -> Any:  # noqa: N802 (COM name)
        raise AttributeError("CLSID: no generated pywin32 cache for Excel")


class ComWorkbook:
    """``ThisWorkbook`` as the wrapper passes it: only ``FullName`` is read."""

    def __init__(self, full_name: str) -> None:
        self.FullName = full_name


def _xlwindows_source() -> ast.Module:
    import xlwings

    return ast.parse((Path(xlwings.__file__).parent / "_xlwindows.py").read_text(encoding="utf-8"))


def fake_xlwindows() -> types.ModuleType:
    """``xlwings._xlwindows`` with xlwings' own cleaning functions and fake COM plumbing."""
    import xlwings
    from xlwings.utils import fullname_url_to_local_path

    tree = _xlwindows_source()
    wanted_funcs = {"_clean_value_data_element", "_com_time_to_datetime"}
    nodes: list[ast.stmt] = []
    engine_methods: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in wanted_funcs:
            nodes.append(node)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "cell_errors" for t in node.targets):
            nodes.append(node)
        elif isinstance(node, ast.ClassDef) and node.name == "Engine":
            engine_methods = [m for m in node.body if isinstance(m, ast.FunctionDef) and m.name in ("prepare_xl_data_element", "clean_value_data")]
    assert len(nodes) == 3 and len(engine_methods) == 2, "xlwings' _xlwindows.py changed shape"
    mod = types.ModuleType("xlwings._xlwindows")
    ns = mod.__dict__
    ns.update(dt=dt, np=np, pd=pd, time_types=(dt.date, dt.datetime, np.datetime64), BOOK_CALLER=None,
              _datetime_to_com_time=lambda x: x)
    exec(compile(ast.Module(body=nodes, type_ignores=[]), "xlwings/_xlwindows.py", "exec"), ns)
    engine_cls = ast.fix_missing_locations(ast.Module(body=[ast.ClassDef(
        name="EngineImpl", bases=[], keywords=[], body=engine_methods, decorator_list=[], type_params=[])], type_ignores=[]))
    exec(compile(engine_cls, "xlwings/_xlwindows.py", "exec"), ns)
    engine_impl = ns["EngineImpl"]
    engine_impl.name = "excel"
    engine_impl.type = "desktop"

    class AppImpl:
        engine = engine_impl()
        pid = 4242

    class Book:
        def __init__(self, xl: Any = None) -> None:
            self.xl = xl
            self.app = AppImpl()

        @property
        def fullname(self) -> str:  # as _xlwindows.Book.fullname: a URL is mapped to the synced folder
            name = self.xl.FullName
            return fullname_url_to_local_path(url=name) if "://" in name else name

    class SheetImpl:
        book = Book()

    class Range:
        max_cells_per_read = None

        def __init__(self, xl: Any = None) -> None:
            self.xl = xl
            self.sheet = SheetImpl()

        @property
        def raw_value(self) -> Any:
            return self.xl.Value if self.xl is not None else None

    ns.update(Book=Book, Range=Range, is_range_instance=lambda r: isinstance(r, ComRange))
    ns["engine"] = engine_impl()
    assert xlwings  # imported for its side effects on sys.modules
    return mod


def install(monkeypatch: Any) -> tuple[types.ModuleType, types.ModuleType]:
    """Patch the process so ``call_udf`` runs; returns (xlwings.udfs, the decorated UDF module)."""
    import xlwings
    from xlwings.main import Engine, Engines

    from wmo_xl.excel import contract, vba

    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, MagicMock())
    fake = fake_xlwindows()
    monkeypatch.setitem(sys.modules, "xlwings._xlwindows", fake)
    monkeypatch.setattr(xlwings, "_xlwindows", fake, raising=False)
    monkeypatch.setitem(sys.modules, "xlwings.com_server", types.SimpleNamespace(loop=None))
    engines = Engines()
    engines.add(Engine(impl=fake.engine))
    monkeypatch.setattr(xlwings, "engines", engines)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xu = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xu, "Dispatch", lambda obj: obj)  # Dispatch(ThisWorkbook) -> the same COM object
    module = vba.decorated_udf_module(xu)
    monkeypatch.setitem(xu.udf_modules, contract.UDF_MODULE, {"module": module, "filetime": None, "filename": module.__file__})
    return xu, module


def call(xu: types.ModuleType, name: str, *args: Any, workbook: ComWorkbook | None = None) -> Any:
    """What the VBA wrapper does: ``XLPy.CallUDF(module, name, Array(args), ThisWorkbook, Application.Caller)``."""
    from wmo_xl.excel import contract

    try:
        return xu.call_udf(contract.UDF_MODULE, name, args, workbook, ComRange([["(caller)"]]))
    finally:
        import xlwings

        xlwings._xlwindows.BOOK_CALLER = None
