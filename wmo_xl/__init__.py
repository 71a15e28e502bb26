"""wmo_xl: Wmo client forecasts per wijk and a cost menu card, for controllers in Excel.

The core (this package minus the Excel layer) never imports xlwings; the CLI, the Excel
layer and the tests all call the same functions. Imports are lazy (PEP 562): ``import
wmo_xl`` loads nothing heavy, and ``wmo_xl.forecast`` pulls in only what prediction needs.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "WmoError": "errors",
    "forecast": "forecast",
    "forecast_interval": "forecast",
    "forecast_table": "forecast",
}

__all__ = ["WmoError", "__version__", "forecast", "forecast_interval", "forecast_table", "main"]

if TYPE_CHECKING:
    from .errors import WmoError
    from .forecast import forecast, forecast_interval, forecast_table


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'wmo_xl' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(ModuleType):
    """``wmo_xl.forecast`` stays the function although a submodule has the same name.

    Importing ``wmo_xl.forecast`` (the module) makes the import system bind it on the
    package; this keeps that binding off, so the lazy lookup above returns the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def main() -> None:
    """What the buttons of older templates ran (xlwings' ``SampleCall``); current templates
    call :mod:`wmo_xl.excel.macros` directly."""
    from .excel.macros import main as macro_main

    macro_main()
