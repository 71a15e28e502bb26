"""How ``wmo-xl --help`` shows options: a flag is a flag, not ``--force <bool>``.

Typer's rich help (from 0.2x on, pyproject allows >= 0.15.4) prints a type placeholder for
every option, flags included, which reads as if ``--force`` wanted a value. Typer 0.15.x
prints nothing there for a flag; :func:`flags_without_type` makes newer versions do the
same, by asking the option itself (so ``--help`` and ``--version`` are covered too).
"""

from __future__ import annotations

from typing import Any


def flags_without_type() -> None:
    """Show no type placeholder beside a boolean flag in the help of every command."""
    try:
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - typer without its core module
        return
    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_wmo_flags", False):
        return  # typer 0.15.x: flags already show no type; or already done

    def display_type_rich(self: Any, ctx: Any) -> Any:
        if getattr(self, "is_flag", False) and self.metavar is None:
            return None
        return original(self, ctx)

    display_type_rich._wmo_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
