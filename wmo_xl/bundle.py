"""Model bundles on disk: save atomically, load only when every SHA-256 matches.

A bundle is a directory with ``model.joblib`` (the fitted estimators, one per category,
plus gemeente names), ``manifest.json`` (hashes, training years, provenance, backtest
metrics, library versions) and ``MODEL_CARD.md``. joblib files run code when loaded, so
:func:`load_bundle` hashes every file listed in the manifest first and refuses a changed
or missing one.

Loaded bundles are cached per process (keyed by resolved path), so the Excel functions do
no file I/O after the first call. Writing a bundle replaces the directory in one
``os.replace`` of a fully written temporary directory; the previous version is kept as
``<name>.previous``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import joblib

from .errors import ModelIntegrityError, WmoError
from .model import WmoForecaster

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
BUNDLE_FORMAT = 1

_cache: dict[str, Bundle] = {}
_lock = threading.Lock()
_active: Path | None = None


@dataclass
class Bundle:
    """A loaded, verified model bundle."""

    path: Path
    manifest: dict[str, Any]
    models: dict[str, WmoForecaster]
    gemeentenamen: dict[str, str] = field(default_factory=dict)

    def model(self, category: str) -> WmoForecaster:
        if category not in self.models:
            raise WmoError(f"category {category!r} not in this model: accepted are {', '.join(self.models)}")
        return self.models[category]

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", "national"))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions that must match for the pickled estimators to load faithfully."""
    import numpy
    import pandas
    import sklearn

    return {
        "python": platform.python_version(), "numpy": numpy.__version__, "pandas": pandas.__version__,
        "scikit-learn": sklearn.__version__, "joblib": joblib.__version__,
    }


def national_bundle_path() -> Path:
    """The bundled national model: installed package data, else the checkout's models/."""
    try:
        p = Path(str(resources.files("wmo_xl._models") / "national"))
        if (p / MANIFEST_FILE).is_file():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "models" / "national"


def set_active_model(path: str | Path | None) -> None:
    """Make a bundle the default for ``model=None`` (None: back to the national model)."""
    global _active
    _active = Path(path).resolve() if path is not None else None


def active_model_path() -> Path:
    env = os.environ.get("WMO_XL_MODEL")
    if _active is not None:
        return _active
    return Path(env).resolve() if env else national_bundle_path()


_workbook_models: dict[str, Path | None] = {}


def local_bundle_path(workbook: str | Path) -> Path:
    """Where a workbook's retrained bundle lives: ``<dir>/<stem>_wmo_model`` beside it."""
    wb = Path(workbook)
    return wb.with_name(f"{wb.stem}_wmo_model")


def set_workbook_model(workbook: str | Path, path: str | Path | None) -> None:
    """Tell this process which bundle a workbook uses (None: the national model)."""
    _workbook_models[str(workbook)] = Path(path).resolve() if path is not None else None


def deactivate_local_bundle(workbook: str | Path) -> Path | None:
    """Back to the national model for a workbook: its bundle is renamed ``.inactive``, not deleted."""
    local = local_bundle_path(workbook)
    set_workbook_model(workbook, None)
    if not local.exists():
        return None
    kept = local.with_name(local.name + ".inactive")
    if kept.exists():
        shutil.rmtree(kept)
    os.replace(local, kept)
    clear_cache(local)
    return kept


def model_for_workbook(workbook: str | Path | None) -> Path | None:
    """The workbook's local bundle if it has one, else None (= active model).

    Looked up on disk once per workbook and process, then remembered; the retrain and
    reset macros update the memory with :func:`set_workbook_model`.
    """
    if workbook is None:
        return None
    key = str(workbook)
    if key not in _workbook_models:
        local = local_bundle_path(workbook)
        _workbook_models[key] = local.resolve() if (local / MANIFEST_FILE).is_file() else None
    return _workbook_models[key]


