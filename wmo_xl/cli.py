"""The ``wmo-xl`` command line: forecast, backtest, train, update-data, budget, ...

Bad input prints one line ``error: ...`` on stderr and exits 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .cli_help import flags_without_type
from .errors import WmoError
from .inputs import check_grid, check_years_count, parse_years_spec

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Wmo forecasts per wijk and budgets from a menukaart.")
flags_without_type()


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"wmo-xl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """Wmo forecasts per wijk and budgets from a menukaart."""


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


#: Below a table with a missing figure, as CBS marks one: the reason is on stderr.
NO_FIGURE_LEGEND = (". = no figure: CBS published none for that wijk and year (suppressed, or no such wijk yet); "
                    "for a gemeente the reason is on stderr")


def _emit(df, fmt: str, out: Optional[Path] = None, title: Optional[str] = None) -> None:  # type: ignore[no-untyped-def]
    """CSV (a missing figure is an empty field) or a table for people (a missing figure is
    '.', explained in a legend line below the table; ``title`` above it)."""
    if fmt not in ("csv", "table"):
        _fail(f"unknown format {fmt!r}: accepted are csv, table")
    if out is not None:
        df.to_csv(out, index=False)
        return
    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False, float_format="%.1f", na_rep="", lineterminator="\n"))
    else:
        if title:
            typer.echo(title)
        typer.echo(df.to_string(index=False, na_rep=".", float_format=lambda v: f"{v:,.0f}"))
        if df.isna().to_numpy().any():
            typer.echo(NO_FIGURE_LEGEND)


@app.command()
def forecast(
    year: list[int] = typer.Option(..., "--year", help="Forecast year (repeat for several)."),
    wijk: Optional[list[str]] = typer.Option(None, "--wijk", help="Wijk or gemeente code (repeatable)."),
    gemeente: Optional[str] = typer.Option(None, "--gemeente", help="All wijken of this gemeente (GMxxxx)."),
    category: str = typer.Option("totaal", "--category", help="totaal, hbh, ondersteuning_thuis, hulpmiddelen (or verblijf), where the model has it."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model bundle directory (default: the national model)."),
    fmt: str = typer.Option("csv", "--format", help="csv or table."),
) -> None:
    """Forecast Wmo clients: CSV with wijk,year,category,clients,lower,upper."""
    from .forecast import forecast_table
    from .wijken import wijken_of

    codes: list[str] | None = list(wijk) if wijk is not None and len(wijk) else None
    if gemeente is not None:  # --gemeente "" is an empty code, not "every wijk"
        # its wijken, then the gemeente's own row: its total and 80% range close the list
        codes = (codes or []) + wijken_of(gemeente, category=category, model=model) + [gemeente]
    check_years_count(year, "--year")
    check_grid(len(codes) if codes is not None else 0, len(year))
    table = forecast_table(codes, year, category=category, model=model)
    title = None
    if gemeente is not None:
        title = (f"Wmo clients ({category}) per wijk of {gemeente}, its total in the last rows; lower/upper: "
                 f"80% interval; model: {_model_name(model)}")
    _emit(_with_names(table) if fmt == "table" else table, fmt, title=title)
    _explain_gaps(table, category, model)
    _note_old_codes(codes or [])
    _note_estimates(codes, category, model)
    _note_far_years(year, model, category)


def _note_estimates(codes: Optional[list[str]], category: str, model: Optional[Path]) -> None:
    """After the figures, on stderr: the label of figures estimated from demographics, once per gemeente."""
    from .demographic import ADVICE, LABEL
    from .forecast import estimate_note

    if codes is None:  # the whole table
        from .bundle import get_bundle
        from .data import category_of

        fc = get_bundle(model).model(category_of(category))
        gem = sorted({str(g) for g in fc.gemeente[fc.estimated]})
        if gem:
            typer.echo(f"{len(gem)} gemeenten ({', '.join(gem)}): {LABEL}; {ADVICE}", err=True)
        return
    seen: list[str] = []
    for code in codes:
        try:
            note = estimate_note(code, model, category)
        except WmoError:
            continue
        if note and note not in seen:
            seen.append(note)
            typer.echo(note, err=True)


def _note_far_years(years: list[int], model: Optional[Path], category: str = "totaal") -> None:
    """Once per command, on stderr: the years shown that lie more than 3 years beyond the data."""
    from .bundle import get_bundle
    from .horizon import extrapolation_warning

    note = extrapolation_warning(years, int(get_bundle(model).model(category).origin))
    if note:
        typer.echo(note, err=True)


def _with_names(table):  # type: ignore[no-untyped-def]
    """The table with today's gemeente name beside each gemeente code (``naam``; wijken: empty)."""
    from .gemeenten import gemeente_name

    out = table.copy()
    out.insert(1, "naam", [gemeente_name(c) or "" if str(c).startswith("GM") else "" for c in out["wijk"]])
    return out


