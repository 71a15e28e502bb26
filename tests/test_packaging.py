"""What pyproject.toml promises: every subpackage ships, and the ranges .ci/run tests are readable."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text.split("+")[0])[:3])


def test_every_subpackage_is_in_the_wheel() -> None:
    """The package list is explicit; a new subpackage left out would be missing after ``pip install``."""
    listed = set(_project()["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "wmo_xl").rglob("__init__.py")}
    assert found - listed == set(), f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"


def test_every_dependency_has_a_lower_bound_ci_can_pin() -> None:
    """.ci/run installs each direct dependency at its lower bound; a bare name cannot be tested."""
    project = _project()["project"]
    for req in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+\s*(>=|==)\s*[^,;\s]+", req), req


def test_tested_set_pins_every_direct_dependency() -> None:
    """constraints/excel-tested.txt (the Excel install's versions) covers every direct dependency."""
    pins = {}
    for line in (ROOT / "constraints" / "excel-tested.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.split(";")[0].strip().partition("==")
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version
    for req in _project()["project"]["dependencies"]:
        name, op, bound = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(>=|==)\s*(\S+)", req).groups()  # type: ignore[union-attr]
        key = re.sub(r"[-_.]+", "-", name.lower())
        assert key in pins, f"{name} not pinned in constraints/excel-tested.txt"
        if op == "==":
            assert pins[key] == bound, f"{name}: pyproject pins {bound}, tested set {pins[key]}"
        else:
            assert _version(pins[key]) >= _version(bound), f"{name}: tested set {pins[key]} below the lower bound {bound}"
