"""The command line as people expect it (issue 17, section 8): --version, flags shown as
flags, no NaN, forecast --gemeente closing with the gemeente total and its range, budget with
EUR, clients and the 80% range of the total, and one language per output."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

import wmo_xl
from clirun import run


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"wmo-xl {wmo_xl.__version__}" and not err


def _commands() -> list[str]:
    import typer

    from wmo_xl.cli import app

    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["", *_commands()])
def test_help_shows_flags_as_flags(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No '<bool>' or 'BOOLEAN' beside --force, --all, --detail, --help, --version, ..."""
    code, out, _ = run([command, "--help"] if command else ["--help"], capsys)
    assert code == 0 and "--help" in out
    assert "<bool>" not in out and "BOOLEAN" not in out
    for line in out.splitlines():
        m = re.search(r"(--(?:force|all|detail|help|version|with-older))\s+(\S+)", line)
        if m:  # the next word is the help text, not a type
            assert not m.group(2).startswith(("<", "[")) or m.group(2).startswith("[default"), line


def test_missing_figure_is_a_dot_with_a_legend_or_an_empty_csv_field(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """WK010100 has no CBS value in 2018 (suppressed in the synthetic data)."""
    argv = ["forecast", "--model", str(bundle_dir), "--wijk", "WK010100", "--wijk", "WK010101", "--year", "2017", "--year", "2018"]
    code, out, _ = run([*argv, "--format", "table"], capsys)
    assert code == 0 and "nan" not in out.lower()
    lines = out.splitlines()
    row = next(line for line in lines if line.split()[:2] == ["WK010100", "2018"])
    assert row.split()[3:] == [".", ".", "."]
    assert lines[-1].startswith(". = no figure")
    code, out, _ = run([*argv, "--format", "csv"], capsys)
    assert code == 0 and "nan" not in out.lower()
    assert "WK010100,2018,totaal,,," in out.splitlines()
    assert ". = no figure" not in out  # the CSV stays a plain table


def test_no_legend_without_a_missing_figure(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["forecast", "--model", str(bundle_dir), "--wijk", "WK010101", "--year", "2018", "--format", "table"], capsys)
    assert code == 0 and "no figure" not in out


def test_forecast_gemeente_table_ends_with_its_total_and_range(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["forecast", "--model", str(bundle_dir), "--gemeente", "GM0202", "--year", "2020", "--format", "table"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert "80% interval" in lines[0] and lines[1].split() == ["wijk", "naam", "year", "category", "clients", "lower", "upper"]
    last = lines[-1].split()  # the gemeente row: code, today's name (may hold spaces), year, category, figures
    assert last[0] == "GM0202" and last[-5:-3] == ["2020", "totaal"]
    total, lower, upper = (float(v.replace(",", "")) for v in last[-3:])
    lo, hi = wmo_xl.forecast_interval("GM0202", 2020, model=bundle_dir)
    assert (lower, upper) == (round(lo), round(hi)) and lower < total < upper


def _budget(bundle_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[str, str]:
    code, out, err = run(["budget", "--model", str(bundle_dir), "--gemeente", "GM0101", "--years", "2025-2027", *extra], capsys)
    assert code == 0, err
    return out, err


def test_budget_shows_eur_clients_and_the_range_of_the_total(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = _budget(bundle_dir, capsys, "--format", "csv")
    df = pd.read_csv(io.StringIO(out)).fillna("")
    clients = df[df["maat"] == "clienten"]
    assert clients.iloc[0]["niveau"] == "totaal" and len(clients) == 1 + 6  # the gemeente total + 6 categories
    for y in (2025, 2026, 2027):
        assert clients.iloc[0][str(y)] == pytest.approx(wmo_xl.forecast("GM0101", y, model=bundle_dir), abs=0.05)
        basis = df[df["maat"] == "basis"].set_index("niveau")[str(y)]
        lo, hi = wmo_xl.forecast_interval("GM0101", y, model=bundle_dir)
        mean = wmo_xl.forecast("GM0101", y, model=bundle_dir)
        assert basis["ondergrens_80"] == pytest.approx(basis["totaal"] * lo / mean, abs=0.1)
        assert basis["bovengrens_80"] == pytest.approx(basis["totaal"] * hi / mean, abs=0.1)
        assert basis["ondergrens_80"] < basis["totaal"] < basis["bovengrens_80"]
    table, _ = _budget(bundle_dir, capsys)
    first = table.splitlines()[0]
    assert "in EUR" in first and "clients" in first
    assert any(line.split()[:3] == ["base", "lower", "80%"] for line in table.splitlines())
    assert any(line.split()[:2] == ["clients", "total"] for line in table.splitlines())


DUTCH = {"maat", "niveau", "basis", "subtotaal", "totaal", "verschil", "clienten", "ondergrens_80", "bovengrens_80", "dienst", "jaar"}
ENGLISH = {"measure", "level", "base", "subtotal", "total", "difference", "clients", "service", "year"}


@pytest.mark.parametrize("extra", [[], ["--detail"]])
def test_one_language_per_output(bundle_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    """The table speaks English (identifiers such as hbh_zin aside); the CSV keeps the Dutch
    column names of the Budget sheet and of wmo_xl.costs; stderr is English."""
    scen = tmp_path / "s.json"
    scen.write_text('{"naam": "duurder", "indexatie": 0.05}', encoding="utf-8")
    table, err = _budget(bundle_dir, capsys, "--scenario", str(scen), *extra)
    # the detail's description column is the user's own menukaart text: its header is checked
    words = set(re.findall(r"[a-z_0-9]+", (table.splitlines()[0] if extra else table).lower()))
    assert not words & DUTCH, words & DUTCH
    assert "duurder" in table or extra  # the scenario's name is shown
    csv, _ = _budget(bundle_dir, capsys, "--scenario", str(scen), "--format", "csv", *extra)
    words = set(re.findall(r"[a-z_0-9]+", csv.lower()))
    assert not words & ENGLISH - {"scenario"}, words & ENGLISH
    assert not set(re.findall(r"[a-z_]+", err.lower())) & (DUTCH - {"totaal"})
