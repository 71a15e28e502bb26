"""The wmo-xl command line, called as a user would (argv), including bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from clirun import run


def test_forecast_csv(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["forecast", "--model", str(bundle_dir), "--gemeente", "GM0101", "--year", "2019", "--year", "2020"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == ["wijk", "year", "category", "clients", "lower", "upper"]
    wijken, total = df.iloc[:-2], df.iloc[-2:]
    assert len(wijken) == 24 and wijken["wijk"].str.startswith("WK0101").all()
    # the list ends with the gemeente's own rows: its total and 80% range, per year
    assert total["wijk"].tolist() == ["GM0101", "GM0101"] and total["year"].tolist() == [2019, 2020]
    assert (total["lower"] <= total["clients"]).all() and (total["clients"] <= total["upper"]).all()
    assert total["clients"].iloc[1] == pytest.approx(wijken[wijken["year"] == 2020]["clients"].sum(), rel=0.001)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forecast", "--wijk", "WK999901", "--year", "2019"], "unknown wijk WK999901"),
        (["forecast", "--gemeente", "GM9999", "--year", "2019"], "unknown gemeente GM9999"),
        (["forecast", "--wijk", "WK010101", "--year", "2040"], "year 2040 outside"),
        (["forecast", "--wijk", "WK010101", "--year", "2019", "--category", "jeugd"], "unknown category"),
    ],
)
def test_bad_forecast_input_exits_2_with_one_line(bundle_dir: Path, capsys, argv, message) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run([*argv, "--model", str(bundle_dir)], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_train_missing_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["train", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "m")], capsys)
    assert code == 2 and "data directory" in err


def test_backtest_csv_without_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "x.csv"
    p.write_text("codering_regio,perioden\nWK051801,2018\n")
    code, _, err = run(["backtest", "--data", str(p), "--origin", "2017", "--horizon", "1"], capsys)
    assert code == 2 and "lacks column" in err


def test_backtest_writes_predictions(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pred.csv"
    csv = data_dir / "wijk_wmo_totaal_jaar_2015_2018_met_kwb.csv"
    code, text, _ = run(["backtest", "--data", str(csv), "--origin", "2017", "--horizon", "1", "--out", str(out)], capsys)
    assert code == 0 and "WAPE" in text and "persistence" in text
    pred = pd.read_csv(out)
    assert list(pred.columns) == ["wijk", "year", "clients", "lower", "upper", "actual", "persistence", "linear"]


def test_train_combines_data_dirs(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A newer directory (as update-data writes it) adds years on top of the first one."""
    from conftest import make_cbs_frame

    newer = make_cbs_frame(seed=2, years=[2019])
    newer_dir = tmp_path / "online"
    newer_dir.mkdir()
    newer.to_csv(newer_dir / "wijk_wmo_totaal_jaar_2019_2019_met_kwb.csv", index=False)
    code, out, _ = run(["train", "--data", str(data_dir), "--data", str(newer_dir), "--out", str(tmp_path / "m")], capsys)
    assert code == 0, out
    from wmo_xl.bundle import load_bundle

    est = load_bundle(tmp_path / "m").model("totaal")
    assert est.origin == 2019 and est.first_year == 2015


def test_build_workbook_with_model_leaves_the_default_model_alone(bundle_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`build-workbook --model` uses that model for its cached values only; later calls in the
    same process (a notebook, a test run) still get the default model."""
    from wmo_xl.bundle import active_model_path

    before = active_model_path()
    code, _, err = run(["build-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", str(tmp_path / "w.xlsm")], capsys)
    assert code == 0, err
    assert active_model_path() == before