def _note_old_codes(codes: list[str]) -> None:
    """After the figures, on stderr, once per gemeente: what became of an old code asked
    (``GM0457 Weesp is since 2022 part of GM0363 Amsterdam``), the note every surface shows."""
    from .codes import normalize_code
    from .gemeenten import notes_for

    for note in notes_for([normalize_code(c) for c in codes]):
        typer.echo(f"note: {note}", err=True)


def _explain_gaps(table, category: str, model: Optional[Path]) -> None:  # type: ignore[no-untyped-def]
    """On stderr, why a gemeente's past year is empty (an incomplete sum of its wijken)."""
    from .codes import is_gemeente
    from .errors import WmoError
    from .forecast import forecast as one

    for code, y in table.loc[table["clients"].isna(), ["wijk", "year"]].itertuples(index=False):
        if is_gemeente(code):
            try:
                one(code, int(y), category, model)
            except WmoError as exc:
                typer.echo(f"{code} {y}: {exc}", err=True)


@app.command()
def backtest(
    data: list[Path] = typer.Option(..., "--data", help="CSV in the CBS layout (repeatable; rows combined)."),
    origin: int = typer.Option(..., "--origin", help="Last year the model may see."),
    horizon: int = typer.Option(1, "--horizon", help="Years ahead to score."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write per-wijk predictions to this CSV."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file."),
) -> None:
    """Fit on years <= origin, score origin + horizon against two baselines."""
    from .backtest import run_backtest
    from .data import read_csvs
    from .safefiles import check_new_output, write_text_atomic

    if force and out is None:
        _fail("--force replaces the --out file: give --out FILE too, or leave --force out")
    if out is not None:
        check_new_output(out, force, data)  # before the work: never onto an input file
    df = read_csvs(data)
    if not (df["category"] == "totaal").any():
        raise WmoError(f"no Wmo totaal counts in --data (it holds {', '.join(sorted(set(df['category']))) or 'no rows'}): "
                       "backtest scores the totaal model; pass a file with wmoclienten in total")
    res = run_backtest(df[df["category"] == "totaal"], origin, horizon)
    typer.echo(f"backtest origin {origin} -> {origin + horizon}: {len(res.predictions)} wijken "
               f"({res.n_unforecastable} with new codes skipped)")
    typer.echo(res.metrics.to_string(na_rep=".", float_format=lambda v: f"{v:.4f}"))
    if res.metrics.isna().to_numpy().any():
        typer.echo(". = no figure: every actual count is 0, so a share of it is not defined")
    typer.echo(f"80% interval coverage: {res.coverage:.3f}")
    if out is not None:
        write_text_atomic(out, res.predictions.to_csv(index=False))
        typer.echo(f"predictions written to {out}")


