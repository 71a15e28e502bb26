"""Nothing of the user's is lost: the checks before the project writes, renames or deletes.

The project only renames or deletes what it created itself: a model bundle is a real folder
(never a link) holding a ``manifest.json`` the project wrote. A workbook is replaced only
with an explicit ``--force`` and then a numbered backup is kept; a read-only workbook or
one that Excel or LibreOffice has open (its owner/lock file beside it) is never rewritten.
Old models set aside are numbered (``.inactive``, ``.inactive-2``, ...), never overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from .errors import WmoError

MANIFEST_FILE = "manifest.json"
#: A retrain lock older than this is taken to be left by a crash (Windows, where no pid check is safe).
STALE_LOCK_SECONDS = 2 * 3600


def is_project_bundle(path: str | Path) -> bool:
    """A real folder (no link) with a manifest.json the project wrote (has 'format' and 'files')."""
    p = Path(path)
    if p.is_symlink() or not p.is_dir():
        return False
    m = p / MANIFEST_FILE
    if m.is_symlink() or not m.is_file():
        return False
    try:
        manifest = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "format" in manifest and isinstance(manifest.get("files"), dict)


def refuse_link(path: str | Path, what: str) -> None:
    """Never follow a link out of the folder the user named."""
    p = Path(path)
    if p.is_symlink():
        raise WmoError(f"{what} {str(p)!r} is a link: give the real folder or file, links are not followed")


def check_bundle_target(out: str | Path) -> Path:
    """``out`` may be written as a model bundle: new, or a bundle the project wrote before.

    Refused: a link, a file, the current folder, and a folder with anything else in it
    (writing would rename it to ``.previous`` and a second write would delete it).
    """
    p = Path(out)
    refuse_link(p, "model folder")
    if p.exists():
        if not p.is_dir():
            raise WmoError(f"model folder {str(p)!r} is a file: give a new folder name")
        if p.resolve() == Path.cwd().resolve() or p.resolve() == Path(p.resolve().anchor):
            raise WmoError(f"model folder {str(p)!r} is the current folder: give a new folder name like models/eigen")
        if not is_project_bundle(p) and any(p.iterdir()):
            raise WmoError(f"folder {str(p)!r} exists and is not a model bundle written by wmo-xl: "
                           "give a new folder name (nothing was changed)")
    for side in (p.with_name(p.name + ".previous"),):
        refuse_link(side, "model folder")
        if side.exists() and not is_project_bundle(side):
            raise WmoError(f"{str(side)!r} exists and is not a model bundle written by wmo-xl: move it away first")
    return p


def free_name(path: Path, suffix: str) -> Path:
    """``<path><suffix>``, or ``<path><suffix>-2``, -3, ... : the first name not in use."""
    candidate = path.with_name(path.name + suffix)
    n = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.name}{suffix}-{n}")
        n += 1
    return candidate


def backup_name(path: Path) -> Path:
    """``<stem>.backup<ext>``, or ``<stem>.backup-2<ext>``, ...: the first name not in use."""
    n, candidate = 1, path.with_name(f"{path.stem}.backup{path.suffix}")
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.stem}.backup-{n}{path.suffix}")
    return candidate


def owner_files(workbook: str | Path) -> list[Path]:
    """Lock files Excel (``~$name``; long names lose two characters) and LibreOffice
    (``.~lock.name#``) keep beside an open workbook."""
    wb = Path(workbook)
    names = {f"~${wb.name}", f"~${wb.name[2:]}", f".~lock.{wb.name}#"}
    return [wb.with_name(n) for n in sorted(names) if wb.with_name(n).exists()]


#: What a workbook may be called: the template is an .xlsm, the export an .xlsx.
WORKBOOK_SUFFIXES = (".xlsm", ".xlsx")


def folder_writable(folder: Path) -> bool:
    """Can a file be created in ``folder``? Tried, not guessed (root passes ``os.access``
    on a read-only folder, and /proc-like folders refuse every new file)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".wmo_xl-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def _refuse_open_or_read_only(wb: Path) -> None:
    """The part of the guard every workbook write shares: nobody has it open, it is writable."""
    owners = owner_files(wb)
    if owners:
        raise WmoError(f"workbook {wb.name!r} is open in Excel or LibreOffice ({owners[0].name} exists): "
                       "close it first (nothing was changed)")
    if not os.access(wb, os.W_OK) or not (wb.stat().st_mode & 0o200):
        raise WmoError(f"workbook {wb.name!r} is read-only: nothing was changed (make it writable or work on a copy)")


def _refuse_read_only_folder(wb: Path) -> None:
    folder = wb.parent if str(wb.parent) else Path(".")
    if not folder_writable(folder):
        raise WmoError(f"the folder of {wb.name!r} ({str(folder)!r}) is read-only: the workbook cannot be saved safely there "
                       "(nothing was changed)")


def check_workbook_writable(workbook: str | Path) -> Path:
    """The one guard before a command changes an existing workbook or what lies beside it.

    Used by ``setup-excel``, ``retrain`` and ``reset-model``. Refused, each with the
    same one-line message everywhere: a link, a missing path, a folder, another file type,
    a workbook open in Excel or LibreOffice (their lock files), a read-only file or folder,
    and a file that is not a workbook (not a zip).
    """
    wb = Path(workbook)
    refuse_link(wb, "workbook")
    if not wb.exists():
        raise WmoError(f"workbook {str(wb)!r} not found: give the path of your .xlsm")
    if not wb.is_file():
        raise WmoError(f"workbook {str(wb)!r} is a folder: give the path of your .xlsm")
    if wb.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WmoError(f"workbook {wb.name!r} must be an .xlsm or .xlsx workbook")
    _refuse_open_or_read_only(wb)
    _refuse_read_only_folder(wb)
    if not zipfile.is_zipfile(wb):
        raise WmoError(f"workbook {wb.name!r} is not an Excel workbook (not a zip file: damaged, or another file renamed): "
                       "nothing was changed")
    return wb


def check_workbook_target(out: str | Path, force: bool, suffix: str, option: str = "--out", make_folder: bool = False) -> Path | None:
    """The same guard before a command writes a workbook anew (``build-workbook``, ``export-workbook``).

    Checked before any work is done, naming the user's path: a link, a folder, the wrong
    extension, a missing or read-only folder; an existing file only with ``force``, and then
    never one that is open or read-only. Returns the path of a file that will be replaced
    (the caller keeps a backup), or None for a new file.
    """
    p = Path(out)
    refuse_link(p, option)
    if p.is_dir():
        raise WmoError(f"{option} {str(p)!r} is a folder: give a file name like {str(p / ('wmo_xl' + suffix))!r}")
    if p.suffix.lower() != suffix:
        raise WmoError(f"{option} {str(p)!r} must end in {suffix}"
                       + (" (the workbook has macros)" if suffix == ".xlsm" else " (the export has no macros)"))
    folder = p.parent if str(p.parent) else Path(".")
    if make_folder:  # the command creates missing folders: the first one that exists must take them
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent
    if not folder.is_dir():
        raise WmoError(f"{option} {str(p)!r}: the folder {str(folder)!r} does not exist")
    if not p.exists():
        if not folder_writable(folder):
            raise WmoError(f"{option} {str(p)!r}: the folder {str(folder)!r} is read-only (nothing was written)")
        return None
    if not force:
        raise WmoError(f"{option} {str(p)!r} exists: it may hold your own figures. Give another {option}, or --force to "
                       "replace it (a backup is kept)")
    _refuse_open_or_read_only(p)
    _refuse_read_only_folder(p)
    return p


def check_new_workbook(out: str | Path, force: bool) -> Path | None:
    """Where a new template may be written; with ``force`` an existing one is backed up first.

    Returns the backup path (or None). See :func:`check_workbook_target`.
    """
    p = check_workbook_target(out, force, ".xlsm", make_folder=True)
    if p is None:
        return None
    backup = backup_name(p)
    shutil.copy2(p, backup)
    return backup


def check_new_output(out: str | Path, force: bool, inputs: list[Path] | tuple[Path, ...] = ()) -> Path:
    """A file the command may write: new, or existing with ``force``; never an input, folder or link.

    Root can write to read-only files, so the file's mode bits are checked as well.
    """
    p = Path(out)
    refuse_link(p, "--out")
    if p.is_dir():
        raise WmoError(f"--out {str(p)!r} is a folder: give a file name like {str(p / 'uitkomst.csv')!r}")
    if p.exists():
        if any(p.resolve() == Path(i).resolve() for i in inputs):
            raise WmoError(f"--out {str(p)!r} is one of the input files: give another file name (nothing was changed)")
        if not force:
            raise WmoError(f"--out {str(p)!r} exists: give a new file name, or --force to replace it")
        if not (p.stat().st_mode & 0o200):
            raise WmoError(f"--out {str(p)!r} is read-only: nothing was changed")
    return p


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file through a temporary file beside it and one rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def set_aside(path: str | Path, suffix: str = ".inactive") -> Path | None:
    """Rename a bundle the project wrote to the first free ``<name><suffix>[-n]``; never delete one.

    Returns the new path, or None when there is nothing at ``path``. A link or a folder the
    project did not write is refused, not moved.
    """
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        return None
    refuse_link(p, "model folder")
    if not is_project_bundle(p):
        raise WmoError(f"{str(p)!r} is not a model bundle written by wmo-xl: it is left as it is")
    kept = free_name(p, suffix)
    os.replace(p, kept)
    return kept


def lock_path(workbook: str | Path) -> Path:
    wb = Path(workbook)
    return wb.with_name(f".{wb.name}.wmo_xl.lock")


class WorkbookLock:
    """One retrain per workbook at a time: a lock file beside it, created exclusively.

    A lock left by a process that no longer runs (a crash) is taken over; a live one is a
    WmoError naming the workbook. Works the same on Windows (no fcntl needed).
    """

    def __init__(self, workbook: str | Path) -> None:
        self.workbook = Path(workbook)
        self.path = lock_path(workbook)
        self._held = False

    def __enter__(self) -> WorkbookLock:
        for _attempt in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                raise WmoError(f"another retrain of {self.workbook.name!r} is running (lock {self.path.name}): "
                               "wait for it to finish") from None
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            self._held = True
            return self
        raise WmoError(f"cannot take the lock {self.path.name} for {self.workbook.name!r}: remove it if no retrain runs")

    def _stale(self) -> bool:
        try:
            pid = int(self.path.read_text().strip() or "0")
        except (OSError, ValueError):
            return False
        if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows: go by age
            return time.time() - self.path.stat().st_mtime > STALE_LOCK_SECONDS
        return pid > 0 and not _alive(pid)

    def __exit__(self, *exc: object) -> None:
        if self._held:
            self.path.unlink(missing_ok=True)
            self._held = False


def _alive(pid: int) -> bool:
    """POSIX only: is a process with this id running (signal 0 checks, sends nothing)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True
