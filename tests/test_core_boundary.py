"""The pure core never imports xlwings or the Excel layer (wmo_xl/excel/); only front ends do.

Front ends: ``wmo_xl/cli.py`` (imports Excel commands lazily) and the legacy button shim
``wmo_xl.main`` in ``wmo_xl/__init__.py``. Everything else must run where xlwings is absent.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "wmo_xl"
FRONT_ENDS = {PKG / "cli.py"}
ALLOWED = {(PKG / "__init__.py", "main")}  # (file, enclosing function): the old SampleCall entry point


def _core_files() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if (PKG / "excel") not in p.parents and p not in FRONT_ENDS)


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, str]]:
    """(absolute module imported, enclosing function or '') for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path).rpartition(".")[0]
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, func: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            if isinstance(child, ast.Import):
                found.extend((a.name, func) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                found.extend((f"{base}.{a.name}" if not child.module else base, func) for a in child.names)
            visit(child, name)

    visit(tree, "")
    return found


def _forbidden(module: str) -> bool:
    return module == "xlwings" or module.startswith("xlwings.") or module == "wmo_xl.excel" or module.startswith("wmo_xl.excel.")


def test_no_core_module_imports_xlwings_or_the_excel_layer() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {m} (in {f or 'module'})"
        for p in _core_files()
        for m, f in _imports(p)
        if _forbidden(m) and (p, f) not in ALLOWED
    ]
    assert offenders == []


def test_the_scan_sees_relative_imports_of_the_excel_layer() -> None:
    # the allowed shim is found by the scan (so the scan can fail), and only that one
    hits = [(m, f) for m, f in _imports(PKG / "__init__.py") if _forbidden(m)]
    assert hits and all(f == "main" for _, f in hits)


def test_importing_every_core_module_loads_neither_xlwings_nor_the_excel_layer() -> None:
    modules = [_module_of(p) for p in _core_files()]
    code = (f"import importlib, json, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'xlwings' or m.startswith('wmo_xl.excel'))))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert len(modules) > 10
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_sheet_names_the_core_retrain_uses_are_the_workbook_contract() -> None:
    # retrain (core) cannot import the contract; its sheet names must still be the contract's
    from wmo_xl import retrain
    from wmo_xl.excel import contract

    assert retrain.DATA_SHEET == contract.DATA and contract.DATA in contract.SHEETS
    assert retrain.REPORT_SHEET == contract.CONTROLE
