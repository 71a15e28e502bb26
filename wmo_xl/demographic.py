"""Estimates from demographics for gemeenten CBS never counted per wijk in the model's data.

About 22 gemeenten of 2024 (Middelburg, Veldhoven, Heemstede, ...) have no Wmo-clienten per
wijk in CBS 2015-2018, and some gemeenten formed by a merger since then lack one or more of
their predecessors (Beekdaelen: Nuth and Onderbanken). They still need a forecast. What the
product has for them is KWB 2024's basics per wijk (table 85984NED: inhabitants, men,
women, density, woningvoorraad, area; CC BY 4.0), so the estimate uses what the training
years teach about the level of Wmo use those basics predict:

1. **Level model.** Gradient boosting (Poisson loss, weighted by inhabitants) of clients per
   inhabitant on features present both in the training KWB and in KWB 2024: the wijk's share
   of women (a stand-in for age: women outlive men), density, dwellings per inhabitant, and
   the same for its gemeente plus the gemeente's size (municipal policy differs with size).
   Fitted on the origin-year cross-section of the counted wijken.
2. **Size.** Clients per inhabitant times the wijk's KWB 2024 inhabitants, brought back to the
   origin year by the national population growth measured on the gemeenten present in both
   (median ratio of KWB 2024 to origin-year inhabitants).
3. **Growth after the origin.** The model's own national path: for every later year, the sum
   of the forecasts of the wijken counted in the origin year over their counts then (the
   fitted drift and cohort ageing, averaged nationally). So an estimate moves with the
   nation, never with a local trend nobody observed.
4. **80% range.** A leave-gemeente-out backtest: gemeenten that CBS did count are hidden in
   turn (grouped folds), estimated as above from the others, and the 10% / 90% quantiles of
   log(actual / estimate) of their totals give the range of a gemeente total (the wijk
   range from the wijk errors the same way). For later years the model's common gemeente
   variance per year is added (``var_gemeente_year * h``). Its coverage is itself measured
   out of sample: the quantiles of each fold come from the other folds only.

A merged gemeente whose predecessors were partly counted gets one row per missing
predecessor (row code = gemeente = the predecessor's code), holding the remainder of the
successor's KWB 2024 inhabitants not covered by the counted predecessors' wijken (scaled by
the national population growth). KWB 2024 has no figures for the old gemeenten, so when
several predecessors are missing the first (lowest code) holds the whole remainder and the
note names the others; no split is invented.

Every estimated row is marked in :attr:`FittedForecast.estimated`; every surface shows
:data:`LABEL` with the advice to retrain on own figures or refresh (:func:`estimate_note`).
Nothing here reads the CC BY-NC-SA boundary crosswalk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import WIJK_RE, gemeente_of, is_gemeente
from .fitted import OFFSET, FittedForecast

#: How every estimated figure is labelled (Dutch: it shows in Excel and the CLI alike).
LABEL = "schatting uit demografie (geen CBS-telling)"
#: The advice beside it.
ADVICE = "hertrain op eigen cijfers of ververs met 'wmo-xl refresh'"
#: The KWB basics file(s) train picks up from a data directory (CBS 85984NED extract).
KWB_BASICS_GLOB = "kwb_*_gemeente_wijk_basis.csv"
#: KWB columns used: canonical name -> normalized CBS name (same in every KWB year).
BASICS: dict[str, str] = {
    "inhabitants": "aantalinwoners", "women": "vrouwen", "density": "bevolkingsdichtheid",
    "dwellings": "woningvoorraad", "land_area": "oppervlakteland",
}
#: Columns of the level model, in order.
LEVEL_FEATURES: list[str] = [
    "share_women", "log_density", "dwellings_per_inhabitant",
    "g_log_inhabitants", "g_log_density", "g_share_women", "g_dwellings_per_inhabitant",
]
#: Leave-gemeente-out folds.
N_FOLDS = 10
_Z80 = 1.2815515655446004


# ------------------------------------------------------------------ reading
def basics_of(raw: pd.DataFrame) -> pd.DataFrame:
    """``code, year`` and the :data:`BASICS` columns (float, NaN missing) of a CBS-layout table.

    Column names are matched as :func:`wmo_xl.data.normalize_name` does (``AantalInwoners_5``
    and ``aantalinwoners`` alike). A column the table lacks is NaN.
    """
    from .data import _find_column, _year_of, normalize_name, to_number, to_text

    code = _find_column(raw.columns, ("coderingregio", "codering", "code", "wijkenenbuurten"))
    year = _find_column(raw.columns, ("perioden", "jaar", "year", "periodennum"))
    out = pd.DataFrame(index=raw.index)
    out["code"] = to_text(raw[code]).str.upper() if code is not None else np.nan
    out["year"] = _year_of(raw[year]).astype(float) if year is not None else np.nan
    norm = {normalize_name(c): c for c in raw.columns}
    for canon, cbs in BASICS.items():
        col = norm.get(cbs)
        out[canon] = to_number(raw[col]) if col is not None else np.nan
    return out


def kwb_basics_file(dirs: Sequence[str | Path]) -> Path | None:
    """The newest KWB basics file among the data directories (last by name), None if none."""
    found = sorted((p for d in dirs for p in Path(d).glob(KWB_BASICS_GLOB) if p.is_file()), key=lambda p: p.name)
    return found[-1] if found else None


def read_kwb_basics(path: str | Path) -> pd.DataFrame:
    """Wijk rows of a KWB basics file: ``wijk, gemeente, year`` and the basics."""
    from .csvfiles import numeric_frame, read_table

    b = basics_of(numeric_frame(read_table(path, "KWB file")))
    b = b[b["code"].str.match(WIJK_RE.pattern, na=False)].rename(columns={"code": "wijk"})
    b["gemeente"] = b["wijk"].map(gemeente_of)
    return b.drop_duplicates("wijk", keep="last").reset_index(drop=True)


def training_basics(dirs: Sequence[str | Path]) -> pd.DataFrame:
    """``wijk, year`` and the basics from the Wmo wijk files of the data directories (later wins)."""
    from .csvfiles import numeric_frame, read_table
    from .data import HBH_GLOB, TOTAAL_GLOB, TYPE_FILE

    frames = []
    for d in dirs:
        root = Path(d)
        for f in [*sorted(root.glob(TOTAAL_GLOB)), *sorted(root.glob(HBH_GLOB)), root / TYPE_FILE]:
            if f.is_file():
                frames.append(basics_of(numeric_frame(read_table(f, "data file"))))
    if not frames:
        return pd.DataFrame(columns=["wijk", "year", *BASICS])
    b = pd.concat(frames, ignore_index=True).rename(columns={"code": "wijk"})
    b = b[b["wijk"].str.match(WIJK_RE.pattern, na=False) & b["year"].notna()]
    b["year"] = b["year"].astype(int)
    return b.drop_duplicates(["wijk", "year"], keep="last").reset_index(drop=True)


# ----------------------------------------------------------------- features
def level_features(df: pd.DataFrame) -> pd.DataFrame:
    """The :data:`LEVEL_FEATURES` of wijk rows (``gemeente`` + basics; ``year`` optional).

    Gemeente features are sums over the rows of the same gemeente (and year): a caller
    passes all wijken of a gemeente, or one row standing for an area.
    """
    keys = ["gemeente", "year"] if "year" in df else ["gemeente"]
    inh = df["inhabitants"].where(df["inhabitants"] > 0)
    g = df.groupby(keys)[["inhabitants", "women", "dwellings", "land_area"]].transform(lambda s: s.sum(min_count=1))
    g_inh = g["inhabitants"].where(g["inhabitants"] > 0)
    return pd.DataFrame({
        "share_women": df["women"] / inh,
        "log_density": np.log1p(df["density"].clip(lower=0)),
        "dwellings_per_inhabitant": df["dwellings"] / inh,
        "g_log_inhabitants": np.log(g_inh),
        "g_log_density": np.log1p((g_inh / (g["land_area"].where(g["land_area"] > 0) / 100.0)).clip(lower=0)),
        "g_share_women": g["women"] / g_inh,
        "g_dwellings_per_inhabitant": g["dwellings"] / g_inh,
    }, index=df.index)[LEVEL_FEATURES].astype(float)


def _level_model(random_state: int = 0):  # type: ignore[no-untyped-def]
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(loss="poisson", max_iter=100, learning_rate=0.05, min_samples_leaf=50,
                                         l2_regularization=1.0, random_state=random_state)


def fit_level(rows: pd.DataFrame, random_state: int = 0):  # type: ignore[no-untyped-def]
    """Clients per inhabitant from :func:`level_features`, weighted by inhabitants."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _level_model(random_state).fit(level_features(rows), rows["clients"] / rows["inhabitants"],
                                              sample_weight=rows["inhabitants"])


