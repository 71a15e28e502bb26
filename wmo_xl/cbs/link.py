"""Bridge CBS's December 2024 method break with a year both methods publish.

In December 2024 CBS re-issued the 2018-2023 per-wijk Wmo tables with an improved method;
levels can differ from the original tables (which the shared 2015-2018 files come from). A
year published in both methods gives, per gemeente and category, the factor
``new / original`` (sums over the wijken with both counts). Original-method counts are
multiplied by it, so a wijk's series is on one level and the model does not read the break
as growth. Gemeenten with fewer than :data:`MIN_CLIENTS` linked clients use the national
factor of the category; factors are clipped to [0.5, 2] (a larger jump is not a method
change but a data problem, and is left to show).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

#: File in an update-data folder with the factors (categorie, gemeente, jaar, factor, wijken).
LINK_FILE = "methodebreuk.csv"
#: Gemeente factors rest on at least this many original-method clients, else the national one.
MIN_CLIENTS = 100.0
CLIP = (0.5, 2.0)
NATIONAL = "NL"


def link_factors(new: pd.DataFrame, original: pd.DataFrame) -> pd.DataFrame:
    """Factors new/original per category and gemeente (and ``NL``) from one year's wijk rows
    (columns wijk, year, category, clients) of both methods."""
    both = new.merge(original, on=["wijk", "year", "category"], suffixes=("_new", "_orig"))
    both = both.dropna(subset=["clients_new", "clients_orig"])
    both = both[both["clients_orig"] > 0]
    both["gemeente"] = "GM" + both["wijk"].str[2:6]
    rows = []
    for cat, g in both.groupby("category"):
        year = int(g["year"].iloc[0])
        nat = float(np.clip(g["clients_new"].sum() / g["clients_orig"].sum(), *CLIP))
        rows.append({"categorie": cat, "gemeente": NATIONAL, "jaar": year, "factor": round(nat, 4), "wijken": len(g)})
        for gem, h in g.groupby("gemeente"):
            if h["clients_orig"].sum() >= MIN_CLIENTS:
                f = float(np.clip(h["clients_new"].sum() / h["clients_orig"].sum(), *CLIP))
                rows.append({"categorie": cat, "gemeente": gem, "jaar": year, "factor": round(f, 4), "wijken": len(h)})
    return pd.DataFrame(rows, columns=["categorie", "gemeente", "jaar", "factor", "wijken"])


def apply_link(df: pd.DataFrame, factors: pd.DataFrame, mask: pd.Series | None = None) -> pd.DataFrame:
    """``df`` (tidy: wijk, gemeente, category, clients, ...) with the rows in ``mask`` (all
    by default) put on the new method's level; categories without a factor stay as they are."""
    if factors.empty:
        return df
    out = df.copy()
    rows = out.index if mask is None else out.index[mask.to_numpy()]
    f = factors.set_index(["categorie", "gemeente"])["factor"]
    key = list(zip(out.loc[rows, "category"], out.loc[rows, "gemeente"]))
    nat = list(zip(out.loc[rows, "category"], [NATIONAL] * len(rows)))
    factor = f.reindex(key).to_numpy()
    factor = np.where(np.isnan(factor), f.reindex(nat).to_numpy(), factor)
    factor = np.nan_to_num(factor, nan=1.0)
    out.loc[rows, "clients"] = out.loc[rows, "clients"] * factor
    if "clients_per_1000" in out:
        out.loc[rows, "clients_per_1000"] = out.loc[rows, "clients_per_1000"] * factor
    return out


def link_dirs(dirs: Sequence[Path], frames: Sequence[pd.DataFrame]) -> list[pd.DataFrame]:
    """Frames of several data folders on one method level.

    A folder written by update-data holds new-method counts and, in :data:`LINK_FILE`, the
    factors; every other folder's rows before the first year of that folder are
    original-method counts and are multiplied by the factors.
    """
    linked = [i for i, d in enumerate(dirs) if (Path(d) / LINK_FILE).is_file()]
    if not linked:
        return list(frames)
    i = linked[-1]
    factors = pd.read_csv(Path(dirs[i]) / LINK_FILE, dtype={"categorie": str, "gemeente": str})
    first_new = int(frames[i]["year"].min()) if not frames[i].empty else 10_000
    return [f if j in linked or f.empty else apply_link(f, factors, f["year"] < first_new) for j, f in enumerate(frames)]
