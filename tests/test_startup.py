"""Prediction needs neither scikit-learn nor scipy: checked in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy", "joblib")

CHECKS = {
    "import wmo_xl": "import wmo_xl",
    "wmo-xl --help": "import sys; sys.argv = ['wmo-xl', '--help']\nfrom wmo_xl.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
    "UDF warm-up": "import wmo_xl, wmo_xl.excel.udfs as u\nassert u.wmo_forecast('GM0518', 2021) > 0\nassert wmo_xl.forecast('WK051802', 2021) > 0",
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_no_scikit_learn_or_scipy_is_imported(name: str) -> None:
    code = CHECKS[name] + f"\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("WMO_XL_MODEL", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_package_attributes_are_lazy_and_forecast_stays_the_function() -> None:
    code = ("import sys, wmo_xl\nassert 'wmo_xl.forecast' not in sys.modules\nimport wmo_xl.forecast as m\n"
            "from wmo_xl.forecast import forecast_table\nassert callable(wmo_xl.forecast) and wmo_xl.forecast is sys.modules['wmo_xl.forecast'].forecast\n"
            "assert wmo_xl.WmoError.__name__ == 'WmoError'\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