@app.command()
def train(
    data: list[Path] = typer.Option([Path("../shared/data/cbs")], "--data", help="CBS data directory (repeatable; later ones win)."),
    out: Path = typer.Option(Path("models/national"), "--out", help="Bundle directory to write."),
) -> None:
    """Fit the national model on all data and write a bundle with manifest and model card."""
    from .safefiles import check_bundle_target
    from .train import train as run_train

    check_bundle_target(out)  # never onto the user's own folder, '.', or through a link
    path, manifest = run_train(data, out, progress=lambda m: typer.echo(f"... {m}", err=True))
    typer.echo(f"model written to {path}")
    for b in manifest["backtests"]:
        w = b["wape"]
        typer.echo(f"  backtest {b['origin']}->{b['origin'] + b['horizon']}: WAPE model {w['model']:.4f}, "
                   f"persistence {w['persistence']:.4f}, FORECAST.LINEAR {w['forecast_linear']:.4f}, coverage {b['coverage_80']:.3f}")


def _print_update(summary) -> None:  # type: ignore[no-untyped-def]
    """Tables, time and wijken with a count per year and category, after update-data."""
    typer.echo(f"{len(summary.tables)} CBS tables ({summary.fetched} fetched, {summary.cached} from the cache) "
               f"in {summary.seconds:.1f} s from {summary.url}")
    cats = summary.categories
    typer.echo("wijken with a count  " + "  ".join(f"{c:>19}" for c in cats))
    for y in summary.years:
        typer.echo(f"{y:>19}  " + "  ".join(f"{summary.wijken.get((y, c), 0):>19}" for c in cats))
    if summary.link is not None and not summary.link.empty:
        nat = summary.link[summary.link["gemeente"] == "NL"]
        typer.echo("method break linked through " + str(int(nat["jaar"].iloc[0])) + ": "
                   + ", ".join(f"{r.categorie} x{r.factor:.3f}" for r in nat.itertuples()))
    typer.echo(f"data written to {summary.out}")


_CBS_URL_HELP = "Base URL of CBS OData (a mirror, proxy or test server); default $WMO_XL_CBS_URL, else https://opendata.cbs.nl."


@app.command("update-data")
def update_data(
    years: Optional[list[int]] = typer.Option(None, "--year", help="Statistics year to fetch (repeatable; default: every year from 2019 CBS offers)."),
    cbs_url: Optional[str] = typer.Option(None, "--cbs-url", help=_CBS_URL_HELP),
    cache: Optional[Path] = typer.Option(None, "--cache", help="Cache directory (default ~/.cache/wmo_xl/cbs)."),
    out: Path = typer.Option(Path("data/cbs_online"), "--out", help="Folder to write ('wmo-xl train --data' reads it)."),
) -> None:
    """Fetch Wmo clients per wijk and type, KWB features and wijk names from CBS open data."""
    from .cbs.update import update_data as run_update
    from .safefiles import refuse_link

    for folder, option in ((out, "--out"), (cache, "--cache")):  # before the download, not after
        if folder is not None:
            refuse_link(folder, option)
            if folder.exists() and not folder.is_dir():
                raise WmoError(f"{option} {str(folder)!r} is a file: give a folder")
    summary = run_update(out, years, url=cbs_url, cache_dir=cache, progress=lambda m: typer.echo(f"... {m}", err=True))
    _print_update(summary)
    typer.echo(f"train with: wmo-xl train --data ../shared/data/cbs --data {out} --out MODEL")


