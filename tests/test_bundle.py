"""Bundles: data only (npz + JSON), hashes checked on the bytes parsed, atomic writes, previous kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wmo_xl.bundle import FORECAST_FILE, MANIFEST_FILE, get_bundle, load_bundle, write_bundle
from wmo_xl.errors import ModelIntegrityError, WmoError


def _copy(bundle_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "m"
    shutil.copytree(bundle_dir, dst)
    return dst


def test_manifest_lists_hashes_provenance_and_versions(bundle_dir: Path) -> None:
    m = json.loads((bundle_dir / MANIFEST_FILE).read_text())
    assert set(m["files"]) == {FORECAST_FILE, "MODEL_CARD.md"}
    assert m["format"] == 2 and m["categories"] == ["totaal"]
    assert m["data_provenance"]["licence"] == "CC BY 4.0"
    assert "numpy" in m["libraries"]
    assert m["training_years"]["totaal"] == [2015, 2016, 2017, 2018]


def test_changed_model_file_is_refused(bundle_dir: Path, tmp_path: Path) -> None:
    p = _copy(bundle_dir, tmp_path)
    with open(p / FORECAST_FILE, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ModelIntegrityError, match="does not match its SHA-256"):
        load_bundle(p)


def test_missing_bundle_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WmoError, match="no model bundle"):
        load_bundle(tmp_path / "nothing")


def test_rewrite_keeps_previous_and_interrupted_swap_falls_back(bundle_dir: Path, tmp_path: Path) -> None:
    p = _copy(bundle_dir, tmp_path)
    b = load_bundle(p)
    write_bundle(p, b.models, {"kind": "national", "note": "second"})
    assert (tmp_path / "m.previous" / MANIFEST_FILE).is_file()
    assert json.loads((p / MANIFEST_FILE).read_text())["note"] == "second"
    # a kill between the two renames leaves the old bundle as .previous and the new one in its temp folder
    shutil.copytree(p, tmp_path / ".m.tmp-kill")
    shutil.rmtree(p)
    assert load_bundle(p).path.name == "m.previous"
    # removed on purpose (no write under way): .previous is no way back, the folder is gone
    shutil.rmtree(tmp_path / ".m.tmp-kill")
    with pytest.raises(WmoError, match="does not exist"):
        load_bundle(p)


def test_failed_write_leaves_old_bundle(bundle_dir: Path, tmp_path: Path) -> None:
    p = _copy(bundle_dir, tmp_path)
    before = (p / FORECAST_FILE).read_bytes()
    with pytest.raises(TypeError, match="not a FittedForecast"):
        write_bundle(p, {"totaal": lambda: None}, {"kind": "national"})  # type: ignore[dict-item]
    assert (p / FORECAST_FILE).read_bytes() == before
    assert not [x for x in tmp_path.iterdir() if ".tmp-" in x.name]
    load_bundle(p)


def test_a_swap_that_fails_puts_the_old_bundle_back(bundle_dir: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An error (not a kill) between the two renames: the old bundle is back under its name,
    so no .previous is left to stand in for it."""
    import os

    p = _copy(bundle_dir, tmp_path)
    before = (p / FORECAST_FILE).read_bytes()
    real = os.replace

    def fail_second(src, dst):  # type: ignore[no-untyped-def]
        if ".tmp-" in str(src):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_second)
    with pytest.raises(OSError):
        write_bundle(p, load_bundle(p).models, {"kind": "national"})
    monkeypatch.undo()
    assert (p / FORECAST_FILE).read_bytes() == before and not (tmp_path / "m.previous").exists()
    assert not [x for x in tmp_path.iterdir() if ".tmp-" in x.name]


def test_written_bundle_answers_like_the_fitted_one(bundle_dir: Path, tmp_path: Path) -> None:
    a = load_bundle(bundle_dir).model("totaal")
    write_bundle(tmp_path / "again", {"totaal": a}, {"kind": "national"})
    b = load_bundle(tmp_path / "again").model("totaal")
    codes = [str(c) for c in a.codes] + sorted(a.gemeente_rows)
    years = list(range(a.first_year, a.origin + a.max_horizon + 1))
    for x, y in zip(a.grid(codes, years), b.grid(codes, years)):
        assert ((x == y) | ((x != x) & (y != y))).all()


def test_bundle_loaded_once_per_process(bundle_dir: Path) -> None:
    assert get_bundle(bundle_dir) is get_bundle(bundle_dir)


def test_newer_format_asks_for_an_update(bundle_dir: Path, tmp_path: Path) -> None:
    p = _copy(bundle_dir, tmp_path)
    m = json.loads((p / MANIFEST_FILE).read_text())
    m["format"] = 3
    (p / MANIFEST_FILE).write_text(json.dumps(m))
    with pytest.raises(WmoError, match="format 3, newer than this wmo_xl reads.*update wmo_xl"):
        load_bundle(p)


def test_each_file_is_read_once_and_parsed_from_those_bytes(bundle_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No second open between the hash check and the parse (a swap in between cannot slip in)."""
    import wmo_xl.bundle.format as fmt

    reads: list[str] = []
    real = fmt._read_plain
    monkeypatch.setattr(fmt, "_read_plain", lambda folder, name: reads.append(name) or real(folder, name))
    load_bundle(bundle_dir)
    assert sorted(reads) == sorted([MANIFEST_FILE, "manifest.sig", FORECAST_FILE, "MODEL_CARD.md"])
