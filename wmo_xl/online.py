"""Fetch newer CBS tables with ``cbsodata`` (needs internet) and cache them on disk.

From KWB 2019 on, the Kerncijfers wijken en buurten table carries ``WmoClienten`` itself, so
one table per year gives both the target and the features. Rows are filtered to wijken,
cached as CSV (atomic write) and fed through the same :func:`wmo_xl.data.tidy` as the
shared files; the result is written in the CBS layout that ``wmo-xl backtest --data`` and
``wmo-xl train`` read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from .data import FEATURES, tidy
from .errors import WmoError

#: CBS table ids of "Kerncijfers wijken en buurten" per year (all include WmoClienten).
KWB_TABLES: dict[int, str] = {
    2019: "84583NED", 2020: "84799NED", 2021: "85039NED",
    2022: "85318NED", 2023: "85618NED", 2024: "85984NED",
}


class CbsClient(Protocol):
    """The part of the ``cbsodata`` module we use (a fake in tests)."""

    def get_data(self, table_id: str, filters: str | None = None, select: list[str] | None = None) -> list[dict[str, Any]]: ...


def _default_client() -> CbsClient:
    import cbsodata

    return cbsodata  # type: ignore[return-value]


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    os.close(fd)
    try:
        df.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_table(table_id: str, cache_dir: Path, client: CbsClient | None = None) -> pd.DataFrame:
    """One KWB table, wijk rows only, from the cache or from CBS."""
    cached = cache_dir / f"{table_id}.csv"
    if cached.is_file():
        return pd.read_csv(cached, low_memory=False)
    api = client or _default_client()
    try:
        rows = api.get_data(table_id, filters="startswith(SoortRegio_2,'Wijk')")
    except Exception as exc:  # network, proxy, CBS down: report, do not crash
        raise WmoError(f"could not fetch CBS table {table_id}: {exc} (check the internet connection)") from None
    df = pd.DataFrame(rows)
    if df.empty:
        raise WmoError(f"CBS table {table_id} returned no wijk rows")
    _atomic_csv(df, cached)
    return df


def fetch_years(
    years: Iterable[int],
    cache_dir: str | Path,
    client: CbsClient | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Wijk rows of the KWB tables of ``years`` in the CBS CSV layout of the shared files."""
    say = progress or (lambda _m: None)
    frames = []
    for year in years:
        if year not in KWB_TABLES:
            raise WmoError(f"no KWB table known for {year}: accepted years are {', '.join(map(str, KWB_TABLES))}")
        say(f"KWB {year} ({KWB_TABLES[year]})")
        raw = fetch_table(KWB_TABLES[year], Path(cache_dir), client)
        raw = raw.assign(perioden=year)
        frames.append(tidy(raw, source=f"CBS {KWB_TABLES[year]}"))
    return to_cbs_layout(pd.concat(frames, ignore_index=True))


def to_cbs_layout(df: pd.DataFrame) -> pd.DataFrame:
    """Tidy table -> the lower-case CBS column names used by the shared files."""
    out = pd.DataFrame({
        "codering_regio": df["wijk"], "perioden": df["year"], "gemeentenaam": df["gemeentenaam"],
        "wmoclienten": df["clients"], "wmoclientenper1000inwoners": df["clients_per_1000"],
    })
    for canon, cbs in FEATURES.items():
        out[cbs] = df[canon]
    return out