@app.command()
def refresh(
    years: Optional[list[int]] = typer.Option(None, "--year", help="Statistics year to fetch (repeatable; default: all from 2019)."),
    cbs_url: Optional[str] = typer.Option(None, "--cbs-url", help=_CBS_URL_HELP),
    cache: Optional[Path] = typer.Option(None, "--cache", help="Cache directory (default ~/.cache/wmo_xl/cbs)."),
    data_out: Path = typer.Option(Path("data/cbs_online"), "--data-out", help="Folder for the fetched data."),
    base: Optional[list[Path]] = typer.Option(None, "--data", help="Older data folders to train on as well (default ../shared/data/cbs if present)."),
    with_base: bool = typer.Option(True, "--with-older/--only-fetched", help="Train on the older folders too, or on the fetched data only."),
    out: Path = typer.Option(Path("models/cbs_refresh"), "--out", help="Bundle directory to write."),
) -> None:
    """update-data + train: a current model in one command, with a summary of what it learned from."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .cbs.update import update_data as run_update
    from .train import train as run_train

    if base and not with_base:
        _fail("--data folders are trained on only with --with-older: drop --only-fetched, or drop --data")
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("wmo_xl refresh: CBS catalogue", total=None)

        def say(msg: str) -> None:
            bar.update(task, description=f"wmo_xl refresh: {msg[:100]}")
            bar.console.print(f"... {msg}", highlight=False, soft_wrap=True)

        summary = run_update(data_out, years, url=cbs_url, cache_dir=cache, progress=say)
        dirs = list(base) if base else [p for p in [Path("../shared/data/cbs")] if p.is_dir()]
        dirs = [d for d in dirs if with_base and d.resolve() != data_out.resolve()]
        path, manifest = run_train([*dirs, data_out], out, progress=say)
    _print_update(summary)
    typer.echo(f"model written to {path}")
    for cat, yrs in manifest["training_years"].items():
        typer.echo(f"  {cat}: years {yrs[0]}-{yrs[-1]} ({len(yrs)}), {manifest['n_wijken'][cat]} wijken")
    for cat, why in (manifest.get("categories_skipped") or {}).items():
        typer.echo(f"  {cat}: not modelled ({why})")
    typer.echo(f"use it: wmo-xl forecast --model {path} ...; for Excel set the environment variable WMO_XL_MODEL={path} "
               f"and start Excel again (the workbook's functions then use it); "
               f"'wmo-xl build-workbook --model {path}' also fills a new template's cached values from it")


def _years(spec: str) -> list[int]:
    """'2024-2028' or '2024,2026' -> list of years (at most 60, each 1900-2200)."""
    return parse_years_spec(spec, "--years")


@app.command()
def budget(
    gemeente: str = typer.Option(..., "--gemeente", help="Gemeente (GMxxxx) or wijk code."),
    years: Optional[str] = typer.Option(None, "--years", help="Years, e.g. 2027-2030 (default: the budget years, next year and the three after it)."),
    menu: Optional[Path] = typer.Option(None, "--menu", help="Menukaart .csv or .xlsx (default: the shipped one)."),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="Scenario JSON (fields of wmo_xl.costs.Scenario)."),
    shares: Optional[Path] = typer.Option(None, "--shares", help="CSV categorie,aandeel_van_totaal (default: national)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model bundle directory."),
    fmt: str = typer.Option("table", "--format", help="table or csv."),
    detail: bool = typer.Option(False, "--detail", help="One row per service and year instead of the summary."),
    per_wijk: bool = typer.Option(False, "--per-wijk", help="Base euros per wijk and year (wijk,naam,jaar,clienten,euro); they add up to the total."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Scenario preset instead of --scenario: ivb-laag, ivb-centraal "
                                         "or ivb-hoog (income-dependent eigen bijdrage from 2027; docs/costs.md)."),
    indexatie: Optional[Path] = typer.Option(None, "--indexatie", help="CSV jaar,ova,pcc,gewogen,status,bron for the menukaart's "
                                             "'vng' rows (default: the shipped VNG series)."),
) -> None:
    """Euros per service and year from the forecast and a menukaart, with subtotals and total."""
    from .costs import budget as run_budget
    from .costs import load_scenario, shares_for
    from .eigen_bijdrage import ivb_preset
    from .horizon import budget_years
    from .indexatie import load_series
    from .menukaart import load_category_shares, load_menu

    if preset and scenario:
        _fail("give --scenario or --preset, not both (a preset is a whole scenario)")
    sc = load_scenario(scenario) if scenario else ivb_preset(preset) if preset else None
    year_list = _years(years) if years is not None else budget_years()
    own = load_category_shares(shares) if shares else None
    share_map = shares_for(gemeente, own, model, f"shares file {shares.name}") if shares else None
    series = load_series(indexatie)
    card = load_menu(menu)
    if per_wijk:
        _budget_per_wijk(gemeente, year_list, card, sc, share_map, model, fmt, detail, series)
        return
    df = run_budget(gemeente, year_list, card, sc, share_map, model, index=series)
    from .budget_summary import budget_summary, for_people
    from .gemeenten import labelled

    if detail:
        _emit(for_people(df) if fmt == "table" else df, fmt)
    else:
        out = budget_summary(df, gemeente, year_list, ["basis"] if sc is None else ["basis", "scenario", "verschil"], model)
        title = (f"Wmo budget of {labelled(gemeente.strip().upper())} in EUR per year (rows 'clients': Wmo clients); "
                 f"model: {_model_name(model)}" + (f"; scenario: {sc.naam}" if sc is not None else ""))
        _emit(for_people(out) if fmt == "table" else out, fmt, title=title)
    _note_sources(gemeente, share_map, model, own)
    _note_prices(card, series, sc, year_list)
    _note_old_codes([gemeente])
    _note_estimates([gemeente], "totaal", model)
    _note_far_years(year_list, model)


def _note_prices(card, series, sc, years: list[int]) -> None:  # type: ignore[no-untyped-def]
    """On stderr: the VNG figures the 'vng' rows used, and the eigen-bijdrage effect of the scenario."""
    from .indexatie import describe_years

    vng = [r for r in card.rows if r.indexatie == "vng"]
    if vng:
        since = min(r.prijsjaar for r in vng)
        levels = ", ".join(f"x {series.level(p, max(years)):.4f} from prijsjaar {p}" for p in sorted({r.prijsjaar for r in vng})
                           if series.base_year <= p <= series.last and max(years) <= series.last)
        typer.echo(f"indexatie vng ({len(vng)} of {len(card.rows)} services; {series.source}): "
                   + (describe_years(series, range(since + 1, max(years) + 1)) or "no year after the price year")
                   + (f"; price level {max(years)}: {levels}" if levels else ""), err=True)
    if sc is not None and sc.eigen_bijdrage == "ivb":
        on = [y for y in years if sc.ivb_applies(y)]
        typer.echo(f"scenario: eigen bijdrage ivb from {sc.eigen_bijdrage_vanaf}, HbH clients {sc.hbh_effect_ivb:+.1%} in "
                   + (", ".join(map(str, on)) or "none of the budget years"), err=True)


def _budget_per_wijk(gemeente: str, years: list[int], card, sc, shares, model: Optional[Path],  # type: ignore[no-untyped-def]
                     fmt: str, detail: bool, series) -> None:
    """``budget --per-wijk``: the base budget spread over the wijken (wmo_xl.wijkbudget)."""
    from .wijkbudget import COLUMNS, per_wijk

    if sc is not None or detail:
        _fail("--per-wijk shows the base budget per wijk: leave out " + ("--scenario/--preset" if sc is not None else "--detail"))
    table = per_wijk(gemeente, years, card, shares, model, index=series)
    out = table.assign(euro=table["euro_afgerond"])[COLUMNS]
    _emit(out, fmt)
    typer.echo("euro: whole euros; the wijken of a year add up exactly to the gemeente's base total (docs/costs.md)", err=True)
    _note_old_codes([gemeente])
    _note_estimates([gemeente], "totaal", model)
    _note_far_years(years, model)


@app.command()
def realisatie(
    gemeente: str = typer.Option(..., "--gemeente", help="Gemeente code (GMxxxx)."),
    jaar: int = typer.Option(..., "--jaar", help="Year of the realisation and the budget, e.g. 2026."),
    real_file: Path = typer.Option(..., "--realisatie", help="CSV or .xlsx with columns dienst,periode,bedrag (months 1-12)."),
    menu: Optional[Path] = typer.Option(None, "--menu", help="Menukaart .csv or .xlsx (default: the shipped one)."),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="Scenario file: the budget is then the scenario's figures."),
    profiel: Optional[Path] = typer.Option(None, "--profiel", help="Previous year's realisation (dienst,periode,bedrag, 12 months): projection by its monthly profile."),
    drempel_euro: Optional[float] = typer.Option(None, "--drempel-euro", help="Deviation in euros for oranje (default 25000; rood = twice)."),
    drempel_pct: Optional[float] = typer.Option(None, "--drempel-pct", help="Deviation in percent for oranje (default 5; rood = twice)."),
    shares: Optional[Path] = typer.Option(None, "--shares", help="CSV categorie,aandeel_van_totaal (default: national)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model bundle directory."),
    fmt: str = typer.Option("table", "--format", help="table or csv."),
    indexatie: Optional[Path] = typer.Option(None, "--indexatie", help="CSV jaar,ova,pcc,gewogen,status,bron for the menukaart's "
                                             "'vng' rows (default: the shipped VNG series), as for budget."),
) -> None:
    """Realisation to date against the budget, the year-end projection and a signal per dienst."""
    from .costs import load_scenario, shares_for
    from .inputs import parse_cost_year
    from .menukaart import load_category_shares, load_menu
    from .indexatie import load_series
    from .realisatie import drempels, load_realisatie, realisatie as run, to_frame

    if fmt not in ("csv", "table"):
        _fail(f"unknown format {fmt!r}: accepted are csv, table")
    year = parse_cost_year(jaar, "--jaar")
    real = load_realisatie(real_file, year)
    prof = load_realisatie(profiel, None, "profiel") if profiel else None
    own = load_category_shares(shares) if shares else None  # read as budget reads it (costs.shares_for)
    share_map = shares_for(gemeente, own, model, f"shares file {shares.name}") if shares else None
    rows = run(gemeente, year, real, menu=load_menu(menu), scenario=load_scenario(scenario) if scenario else None,
               profiel=prof, drempel=drempels(drempel_euro, drempel_pct),
               shares=share_map, model=model, index=load_series(indexatie))
    df = to_frame(rows)
    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False, float_format="%.2f", lineterminator="\n"))
    else:
        shown = df.astype(object)
        for c in ("begroot", "gerealiseerd", "prognose", "verschil"):
            shown[c] = [f"{v:,.0f}" for v in df[c]]
        shown["verschil_pct"] = ["" if v != v else f"{v:.1f}" for v in df["verschil_pct"]]
        typer.echo(shown.to_string(index=False))
    for r in rows:
        if r.toelichting:
            typer.echo(f"{r.dienst}: {r.toelichting}", err=True)


def _model_name(model: Optional[Path]) -> str:
    """The model a command answered from, for a table's title line (WMO_XL_MODEL named when it chose)."""
    from .bundle import active_model_path, national_bundle_path

    if model is not None:
        return str(model)
    path = active_model_path()
    if path.resolve() == national_bundle_path().resolve():
        return "national"
    return f"{path} (from WMO_XL_MODEL)" if os.environ.get("WMO_XL_MODEL") else str(path)


