"""Read CBS Wmo and KWB tables into one tidy table with canonical English column names.

The same function serves the files in ``../shared/data/cbs`` (lower-case CBS names such as
``codering_regio``, ``wmoclienten``), tables fetched with ``cbsodata`` (``WmoClienten_100``,
``AantalInwoners_5``) and the rows a controller pastes into the Data sheet. CBS names are
matched after lower-casing and dropping the numeric ``_NN`` suffix and punctuation, so the
mapping below holds for every KWB year.

Suppressed counts (CBS prints ``.``) are missing, never 0.

This module is the one dtype boundary of the core. Whatever pandas version, string storage
(Python or pyarrow) or nullable dtype (``Float64``, ``Int64``, ``ArrowDtype``) the caller's
environment hands out, what leaves :func:`tidy`, :func:`combine` and :func:`plain` has plain
NumPy columns: ``year`` int64, every number float64 with NaN for missing, and codes and names
as Python ``str`` in object columns. The model and everything after it can then use
``to_numpy()``, ``np.log`` and ``map`` without caring which pandas produced the frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from .codes import WIJK_RE, gemeente_of
from .csvfiles import check_counts, numeric_frame, read_table
from .errors import WmoError
from .inputs import shorten

#: The tidy table's columns, in order. ``category`` is one of :data:`CATEGORIES`.
TIDY_COLUMNS: list[str] = [
    "wijk", "gemeente", "gemeentenaam", "year", "category", "clients", "clients_per_1000",
]

#: KWB features used by the model: canonical name -> normalized CBS name.
FEATURES: dict[str, str] = {
    "inhabitants": "aantalinwoners",
    "age_0_15": "k0tot15jaar",
    "age_15_25": "k15tot25jaar",
    "age_25_45": "k25tot45jaar",
    "age_45_65": "k45tot65jaar",
    "age_65plus": "k65jaarofouder",
    "widowed": "verweduwd",
    "households": "huishoudenstotaal",
    "one_person_households": "eenpersoonshuishoudens",
    "household_size": "gemiddeldehuishoudensgrootte",
    "ao_benefits": "personenpersoortuitkeringao",
    "bijstand_benefits": "personenpersoortuitkeringbijstand",
    "aow_benefits": "personenpersoortuitkeringaow",
    "income_per_inhabitant": "gemiddeldinkomenperinwoner",
    "low_income_households_pct": "huishoudensmeteenlaaginkomen",
    "rental_pct": "huurwoningentotaal",
    "social_housing_pct": "inbezitwoningcorporatie",
    "density": "bevolkingsdichtheid",
    "urbanity": "matevanstedelijkheid",
}

#: Other CBS columns we recognise: canonical name -> accepted normalized names.
_KEYS: dict[str, tuple[str, ...]] = {
    "code": ("coderingregio", "codering", "wijkenenbuurten", "wijk", "regiocode", "code"),
    "year": ("perioden", "jaar", "year", "periode"),
    "clients": ("wmoclienten", "clienten", "clients"),
    "clients_per_1000": ("wmoclientenper1000inwoners", "wmoclientenrelatief", "clientsper1000"),
    "gemeentenaam": ("gemeentenaam", "gemeente"),
    "category": ("categorie", "category", "typemaatwerkarrangement"),
}

#: CBS columns a backtest/training CSV must have.
REQUIRED_CBS = ("codering_regio", "perioden", "wmoclienten", "aantalinwoners")

#: Model categories: Wmo clients in total and per type of maatwerkvoorziening (CBS).
CATEGORIES: tuple[str, ...] = ("totaal", "hbh", "ondersteuning_thuis", "hulpmiddelen", "verblijf")

_CATEGORY_ALIASES = {
    "totaal": "totaal", "total": "totaal", "": "totaal",
    "hbh": "hbh", "hulp bij het huishouden": "hbh", "huishoudelijke hulp": "hbh",
    "ondersteuning_thuis": "ondersteuning_thuis", "ondersteuning thuis": "ondersteuning_thuis",
    "hulpmiddelen": "hulpmiddelen", "hulpmiddelen en diensten": "hulpmiddelen",
    "verblijf": "verblijf", "verblijf en opvang": "verblijf",
}


def normalize_name(name: object) -> str:
    """'AantalInwoners_5' / 'aantalinwoners' / 'k_65JaarOfOuder_12' -> 'aantalinwoners' etc."""
    s = str(name).strip().lower()
    s = re.sub(r"_\d+$", "", s)
    return re.sub(r"[^a-z0-9]", "", s)


def _find_column(columns: Iterable[object], accepted: Sequence[str]) -> object | None:
    norm = {normalize_name(c): c for c in columns}
    for key in accepted:
        if key in norm:
            return norm[key]
    return None


def to_number(series: pd.Series) -> pd.Series:
    """CBS text to float64: '.', '', 'x' and other non-numbers become NaN (suppressed, not 0).

    Nullable (``Float64``, ``Int64``) and Arrow-backed numbers come out as plain float64 with
    NaN for missing; text (Python or pyarrow strings, objects) is parsed with a decimal comma
    read as a point.
    """
    dtype = series.dtype
    if is_numeric_dtype(dtype) and not is_bool_dtype(dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        cells = series.to_numpy(dtype=object, na_value=None)
        text = pd.Series([None if v is None else str(v).strip().replace(",", ".") for v in cells], dtype=object)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(values, index=series.index, name=series.name, dtype="float64")


def to_text(series: pd.Series) -> pd.Series:
    """Codes and names as Python ``str`` (stripped) in an object column; missing is NaN.

    Object, not pandas' ``string``/``str`` dtypes: their missing value (``pd.NA``) and their
    Arrow-backed results of ``map`` and arithmetic would leak into the model's arrays.
    """
    cells = series.to_numpy(dtype=object, na_value=None)
    values = np.array([np.nan if v is None else str(v).strip() for v in cells], dtype=object)
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def _year_of(series: pd.Series) -> pd.Series:
    """'2018', 2018, '2018JJ00', '201801' (half-year) -> 2018."""
    text = series.astype("string").str.strip().str.extract(r"((?:19|20)\d{2})", expand=False)
    return pd.to_numeric(text, errors="coerce").astype("Int64")


def category_of(value: object) -> str:
    """Map a category label to one of :data:`CATEGORIES`; raise for anything else."""
    key = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    key = key.strip().lower()
    if key not in _CATEGORY_ALIASES:
        raise WmoError(f"unknown category {shorten(repr(value))}: accepted are {', '.join(CATEGORIES)}")
    return _CATEGORY_ALIASES[key]


#: Columns :func:`plain` keeps as text (Python ``str``) and as whole numbers (int64).
TEXT_COLUMNS = ("wijk", "gemeente", "gemeentenaam", "category")
INT_COLUMNS = ("year", "row")


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """The dtype boundary: a copy of ``df`` with plain NumPy columns, whatever made it.

    Text columns (:data:`TEXT_COLUMNS`) become object columns of ``str``, :data:`INT_COLUMNS`
    int64 (float64 if a value is missing), every other column float64 with NaN for missing.
    Tables from pandas 2 or 3, with Python or pyarrow strings, nullable or Arrow dtypes, all
    give the same frame, so nothing downstream needs to care.
    """
    out = {}
    for col in df.columns:
        if col in TEXT_COLUMNS:
            out[col] = to_text(df[col])
        else:
            values = to_number(df[col])
            if col in INT_COLUMNS and values.notna().all():
                values = values.astype("int64")
            out[col] = values
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def _unsuppress_zero(clients: pd.Series, per1000: pd.Series | None) -> pd.Series:
    """A count of 0 without a per-1000 figure beside it is a suppressed count: NaN.

    CBS rounds counts to 5 and suppresses small ones (``.``), and publishes a per-1000 rate
    with every count it shows. The shared wijk file (JADS copy of the CBS tables) stores the
    suppressed counts of 2015-2017 as 0 with an empty rate (96 / 149 / 201 rows, see
    ``SOURCES.md``), and those of 2018 as empty. So a 0 whose rate is empty (or whose table
    has no rate column) is read as missing; a 0 with a rate of 0 beside it stays 0.
    """
    rate_missing = per1000.isna() if per1000 is not None else pd.Series(True, index=clients.index)
    return clients.mask((clients == 0) & rate_missing)


def tidy(raw: pd.DataFrame, *, source: str = "table", category: str | None = None) -> pd.DataFrame:
    """Turn a CBS-style table into the tidy wijk x year table (wijk rows only).

    Suppressed counts are NaN: CBS's ``.`` and the 0 that the shared file stores for them
    (:func:`_unsuppress_zero`). Columns leave through :func:`plain` (the dtype boundary).
    Raises WmoError naming the missing columns when the table lacks a code, year or count.
    """
    cols = {k: _find_column(raw.columns, v) for k, v in _KEYS.items()}
    inh = _find_column(raw.columns, (FEATURES["inhabitants"], "inwoners", "inhabitants"))
    missing = [k for k in ("code", "year", "clients") if cols[k] is None]
    if missing:
        raise WmoError(
            f"{source} lacks column(s) {', '.join(missing)}: needs a wijk code "
            "(codering_regio/wijk), a year (perioden/jaar) and a count (wmoclienten/clienten)"
        )
    out = pd.DataFrame(index=raw.index)
    out["wijk"] = to_text(raw[cols["code"]]).str.upper()
    out["year"] = _year_of(raw[cols["year"]])
    out = out[out["wijk"].str.match(WIJK_RE.pattern, na=False) & out["year"].notna()].copy()
    raw = raw.loc[out.index]
    out["gemeente"] = out["wijk"].map(gemeente_of)
    out["gemeentenaam"] = to_text(raw[cols["gemeentenaam"]]) if cols["gemeentenaam"] is not None else np.nan
    if category is not None:
        out["category"] = category
    elif cols["category"] is not None:
        out["category"] = raw[cols["category"]].map(category_of)
    else:
        out["category"] = "totaal"
    per1000 = to_number(raw[cols["clients_per_1000"]]) if cols["clients_per_1000"] is not None else None
    out["clients"] = _unsuppress_zero(to_number(raw[cols["clients"]]), per1000)
    for canon, cbs in FEATURES.items():
        col = inh if canon == "inhabitants" else _find_column(raw.columns, (cbs, canon))
        out[canon] = to_number(raw[col]) if col is not None else np.nan
    computed = 1000.0 * out["clients"] / out["inhabitants"].where(out["inhabitants"] > 0)
    if per1000 is None:
        out["clients_per_1000"] = computed
    else:
        # a rate of 0 beside a positive count (4 rows of 2015 in the shared file) is no rate
        rate = per1000.mask((per1000 == 0) & (out["clients"] > 0))
        out["clients_per_1000"] = rate.where(out["clients"].notna()).fillna(computed)
    return plain(out[TIDY_COLUMNS + list(FEATURES)].reset_index(drop=True))


def read_csvs(paths: Sequence[str | Path], *, required: Sequence[str] = REQUIRED_CBS) -> pd.DataFrame:
    """Read and combine CBS-layout CSVs; a missing file or column is a WmoError."""
    frames = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise WmoError(f"data file {str(path)!r} not found: pass a CSV in the CBS layout (codering_regio, perioden, wmoclienten, ...)")
        raw = numeric_frame(read_table(path, "data file"))  # sniffed ; , tab and cp1252; numbers by the one rule
        norm = {normalize_name(c) for c in raw.columns}
        lacking = [c for c in required if normalize_name(c) not in norm]
        if lacking:
            found = ", ".join(map(str, raw.columns[:6])) + (", ..." if len(raw.columns) > 6 else "")
            raise WmoError(f"{path.name} lacks column(s) {', '.join(lacking)}: needs {', '.join(required)} (found {found})")
        frame = tidy(raw, source=path.name)
        check_counts(frame, ("clients", "inhabitants"), path.name)
        frames.append(frame)
    if not frames:
        raise WmoError("no data files given: pass at least one CSV")
    return combine(frames)


def combine(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack tidy tables; a later frame wins for the same wijk, year and category."""
    df = pd.concat([plain(f) for f in frames], ignore_index=True)
    df = df.drop_duplicates(subset=["wijk", "year", "category"], keep="last")
    return plain(df.sort_values(["category", "wijk", "year"]).reset_index(drop=True))


