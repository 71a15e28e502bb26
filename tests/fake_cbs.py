"""A small local fake of the CBS StatLine OData v3 service, for tests without internet.

The real ``cbsodata`` client talks to it (``--cbs-url http://127.0.0.1:PORT``). It serves the
shapes of the real service (see ../shared/data/cbs/odata/README.md): the catalogue
(``/ODataCatalog/Tables``), per table a service document listing its resources, TableInfos,
DataProperties, CategoryGroups, dimension lists and Typed/UntypedDataSet paged with
``odata.nextLink`` as CBS pages them, ``$filter`` (startswith, substringof, eq) and
``$select``. Values are synthetic; the quirks are real: keys and names padded, topic-key
suffixes that differ per year (KWB keys of 2022/2023/2024 as CBS published them), Amsterdam
letter wijk codes from 2023, ``null`` / ``"."`` for suppressed counts, a Wmo year published
in both the original and the improved (2024) method, and distractor titles.

:func:`trend_cbs` serves another world (issue 20): 40 gemeenten growing or shrinking steadily
by -3% to +6% a year over 2019-2024, with the 2025 truth withheld, optionally after years
without trends (a regime change).

The server binds 127.0.0.1 on a free port, serves at most ``max_requests`` requests and shuts
itself down after ``lifetime`` seconds: a test that forgets it cannot leave it running.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import numpy as np

# KWB topic keys per year as CBS published them (85318NED, 85618NED, 85984NED); 2021 reuses 2022's.
_KWB_KEYS: dict[int, list[str]] = {
    2022: ["AantalInwoners_5", "k_0Tot15Jaar_8", "k_15Tot25Jaar_9", "k_25Tot45Jaar_10", "k_45Tot65Jaar_11",
           "k_65JaarOfOuder_12", "Verweduwd_16", "HuishoudensTotaal_28", "Eenpersoonshuishoudens_29",
           "GemiddeldeHuishoudensgrootte_32", "Bevolkingsdichtheid_33", "HuurwoningenTotaal_41", "InBezitWoningcorporatie_42",
           "GemiddeldInkomenPerInwoner_72", "HuishoudensMetEenLaagInkomen_78", "PersonenPerSoortUitkeringBijstand_83",
           "PersonenPerSoortUitkeringAO_84", "PersonenPerSoortUitkeringAOW_86", "WmoClienten_89", "WmoClientenRelatief_90",
           "MateVanStedelijkheid_116"],
    2023: ["AantalInwoners_5", "k_0Tot15Jaar_8", "k_15Tot25Jaar_9", "k_25Tot45Jaar_10", "k_45Tot65Jaar_11",
           "k_65JaarOfOuder_12", "Verweduwd_16", "HuishoudensTotaal_29", "Eenpersoonshuishoudens_30",
           "GemiddeldeHuishoudensgrootte_33", "Bevolkingsdichtheid_34", "HuurwoningenTotaal_42", "InBezitWoningcorporatie_43",
           "GemiddeldInkomenPerInwoner_81", "HuishoudensMetEenLaagInkomen_87", "PersonenPerSoortUitkeringBijstand_92",
           "PersonenPerSoortUitkeringAO_93", "PersonenPerSoortUitkeringAOW_95", "WmoClienten_98", "WmoClientenRelatief_99",
           "MateVanStedelijkheid_125"],
    2024: ["AantalInwoners_5", "k_0Tot15Jaar_8", "k_15Tot25Jaar_9", "k_25Tot45Jaar_10", "k_45Tot65Jaar_11",
           "k_65JaarOfOuder_12", "Verweduwd_16", "HuishoudensTotaal_29", "Eenpersoonshuishoudens_30",
           "GemiddeldeHuishoudensgrootte_33", "Bevolkingsdichtheid_34", "HuurwoningenTotaal_48", "InBezitWoningcorporatie_49",
           "GemiddeldInkomenPerInwoner_78", "PersonenPerSoortUitkeringBijstand_87", "PersonenPerSoortUitkeringAO_88",
           "PersonenPerSoortUitkeringAOW_90", "WmoClienten_93", "WmoClientenRelatief_94", "MateVanStedelijkheid_120"],
}

#: TypeMaatwerkvoorziening keys of the real tables, their titles and the synthetic share of the total.
TYPES: list[tuple[str, str, float]] = [
    ("T001024", "Totaal", 1.0), ("A019506", "Ondersteuning thuis", 0.30), ("A019507", "Hulp bij het huishouden", 0.40),
    ("A019508", "Verblijf en opvang", 0.01), ("A019509", "Hulpmiddelen en diensten", 0.55),
    ("A045237", "Totaal excl. verblijf en opvang", 0.99),
]
CATEGORY_OF_TYPE = {"T001024": "totaal", "A019506": "ondersteuning_thuis", "A019507": "hbh", "A019508": "verblijf", "A019509": "hulpmiddelen"}

#: gemeente -> (name, number of wijken, Wmo rate, growth per year, new/original method factor)
GEMEENTEN: dict[str, tuple[str, int, float, float, float]] = {
    "GM0518": ("'s-Gravenhage", 5, 0.060, 0.04, 1.10),
    "GM0363": ("Amsterdam", 5, 0.055, 0.03, 1.05),
    "GM0599": ("Rotterdam", 5, 0.070, 0.05, 1.00),
}

#: Table ids of the synthetic catalogue: (kind, year, method) -> id.
IDS: dict[tuple[str, int, str], str] = {
    ("wmo_type", 2021, "origineel"): "85047NED", ("wmo_type", 2021, "2024"): "86188NED",
    ("wmo_type", 2022, "origineel"): "85377NED", ("wmo_type", 2022, "2024"): "86189NED",
    ("wmo_type", 2023, "2024"): "86190NED", ("wmo_type", 2024, "2024"): "85996NED",
    ("kwb", 2021, ""): "85039NED", ("kwb", 2022, ""): "85318NED", ("kwb", 2023, ""): "85618NED", ("kwb", 2024, ""): "85984NED",
    # earlier and later years, served only by the trend world (:func:`trend_cbs`)
    ("wmo_type", 2019, "2024"): "86186NED", ("wmo_type", 2020, "2024"): "86187NED", ("wmo_type", 2025, "2024"): "86158NED",
    ("kwb", 2019, ""): "84583NED", ("kwb", 2020, ""): "84799NED", ("kwb", 2025, ""): "86165NED",
    ("wmo_financiering", 2023, ""): "85638NED", ("wmo_financiering", 2024, ""): "85995NED",
    # made-up ids of years CBS has not published, for a world with a regime change
    **{("wmo_type", y, "2024"): f"99{y % 100:02d}1NED" for y in range(2026, 2032)},
    **{("kwb", y, ""): f"99{y % 100:02d}2NED" for y in range(2026, 2032)},
}


def pad(text: str, width: int = 10) -> str:
    return text.ljust(width)


def wijk_codes(gemeente: str, n: int, year: int) -> list[str]:
    """Amsterdam letter codes from 2023 (WK0363AA ...), digits elsewhere and before."""
    if gemeente == "GM0363" and year >= 2023:
        return [f"WK0363{chr(65 + k // 26)}{chr(65 + k % 26)}" for k in range(n)]
    return [f"WK{gemeente[2:]}{k + 1:02d}" for k in range(n)]


def untyped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The UntypedDataSet of typed rows: numbers as right-aligned strings, '.' for null."""
    out = []
    for r in rows:
        u = {}
        for k, v in r.items():
            if k == "ID" or isinstance(v, str):
                u[k] = v
            elif v is None:
                u[k] = ".".rjust(10)
            else:
                u[k] = str(v).rjust(10)
        out.append(u)
    return out


