"""Cost categories take the model's forecast of their CBS category when the model has it.

A model with ondersteuning_thuis and hulpmiddelen comes from the fake CBS service
(update-data -> train, as in test_online); the synthetic bundle of conftest has neither, so
there the same categories come from their share of the total. Expected values are computed
from the model's own forecasts and the mapping's arithmetic, never typed in.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from clirun import run
from fake_cbs import FakeCbs
from hypothesis import given, settings
from hypothesis import strategies as st

from wmo_xl.bundle import get_bundle, set_active_model
from wmo_xl.costs import MODEL_CATEGORY, NATIONAL_MODEL_SHARE, budget, category_clients, category_sources, within_share
from wmo_xl.errors import WmoError
from wmo_xl.forecast import forecast
from wmo_xl.menukaart import load_category_shares, load_menu

G = "GM0518"


@pytest.fixture(scope="module")
def typed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle with totaal, hbh, ondersteuning_thuis and hulpmiddelen, trained on the fake CBS."""
    from wmo_xl.cbs.update import update_data
    from wmo_xl.train import train

    root = tmp_path_factory.mktemp("typed")
    with FakeCbs(page_size=25) as fake:
        update_data(root / "data", url=fake.url, cache_dir=root / "cache")
    path, _ = train(root / "data", root / "model", run_backtests=False)
    assert {"ondersteuning_thuis", "hulpmiddelen", "hbh"} <= set(get_bundle(path).models)
    return path