TOTAAL_GLOB = "wijk_wmo_totaal_jaar_*_met_kwb.csv"
HBH_GLOB = "wijk_wmo_hbh_halfjaar_*_met_kwb.csv"
GEMEENTE_HBH_GLOB = "gemeente_wmo_hbh_jaar_*_met_features.csv"
#: What ``wmo-xl update-data`` writes: every category per wijk and year, one file.
TYPE_FILE = "wijk_wmo_type_jaar_cbs_met_kwb.csv"


def check_data_dir(path: str | Path) -> Path:
    """Return the CBS data directory, or raise naming what it should hold."""
    root = Path(path)
    if not root.is_dir() or not (list(root.glob(TOTAAL_GLOB)) or (root / TYPE_FILE).is_file()):
        raise WmoError(
            f"data directory {str(root)!r} not found or without {TOTAAL_GLOB} or {TYPE_FILE}: "
            "pass --data with the CBS files (default ../shared/data/cbs) or run 'wmo-xl update-data'"
        )
    return root


def load_totaal(path: str | Path) -> pd.DataFrame:
    """All yearly Wmo totaal files of a CBS data directory as one tidy table."""
    root = check_data_dir(path)
    return read_csvs(sorted(root.glob(TOTAAL_GLOB)))


def load_hbh_yearly(path: str | Path) -> pd.DataFrame:
    """Yearly HbH clients per wijk, estimated from CBS half-year counts.

    CBS publishes HbH per wijk per half-year only. A person helped in both halves counts in
    each, so the yearly number of persons lies between the larger half and the sum: the
    larger of the published halves is a lower bound that stays right when a gemeente's count
    changes within the year (Den Haag 2018: 4,160 clients in the year, 460 in the second
    half). The gemeente yearly file gives the true yearly count; its national ratio to the
    summed larger halves (about 1.08) scales each wijk. Without that file the larger half is
    used as is. A wijk with both halves suppressed has no yearly value (missing, not 0).

    Measured on the shared CBS files (604 gemeente-years): scaled larger half vs gemeente
    yearly count, median error 1.3%, worst 23%; the former second-half-only estimate had the
    same median but a worst case of 8x (Den Haag 2018). See docs/observed.md.
    """
    root = Path(path)
    files = sorted(root.glob(HBH_GLOB))
    if not files:
        return pd.DataFrame(columns=TIDY_COLUMNS + list(FEATURES))
    raw = pd.concat([pd.read_csv(f, low_memory=False) for f in files], ignore_index=True)
    half = raw["periodennum"].astype(str).str[-2:]
    first = tidy(raw[half == "01"].reset_index(drop=True), category="hbh", source="HbH file")
    second = tidy(raw[half == "02"].reset_index(drop=True), category="hbh", source="HbH file")
    yearly = _larger_half(first, second)
    factor = _hbh_year_factor(root, yearly)
    yearly["clients"] = (yearly["clients"] * yearly["year"].map(factor).fillna(1.0) / 5).round() * 5
    yearly["clients_per_1000"] = 1000.0 * yearly["clients"] / yearly["inhabitants"].where(yearly["inhabitants"] > 0)
    return yearly


