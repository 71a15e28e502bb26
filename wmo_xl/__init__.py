"""wmo_xl: Wmo client forecasts per wijk and a cost menu card, for controllers in Excel.

The core (this package minus :mod:`wmo_xl.excel`) never imports
xlwings; the CLI, the Excel layer and the tests all call the same functions.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import WmoError  # noqa: E402
from .forecast import forecast, forecast_interval, forecast_table  # noqa: E402

__all__ = ["WmoError", "__version__", "forecast", "forecast_interval", "forecast_table", "main"]


def main() -> None:
    """What the buttons of older templates ran (xlwings' ``SampleCall``); current templates
    call :mod:`wmo_xl.excel.macros` directly."""
    from .excel.macros import main as macro_main

    macro_main()
