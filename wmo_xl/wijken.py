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
    return get_bundle(model).model(category_of(category)).wijken_of(code)


def gemeenten(model: str | Path | None = None) -> dict[str, str]:
    """Gemeente code -> name for every gemeente in the model that can be forecast.

    Gemeenten merged away before the model's last data year are left out (their codes no
    longer exist; :func:`wmo_xl.forecast.ended_gemeenten`), so a list or ``--all`` offers
    none that would only answer with an error.
    """
    from .forecast import ended_gemeenten

    b = get_bundle(model)
    fc = b.model("totaal")
    gone = ended_gemeenten(fc)
    return {g: b.gemeentenamen.get(g, g) for g in sorted(fc.gemeente_rows) if g not in gone}


def inhabitants_of(code: object, model: str | Path | None = None) -> float:
    """Inhabitants of a wijk or gemeente in the model's last KWB year (sum of its wijken)."""
    fc = get_bundle(model).model("totaal")
    return float(fc.inhabitants[fc.rows(check_code(code))].sum())


def wijk_names(model: str | Path | None = None) -> dict[str, str]:
    """Wijk code -> name as CBS publishes it (KWB), for the codes the model knows; {} for a
    bundle without names (the bundled 2015-2018 model has none). Read with the bundle."""
    return get_bundle(model).wijknamen


def wijk_name(code: object, model: str | Path | None = None) -> str:
    """The name of a wijk ('' when the model has no name for it); WmoError for a bad code."""
    return wijk_names(model).get(check_code(code), "")
