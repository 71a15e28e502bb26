"""The one error type the core raises for bad input.

Every front end (CLI, Excel UDFs, retrain macro) turns a :class:`WmoError` into its own
friendly form: an exit code 2 with a one-line message, or a ``#WMO! ...`` cell value.
Anything else escaping the core is a bug, not a user mistake.
"""

from __future__ import annotations


class WmoError(ValueError):
    """Bad input from a user: the message names the value and what is accepted."""


class ModelIntegrityError(WmoError):
    """A model bundle whose files do not match the SHA-256 in its manifest (or is not signed).

    ``reason_nl``: the short Dutch reason a workbook's sheets show when its own model is
    refused (e.g. "handtekening ontbreekt"); the message itself stays the full English one.
    """

    def __init__(self, message: str, reason_nl: str = "beschadigd") -> None:
        super().__init__(message)
        self.reason_nl = reason_nl
