"""Realisation against budget during the year: what a controller reports in a bestuursrapportage.

The controller gives the spending to date per dienst and period (month 1-12) from the
financial system or from providers' declarations; this module sets it against the budget
(:func:`wmo_xl.costs.budget`, so menukaart, indexation and scenario changes flow through)
and projects the year end. docs/realisatie.md has the rules and a worked example.

Rules (each chosen so a figure is never silently wrong):

* **Reporting period** ``perioden`` = the highest periode in the realisation (the last
  closed month). Every dienst is projected over those months; a month without a row for a
  dienst counts as no spending (bookings are lumpy) and the dienst's note says which.
* **Several rows for one dienst and periode are added up**: they are bookings (several
  providers, several invoices). The result says how many rows were added.
* **Negative amounts are accepted**: corrections, credit notes and recoveries. A dienst
  whose realisation to date is negative in total gets a note.
* **Prognose**: with a profile (the previous year's spending per dienst and month; the
  dienst ``Totaal`` in the profile applies to every dienst without its own), prognose =
  gerealiseerd / (profile's share of the year in months 1..perioden); otherwise linear,
  gerealiseerd x 12 / perioden. A dienst without realisation keeps its budget as prognose.
* **verschil** = prognose - begroot (positive = overspending); **verschil_pct** =
  100 x verschil / begroot (empty when begroot is 0).
* **Signal**: ``oranje`` when the deviation (either direction) reaches BOTH the euro
  threshold and the percentage threshold (defaults EUR 25,000 and 5%), ``rood`` when it
  reaches both doubled (EUR 50,000 and 10%), else ``groen``. Both, not either: a small post
  swings by percentages without mattering to the council, a large post by euros within
  its normal noise. Without a budget (a dienst not on the menukaart) only the euro
  threshold applies. "Reaches" is ``>=`` after rounding to cents and 0.0001 percent point.
* **A dienst not on the menukaart** is listed with begroot 0, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .errors import WmoError
from .inputs import describe, is_blank, no_duplicates, parse_number, parse_year

#: Output columns of ``wmo-xl realisatie``, in this order.
COLUMNS = ["dienst", "begroot", "gerealiseerd", "perioden", "prognose", "verschil", "verschil_pct", "signaal"]
#: Columns a realisation or profile file must have; ``jaar`` may be present and must then be the year asked.
REQUIRED = ["dienst", "periode", "bedrag"]
OPTIONAL = ["jaar"]
TOTAL = "Totaal"
SIGNALS = ("groen", "oranje", "rood")
#: Profile rows for this dienst apply to every dienst without its own profile.
PROFILE_ALL = "totaal"


class Boeking(BaseModel):
    """One realisation row: spending on a dienst in a month (a booking or a month's sum)."""

    model_config = ConfigDict(frozen=True)

    dienst: str = Field(min_length=1)
    periode: int = Field(ge=1, le=12)
    bedrag: float

    @field_validator("dienst", mode="before")
    @classmethod
    def _dienst(cls, v: object) -> str:
        if is_blank(v):
            raise ValueError("is empty: give the dienst as on the menukaart (e.g. hbh_zin)")
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise ValueError(f"{describe(v)} is not a dienst name")
        return str(v).strip()

    @field_validator("periode", mode="before")
    @classmethod
    def _periode(cls, v: object) -> int:
        """A month 1-12 (3, 3.0, '3'); 'mrt', 2025-03, 13 and dates are refused."""
        try:
            return parse_year(v, "", lo=1, hi=12)
        except WmoError as exc:
            raise ValueError(str(exc).replace("a year like 2025", "a month 1-12").replace("a whole number like 2025",
                                                                                          "a month 1-12")) from None

    @field_validator("bedrag", mode="before")
    @classmethod
    def _bedrag(cls, v: object, info: ValidationInfo) -> float:
        """Euros; negative = a correction; '1.234,56', '€ 1 234' read by the one number rule."""
        return parse_number(v, "", decimal=(info.context or {}).get("decimal"))


class Drempels(BaseModel):
    """Signal thresholds for oranje; rood is twice each."""

    model_config = ConfigDict(extra="forbid")

    euro: float = Field(default=25_000.0, ge=0, description="deviation in euros for oranje")
    pct: float = Field(default=5.0, ge=0, le=1000, description="deviation in percent of the budget for oranje")

    @field_validator("euro", "pct", mode="before")
    @classmethod
    def _number(cls, v: object) -> float:
        return parse_number(v, "")


def drempels(euro: object = None, pct: object = None) -> Drempels:
    """Thresholds from cells or options (None = default); a bad value is one line naming it."""
    fields = {k: v for k, v in (("euro", euro), ("pct", pct)) if not is_blank(v)}
    try:
        return Drempels(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "drempel_" + str(err["loc"][0]) if err.get("loc") else "drempel"
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        if err["type"] in ("greater_than_equal", "less_than_equal"):
            msg = f"{describe(err.get('input'))} is outside {'0 or more' if name == 'drempel_euro' else '0-1000'}"
        raise WmoError(f"{name}: {msg}") from None


@dataclass
class Realisatie:
    """Validated realisation: euros per (dienst, periode), names as first written."""

    bedragen: dict[tuple[str, int], float]
    namen: dict[str, str]  # lower-case key -> name as written
    regels: int  # rows read
    source: str = "realisatie"

    @property
    def perioden(self) -> int:
        return max((p for _, p in self.bedragen), default=0)

    def per_dienst(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for (d, _), v in self.bedragen.items():
            out[d] = out.get(d, 0.0) + v
        return out

    def maanden(self, dienst: str) -> set[int]:
        return {p for (d, p) in self.bedragen if d == dienst}


def realisatie_from_rows(values: Sequence[Sequence[object]], *, source: str = "realisatie", decimal: str | None = None,
                         jaar: int | None = None, allow_empty: bool = False) -> Realisatie:
    """Header-first rows (an Excel range or a CSV) -> :class:`Realisatie`; rows stop at the
    first empty row, and a row below it is refused (it would be silently unread)."""
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in values] if values else []
    if not rows or all(is_blank(c) for c in rows[0]):
        if allow_empty:
            return Realisatie({}, {}, 0, source)
        raise WmoError(f"{source} is empty: give a header row dienst, periode, bedrag and one row per dienst and month")
    header = [str(h).strip().lower() if not is_blank(h) else "" for h in rows[0]]
    no_duplicates(header, f"{source}: column")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise WmoError(f"{source} lacks column(s) {', '.join(missing)}: the header must be dienst, periode, bedrag")
    extra = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    if extra:
        raise WmoError(f"{source} has column {extra[0]!r}: accepted are dienst, periode, bedrag (and jaar); "
                       "remove other columns so none is silently ignored")
    pos = {c: header.index(c) for c in REQUIRED + OPTIONAL if c in header}
    bedragen: dict[tuple[str, int], float] = {}
    namen: dict[str, str] = {}
    n = 0
    for i, raw in enumerate(rows[1:], start=1):
        cells = raw + [None] * (len(header) - len(raw))
        if all(is_blank(c) for c in cells):
            for k, below in enumerate(rows[i + 1:], start=i + 1):
                if any(not is_blank(c) for c in below):
                    raise WmoError(f"{source} row {k} comes after the empty row {i}: rows below an empty row are not read; "
                                   "remove the empty row")
            break
        record = {c: cells[j] for c, j in pos.items() if c in REQUIRED}
        try:
            b = Boeking.model_validate(record, context={"decimal": decimal})
        except ValidationError as exc:
            err = exc.errors()[0]
            col = err["loc"][0] if err.get("loc") else "?"
            msg = str(err.get("ctx", {}).get("error", err["msg"])).strip()
            if err["type"] == "missing":
                msg = "is empty"
            raise WmoError(f"{source} row {i}, column {col}: {msg}") from None
        if "jaar" in pos and not is_blank(cells[pos["jaar"]]):
            y = parse_year(cells[pos["jaar"]], "column jaar", f"{source} row {i}")
            if jaar is not None and y != jaar:
                raise WmoError(f"{source} row {i}, column jaar: {y} is not the year asked ({jaar}): give one year's realisation")
        key = b.dienst.lower()
        namen.setdefault(key, b.dienst)
        bedragen[(key, b.periode)] = bedragen.get((key, b.periode), 0.0) + b.bedrag
        n += 1
    if not n and not allow_empty:
        raise WmoError(f"{source} has a header but no rows")
    return Realisatie(bedragen, namen, n, source)


def load_realisatie(path: str | Path, jaar: int | None = None, what: str = "realisatie") -> Realisatie:
    """A realisation (or profile) from a CSV (Dutch or English, as :mod:`wmo_xl.csvfiles`) or
    an .xlsx (sheet 'Realisatie' / 'Profiel' or the first; header row starting with 'dienst')."""
    p = Path(path)
    if not p.exists():
        raise WmoError(f"{what} file {str(p)!r} not found: pass a .csv or .xlsx with columns dienst, periode, bedrag")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return realisatie_from_rows(_sheet_rows(p, what), source=p.name, jaar=jaar)
    if suffix in (".csv", ".txt"):
        from .csvfiles import read_table

        table = read_table(p, f"{what} file")
        return realisatie_from_rows([table.header, *table.rows], source=p.name, decimal=table.decimal, jaar=jaar)
    raise WmoError(f"{what} file {p.name!r} must be .csv or .xlsx")


def _sheet_rows(p: Path, what: str) -> list[list[Any]]:
    if not p.is_file():
        raise WmoError(f"{what} file {str(p)!r} is a folder: pass a .csv or .xlsx file")
    try:
        xl = pd.ExcelFile(p)
        wanted = what.capitalize()
        sheet = wanted if wanted in xl.sheet_names else xl.sheet_names[0]
        raw = pd.read_excel(xl, sheet_name=sheet, header=None, dtype=object)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, ... from a damaged or renamed file
        raise WmoError(f"{what} file {p.name!r} cannot be read as an Excel workbook ({type(exc).__name__}): "
                       "save it again from Excel as .xlsx, or as CSV") from None
    values = raw.astype(object).where(raw.notna(), None).values.tolist()
    for i, r in enumerate(values[:30]):
        if r and isinstance(r[0], str) and r[0].strip().lower() == "dienst":
            return values[i:]
    raise WmoError(f"{what} file {p.name!r}: no header row starting with 'dienst' in sheet {sheet!r}")


@dataclass
class Profiel:
    """Previous year's share of the year per dienst (lower-case key) and month."""

    aandelen: dict[str, list[float]] = field(default_factory=dict)  # 12 monthly shares summing to 1

    def share_to(self, dienst: str, perioden: int) -> tuple[float, str] | None:
        """(share of the year in months 1..perioden, whose profile) or None (linear)."""
        for key in (dienst, PROFILE_ALL):
            if key in self.aandelen:
                return sum(self.aandelen[key][:perioden]), key
        return None


def profiel_from(real: Realisatie) -> Profiel:
    """Monthly shares per dienst from a year's realisation; every dienst needs all 12 months
    (0 for a month without spending) and a positive year total, else it is refused."""
    out: dict[str, list[float]] = {}
    for key, name in real.namen.items():
        months = real.maanden(key)
        lacking = [m for m in range(1, 13) if m not in months]
        if lacking:
            raise WmoError(f"{real.source}: profile of dienst {name!r} lacks periode {lacking[0]}: give all 12 months "
                           "(0 for a month without spending)")
        values = [real.bedragen[(key, m)] for m in range(1, 13)]
        total = sum(values)
        if not total > 0 or any(v < 0 for v in values):
            raise WmoError(f"{real.source}: profile of dienst {name!r} has a year total of {total:,.2f} or a negative month: "
                           "a profile needs positive spending (the previous year's realisation)")
        out[key] = [v / total for v in values]
    return Profiel(out)


@dataclass
class Regel:
    """One output row, with the note the sheet shows beside it."""

    dienst: str
    begroot: float
    gerealiseerd: float
    perioden: int
    prognose: float
    verschil: float
    verschil_pct: float  # NaN without a budget
    signaal: str
    toelichting: str = ""

    def as_list(self) -> list[Any]:
        return [getattr(self, c) for c in COLUMNS]


def signaal(verschil: float, begroot: float, d: Drempels) -> str:
    """groen / oranje / rood by the rule in the module docstring."""
    euro = round(abs(verschil), 2)
    pct = round(abs(100.0 * verschil / begroot), 4) if begroot else math.inf
    for factor, name in ((2.0, "rood"), (1.0, "oranje")):
        if euro >= factor * d.euro and pct >= factor * d.pct:
            return name
    return "groen"


def project(gerealiseerd: float, perioden: int, share: float | None) -> float:
    """Year-end projection: by the profile's share of months 1..perioden, else linear."""
    if share is None:
        return gerealiseerd * 12.0 / perioden
    return gerealiseerd / share


def compare(begroting: dict[str, float], real: Realisatie, profiel: Profiel | None = None,
            d: Drempels | None = None) -> list[Regel]:
    """Per dienst (menukaart order, then those not on it in order of appearance) and a
    ``Totaal`` row: the columns of :data:`COLUMNS` plus a note."""
    d = d or Drempels()
    profiel = profiel or Profiel()
    p = real.perioden
    sums = real.per_dienst()
    keys = {k.lower(): k for k in begroting}
    rows: list[Regel] = []
    for name, begroot in begroting.items():
        key = name.lower()
        if key not in sums:
            rows.append(Regel(name, begroot, 0.0, 0, begroot, 0.0, 0.0 if begroot else math.nan,
                              signaal(0.0, begroot, d), "geen realisatie: prognose = begroot"))
            continue
        rows.append(_row(name, key, begroot, sums[key], p, real, profiel, d))
    for key, name in real.namen.items():
        if key not in keys:
            row = _row(name, key, 0.0, sums[key], p, real, profiel, d)
            row.toelichting = "niet op de menukaart: geen begroting" + ("; " + row.toelichting if row.toelichting else "")
            rows.append(row)
    b = sum(r.begroot for r in rows)
    g = sum(r.gerealiseerd for r in rows)
    prog = sum(r.prognose for r in rows)
    v = prog - b
    note = f"{real.regels} regels t/m periode {p}" if p else "geen realisatie"
    rows.append(Regel(TOTAL, b, g, p, prog, v, 100.0 * v / b if b else math.nan, signaal(v, b, d), note))
    return rows


def _row(name: str, key: str, begroot: float, ger: float, p: int, real: Realisatie, profiel: Profiel, d: Drempels) -> Regel:
    found = profiel.share_to(key, p)
    notes: list[str] = []
    if found is None:
        prog = project(ger, p, None)
        notes.append(f"lineair ({p} van 12 maanden)")
    else:
        share, whose = found
        if share <= 0:
            prog = project(ger, p, None)
            notes.append(f"lineair: profiel heeft geen uitgaven in maand 1-{p}")
        else:
            prog = project(ger, p, share)
            notes.append(f"profiel vorig jaar{' (totaal)' if whose == PROFILE_ALL else ''}: {100 * share:.1f}% van het jaar in maand 1-{p}")
    empty = [m for m in range(1, p + 1) if m not in real.maanden(key)]
    if empty:
        notes.append("maand " + ", ".join(map(str, empty)) + " zonder boeking: als 0 geteld")
    if ger < 0:
        notes.append("gerealiseerd negatief: controleer de correcties")
    v = prog - begroot
    return Regel(name, begroot, ger, p, prog, v, 100.0 * v / begroot if begroot else math.nan, signaal(v, begroot, d),
                 "; ".join(notes))


def begroting(gemeente: str, jaar: int, menu: Any = None, scenario: Any = None, shares: dict[str, float] | None = None,
              model: str | Path | None = None, index: Any = None) -> dict[str, float]:
    """The budget per dienst for one year from :func:`wmo_xl.costs.budget`: the scenario's
    figures when a scenario is given (the adopted budget), else the base. ``index``: the VNG
    series of the budget (default: the shipped one)."""
    from .costs import budget

    df = budget(gemeente, [jaar], menu, scenario, shares, model, index=index)
    column = "scenario" if scenario is not None else "basis"
    return {str(r.dienst): float(getattr(r, column)) for r in df.itertuples(index=False)}


def realisatie(gemeente: str, jaar: int, real: Realisatie, *, menu: Any = None, scenario: Any = None,
               profiel: Realisatie | None = None, drempel: Drempels | None = None, shares: dict[str, float] | None = None,
               model: str | Path | None = None, index: Any = None) -> list[Regel]:
    """The whole comparison for a gemeente and year (see :func:`compare`)."""
    return compare(begroting(gemeente, jaar, menu, scenario, shares, model, index), real,
                   profiel_from(profiel) if profiel is not None and profiel.bedragen else None, drempel)


def to_frame(rows: list[Regel]) -> pd.DataFrame:
    """The output table: exactly :data:`COLUMNS`."""
    return pd.DataFrame([r.as_list() for r in rows], columns=COLUMNS)