def _round5(x: float) -> int:
    return int(5 * round(x / 5))


@dataclass
class Truth:
    """The synthetic world behind the tables (for assertions)."""

    clients: dict[tuple[str, int, str], float | None] = field(default_factory=dict)  # new method, as published
    original: dict[tuple[str, int, str], float | None] = field(default_factory=dict)
    inhabitants: dict[tuple[str, int], int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


def synthetic_cbs(seed: int = 0, years: tuple[int, ...] = (2021, 2022, 2023, 2024), wijken: int | None = None,
                  gemeenten: dict[str, tuple[str, int, float, float, float]] | None = None,
                  noise: tuple[float, float] = (0.0, 0.0), trend_from: int | None = None) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[dict[str, Any]]]], Truth]:
    """(catalogue entries, table id -> resources, truth) of a small synthetic CBS
    (``wijken``: wijken per gemeente instead of the default 5, for timing runs; ``gemeenten``:
    another world than :data:`GEMEENTEN`; ``noise``: sd of a yearly log shock per gemeente and
    per wijk on top of the steady growth; ``trend_from``: the year the growth starts, before
    it only the shocks move the counts)."""
    assert wijken is None or 1 <= wijken <= 99, "wijk codes have two characters: at most 99 wijken per gemeente"
    gems = {g: (v[0], wijken if wijken is not None else v[1], *v[2:]) for g, v in (gemeenten or GEMEENTEN).items()}
    rng = np.random.default_rng(seed)
    truth = Truth()
    pop0 = {(g, k): int(rng.integers(1500, 9000)) for g, (_, n, *_r) in gems.items() for k in range(n)}
    s65 = {(g, k): float(rng.uniform(0.12, 0.30)) for g, (_, n, *_r) in gems.items() for k in range(n)}
    shock: dict[tuple[str, int, int], float] = {}  # (gemeente, wijk or -1, year) -> log shock
    if any(noise):
        for y in years:
            for g, (_, n, *_r) in gems.items():
                shock[(g, -1, y)] = float(rng.normal(0.0, noise[0]))
                for k in range(n):
                    shock[(g, k, y)] = float(rng.normal(0.0, noise[1]))
    for g, (_, n, _r, _gr, _f) in gems.items():
        for k in range(n):
            for y in years:
                truth.names[wijk_codes(g, n, y)[k]] = ["Centrum", "Noord", "Oost", "Zuid", "West"][k % 5] + (f" {g[2:]}" if g != "GM0518" else "")

    def wijk_rows(y: int):
        for g, (name, n, rate, growth, factor) in gems.items():
            for k, code in enumerate(wijk_codes(g, n, y)):
                t = y - years[0]
                pop = int(pop0[(g, k)] * 1.01**t)
                wobble = np.exp(shock.get((g, -1, y), 0.0) + shock.get((g, k, y), 0.0))
                tg = t if trend_from is None else max(0, y - trend_from)
                yield g, name, k, code, pop, rate * (s65[(g, k)] / 0.2) * (1 + growth) ** tg * wobble, factor

    catalog: list[dict[str, Any]] = []
    tables: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def add(tid: str, title: str, year: int, modified: str, resources: dict[str, list[dict[str, Any]]], status: str = "Regulier") -> None:
        entry = {"ID": len(catalog), "Identifier": tid, "Title": title, "ShortTitle": title[:40], "Period": str(year),
                 "Modified": modified, "OutputStatus": status, "Language": "nl", "Catalog": "CBS", "Frequency": "Perjaar",
                 "Summary": "synthetic", "RecordCount": len(resources.get("TypedDataSet", [])), "ColumnCount": 8}
        catalog.append(entry)
        info = {"ID": 0, "Title": title, "ShortTitle": title[:40], "Identifier": tid, "Summary": "synthetic", "Modified": modified,
                "MetaDataModified": modified, "ReasonDelivery": "Nieuw", "Frequency": "Perjaar", "Period": str(year), "Status": status}
        tables[tid] = {"TableInfos": [info], **resources}

    def region_dim(y: int, key: str) -> list[dict[str, Any]]:
        rows = []
        for g, (name, n, *_r) in gems.items():
            rows.append({"Key": pad(g), "Title": name, "Description": "", "Municipality": g, "DetailRegionCode": g})
            for code in wijk_codes(g, n, y):
                rows.append({"Key": pad(code), "Title": truth.names[code], "Description": f"Wijk '{truth.names[code]}' ({code}) in de gemeente '{name}'.",
                             "Municipality": g, "DetailRegionCode": code})
                bu = "BU" + code[2:] + "01"
                rows.append({"Key": pad(bu), "Title": f"Buurt {code[-2:]}01", "Description": "", "Municipality": g, "DetailRegionCode": bu})
        return rows

    for y in years:
        # --- Wmo-cliënten; type maatwerkvoorziening, wijken: improved method, and the original for 2021-2022
        for method in ("2024", "origineel"):
            tid = IDS.get(("wmo_type", y, method))
            if tid is None:
                continue
            m_key, p_key = ("WmoClienten_5", "WmoClientenPer1000Inwoners_6") if y >= 2023 else ("WmoClienten_4", "WmoClientenPer1000Inwoners_5")
            props = [
                {"odata.type": "Cbs.OData.Dimension", "ID": 0, "Position": 0, "ParentID": None, "Type": "Dimension", "Key": "TypeMaatwerkvoorziening", "Title": "Type maatwerkvoorziening"},
                {"odata.type": "Cbs.OData.GeoDimension", "ID": 1, "Position": 1, "ParentID": None, "Type": "GeoDimension", "Key": "Wijken", "Title": "Wijken"},
                {"odata.type": "Cbs.OData.TimeDimension", "ID": 2, "Position": 2, "ParentID": None, "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"},
                {"odata.type": "Cbs.OData.TopicGroup", "ID": 3, "Position": None, "ParentID": None, "Type": "TopicGroup", "Key": "Regiokenmerken", "Title": "Regiokenmerken"},
                {"odata.type": "Cbs.OData.Topic", "ID": 4, "Position": 3, "ParentID": 3, "Type": "Topic", "Key": "Gemeentenaam_1", "Title": "Gemeentenaam"},
                {"odata.type": "Cbs.OData.Topic", "ID": 5, "Position": 4, "ParentID": 3, "Type": "Topic", "Key": "SoortRegio_2", "Title": "Soort regio"},
                {"odata.type": "Cbs.OData.Topic", "ID": 6, "Position": 5, "ParentID": 3, "Type": "Topic", "Key": "Codering_3", "Title": "Codering"},
                {"odata.type": "Cbs.OData.Topic", "ID": 7, "Position": 6, "ParentID": None, "Type": "Topic", "Key": m_key, "Title": "Wmo-cliënten", "Unit": "aantal"},
                {"odata.type": "Cbs.OData.Topic", "ID": 8, "Position": 7, "ParentID": None, "Type": "Topic", "Key": p_key, "Title": "Wmo-cliënten per 1000 inwoners", "Unit": "per 1 000"},
            ]
            data: list[dict[str, Any]] = []
            gem_sum: dict[tuple[str, str], float] = {}
            for g, name, _k, code, pop, rate, factor in wijk_rows(y):
                for key, _title, share in TYPES:
                    base_count = rate * share * pop
                    value = base_count * (factor if method == "2024" else 1.0)
                    count = _round5(value) if value >= 10 else None  # small counts suppressed
                    cat = CATEGORY_OF_TYPE.get(key)
                    if cat:
                        (truth.clients if method == "2024" else truth.original)[(code, y, cat)] = count
                    truth.inhabitants[(code, y)] = pop
                    gem_sum[(g, key)] = gem_sum.get((g, key), 0.0) + (count or 0)
                    data.append({"TypeMaatwerkvoorziening": key, "Wijken": pad(code), "Perioden": f"{y}JJ00",
                                 "Gemeentenaam_1": pad(name, 40), "SoortRegio_2": pad("Wijk"), "Codering_3": pad(code),
                                 m_key: count, p_key: None if count is None else round(1000 * count / pop)})
            for g, (name, *_r) in gems.items():
                for key, _title, _s in TYPES:
                    data.append({"TypeMaatwerkvoorziening": key, "Wijken": pad(g), "Perioden": f"{y}JJ00", "Gemeentenaam_1": pad(name, 40),
                                 "SoortRegio_2": pad("Gemeente"), "Codering_3": pad(g), m_key: _round5(gem_sum[(g, key)]), p_key: None})
            for i, r in enumerate(data):
                r["ID"] = i
            title = (f"Wmo-cliënten; type maatwerkvoorziening, wijken {y}" if method == "2024"
                     else f"Wmo-cliënten; type maatwerkvoorziening, regio, wijken, {y}")
            modified = "2024-12-02T02:00:00" if method == "2024" else f"{y + 1}-06-30T02:00:00"
            status = "Gediscontinueerd" if (method == "origineel" and y == 2021) else "Regulier"
            add(tid, title, y, modified, {
                "DataProperties": props, "CategoryGroups": [],
                "TypeMaatwerkvoorziening": [{"Key": k, "Title": t, "Description": None, "CategoryGroupID": None} for k, t, _s in TYPES],
                "Wijken": [r for r in region_dim(y, "Wijken") if not r["Key"].startswith("BU")],
                "Perioden": [{"Key": f"{y}JJ00", "Title": str(y), "Description": None, "Status": "Definitief"}],
                "TypedDataSet": data,
            }, status)

        # --- Kerncijfers wijken en buurten YYYY (gemeente, wijk and buurt rows)
        keys = _KWB_KEYS.get(y, _KWB_KEYS[2022])
        props = [{"odata.type": "Cbs.OData.GeoDimension", "ID": 0, "Position": 0, "ParentID": None, "Type": "GeoDimension", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten"}]
        props += [{"odata.type": "Cbs.OData.Topic", "ID": i + 1, "Position": i + 1, "ParentID": None, "Type": "Topic", "Key": k, "Title": k.rsplit("_", 1)[0]}
                  for i, k in enumerate(["Gemeentenaam_1", "SoortRegio_2", "Codering_3", *keys])]
        kwb: list[dict[str, Any]] = []
        for g, name, k, code, pop, rate, _f in wijk_rows(y):
            a65 = int(pop * s65[(g, k)])
            values = {"AantalInwoners": pop, "k_0Tot15Jaar": int(pop * 0.15), "k_15Tot25Jaar": int(pop * 0.12), "k_25Tot45Jaar": int(pop * 0.25),
                      "k_45Tot65Jaar": int(pop * 0.27), "k_65JaarOfOuder": a65, "Verweduwd": int(a65 * 0.3), "HuishoudensTotaal": int(pop / 2.1),
                      "Eenpersoonshuishoudens": int(pop / 2.1 * 0.4), "GemiddeldeHuishoudensgrootte": 2.1, "Bevolkingsdichtheid": 3000 + 500 * k,
                      "HuurwoningenTotaal": 45, "InBezitWoningcorporatie": 30, "GemiddeldInkomenPerInwoner": None if y >= 2024 else 31.5 + k,
                      "HuishoudensMetEenLaagInkomen": 7.5, "PersonenPerSoortUitkeringBijstand": int(pop * 0.04),
                      "PersonenPerSoortUitkeringAO": int(pop * 0.05), "PersonenPerSoortUitkeringAOW": a65,
                      "WmoClienten": truth.clients.get((code, y, "totaal")), "WmoClientenRelatief": None, "MateVanStedelijkheid": 1}
            for level, c in (("Wijk", code), ("Buurt", "BU" + code[2:] + "01")):
                row = {"WijkenEnBuurten": pad(c), "Gemeentenaam_1": pad(name, 40), "SoortRegio_2": pad(level), "Codering_3": pad(c),
                       "IndelingswijzigingGemeenteWijkBuurt_4": "1"}
                row.update({key: values[key.rsplit("_", 1)[0]] for key in keys})
                kwb.append(row)
        for g, (name, *_r) in gems.items():
            kwb.insert(0, {"WijkenEnBuurten": pad(g), "Gemeentenaam_1": pad(name, 40), "SoortRegio_2": pad("Gemeente"), "Codering_3": pad(g),
                           "IndelingswijzigingGemeenteWijkBuurt_4": "1", **{key: None for key in keys}})
        for i, r in enumerate(kwb):
            r["ID"] = i
        add(IDS[("kwb", y, "")], f"Kerncijfers wijken en buurten {y}", y, f"{y + 1}-09-30T02:00:00", {
            "DataProperties": props, "CategoryGroups": [], "WijkenEnBuurten": region_dim(y, "WijkenEnBuurten"), "TypedDataSet": kwb,
        })

        # --- Wmo-cliënten; financieringsvorm, wijken (gemeente rows are what we read)
        tid = IDS.get(("wmo_financiering", y, ""))
        if tid:
            forms = [("T001047", "Totaal"), ("A047401", "Zorg in natura"), ("A047402", "Persoonsgebonden budget (pgb)"),
                     ("A047403", "Zowel zorg in natura als pgb")]
            fin = []
            for g, (name, *_r) in gems.items():
                total = sum((truth.clients.get((c, y, "totaal")) or 0) for c in wijk_codes(g, gems[g][1], y))
                for key, _t in forms:
                    share = {"T001047": 1.0, "A047401": 0.88, "A047402": 0.10, "A047403": 0.02}[key]
                    fin.append({"ID": len(fin), "Financieringsvorm": key, "Wijken": pad(g), "Perioden": f"{y}JJ00", "Gemeentenaam_1": pad(name, 40),
                                "SoortRegio_2": pad("Gemeente"), "Codering_3": pad(g), "WmoClienten_4": _round5(total * share)})
            add(tid, f"Wmo-cliënten; financieringsvorm, regio, wijken, {y}", y, f"{y + 1}-06-30T02:00:00", {
                "DataProperties": [
                    {"Type": "Dimension", "Key": "Financieringsvorm", "Title": "Financieringsvorm", "ID": 0, "Position": 0, "ParentID": None},
                    {"Type": "GeoDimension", "Key": "Wijken", "Title": "Wijken", "ID": 1, "Position": 1, "ParentID": None},
                    {"Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden", "ID": 2, "Position": 2, "ParentID": None},
                    {"Type": "Topic", "Key": "WmoClienten_4", "Title": "Wmo-cliënten", "ID": 3, "Position": 3, "ParentID": None}],
                "CategoryGroups": [], "Financieringsvorm": [{"Key": k, "Title": t, "Description": None, "CategoryGroupID": None} for k, t in forms],
                "Wijken": [r for r in region_dim(y, "Wijken") if not r["Key"].startswith("BU")],
                "Perioden": [{"Key": f"{y}JJ00", "Title": str(y), "Description": None, "Status": "Definitief"}], "TypedDataSet": fin,
            })

    # distractors the title matching must leave alone
    for tid, title in [("84839NED", "Wmo-cliënten; type maatwerkvoorziening (detail), regio, 2019-2023"),
                       ("86177NED", "Wmo-cliënten; financieringsvorm, wijken, 2018"),
                       ("86165NED", "Kerncijfers wijken en buurten 2025"),
                       ("85000NED", "Kerncijfers wijken en buurten; gemeenten 2020, vergelijking"),
                       ("83264NED", "Wmo-gebruik; aantal maatwerkvoorzieningen, regio (2015-2023)")]:
        catalog.append({"ID": len(catalog), "Identifier": tid, "Title": title, "ShortTitle": title[:40], "Period": "", "Modified": "2025-01-01T00:00:00",
                        "OutputStatus": "Regulier", "Language": "nl", "Catalog": "CBS"})
    return catalog, tables, truth


def trend_world(n: int = 40, seed: int = 1) -> dict[str, tuple[str, int, float, float, float]]:
    """``n`` gemeenten (GM1001 ...) that grow or shrink steadily by -3% to +6% a year, 3-7 wijken each.

    The world of issue 20: a gemeente's own trend persists, so a model must learn it.
    """
    rng = np.random.default_rng(seed)
    growth = np.linspace(-0.03, 0.06, n)
    rng.shuffle(growth)
    return {f"GM{1001 + i:04d}": (f"Trendgemeente {i + 1}", int(rng.integers(3, 8)), float(rng.uniform(0.04, 0.08)),
                                  float(growth[i]), float(rng.uniform(1.0, 1.1))) for i in range(n)}


def trend_cbs(n: int = 40, seed: int = 1, noise: tuple[float, float] = (0.01, 0.03), withheld: int = 2025,
              trend_from: int | None = None):
    """A synthetic CBS of 2019-``withheld`` for :func:`trend_world`, serving years before ``withheld``
    (``trend_from``: a later year from which the trends start, a regime change).

    Returns (catalogue, tables, truth, world); ``truth`` also holds the withheld year (not served),
    against which a refreshed model's forecast is scored.
    """
    world = trend_world(n, seed)
    catalog, tables, truth = synthetic_cbs(seed, years=tuple(range(2019, withheld + 1)), gemeenten=world, noise=noise, trend_from=trend_from)
    hidden = {tid for (_kind, y, _m), tid in IDS.items() if y == withheld}
    catalog = [c for c in catalog if c["Identifier"] not in hidden]
    return catalog, {t: v for t, v in tables.items() if t not in hidden}, truth, world


_FILTERS = [
    (re.compile(r"^startswith\((\w+),'([^']*)'\)$"), lambda v, arg: str(v).startswith(arg)),
    (re.compile(r"^substringof\('([^']*)',(\w+)\)$"), None),
    (re.compile(r"^(\w+) eq '([^']*)'$"), lambda v, arg: str(v) == arg),
]


def _row_filter(expr: str):  # type: ignore[no-untyped-def]
    expr = expr.strip()
    for rx, test in _FILTERS:
        m = rx.match(expr)
        if not m:
            continue
        if test is None:
            arg, col = m.group(1), m.group(2)
            return lambda r: arg in str(r.get(col, ""))
        col, arg = m.group(1), m.group(2)
        return lambda r: test(r.get(col, ""), arg)
    raise ValueError(f"unsupported $filter {expr!r}")


class FakeCbs:
    """The fake service: ``with FakeCbs() as fake: ... fake.url ...``."""

    def __init__(self, catalog: list[dict[str, Any]] | None = None, tables: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
                 *, page_size: int = 25, max_requests: int = 2000, lifetime: float = 120.0, seed: int = 0, wijken: int | None = None,
                 filters: bool = True) -> None:
        if catalog is None or tables is None:
            catalog, tables, self.truth = synthetic_cbs(seed, wijken=wijken)
        self.catalog, self.tables = catalog, tables
        self.page_size, self.max_requests, self.lifetime = page_size, max_requests, lifetime
        self.filters = filters  # False: refuse every data-set $filter with 400, as a stricter service might
        self.requests: list[str] = []
        self._server: HTTPServer | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle
    def __enter__(self) -> FakeCbs:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                fake.requests.append(self.path)
                if len(fake.requests) > fake.max_requests:
                    self._send(503, {"error": "fake CBS: request budget used up"})
                    threading.Thread(target=fake.stop, daemon=True).start()
                    return
                try:
                    code, body = fake.respond(self.path)
                except ValueError as exc:
                    code, body = 400, {"odata.error": {"code": "", "message": {"lang": "en-US", "value": str(exc)}}}
                self._send(code, body)

            def _send(self, code: int, body: Any) -> None:
                raw = json.dumps(body).encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self.url

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "fake CBS not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- the service
    def respond(self, path: str) -> tuple[int, Any]:
        parts = urlsplit(path)
        q = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segs = [s for s in parts.path.split("/") if s]
        if segs == ["ODataCatalog", "Tables"]:
            rows = self.catalog
            if "$filter" in q:
                keep = _row_filter(q["$filter"])
                rows = [r for r in rows if keep(r)]
            if "$select" in q:
                cols = q["$select"].split(",")
                rows = [{c: r.get(c) for c in cols} for r in rows]
            return 200, {"odata.metadata": f"{self.url}/ODataCatalog/$metadata#Tables", "value": rows}
        if len(segs) < 3 or segs[:2] != ["ODataFeed", "odata"] or segs[2] not in self.tables:
            return 404, {"odata.error": {"code": "", "message": {"lang": "en-US", "value": f"Resource not found for the segment '{'/'.join(segs[2:3])}'."}}}
        tid, table = segs[2], self.tables[segs[2]]
        base = f"{self.url}/ODataFeed/odata/{tid}"
        names = [n for n in table if n != "TypedDataSet"] + ["TypedDataSet", "UntypedDataSet"]
        if len(segs) == 3:
            return 200, {"odata.metadata": f"{base}/$metadata", "value": [{"name": n, "url": f"{base}/{n}"} for n in names]}
        name = segs[3]
        if name not in names:
            return 404, {"odata.error": {"code": "", "message": {"lang": "en-US", "value": f"Resource not found for the segment '{name}'."}}}
        rows = untyped(table["TypedDataSet"]) if name == "UntypedDataSet" else table[name]
        if "$filter" in q and not self.filters:
            raise ValueError("The query parameter '$filter' is not supported here.")
        if "$filter" in q:
            keep = _row_filter(q["$filter"])
            rows = [r for r in rows if keep(r)]
        if "$select" in q:
            cols = q["$select"].split(",")
            rows = [{c: r.get(c) for c in cols} for r in rows]
        skip = int(q.get("$skip", 0))
        page = rows[skip:skip + self.page_size]
        body: dict[str, Any] = {"odata.metadata": f"{base}/$metadata#Cbs.OData.WebAPI.{name}", "value": page}
        if skip + self.page_size < len(rows):
            link = f"{base}/{name}?$format=json&$skip={skip + self.page_size}"
            if "$filter" in q:
                link += "&$filter=" + quote(q["$filter"], safe="(),'")
            body["odata.nextLink"] = link
        return 200, body
