"""Fixtures: a small synthetic CBS data directory and a bundle trained on it.

The synthetic data have the column names and quirks of the real CBS files (lower-case
names, counts rounded to 5, suppressed counts as '.'), three gemeenten with different
levels and growth, so tests run on a fresh clone without ../shared.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cbs"
GEMEENTEN = {"GM0101": ("Testdam", 0.050, 0.03), "GM0202": ("Proefstad", 0.080, 0.06), "GM0303": ("Voorbeeldwoude", 0.035, 0.00)}
YEARS = [2015, 2016, 2017, 2018]


def make_cbs_frame(seed: int = 1, years: list[int] = YEARS, n_wijk: int = 12) -> pd.DataFrame:
    """Rows in the layout of wijk_wmo_totaal_jaar_2015_2018_met_kwb.csv."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, (name, base_rate, growth) in GEMEENTEN.items():
        for k in range(n_wijk):
            wijk = f"WK{g[2:]}{k:02d}"
            pop0 = rng.integers(800, 9000)
            s65 = rng.uniform(0.12, 0.30)
            for t, year in enumerate(years):
                pop = int(pop0 * (1.005**t))
                a65 = int(pop * s65 * (1.02**t))
                rate = base_rate * (s65 / 0.2) * (1 + growth) ** t
                clients = rng.poisson(rate * pop)
                rounded = int(5 * round(clients / 5))
                row = {
                    "codering_regio": wijk, "perioden": year, "financieringsvorm": "Totaal",
                    "wmoclienten": "." if (k == 0 and year == years[-1]) else str(rounded),
                    "wmoclientenper1000inwoners": ".", "gemeentenaam": name,
                    "aantalinwoners": pop, "k0tot15jaar": int(pop * 0.15), "k15tot25jaar": int(pop * 0.12),
                    "k25tot45jaar": int(pop * 0.25), "k45tot65jaar": int(pop * 0.27), "k65jaarofouder": a65,
                    "verweduwd": int(a65 * 0.3), "huishoudenstotaal": int(pop / 2.2),
                    "eenpersoonshuishoudens": int(pop / 2.2 * 0.35), "gemiddeldehuishoudensgrootte": 2.2,
                    "personenpersoortuitkeringao": int(pop * 0.05), "personenpersoortuitkeringbijstand": int(pop * 0.03),
                    "personenpersoortuitkeringaow": a65, "gemiddeldinkomenperinwoner": 25.0 + k,
                    "huishoudensmeteenlaaginkomen": 8.0, "huurwoningentotaal": 40.0, "inbezitwoningcorporatie": 25.0,
                    "bevolkingsdichtheid": 1000 + 300 * k, "matevanstedelijkheid": 1 + k % 5,
                }
                rows.append(row)
    return pd.DataFrame(rows)


def signed_local_copy(bundle_dir: Path, out: Path, workbook: str, **manifest: object) -> Path:
    """What a retrain writes beside a workbook: the bundle's models as a signed local bundle naming it."""
    from wmo_xl.bundle import get_bundle, write_bundle

    b = get_bundle(bundle_dir)
    return write_bundle(out, dict(b.models), {"kind": "local", "workbook": workbook, **manifest}, gemeentenamen=b.gemeentenamen)


def write_data_dir(root: Path, frame: pd.DataFrame) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    frame.to_csv(root / "wijk_wmo_totaal_jaar_2015_2018_met_kwb.csv", index=False)
    return root


@pytest.fixture(scope="session")
def cbs_frame() -> pd.DataFrame:
    return make_cbs_frame()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory, cbs_frame: pd.DataFrame) -> Path:
    return write_data_dir(tmp_path_factory.mktemp("cbs"), cbs_frame)


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A bundle trained on the synthetic data by the project's own train command."""
    from wmo_xl.train import train

    out = tmp_path_factory.mktemp("models") / "national"
    path, _ = train(data_dir, out, run_backtests=False)
    return path


@pytest.fixture()
def active_bundle(bundle_dir: Path):  # type: ignore[no-untyped-def]
    """Make the synthetic bundle the active model for the duration of a test."""
    from wmo_xl.bundle import set_active_model

    set_active_model(bundle_dir)
    yield bundle_dir
    set_active_model(None)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "wijk_wmo_totaal_jaar_2015_2018_met_kwb.csv").is_file():
        pytest.skip("../shared/data/cbs not present")
    return SHARED


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture(autouse=True, scope="session")
def user_key_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The per-user signing key of local bundles lives in a temp dir, never in the real home."""
    home = tmp_path_factory.mktemp("wmo_xl_home")
    os.environ["WMO_XL_HOME"] = str(home)
    return home
