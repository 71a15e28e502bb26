"""Write one folder IT can scan and approve: the wmo_xl wheel and every wheel it needs.

Run on any machine with internet (Linux works for Windows targets); the folder is then
copied to PCs with no package index and installed with the two lines in ``install.cmd``
(``pip install --no-index --find-links <folder> wmo_xl``). Versions are the tested set of
``constraints/excel-tested.txt``, so every PC gets what the template and the shipped model
were tested with.

    python scripts/build_wheelhouse.py --out dist/wmo_xl-offline                 # win_amd64, Python 3.11-3.13
    python scripts/build_wheelhouse.py --out wh --platform native                # this interpreter (CI)

Only binary wheels are taken (``--only-binary=:all:``): nothing is compiled on the PC. Packages
that only one platform needs (``pywin32`` on Windows) carry a marker in the constraints file;
``pip download --platform`` evaluates markers for the machine it runs on, not the target, so
they are asked for by name here.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints" / "excel-tested.txt"
PYTHONS = ("3.11", "3.12", "3.13")
#: sys_platform of each wheel platform family (for the markers of the constraints file).
SYS_PLATFORM = {"win": "win32", "manylinux": "linux", "musllinux": "linux", "linux": "linux", "macosx": "darwin"}

INSTALL_CMD = """\
python -m venv "%LOCALAPPDATA%\\wmo_xl\\venv"
"%LOCALAPPDATA%\\wmo_xl\\venv\\Scripts\\python.exe" -m pip install --no-index --find-links "%~dp0." wmo_xl
"""
INSTALL_SH = """\
python3 -m venv "$HOME/.local/share/wmo_xl/venv"
"$HOME/.local/share/wmo_xl/venv/bin/python" -m pip install --no-index --find-links "$(dirname "$0")" wmo_xl
"""


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def platform_only(constraints: Path, sys_platform: str) -> list[str]:
    """Pinned requirements whose marker names ``sys_platform`` (e.g. pywin32 for win32)."""
    out = []
    for line in constraints.read_text(encoding="utf-8").splitlines():
        req, _, marker = line.partition(";")
        if not marker.strip() or line.lstrip().startswith("#"):
            continue
        m = re.fullmatch(r"\s*sys_platform\s*==\s*['\"]([^'\"]+)['\"]\s*", marker)
        if not m:
            raise SystemExit(f"{constraints.name}: cannot read marker {marker.strip()!r}; use sys_platform == '...'")
        if m.group(1) == sys_platform:
            out.append(req.strip())
    return out


def build_wheel(out: Path) -> Path:
    """The wmo_xl wheel of this checkout (pure Python, models included)."""
    with tempfile.TemporaryDirectory() as tmp:
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, str(ROOT)])
        (wheel,) = Path(tmp).glob("wmo_xl-*.whl")
        target = out / wheel.name
        target.write_bytes(wheel.read_bytes())
    return target


def download(out: Path, wheel: Path, platform: str, python: str | None, constraints: Path) -> None:
    """Every dependency wheel of ``wheel`` for one platform and Python version."""
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(out),
           "-c", str(constraints), str(wheel)]
    if platform == "native":
        sys_platform = sys.platform
    else:
        cmd += ["--platform", platform, "--implementation", "cp"]
        if python:
            cmd += ["--python-version", python]
        sys_platform = SYS_PLATFORM[platform.split("_")[0]]
    cmd += platform_only(constraints, sys_platform)
    run(cmd)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder to write (created; existing wheels are kept)")
    ap.add_argument("--platform", default="win_amd64", help="wheel platform tag, or 'native' for this interpreter")
    ap.add_argument("--python", action="append", help=f"target Python version (repeatable; default {', '.join(PYTHONS)})")
    ap.add_argument("--constraints", type=Path, default=CONSTRAINTS, help="pinned versions (default: the tested set)")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("wmo_xl-*.whl"):  # a wheel this script wrote before: replaced by the current one
        old.unlink()
    wheel = build_wheel(out)
    pythons = [None] if args.platform == "native" else (args.python or list(PYTHONS))
    for python in pythons:
        download(out, wheel, args.platform, python, args.constraints)
    (out / "constraints.txt").write_text(args.constraints.read_text(encoding="utf-8"), encoding="utf-8")
    if args.platform.startswith("win"):
        (out / "install.cmd").write_text(INSTALL_CMD.replace("\n", "\r\n"), encoding="ascii")
    else:
        (out / "install.sh").write_text(INSTALL_SH, encoding="ascii")
    wheels = sorted(out.glob("*.whl"))
    size = sum(p.stat().st_size for p in wheels)
    target = "this interpreter" if args.platform == "native" else f"{args.platform}, Python {', '.join(map(str, pythons))}"
    print(f"{out}: {len(wheels)} wheels, {size / 1e6:.1f} MB ({target})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
