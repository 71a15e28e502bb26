"""Which local bundles this user made: an HMAC-SHA256 of the manifest with a per-user key.

Whoever can write a folder beside a workbook can write a bundle and its SHA-256 manifest,
so hashes alone only catch damage. A bundle found beside a workbook is used only if its
``manifest.sig`` is the HMAC of the exact manifest bytes under this user's key, which lives
outside any workbook folder (``%APPDATA%\\wmo_xl\\key`` on Windows, ``~/.wmo_xl/key``
elsewhere, or ``$WMO_XL_HOME/key``) and is created at the first retrain. See docs/trust.md.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SIGNATURE_FILE = "manifest.sig"
KEY_FILE = "key"


def key_dir() -> Path:
    """Folder of the per-user key: ``$WMO_XL_HOME``, else %APPDATA%\\wmo_xl, else ~/.wmo_xl."""
    env = os.environ.get("WMO_XL_HOME")
    if env:
        return Path(env)
    appdata = os.environ.get("APPDATA")
    if os.name == "nt" and appdata:
        return Path(appdata) / "wmo_xl"
    return Path.home() / ".wmo_xl"


def user_key(create: bool = False) -> bytes | None:
    """This user's signing key (None if there is none and ``create`` is False)."""
    path = key_dir() / KEY_FILE
    if not path.is_file() and create:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now: use theirs
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32))
    try:
        text = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return bytes.fromhex(text) if len(text) == 64 else None


def sign(manifest_bytes: bytes) -> str:
    """Hex HMAC-SHA256 of the manifest under this user's key (made on first use)."""
    key = user_key(create=True)
    assert key is not None
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def signature_problem(manifest_bytes: bytes, signature: bytes | None) -> str | None:
    """Why a signature does not vouch for these manifest bytes (None: it does)."""
    found = signature_check(manifest_bytes, signature)
    return None if found is None else found[0]


def signature_check(manifest_bytes: bytes, signature: bytes | None) -> tuple[str, str] | None:
    """Why a signature does not vouch for these manifest bytes, in English and as a short
    Dutch reason for the sheets (None: it does)."""
    if signature is None:
        return (f"not signed ({SIGNATURE_FILE} missing): not retrained by this user on this PC", "handtekening ontbreekt")
    key = user_key()
    if key is None:
        return (f"no signing key on this PC ({key_dir() / KEY_FILE}): retrain here to use an own model",
                "geen sleutel op deze pc; hertrain hier")
    expected = hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip()):
        return ("signature does not match (made by another user or PC, or changed since): retrain here to use it",
                "handtekening klopt niet (andere gebruiker of pc, of gewijzigd)")
    return None
