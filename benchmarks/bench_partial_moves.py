"""How large are the boundary moves the product leaves out? run: python benchmarks/bench_partial_moves.py [--data DIR].

wmo_xl sums whole mergers (``wmo_xl/data/herindelingen.csv``, geheel) and leaves out partial
moves: a split gemeente's parts (``deel``: Littenseradiel 2018, Winsum 2019, Haaren 2021) and
smaller boundary corrections between gemeenten that both go on. This script measures them with
the CBS/VNG boundary crosswalk ``grenswijzigingen_wijk_gemeente_2016_2024.csv`` in the shared
data folder: addresses of a gemeente of 2024 that lay in another gemeente in the data year and
did not come with a whole merger. The crosswalk is CC BY-NC-SA: it is read here for this
measurement only and nothing of it goes into the product or its model.

In that file ``van_code`` holds the code of the later year (``naar_jaar``) and ``naar_code``
the code of the earlier year, and ``aandeel_van`` is the share of the later gemeente's
addresses (checked: the 2018 -> 2024 row GM0363 <- GM0457 holds Weesp's 9,309 addresses).

Prints per data year the addresses moved, the gemeenten of 2024 they went to (with the share
of each one's addresses and the inhabitants that share stands for in KWB 2024), and the
national share (of the 8.2 million dwellings of KWB 2024). docs/data.md quotes these figures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

CROSSWALK = "grenswijzigingen_wijk_gemeente_2016_2024.csv"
KWB = "kwb_2024_85984NED_gemeente_wijk_basis.csv"


def partial_moves(data: Path, from_year: int, to_year: int = 2024) -> pd.DataFrame:
    """Per gemeente of ``to_year``: addresses that came from another gemeente of ``from_year``
    other than through a whole merger (``moved``), its addresses (``total``) and ``share``."""
    from wmo_xl.gemeenten import current_code

    x = pd.read_csv(data / CROSSWALK)
    g = x[(x["niveau"] == "gemeente") & (x["van_jaar"] == from_year) & (x["naar_jaar"] == to_year)].copy()
    g["total"] = g["n_adressen"] / g["aandeel_van"]
    whole = [current_code(old) == new for new, old in zip(g["van_code"], g["naar_code"])]
    part = g[~pd.Series(whole, index=g.index) & (g["van_code"] != g["naar_code"])]
    out = part.groupby("van_code").agg(moved=("n_adressen", "sum"), total=("total", "first"),
                                       van=("naar_code", lambda s: ", ".join(sorted(set(s)))))
    out["share"] = out["moved"] / out["total"]
    return out.sort_values("moved", ascending=False)


def national_dwellings(data: Path) -> float:
    kwb = pd.read_csv(data / KWB)
    return float(kwb.loc[kwb["niveau"] == "gemeente", "Woningvoorraad_35"].sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/cbs")
    args = ap.parse_args()
    data = Path(args.data)
    kwb = pd.read_csv(data / KWB)
    inhabitants = kwb[kwb["niveau"] == "gemeente"].set_index("code")["AantalInwoners_5"]
    dwellings = national_dwellings(data)
    from wmo_xl.gemeenten import gemeente_name

    for year in (2016, 2018):
        moves = partial_moves(data, year)
        people = (moves["share"] * inhabitants.reindex(moves.index)).sum()
        print(f"{year} -> 2024: {int(moves['moved'].sum()):,} addresses in {len(moves)} gemeenten of 2024 came by partial moves "
              f"({moves['moved'].sum() / dwellings:.2%} of {dwellings / 1e6:.1f} million dwellings; about {people:,.0f} inhabitants)")
        for code, r in moves.iterrows():
            print(f"  {code} {gemeente_name(str(code)) or '':<22} {int(r['moved']):>6,} addresses = {r['share']:6.1%} of its addresses, from {r['van']}")


if __name__ == "__main__":
    main()
