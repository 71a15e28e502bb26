"""Raw CBS OData resources -> plain rows: codes, years, categories, counts, names.

What the real service does and this module copes with:
- keys and texts are padded to 10 characters (``'WK051801  '``), names too: stripped here;
- topic keys carry a position suffix that changes per year and revision (``WmoClienten_89``,
  ``_98``, ``_93``): columns are matched on the stem (``wmoclienten``), never the number;
- wijk codes are ``WK`` + 4-digit gemeente + any 2 characters (Amsterdam ``WK0363AA``);
- the typed data set has ``null`` for suppressed counts, the untyped one right-aligned
  strings and ``"."``: both become NaN (missing, not 0);
- region codes come from the region topic ``Codering_3`` or the raw dimension key, never
  from a title; names come from the dimension list's ``Title``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..codes import GEMEENTE_RE, WIJK_RE
from ..data import FEATURES, normalize_name, to_number

Resources = Mapping[str, list[dict[str, Any]]]

#: Keys of the TypeMaatwerkvoorziening dimension (2025 table) -> model category.
TYPE_KEYS: dict[str, str] = {
    "T001024": "totaal", "A019506": "ondersteuning_thuis", "A019507": "hbh",
    "A019508": "verblijf", "A019509": "hulpmiddelen",
}
#: Words of a dimension title -> category, for keys not listed above (first match wins).
#: Titles with 'excl'/'exclusief'/'overig' ('Totaal excl. verblijf en opvang', 'Overig') are
#: not a category of ours and are dropped.
TYPE_TITLE_WORDS: list[tuple[frozenset[str], str]] = [
    (frozenset({"huishouden"}), "hbh"), (frozenset({"ondersteuning", "thuis"}), "ondersteuning_thuis"),
    (frozenset({"hulpmiddelen"}), "hulpmiddelen"), (frozenset({"verblijf"}), "verblijf"),
]
_NOT_A_TYPE = {"excl", "exclusief", "overig", "overige", "anders"}
#: Financieringsvorm dimension titles -> column (matched on words, see :func:`_financing_of`).
FINANCING = ("totaal", "zin", "pgb")

_DATASETS = ("TypedDataSet", "UntypedDataSet")
_NOT_DIMENSIONS = {"TableInfos", "DataProperties", "CategoryGroups", *_DATASETS}


def data_set(res: Resources) -> list[dict[str, Any]]:
    """The data rows, typed or untyped, whichever the client fetched."""
    for name in _DATASETS:
        if name in res:
            return res[name]
    raise ValueError("no TypedDataSet or UntypedDataSet in the response")


def dimensions(res: Resources) -> dict[str, str]:
    """Dimension column -> its type ('GeoDimension', 'TimeDimension', 'Dimension')."""
    props = res.get("DataProperties", [])
    dims = {str(p["Key"]): str(p.get("Type", "Dimension")) for p in props if "Dimension" in str(p.get("Type", ""))}
    if not dims:  # no DataProperties: every list resource that is not the data or metadata
        dims = {k: "Dimension" for k in res if k not in _NOT_DIMENSIONS}
    return dims


def titles(res: Resources, dimension: str) -> dict[str, str]:
    """Stripped key -> stripped title of a dimension list."""
    return {str(r["Key"]).strip(): str(r.get("Title", "")).strip() for r in res.get(dimension, [])}


def _dim_of_type(dims: Mapping[str, str], kind: str, fallback: tuple[str, ...]) -> str | None:
    for key, typ in dims.items():
        if typ == kind:
            return key
    return next((k for k in fallback if k in dims), None)


def _stem_columns(frame: pd.DataFrame) -> dict[str, str]:
    """Normalized stem -> first column with that stem ('WmoClienten_93' -> 'wmoclienten')."""
    out: dict[str, str] = {}
    for col in frame.columns:
        out.setdefault(normalize_name(col), str(col))
    return out


def region_codes(frame: pd.DataFrame, geo: str | None) -> pd.Series:
    """Stripped upper-case region code per row: the topic ``Codering`` where it is a valid
    code, else the raw dimension key; '' where neither is."""
    def valid(s: pd.Series) -> pd.Series:
        s = s.astype("string").str.strip().str.upper()
        ok = s.str.match(WIJK_RE.pattern) | s.str.match(GEMEENTE_RE.pattern)
        return s.where(ok.fillna(False), "")

    stems = _stem_columns(frame)
    codes = pd.Series("", index=frame.index, dtype="string")
    if geo is not None and geo in frame:
        codes = valid(frame[geo])
    if "codering" in stems:
        topic = valid(frame[stems["codering"]])
        codes = topic.where(topic != "", codes)
    return codes


def year_of_key(key: object, default: int) -> int:
    """'2025JJ00' -> 2025 (a Perioden key); the table's year when there is none."""
    m = re.match(r"\s*((?:19|20)\d{2})", str(key))
    return int(m.group(1)) if m else default


def _text(frame: pd.DataFrame, stem: str) -> pd.Series:
    stems = _stem_columns(frame)
    if stem not in stems:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[stems[stem]].astype("string").str.strip()


