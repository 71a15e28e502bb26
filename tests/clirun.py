"""Run the wmo-xl command line in-process, as a user would type it (argv), for the CLI tests."""

from __future__ import annotations

import sys

import pytest

from wmo_xl.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``wmo-xl ARGV``."""
    capsys.readouterr()  # only this command's output (a fixture or library may have printed before)
    old = sys.argv
    sys.argv = ["wmo-xl", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err