def cross_section(rows: pd.DataFrame, basics: pd.DataFrame) -> pd.DataFrame:
    """Counted wijken of the origin year with their basics (the level model's training rows)."""
    obs = rows[rows["clients"].notna()]
    origin = int(obs["year"].max())
    cs = obs[obs["year"] == origin][["wijk", "gemeente", "year", "clients"]]
    cs = cs.merge(basics.drop(columns=["gemeente"], errors="ignore"), on=["wijk", "year"], how="inner")
    return cs[cs["inhabitants"] > 0].reset_index(drop=True)


# ----------------------------------------------------------------- backtest
@dataclasses.dataclass(frozen=True)
class Calibration:
    """Log-scale 10% / 90% quantiles of actual / estimate, for gemeente totals and wijken."""

    g_low: float
    g_high: float
    w_low: float
    w_high: float


def leave_gemeente_out(cs: pd.DataFrame, n_folds: int = N_FOLDS, random_state: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hide gemeenten in ``n_folds`` groups; estimate each from the others.

    Returns per wijk (``gemeente, actual, estimate, naive, fold``) and per gemeente the same
    summed. ``naive`` is inhabitants x the national rate of the other folds.
    """
    from threadpoolctl import threadpool_limits

    gem = np.array(sorted(cs["gemeente"].unique()))
    rng = np.random.default_rng(random_state)
    fold_of = dict(zip(gem, rng.permutation(len(gem)) % n_folds))
    fold = cs["gemeente"].map(fold_of).to_numpy()
    X = level_features(cs)
    rate = cs["clients"] / cs["inhabitants"]
    est = np.zeros(len(cs))
    naive = np.zeros(len(cs))
    with threadpool_limits(limits=1):
        for k in range(n_folds):
            tr, te = fold != k, fold == k
            if not te.any():
                continue
            m = _level_model(random_state).fit(X[tr], rate[tr], sample_weight=cs["inhabitants"][tr])
            est[te] = m.predict(X[te]) * cs["inhabitants"].to_numpy()[te]
            naive[te] = cs["clients"][tr].sum() / cs["inhabitants"][tr].sum() * cs["inhabitants"].to_numpy()[te]
    wijk = pd.DataFrame({"gemeente": cs["gemeente"].to_numpy(), "actual": cs["clients"].to_numpy(dtype=float),
                         "estimate": est, "naive": naive, "fold": fold})
    gemeente = wijk.groupby("gemeente").agg(actual=("actual", "sum"), estimate=("estimate", "sum"),
                                            naive=("naive", "sum"), fold=("fold", "first"))
    return wijk, gemeente


def log_quantiles(actual: np.ndarray, estimate: np.ndarray, coverage: float = 0.8, offset: float = 0.0) -> tuple[float, float]:
    """The (1 - coverage) / 2 and (1 + coverage) / 2 quantiles of log((actual + o) / (estimate + o))."""
    r = np.log((np.asarray(actual, float) + offset) / (np.asarray(estimate, float) + offset))
    r = r[np.isfinite(r)]
    tail = (1.0 - coverage) / 2.0
    return float(np.quantile(r, tail)), float(np.quantile(r, 1.0 - tail))


def calibrate(wijk: pd.DataFrame, gemeente: pd.DataFrame, column: str = "estimate", coverage: float = 0.8) -> Calibration:
    """Interval quantiles from the leave-gemeente-out errors (gemeente totals; wijken with +5)."""
    g = gemeente[(gemeente["actual"] > 0) & (gemeente[column] > 0)]
    gl, gh = log_quantiles(g["actual"], g[column], coverage)
    wl, wh = log_quantiles(wijk["actual"], wijk[column], coverage, OFFSET)
    return Calibration(gl, gh, wl, wh)


def inside_out_of_fold(gemeente: pd.DataFrame, column: str = "estimate", coverage: float = 0.8) -> pd.Series:
    """Per gemeente: is its total inside the range whose quantiles come from the other folds
    only? (So coverage is measured, not true by construction.)"""
    g = gemeente[(gemeente["actual"] > 0) & (gemeente[column] > 0)]
    inside = pd.Series(False, index=g.index)
    for k in sorted(g["fold"].unique()):
        rest, this = g[g["fold"] != k], g[g["fold"] == k]
        lo, hi = log_quantiles(rest["actual"], rest[column], coverage)
        r = np.log(this["actual"] / this[column])
        inside[this.index] = (r >= lo) & (r <= hi)
    return inside


def out_of_fold_coverage(gemeente: pd.DataFrame, column: str = "estimate", coverage: float = 0.8) -> float:
    """Share of gemeente totals inside their out-of-fold range (:func:`inside_out_of_fold`)."""
    inside = inside_out_of_fold(gemeente, column, coverage)
    return float(inside.mean()) if len(inside) else float("nan")


def wape(actual: pd.Series, estimate: pd.Series) -> float:
    return float((estimate - actual).abs().sum() / actual.sum())


def backtest_summary(cs: pd.DataFrame, n_folds: int = N_FOLDS) -> tuple[dict[str, Any], Calibration]:
    """The leave-gemeente-out backtest of the demographic estimate against the naive one."""
    wijk, gemeente = leave_gemeente_out(cs, n_folds)
    cal = calibrate(wijk, gemeente)
    summary = {
        "year": int(cs["year"].max()), "gemeenten": int(len(gemeente)), "wijken": int(len(wijk)), "folds": n_folds,
        "wape": {"demographic": wape(gemeente["actual"], gemeente["estimate"]), "naive": wape(gemeente["actual"], gemeente["naive"])},
        "coverage_80": {"demographic": out_of_fold_coverage(gemeente, "estimate"), "naive": out_of_fold_coverage(gemeente, "naive")},
        "interval_log_quantiles": {"gemeente": [cal.g_low, cal.g_high], "wijk": [cal.w_low, cal.w_high]},
    }
    return summary, cal


def backtest_table(summary: dict[str, Any]) -> str:
    """Markdown table of the leave-gemeente-out backtest (WAPE and 80% coverage of gemeente totals)."""
    w, c = summary["wape"], summary["coverage_80"]
    return "\n".join([
        f"| estimate of gemeente totals {summary['year']} (leave-gemeente-out, {summary['folds']} folds, {summary['gemeenten']} gemeenten) | WAPE | 80% range coverage |",
        "|---|---|---|",
        f"| demographic (KWB basics, this model) | {w['demographic']:.4f} | {c['demographic']:.3f} |",
        f"| naive: inhabitants x national rate | {w['naive']:.4f} | {c['naive']:.3f} |",
    ])


# ------------------------------------------------------------- estimates
def population_growth(fc: FittedForecast, kwb: pd.DataFrame) -> float:
    """Median ratio of KWB inhabitants to the model's (origin-year) inhabitants, over the
    gemeenten whose code is in both with at least 90% of KWB's wijk count in the model."""
    k = kwb.groupby("gemeente")["inhabitants"].agg(["sum", "size"])
    ratios = []
    for g, rows in fc.gemeente_rows.items():
        if g in k.index and len(rows) >= 0.9 * k.loc[g, "size"]:
            m = float(fc.inhabitants[rows].sum())
            if m > 0 and k.loc[g, "sum"] > 0:
                ratios.append(k.loc[g, "sum"] / m)
    return float(np.median(ratios)) if ratios else 1.0


def national_growth(fc: FittedForecast) -> np.ndarray:
    """Per horizon, the model's forecast over the origin-year count, summed over the wijken
    counted in the origin year: the national drift and ageing every estimate follows."""
    k = fc.origin - fc.first_year
    obs = fc.observed[:, k]
    ok = np.isfinite(obs) & (obs > 0) & ~fc.estimated
    return fc.mean[ok, : fc.max_horizon].sum(axis=0) / obs[ok].sum()  # the fitted paths (not the extension)


def _counted(fc: FittedForecast) -> set[str]:
    """Gemeente codes of the data years with rows that are not estimated (CBS counted them in
    some data year); the codes as the rows carry them, not today's areas (wmo_xl.areas)."""
    return {str(g) for g in np.unique(fc.gemeente[~fc.estimated])}


def _existed_at(code: str, origin: int, counted: set[str]) -> bool:
    """The gemeente code was in use in the origin year: not gone by then, and not formed
    later. A code without counts that received gemeenten after the origin is taken as formed
    then (in the 2024 list all such codes are new ones, e.g. GM1966 Het Hogeland)."""
    from .gemeenten import herindelingen

    gone = [h.year for h in herindelingen() if h.old == code]
    if gone and min(gone) <= origin:
        return False
    return code in counted or not any(h.new == code and h.year > origin for h in herindelingen())


def _covered(code: str, counted: set[str], depth: int = 0) -> bool:
    """Counted itself, or formed wholly from gemeenten that are covered (Westerwolde 2018 from
    Bellingwedde and Vlagtwedde, counted up to 2017)."""
    from .gemeenten import herindelingen

    if code in counted:
        return True
    parts = [h.old for h in herindelingen() if h.new == code and h.whole]
    return bool(parts) and depth < 10 and all(_covered(p, counted, depth + 1) for p in parts)


@dataclasses.dataclass(frozen=True)
class Gap:
    """A 2024 gemeente (or part of one) the model has no counts for."""

    gemeente: str  # the gemeente of 2024
    missing: tuple[str, ...]  # its origin-year constituents without rows (empty: the whole gemeente)
    counted: tuple[str, ...]  # its codes (itself, predecessors) with counted rows


def gaps(fc: FittedForecast, current: Sequence[str] | None = None) -> list[Gap]:
    """Gemeenten of today the model cannot answer from counts, wholly or in part.

    A gemeente of today stands for the gemeenten of the origin year that went wholly into it
    (itself included when it already existed). None of them covered by counts: the whole
    gemeente is estimated from its KWB 2024 wijken. Some: each missing one is a gap filled by
    the remainder of the successor's inhabitants.
    """
    from .gemeenten import current_gemeenten, predecessors

    counted = _counted(fc)
    out = []
    for g in sorted(current if current is not None else current_gemeenten()):
        everything = (g, *predecessors(g))
        if not any(c in counted for c in everything):
            out.append(Gap(g, (), ()))
            continue
        parts = [c for c in everything if _existed_at(c, fc.origin, counted)]
        missing = tuple(sorted(c for c in parts if not _covered(c, counted)))
        if missing:
            out.append(Gap(g, missing, tuple(c for c in everything if c in counted)))
    return out


def add_estimates(fc: FittedForecast, model: Any, cal: Calibration, kwb: pd.DataFrame,
                  current: Sequence[str] | None = None) -> tuple[FittedForecast, dict[str, Any]]:
    """``fc`` with estimated rows for every :func:`gaps` entry that KWB ``kwb`` covers.

    ``model`` is the fitted level model (:func:`fit_level`), ``cal`` its calibration.
    Returns the new forecast and a summary (counts, growth factors) for the manifest.
    """
    growth = national_growth(fc)
    pop = population_growth(fc, kwb)
    by_g = {g: f for g, f in kwb.groupby("gemeente")}
    pieces: list[pd.DataFrame] = []
    skipped: list[str] = []
    for gap in gaps(fc, current):
        area = by_g.get(gap.gemeente)
        if area is None or not (area["inhabitants"] > 0).any():
            skipped.append(gap.gemeente)
            continue
        if not gap.missing:
            piece = area.assign(code=area["wijk"])
        else:
            # the counted rows that carry the successor's forecast (an old area its successor's own wijken
            # replaced is not counted twice: wmo_xl.areas' superseded rows)
            own = np.isin(fc.gemeente, list(gap.counted)) & ~fc.superseded & ~fc.estimated
            covered = float(fc.inhabitants[own].sum())
            rest = max(float(area["inhabitants"].sum()) - pop * covered, 0.0)
            # one area row: the successor's shares and densities, the remainder's size
            tot = area[["women", "dwellings", "land_area"]].sum(min_count=1)
            share = rest / float(area["inhabitants"].sum())
            first = gap.missing[0]
            piece = pd.DataFrame([{
                "code": first, "gemeente": first, "inhabitants": rest,
                "women": tot["women"] * share, "dwellings": tot["dwellings"] * share,
                "land_area": tot["land_area"] * share,
                "density": float(np.nansum(area["inhabitants"])) / (float(tot["land_area"]) / 100.0) if tot["land_area"] > 0 else np.nan,
            }])
        pieces.append(piece)
    if not pieces:
        return fc, {"rows": 0, "gemeenten": [], "remainders": [], "skipped": skipped}
    new = pd.concat(pieces, ignore_index=True)
    new = new[~new["code"].isin(set(fc.codes))].reset_index(drop=True)
    rate = np.clip(model.predict(level_features(new)), 0.0, 1.0)
    inh = new["inhabitants"].fillna(0.0).clip(lower=0).to_numpy(dtype=float)
    level = rate * inh / pop
    mean = level[:, None] * growth[None, :]
    h = np.arange(1, fc.max_horizon + 1)
    extra = _Z80**2 * fc.var_gemeente_year * h
    lo = -np.sqrt(cal.w_low**2 + extra) if cal.w_low < 0 else cal.w_low - np.sqrt(extra)
    hi = np.sqrt(cal.w_high**2 + extra) if cal.w_high > 0 else cal.w_high + np.sqrt(extra)
    lower = np.maximum((mean + OFFSET) * np.exp(lo)[None, :] - OFFSET, 0.0)
    upper = (mean + OFFSET) * np.exp(hi)[None, :] - OFFSET
    n, years = len(new), fc.observed.shape[1]
    out = dataclasses.replace(
        fc,
        codes=np.concatenate([fc.codes, new["code"].to_numpy(dtype=str)]),
        gemeente=np.concatenate([fc.gemeente, new["gemeente"].to_numpy(dtype=str)]),
        inhabitants=np.concatenate([fc.inhabitants, inh]),
        last_year=np.concatenate([fc.last_year, np.full(n, np.nan)]),
        mean=np.vstack([fc.mean[:, : fc.max_horizon], mean]), lower=np.vstack([fc.lower[:, : fc.max_horizon], lower]),
        upper=np.vstack([fc.upper[:, : fc.max_horizon], upper]),
        observed=np.vstack([fc.observed, np.full((n, years), np.nan)]),
        estimated=np.concatenate([fc.estimated, np.ones(n, dtype=bool)]),
        estimate_q=np.array([cal.g_low, cal.g_high]),
    )
    info = {
        "rows": n,
        "gemeenten": sorted({str(g) for g in new["gemeente"]}),
        "remainders": [{"gemeente": gp.gemeente, "row": gp.missing[0], "missing": list(gp.missing), "counted": list(gp.counted)}
                       for gp in gaps(fc, current) if gp.missing and gp.gemeente not in skipped],
        "skipped": skipped,
        "population_growth": pop,
        "national_growth": [float(x) for x in growth],
    }
    return out, info


# ------------------------------------------------------------------- notes
def note_for(fc: FittedForecast, code: str) -> str | None:
    """The one-line label of a figure that is (partly) estimated from demographics, else None.

    For a wijk or gemeente with estimated rows, and for a gemeente of today whose
    predecessors' rows (summed for it) include estimated ones.
    """
    from .gemeenten import current_code, gemeente_name, predecessors

    if not fc.estimated.any():
        return None
    if not is_gemeente(code):
        i = fc.index.get(code)
        return _whole(gemeente_of(code)) if i is not None and fc.estimated[i] else None
    rows = fc.gemeente_rows.get(code)
    if rows is not None and fc.estimated[rows].all():
        if is_gemeente(str(fc.codes[rows[0]])):  # a remainder row: part of a merged gemeente
            return _part(code, current_code(code) or code, fc)
        return _whole(code)
    parts = [p for p in predecessors(code) if p in fc.gemeente_rows and fc.estimated[fc.gemeente_rows[p]].all()]
    if parts:
        return _part(code, code, fc)
    return None


def _whole(g: str) -> str:
    from .gemeenten import gemeente_name

    return f"{g} {gemeente_name(g) or ''}".rstrip() + f": {LABEL}, CBS telde deze gemeente niet per wijk; {ADVICE}"


def _part(code: str, successor: str, fc: FittedForecast) -> str:
    """Label of a successor with remainder rows (or of one remainder row's code)."""
    from .gemeenten import gemeente_name

    missing = [gp.missing for gp in gaps_of(fc, successor)]
    names = [f"{p} {gemeente_name(p) or ''}".rstrip() for group in missing for p in group]
    which = " en ".join(names) if names else code
    head = f"{code} {gemeente_name(code) or ''}".rstrip()
    if code != successor:
        return f"{head}: {LABEL} (samen: {which}; rest van {successor} {gemeente_name(successor) or ''}); {ADVICE}".replace(" )", ")")
    return f"{head}: deels {LABEL} voor {which}; {ADVICE}"


def gaps_of(fc: FittedForecast, successor: str) -> list[Gap]:
    """The gaps of one gemeente of today, judged on the counted rows only."""
    return [gp for gp in gaps(fc, [successor]) if gp.missing]
