"""What the Model sheet and WMO_MODEL_INFO show about a bundle, in Dutch labels."""

from __future__ import annotations

from typing import Any

from .bundle import Bundle
from .horizon import EXTRAPOLATION_AFTER, RANGE_ASSUMPTION_NL


#: ``source`` of a bundle written by the workbook's "Verversen van CBS" button.
CBS_REFRESH = "cbs_refresh"


def model_label(manifest: dict[str, Any]) -> str:
    """What kind of model a bundle is, in Dutch: national, retrained, or refreshed from CBS."""
    if manifest.get("kind") != "local":
        return "landelijk model"
    if manifest.get("source") == CBS_REFRESH:
        last = (manifest.get("training_years", {}).get("totaal") or ["?"])[-1]
        return f"eigen model (ververst van CBS, cijfers t/m {last})"
    return "eigen model (hertraind)"


def model_info_rows(bundle: Bundle, status: str | None = None) -> list[list[Any]]:
    """Two-column table: label, value. ``status``: which model a workbook uses and why
    (:func:`wmo_xl.bundle.which_model`), e.g. that its own model was refused."""
    m = bundle.manifest
    years = m.get("training_years", {}).get("totaal", [])
    kind = status or model_label(m)
    rows: list[list[Any]] = [
        ["Actief model", kind],
        ["Versie wmo_xl", m.get("wmo_xl_version", "")],
        ["Gemaakt op", m.get("created", "")],
        ["Trainingsjaren", f"{years[0]}-{years[-1]}" if years else ""],
        ["Categorieen", ", ".join(sorted(bundle.models))],
        ["Bron", m.get("data_provenance", {}).get("attribution", "")],
        [f"Bandbreedte meer dan {EXTRAPOLATION_AFTER} jaar na de data", f"aanname: {RANGE_ASSUMPTION_NL}"],
    ]
    if bundle.kind == "local" and m.get("source") != CBS_REFRESH:
        rows.append(["Gemeente(n)", ", ".join(m.get("gemeenten", []))])
        local = m.get("local_backtest") or {}
        if local:
            rows.append([f"Lokale backtest {local.get('year')} WAPE eigen model", local.get("wape_local")])
            rows.append([f"Lokale backtest {local.get('year')} WAPE landelijk model", local.get("wape_national")])
    for b in m.get("backtests", []):
        rows.append([f"Backtest {b['origin']}->{b['origin'] + b['horizon']} WAPE (persistentie)",
                     f"{b['wape']['model']:.3f} ({b['wape']['persistence']:.3f})"])
    return rows


def backtest_rows(bundle: Bundle) -> list[list[Any]]:
    """Header + one row per recorded backtest, for the Model sheet."""
    out: list[list[Any]] = [["Oorsprong", "Jaar", "Wijken", "WAPE model", "WAPE persistentie", "WAPE FORECAST.LINEAR", "Dekking 80%-interval"]]
    for b in bundle.manifest.get("backtests", []):
        w = b["wape"]
        out.append([b["origin"], b["origin"] + b["horizon"], b["n_wijken"], w["model"], w["persistence"], w["forecast_linear"], b["coverage_80"]])
    return out
