"""Which wijken the model knows, per gemeente (for WMO_WIJKEN and ``--gemeente``)."""

from __future__ import annotations

from pathlib import Path

from .bundle import get_bundle
from .codes import check_code, is_gemeente
from .data import category_of
from .errors import WmoError
from .gemeenten import current_gemeenten, current_names, known_gemeenten


def wijken_of(gemeente: object, category: str = "totaal", model: str | Path | None = None) -> list[str]:
    """Sorted wijk codes of a gemeente in the model; WmoError for a non-gemeente or unknown code."""
    code = check_code(gemeente)
    if not is_gemeente(code):
        raise WmoError(f"{code} is not a gemeente code: expected GM + 4 digits (GM0518)")
    return get_bundle(model).model(category_of(category)).wijken_of(code)


def gemeenten(model: str | Path | None = None) -> dict[str, str]:
    """Gemeente code -> today's name for every gemeente of today the model gives figures for.

    Today's codes (CBS 2024, names from ``data/gemeenten_2024.csv``) whose area the model has
    rows for, merged gemeenten included (:mod:`wmo_xl.areas`); a code the merger list does
    not know (a retrained gemeente, a test fixture) with the bundle's name. Old codes still
    answer when asked, but are not offered; gemeenten the model refuses are in
    :func:`refused_gemeenten`.
    """
    b = get_bundle(model)
    fc = b.model("totaal")
    out = {}
    for g in sorted(fc.areas):
        if _offered(g) and _answers(fc, g):
            out[g] = current_names().get(g) or b.gemeentenamen.get(g, g)
    return out


def gemeente_list(model: str | Path | None = None) -> dict[str, str]:
    """The gemeente choice a workbook offers: :func:`gemeenten`, and for the national model
    every other gemeente of CBS 2024 too (sorted, with today's names): a code the model
    refuses still shows, and its sheet says why in the one wording (never a missing entry)."""
    out = gemeenten(model)
    if get_bundle(model).manifest.get("kind") == "national":
        out = dict(sorted({**current_names(), **out}.items()))
    return out


def refused_gemeenten(model: str | Path | None = None) -> dict[str, str]:
    """Gemeente of CBS 2024 -> the one-line reason the model gives no figures for it."""
    fc = get_bundle(model).model("totaal")
    out = {}
    for g in sorted(current_gemeenten()):
        try:
            fc.area(g)
        except WmoError as exc:
            out[g] = str(exc)
    return out


def _offered(code: str) -> bool:
    return code in current_gemeenten() or code not in known_gemeenten()


def _answers(fc: object, code: str) -> bool:
    try:
        fc.area(code)  # type: ignore[attr-defined]
    except WmoError:
        return False
    return True


def inhabitants_of(code: object, model: str | Path | None = None) -> float:
    """Inhabitants of a wijk or gemeente in the model's last KWB year (sum of its wijken; a
    gemeente's area as its forecast counts it, so old wijken its successor carries count once)."""
    fc = get_bundle(model).model("totaal")
    code = check_code(code)
    rows = fc.rows(code) if not is_gemeente(code) else fc.year_rows(code, fc.origin + 1)
    return float(fc.inhabitants[rows].sum()) if rows is not None else float("nan")


def wijk_names(model: str | Path | None = None) -> dict[str, str]:
    """Wijk code -> name as CBS publishes it (KWB), for the codes the model knows; {} for a
    bundle without names (the bundled 2015-2018 model has none). Read with the bundle."""
    return get_bundle(model).wijknamen


def wijk_name(code: object, model: str | Path | None = None) -> str:
    """The name of a wijk ('' when the model has no name for it); WmoError for a bad code."""
    return wijk_names(model).get(check_code(code), "")