@pytest.fixture(scope="module")
def partial_model(typed_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same data without the hulpmiddelen type: a model with ondersteuning_thuis but no hulpmiddelen."""
    from wmo_xl.data import TYPE_FILE
    from wmo_xl.train import train

    root = tmp_path_factory.mktemp("partial")
    shutil.copytree(typed_model.parent / "data", root / "data")
    frame = pd.read_csv(root / "data" / TYPE_FILE, dtype=str, keep_default_na=False)
    frame[frame["categorie"] != "hulpmiddelen"].to_csv(root / "data" / TYPE_FILE, index=False)
    path, _ = train(root / "data", root / "model", run_backtests=False)
    models = set(get_bundle(path).models)
    assert "ondersteuning_thuis" in models and "hulpmiddelen" not in models
    return path


def _years(model: Path) -> list[int]:
    est = get_bundle(model).model("totaal")
    return [int(est.origin), int(est.origin) + 2]


def _all_wijken_in(model: Path, code: str, category: str) -> bool:
    b = get_bundle(model)
    tot, cat = b.models["totaal"], b.models[category]
    return all(str(w) in cat.index for w in tot.codes[tot.gemeente_rows[code]])


def _expected(model: Path, code: str, year: int, categorie: str, share: float) -> float:
    """By hand: within-share x the model's forecast of the CBS category (every wijk is in both models)."""
    target = MODEL_CATEGORY[categorie]
    within = 1.0 if target == categorie and target not in NATIONAL_MODEL_SHARE else share / NATIONAL_MODEL_SHARE[target]
    return within * forecast(code, year, target, model=model)


def test_modelled_categories_take_the_models_forecast(typed_model: Path) -> None:
    shares = load_category_shares()
    for target in ("hbh", "ondersteuning_thuis", "hulpmiddelen"):
        assert _all_wijken_in(typed_model, G, target)  # so the modelled share x total is the model's gemeente sum
    for year in _years(typed_model):
        got = category_clients(G, [year], model=typed_model).set_index("categorie")["clienten"]
        for cat, share in shares.items():
            assert got[cat] == pytest.approx(_expected(typed_model, G, year, cat, share), rel=1e-9), (cat, year)
        # begeleiding and dagbesteding split the same modelled clients in the ratio of their shares
        assert got["begeleiding"] / got["dagbesteding"] == pytest.approx(shares["begeleiding"] / shares["dagbesteding"])
    assert category_sources(G, model=typed_model) == {c: MODEL_CATEGORY[c] for c in shares}


def test_a_category_outside_the_mapping_takes_its_share(typed_model: Path) -> None:
    shares = {**load_category_shares(), "jeugd": 0.07}
    for year in _years(typed_model):
        got = category_clients(G, [year], shares=shares, model=typed_model).set_index("categorie")["clienten"]
        assert got["jeugd"] == pytest.approx(0.07 * forecast(G, year, model=typed_model))
    assert category_sources(G, shares, model=typed_model)["jeugd"] == ""


def test_without_the_category_in_the_model_shares_apply(bundle_dir: Path) -> None:
    """The synthetic bundle has no ondersteuning_thuis / hulpmiddelen: share x total, as before."""
    models = set(get_bundle(bundle_dir).models)
    year = int(get_bundle(bundle_dir).model("totaal").origin) + 1
    shares = load_category_shares()
    got = category_clients("GM0202", [year], model=bundle_dir).set_index("categorie")["clienten"]
    total = forecast("GM0202", year, model=bundle_dir)
    for cat, share in shares.items():
        if MODEL_CATEGORY[cat] not in models:
            assert got[cat] == pytest.approx(share * total), cat
            assert category_sources("GM0202", model=bundle_dir)[cat] == ""


@settings(max_examples=25, deadline=None)
@given(begeleiding=st.floats(0.001, 0.29), vervoer=st.floats(0.001, 0.67), wijk=st.integers(0, 4), later=st.integers(0, 3))
def test_any_share_scales_the_modelled_clients(typed_model: Path, begeleiding: float, vervoer: float, wijk: int,
                                               later: int) -> None:
    """For a wijk too: within-share x the model's own wijk forecast, for any share up to the national one."""
    est = get_bundle(typed_model).model("ondersteuning_thuis")
    code = sorted(w for w in est.wijken_of(G) if w in get_bundle(typed_model).models["hulpmiddelen"].index)[wijk % 3]
    year = int(est.origin) + 1 + later
    got = category_clients(code, [year], shares={"begeleiding": begeleiding, "vervoer": vervoer}, model=typed_model)
    got = got.set_index("categorie")["clienten"]
    assert got["begeleiding"] == pytest.approx(begeleiding / NATIONAL_MODEL_SHARE["ondersteuning_thuis"]
                                               * forecast(code, year, "ondersteuning_thuis", model=typed_model))
    assert got["vervoer"] == pytest.approx(vervoer / NATIONAL_MODEL_SHARE["hulpmiddelen"]
                                           * forecast(code, year, "hulpmiddelen", model=typed_model))


@given(excess=st.floats(0.001, 0.5))
def test_a_part_larger_than_its_modelled_category_is_refused(excess: float) -> None:
    share = NATIONAL_MODEL_SHARE["ondersteuning_thuis"] + excess
    with pytest.raises(WmoError, match=r"share of begeleiding .* above the national share of ondersteuning_thuis"):
        within_share("begeleiding", share)
    assert within_share("hbh", 0.5) == 1.0  # hbh is the CBS type itself


def test_budget_modelled_and_unmodelled_services(partial_model: Path) -> None:
    """begeleiding/dagbesteding take the modelled ondersteuning_thuis; vervoer/wonen/hulpmiddelen,
    whose hulpmiddelen type this model lacks, take share x total."""
    years = _years(partial_model)
    shares = load_category_shares()
    detail = budget(G, years, model=partial_model)
    assert category_sources(G, model=partial_model) == {c: (MODEL_CATEGORY[c] if MODEL_CATEGORY[c] != "hulpmiddelen" else "")
                                                        for c in shares}
    for year in years:
        rows = detail[detail["jaar"] == year].set_index("dienst")
        total = forecast(G, year, model=partial_model)
        for dienst in ("begeleiding_zin", "dagbesteding_pgb", "hbh_zin"):
            cat = rows.loc[dienst, "categorie"]
            assert rows.loc[dienst, "clienten"] == pytest.approx(_expected(partial_model, G, year, cat, shares[cat]), rel=1e-9)
        for dienst in ("vervoer_collectief", "wonen_bruikleen", "rolstoel_bruikleen"):
            assert rows.loc[dienst, "clienten"] == pytest.approx(shares[rows.loc[dienst, "categorie"]] * total, rel=1e-9)
        # euros follow the clients: same row, cost = clients x euro per client
        row = load_menu().get("begeleiding_zin")
        assert rows.loc["begeleiding_zin", "basis"] == pytest.approx(rows.loc["begeleiding_zin", "clienten"] * row.euro_per_client(year))


def test_budget_cli_udfs_and_export_carry_the_same_clients(typed_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    years = _years(typed_model)
    shares = load_category_shares()
    detail = budget(G, years, model=typed_model)
    for year in years:
        rows = detail[detail["jaar"] == year].set_index("dienst")
        for dienst in ("begeleiding_zin", "dagbesteding_pgb", "vervoer_collectief", "hbh_zin"):
            cat = rows.loc[dienst, "categorie"]
            assert rows.loc[dienst, "clienten"] == pytest.approx(_expected(typed_model, G, year, cat, shares[cat]))

    # the command line: the same detail rows
    code, out, err = run(["budget", "--gemeente", G, "--years", f"{years[0]}-{years[-1]}", "--model", str(typed_model),
                          "--detail", "--format", "csv"], capsys)
    assert code == 0, err
    cli = pd.read_csv(pd.io.common.StringIO(out)).set_index(["dienst", "jaar"])["clienten"]
    assert "clients from the model's forecast: hbh (hbh), begeleiding (ondersteuning_thuis)" in err
    assert "share of the total: none" in err
    base = budget(G, range(years[0], years[-1] + 1), model=typed_model).set_index(["dienst", "jaar"])["clienten"]
    assert np.allclose(cli.loc[base.index].to_numpy(), base.to_numpy(), rtol=0, atol=0.051)  # the csv shows 1 decimal

    # Excel: WMO_CLIENTS per cell and the WMO_BUDGET block, with where each figure comes from
    from wmo_xl.excel import udfs

    set_active_model(typed_model)
    try:
        clients = category_clients(G, years, model=typed_model).set_index(["jaar", "categorie"])["clienten"]
        for year in years:
            for cat in shares:
                assert udfs.wmo_clients(G, year, cat) == pytest.approx(clients[(year, cat)])
        menu_values = [list(load_menu().to_frame().columns)] + load_menu().to_frame().values.tolist()
        block = udfs.wmo_budget(G, [years], menu_values)
        labels = [r[0] for r in block]
        start = labels.index("Clienten per categorie") + 1
        for cat in load_category_shares():
            row = block[labels.index(cat, start)]
            assert row[1] == f"model {MODEL_CATEGORY[cat]}"
            assert row[2:2 + len(years)] == pytest.approx([clients[(y, cat)] for y in years])
    finally:
        set_active_model(None)

    # the export: its share x total gives the same clients
    from wmo_xl.excel.export_data import gather

    data = gather([G], years, model=typed_model)
    total = data.row(G).clients
    for j, year in enumerate(years):
        for cat in load_category_shares():
            assert data.shares[(G, cat)][j] * total[j] == pytest.approx(clients[(year, cat)])


def test_unmodelled_categories_say_aandeel_in_the_budget_block(bundle_dir: Path) -> None:
    from wmo_xl.excel import udfs

    models = set(get_bundle(bundle_dir).models)
    year = int(get_bundle(bundle_dir).model("totaal").origin) + 1
    set_active_model(bundle_dir)
    try:
        frame = load_menu().to_frame()
        block = udfs.wmo_budget("GM0202", [[year]], [list(frame.columns)] + frame.values.tolist())
    finally:
        set_active_model(None)
    labels = [r[0] for r in block]
    start = labels.index("Clienten per categorie") + 1
    for cat in load_category_shares():
        want = f"model {MODEL_CATEGORY[cat]}" if MODEL_CATEGORY[cat] in models else "aandeel totaal"
        assert block[labels.index(cat, start)][1] == want


def test_template_dropdown_lists_the_models_categories(typed_model: Path, tmp_path: Path) -> None:
    from wmo_xl.excel import contract as C
    from wmo_xl.excel.template import build_workbook

    out = build_workbook(tmp_path / "wmo_xl.xlsm", model=typed_model, gemeente=G, today=date(2025, 6, 1))
    wb = openpyxl.load_workbook(out, keep_vba=True)
    dv = {str(d.sqref): d for d in wb[C.FORECAST].data_validations.dataValidation}
    assert dv[C.FORECAST_CATEGORY].formula1 == '"totaal,hbh,ondersteuning_thuis,hulpmiddelen"'
