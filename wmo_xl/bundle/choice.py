"""Which model a workbook uses: its own retrained bundle beside it, if this user made it.

``<dir>/<stem>_wmo_model`` beside a workbook is a candidate only. It is used when its
manifest carries this user's signature (:mod:`wmo_xl.bundle.trust`) and names this
workbook; otherwise the national model answers and :func:`which_model` says why, so the
Excel side can show it (never a silent switch).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import WmoError
from .cache import clear_cache, demand_signature, get_bundle

NATIONAL = "landelijk model"


@dataclass(frozen=True)
class ModelChoice:
    """The bundle a workbook uses (None: the active national model) and a short status for Excel."""

    path: Path | None
    status: str


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
    local = local_bundle_path(workbook)
    previous = local.with_name(local.name + ".previous")
    if not local.exists() and not local.is_symlink() and not previous.exists():
        return ModelChoice(None, NATIONAL)
    try:
        for candidate in (local, previous):
            if candidate.is_symlink():
                raise WmoError(f"{candidate.name} is a link; links are not followed")
        p = local.absolute()
        demand_signature(p)
        bundle = get_bundle(p, require_signature=True)
        made_for = bundle.manifest.get("workbook")
        if made_for is not None and Path(str(made_for)).stem.casefold() != Path(workbook).stem.casefold():
            raise WmoError(f"made for workbook {made_for!r}, not this one")
    except (WmoError, OSError) as exc:
        return ModelChoice(None, f"{NATIONAL}: eigen model naast de werkmap geweigerd: {exc}")
    return _own(p)


def model_for_workbook(workbook: str | Path | None) -> Path | None:
    """The workbook's trusted local bundle, or None (= active model); see :func:`which_model`."""
    return which_model(None if workbook is None else str(workbook)).path


def deactivate_local_bundle(workbook: str | Path) -> Path | None:
    """Back to the national model for a workbook: its bundle is renamed ``.inactive`` (``.inactive-2``, ...), never deleted."""
    from ..safefiles import set_aside

    local = local_bundle_path(workbook)
    set_workbook_model(workbook, None)
    kept = set_aside(local, ".inactive")  # numbered: every model set aside is kept; links and foreign folders refused
    if kept is not None:
        clear_cache(local)
    return kept
