"""A workbook's own model refreshed from CBS: fetch current figures, train, bind it to the workbook.

The real cure for an old map is current CBS data. ``wmo-xl refresh`` does it on the command
line; the template's *Verversen van CBS* button runs :func:`refresh_workbook_model`. Its
model lives where a retrained one lives (``<map>_wmo_model`` beside the workbook), signed with
this user's key and naming the workbook, so the workbook's functions use it from the next
recalculation and *Terug naar landelijk model* sets it aside, exactly as after a retrain.

Nothing is changed until everything succeeded: the figures are fetched into a temporary
folder, and the bundle is swapped in atomically by :func:`wmo_xl.bundle.write_bundle` (the
model it replaces is kept as ``.previous``). Without internet the fetch fails first and the
workbook keeps the model it had.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bundle import local_bundle_path
from ..modelinfo import CBS_REFRESH
from ..safefiles import check_bundle_target
from .update import UpdateSummary, update_data


@dataclass(frozen=True)
class RefreshResult:
    """Where the refreshed model went and what it learned from."""

    bundle_path: Path
    manifest: dict[str, Any]
    summary: UpdateSummary

    @property
    def last_year(self) -> int:
        return int(self.manifest["training_years"]["totaal"][-1])


def refresh_workbook_model(
    workbook: str | Path,
    *,
    url: str | None = None,
    cache_dir: str | Path | None = None,
    years: Iterable[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshResult:
    """Fetch the CBS Wmo and KWB tables from 2019 on, train on them, and write the result as
    ``workbook``'s own model (signed, bound to it). Raises WmoError (nothing changed) when
    the fetch or the training fails."""
    from ..train import train

    say = progress or (lambda _m: None)
    wb = Path(workbook)
    out = local_bundle_path(wb)
    check_bundle_target(out)  # before any download: never through a link or onto a folder the project did not write
    with tempfile.TemporaryDirectory(prefix="wmo_xl_refresh_") as tmp:
        data = Path(tmp) / "cbs"
        summary = update_data(data, years, url=url, cache_dir=cache_dir, progress=say)
        path, manifest = train(
            [data], out, progress=say,
            manifest_extra={"kind": "local", "workbook": wb.name, "source": CBS_REFRESH},
        )
    return RefreshResult(path, manifest, summary)
