"""Estimates from demographics for gemeenten CBS never counted (issue 18).

A synthetic CBS directory with real 2024 gemeente codes: 30 counted gemeenten whose rate of
Wmo use follows the share of women (a known rule), Schinnen (GM0962) counted while Nuth and
Onderbanken are not (so Beekdaelen GM1954 is partly counted), and a KWB-2024-like basics file
that also holds Middelburg (GM0687) and Veldhoven (GM0861), which CBS never counted.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clirun import run
from wmo_xl import demographic as dm
from wmo_xl.bundle import set_active_model
from wmo_xl.bundle.format import FORECAST_FILE, MANIFEST_FILE, load_bundle, sha256_of
from wmo_xl.fitted import FittedForecast
from wmo_xl.forecast import estimate_note, forecast, forecast_interval
from wmo_xl.gemeenten import current_gemeenten, predecessors

YEARS = [2016, 2017, 2018]
HIDDEN = {"GM0687": 6, "GM0861": 5}  # never counted: wijken in KWB 2024 only
GROWTH = 1.03  # population 2018 -> 2024 in the synthetic KWB
REMAINDER = 12000  # Nuth + Onderbanken inhabitants in 2024 beside Schinnen


def true_rate(share_women: np.ndarray | float) -> np.ndarray | float:
    """The synthetic rule: more women (older population) -> more Wmo use."""
    return 0.05 * np.exp(14.0 * (np.asarray(share_women) - 0.5))


def _counted_codes() -> list[str]:
    plain = [g for g in sorted(current_gemeenten()) if not predecessors(g) and g not in HIDDEN]
    return plain[:30]


def _wijk(rng: np.random.Generator) -> dict[str, float]:
    pop = float(rng.integers(1500, 8000))
    density = float(rng.uniform(300, 6000))
    return {"pop": pop, "women": float(rng.uniform(0.45, 0.55)), "density": density,
            "dwell": float(rng.uniform(0.38, 0.52)), "land": pop / density * 100.0}


def _row(code: str, year: int, w: dict[str, float], clients: object, scale: float = 1.0) -> dict[str, object]:
    pop = int(w["pop"] * scale)
    a65 = int(pop * (0.1 + 2 * (w["women"] - 0.45)))
    return {
        "codering_regio": code, "perioden": year, "wmoclienten": clients, "wmoclientenper1000inwoners": ".",
        "gemeentenaam": "x", "aantalinwoners": pop, "mannen": pop - int(pop * w["women"]), "vrouwen": int(pop * w["women"]),
        "k0tot15jaar": int(pop * 0.15), "k15tot25jaar": int(pop * 0.12), "k25tot45jaar": int(pop * 0.25),
        "k45tot65jaar": int(pop * 0.27), "k65jaarofouder": a65, "verweduwd": int(a65 * 0.3),
        "huishoudenstotaal": int(pop / 2.2), "eenpersoonshuishoudens": int(pop / 2.2 * 0.35),
        "personenpersoortuitkeringao": int(pop * 0.05), "personenpersoortuitkeringbijstand": int(pop * 0.03),
        "gemiddeldinkomenperinwoner": 25.0, "huishoudensmeteenlaaginkomen": 8.0, "huurwoningentotaal": 40.0,
        "inbezitwoningcorporatie": 25.0, "bevolkingsdichtheid": w["density"], "matevanstedelijkheid": 3,
        "woningvoorraad": int(pop * w["dwell"]), "oppervlakteland": int(w["land"]),
    }


def _kwb_row(code: str, w: dict[str, float], pop: float) -> dict[str, object]:
    return {"code": code, "niveau": "wijk", "jaar": 2024, "AantalInwoners_5": int(pop), "Mannen_6": int(pop * (1 - w["women"])),
            "Vrouwen_7": int(pop * w["women"]), "Bevolkingsdichtheid_34": w["density"], "Woningvoorraad_35": int(pop * w["dwell"]),
            "OppervlakteLand_123": int(w["land"]), "OppervlakteTotaal_122": int(w["land"]) + 5, "OppervlakteWater_124": 5}


@pytest.fixture(scope="module")
def synthetic_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    rng = np.random.default_rng(7)
    rows, kwb, truth = [], [], {}
    for g in [*_counted_codes(), "GM0962"]:
        level = float(np.exp(rng.normal(0, 0.05)))
        for k in range(8):
            w = _wijk(rng)
            code = f"WK{g[2:]}{k:02d}"
            for t, year in enumerate(YEARS):
                mean = true_rate(w["women"]) * level * w["pop"] * (1.02**t)
                rows.append(_row(code, year, w, str(int(5 * round(rng.poisson(mean) / 5)))))
            if g != "GM0962":
                kwb.append(_kwb_row(code, w, w["pop"] * GROWTH))
    schinnen = sum(r["aantalinwoners"] for r in rows if str(r["codering_regio"]).startswith("WK0962") and r["perioden"] == 2018)
    w = _wijk(rng)
    kwb.append(_kwb_row("WK195400", w, schinnen * GROWTH + REMAINDER))
    for g, n in HIDDEN.items():
        total = 0.0
        for k in range(n):
            w = _wijk(rng)
            kwb.append(_kwb_row(f"WK{g[2:]}{k:02d}", w, w["pop"]))
            total += float(true_rate(w["women"]) * w["pop"] / GROWTH)
        truth[g] = total
    with_kwb = tmp_path_factory.mktemp("demo_cbs")
    pd.DataFrame(rows).to_csv(with_kwb / "wijk_wmo_totaal_jaar_2016_2018_met_kwb.csv", index=False)
    without = tmp_path_factory.mktemp("demo_cbs_nokwb")
    pd.DataFrame(rows).to_csv(without / "wijk_wmo_totaal_jaar_2016_2018_met_kwb.csv", index=False)
    pd.DataFrame(kwb).to_csv(with_kwb / "kwb_2024_85984NED_gemeente_wijk_basis.csv", index=False)
    return {"with": with_kwb, "without": without, "truth": truth}


@pytest.fixture(scope="module")
def demo_bundle(synthetic_dirs: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list[str]]:
    from wmo_xl.train import train

    said: list[str] = []
    path, manifest = train(synthetic_dirs["with"], tmp_path_factory.mktemp("demo_models") / "m", run_backtests=False, progress=said.append)
    return path, manifest, said


@pytest.fixture()
def active_demo(demo_bundle):  # type: ignore[no-untyped-def]
    set_active_model(demo_bundle[0])
    yield demo_bundle[0]
    set_active_model(None)


# ------------------------------------------------------------------ the estimate
def test_uncounted_gemeenten_get_estimated_rows_near_the_truth(demo_bundle, synthetic_dirs) -> None:  # type: ignore[no-untyped-def]
    fc = load_bundle(demo_bundle[0]).model("totaal")
    growth = dm.national_growth(fc)
    for g, n in HIDDEN.items():
        rows = fc.gemeente_rows[g]
        assert len(rows) == n and fc.estimated[rows].all()
        assert np.isnan(fc.observed[rows]).all() and np.isnan(fc.last_year[rows]).all()
        total, lo, hi = fc.cell(g, 2019)
        truth = synthetic_dirs["truth"][g] * growth[0]
        assert lo < total < hi
        assert total == pytest.approx(truth, rel=0.2)
    counted = fc.gemeente_rows[_counted_codes()[0]]
    assert not fc.estimated[counted].any()


def test_estimate_beats_naive_in_the_leave_gemeente_out_backtest(demo_bundle) -> None:  # type: ignore[no-untyped-def]
    bt = demo_bundle[1]["demographic_estimate"]["categories"]["totaal"]["backtest"]
    assert bt["gemeenten"] == 31 and bt["folds"] == dm.N_FOLDS
    assert bt["wape"]["demographic"] < 0.8 * bt["wape"]["naive"]
    assert 0.5 <= bt["coverage_80"]["demographic"] <= 1.0
    card = (demo_bundle[0] / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert dm.LABEL in card and f"{bt['wape']['demographic']:.4f}" in card and f"{bt['wape']['naive']:.4f}" in card


def test_partly_counted_merger_gets_one_remainder_row(demo_bundle) -> None:  # type: ignore[no-untyped-def]
    fc = load_bundle(demo_bundle[0]).model("totaal")
    info = demo_bundle[1]["demographic_estimate"]["categories"]["totaal"]
    assert {"gemeente": "GM1954", "row": "GM0881", "missing": ["GM0881", "GM0951"], "counted": ["GM0962"]} in info["remainders"]
    i = fc.index["GM0881"]
    assert fc.gemeente[i] == "GM0881" and fc.estimated[i]
    assert "GM0951" not in fc.index  # one row for the missing predecessors together: no invented split
    pop = info["population_growth"]
    schinnen = fc.inhabitants[fc.gemeente_rows["GM0962"]].sum()
    assert fc.inhabitants[i] == pytest.approx(schinnen * GROWTH + REMAINDER - pop * schinnen, abs=1.0)
    note = estimate_note("GM0881", demo_bundle[0])
    assert dm.LABEL in note and "GM0951 Nuth" in note and "GM1954 Beekdaelen" in note
    assert "merged" not in note


def test_no_kwb_file_no_estimates_and_train_says_so(synthetic_dirs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.train import train

    said: list[str] = []
    path, manifest = train(synthetic_dirs["without"], tmp_path / "m", run_backtests=False, progress=said.append)
    assert not load_bundle(path).model("totaal").estimated.any()
    assert manifest["demographic_estimate"] == {"source": None}
    assert any("no KWB basics file" in s for s in said)
    with pytest.raises(Exception, match="GM0687"):
        forecast("GM0687", 2020, model=path)


# ------------------------------------------------------- leave-gemeente-out logic
def _cs(n_gemeenten: int = 40, seed: int = 3, outlier: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_gemeenten):
        g = f"GM{1000 + i:04d}"
        level = 10.0 if g == outlier else float(np.exp(rng.normal(0, 0.15)))
        for k in range(6):
            w = _wijk(rng)
            rows.append({"wijk": f"WK{1000 + i:04d}{k:02d}", "gemeente": g, "year": 2018, "inhabitants": w["pop"],
                         "women": w["pop"] * w["women"], "density": w["density"], "dwellings": w["pop"] * w["dwell"],
                         "land_area": w["land"], "clients": float(rng.poisson(true_rate(w["women"]) * level * w["pop"]))})
    return pd.DataFrame(rows)


def test_a_hidden_gemeente_is_estimated_without_its_own_counts() -> None:
    cs = _cs(outlier="GM1005")
    wijk, gemeente = dm.leave_gemeente_out(cs)
    out = gemeente.loc["GM1005"]
    # ten times the others' level: an estimate that saw its own counts would come close
    assert out["estimate"] < 0.3 * out["actual"]
    assert set(gemeente["fold"]) == set(range(dm.N_FOLDS))
    assert len(wijk) == len(cs)


def test_coverage_is_measured_out_of_fold_and_near_80_percent() -> None:
    rng = np.random.default_rng(11)
    n = 400
    estimate = rng.uniform(100, 5000, n)
    g = pd.DataFrame({"estimate": estimate, "actual": estimate * np.exp(rng.normal(0, 0.2, n)), "fold": np.arange(n) % 10})
    cov = dm.out_of_fold_coverage(g)
    assert 0.74 <= cov <= 0.86
    lo, hi = dm.log_quantiles(g["actual"], g["estimate"])
    assert lo == pytest.approx(-1.2816 * 0.2, abs=0.05) and hi == pytest.approx(1.2816 * 0.2, abs=0.05)
    # a fold whose errors differ from the others is not covered by quantiles that never saw it
    shifted = g.assign(actual=np.where(g["fold"] == 0, g["estimate"] * 3.0, g["actual"]))
    inside = dm.inside_out_of_fold(shifted)
    assert not inside[shifted["fold"] == 0].any() and inside[shifted["fold"] != 0].mean() > 0.8


def test_calibration_spans_the_backtest_errors() -> None:
    wijk, gemeente = dm.leave_gemeente_out(_cs())
    cal = dm.calibrate(wijk, gemeente)
    r = np.log(gemeente["actual"] / gemeente["estimate"])
    assert cal.g_low < 0 < cal.g_high
    assert ((r >= cal.g_low) & (r <= cal.g_high)).mean() == pytest.approx(0.8, abs=0.06)
    assert cal.w_low <= cal.g_low and cal.w_high >= cal.g_high * 0.8  # wijken are noisier than their sums


# ------------------------------------------------------------- labels everywhere
def test_cli_forecast_and_budget_label_the_estimate(active_demo, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(["forecast", "--wijk", "GM0687", "--year", "2020", "--model", str(active_demo)], capsys)
    assert code == 0 and "GM0687" in out
    assert dm.LABEL in err and "wmo-xl refresh" in err and "Middelburg" in err
    assert "merged" not in err
    code, out, err = run(["forecast", "--gemeente", "GM0861", "--year", "2021", "--model", str(active_demo)], capsys)
    assert code == 0 and err.count(dm.LABEL) == 1 and "Veldhoven" in err
    code, out, err = run(["budget", "--gemeente", "GM0687", "--years", "2025-2026", "--model", str(active_demo)], capsys)
    assert code == 0 and dm.LABEL in err and "merged" not in err
    code, out, err = run(["forecast", "--wijk", _counted_codes()[0], "--year", "2020", "--model", str(active_demo)], capsys)
    assert code == 0 and dm.LABEL not in err


def test_udf_blocks_carry_the_label_in_their_header(active_demo) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.excel import udfs

    block = udfs.wmo_forecast_sheet("GM0687", [[2019, 2020]])
    assert dm.LABEL in str(block[5][0]) and "wmo-xl refresh" in str(block[5][0])
    assert isinstance(block[0][1], float) and block[1][1] < block[0][1] < block[2][1]
    counted = udfs.wmo_forecast_sheet(_counted_codes()[0], [[2019, 2020]])
    assert dm.LABEL not in str(counted[5][0]) and str(counted[5][0]).startswith("Model: ")  # the model line only
    from wmo_xl.menukaart import load_menu

    df = load_menu().to_frame()
    menu = [list(df.columns), *df.astype(object).values.tolist()]
    budget = udfs.wmo_budget("GM0687", [[2025, 2026]], menu)
    assert any(isinstance(c, str) and dm.LABEL in c for row in budget[:6] for c in row)


def test_export_labels_the_estimate(demo_bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    from wmo_xl.excel.export import export_workbook

    path = export_workbook(["GM0687", _counted_codes()[0]], tmp_path / "e.xlsx", model=demo_bundle[0], years=[2018, 2025, 2026])
    wb = openpyxl.load_workbook(path, data_only=True)
    texts = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(dm.LABEL in t and "wmo-xl refresh" in t for t in texts)
    assert sum(dm.LABEL in t for t in texts) >= 2  # the gemeente list and the Forecast sheet's header
    assert not any("merged" in t for t in texts)


# ----------------------------------------------------------------- old bundles
def test_old_bundle_without_estimated_marks_loads(demo_bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    old = tmp_path / "old"
    shutil.copytree(demo_bundle[0], old)
    with np.load(old / FORECAST_FILE, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files if not k.endswith((".estimated", ".estimate_q"))}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    (old / FORECAST_FILE).write_bytes(buf.getvalue())
    manifest = json.loads((old / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["files"][FORECAST_FILE] = sha256_of(buf.getvalue())
    (old / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    fc = load_bundle(old).model("totaal")
    assert fc.estimated.dtype == bool and not fc.estimated.any() and fc.estimated.shape == fc.codes.shape
    assert estimate_note("GM0687", old) is None
    total, lo, hi = fc.cell("GM0687", 2019)  # the rows are there, but nothing marks them: the old interval rule
    assert lo <= total <= hi


def test_estimated_marks_must_be_booleans(demo_bundle) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.errors import ModelIntegrityError

    arrays = load_bundle(demo_bundle[0]).model("totaal").to_arrays()
    arrays["estimated"] = arrays["estimated"].astype(float)
    with pytest.raises(ModelIntegrityError, match="booleans"):
        FittedForecast.from_arrays(arrays)
    arrays["estimated"] = np.zeros(3, dtype=bool)
    with pytest.raises(ModelIntegrityError, match="estimated"):
        FittedForecast.from_arrays(arrays)


# -------------------------------------------------------------- shared CBS data
def _uncounted_2024(shared_dir: Path) -> list[str]:
    t = pd.read_csv(shared_dir / "wijk_wmo_totaal_jaar_2015_2018_met_kwb.csv", usecols=["codering_regio"])
    counted = {"GM" + c[2:6] for c in t["codering_regio"].astype(str)}
    return sorted(g for g in current_gemeenten() if g not in counted and not predecessors(g))


def test_every_uncounted_gemeente_answers_with_a_labelled_estimate(shared_dir: Path) -> None:
    from wmo_xl.bundle import national_bundle_path

    codes = _uncounted_2024(shared_dir)
    assert len(codes) == 22 and {"GM0687", "GM0861", "GM0397", "GM0160", "GM0294"} <= set(codes)
    fc = load_bundle(national_bundle_path()).model("totaal")
    for g in codes:
        note = estimate_note(g)
        assert note is not None and dm.LABEL in note and "wmo-xl refresh" in note and "merged" not in note, g
        for year in range(fc.origin + 1, fc.origin + fc.max_horizon + 1):
            total = forecast(g, year)
            lo, hi = forecast_interval(g, year)
            assert 0 < lo < total < hi, (g, year)
        per_1000 = 1000 * forecast(g, fc.origin + 1) / fc.inhabitants[fc.gemeente_rows[g]].sum()
        assert 20 < per_1000 < 150, g
