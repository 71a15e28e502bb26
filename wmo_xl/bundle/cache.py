"""Loaded bundles, once per process: the Excel functions do no file I/O after the first call.

Keyed by resolved path. A path registered with :func:`demand_signature` (a workbook's own
model) is only ever served from a load that checked its signature.
"""

from __future__ import annotations

import os
import threading
from importlib import resources
from pathlib import Path

from ..errors import ModelIntegrityError, WmoError
from .format import MANIFEST_FILE, Bundle, load_bundle

_cache: dict[str, Bundle] = {}
_signed_only: set[str] = set()
_lock = threading.Lock()
_active: Path | None = None


def national_bundle_path() -> Path:
    """The bundled national model: installed package data, else the checkout's models/."""
    try:
        p = Path(str(resources.files("wmo_xl._models") / "national"))
        if (p / MANIFEST_FILE).is_file():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[2] / "models" / "national"


def set_active_model(path: str | Path | None) -> Path | None:
    """Make a bundle the default for ``model=None`` (None: back to the national model).

    Returns the previous setting, so a caller that switches for one job can switch back.
    """
    global _active
    previous = _active
    _active = Path(path).resolve() if path is not None else None
    return previous


def active_model_path() -> Path:
    env = os.environ.get("WMO_XL_MODEL")
    if _active is not None:
        return _active
    return Path(env).resolve() if env else national_bundle_path()


def demand_signature(path: str | Path) -> None:
    """From now on, serve the bundle at ``path`` only if it carries this user's signature."""
    _signed_only.add(str(Path(path).resolve()))


def clear_cache(path: str | Path | None = None) -> None:
    """Forget loaded bundles (all, or one path), e.g. after a retrain wrote a new one."""
    with _lock:
        if path is None:
            _cache.clear()
        else:
            _cache.pop(str(Path(path).resolve()), None)


def get_bundle(path: str | Path | None = None, *, require_signature: bool = False) -> Bundle:
    """The bundle at ``path`` (None: the active one), loaded and verified once per process.

    A folder named explicitly that is gone since it was loaded is an error, never an answer
    from memory (one ``stat``; a workbook's own model, chosen once per process by
    :func:`wmo_xl.bundle.which_model`, is exempt so the Excel functions do no file I/O).
    When the active model comes from ``WMO_XL_MODEL`` and cannot be read, the message says so.
    """
    p = Path(path).resolve() if path is not None else active_model_path()
    key = str(p)
    signed = require_signature or key in _signed_only
    bundle = _cache.get(key)
    if bundle is not None and path is not None and key not in _signed_only and not (bundle.path / MANIFEST_FILE).is_file():
        clear_cache(p)
        bundle = None
    if bundle is None or (signed and not bundle.signed):
        with _lock:
            bundle = _cache.get(key)
            if bundle is None or (signed and not bundle.signed):
                try:
                    bundle = load_bundle(p, require_signature=signed)
                except WmoError as exc:
                    if path is None and _active is None and os.environ.get("WMO_XL_MODEL"):
                        raise type(exc)(f"{exc} (this model folder is set by the environment variable WMO_XL_MODEL: "
                                        "correct or remove it)") from None
                    raise
                _cache[key] = bundle
    if signed and not bundle.signed:  # pragma: no cover - load_bundle raised already
        raise ModelIntegrityError(f"model in {key!r} is not signed")
    return bundle
