"""What Excel's "Import Functions" (ImportPythonUDFs) would write, generated off Windows.

xlwings' decorators are no-ops on Linux, and xlwings.udfs imports pywin32. With stand-ins
for the three pywin32 modules, the real decorators run on wmo_xl.udfs and xlwings' own
generate_vba_wrapper writes the VBA text that ImportPythonUDFs puts into the workbook.
"""

from __future__ import annotations

import importlib
import io
import sys
import types
from unittest.mock import MagicMock

import pytest

import wmo_xl


@pytest.fixture()
def real_xlwings_udfs(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, MagicMock())
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xu = importlib.import_module("xlwings.udfs")
    import xlwings

    monkeypatch.setattr(xlwings, "func", xu.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xu.xlarg)
    monkeypatch.setattr(xlwings, "ret", xu.xlret)
    original = importlib.import_module("wmo_xl.udfs")
    monkeypatch.setattr(wmo_xl, "udfs", original)  # restored afterwards for the other tests
    monkeypatch.delitem(sys.modules, "wmo_xl.udfs")
    module = importlib.import_module("wmo_xl.udfs")
    yield xu, module


def test_vba_wrappers(real_xlwings_udfs) -> None:  # type: ignore[no-untyped-def]
    xu, module = real_xlwings_udfs
    out = io.StringIO()
    xu.generate_vba_wrapper("wmo_xl.udfs", module, out, types.SimpleNamespace(Name="wmo_xl.xlsm"))
    vba = out.getvalue()
    assert "Function wmo_forecast(wijk, year, Optional category)" in vba  # caller is hidden
    assert "Function wmo_forecast_table(wijken, years, Optional category)" in vba
    assert "Function wmo_cost(service, clients, menu, Optional year)" in vba
    assert "Function wmo_model_info()" in vba
    assert vba.count("End Function") == 8


def test_no_type_hint_turns_into_a_converter(real_xlwings_udfs) -> None:  # type: ignore[no-untyped-def]
    """xlwings reads parameter annotations as converters; a stray `Any` would break calls."""
    _, module = real_xlwings_udfs
    funcs = [getattr(module, n) for n in dir(module) if hasattr(getattr(module, n), "__xlfunc__")]
    assert len(funcs) == 8
    for f in funcs:
        for a in f.__xlfunc__["args"]:
            assert "convert" not in a["options"], (f.__name__, a["name"])
        assert "convert" not in f.__xlfunc__["ret"]["options"], f.__name__
    menu = module.wmo_cost.__xlfunc__["argmap"]["menu"]
    assert menu["options"] == {"ndim": 2}
