"""Pick the Wmo and KWB tables per year from the CBS catalogue, by title.

CBS publishes a new table id every year and re-issues tables (December 2024: the 2018-2023
per-wijk Wmo tables with an improved method), so a fixed id list goes stale. Titles vary
too ("..., wijken 2019", "..., regio, wijken, 2023"), so a title is matched on its words and
its year, not on one template.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Table kinds: the words every title of that kind holds (after :func:`title_words`).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "wmo_type": ("wmo", "clienten", "type", "maatwerkvoorziening", "wijken"),
    "wmo_financiering": ("wmo", "clienten", "financieringsvorm", "wijken"),
    "kwb": ("kerncijfers", "wijken", "en", "buurten"),
}

#: First statistics year this downloader asks for (the shared files hold 2015-2018).
FIRST_YEAR = 2019

#: Tables CBS published from this date on use the method of the December 2024 re-issue.
NEW_METHOD_SINCE = "2024-12-01"
#: ... and so does every table of this statistics year and later.
NEW_METHOD_YEAR = 2024

#: Catalogue fields we read (``$select``; the catalogue has about 25).
CATALOG_FIELDS = ["Identifier", "Title", "ShortTitle", "Period", "Modified", "OutputStatus"]


@dataclass(frozen=True)
class TableRef:
    """One catalogue entry we may fetch."""

    kind: str
    year: int
    identifier: str
    title: str
    modified: str
    method: str  # "2024" (improved method, the series we use) or "origineel"


def title_words(title: str) -> list[str]:
    """Lower-case ASCII words: 'Wmo-cliënten; type maatwerkvoorziening' -> ['wmo', 'clienten', ...]."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z]+|\d+", ascii_)


def kind_of(title: str) -> tuple[str, int] | None:
    """(kind, statistics year) of a catalogue title, or None if it is not one of ours.

    A title must hold all words of its kind and exactly one year (so ranges such as
    '2019-2023' and gemeente-only tables without 'wijken' fall out); '(detail)' tables and
    KWB titles with extra words are not ours.
    """
    words = title_words(title)
    years = [int(w) for w in words if len(w) == 4 and w.isdigit() and w.startswith(("19", "20"))]
    if len(years) != 1 or "detail" in words:
        return None
    for kind, need in KIND_WORDS.items():
        if all(w in words for w in need):
            if kind == "kwb" and [w for w in words if not w.isdigit()] != list(need):
                return None
            return kind, years[0]
    return None


def _id_number(identifier: str) -> int:
    digits = re.match(r"\d+", identifier)
    return int(digits.group()) if digits else 0


def _is_current(entry: Mapping[str, Any]) -> bool:
    return "gediscontinueerd" not in str(entry.get("OutputStatus", "")).lower()


def select_tables(entries: Iterable[Mapping[str, Any]], years: Iterable[int] | None = None) -> list[TableRef]:
    """The tables to fetch, per kind and year: the improved-method table and, where a year is
    published in both methods, the original one too (for the link across the break).

    Of several tables of one kind and year, the one CBS still publishes (not 'Gediscontinueerd'),
    then the highest id, is the current series; the others are 'origineel'. A lone table is
    '2024' when it is of 2024 or later or was published from December 2024, else 'origineel'.
    """
    wanted = set(years) if years is not None else None
    groups: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for e in entries:
        found = kind_of(str(e.get("Title", "")))
        if found is None or found[1] < FIRST_YEAR or (wanted is not None and found[1] not in wanted):
            continue
        groups.setdefault(found, []).append(e)
    refs: list[TableRef] = []
    for (kind, year), group in sorted(groups.items()):
        group = sorted(group, key=lambda e: (_is_current(e), _id_number(str(e["Identifier"]))), reverse=True)
        for i, e in enumerate(group):
            modified = str(e.get("Modified", ""))
            if len(group) > 1:
                method = "2024" if i == 0 else "origineel"
            else:
                method = "2024" if year >= NEW_METHOD_YEAR or modified[:10] >= NEW_METHOD_SINCE else "origineel"
            refs.append(TableRef(kind, year, str(e["Identifier"]), str(e["Title"]), modified, method))
    return refs
