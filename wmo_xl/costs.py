"""From clients to euros: cost per service and year, budgets and what-if scenarios.

cost = clients x aandeel x verzilveringsgraad x eenheden_per_client_per_jaar x prijs
       x price level of year relative to prijsjaar

The price level is (1 + indexatie) ^ (year - prijsjaar) for a flat rate, and the cumulative
VNG series (:mod:`wmo_xl.indexatie`) for a row whose ``indexatie`` is ``vng``.

``clients`` are the clients of the service's category (hbh, begeleiding, ...). A category
that is part of a category the model forecasts (:data:`MODEL_CATEGORY`: hbh; ondersteuning
thuis; hulpmiddelen en diensten) takes the model's figure for it; the others are a share of
the total (:func:`wmo_xl.menukaart.load_category_shares`, national defaults, overridable).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .bundle import get_bundle
from .codes import check_code, is_gemeente
from .errors import WmoError
from .forecast import forecast_table
from .indexatie import IndexSeries
from .inputs import describe, is_blank, no_duplicates, normalize_categorie, parse_cost_year, parse_count, parse_number, shorten
from .menukaart import Menu, MenuRow, load_category_shares, load_menu

#: Scenario fields read as a share: '5%' = 0.05.
_PERCENT_FIELDS = {"indexatie", "verzilveringsgraad", "hbh_extra_clienten", "substitutie_aandeel", "hbh_effect_ivb"}


def cost(row: MenuRow, clients: float, year: int | None = None, index: IndexSeries | None = None) -> float:
    """Euros per year for ``clients`` clients of the row's category.

    The year must lie in 2000-2100: indexation over centuries gives numbers, not budgets.
    ``index`` is the VNG series a ``vng`` row follows (default: the shipped one).
    """
    parse_count(clients, "clients")
    if year is not None:
        parse_cost_year(year)
    return clients * row.euro_per_client(year, index)


def cost_views(row: MenuRow, clients: float, year: int | None = None, index: IndexSeries | None = None) -> dict[str, float]:
    """The same euros seen from beschikkingen and from betalingen.

    Beschikkingen: clients with a decision for this service x price per client x
    verzilveringsgraad. Betalingen: clients with realised costs (decisions x
    verzilveringsgraad) x the weighted price per realised client. Both give the same total;
    a controller reconciles either with their own administration.
    """
    price = row.prijs * row.price_factor(year, index)
    beschikt = clients * row.aandeel
    realised = beschikt * row.verzilveringsgraad
    per_realised = row.eenheden_per_client_per_jaar * price
    return {
        "clienten_met_beschikking": beschikt,
        "kosten_per_beschikking": per_realised,
        "kosten_uit_beschikkingen": beschikt * per_realised * row.verzilveringsgraad,
        "clienten_gerealiseerd": realised,
        "gewogen_prijs_per_gerealiseerde_client": per_realised,
        "kosten_uit_betalingen": realised * per_realised,
    }


class Scenario(BaseModel):
    """What-if parameters compared with the base (None / 0 = as in the base)."""

    model_config = ConfigDict(extra="forbid")

    naam: str = "scenario"
    indexatie: float | None = Field(default=None, ge=-0.5, le=0.5, description="price change per year, all rows")
    verzilveringsgraad: float | None = Field(default=None, ge=0, le=1, description="billed share, all rows")
    hbh_extra_clienten: float = Field(default=0.0, ge=-1, le=5, description="HbH demand shift, e.g. 0.05 = +5%")
    hbh_vanaf_jaar: int | None = None
    substitutie_aandeel: float = Field(default=0.0, ge=0, le=1, description="share of begeleiding moved to eigen trajecten")
    substitutie_kostenfactor: float = Field(default=0.5, ge=0, le=5, description="cost of an eigen traject vs contracted care")
    substitutie_vanaf_jaar: int | None = None
    eigen_bijdrage: Literal["abonnementstarief", "ivb"] = Field(
        default="abonnementstarief", description="abonnementstarief (today) or ivb: income-dependent contribution")
    eigen_bijdrage_vanaf: int | None = Field(default=None, description="year the ivb starts (required with ivb)")
    hbh_effect_ivb: float = Field(default=0.0, ge=-1, le=1, description="change in HbH clients from that year, e.g. -0.08")

    @field_validator("indexatie", "verzilveringsgraad", "hbh_extra_clienten", "substitutie_aandeel",
                     "substitutie_kostenfactor", "hbh_effect_ivb", mode="before")
    @classmethod
    def _number(cls, v: object, info: Any) -> float | None:
        """TRUE/FALSE, ambiguous text ('1.000') and dates are refused; '5%' is 0.05."""
        if v is None:
            return None
        return parse_number(v, "", percent=info.field_name in _PERCENT_FIELDS)

    @field_validator("hbh_vanaf_jaar", "substitutie_vanaf_jaar", "eigen_bijdrage_vanaf", mode="before")
    @classmethod
    def _year(cls, v: object) -> int | None:
        return None if v is None else parse_cost_year(v, "")

    @field_validator("eigen_bijdrage", mode="before")
    @classmethod
    def _eigen_bijdrage(cls, v: object) -> object:
        """'IVB', ' Abonnementstarief ' are read; anything else is refused by the Literal."""
        return v.strip().lower() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _ivb_certain(self) -> "Scenario":
        """The ivb needs its start year, and is never silently added to hbh_extra_clienten
        (the 2019 abonnementstarief jump it reverses): both at once are refused."""
        if self.eigen_bijdrage == "ivb" and self.eigen_bijdrage_vanaf is None:
            raise ValueError("eigen_bijdrage ivb needs eigen_bijdrage_vanaf, the year it starts (e.g. 2027): "
                             "the start is the controller's choice (docs/costs.md)")
        if self.eigen_bijdrage == "ivb" and self.hbh_effect_ivb and self.hbh_extra_clienten:
            raise ValueError(f"hbh_extra_clienten {self.hbh_extra_clienten:g} and hbh_effect_ivb {self.hbh_effect_ivb:g} "
                             "both change HbH clients: the ivb effect reverses the abonnementstarief jump that "
                             "hbh_extra_clienten may already hold; set one of them to 0 (docs/costs.md)")
        return self

    @field_validator("naam", mode="before")
    @classmethod
    def _naam(cls, v: object) -> str:
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise ValueError(f"{describe(v)} is not a name")
        return str(v).strip() or "scenario"

    def apply_row(self, row: MenuRow) -> MenuRow:
        """The row with the scenario's price and billing parameters."""
        update: dict[str, float] = {}
        if self.indexatie is not None:
            update["indexatie"] = self.indexatie
        if self.verzilveringsgraad is not None:
            update["verzilveringsgraad"] = self.verzilveringsgraad
        return row.model_copy(update=update) if update else row

    def client_factor(self, categorie: str, year: int) -> float:
        """Demand shift for HbH from its start year on; the ivb effect from eigen_bijdrage_vanaf on."""
        if categorie != "hbh":
            return 1.0
        factor = 1.0
        if self.hbh_extra_clienten and (self.hbh_vanaf_jaar is None or year >= self.hbh_vanaf_jaar):
            factor *= 1.0 + self.hbh_extra_clienten
        if self.ivb_applies(year):
            factor *= 1.0 + self.hbh_effect_ivb
        return factor

    def ivb_applies(self, year: int) -> bool:
        """Whether the income-dependent contribution changes HbH clients in ``year``."""
        return (self.eigen_bijdrage == "ivb" and bool(self.hbh_effect_ivb) and self.eigen_bijdrage_vanaf is not None
                and year >= self.eigen_bijdrage_vanaf)

    def cost_factor(self, categorie: str, year: int) -> float:
        """Substitution: a share of begeleiding at ``substitutie_kostenfactor`` of the cost."""
        if categorie == "begeleiding" and self.substitutie_aandeel and (
            self.substitutie_vanaf_jaar is None or year >= self.substitutie_vanaf_jaar
        ):
            return 1.0 - self.substitutie_aandeel + self.substitutie_aandeel * self.substitutie_kostenfactor
        return 1.0