def _note_sources(gemeente: str, shares: Optional[dict[str, float]], model: Optional[Path],
                  own: Optional[dict[str, float]] = None) -> None:
    """After the figures, on stderr: which categories' clients are a model forecast and which a
    share of the total; with --shares, which shares came from the file and which kept the default."""
    from .costs import category_sources

    sources = category_sources(gemeente, shares, model)
    modelled = [f"{c} ({t})" for c, t in sources.items() if t]
    shared = [c for c, t in sources.items() if not t]
    typer.echo("clients from the model's forecast: " + (", ".join(modelled) or "none")
               + "; share of the total: " + (", ".join(shared) or "none") + " (docs/costs.md)", err=True)
    if own is not None:
        kept = [c for c in sources if c not in own]
        typer.echo("shares from the file: " + ", ".join(own) + "; national default share: " + (", ".join(kept) or "none"), err=True)


@app.command("build-workbook")
def build_workbook_cmd(
    out: Path = typer.Option(Path("workbook/wmo_xl.xlsm"), "--out", help="Where to write the .xlsm."),
    model: Optional[Path] = typer.Option(None, "--model", help="Bundle for the cached values (default: national)."),
    gemeente: str = typer.Option("GM0200", "--gemeente", help="Gemeente shown when the template opens."),
    force: bool = typer.Option(False, "--force", help="Replace an existing workbook (a numbered backup is kept)."),
) -> None:
    """Build the Excel template with UDF formulas, cached values, VBA and buttons."""
    from .excel.template import build_workbook
    from .safefiles import check_new_workbook
    from .wijken import wijken_of

    from .bundle import set_active_model

    wijken_of(gemeente, model=model)  # an unknown or non-gemeente code stops here, before any file is touched
    backup = check_new_workbook(out, force)
    if backup is not None:
        typer.echo(f"existing workbook kept as {backup}")
    # the cached values come from the UDFs, which use the active model: switch for this build only
    previous = set_active_model(model) if model is not None else None
    try:
        typer.echo(f"workbook written to {build_workbook(out, model, gemeente)}")
    finally:
        if model is not None:
            set_active_model(previous)


