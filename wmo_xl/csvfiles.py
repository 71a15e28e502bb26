"""Read a user's CSV file the way Dutch Excel writes it, or refuse it in one line.

Dutch Excel saves "CSV (gescheiden door lijstscheidingsteken)" with ``;`` between cells,
decimal commas and the Windows code page cp1252; other tools write ``,`` and UTF-8 (with
or without a byte-order mark) or tab-separated UTF-16 ("Unicode-tekst"). This module
sniffs the encoding and the separator from the file itself and returns plain text cells,
so every number is then read by the one rule of :mod:`wmo_xl.inputs` and never by a
locale guess of the CSV parser.

Refused with a message naming the file and what is accepted: a missing path or a folder,
an empty file, a binary file (an .xlsx renamed to .csv, a PDF, ...), a header naming one
column twice, and a data row with more cells than the header (its extra cells would be
lost).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import WmoError
from .inputs import MAX_COUNT, decimal_mark, describe, no_duplicates, parse_number

#: What the messages say is accepted.
ACCEPTED = "a CSV text file (separator ; , or tab; encoding UTF-8 or Windows-1252)"
#: Larger files are no menukaart or scenario; the CBS tables are about 5 MB.
MAX_BYTES = 500 * 1024 * 1024
SEPARATORS = (";", ",", "\t")


def _label(path: Path, what: str) -> str:
    return f"{what} {str(path)!r}"


def read_text(path: str | Path, what: str = "CSV file") -> str:
    """The file's text: UTF-8 (BOM or not), UTF-16 with BOM, else cp1252; binary refused."""
    p = Path(path)
    label = _label(p, what)
    if not p.exists():
        raise WmoError(f"{label} not found: pass {ACCEPTED}")
    if p.is_dir():
        raise WmoError(f"{label} is a folder, not a file: pass {ACCEPTED}")
    if not p.is_file():
        raise WmoError(f"{label} is not a regular file: pass {ACCEPTED}")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise WmoError(f"{label} is {size // (1024 * 1024)} MB: larger than {MAX_BYTES // (1024 * 1024)} MB is not a table this reads")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise WmoError(f"{label} cannot be read ({exc.strerror or exc}): close it elsewhere or check its permissions") from None
    if not raw.strip():
        raise WmoError(f"{label} is empty: pass {ACCEPTED} with a header row")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise WmoError(f"{label} is not readable UTF-16 text: pass {ACCEPTED}") from None
    kind = _binary_kind(raw)
    if kind:
        raise WmoError(f"{label} is {kind}, not a CSV: save it from Excel as 'CSV (gescheiden door lijstscheidingsteken)'")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise WmoError(f"{label} is neither UTF-8 nor Windows-1252 text: pass {ACCEPTED}") from None


def _binary_kind(raw: bytes) -> str:
    """A short name for a binary file, or '' for text."""
    head = raw[:8]
    if head.startswith(b"PK\x03\x04"):
        return "an Excel workbook or other zip file"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel (.xls) or other Office file"
    if head.startswith(b"%PDF"):
        return "a PDF"
    sample = raw[:65536]
    if b"\x00" in sample:
        return "a binary file"
    controls = sum(b < 32 and b not in (9, 10, 13) for b in sample)
    return "a binary file" if controls > len(sample) // 100 else ""