def scenario_cost(row: MenuRow, clients: float, year: int, scenario: Scenario, index: IndexSeries | None = None) -> float:
    """Cost of a row in a scenario: changed prices/billing, demand and substitution."""
    adjusted = scenario.apply_row(row)
    return (cost(adjusted, clients * scenario.client_factor(row.categorie, year), year, index)
            * scenario.cost_factor(row.categorie, year))


def scenario_from_rows(values: Any, source: str = "scenario") -> Scenario:
    """A scenario from a 2-column range or CSV (parameter, waarde); a blank value keeps the base.

    Refused: a range without a value column, a parameter named twice, an unknown parameter,
    a value in a third column (which of the two was meant is not certain).
    """
    rows = values if isinstance(values, (list, tuple)) else [[values]]
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in rows]
    filled = [r for r in rows if any(not is_blank(c) for c in r)]
    if not filled:
        return Scenario()
    if max(len(r) for r in rows) < 2:
        raise WmoError(f"{source} has one column: give 2 columns, parameter and waarde (e.g. indexatie | 0,03)")
    fields: dict[str, Any] = {}
    names: list[str] = []
    for r in filled:
        key = "" if is_blank(r[0]) else str(r[0]).strip()
        if not key:
            raise WmoError(f"{source}: value {describe(r[1])} has no parameter name in the first column")
        if any(not is_blank(c) for c in r[2:]):
            raise WmoError(f"{source}: field {shorten(key)!r} has values in more than one column: give one value")
        if key.lower() in ("parameter", "naam parameter") and len(names) == 0 and not fields:
            continue  # a header row
        if key not in Scenario.model_fields:
            raise WmoError(f"unknown scenario parameter {shorten(key)!r}: accepted are {', '.join(Scenario.model_fields)}")
        names.append(key)
        no_duplicates(names, f"{source}: parameter")
        if not is_blank(r[1]):
            fields[key] = r[1]
    return _validated_scenario(fields, source)


