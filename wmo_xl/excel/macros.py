"""Workbook macros (xlwings RunPython): Retrain, Reset, Refresh and Export, the thin Excel layer over the core.

Each button has its own VBA sub (see :mod:`wmo_xl.excel.vba`) that runs
``import wmo_xl.excel.macros as m; m.retrain()`` or ``...; m.reset_model()``: nothing depends
on the workbook's file name or on the UI language's default button names.

After a model switch the macros write a new model stamp into the workbook (an input of every
block function) and ask Excel for a full recalculation: ``Application.Calculate`` skips UDF
cells whose inputs did not change, so the sheets would keep the old model's figures.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..bundle import (
    clear_cache,
    deactivate_local_bundle,
    set_workbook_model,
    which_model,
)
from ..errors import WmoError
from ..retrain import RetrainResult
from ..retrain import retrain as run_retrain
from . import contract
from .sheets import SheetAccess, XlwingsBook


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
        access.status(f"wmo_xl: niet hertraind - {getattr(exc, 'reason_nl', exc)}")
        return None
    _use_own_model(access, result.bundle_path, f"eigen model {result.bundle_path.name}")
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
    _recalculate(access, "landelijk model")
    return kept


def refresh(book: SheetAccess | None = None) -> Path | None:
    """*Verversen van CBS*: fetch current CBS figures, train, and make the result this
    workbook's own model (signed, like a retrain); progress in the status bar.

    Without internet (or any other failure) one status line says why and nothing changes:
    the workbook keeps the model it had (:mod:`wmo_xl.cbs.refresh`).
    """
    from ..cbs.refresh import refresh_workbook_model

    access = book or XlwingsBook(_caller_book())
    try:
        result = refresh_workbook_model(access.path, progress=lambda m: access.status(f"wmo_xl: verversen van CBS - {m[:120]}"))
    except WmoError as exc:
        access.status(f"wmo_xl: niet ververst, het model is ongewijzigd - {exc}")
        return None
    _use_own_model(access, result.bundle_path, f"eigen model {result.bundle_path.name} (ververst van CBS)")
    access.status(f"wmo_xl: klaar - ververst van CBS, cijfers t/m {result.last_year}; eigen model {result.bundle_path.name} "
                  "(Terug naar landelijk model maakt dit ongedaan)")
    return result.bundle_path


def export_workbook(book: SheetAccess | None = None) -> Path | None:
    """Write the zero-install .xlsx of the workbook's model (its own after a retrain) beside it.

    The gemeente is the one chosen on the Forecast sheet. The file gets a name of its own
    (``<stem>_<gemeente>_zonder_macros.xlsx``, then ``... (2).xlsx``, ...): an earlier export
    that a colleague may have edited is never replaced.
    """
    from .export import export_workbook as write_export

    access = book or XlwingsBook(_caller_book())
    try:
        gemeente = _forecast_gemeente(access)
        choice = which_model(str(access.path))
        out = _free_name(access.path.with_name(f"{access.path.stem}_{gemeente}_zonder_macros.xlsx"))
        write_export([gemeente], out, model=choice.path, model_status=choice.status)
    except WmoError as exc:
        access.status(f"wmo_xl: niet geexporteerd - {exc}")
        return None
    access.status(f"wmo_xl: {out.name} geschreven ({choice.status}); opent zonder Python en zonder macro's")
    return out


def _forecast_gemeente(access: SheetAccess) -> str:
    """The gemeente code in the Forecast sheet's input cell."""
    col = ord(contract.FORECAST_GEMEENTE[0]) - ord("A")
    row = int(contract.FORECAST_GEMEENTE[1:]) - 1
    rows = access.read(contract.FORECAST)
    value = rows[row][col] if len(rows) > row and len(rows[row]) > col else None
    if not isinstance(value, str) or not value.strip():
        raise WmoError(f"no gemeente in {contract.FORECAST}!{contract.FORECAST_GEMEENTE}: choose one from the list")
    return value.strip().upper()


def _free_name(path: Path) -> Path:
    """``path`` itself, or the first ``stem (n).xlsx`` that does not exist yet."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    return candidate


def model_stamp(what: str) -> str:
    """The text the stamp cell gets: what is active since when (a new value every time)."""
    return f"{what}, {datetime.now().isoformat(timespec='seconds')}"


def _use_own_model(access: SheetAccess, path: Path, what: str) -> None:
    """The workbook uses the bundle just written beside it (retrain or refresh), from now on."""
    set_workbook_model(access.path, path)
    clear_cache(path)
    _recalculate(access, what)


def _recalculate(access: SheetAccess, what: str) -> None:
    """New stamp, then a full recalculation (every UDF cell, changed inputs or not)."""
    book = getattr(access, "book", None)
    if book is None:
        return
    try:
        sheet, cell = contract.MODEL_STAMP_CELL
        book.sheets[sheet].range(cell).value = model_stamp(what)
    except Exception:  # an older workbook without the stamp cell: the full recalculation still runs
        pass
    try:
        book.app.api.CalculateFull()
    except Exception:  # recalculation is a courtesy; the model switch already happened
        pass


def main() -> None:
    """What the buttons of templates before 0.2 ran (xlwings' SampleCall imports the module
    named like the workbook). They could not tell the buttons apart safely: say so and do
    nothing, instead of guessing between retrain and reset."""
    book = _caller_book()
    book.app.status_bar = ("wmo_xl: deze werkmap is gemaakt met een oudere wmo_xl; maak een nieuwe met "
                           "'wmo-xl build-workbook' (uw Data-blad kunt u overnemen)")