def _larger_half(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Per wijk and year the larger published half-year count, KWB features of the later half.

    A wijk-year in only one half (the other suppressed or absent) keeps that half's count.
    """
    key = ["wijk", "year"]
    both = pd.concat([second, first], ignore_index=True)  # second half first: its KWB row wins
    larger = both.groupby(key)["clients"].max()  # NaN only when every half is missing
    out = both.drop_duplicates(subset=key, keep="first").set_index(key)
    out["clients"] = larger
    return out.reset_index()[TIDY_COLUMNS + list(FEATURES)].sort_values(key).reset_index(drop=True)


def _hbh_year_factor(root: Path, estimate: pd.DataFrame) -> dict[int, float]:
    """National ratio yearly HbH clients / summed wijk estimate, per year (gemeente file)."""
    files = sorted(root.glob(GEMEENTE_HBH_GLOB))
    if not files:
        return {}
    g = pd.concat([pd.read_csv(f, low_memory=False, usecols=["codering_regio", "perioden", "wmoclienten"]) for f in files])
    g = plain(pd.DataFrame({
        "gemeente": g["codering_regio"], "year": _year_of(g["perioden"]), "wmoclienten": g["wmoclienten"],
    }))
    yearly = g.groupby(["gemeente", "year"])["wmoclienten"].sum(min_count=1)
    half = estimate.groupby(["gemeente", "year"])["clients"].sum(min_count=1)
    both = pd.concat([yearly.rename("y"), half.rename("h")], axis=1).dropna()
    both = both[both["h"] > 0]
    return (both.groupby(level="year")["y"].sum() / both.groupby(level="year")["h"].sum()).to_dict()


def load_dir(path: str | Path) -> pd.DataFrame:
    """Everything the national model trains on: totaal, HbH and (from update-data) every
    category of the CBS type tables, tidy."""
    root = check_data_dir(path)
    totaal = sorted(root.glob(TOTAAL_GLOB))
    frames = [read_csvs(totaal) if totaal else pd.DataFrame(), load_hbh_yearly(root)]
    if (root / TYPE_FILE).is_file():
        frames.append(read_csvs([root / TYPE_FILE]))
    return combine([f for f in frames if not f.empty])