def clear_cache(path: str | Path | None = None) -> None:
    """Forget loaded bundles (all, or one path), e.g. after a retrain wrote a new one."""
    with _lock:
        if path is None:
            _cache.clear()
        else:
            _cache.pop(str(Path(path).resolve()), None)


def get_bundle(path: str | Path | None = None) -> Bundle:
    """The bundle at ``path`` (None: the active one), loaded and verified once per process."""
    p = Path(path).resolve() if path is not None else active_model_path()
    key = str(p)
    bundle = _cache.get(key)
    if bundle is None:
        with _lock:
            bundle = _cache.get(key)
            if bundle is None:
                bundle = load_bundle(p)
                _cache[key] = bundle
    return bundle


def verify(path: Path) -> dict[str, Any]:
    """Read the manifest and check every listed file's SHA-256; return the manifest."""
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        raise WmoError(f"no model bundle at {str(path)!r}: expected a directory with {MANIFEST_FILE} (run 'wmo-xl train')")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = dict(manifest["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelIntegrityError(f"manifest {str(manifest_path)!r} is unreadable: {exc}") from None
    if MODEL_FILE not in files:
        raise ModelIntegrityError(f"manifest {str(manifest_path)!r} does not list {MODEL_FILE}")
    for name, digest in files.items():
        f = path / name
        if not f.is_file():
            raise ModelIntegrityError(f"model file {name} listed in the manifest is missing from {str(path)!r}")
        if sha256_of(f) != digest:
            raise ModelIntegrityError(
                f"model file {name} in {str(path)!r} does not match its SHA-256 in the manifest: "
                "refusing to load it (rebuild with 'wmo-xl train' or restore the original)"
            )
    return manifest


def load_bundle(path: str | Path) -> Bundle:
    """Verify hashes, then unpickle. Never call joblib.load on an unverified file."""
    p = Path(path)
    fallback = p.with_name(p.name + ".previous")
    if not (p / MANIFEST_FILE).exists() and (fallback / MANIFEST_FILE).exists():
        p = fallback  # a write was interrupted between its two renames: use the kept one
    manifest = verify(p)
    payload = joblib.load(p / MODEL_FILE)
    return Bundle(path=p, manifest=manifest, models=payload["models"], gemeentenamen=payload.get("gemeentenamen", {}))


def write_bundle(
    out: str | Path,
    models: dict[str, WmoForecaster],
    manifest: dict[str, Any],
    *,
    gemeentenamen: dict[str, str] | None = None,
    card: str | None = None,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write a bundle atomically: build it in a temp dir beside ``out``, then swap it in.

    The old bundle (if any) becomes ``<out>.previous``; a crash before the swap leaves the
    old bundle untouched, and the temp dir is removed.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        tmp.chmod(0o755)
        joblib.dump({"models": models, "gemeentenamen": gemeentenamen or {}}, tmp / MODEL_FILE, compress=3)
        files = {MODEL_FILE: sha256_of(tmp / MODEL_FILE)}
        if card is not None:
            (tmp / CARD_FILE).write_text(card, encoding="utf-8")
            files[CARD_FILE] = sha256_of(tmp / CARD_FILE)
        for name, data in (extra_files or {}).items():  # data files beside the model (e.g. wijk names)
            if Path(name).name != name or name in files or name == MANIFEST_FILE:
                raise ValueError(f"extra bundle file {name!r} must be a plain, new file name")
            (tmp / name).write_bytes(data)
            files[name] = sha256_of(tmp / name)
        full = {
            "format": BUNDLE_FORMAT,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **manifest,
            "libraries": library_versions(),
            "files": files,
        }
        (tmp / MANIFEST_FILE).write_text(json.dumps(full, indent=2, sort_keys=False), encoding="utf-8")
        previous = out.with_name(out.name + ".previous")
        if out.exists():
            if previous.exists():
                shutil.rmtree(previous)
            os.replace(out, previous)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    clear_cache(out)
    return out