def kwb_rows(res: Resources, year: int) -> pd.DataFrame:
    """Wijk rows of a KWB table: wijk, year, gemeentenaam, wijknaam and the model's features
    (canonical names of :data:`wmo_xl.data.FEATURES`, NaN where the year lacks one)."""
    raw = pd.DataFrame(data_set(res))
    dims = dimensions(res)
    geo = _dim_of_type(dims, "GeoDimension", ("WijkenEnBuurten", "Wijken", "RegioS"))
    out = pd.DataFrame({"wijk": region_codes(raw, geo)}, index=raw.index)
    keep = out["wijk"].str.match(WIJK_RE.pattern).fillna(False)
    raw, out = raw[keep], out[keep].copy()
    out["year"] = year
    out["gemeentenaam"] = _text(raw, "gemeentenaam")
    names = titles(res, geo) if geo else {}
    keys = raw[geo].astype("string").str.strip() if geo in raw else out["wijk"]
    out["wijknaam"] = keys.map(names).astype("string")
    stems = _stem_columns(raw)
    for canon, cbs in FEATURES.items():
        out[canon] = to_number(raw[stems[cbs]]) if cbs in stems else np.nan
    return out.drop_duplicates("wijk").reset_index(drop=True)


def _category_of(key: str, title: str) -> str | None:
    """Category of a TypeMaatwerkvoorziening entry: by its key, else by the words of its title."""
    if key in TYPE_KEYS:
        return TYPE_KEYS[key]
    words = set(re.findall(r"[a-z]+", title.lower()))
    if not words or words & _NOT_A_TYPE:
        return None
    if words == {"totaal"}:
        return "totaal"
    return next((cat for need, cat in TYPE_TITLE_WORDS if need <= words), None)


def wmo_type_rows(res: Resources, year: int) -> pd.DataFrame:
    """Wijk rows of a 'Wmo-cliënten; type maatwerkvoorziening, wijken' table: wijk, year,
    category, clients (NaN = suppressed), clients_per_1000, gemeentenaam, wijknaam."""
    raw = pd.DataFrame(data_set(res))
    dims = dimensions(res)
    geo = _dim_of_type(dims, "GeoDimension", ("Wijken", "WijkenEnBuurten", "RegioS"))
    period = _dim_of_type(dims, "TimeDimension", ("Perioden",))
    typ = next((k for k, t in dims.items() if t == "Dimension" and "maatwerk" in k.lower()), None)
    if typ is None or typ not in raw:
        raise ValueError(f"no type-of-maatwerkvoorziening dimension among {sorted(dims)}")
    type_titles = titles(res, typ)
    keys = raw[typ].astype("string").str.strip()
    cats = pd.Series([_category_of(str(k), type_titles.get(str(k), "")) for k in keys], index=raw.index, dtype="object")
    out = pd.DataFrame({"wijk": region_codes(raw, geo), "category": cats}, index=raw.index)
    if not (cats == "totaal").any():
        raise ValueError(f"no 'Totaal' type among {sorted(set(type_titles.values()))}")
    keep = out["wijk"].str.match(WIJK_RE.pattern).fillna(False) & out["category"].notna()
    raw, out = raw[keep], out[keep].copy()
    out["year"] = [year_of_key(k, year) for k in raw[period]] if period in raw else year
    stems = _stem_columns(raw)
    if "wmoclienten" not in stems:
        raise ValueError(f"no WmoClienten column among {sorted(raw.columns)[:20]}")
    out["clients"] = to_number(raw[stems["wmoclienten"]])
    per = stems.get("wmoclientenper1000inwoners") or stems.get("wmoclientenrelatief")
    out["clients_per_1000"] = to_number(raw[per]) if per else np.nan
    out["gemeentenaam"] = _text(raw, "gemeentenaam")
    names = titles(res, geo) if geo else {}
    out["wijknaam"] = raw[geo].astype("string").str.strip().map(names).astype("string") if geo in raw else pd.NA
    return out.drop_duplicates(["wijk", "year", "category"]).reset_index(drop=True)


def _financing_of(title: str) -> str | None:
    """'Zorg in natura' -> zin, 'Persoonsgebonden budget (pgb)' -> pgb, 'Totaal' -> totaal;
    mixed forms ('Zowel zin als pgb', 'Anders gecombineerd') -> None."""
    words = set(re.findall(r"[a-z]+", title.lower()))
    if words & {"zowel", "anders", "gecombineerd", "combinatie"}:
        return None
    if words == {"totaal"}:
        return "totaal"
    if "natura" in words or "zin" in words:
        return "zin"
    if "pgb" in words or "persoonsgebonden" in words:
        return "pgb"
    return None


def financing_rows(res: Resources, year: int) -> pd.DataFrame:
    """Gemeente rows of a 'Wmo-cliënten; financieringsvorm, wijken' table: gemeente, year,
    clients in total, in natura (zin) and with a PGB, and the ZIN/PGB shares of the total."""
    raw = pd.DataFrame(data_set(res))
    dims = dimensions(res)
    geo = _dim_of_type(dims, "GeoDimension", ("Wijken", "WijkenEnBuurten", "RegioS"))
    fin = next((k for k, t in dims.items() if t == "Dimension" and "financiering" in k.lower()), None)
    stems = _stem_columns(raw)
    if fin is None or fin not in raw or "wmoclienten" not in stems:
        raise ValueError("no Financieringsvorm dimension or WmoClienten column")
    fin_titles = titles(res, fin)
    kind = raw[fin].astype("string").str.strip().map(lambda k: _financing_of(fin_titles.get(str(k), "")))
    codes = region_codes(raw, geo)
    keep = codes.str.match(GEMEENTE_RE.pattern).fillna(False) & kind.notna()
    long = pd.DataFrame({"gemeente": codes[keep], "kind": kind[keep], "clients": to_number(raw.loc[keep, stems["wmoclienten"]])})
    wide = long.pivot_table(index="gemeente", columns="kind", values="clients", aggfunc="first")
    wide = wide.reindex(columns=list(FINANCING))
    total = wide["totaal"].where(wide["totaal"] > 0)
    wide["aandeel_zin"] = (wide["zin"] / total).round(4)
    wide["aandeel_pgb"] = (wide["pgb"] / total).round(4)
    wide.insert(0, "year", year)
    return wide.reset_index()
