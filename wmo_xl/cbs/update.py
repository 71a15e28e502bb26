"""``wmo-xl update-data``: catalogue -> tables -> one folder that ``wmo-xl train --data`` reads.

The folder holds (each file written atomically; only these names are written):
- ``wijk_wmo_type_jaar_cbs_met_kwb.csv``: per wijk, year and category the Wmo clients
  (empty = suppressed by CBS), the KWB features of that year, the gemeente name and the
  method (``2024`` or ``origineel``, the latter already linked, see :mod:`.link`);
- ``wijknamen.csv``: wijk code, year and name (KWB dimension titles, else the Wmo table's);
- ``methodebreuk.csv``: the link factors across the 2024 method break (when a year is
  published in both methods);
- ``gemeente_wmo_financieringsvorm.csv``: ZIN/PGB clients and shares per gemeente and year;
- ``bronnen.json``: the tables used (id, title, year, method, modified), the URL and when.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ..data import FEATURES, TYPE_FILE
from ..errors import WmoError
from . import parse
from .catalog import TableRef, select_tables
from .fetch import fetch_table, resolve_url, table_list
from .link import LINK_FILE, apply_link, link_factors

NAMES_FILE = "wijknamen.csv"
FINANCING_FILE = "gemeente_wmo_financieringsvorm.csv"
SOURCES_FILE = "bronnen.json"
DEFAULT_CACHE = Path.home() / ".cache" / "wmo_xl" / "cbs"


@dataclass
class UpdateSummary:
    """What an update fetched and wrote (printed by the CLI, shown in the closing note)."""

    out: Path
    url: str
    tables: list[TableRef]
    fetched: int = 0
    cached: int = 0
    seconds: float = 0.0
    #: (year, category) -> wijken with a (not suppressed) count
    wijken: dict[tuple[int, str], int] = field(default_factory=dict)
    link: pd.DataFrame | None = None

    @property
    def years(self) -> list[int]:
        return sorted({y for y, _ in self.wijken})

    @property
    def categories(self) -> list[str]:
        return sorted({c for _, c in self.wijken})


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv(df: pd.DataFrame, path: Path) -> None:
    _atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n"))


def plan(refs: list[TableRef]) -> tuple[list[TableRef], TableRef | None, TableRef | None]:
    """(data tables, link's original table, link's new table): per kind and year the
    improved-method table, else the original one; for the link the latest year of the Wmo
    type series that both methods publish."""
    chosen: dict[tuple[str, int], TableRef] = {}
    for r in refs:
        best = chosen.get((r.kind, r.year))
        if best is None or (best.method != "2024" and r.method == "2024"):
            chosen[(r.kind, r.year)] = r
    both = sorted(y for (k, y), r in chosen.items() if k == "wmo_type" and r.method == "2024"
                  and any(o.kind == k and o.year == y and o.method == "origineel" for o in refs))
    link_orig = link_new = None
    if both:
        y = both[-1]
        link_new = chosen[("wmo_type", y)]
        link_orig = max((o for o in refs if o.kind == "wmo_type" and o.year == y and o.method == "origineel"),
                        key=lambda o: o.identifier)
    return sorted(chosen.values(), key=lambda r: (r.year, r.kind)), link_orig, link_new


def to_cbs_layout(rows: pd.DataFrame) -> pd.DataFrame:
    """Wmo rows joined with KWB features -> the lower-case CBS column names of the shared files."""
    out = pd.DataFrame({
        "codering_regio": rows["wijk"], "perioden": rows["year"], "gemeentenaam": rows["gemeentenaam"],
        "categorie": rows["category"], "wmoclienten": rows["clients"],
        "wmoclientenper1000inwoners": rows["clients_per_1000"], "methode": rows["method"],
    })
    for canon, cbs in FEATURES.items():
        out[cbs] = rows[canon] if canon in rows else float("nan")
    return out.sort_values(["categorie", "codering_regio", "perioden"]).reset_index(drop=True)


def borrow_kwb_years(kwb: pd.DataFrame, years: list[int]) -> tuple[pd.DataFrame, dict[int, int]]:
    """KWB rows for every Wmo year: a year without a KWB table takes the nearest KWB year
    (the earlier one on a tie). Returns the rows and, per borrowing year, the year lent."""
    have = sorted(int(y) for y in kwb["year"].unique())
    borrowed: dict[int, int] = {}
    extra = []
    for y in years:
        if y in have:
            continue
        src = min(have, key=lambda h: (abs(h - y), h > y))
        borrowed[y] = src
        extra.append(kwb[kwb["year"] == src].assign(year=y))
    return (pd.concat([kwb, *extra], ignore_index=True) if extra else kwb), borrowed


def carry_forward(kwb: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """KWB features a year lacks entirely (income is published a year late; KWB 2024 dropped
    the low-income share) taken from the wijk's previous KWB year, so that no year's feature
    column is empty. Returns the frame and, per year, the features carried forward."""
    if kwb.empty:
        return kwb, {}
    kwb = kwb.sort_values(["wijk", "year"]).reset_index(drop=True)
    carried: dict[int, list[str]] = {}
    for canon in FEATURES:
        if canon not in kwb:
            continue
        empty_years = [int(y) for y, v in kwb.groupby("year")[canon] if v.isna().all()]
        if not empty_years or kwb[canon].notna().sum() == 0:
            continue
        filled = kwb.groupby("wijk")[canon].ffill()
        rows = kwb["year"].isin(empty_years)
        kwb.loc[rows, canon] = filled[rows]
        for y in empty_years:
            carried.setdefault(y, []).append(canon)
    return kwb, carried


def update_data(
    out: str | Path,
    years: Iterable[int] | None = None,
    *,
    url: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> UpdateSummary:
    """Fetch the Wmo (per type), KWB and financing tables of ``years`` (default: every year
    from 2019 the catalogue offers) and write the training folder ``out``."""
    say = progress or (lambda _m: None)
    started = time.monotonic()
    base = resolve_url(url)
    asked = sorted(set(years)) if years else None
    say(f"CBS catalogue at {base}")
    all_refs = select_tables(table_list(base))
    on_offer = sorted({r.year for r in all_refs if r.kind == "wmo_type"})
    if not on_offer:
        raise WmoError(f"the CBS catalogue at {base} lists no 'Wmo-cliënten; type maatwerkvoorziening, wijken' table from 2019 on")
    if asked and set(asked) - set(on_offer):
        missing = sorted(set(asked) - set(on_offer))
        raise WmoError(f"no per-wijk Wmo table for {', '.join(map(str, missing))} in the CBS catalogue: "
                       f"years on offer are {', '.join(map(str, on_offer))}")
    offered = asked or on_offer
    refs = [r for r in all_refs if r.year in offered]
    tables, link_orig, link_new = plan(refs)
    tables = [t for t in tables if t.year in offered]
    todo = tables + ([link_orig] if link_orig else [])
    summary = UpdateSummary(Path(out), base, todo)
    cache = Path(cache_dir) if cache_dir else DEFAULT_CACHE
    parsed: dict[str, pd.DataFrame] = {}
    for i, ref in enumerate(todo, start=1):
        t0 = time.monotonic()
        res, hit = fetch_table(ref, base, cache)
        summary.cached += hit
        summary.fetched += not hit
        try:
            if ref.kind == "kwb":
                parsed[ref.identifier] = parse.kwb_rows(res, ref.year)
            elif ref.kind == "wmo_type":
                parsed[ref.identifier] = parse.wmo_type_rows(res, ref.year)
            else:
                parsed[ref.identifier] = parse.financing_rows(res, ref.year)
        except (ValueError, KeyError) as exc:
            raise WmoError(f"CBS table {ref.identifier} ({ref.title}) has an unexpected shape: {exc}") from None
        how = "cache" if hit else f"{time.monotonic() - t0:.1f} s"
        method = "" if ref.kind == "kwb" else f" (method {ref.method})"
        say(f"[{i}/{len(todo)}] {ref.identifier} {ref.title}{method}: {len(parsed[ref.identifier])} rows ({how})")

    wmo = pd.concat([parsed[t.identifier].assign(method=t.method) for t in tables if t.kind == "wmo_type"], ignore_index=True)
    factors = pd.DataFrame()
    if link_orig and link_new:
        factors = link_factors(parsed[link_new.identifier], parsed[link_orig.identifier])
        summary.link = factors
        wmo["gemeente"] = "GM" + wmo["wijk"].str[2:6]
        wmo = apply_link(wmo, factors, wmo["method"] == "origineel").drop(columns="gemeente")
        nat = factors[factors["gemeente"] == "NL"]
        say(f"method break linked through {link_new.year} ({link_orig.identifier} -> {link_new.identifier}): "
            + ", ".join(f"{r.categorie} x{r.factor:.3f}" for r in nat.itertuples()))
    kwb_frames = [parsed[t.identifier] for t in tables if t.kind == "kwb"]
    kwb = pd.concat(kwb_frames, ignore_index=True) if kwb_frames else pd.DataFrame(columns=["wijk", "year", "gemeentenaam", "wijknaam"])
    if kwb.empty:
        raise WmoError(f"the CBS catalogue at {base} lists no 'Kerncijfers wijken en buurten' table for "
                       f"{', '.join(map(str, offered))}: the model needs the inhabitants per wijk from it")
    kwb, borrowed = borrow_kwb_years(kwb, sorted(set(wmo["year"])))
    for y, src in sorted(borrowed.items()):
        say(f"no KWB table for {y}: the features of KWB {src} are used")
    kwb, carried = carry_forward(kwb)
    for y, feats in sorted(carried.items()):
        say(f"KWB {y} has no {', '.join(feats)} (not yet published or dropped): the wijk's previous KWB value is used")
    joined = wmo.merge(kwb.drop(columns=["wijknaam"]).rename(columns={"gemeentenaam": "kwb_gemeentenaam"}), on=["wijk", "year"], how="left")
    joined["gemeentenaam"] = joined["gemeentenaam"].fillna(joined["kwb_gemeentenaam"])
    for canon in FEATURES:
        if canon not in joined:
            joined[canon] = float("nan")
    layout = to_cbs_layout(joined)

    names = pd.concat([kwb[["wijk", "year", "wijknaam"]], wmo[["wijk", "year", "wijknaam"]]], ignore_index=True)
    names = names.dropna(subset=["wijknaam"])
    names = names[names["wijknaam"].str.len() > 0].drop_duplicates(["wijk", "year"], keep="first")
    names = names.rename(columns={"wijk": "codering_regio", "year": "perioden"}).sort_values(["codering_regio", "perioden"])

    root = Path(out)
    _csv(layout, root / TYPE_FILE)
    _csv(names, root / NAMES_FILE)
    if not factors.empty:
        _csv(factors, root / LINK_FILE)
    else:  # a link file of an earlier run would be applied to data it was not computed for
        (root / LINK_FILE).unlink(missing_ok=True)
    fin = [parsed[t.identifier] for t in tables if t.kind == "wmo_financiering"]
    if fin:
        _csv(pd.concat(fin, ignore_index=True).sort_values(["gemeente", "year"]), root / FINANCING_FILE)
    else:
        (root / FINANCING_FILE).unlink(missing_ok=True)
    sources: dict[str, Any] = {
        "url": base, "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "licence": "CC BY 4.0, Bron: CBS",
        "features_carried_forward": {str(y): f for y, f in sorted(carried.items())},
        "kwb_year_used_for": {str(y): src for y, src in sorted(borrowed.items())},
        "tables": [{"id": t.identifier, "title": t.title, "kind": t.kind, "year": t.year, "method": t.method,
                    "modified": t.modified, "use": "link" if t is link_orig else "data"} for t in todo],
    }
    _atomic_write(root / SOURCES_FILE, lambda tmp: Path(tmp).write_text(json.dumps(sources, ensure_ascii=False, indent=1), encoding="utf-8"))
    counts = joined.dropna(subset=["clients"]).groupby(["year", "category"])["wijk"].nunique()
    summary.wijken = {(int(y), str(c)): int(n) for (y, c), n in counts.items()}
    summary.seconds = time.monotonic() - started
    return summary
