"""The template's *Verversen van CBS* button, tested as the Hertrainen button is: the macro runs
against a fake xlwings book, the real cbsodata client talks to the fake CBS service on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_cbs import FakeCbs
from test_retrain import FakeBook

import wmo_xl
from wmo_xl.bundle import MANIFEST_FILE, get_bundle, local_bundle_path, model_for_workbook, set_workbook_model
from wmo_xl.cbs import update
from wmo_xl.cbs.fetch import ENV_URL
from wmo_xl.excel import macros, udfs


@pytest.fixture(scope="module")
def fake() -> FakeCbs:
    with FakeCbs(page_size=25) as f:
        yield f


@pytest.fixture()
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBook:
    b = FakeBook(tmp_path / "Begroting 2027.xlsm", [["wijk", "jaar", "clienten"]])
    monkeypatch.setattr(macros, "_caller_book", lambda: b)
    monkeypatch.setattr(udfs, "_caller_book", lambda: b)
    monkeypatch.setattr(update, "DEFAULT_CACHE", tmp_path / "cache")  # never the user's own cache
    yield b
    set_workbook_model(b.fullname, None)


def _info() -> dict[str, object]:
    return {str(r[0]): r[1] for r in udfs.wmo_model_info()}


def test_refresh_binds_current_cbs_figures_to_the_workbook_and_reset_undoes_it(fake: FakeCbs, book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_URL, fake.url)
    before = udfs.wmo_forecast("GM0363", 2025)
    path = macros.refresh()  # what the button runs
    assert path == local_bundle_path(book.fullname)
    progress = [str(m) for m in book.app.messages]
    assert any(m.startswith("wmo_xl: verversen van CBS - ") for m in progress)
    assert progress[-1].startswith("wmo_xl: klaar - ververst van CBS, cijfers t/m 2024")
    assert book.app.calculated == 1  # the next figures come from the new model
    bundle = get_bundle(path)
    assert bundle.signed and bundle.manifest["workbook"] == "Begroting 2027.xlsm" and bundle.manifest["source"] == "cbs_refresh"
    assert "ververst van CBS" in str(_info()["Actief model"])
    got = udfs.wmo_forecast("GM0363", 2025)
    assert got == pytest.approx(wmo_xl.forecast("GM0363", 2025, model=path)) and got != before
    truth = sum(fake.truth.clients[(w, 2024, "totaal")] for w in fake.truth.names if w.startswith("WK0363A"))
    assert udfs.wmo_forecast("GM0363", 2024) == truth  # the refreshed model holds CBS's 2024 count
    macros.reset_model()  # Terug naar landelijk model
    assert model_for_workbook(book.fullname) is None and _info()["Actief model"] == "landelijk model"
    assert (path.with_name(path.name + ".inactive") / MANIFEST_FILE).is_file()  # set aside, not deleted


def test_refresh_without_internet_says_so_and_changes_nothing(book: FakeBook, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_URL, "http://127.0.0.1:9")  # nothing listens there
    before = udfs.wmo_forecast("GM0518", 2027)
    assert macros.refresh() is None
    last = str(book.app.messages[-1])
    assert last.startswith("wmo_xl: niet ververst, het model is ongewijzigd - could not read the CBS catalogue")
    assert "\n" not in last and book.app.calculated == 0
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == []  # no model, no data folder, no temp left beside it
    assert udfs.wmo_forecast("GM0518", 2027) == before and _info()["Actief model"] == "landelijk model"
