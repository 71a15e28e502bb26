"""Docs that quote a measured figure name the benchmarks/ script that prints it (issue 17, section 9).

Each ``benchmarks/NAME.py`` a doc names must exist and be runnable as a script (a ``main``
behind ``if __name__ == "__main__"``); and the measured figures that drifted before are
quoted beside the script that produces them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


def _named_scripts() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for name in sorted(set(re.findall(r"benchmarks/([\w]+\.py)", doc.read_text(encoding="utf-8")))):
            out.append((doc.name, name))
    return out


@pytest.mark.parametrize(("doc", "script"), _named_scripts())
def test_every_named_benchmark_exists_and_runs_as_a_script(doc: str, script: str) -> None:
    path = ROOT / "benchmarks" / script
    assert path.is_file(), f"{doc} names benchmarks/{script}, which does not exist"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"benchmarks/{script} has no docstring saying what it measures"
    assert any(isinstance(n, ast.If) and "__main__" in ast.unparse(n.test) for n in tree.body), script


@pytest.mark.parametrize(("doc", "figure", "script"), [
    ("costs.md", "median ratio\n0.76", "bench_costs_check.py"),
    ("export.md", "342 gemeenten", "bench_export.py"),
    ("retrain.md", "WAPE own model", "bench_retrain_gain.py"),
    ("retrain.md", "0.32 s", "bench_retrain.py"),
])
def test_measured_figures_name_their_script(doc: str, figure: str, script: str) -> None:
    """The figure and its script in the same section of the doc."""
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    sections = re.split(r"\n(?=#)", text)
    holding = [s for s in sections if figure in s]
    assert holding, f"{doc} no longer quotes {figure!r}"
    assert all(f"benchmarks/{script}" in s for s in holding), f"{doc}: {figure!r} without benchmarks/{script}"
