"""The VBA wrappers shipped in the template agree with the Python UDFs.

xlwings' decorators are no-ops on Linux, and xlwings.udfs imports pywin32. With stand-ins
for pywin32, :mod:`wmo_xl.excel.vba` runs the real decorators and xlwings' own
``generate_vba_wrapper``: the text that "Import Functions" would write. The committed
template must hold exactly that text, so a UDF whose signature changes without a rebuild
of the template fails here.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from wmo_xl.excel import contract, udfs, vba

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "wmo_xl.xlsm"


def _template_modules() -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    return {Path(name).stem: code.replace("\r\n", "\n") for _, _, name, code in VBA_Parser(str(TEMPLATE)).extract_macros()}


def test_committed_wrappers_equal_a_fresh_generation() -> None:
    assert _template_modules()[contract.VBA_UDF_MODULE].strip() == vba.udf_wrapper_source().strip()


def test_every_udf_has_a_wrapper_with_its_parameters() -> None:
    code = _template_modules()[contract.VBA_UDF_MODULE]
    sigs = dict(re.findall(r"^Function (\w+)\(([^)]*)\)", code, re.M))
    python = {name: f for name, f in vars(udfs).items() if name.startswith("wmo_") and callable(f) and not name.startswith("wmo_x")}
    assert set(sigs) == set(python)
    for name, f in python.items():
        params = inspect.signature(f).parameters.values()
        want = ", ".join(("Optional " if p.default is not inspect.Parameter.empty else "") + p.name for p in params)
        assert sigs[name] == want, name
        assert f'XLPy.CallUDF("{contract.UDF_MODULE}", "{name}"' in code


def test_no_reserved_caller_argument() -> None:
    """A ``caller`` parameter makes xlwings build the caller range from Range.CLSID, which
    fails without pywin32's generated Excel cache (xlwings #1404)."""
    for name, rec in vba.udf_functions().items():
        assert "caller" not in [a["name"] for a in rec["args"]], name


def test_no_type_hint_turns_into_a_converter() -> None:
    """xlwings reads parameter annotations as converters; a stray `Any` would break calls."""
    funcs = vba.udf_functions()
    assert len(funcs) == 12
    for name, rec in funcs.items():
        for a in rec["args"]:
            assert "convert" not in a["options"], (name, a["name"])
        assert "convert" not in rec["ret"]["options"], name
    assert funcs["wmo_cost"]["argmap"]["menu"]["options"] == {"ndim": 2}
    assert funcs["wmo_budget"]["argmap"]["menu"]["options"] == {"ndim": 2}
    assert funcs["wmo_budget"]["argmap"]["scenario"]["options"] == {"ndim": 2}
    assert funcs["wmo_realisatie"]["argmap"]["realisatie"]["options"] == {"ndim": 2}
    assert funcs["wmo_wijken_budget"]["argmap"]["menu"]["options"] == {"ndim": 2}


def test_generation_leaves_the_process_as_it_was() -> None:
    import sys

    import xlwings as xw

    before = (xw.func, "xlwings.udfs" in sys.modules, "pythoncom" in sys.modules, sys.modules.get(contract.UDF_MODULE))
    vba.udf_wrapper_source()
    assert before == (xw.func, "xlwings.udfs" in sys.modules, "pythoncom" in sys.modules, sys.modules.get(contract.UDF_MODULE))
