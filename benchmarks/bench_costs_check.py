"""The cost check of docs/costs.md: default menukaart x the national model against CBS's
realised Wmo spending per inhabitant; run: python benchmarks/bench_costs_check.py [--year 2022].

CBS 84580NED, national realised Wmo spending excluding verblijf en opvang in 2022: EUR 219
per inhabitant (``../shared/data/cbs/wmo_kosten_menukaart_bronnen.csv``; the same constant
as tests/test_costs_national.py). Inhabitants: KWB 2018 of the wijken in the model. Prints
the example gemeenten's rows and, over every gemeente of 50,000-100,000 inhabitants that
the model still forecasts (merged-away gemeenten refuse forecasts and are counted apart),
the median ratio, quartiles, range and the share within a factor 1.5.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

NATIONAL_2022 = 219.0
EXAMPLES = {"GM0355": "Zeist", "GM0200": "Apeldoorn", "GM0983": "Venlo", "GM0622": "Vlaardingen", "GM1621": "Lansingerland"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", type=int, default=2022)
    args = ap.parse_args()
    from wmo_xl.bundle import get_bundle, national_bundle_path
    from wmo_xl.costs import budget
    from wmo_xl.errors import WmoError

    model = national_bundle_path()
    est = get_bundle(model).model("totaal")

    def row(g: str) -> tuple[int, float, float]:
        inh = int(est.inhabitants[est.rows(g)].sum())
        euros = float(budget(g, [args.year], model=model)["basis"].sum())
        return inh, euros, euros / inh

    print(f"| gemeente | inhabitants | budget {args.year} (EUR mln) | EUR per inhabitant | ratio to national {NATIONAL_2022:.0f} |")
    print("|---|---|---|---|---|")
    for g in EXAMPLES:
        inh, euros, per = row(g)
        print(f"| {g} {EXAMPLES[g]} | {inh:,} | {euros / 1e6:.1f} | {per:.0f} | {per / NATIONAL_2022:.2f} |")
    mid = [g for g, idx in est.gemeente_rows.items() if 50_000 <= est.inhabitants[idx].sum() <= 100_000]
    ratios, refused = [], []
    for g in mid:
        try:
            ratios.append(row(g)[2] / NATIONAL_2022)
        except WmoError:
            refused.append(g)
    r = np.array(ratios)
    q1, med, q3 = np.quantile(r, [0.25, 0.5, 0.75])
    within = float(np.mean((r >= 1 / 1.5) & (r <= 1.5)))
    print(f"\n{len(r)} gemeenten of 50,000-100,000 inhabitants ({len(refused)} more refused: merged away, "
          f"{', '.join(refused) or 'none'}): median ratio {med:.2f}, quartiles {q1:.2f}-{q3:.2f}, "
          f"range {r.min():.2f}-{r.max():.2f}, within a factor 1.5: {within:.0%}")


if __name__ == "__main__":
    main()