def _validated_scenario(fields: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(map(str, err["loc"]))
        msg = str(err.get("ctx", {}).get("error", err["msg"])).strip()
        if err["type"] == "extra_forbidden":  # not pydantic's "Extra inputs are not permitted": what is accepted
            raise WmoError(f"{source}: unknown field {shorten(loc)!r}: accepted are {', '.join(Scenario.model_fields)}") from None
        if not loc:  # a rule over several fields (Scenario._ivb_certain): its message names them
            raise WmoError(f"{source}: {msg}") from None
        if err["type"] == "literal_error":
            msg = f"{describe(err.get('input'))} is not one of {err.get('ctx', {}).get('expected', '')}"
        elif err["type"] in ("less_than_equal", "greater_than_equal"):
            bound = err.get("ctx", {})
            msg = f"{describe(err.get('input'))} is {'above' if 'le' in bound else 'below'} {bound.get('le', bound.get('ge'))}"
        raise WmoError(f"{source}: field {loc}: {msg}") from None


def load_scenario(path: str | Path) -> Scenario:
    """A scenario from a JSON file (fields of :class:`Scenario`) or a CSV (parameter;waarde)."""
    p = Path(path)
    if not p.exists():
        raise WmoError(f"scenario file {str(p)!r} not found: a JSON file with fields {', '.join(Scenario.model_fields)}, "
                       "or a CSV with columns parameter;waarde")
    if p.suffix.lower() in (".csv", ".txt"):
        from .csvfiles import read_table

        table = read_table(p, "scenario file")
        if len([h for h in table.header if h]) > 2:
            raise WmoError(f"scenario {p.name} has {len(table.header)} columns ({', '.join(table.header[:4])}, ...): "
                           "give 2 columns, parameter;waarde")
        return scenario_from_rows([table.header, *table.rows], f"scenario {p.name}")
    from .csvfiles import read_text

    text = read_text(p, "scenario file")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise WmoError(f"scenario {p.name} is not valid JSON (line {exc.lineno}: {exc.msg}): "
                       f"give an object like {{\"indexatie\": 0.03}} or a CSV parameter;waarde") from None
    if not isinstance(data, dict):
        raise WmoError(f"scenario {p.name} must hold one JSON object with fields {', '.join(Scenario.model_fields)}")
    return _validated_scenario(data, f"scenario {p.name}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    no_duplicates(keys, "scenario: parameter")
    return dict(pairs)


#: Menukaart categories that are, by CBS's definitions of the Wmo types, a part of one modelled
#: category (docs/costs.md "Modelled categories"): HbH is the CBS type itself; individuele
#: begeleiding and dagbesteding are kinds of "ondersteuning thuis"; rolstoelen and other
#: hulpmiddelen, vervoersvoorzieningen and woonvoorzieningen are kinds of "hulpmiddelen en
#: diensten". A category not listed here (or one a user adds in a shares file) always comes
#: from its share of the total.
MODEL_CATEGORY: dict[str, str] = {
    "hbh": "hbh",
    "begeleiding": "ondersteuning_thuis",
    "dagbesteding": "ondersteuning_thuis",
    "hulpmiddelen": "hulpmiddelen",
    "vervoer": "hulpmiddelen",
    "wonen": "hulpmiddelen",
}

#: National share of all Wmo clients (excl. verblijf en opvang) per modelled category, CBS/GMSD
#: 2018: 390,950 HbH, 311,585 ondersteuning thuis and 724,805 hulpmiddelen en diensten clients
#: of 1,068,125. A part of a modelled category takes its own share of the total divided by
#: this (begeleiding: 0.22 / 0.2917 of the ondersteuning-thuis clients).
NATIONAL_MODEL_SHARE: dict[str, float] = {
    "ondersteuning_thuis": 311_585 / 1_068_125,
    "hulpmiddelen": 724_805 / 1_068_125,
}


def within_share(categorie: str, share_of_total: float) -> float:
    """Part of the modelled category's clients that are clients of ``categorie``: 1 when the
    menukaart category is the CBS type itself (hbh), else its share of all clients divided by
    the modelled category's national share (so a gemeente whose modelled category holds the
    national share gets exactly the share-based figure)."""
    target = MODEL_CATEGORY[categorie]
    if target == categorie and target not in NATIONAL_MODEL_SHARE:
        return 1.0
    within = share_of_total / NATIONAL_MODEL_SHARE[target]
    if within > 1:
        raise WmoError(f"share of {categorie} {share_of_total:g} is above the national share of {target} "
                       f"({NATIONAL_MODEL_SHARE[target]:.3f}) it is part of: at most that share is accepted")
    return within


def category_sources(gemeente: str, shares: dict[str, float] | None = None, model: str | Path | None = None) -> dict[str, str]:
    """Per category where its clients come from: the model category name (e.g.
    ``"ondersteuning_thuis"``) when the model forecasts it for this code, else ``""`` (share
    of the total). The same rule :func:`category_clients` applies."""
    shares = shares if shares is not None else load_category_shares()
    code = check_code(gemeente)
    return {cat: (target if (target := MODEL_CATEGORY.get(cat)) and _common_rows(code, target, model) else "")
            for cat in shares}


def shares_for(gemeente: str, file_shares: dict[str, float] | None, model: str | Path | None = None,
               source: str = "shares file") -> dict[str, float]:
    """The shares a budget of ``gemeente`` uses: the national defaults, each overridden by
    ``file_shares`` (a user's ``--shares`` file; a category it leaves out keeps its default).

    A file's share that cannot apply is refused, not ignored: a category that IS a type the
    model forecasts for this code (HbH: the model's HbH figure is the clients, no share
    enters) would otherwise be taken and have no effect.
    """
    defaults = load_category_shares()
    if not file_shares:
        return defaults
    merged = {**defaults, **file_shares}
    sources = category_sources(gemeente, merged, model)
    for cat, share in file_shares.items():
        target = sources.get(cat)
        if target == cat and target not in NATIONAL_MODEL_SHARE:
            raise WmoError(f"{source}: {cat} share {share:g} cannot apply to {check_code(gemeente)}: the model forecasts its "
                           f"{'HbH' if cat == 'hbh' else cat} clients itself (docs/costs.md); remove the {cat} line "
                           "(a share is used only where the model has no forecast of that type)")
    return merged


def category_clients(
    gemeente: str, years: Iterable[int], shares: dict[str, float] | None = None, model: str | Path | None = None,
    categories: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Clients per category and year for a gemeente (or wijk): jaar, categorie, clienten.

    A category that is part of a category the model forecasts (:data:`MODEL_CATEGORY`, e.g.
    begeleiding in ondersteuning thuis) is ``within x modelled share x total``: the modelled
    share is the model's own figure for that category divided by its total over the wijken
    both models know (so wijken only one model knows do not distort it; with every wijk known
    this is the model's gemeente sum), ``within`` is :func:`within_share` (1 for HbH). Any
    other category, or one whose model does not know the code, is ``share x total`` with the
    national default shares (or ``shares``). ``categories`` limits the work to those (one
    Excel cell needs one category).

    A past year whose gemeente total or modelled category is incomplete (wijken without a
    CBS value carried more than 5% of the clients, see :meth:`FittedForecast.observed_gap`)
    raises WmoError with that reason: a cost is never built on a partial sum.
    """
    shares = shares if shares is not None else load_category_shares()
    if categories is not None:
        wanted = [normalize_categorie(c, accepted=shares) for c in categories]
        unknown = [c for c in wanted if c not in shares]
        if unknown:
            raise WmoError(f"unknown categorie {shorten(unknown[0])!r}: accepted are {', '.join(shares)}")
        shares = {c: shares[c] for c in wanted}
    years = list(years)
    code = check_code(gemeente)
    total = forecast_table([code], years, "totaal", model).set_index("year")["clients"]
    targets = {t for c in shares if (t := MODEL_CATEGORY.get(c))}
    modelled = {t: m for t in sorted(targets) if (m := _modelled_share(code, t, years, model)) is not None}
    tot = get_bundle(model).models["totaal"]
    rows = []
    for year in years:
        if pd.isna(total[year]):
            raise WmoError(tot.observed_gap(code, year) or f"no total for {code} in {year}")
        for cat, share in shares.items():
            target = MODEL_CATEGORY.get(cat)
            if target in modelled:
                part, why = modelled[target][year]
                if why:
                    raise WmoError(why)
                share = within_share(cat, share) * part
            value = share * total[year]
            rows.append({"jaar": year, "categorie": cat, "clienten": float(value)})
    return pd.DataFrame(rows)


def _common_rows(code: str, target: str, model: str | Path | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows in the ``target`` and totaal models of the wijken of ``code`` both know; None
    when the model has no ``target`` category or it knows none of them."""
    bundle = get_bundle(model)
    if target not in bundle.models:
        return None
    tot, cat = bundle.models["totaal"], bundle.models[target]
    if is_gemeente(code):
        try:
            cat.area(code)  # a part of the gemeente without figures in this category: shares of the total
        except WmoError:
            return None
    wijken = [code] if not is_gemeente(code) else [str(w) for w in tot.codes[tot.gemeente_rows.get(code, [])]]
    common = [w for w in wijken if w in cat.index and w in tot.index]
    if not common:
        return None
    rows_c, rows_t = np.array([cat.index[w] for w in common]), np.array([tot.index[w] for w in common])
    if is_gemeente(code):  # the two models may carry a merged area in different wijken (GM1950: 2017 or 2018 codes)
        now_c, now_t = cat.year_rows(code, cat.origin + 1), tot.year_rows(code, tot.origin + 1)
        if now_c is None or now_t is None or not (np.isin(rows_c, now_c) & np.isin(rows_t, now_t)).any():
            return None
    return rows_c, rows_t


def _modelled_share(code: str, target: str, years: list[int], model: str | Path | None) -> dict[int, tuple[float, str]] | None:
    """Per year (``target`` / totaal share, "") over the wijken of ``code`` both models know,
    or (nan, reason) when either sum is an incomplete past year. None: the model does not
    forecast ``target`` for the code (the share of the total applies)."""
    rows = _common_rows(code, target, model)
    if rows is None:
        return None
    rows_c, rows_t = rows
    bundle = get_bundle(model)
    tot, cat = bundle.models["totaal"], bundle.models[target]
    label = "HbH" if target == "hbh" else target
    out: dict[int, tuple[float, str]] = {}
    for year in years:
        c = cat.cell_of_rows(code, rows_c, cat.check_year(year))[0]
        t = tot.cell_of_rows(code, rows_t, tot.check_year(year))[0]
        if np.isnan(c) or np.isnan(t):
            why = (cat.observed_gap(code, year, rows_c) if np.isnan(c) else tot.observed_gap(code, year, rows_t))
            out[year] = (float("nan"), f"{label} share of {code} in {year}: {why or 'no value'}")
        else:
            out[year] = (float(np.clip(c / t, 0, 1)) if t > 0 else 0.0, "")
    return out


def budget(
    gemeente: str,
    years: Iterable[int],
    menu: Menu | None = None,
    scenario: Scenario | None = None,
    shares: dict[str, float] | None = None,
    model: str | Path | None = None,
    index: IndexSeries | None = None,
) -> pd.DataFrame:
    """Cost per service and year, base and scenario side by side.

    Columns: dienst, omschrijving, categorie, leveringsvorm, eenheid, jaar, clienten, basis,
    scenario, verschil (every menukaart column but the ``bron`` note shows or counts).
    ``index``: the VNG series for ``vng`` rows (default: the shipped one).
    """
    menu = menu or load_menu()
    scenario = scenario or Scenario(naam="basis")
    clients = category_clients(gemeente, years, shares, model).set_index(["jaar", "categorie"])["clienten"]
    rows = []
    for year in sorted(set(clients.index.get_level_values(0))):
        for row in menu.rows:
            if (year, row.categorie) not in clients.index:
                raise WmoError(f"menukaart service {row.dienst!r} has category {row.categorie!r} without a client share: "
                               f"known are {', '.join(sorted(set(clients.index.get_level_values(1))))}")
            c = float(clients[(year, row.categorie)])
            base = cost(row, c, year, index)
            alt = scenario_cost(row, c, year, scenario, index)
            rows.append({"dienst": row.dienst, "omschrijving": row.omschrijving, "categorie": row.categorie,
                         "leveringsvorm": row.leveringsvorm, "eenheid": row.eenheid, "jaar": year, "clienten": c, "basis": base, "scenario": alt, "verschil": alt - base})
    return pd.DataFrame(rows)


def summarize(detail: pd.DataFrame) -> pd.DataFrame:
    """Per-service rows, a subtotal per category and a grand total, years as columns.

    Returns a long-to-wide table with a ``niveau`` column (dienst / subtotaal / totaal) for
    each of basis, scenario and verschil.
    """
    parts = []
    for measure in ("basis", "scenario", "verschil"):
        wide = detail.pivot_table(index=["categorie", "dienst"], columns="jaar", values=measure, aggfunc="sum", sort=False)
        blocks = []
        for cat, block in wide.groupby(level=0, sort=False):
            b = block.reset_index()
            b.insert(0, "niveau", "dienst")
            blocks.append(b)
            sub = block.sum().to_frame().T
            sub.insert(0, "dienst", f"subtotaal {cat}")
            sub.insert(0, "categorie", cat)
            sub.insert(0, "niveau", "subtotaal")
            blocks.append(sub)
        tot = wide.sum().to_frame().T
        tot.insert(0, "dienst", "totaal")
        tot.insert(0, "categorie", "")
        tot.insert(0, "niveau", "totaal")
        blocks.append(tot)
        table = pd.concat(blocks, ignore_index=True)
        table.insert(0, "maat", measure)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out.columns = [str(c) for c in out.columns]
    return out
