"""Model bundles: file format and integrity (:mod:`.format`), the per-user signature of local
bundles (:mod:`.trust`), the per-process cache (:mod:`.cache`) and which model a workbook
uses (:mod:`.choice`). Everything other modules need is re-exported here.
"""

from __future__ import annotations

from .cache import active_model_path, clear_cache, demand_signature, get_bundle, national_bundle_path, set_active_model
from .choice import (
    NATIONAL,
    ModelChoice,
    deactivate_local_bundle,
    forget_workbook_choices,
    local_bundle_path,
    refused,
    model_for_workbook,
    set_workbook_model,
    which_model,
)
from .format import (
    BUNDLE_FORMAT,
    CARD_FILE,
    FORECAST_FILE,
    LEGACY_FILE,
    MANIFEST_FILE,
    WIJKNAMEN_FILE,
    Bundle,
    Manifest,
    interrupted_write,
    load_bundle,
    trust_bundle,
    write_bundle,
)
from .trust import SIGNATURE_FILE

__all__ = [
    "BUNDLE_FORMAT", "CARD_FILE", "FORECAST_FILE", "LEGACY_FILE", "MANIFEST_FILE", "NATIONAL", "WIJKNAMEN_FILE", "SIGNATURE_FILE",
    "Bundle", "Manifest", "ModelChoice", "active_model_path", "clear_cache", "deactivate_local_bundle",
    "demand_signature", "forget_workbook_choices", "get_bundle", "interrupted_write", "load_bundle", "local_bundle_path", "model_for_workbook",
    "national_bundle_path", "refused", "set_active_model", "set_workbook_model", "trust_bundle", "which_model", "write_bundle",
]
