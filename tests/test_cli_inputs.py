"""Awkward command lines: one line 'error: ...' and exit 2, and nothing of the user's touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clirun import run


def one_line_error(code: int, err: str) -> bool:
    return code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(("argv", "message"), [
    (["forecast", "--gemeente", "", "--year", "2019"], "empty code"),
    (["forecast", "--wijk", "", "--year", "2019"], "empty code"),
    (["forecast", "--gemeente", "WK010101", "--year", "2019"], "not a gemeente code"),
    (["forecast", "--wijk", "WK010101", "--year", "abc"], "Invalid value for '--year'"),
    (["forecast", "--wijk", "WK010101", "--year", "99999999999"], "outside"),
    (["forecast", "--wijk", "WK010101", "--year", "2019", "--format", "xml"], "unknown format"),
    (["budget", "--gemeente", "GM0101", "--years", "2024-99999999"], "outside 1900-2200"),
    (["budget", "--gemeente", "GM0101", "--years", "2020-2500"], "outside 1900-2200"),
    (["budget", "--gemeente", "GM0101", "--years", "1950-2100"], "at most 60"),
    (["budget", "--gemeente", "GM0101", "--years", "2026-2024"], "runs backwards"),
    (["budget", "--gemeente", "GM0101", "--years", ""], "empty"),
    (["budget", "--gemeente", "", "--years", "2020"], "empty code"),
    (["budget", "--gemeente", "GM9999", "--years", "2020"], "unknown gemeente GM9999"),
    (["nonsense"], "No such command"),
    (["forecast"], "Missing option"),
])
def test_bad_options(bundle_dir: Path, capsys, argv, message) -> None:  # type: ignore[no-untyped-def]
    if argv[0] in ("forecast", "budget"):
        argv = [*argv, "--model", str(bundle_dir)]
    code, out, err = run(argv, capsys)
    assert one_line_error(code, err), err
    assert message in err and out == ""


@pytest.mark.parametrize(("option", "content", "message"), [
    ("--menu", b"", "is empty"),
    ("--menu", b"PK\x03\x04\x00\x00binary", "Excel workbook"),
    ("--menu", b"dienst;prijs\r\nhbh_zin;8.000\r\n", "lacks column"),
    ("--shares", b"", "is empty"),
    ("--shares", b"\x00\x01\x02\x03" * 50, "binary"),
    ("--shares", "categorie;aandeel_van_totaal\r\nhbh;0,3\r\nhbh;0,2\r\n".encode("cp1252"), "appears twice"),
    ("--scenario", b"", "is empty"),
    ("--scenario", b"{\"indexatie\": 0.03, \"indexatie\": 0.05}", "appears twice"),
    ("--scenario", b"{\"verzilveringsgraad\": true}", "TRUE"),
])
def test_bad_budget_files(bundle_dir: Path, tmp_path: Path, capsys, option, content, message) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / ("f.json" if option == "--scenario" and content.startswith((b"{", b"[")) else "f.csv")
    if option == "--scenario" and not content:
        p = tmp_path / "f.json"
    p.write_bytes(content)
    code, _, err = run(["budget", "--gemeente", "GM0101", "--years", "2020", "--model", str(bundle_dir), option, str(p)], capsys)
    assert one_line_error(code, err), err
    assert message in err


def test_budget_with_dutch_excel_files_runs(bundle_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    shares = tmp_path / "aandelen.csv"
    from wmo_xl.menukaart import load_category_shares

    lines = ["categorie;aandeel_van_totaal"] + [f"{k.upper()};{str(v).replace('.', ',')}" for k, v in load_category_shares().items()]
    shares.write_bytes("\r\n".join(lines).encode("cp1252"))
    scen = tmp_path / "scenario.csv"
    scen.write_bytes("parameter;waarde\r\nindexatie;4%\r\nnaam;duurder\r\n".encode("cp1252"))
    code, out, err = run(["budget", "--gemeente", "GM0101", "--years", "2023-2024", "--model", str(bundle_dir),
                          "--shares", str(shares), "--scenario", str(scen), "--format", "csv"], capsys)
    assert code == 0, err
    assert "scenario" in out and "totaal" in out


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary"),
])
def test_bad_backtest_files(tmp_path: Path, capsys, content, message) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "d.csv"
    p.write_bytes(content)
    code, _, err = run(["backtest", "--data", str(p), "--origin", "2017"], capsys)
    assert one_line_error(code, err), err
    assert message in err


def test_backtest_semicolon_cp1252_file_runs_and_absurd_counts_refused(tmp_path: Path, cbs_frame, capsys) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "d.csv"
    frame = cbs_frame.copy()
    frame["gemeentenaam"] = frame["gemeentenaam"].str.replace("Testdam", "Testd\u00e1m")
    frame.to_csv(p, index=False, sep=";", decimal=",", encoding="cp1252")
    code, out, err = run(["backtest", "--data", str(p), "--origin", "2017"], capsys)
    assert code == 0, err
    frame.loc[3, "wmoclienten"] = "1e300"
    frame.to_csv(p, index=False, sep=";", decimal=",", encoding="cp1252")
    code, _, err = run(["backtest", "--data", str(p), "--origin", "2017"], capsys)
    assert one_line_error(code, err) and "1e300" in err


# --- train --out and build-workbook --out: nothing of the user's is replaced -----------


def test_train_refuses_a_user_folder_the_current_folder_and_links(tmp_path: Path, data_dir: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "mijn_map"
    mine.mkdir()
    (mine / "begroting.xlsx").write_text("mine")
    code, _, err = run(["train", "--data", str(data_dir), "--out", str(mine)], capsys)
    assert one_line_error(code, err) and "not a model bundle" in err
    assert (mine / "begroting.xlsx").read_text() == "mine" and not (tmp_path / "mijn_map.previous").exists()

    monkeypatch.chdir(mine)
    code, _, err = run(["train", "--data", str(data_dir), "--out", "."], capsys)
    assert one_line_error(code, err) and "current folder" in err

    link = tmp_path / "link"
    os.symlink(mine, link)
    code, _, err = run(["train", "--data", str(data_dir), "--out", str(link)], capsys)
    assert one_line_error(code, err) and "is a link" in err
    assert sorted(p.name for p in mine.iterdir()) == ["begroting.xlsx"]

    afile = tmp_path / "a.txt"
    afile.write_text("x")
    code, _, err = run(["train", "--data", str(data_dir), "--out", str(afile)], capsys)
    assert one_line_error(code, err) and "is a file" in err and afile.read_text() == "x"


def test_build_workbook_refuses_existing_without_force_and_keeps_a_backup(bundle_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    wb = tmp_path / "wmo_xl.xlsm"
    wb.write_bytes(b"my filled-in workbook")
    argv = ["build-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", str(wb)]
    code, _, err = run(argv, capsys)
    assert one_line_error(code, err) and "--force" in err
    assert wb.read_bytes() == b"my filled-in workbook"

    owner = tmp_path / "~$wmo_xl.xlsm"
    owner.write_bytes(b"x")
    code, _, err = run([*argv, "--force"], capsys)
    assert one_line_error(code, err) and "is open" in err
    owner.unlink()

    code, out, err = run([*argv, "--force"], capsys)
    assert code == 0, err
    backups = sorted(tmp_path.glob("wmo_xl.backup*.xlsm"))
    assert [b.read_bytes() for b in backups] == [b"my filled-in workbook"]
    assert wb.read_bytes()[:2] == b"PK"
    code, out, err = run([*argv, "--force"], capsys)
    assert code == 0 and len(list(tmp_path.glob("wmo_xl.backup*.xlsm"))) == 2  # numbered, the first kept


@pytest.mark.parametrize(("out", "message"), [(".", "is a folder"), ("x.xlsx", "must end in .xlsm")])
def test_build_workbook_bad_out(bundle_dir: Path, tmp_path: Path, capsys, monkeypatch, out, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["build-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", out], capsys)
    assert one_line_error(code, err) and message in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("gemeente", ["GM9999", "WK010101", "", "GM01"])
def test_build_workbook_bad_gemeente_touches_nothing(bundle_dir: Path, tmp_path: Path, capsys, gemeente) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(["build-workbook", "--model", str(bundle_dir), "--gemeente", gemeente, "--out", str(tmp_path / "w.xlsm")], capsys)
    assert one_line_error(code, err)
    assert list(tmp_path.iterdir()) == []


def test_backtest_out_never_onto_an_input_or_an_existing_file(tmp_path: Path, data_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = next(data_dir.glob("*.csv"))
    copy = tmp_path / "d.csv"
    copy.write_bytes(data.read_bytes())
    before = copy.read_bytes()
    base = ["backtest", "--data", str(copy), "--origin", "2017"]
    for out, force, message in [(copy, True, "one of the input files"), (copy, False, "one of the input files"), (tmp_path, False, "is a folder")]:
        code, out_text, err = run([*base, "--out", str(out), *(["--force"] if force else [])], capsys)
        assert one_line_error(code, err) and message in err and out_text == ""
    assert copy.read_bytes() == before
    mine = tmp_path / "mine.csv"
    mine.write_text("my notes")
    code, _, err = run([*base, "--out", str(mine)], capsys)
    assert one_line_error(code, err) and "exists" in err and mine.read_text() == "my notes"
    code, _, err = run([*base, "--out", str(mine), "--force"], capsys)
    assert code == 0 and mine.read_text().startswith("wijk,year")


@pytest.mark.parametrize("case", ["read-only", "open in Excel", "open in LibreOffice", "folder", "missing", "link"])
def test_retrain_refuses_workbooks_it_must_not_write(tmp_path: Path, capsys, case: str) -> None:  # type: ignore[no-untyped-def]
    wb = tmp_path / "wmo_xl.xlsm"
    wb.write_bytes(b"PK\x03\x04 my workbook")
    target = wb
    if case == "read-only":
        wb.chmod(0o444)
    elif case == "open in Excel":
        (tmp_path / "~$wmo_xl.xlsm").write_bytes(b"owner")
    elif case == "open in LibreOffice":
        (tmp_path / ".~lock.wmo_xl.xlsm#").write_bytes(b"owner")
    elif case == "folder":
        target = tmp_path
    elif case == "missing":
        target = tmp_path / "none.xlsm"
    else:
        target = tmp_path / "link.xlsm"
        os.symlink(wb, target)
    code, _, err = run(["retrain", str(target)], capsys)
    assert one_line_error(code, err), err
    assert wb.read_bytes() == b"PK\x03\x04 my workbook"
    code, _, err = run(["reset-model", str(tmp_path / "none.xlsm")], capsys)
    assert one_line_error(code, err) and "not found" in err


def test_wrong_kind_of_file_for_scenario_and_retrain(tmp_path: Path, data_dir: Path, bundle_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = next(data_dir.glob("*.csv"))
    code, _, err = run(["budget", "--gemeente", "GM0101", "--years", "2020", "--model", str(bundle_dir), "--scenario", str(data)], capsys)
    assert one_line_error(code, err) and "give 2 columns" in err
    code, _, err = run(["retrain", str(data)], capsys)
    assert one_line_error(code, err) and ".xlsm or .xlsx" in err


@pytest.mark.parametrize("case", ["open", "read-only", "link", "folder"])
def test_export_force_never_replaces_what_it_must_not(bundle_dir: Path, tmp_path: Path, capsys, case: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "export.xlsx"
    out.write_bytes(b"my own export")
    if case == "open":
        (tmp_path / "~$export.xlsx").write_bytes(b"owner")
    elif case == "read-only":
        out.chmod(0o444)
    elif case == "link":
        os.symlink(out, tmp_path / "link.xlsx")
        out = tmp_path / "link.xlsx"
    else:
        out = tmp_path / "map.xlsx"
        out.mkdir()
    code, _, err = run(["export-workbook", "--model", str(bundle_dir), "--gemeente", "GM0101", "--out", str(out), "--force"], capsys)
    assert one_line_error(code, err), err
    assert (tmp_path / "export.xlsx").read_bytes() == b"my own export"
    assert not list(tmp_path.glob("*.backup*"))


def test_gemeente_lists_offer_todays_codes_with_todays_names() -> None:
    from wmo_xl.bundle import national_bundle_path
    from wmo_xl.wijken import gemeenten

    names = gemeenten(national_bundle_path())
    assert "GM0007" not in names and "GM0518" in names and "GM1667" in names
    assert names["GM1950"] == "Westerwolde" and names["GM1970"] == "Noardeast-Fryslân"  # formed since the data


def test_a_code_merged_since_the_data_is_forecast_with_a_warning(capsys) -> None:  # type: ignore[no-untyped-def]
    from wmo_xl.bundle import national_bundle_path

    code, out, err = run(["forecast", "--gemeente", "GM0398", "--year", "2021", "--model", str(national_bundle_path())], capsys)
    assert code == 0 and out.count("WK0398") > 3
    assert err == "note: GM0398 Heerhugowaard is since 2022 part of GM1980 Dijk en Waard\n"
    code, out, err = run(["forecast", "--gemeente", "GM0518", "--year", "2021", "--model", str(national_bundle_path())], capsys)
    assert code == 0 and err == ""
