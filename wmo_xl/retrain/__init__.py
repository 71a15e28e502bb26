"""Retrain on a municipality's own figures: row validation (:mod:`.rows`), recalibration math
(:mod:`.recalibrate`) and the orchestration with the Controle report (:mod:`.run`)."""

from __future__ import annotations

from .recalibrate import GROWTH_PRIOR_PAIRS, TREND_PRIOR_YEARS, local_backtest, recalibrate, wape
from .rows import DATA_SHEET, DataRow, Problem, parse_rows
from .run import MIN_ROWS, REPORT_SHEET, BookAccess, RetrainResult, retrain, retrain_frame

__all__ = [
    "DATA_SHEET", "GROWTH_PRIOR_PAIRS", "MIN_ROWS", "REPORT_SHEET", "TREND_PRIOR_YEARS", "BookAccess", "DataRow",
    "Problem", "RetrainResult", "local_backtest", "parse_rows", "recalibrate", "retrain", "retrain_frame", "wape",
]
