"""The default menukaart on the bundled national model against national realised spending."""

from __future__ import annotations

import numpy as np

from wmo_xl.bundle import get_bundle, national_bundle_path
from wmo_xl.costs import budget

# CBS 84580NED, national realised Wmo spending excl. verblijf en opvang, EUR per inhabitant
# (wmo_kosten_menukaart_bronnen.csv: 2022: 219 x 1000 EUR per 1000 inhabitants).
NATIONAL_2022 = 219.0


def per_inhabitant(gemeente: str, year: int) -> float:
    model = national_bundle_path()
    est = get_bundle(model).model("totaal")
    inh = est.inhabitants[est.rows(gemeente)].sum()
    return float(budget(gemeente, [year], model=model)["basis"].sum() / inh)


def test_zeist_within_factor_1_5() -> None:
    ratio = per_inhabitant("GM0355", 2022) / NATIONAL_2022
    assert 1 / 1.5 <= ratio <= 1.5


def test_mid_size_gemeenten_within_factor_1_5() -> None:
    """All gemeenten of 50,000-100,000 inhabitants in the model: median and most within 1.5x."""
    est = get_bundle(national_bundle_path()).model("totaal")
    mid = [g for g, idx in est.gemeente_rows.items() if 50_000 <= est.inhabitants[idx].sum() <= 100_000]
    assert len(mid) >= 30
    ratios = np.array([per_inhabitant(g, 2022) / NATIONAL_2022 for g in mid])
    assert 1 / 1.5 <= float(np.median(ratios)) <= 1.5
    # 0.69 measured with the VNG index (docs/costs.md; 0.76 with the flat 3% that deflated 2023 prices to 2022 by 3%, not 6.4%)
    assert np.mean((ratios >= 1 / 1.5) & (ratios <= 1.5)) >= 0.65
