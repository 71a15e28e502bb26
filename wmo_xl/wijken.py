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
