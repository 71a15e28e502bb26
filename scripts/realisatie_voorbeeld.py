"""Write the worked realisation example of docs/realisatie.md from today's budget.

Seven diensten of Den Haag (GM0518) spend their 2026 budget times a known factor, month by
month in the seasonal pattern of a `Totaal` profile (lower in July and August, a December
peak); hbh_zin has a EUR -12,500 correction in June; a dienst not on the menukaart
(`maatwerk_pilot_wijkteam`) spends EUR 39,000. Nine months are written. Because the amounts
are the budget times the factor, `wmo-xl realisatie ... --profiel` must recover each factor:
the files are regenerated whenever the budget moves (model, menukaart, indexation).

    PYTHONPATH=$PWD python scripts/realisatie_voorbeeld.py [--out docs/examples]
"""

from __future__ import annotations

import argparse
from pathlib import Path

GEMEENTE, YEAR, MONTHS = "GM0518", 2026, 9
FACTORS = {"hbh_zin": 1.08, "hbh_pgb": 0.98, "begeleiding_zin": 0.97, "begeleiding_pgb": 1.15,
           "dagbesteding_zin": 1.12, "vervoer_collectief": 1.06, "rolstoel_bruikleen": 0.90}
#: Last year's spending per month (EUR), the profile: its shares spread a year's amount.
PROFILE = [2916666.67, 2829166.67, 2975000.00, 2916666.67, 2945833.33, 2858333.33,
           2508333.33, 2391666.67, 2916666.67, 3033333.33, 3120833.33, 3587500.00]
EXTRA = [("hbh_zin", 6, -12500.0), ("maatwerk_pilot_wijkteam", 7, 18000.0), ("maatwerk_pilot_wijkteam", 9, 21000.0)]


def _nl(v: float) -> str:
    return f"{v:.2f}".replace(".", ",")


def main() -> None:
    from wmo_xl.realisatie import begroting

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/examples"))
    out = parser.parse_args().out
    plan = begroting(GEMEENTE, YEAR)
    total = sum(PROFILE)
    lines = ["dienst;periode;bedrag"]
    for dienst, factor in FACTORS.items():
        for m in range(1, MONTHS + 1):
            lines.append(f"{dienst};{m};{_nl(plan[dienst] * factor * PROFILE[m - 1] / total)}")
    lines += [f"{d};{m};{_nl(v)}" for d, m, v in EXTRA]
    (out / f"realisatie_{YEAR}_voorbeeld.csv").write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    profile = ["dienst;periode;bedrag", *(f"Totaal;{m};{_nl(v)}" for m, v in enumerate(PROFILE, start=1))]
    (out / f"profiel_{YEAR - 1}_voorbeeld.csv").write_text("\r\n".join(profile) + "\r\n", encoding="cp1252")
    print(f"wrote {out}/realisatie_{YEAR}_voorbeeld.csv ({len(lines) - 1} rows) and the profile")


if __name__ == "__main__":
    main()
