"""Which wijken the model knows, per gemeente (for WMO_WIJKEN and ``--gemeente``)."""

from __future__ import annotations

from pathlib import Path

from .bundle import get_bundle
from .codes import check_code, is_gemeente
from .data import category_of
from .errors import WmoError


def wijken_of(gemeente: object, category: str = "totaal", model: str | Path | None = None) -> list[str]:
    """Sorted wijk codes of a gemeente in the model; WmoError for a non-gemeente or unknown code."""
    code = check_code(gemeente)
    if not is_gemeente(code):
        raise WmoError(f"{code} is not a gemeente code: expected GM + 4 digits (GM0518)")
    est = get_bundle(model).model(category_of(category))
    rows = est.gemeente_index_.get(code)
    if rows is None:
        raise WmoError(f"unknown gemeente {code}: not in the model (gemeente codes of {est.first_year_}-{est.origin_})")
    return sorted(str(w) for w in est.wijken_[rows])


def gemeenten(model: str | Path | None = None) -> dict[str, str]:
    """Gemeente code -> name for every gemeente in the model."""
    b = get_bundle(model)
    est = b.model("totaal")
    return {g: b.gemeentenamen.get(g, g) for g in sorted(est.gemeente_index_)}


def inhabitants_of(code: object, model: str | Path | None = None) -> float:
    """Inhabitants of a wijk or gemeente in the model's last KWB year (sum of its wijken)."""
    from .forecast import _rows_of

    est = get_bundle(model).model("totaal")
    return float(est.inhabitants_[_rows_of(est, check_code(code))].sum())


#: File in a bundle with wijk code -> name (listed and hashed in the manifest like every file).
NAMES_FILE = "wijknamen.json"
_names_cache: dict[tuple[str, str], dict[str, str]] = {}


def wijk_names(model: str | Path | None = None) -> dict[str, str]:
    """Wijk code -> name as CBS publishes it (KWB), for the codes the model knows; {} for a
    bundle without names (the bundled 2015-2018 model has none).

    Read once per bundle and process; the file is checked against its SHA-256 in the
    manifest before it is used.
    """
    import hashlib
    import json

    b = get_bundle(model)
    digest = dict(b.manifest.get("files", {})).get(NAMES_FILE)
    if digest is None:
        return {}
    key = (str(b.path), str(digest))
    names = _names_cache.get(key)
    if names is None:
        raw = (Path(b.path) / NAMES_FILE).read_bytes()
        if hashlib.sha256(raw).hexdigest() != digest:
            raise WmoError(f"{NAMES_FILE} in {str(b.path)!r} does not match its SHA-256 in the manifest: rebuild with 'wmo-xl train'")
        names = {str(k): str(v) for k, v in json.loads(raw.decode("utf-8")).items()}
        _names_cache[key] = names
    return names


def wijk_name(code: object, model: str | Path | None = None) -> str:
    """The name of a wijk ('' when the model has no name for it); WmoError for a bad code."""
    return wijk_names(model).get(check_code(code), "")
