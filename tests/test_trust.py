"""Planted bundles beside a workbook: refused with a message, nothing they hold ever runs.

A workbook's own model is used only when this user's key signed its manifest (docs/trust.md);
and no load path unpickles, so even a signed bundle with a pickle inside is only an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wmo_xl.excel import udfs
from wmo_xl.menukaart import COLUMNS, load_menu
from wmo_xl.bundle import (
    FORECAST_FILE,
    MANIFEST_FILE,
    SIGNATURE_FILE,
    clear_cache,
    forget_workbook_choices,
    load_bundle,
    local_bundle_path,
    set_workbook_model,
    trust_bundle,
    which_model,
)
from wmo_xl.bundle.trust import sign
from wmo_xl.errors import ModelIntegrityError, WmoError


class Payload:
    """Unpickling this creates the marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def _as_caller(workbook: Path) -> Any:
    """Let the UDFs see ``workbook`` as their calling workbook (``xw.Book.caller()``)."""
    book = type("Book", (), {"fullname": str(workbook)})()
    return lambda: book


def _manifest(folder: Path, files: dict[str, str], **extra: Any) -> bytes:
    raw = json.dumps({"format": 2, "kind": "local", "categories": ["totaal"], "files": files, **extra}).encode()
    (folder / MANIFEST_FILE).write_bytes(raw)
    return raw


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def workbook(tmp_path: Path) -> Path:
    wb = tmp_path / "gemeente.xlsm"
    wb.write_bytes(b"")
    yield wb
    set_workbook_model(wb, None)
    clear_cache()


def _udf_answers_with_national_and_says_why(workbook: Path, reason: str, dutch: str) -> None:
    """National figures, and the Dutch reason wherever figures are: the Model sheet and the
    model line heading the Forecast and Budget blocks; the technical reason on the Model sheet."""
    national = udfs.wmo_forecast("WK020203", 2021)
    original, udfs._caller_book = udfs._caller_book, _as_caller(workbook)
    try:
        assert udfs.wmo_forecast("WK020203", 2021) == national
        info = dict((r[0], r[1]) for r in udfs.wmo_model_info())
        sheet = udfs.wmo_forecast_sheet("GM0202", [2018, 2019])
        budget = udfs.wmo_budget("GM0202", [2019], [list(COLUMNS)] + [[getattr(r, c) for c in COLUMNS] for r in load_menu().rows])
    finally:
        udfs._caller_book = original
    status = info["Actief model"]
    assert status == f"landelijk model (eigen model geweigerd: {dutch})", status
    assert reason in info["Details (technisch)"]
    assert sheet[udfs.FORECAST_MODEL_ROW] == [f"Model: {status}", None, None]
    assert budget[udfs.BUDGET_MODEL_ROW][0] == f"Model: {status}"
    assert all(v is None for v in budget[udfs.BUDGET_MODEL_ROW][1:])


def test_old_joblib_bundle_with_code_is_refused_and_never_runs(active_bundle, workbook: Path) -> None:  # type: ignore[no-untyped-def]
    folder = local_bundle_path(workbook)
    folder.mkdir()
    marker = workbook.parent / "ran.txt"
    (folder / "model.joblib").write_bytes(pickle.dumps(Payload(marker)))
    raw = json.dumps({"format": 1, "kind": "local", "files": {"model.joblib": _digest(folder / "model.joblib")}}).encode()
    (folder / MANIFEST_FILE).write_bytes(raw)
    (folder / SIGNATURE_FILE).write_text(sign(raw))  # even signed with this user's key
    with pytest.raises(WmoError, match="old model format.*retrain"):
        load_bundle(folder)
    _udf_answers_with_national_and_says_why(workbook, "old model format", "oud modelformaat; hertrain")
    assert not marker.exists()


def test_npz_with_pickled_objects_is_refused_and_never_runs(active_bundle, workbook: Path) -> None:  # type: ignore[no-untyped-def]
    folder = local_bundle_path(workbook)
    folder.mkdir()
    marker = workbook.parent / "ran.txt"
    np.savez(folder / FORECAST_FILE, **{"totaal.mean": np.array([Payload(marker)], dtype=object)})
    raw = _manifest(folder, {FORECAST_FILE: _digest(folder / FORECAST_FILE)})
    (folder / SIGNATURE_FILE).write_text(sign(raw))
    with pytest.raises(ModelIntegrityError, match="not a plain array file"):
        load_bundle(folder)
    _udf_answers_with_national_and_says_why(workbook, "not a plain array file", "beschadigd")
    assert not marker.exists()


def test_unsigned_or_foreign_bundle_beside_a_workbook_is_refused(active_bundle, workbook: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = local_bundle_path(workbook)
    shutil.copytree(active_bundle, folder)  # a valid bundle, but not signed by this user
    _udf_answers_with_national_and_says_why(workbook, "not signed", "handtekening ontbreekt")
    # signed by someone else: their key is not ours
    monkeypatch.setenv("WMO_XL_HOME", str(workbook.parent / "other_user"))
    trust_bundle(folder)
    monkeypatch.undo()
    set_workbook_model(workbook, None)
    forget_workbook_choices()
    clear_cache()
    _udf_answers_with_national_and_says_why(workbook, "signature does not match", "handtekening klopt niet (andere gebruiker of pc, of gewijzigd)")
    # vouched for by this user: now the workbook uses it, and says so
    trust_bundle(folder)
    forget_workbook_choices()
    assert which_model(str(workbook)).status == f"eigen model ({folder.name})"
    assert which_model(str(workbook)).path == folder.resolve()


def test_changed_manifest_breaks_the_signature(active_bundle, workbook: Path) -> None:  # type: ignore[no-untyped-def]
    folder = local_bundle_path(workbook)
    shutil.copytree(active_bundle, folder)
    trust_bundle(folder)
    m = json.loads((folder / MANIFEST_FILE).read_text())
    m["note"] = "edited"
    (folder / MANIFEST_FILE).write_text(json.dumps(m))
    with pytest.raises(ModelIntegrityError, match="signature does not match"):
        load_bundle(folder, require_signature=True)


def test_bundle_made_for_another_workbook_is_refused(active_bundle, workbook: Path) -> None:  # type: ignore[no-untyped-def]
    folder = local_bundle_path(workbook)
    shutil.copytree(active_bundle, folder)
    m = json.loads((folder / MANIFEST_FILE).read_text())
    m["workbook"] = "andere.xlsm"
    (folder / MANIFEST_FILE).write_text(json.dumps(m))
    trust_bundle(folder)
    _udf_answers_with_national_and_says_why(workbook, "made for workbook 'andere.xlsm'", "gemaakt voor werkmap andere.xlsm")


@pytest.mark.parametrize("name", ["../forecast.npz", "/etc/passwd", "sub/forecast.npz", "..", "C:\\x.npz"])
def test_file_names_must_be_plain_names_in_the_bundle(active_bundle, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "b"
    shutil.copytree(active_bundle, folder)
    files = json.loads((folder / MANIFEST_FILE).read_text())["files"]
    _manifest(folder, {**files, name: "0" * 64})
    with pytest.raises(ModelIntegrityError, match="not a plain name"):
        load_bundle(folder)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_symlink_out_of_the_bundle_is_refused(active_bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "b"
    shutil.copytree(active_bundle, folder)
    outside = tmp_path / "elsewhere.npz"
    shutil.move(folder / FORECAST_FILE, outside)
    (folder / FORECAST_FILE).symlink_to(outside)
    with pytest.raises(ModelIntegrityError, match="symbolic link"):
        load_bundle(folder)
