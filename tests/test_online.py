"""The cbsodata loader, with a recorded response instead of the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wmo_xl.data import read_csvs
from wmo_xl.errors import WmoError
from wmo_xl.online import fetch_years

# Shape of cbsodata.get_data("85984NED", ...) rows (keys as in the KWB 2024 DataProperties).
RECORDED = [
    {"ID": 1, "WijkenEnBuurten": "WK051801", "Gemeentenaam_1": "'s-Gravenhage                           ",
     "SoortRegio_2": "Wijk      ", "Codering_3": "WK051801  ", "AantalInwoners_5": 5705, "k_45Tot65Jaar_11": 1500,
     "k_65JaarOfOuder_12": 900, "Verweduwd_16": 310, "HuishoudensTotaal_29": 2900, "Eenpersoonshuishoudens_30": 1300,
     "WmoClienten_100": 420, "WmoClientenRelatief_101": 74},
    {"ID": 2, "WijkenEnBuurten": "WK051802", "Gemeentenaam_1": "'s-Gravenhage                           ",
     "SoortRegio_2": "Wijk      ", "Codering_3": "WK051802  ", "AantalInwoners_5": 120, "k_45Tot65Jaar_11": 30,
     "k_65JaarOfOuder_12": 20, "Verweduwd_16": None, "HuishoudensTotaal_29": 60, "Eenpersoonshuishoudens_30": 20,
     "WmoClienten_100": None, "WmoClientenRelatief_101": None},
]


class FakeCbs:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_data(self, table_id: str, filters: str | None = None, select: list[str] | None = None) -> list[dict[str, Any]]:
        self.calls.append(table_id)
        return RECORDED


class DownCbs:
    def get_data(self, table_id: str, filters: str | None = None, select: list[str] | None = None) -> list[dict[str, Any]]:
        raise ConnectionError("no route to host")


def test_fetch_tidy_and_cache(tmp_path: Path) -> None:
    fake = FakeCbs()
    df = fetch_years([2024], cache_dir=tmp_path, client=fake)
    assert fake.calls == ["85984NED"]
    assert list(df["codering_regio"]) == ["WK051801", "WK051802"]
    assert df.loc[0, "wmoclienten"] == 420 and df.loc[0, "k65jaarofouder"] == 900
    assert df["wmoclienten"].isna().iloc[1]  # suppressed stays missing
    again = fetch_years([2024], cache_dir=tmp_path, client=fake)
    assert fake.calls == ["85984NED"]  # served from the cache
    assert again.equals(df)
    # the written layout is what backtest/train read
    p = tmp_path / "online.csv"
    df.to_csv(p, index=False)
    assert read_csvs([p])["clients"].iloc[0] == 420


def test_network_failure_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(WmoError, match="could not fetch CBS table 84799NED"):
        fetch_years([2020], cache_dir=tmp_path, client=DownCbs())


def test_unknown_year(tmp_path: Path) -> None:
    with pytest.raises(WmoError, match="no KWB table known for 2010"):
        fetch_years([2010], cache_dir=tmp_path, client=FakeCbs())
