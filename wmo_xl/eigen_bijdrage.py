"""The eigen-bijdrage switch: from the flat abonnementstarief to an income-dependent contribution.

The Wet vervanging abonnementstarief Wmo 2015 (Kamerstuk 36713) replaces the flat monthly
abonnementstarief with an income- and wealth-dependent contribution (ivb). Its start was
planned for 1 Jan 2027, but the bill was declared controversieel in June 2025 and no adoption
has been found, so the start year is the controller's choice (scenario field
``eigen_bijdrage_vanaf``). The scenario fields live on :class:`wmo_xl.costs.Scenario`; this
module holds the published figures and the preset "Inkomensafhankelijke eigen bijdrage"
(docs/costs.md gives the reasoning).

Why these effects. After the abonnementstarief came in (2019) HbH clients rose from about
390,000 (2018) to about 510,000 (2021), roughly +30% (4th monitor abonnementstarief, cited in
a Kamerantwoord of 8 Mar 2023). No official estimate of the reverse effect exists. The
preset takes the part of that rise the ivb undoes: a quarter (low), half (central) or all of
it (high), each as the drop that brings a +x% level back: 1 / (1 + x) - 1. All of it is an
upper bound: part of the 2018-2021 rise is ageing, and clients with low incomes pay the
minimum (EUR 23.60 a month against EUR 21 in 2025), so they have little reason to leave.
"""

from __future__ import annotations

from typing import Any

from .errors import WmoError

#: HbH clients before and after the abonnementstarief (rounded, as cited).
HBH_CLIENTS_2018 = 390_000
HBH_CLIENTS_2021 = 510_000
ABONNEMENTSTARIEF_JUMP = 0.30
#: Abonnementstarief in euros a month.
ABONNEMENTSTARIEF = {2020: 19.00, 2021: 19.00, 2022: 19.00, 2023: 19.00, 2024: 20.60, 2025: 21.00}
#: Published ivb parameters (rijksoverheid.nl, 14 Mar 2025).
IVB_MINIMUM, IVB_MAXIMUM = 23.60, 328.00
PLANNED_START = 2027

#: Part of the 2019 jump the ivb undoes, per variant.
REVERSED_PART = {"laag": 0.25, "centraal": 0.5, "hoog": 1.0}
#: The preset's HbH effect per variant: 1 / (1 + part x 30%) - 1, rounded to 0.1 point.
EFFECTS = {k: round(1.0 / (1.0 + part * ABONNEMENTSTARIEF_JUMP) - 1.0, 3) for k, part in REVERSED_PART.items()}
PRESET_NAME = "Inkomensafhankelijke eigen bijdrage"


def preset_names() -> list[str]:
    """The names ``wmo-xl budget --preset`` accepts."""
    return [f"ivb-{k}" for k in EFFECTS]


def ivb_preset(variant: str = "centraal", vanaf: int = PLANNED_START) -> Any:
    """The preset as a :class:`wmo_xl.costs.Scenario` (``variant``: laag, centraal, hoog; or ``ivb-...``)."""
    from .costs import Scenario

    key = str(variant).strip().lower().removeprefix("ivb-")
    if key not in EFFECTS:
        raise WmoError(f"unknown preset {variant!r}: accepted are {', '.join(preset_names())}")
    return Scenario(naam=f"{PRESET_NAME} ({key})", eigen_bijdrage="ivb", eigen_bijdrage_vanaf=vanaf,
                    hbh_effect_ivb=EFFECTS[key])


def _pct(x: float) -> str:
    return f"{x * 100:+.1f}%".replace(".", ",")


#: What the Budget sheet shows beside the three parameters (Dutch; short enough to print; docs/costs.md has the reasoning).
NOTES = {
    "eigen_bijdrage": "abonnementstarief (EUR 21/mnd in 2025) of ivb: inkomensafhankelijk, EUR 23,60-328/mnd (Kamerstuk 36713)",
    "eigen_bijdrage_vanaf": f"startjaar ivb: gepland {PLANNED_START}, wet controversieel sinds juni 2025, dus uw keuze",
    "hbh_effect_ivb": (f"HbH-clienten vanaf dat jaar; preset: laag {_pct(EFFECTS['laag'])}, centraal {_pct(EFFECTS['centraal'])}, "
                       f"hoog {_pct(EFFECTS['hoog'])} (2018-2021 +30%: 390.000 -> 510.000)"),
}
#: Said once under the parameters: the preset in one line.
PRESET_NOTE = (f"Preset '{PRESET_NAME}': eigen_bijdrage ivb, vanaf {PLANNED_START}, hbh_effect_ivb {_pct(EFFECTS['centraal'])} "
               "(centraal); zie docs/costs.md")
