"""Everything that knows Excel exists: UDFs, button macros, sheet access, the template, the zero-install export.

The core (the rest of :mod:`wmo_xl`) never imports this package. Every Excel name (sheets,
ranges, buttons, VBA modules, the xlwings pin) lives in :mod:`wmo_xl.excel.contract`.
"""
