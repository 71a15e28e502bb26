"""Which model a workbook uses: its own retrained bundle beside it, if this user made it.

``<dir>/<stem>_wmo_model`` beside a workbook is a candidate only. It is used when its
manifest carries this user's signature (:mod:`wmo_xl.bundle.trust`) and names this
workbook; otherwise the national model answers and :func:`which_model` says why, so the
Excel side can show it (never a silent switch).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelIntegrityError, WmoError
from .cache import clear_cache, demand_signature, get_bundle
from .format import interrupted_write

NATIONAL = "landelijk model"


@dataclass(frozen=True)
class ModelChoice:
    """The bundle a workbook uses (None: the active national model) and a short status for Excel.

    ``status`` is Dutch and short (it heads every block of figures: "landelijk model (eigen
    model geweigerd: handtekening ontbreekt)"); ``detail`` is the full technical reason of a
    refusal (file and folder), for the Model sheet.
    """

    path: Path | None
    status: str
    detail: str = ""


def refused(reason_nl: str, detail: str = "") -> ModelChoice:
    """The national model answers because the workbook's own model was refused or not looked up."""
    return ModelChoice(None, f"{NATIONAL} (eigen model geweigerd: {reason_nl})", detail)


_choices: dict[str, ModelChoice] = {}


def local_bundle_path(workbook: str | Path) -> Path:
    """Where a workbook's retrained bundle lives: ``<dir>/<stem>_wmo_model`` beside it."""
    wb = Path(workbook)
    return wb.with_name(f"{wb.stem}_wmo_model")


def _own(path: Path) -> ModelChoice:
    try:
        refreshed = get_bundle(path).manifest.get("source") == "cbs_refresh"
    except WmoError:
        refreshed = False
    return ModelChoice(path, f"eigen model ({path.name}{', ververst van CBS' if refreshed else ''})")


def set_workbook_model(workbook: str | Path, path: str | Path | None) -> None:
    """Tell this process which bundle a workbook uses (None: the national model)."""
    if path is None:
        _choices[str(workbook)] = ModelChoice(None, NATIONAL)
        return
    p = Path(path).resolve()
    demand_signature(p)
    _choices[str(workbook)] = _own(p)


def forget_workbook_choices() -> None:
    """Look again on the next call (e.g. after ``wmo-xl trust-model`` in this process)."""
    _choices.clear()


def which_model(workbook_fullname: str | None) -> ModelChoice:
    """The model a workbook uses, checked once per workbook and process.

    The local bundle is loaded here (signature and hashes checked on the bytes it is parsed
    from); a refused one leaves the national model in use with the reason in the status.
    """
    if workbook_fullname is None:
        return ModelChoice(None, NATIONAL)
    key = str(workbook_fullname)
    choice = _choices.get(key)
    if choice is None:
        choice = _choose(workbook_fullname)
        _choices[key] = choice
    return choice


def _choose(workbook: str) -> ModelChoice:
    """The workbook's own model, or the national one with the reason.

    ``<stem>_wmo_model.previous`` stands in only for a write that died between its two
    renames (:func:`wmo_xl.bundle.format.interrupted_write`); a folder the user retired
    (``reset-model``: ``.inactive``; or removed) is never picked, whatever ``.previous`` holds.
    """
    local = local_bundle_path(workbook)
    if not local.exists() and not local.is_symlink() and not interrupted_write(local):
        return ModelChoice(None, NATIONAL)
    try:
        if local.is_symlink():
            return refused("de modelmap is een link (links worden niet gevolgd)", f"{local.name} is a link; links are not followed")
        p = local.absolute()
        demand_signature(p)
        bundle = get_bundle(p, require_signature=True)
        made_for = bundle.manifest.get("workbook")
        if made_for is not None and Path(str(made_for)).stem.casefold() != Path(workbook).stem.casefold():
            return refused(f"gemaakt voor werkmap {str(made_for)[:60]}", f"made for workbook {made_for!r}, not this one")
    except ModelIntegrityError as exc:
        return refused(exc.reason_nl, str(exc))
    except WmoError as exc:
        reason = "oud modelformaat; hertrain" if "old model format" in str(exc) else "onleesbaar"
        return refused(reason, str(exc))
    except OSError as exc:
        return refused("onleesbaar", str(exc))
    return _own(p)


def model_for_workbook(workbook: str | Path | None) -> Path | None:
    """The workbook's trusted local bundle, or None (= active model); see :func:`which_model`."""
    return which_model(None if workbook is None else str(workbook)).path


def deactivate_local_bundle(workbook: str | Path) -> Path | None:
    """Back to the national model for a workbook: its bundle is renamed ``.inactive`` (``.inactive-2``, ...), never deleted.

    Its ``.previous`` (left by a second retrain) is set aside as ``.previous.inactive`` too.
    """
    from ..safefiles import is_project_bundle, set_aside

    local = local_bundle_path(workbook)
    previous = local.with_name(local.name + ".previous")
    set_workbook_model(workbook, None)
    kept = set_aside(local, ".inactive")  # numbered: every model set aside is kept; links and foreign folders refused
    if kept is not None:
        clear_cache(local)
    # the one before the last is retired too: it is never a way back to the own model
    older = set_aside(previous, ".inactive") if previous.exists() and is_project_bundle(previous) else None
    return kept or older