def sniff_separator(text: str) -> str:
    """The separator of the header line: the most frequent of ; , tab outside quotes (',' if none)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: 0 for sep in SEPARATORS}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_rows(path: str | Path, what: str = "CSV file") -> list[list[str]]:
    """Header first, then the data rows, every cell as stripped text; blank lines dropped."""
    p = Path(path)
    text = read_text(p, what)
    sep = sniff_separator(text)
    try:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=sep)]
    except csv.Error as exc:
        raise WmoError(f"{_label(p, what)} is not a well-formed CSV ({exc}): pass {ACCEPTED}") from None
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        raise WmoError(f"{_label(p, what)} is empty: pass {ACCEPTED} with a header row")
    header = rows[0]
    no_duplicates(header, f"{_label(p, what)}: column")
    width = len(header)
    for i, r in enumerate(rows[1:], start=2):
        if len(r) > width and any(r[width:]):
            raise WmoError(
                f"{_label(p, what)} line {i} has {len(r)} cells but the header has {width}: "
                f"a separator inside a value? Quote the value or use ';' as separator")
        rows[i - 1] = (r + [""] * width)[:width]
    return rows


@dataclass(frozen=True)
class CsvTable:
    """A CSV's text cells and the decimal mark its numbers settle ('.', ',' or None)."""

    name: str
    header: list[str]
    rows: list[list[str]]
    decimal: str | None

    def frame(self) -> pd.DataFrame:
        """The cells as a DataFrame of text (empty cells as empty text, never a guessed number)."""
        return pd.DataFrame(self.rows, columns=self.header, dtype=object)


def read_table(path: str | Path, what: str = "CSV file") -> CsvTable:
    """Read a CSV (see :func:`read_rows`) and settle its decimal mark from its own numbers."""
    rows = read_rows(path, what)
    return CsvTable(Path(path).name, rows[0], rows[1:], decimal_mark(c for r in rows[1:] for c in r))


#: Cells CBS and users write for a suppressed or unknown figure: missing, never 0.
SUPPRESSED = frozenset({"", ".", "x", "X", "-", "?", "..", "NA", "n.v.t.", "nvt"})
_NUMBER_LIKE = re.compile(r"^[+-]?[\d.,\s\u00a0]+%?$")
#: Cells read by float() exactly as the one rule reads them: whole numbers, and decimal-dot
#: numbers in a file whose decimal mark is the dot.
_FAST_INT = re.compile(r"^[+-]?\d{1,15}$")
_FAST_DOT = re.compile(r"^[+-]?\d{1,15}(?:\.\d{1,15})?$")


def numeric_frame(table: CsvTable) -> pd.DataFrame:
    """The table with every column whose cells are mostly numbers as float; other columns stay text.

    In a number column, a cell that is neither a number nor a suppressed mark is refused
    (naming line and column): reading it as missing would hide it, as 0 would invent it.

    Numbers are read by :func:`wmo_xl.inputs.parse_number` with the file's decimal mark, so
    ``1.490`` is 1490 in a file that writes ``32,40`` and refused where the file does not
    settle it. Suppressed marks become NaN. Other columns stay text.
    """
    df = table.frame()
    for col in df.columns:
        values = df[col]
        uniques = [v for v in pd.unique(values) if v not in SUPPRESSED]
        if 2 * sum(bool(_NUMBER_LIKE.match(v)) for v in uniques) <= len(uniques) and uniques:
            continue  # a text column (names, codes, postcodes)
        mapping: dict[str, float] = {v: np.nan for v in SUPPRESSED}
        fast = _FAST_DOT if table.decimal == "." else _FAST_INT
        for v in uniques:
            if fast.match(v):  # what parse_number gives, without its checks (most cells of a CBS table)
                mapping[v] = float(v)
                continue
            try:
                mapping[v] = parse_number(v, f"column {col}", table.name, decimal=table.decimal)
            except WmoError as exc:
                line = int(np.argmax((values == v).to_numpy())) + 2
                raise WmoError(f"{exc} (line {line})") from None
        df[col] = values.map(mapping).astype(float)
    return df


def check_counts(df: pd.DataFrame, columns: tuple[str, ...], source: str, key: tuple[str, ...] = ("wijk", "year")) -> None:
    """Refuse a negative, infinite or absurd count (above MAX_COUNT persons) in a tidy table."""
    for col in columns:
        if col not in df.columns:
            continue
        v = df[col].to_numpy(dtype=float)
        bad = ~np.isnan(v) & ((v < 0) | ~np.isfinite(v) | (v > MAX_COUNT))
        if bad.any():
            i = int(np.argmax(bad))
            at = ", ".join(f"{k} {df[k].iloc[i]}" for k in key if k in df.columns)
            raise WmoError(f"{source}: {col} {describe(v[i])} at {at} is not a count of persons (0 to {MAX_COUNT})")