@app.command("export-workbook")
def export_workbook_cmd(
    out: Path = typer.Option(..., "--out", help="The .xlsx to write (refused if it exists, unless --force)."),
    gemeente: Optional[list[str]] = typer.Option(None, "--gemeente", help="Gemeente code GMxxxx (repeatable)."),
    all_gemeenten: bool = typer.Option(False, "--all", help="Every gemeente the model knows."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model bundle directory (default: national; a retrained one works too)."),
    years: Optional[str] = typer.Option(None, "--years", help="Years, e.g. 2018-2030 (default: the last CBS year, this year and the budget years: next year and the three after it)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file (a backup copy is kept beside it)."),
) -> None:
    """Write a macro-free .xlsx whose functions are Excel LAMBDA names (no Python needed to open it)."""
    import time

    from .excel.export import export_workbook
    from .wijken import gemeenten, refused_gemeenten

    if all_gemeenten and gemeente:
        _fail("pass --gemeente or --all, not both")
    codes = list(gemeenten(model)) if all_gemeenten else list(gemeente or [])
    if all_gemeenten:
        refused = refused_gemeenten(model)
        if refused:
            typer.echo(f"note: {len(refused)} gemeenten of CBS 2024 left out, the model has no figures for them "
                       f"(e.g. {next(iter(refused.values()))})", err=True)
    start = time.perf_counter()
    from .excel.export_data import default_years

    year_list = _years(years) if years else default_years(model)
    path = export_workbook(codes, out, model=model, years=year_list, force=force)
    _note_old_codes(codes)
    typer.echo(f"workbook written to {path} ({path.stat().st_size / 1e6:.2f} MB, {len(codes)} gemeente(n), "
               f"{time.perf_counter() - start:.1f} s); its LAMBDA functions need Microsoft 365 or Excel 2024, "
               "its sheets open in any Excel 2016+ or LibreOffice")
    _note_far_years(year_list, model)


@app.command("setup-excel")
def setup_excel_cmd(
    workbook: Path = typer.Argument(..., help="The .xlsm to point at this Python (closed)."),
    interpreter: Optional[Path] = typer.Option(None, "--interpreter", help="pythonw.exe to use (default: this Python's)."),
) -> None:
    """Write this Python's pythonw.exe into the workbook's xlwings.conf sheet (Interpreter_Win)."""
    from .excel.setup import setup_excel

    exe = setup_excel(workbook, interpreter)
    typer.echo(f"{workbook.name}: Interpreter_Win = {exe}")


@app.command()
def retrain(
    workbook: Path = typer.Argument(..., help="The .xlsm with a Data sheet (closed; it is edited with openpyxl)."),
    model: Optional[Path] = typer.Option(None, "--model", help="National bundle to start from (default: bundled)."),
) -> None:
    """Retrain on the workbook's Data sheet: Controle sheet + a local bundle beside the file."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from .retrain import retrain as run_retrain
    from .excel.sheets import OpenpyxlBook
    from .safefiles import check_workbook_writable

    check_workbook_writable(workbook)  # the one guard of every command that writes a workbook

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True, disable=not sys.stdout.isatty()) as bar:
        task = bar.add_task("wmo_xl: openen", total=None)
        book = OpenpyxlBook(workbook, progress=lambda m: bar.update(task, description=m))  # m carries its 'wmo_xl: '
        result = run_retrain(book, model)
    errors = sum(p.severity == "fout" for p in result.problems)
    typer.echo(f"retrained on {result.rows_used} rows of {', '.join(result.gemeenten)} ({result.years[0]}-{result.years[-1]}); "
               f"{errors} rows rejected, see sheet Controle")
    bt = result.local_backtest
    if bt.get("wape_local") is not None:
        national = f"national {bt['wape_national']:.4f}" if bt.get("wape_national") is not None else bt.get("note", "no national figure")
        typer.echo(f"local backtest {bt['year']}: WAPE own model {bt['wape_local']:.4f}; {national}")
    typer.echo(f"model written to {result.bundle_path}")


@app.command("reset-model")
def reset_model(workbook: Path = typer.Argument(..., help="The workbook whose own model to set aside.")) -> None:
    """Back to the national model for this workbook (the local bundle is kept as .inactive)."""
    from .bundle import deactivate_local_bundle
    from .safefiles import check_workbook_writable

    check_workbook_writable(workbook)  # the same guard as retrain: the buttons restamp the workbook after a reset
    kept = deactivate_local_bundle(workbook)
    if kept is None:
        typer.echo(f"{workbook.name} already uses the national model")
        return
    typer.echo(f"national model active for {workbook.name}; own model kept in {kept.name}")


@app.command("trust-model")
def trust_model(folder: Path = typer.Argument(..., help="A workbook's own model folder (<werkmap>_wmo_model) you vouch for.")) -> None:
    """Accept a workbook's own model made by someone else: check it, then sign it with your key."""
    from .bundle import trust_bundle

    try:
        path = trust_bundle(folder)
    except WmoError as exc:
        _fail(str(exc))
    typer.echo(f"trusted: {path} (signed with your key; workbooks beside it now use it)")


def _is_click_error(exc: BaseException, name: str) -> bool:
    """Click's exception classes (typer ships its own copy of click, so match by class name)."""
    return any(c.__name__ == name and "click" in c.__module__ for c in type(exc).__mro__)


def main() -> None:
    """Entry point: run the app; a user error is one line ``error: ...`` and exit code 2.

    Option errors from Click (an unknown option, ``--origin abc``) get the same one line. A
    bug still never shows a traceback to the user: one line and exit code 1 (set
    WMO_XL_DEBUG=1 to see the traceback).
    """
    try:
        code = app(standalone_mode=False)
    except WmoError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # a path that is missing, a folder, read-only, full disk, ...
        typer.echo(f"error: {exc.strerror or exc}: {exc.filename!s}" if exc.filename else f"error: {exc}", err=True)
        sys.exit(2)
    except MemoryError:
        typer.echo("error: out of memory: ask for fewer years or codes", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug: still one line for the user
        if _is_click_error(exc, "NoArgsIsHelpError"):
            exc.ctx and typer.echo(exc.ctx.get_help())  # type: ignore[attr-defined]
            sys.exit(2)
        if _is_click_error(exc, "ClickException"):
            typer.echo(f"error: {exc.format_message()}", err=True)  # type: ignore[attr-defined]
            sys.exit(2)
        if _is_click_error(exc, "Abort"):
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        if os.environ.get("WMO_XL_DEBUG"):
            raise
        typer.echo(f"error: internal error ({type(exc).__name__}: {exc}); please report it (WMO_XL_DEBUG=1 shows details)", err=True)
        sys.exit(1)
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
