"""Workbook macros (xlwings RunPython): Retrain and Reset, the thin Excel layer over retrain.

The template's buttons call the VBA macro ``SampleCall`` of the xlwings standalone template,
which runs ``import wmo_xl; wmo_xl.main()`` (the workbook is named wmo_xl.xlsm).
:func:`main` then looks at which button was clicked (``Application.Caller``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bundle import clear_cache, deactivate_local_bundle, set_workbook_model
from .errors import WmoError
from .retrain import RetrainResult
from .retrain import retrain as run_retrain
from .sheets import SheetAccess, XlwingsBook

RESET_BUTTONS = {"Button 2", "Knop 2"}  # Excel's default name for the second form button (EN/NL)


def _caller_book() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def retrain(book: SheetAccess | None = None) -> RetrainResult | None:
    """Retrain on the Data sheet and make the workbook use its own model.

    Errors become a status-bar message and a cell note on Controle, never a traceback.
    """
    access = book or XlwingsBook(_caller_book())
    try:
        result = run_retrain(access)
    except WmoError as exc:
        access.status(f"wmo_xl: niet hertraind - {exc}")
        return None
    set_workbook_model(access.path, result.bundle_path)
    clear_cache(result.bundle_path)
    _recalculate(access)
    return result


def reset_model(book: SheetAccess | None = None) -> Path | None:
    """Back to the national model. The local bundle is kept aside (renamed), never deleted."""
    access = book or XlwingsBook(_caller_book())
    try:
        kept = deactivate_local_bundle(access.path)
    except WmoError as exc:  # a link or a folder the project did not write: left as it is
        access.status(f"wmo_xl: niet teruggezet - {exc}")
        return None
    access.status("wmo_xl: landelijk model actief" + (f" (eigen model bewaard als {kept.name})" if kept else ""))
    _recalculate(access)
    return kept


def _recalculate(access: SheetAccess) -> None:
    book = getattr(access, "book", None)
    if book is not None:
        try:
            book.app.calculate()
        except Exception:  # recalculation is a courtesy; the model switch already happened
            pass


def main() -> None:
    """Entry point of the template's buttons: Retrain, or Reset for the second button."""
    book = _caller_book()
    try:
        caller = str(book.app.api.Caller)
    except Exception:
        caller = ""
    if caller in RESET_BUTTONS:
        reset_model(XlwingsBook(book))
    else:
        retrain(XlwingsBook(book))
