"""Model bundles on disk: data only (npz + JSON), written atomically, read once and verified.

A bundle is a directory with ``forecast.npz`` (per category the arrays of a
:class:`~wmo_xl.fitted.FittedForecast`, plus gemeente names), ``manifest.json`` (format,
kind, categories, SHA-256 of every file, training years, provenance, backtests) and
``MODEL_CARD.md``; a model trained on update-data folders also has ``wijknamen.json`` (wijk
code -> CBS name), listed and hashed like every file; a local bundle also has ``manifest.sig`` (:mod:`wmo_xl.bundle.trust`).

Nothing here unpickles: arrays are read with ``allow_pickle=False``, so a planted or damaged
bundle can at worst give a clear error. Each file is read once; its hash is checked on those
bytes and the same bytes are parsed, so a swap between check and use is not possible.
Manifest file names must be plain names inside the bundle (no ``..``, no path, no symlink).

Writing builds the bundle in a temporary directory beside the target and swaps it in with
``os.replace``; the previous version is kept as ``<name>.previous``. That copy is a
crash-recovery fallback only: it is read in place of ``<name>`` only while the write that
died between its two renames left its finished temp folder behind
(:func:`interrupted_write`), never when ``<name>`` was set aside or removed on purpose.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ModelIntegrityError, WmoError
from ..fitted import FittedForecast
from .trust import SIGNATURE_FILE, sign, signature_check

FORECAST_FILE = "forecast.npz"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
WIJKNAMEN_FILE = "wijknamen.json"
LEGACY_FILE = "model.joblib"
BUNDLE_FORMAT = 2
_NAMES = "gemeentenamen"
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class Manifest(BaseModel):
    """The checked part of ``manifest.json``; other keys (provenance, backtests...) pass through."""

    model_config = ConfigDict(extra="allow")

    format: Literal[2]
    kind: Literal["national", "local"] = "national"
    created: str = ""
    categories: list[str] = Field(min_length=1)
    files: dict[str, str]
    workbook: str | None = None  # local bundles: the workbook (file name) they were retrained for

    @field_validator("files")
    @classmethod
    def _plain_names(cls, files: dict[str, str]) -> dict[str, str]:
        for name, digest in files.items():
            if not _PLAIN.match(name) or ".." in name:
                raise ValueError(f"file name {name!r} is not a plain name inside the bundle")
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise ValueError(f"SHA-256 of {name} is not 64 hex digits")
        if FORECAST_FILE not in files:
            raise ValueError(f"{FORECAST_FILE} is not listed")
        return files

    @field_validator("categories")
    @classmethod
    def _plain_categories(cls, cats: list[str]) -> list[str]:
        bad = [c for c in cats if not re.fullmatch(r"[a-z][a-z0-9_]*", c)]
        if bad:
            raise ValueError(f"category {bad[0]!r} is not a plain lower-case name")
        return cats


@dataclass
class Bundle:
    """A loaded, verified model bundle."""

    path: Path
    manifest: dict[str, Any]
    models: dict[str, FittedForecast]
    gemeentenamen: dict[str, str] = field(default_factory=dict)
    wijknamen: dict[str, str] = field(default_factory=dict)
    signed: bool = False  # manifest.sig is this user's HMAC of the manifest

    def model(self, category: str) -> FittedForecast:
        if category not in self.models:
            raise WmoError(f"category {category!r} not in this model: accepted are {', '.join(self.models)}")
        return self.models[category]

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", "national"))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_versions() -> dict[str, str]:
    """Versions that wrote the bundle (for the record: reading needs only numpy)."""
    return {"python": platform.python_version(), "numpy": np.__version__}


def _read_plain(folder: Path, name: str) -> bytes | None:
    """Bytes of a regular file directly in ``folder``, never through a symlink (None: absent)."""
    f = folder / name
    if f.is_symlink():
        raise ModelIntegrityError(f"model file {name} in {str(folder)!r} is a symbolic link: refused")
    if not f.exists():
        return None
    if not f.is_file() or f.resolve().parent != folder.resolve():
        raise ModelIntegrityError(f"model file {name} in {str(folder)!r} is not a plain file in the bundle: refused")
    fd = os.open(f, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _old_format_error(path: Path) -> WmoError:
    return WmoError(f"old model format in {str(path)!r} ({LEGACY_FILE}, a joblib pickle, not loaded): retrain with 'wmo-xl train' "
                    "or the Retrain button, or update wmo_xl")


def _parse_manifest(path: Path, raw: bytes) -> tuple[dict[str, Any], Manifest]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise ModelIntegrityError(f"manifest in {str(path)!r} is unreadable: {exc}") from None
    if not isinstance(data, dict):
        raise ModelIntegrityError(f"manifest in {str(path)!r} is not a JSON object")
    files = data.get("files")
    if data.get("format") == 1 or (isinstance(files, dict) and LEGACY_FILE in files):
        raise _old_format_error(path)
    if isinstance(data.get("format"), int) and data["format"] > BUNDLE_FORMAT:
        raise WmoError(f"{MANIFEST_FILE} in {str(path)!r} has format {data['format']}, newer than this wmo_xl reads ({BUNDLE_FORMAT}): update wmo_xl")
    try:
        return data, Manifest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ()))
        raise ModelIntegrityError(f"manifest in {str(path)!r} is invalid at {where or 'top'}: {err['msg']}") from None


def _parse_arrays(path: Path, data: bytes, categories: list[str]) -> tuple[dict[str, FittedForecast], dict[str, str]]:
    """Arrays from the npz bytes with ``allow_pickle=False``: objects in it are an error, not code."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as exc:  # any damage (zip, zlib, header, object arrays) is refused, never run
        raise ModelIntegrityError(f"{FORECAST_FILE} in {str(path)!r} is not a plain array file ({exc}): refused") from None
    try:
        models = {}
        for cat in categories:
            prefix = f"{cat}."
            models[cat] = FittedForecast.from_arrays({k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
        codes, names = arrays.get(f"{_NAMES}.codes"), arrays.get(f"{_NAMES}.names")
        gemeentenamen = {str(c): str(n) for c, n in zip(codes, names)} if codes is not None and names is not None else {}
    except WmoError:
        raise
    except Exception as exc:  # e.g. a scalar field stored as a vector
        raise ModelIntegrityError(f"{FORECAST_FILE} in {str(path)!r} holds malformed arrays ({exc}): refused") from None
    return models, gemeentenamen


def load_bundle(path: str | Path, *, require_signature: bool = False) -> Bundle:
    """Read every file once, check its SHA-256 (and the signature), then parse those bytes.

    ``require_signature``: refuse a bundle whose manifest is not signed with this user's key
    (for bundles found beside a workbook).
    """
    p = Path(path)
    if not p.exists() and not p.is_symlink() and interrupted_write(p):
        p = p.with_name(p.name + ".previous")  # a write died between its two renames: use the kept one
    raw = _read_plain(p, MANIFEST_FILE) if p.is_dir() else None
    if raw is None:
        if p.is_dir() and (p / LEGACY_FILE).exists():
            raise _old_format_error(p)
        if not p.exists():
            raise WmoError(f"no model bundle at {str(path)!r}: the folder does not exist (run 'wmo-xl train' or give another --model)")
        raise WmoError(f"no model bundle at {str(path)!r}: expected a directory with {MANIFEST_FILE} (run 'wmo-xl train')")
    found = signature_check(raw, _read_plain(p, SIGNATURE_FILE))
    problem = None if found is None else found[0]
    if require_signature and found is not None:
        raise ModelIntegrityError(f"model in {str(p)!r} not trusted: {found[0]}", reason_nl=found[1])
    data, manifest = _parse_manifest(p, raw)
    contents: dict[str, bytes] = {}
    for name, digest in manifest.files.items():
        content = _read_plain(p, name)
        if content is None:
            raise ModelIntegrityError(f"model file {name} listed in the manifest is missing from {str(p)!r}")
        if sha256_of(content) != digest:
            raise ModelIntegrityError(
                f"model file {name} in {str(p)!r} does not match its SHA-256 in the manifest: "
                "refusing to load it (rebuild with 'wmo-xl train' or restore the original)"
            )
        contents[name] = content
    models, gemeentenamen = _parse_arrays(p, contents[FORECAST_FILE], manifest.categories)
    wijknamen = _parse_names(p, contents.get(WIJKNAMEN_FILE))
    return Bundle(path=p, manifest=data, models=models, gemeentenamen=gemeentenamen, wijknamen=wijknamen, signed=problem is None)


def interrupted_write(path: str | Path) -> bool:
    """A bundle write to ``path`` died between its two renames: ``path`` is gone, its old
    version sits in ``<path>.previous`` and the finished new one in the temp folder beside it.

    Only then is ``.previous`` a stand-in for ``path``. A folder set aside by ``reset-model``
    or removed by the user leaves no such temp folder, so its ``.previous`` is never used.
    """
    p = Path(path)
    previous = p.with_name(p.name + ".previous")
    if p.exists() or p.is_symlink() or not (previous / MANIFEST_FILE).is_file():
        return False
    try:
        temps = list(p.parent.glob(f".{p.name}.tmp-*"))
    except OSError:
        return False
    return any(t.is_dir() and not t.is_symlink() and (t / MANIFEST_FILE).is_file() for t in temps)


def _parse_names(path: Path, raw: bytes | None) -> dict[str, str]:
    """Wijk code -> name from the (already verified) bytes of ``wijknamen.json``; {} if absent."""
    if raw is None:
        return {}
    try:
        names = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise ModelIntegrityError(f"{WIJKNAMEN_FILE} in {str(path)!r} is unreadable: {exc}") from None
    if not isinstance(names, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise ModelIntegrityError(f"{WIJKNAMEN_FILE} in {str(path)!r} is not an object of code -> name texts: refused")
    return names


def bundle_arrays(models: dict[str, FittedForecast], gemeentenamen: dict[str, str]) -> bytes:
    """The npz bytes of a bundle: ``<category>.<field>`` arrays and the gemeente names."""
    arrays: dict[str, np.ndarray] = {}
    for cat, fc in models.items():
        if not isinstance(fc, FittedForecast):
            raise TypeError(f"model {cat!r} is a {type(fc).__name__}, not a FittedForecast: bundles hold arrays only")
        arrays.update({f"{cat}.{k}": v for k, v in fc.to_arrays().items()})
    arrays[f"{_NAMES}.codes"] = np.array(list(gemeentenamen), dtype=str)
    arrays[f"{_NAMES}.names"] = np.array(list(gemeentenamen.values()), dtype=str)
    if any(a.dtype.kind == "O" for a in arrays.values()):
        raise TypeError("object arrays would need pickling: bundles hold plain arrays only")
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def write_bundle(
    out: str | Path,
    models: dict[str, FittedForecast],
    manifest: dict[str, Any],
    *,
    gemeentenamen: dict[str, str] | None = None,
    wijknamen: dict[str, str] | None = None,
    card: str | None = None,
    sign_it: bool | None = None,
) -> Path:
    """Write a bundle atomically: build it in a temp dir beside ``out``, then swap it in.

    The old bundle (if any) becomes ``<out>.previous``; a crash before the swap leaves the
    old bundle untouched, and the temp dir is removed. ``sign_it`` (default: for local
    bundles) adds ``manifest.sig`` with this user's key.
    """
    from ..safefiles import check_bundle_target
    from .cache import clear_cache

    check_bundle_target(out)  # never through a link, never onto or beside a folder the project did not write
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    previous, moved = out.with_name(out.name + ".previous"), False
    try:
        tmp.chmod(0o755)
        data = bundle_arrays(models, gemeentenamen or {})
        (tmp / FORECAST_FILE).write_bytes(data)
        files = {FORECAST_FILE: sha256_of(data)}
        if card is not None:
            text = card.encode("utf-8")
            (tmp / CARD_FILE).write_bytes(text)
            files[CARD_FILE] = sha256_of(text)
        if wijknamen:
            names = json.dumps(wijknamen, ensure_ascii=False, sort_keys=True).encode("utf-8")
            (tmp / WIJKNAMEN_FILE).write_bytes(names)
            files[WIJKNAMEN_FILE] = sha256_of(names)
        full = {
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **manifest,
            "format": BUNDLE_FORMAT,
            "categories": list(models),
            "libraries": library_versions(),
            "files": files,
        }
        Manifest.model_validate(full)
        raw = json.dumps(full, indent=2, sort_keys=False).encode("utf-8")
        (tmp / MANIFEST_FILE).write_bytes(raw)
        if full.get("kind") == "local" if sign_it is None else sign_it:
            (tmp / SIGNATURE_FILE).write_text(sign(raw), encoding="ascii")
        previous = out.with_name(out.name + ".previous")
        if out.exists():
            if previous.exists():  # a bundle this project wrote (check_bundle_target): the one before the last
                shutil.rmtree(previous)
            if any(out.iterdir()):
                os.replace(out, previous)
                moved = True
            else:
                out.rmdir()  # an empty folder the user made for the model
        os.replace(tmp, out)
    except BaseException:
        if moved and not out.exists() and previous.exists():
            os.replace(previous, out)  # the swap failed: the old bundle back under its own name
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    clear_cache(out)
    return out


def trust_bundle(path: str | Path) -> Path:
    """Sign a bundle with this user's key after checking its hashes and arrays (``wmo-xl trust-model``).

    For a workbook and its own model received from a colleague: whoever runs this vouches
    for the folder, so the workbook uses it from then on.
    """
    from .cache import clear_cache

    p = Path(path).resolve()
    load_bundle(p)  # hashes, names and plain arrays checked; nothing runs
    raw = _read_plain(p, MANIFEST_FILE)
    assert raw is not None
    tmp = p / f".{SIGNATURE_FILE}.tmp"
    tmp.write_text(sign(raw), encoding="ascii")
    os.replace(tmp, p / SIGNATURE_FILE)
    clear_cache(p)
    return p
