"""The command line: parse arguments, call the library, print or write the result."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from .errors import EipgisError, InputError
from .io import refuse_output, refuse_outputs

_FORMATS = ("table", "json", "markdown")
_SUFFIX = {"table": ".txt", "json": ".json", "markdown": ".md"}

#: ``(role, path)`` pairs naming every input of a command, for :func:`eipgis.io.refuse_output`.
Inputs = list[tuple[str, Any]]


def _park_inputs(park: str | Path | None, role: str = "the park") -> Inputs:
    """The park GeoPackage or folder and every layer file in it."""
    from .io import park_files

    return [(role, f) for f in park_files(park)] if park else []


def _criteria_inputs(criteria: str | Path | None) -> Inputs:
    from .criteria import builtin_sets

    if criteria is None or str(criteria) in builtin_sets():
        return []
    return [("the criteria file", criteria)]


def _scenario_inputs(scenarios: Iterable[Any], files: Iterable[str]) -> Inputs:
    """Scenario files and the park and criteria files each names."""
    out: Inputs = []
    for sc, file in zip(scenarios, files, strict=True):
        out.append(("the scenario file", file))
        out += _park_inputs(sc.park_path, f"the park {file} names")
        if sc.criteria is not None and sc._base is not None:
            path = Path(sc.criteria)
            out += _criteria_inputs(sc.criteria if path.is_absolute() else sc._base / path)
    return out


def _checked(*files: tuple[str, str | None]) -> Inputs:
    """Refuse inputs that are folders, FIFOs or devices before anything opens them."""
    from .io import check_input

    for what, path in files:
        if path:
            check_input(path, what=what, missing_ok=True)  # the reader names a missing file
    return [(f"the {what}", path) for what, path in files if path]


def _render(report: Any, fmt: str, lang: str) -> str:
    if fmt == "json":
        return report.to_json()
    if fmt == "markdown":
        return report.to_markdown(lang=lang)
    return report.to_table(lang=lang)


def _format_for(output: str | None) -> str:
    suffix = Path(output).suffix.lower() if output else ""
    return {".json": "json", ".md": "markdown", ".markdown": "markdown"}.get(suffix, "table")


def _park_options(func: Any) -> Any:
    func = click.option("--crs", default=None, metavar="CRS",
                        help="Metric CRS to measure in (EPSG:9208, a province name…).")(func)
    func = click.option("--repair", is_flag=True,
                        help="Repair invalid geometries and list them instead of failing.")(func)
    func = click.option("--landuse-mapping", type=click.Path(dir_okay=False), default=None,
                        help="The park's own land-use codes (CSV value,class or YAML).")(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eipgis")
@click.option("-v", "--verbose", count=True, help="More log output.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def cli(verbose: int, quiet: bool) -> None:
    """Eco-industrial park land-use checks for planners (eipgis)."""
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else
                                         logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("park", type=click.Path())
@click.option("--criteria", "criteria", default="vn-qcvn-01-2021", show_default=True,
              help="A built-in criteria set or the path of a YAML file.")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Report format [default: from the -o suffix (.json, .md), else table].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file (atomically) instead of the terminal.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--strict", is_flag=True, help="Exit with 1 when a criterion fails.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
@click.option("--landcover", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Land-cover or NDVI raster (GeoTIFF): adds OBS-GREEN, the green seen on the ground.")
@click.option("--green-classes", default=None, metavar="CODES",
              help="Land-cover codes that are green [default: 10,20,30, ESA WorldCover].")
@click.option("--ndvi-min", type=float, default=None, metavar="NDVI",
              help="Read --landcover as NDVI; a pixel is green at NDVI >= this (e.g. 0.4).")
@click.option("--flows", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Flow inventory (CSV or YAML): the table 'flows' of data criteria.")
@click.option("--register", "register_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="Opportunity register (CSV): the table 'register' (current state).")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Apply the criteria in force on DATE (YYYY-MM-DD, not in the future) [default: today].")
@_park_options
def check(park: str, criteria: str, fmt: str | None, output: str | None, overwrite: bool, strict: bool,
          lang: str, crs: str | None, repair: bool, landuse_mapping: str | None,
          landcover: str | None = None, green_classes: str | None = None,
          ndvi_min: float | None = None, flows: str | None = None,
          register_file: str | None = None, as_of: str | None = None) -> None:
    """Check PARK (a GeoPackage or folder of layers) against a criteria set."""
    from . import io
    from .criteria import check as run_check
    from .criteria import load_criteria
    from .park import load_park

    on = _as_of(as_of)
    inputs = _checked(("land-use mapping file", landuse_mapping), ("land-cover raster", landcover),
                      ("flow inventory", flows), ("opportunity register", register_file))
    refuse_output(output, overwrite=overwrite,
                  inputs=_park_inputs(park) + _criteria_inputs(criteria) + inputs)
    cset = load_criteria(criteria)  # a bad criteria file fails before any geometry work
    if landcover or green_classes or ndvi_min is not None:
        from . import raster

        if not landcover:
            raise InputError("--green-classes/--ndvi-min need --landcover FILE (the raster).")
        raster.check_raster(landcover)
        cset = raster.with_observed_green(cset, landcover, green_classes=green_classes,
                                          ndvi_min=ndvi_min)
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    report = run_check(loaded, cset, tables=_data_tables(loaded, flows, register_file, on),
                       as_of=on)
    text = _render(report, fmt or _format_for(output), lang)
    if output:
        io.write_text(output, text, overwrite=overwrite)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    if strict and not report.passed:
        sys.exit(1)


def _as_of(text: str | None) -> Any:
    """``--as-of``: an ISO date, today or earlier (rules are judged on what has happened)."""
    if text is None:
        return None
    from .monitor import parse_date

    return parse_date(text, what="--as-of")


def _data_tables(park: Any, flows: str | None, register_file: str | None,
                 as_of: Any = None) -> dict[str, Any]:
    """The tables ``flows`` and ``register`` (its state on ``as_of``) for the data criteria."""
    from .symbiosis import criteria_tables

    return criteria_tables(park, flows=flows, register=register_file, as_of=as_of)


@cli.command()
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False),
              default="eipgis-output", show_default=True, help="Folder for the outputs.")
@click.option("--overwrite", is_flag=True, help="Replace earlier outputs in the folder.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
def assess(out_dir: str, overwrite: bool, lang: str) -> None:
    """The whole Tằng Loỏng gap assessment on the embedded sample."""
    from . import assess as run

    outputs = run.assess(out_dir, overwrite=overwrite, lang=lang)
    click.echo(outputs.table, nl=False)
    click.echo(f"\nwrote {len(outputs.files)} files to {out_dir}/", err=True)


@cli.command()
@click.argument("park", type=click.Path())
@click.option("--flows", "flows", required=True, type=click.Path(dir_okay=False),
              help="Flow inventory (CSV or YAML): node, direction, material, quantity, unit.")
@click.option("--network", type=click.Path(dir_okay=False), default=None, metavar="FILE.osm",
              help="Local OSM XML road file to route on [default: straight lines, network false].")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for symbiosis.gpkg (layer links), links.csv, totals.csv, symbiosis.json.")
@click.option("--overwrite", is_flag=True, help="Replace earlier outputs in the folder.")
@click.option("--no-estimate", is_flag=True,
              help="Do not estimate neighbourhood flows from population.")
def symbiosis(park: str, flows: str, network: str | None, out_dir: str, overwrite: bool,
              no_estimate: bool) -> None:
    """Match supplies and demands of PARK's firms and neighbourhoods on the road network."""
    from .symbiosis import run_symbiosis
    from .symbiosis.matching import OUTPUT_FILES

    inputs = _park_inputs(park) + _checked(("flow inventory", flows), ("road network file", network))
    refuse_outputs([Path(out_dir) / name for name in OUTPUT_FILES], overwrite=overwrite, inputs=inputs)
    result = run_symbiosis(park, flows, network=network, out_dir=out_dir, overwrite=overwrite,
                           estimate=not no_estimate)
    s = result.summary
    click.echo(f"{s['links']} links ({s['links_on_network']} on the road network, "
               f"{s['links_off_network']} straight-line) from {s['candidates']} candidates; "
               f"avoided {s['avoided_co2_t']:,.0f} t CO2/yr, transport {s['transport_co2_t']:,.1f} t CO2/yr")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote symbiosis.gpkg, links.csv, totals.csv, symbiosis.json to {out_dir}/", err=True)


@cli.group()
def register() -> None:
    """The symbiosis opportunity register: show it, record a change, report a re-evaluation."""


@register.command("show")
@click.argument("file", type=click.Path())
@click.option("--since", default=None, metavar="DATE", help="Also list the changes since DATE (YYYY-MM-DD).")
def register_show(file: str, since: str | None) -> None:
    """Print every opportunity's current status, and the changes since a date."""
    from .symbiosis.register import format_register, read_register

    click.echo(format_register(read_register(file), since=since), nl=False)


@register.command("update")
@click.argument("file", type=click.Path())
@click.option("--id", "opportunity", required=True, help="Opportunity id, e.g. IS-03.")
@click.option("--status", required=True,
              help="identified, feasibility, investment, implemented, on_hold, abandoned.")
@click.option("--note", default="", help="What happened (required for a move back or to on_hold: why).")
@click.option("--date", "date", required=True, metavar="DATE", help="Date of the change (YYYY-MM-DD).")
@click.option("--barriers", default=None, help="Barriers now (replaces the shown barriers).")
@click.option("--barrier-categories", default=None, metavar="LIST",
              help="Barrier categories now, ';'-separated: technical; economic; regulatory; market; "
                   "organisational; information; distance.")
@click.option("--next-step", default=None, help="Next step now.")
@click.option("--source", default="", help="Where the news comes from.")
def register_update(file: str, opportunity: str, status: str, note: str, date: str,
                    barriers: str | None, barrier_categories: str | None, next_step: str | None,
                    source: str) -> None:
    """Record a change of one opportunity; earlier history is kept, the file locked and replaced atomically."""
    from .symbiosis.register import update

    update(file, id=opportunity, status=status, note=note, date=date, barriers=barriers,
           barrier_categories=barrier_categories, next_step=next_step, source=source)
    click.echo(f"{opportunity}: {status} on {date} recorded in {file}", err=True)


@register.command("add-links")
@click.argument("file", type=click.Path())
@click.option("--links", "links", required=True, type=click.Path(),
              help="links.csv written by eipgis symbiosis.")
@click.option("--date", "date", required=True, metavar="DATE", help="Date to record (YYYY-MM-DD).")
@click.option("--park", default=None, help="Park of the new opportunities [default: the register's one park].")
def register_add_links(file: str, links: str, date: str, park: str | None) -> None:
    """Add links found by eipgis symbiosis as new identified opportunities."""
    from .symbiosis.register import add_links

    refuse_output(file, overwrite=True, inputs=[("the links file", links)])
    added = add_links(file, links, date=date, park=park).attrs.get("added", [])
    click.echo(f"added {len(added)} opportunities to {file}" + (f": {', '.join(added)}" if added else ""),
               err=True)


@register.command("report")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The report file: .html, or .md for Markdown.")
@click.option("--park", "parks", multiple=True, help="Report this park only (repeatable).")
@click.option("--since", default=None, metavar="DATE", help="List the status changes since DATE (YYYY-MM-DD).")
@click.option("--links", type=click.Path(dir_okay=False), default=None,
              help="links.csv of eipgis symbiosis: net CO2 of the linked flows as the benefit.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
def register_report(files: tuple[str, ...], output: str, parks: tuple[str, ...], since: str | None,
                    links: str | None, lang: str, overwrite: bool) -> None:
    """Re-evaluation of one or more registers: changes, barriers by category and park, status by year, ranking."""
    from .present.register_report import write_register_report

    refuse_output(output, overwrite=overwrite,
                  inputs=_checked(*(("register", f) for f in files), ("links file", links)))
    write_register_report(output, files, parks=list(parks) or None, since=since, links=links, lang=lang,
                          overwrite=overwrite)
    click.echo(f"wrote {output}", err=True)


# --- monitoring (issue 11) ---------------------------------------------------------------------


@cli.group()
def monitor() -> None:
    """The same park judged year after year: record snapshots in a store, show the series."""


@monitor.command("record")
@click.argument("park", type=click.Path())
@click.option("--date", "date", required=True, metavar="YYYY-MM-DD",
              help="The date the snapshot stands for (today or earlier).")
@click.option("--store", required=True, metavar="STORE",
              help="A GeoPackage path (created when missing) or postgresql://user@/db?host=…&schema=…")
@click.option("--criteria", "criteria", default="vn-qcvn-01-2021", show_default=True,
              help="A built-in criteria set or the path of a YAML file.")
@click.option("--flows", type=click.Path(dir_okay=False), default=None,
              help="Flow inventory (CSV or YAML), kept with the snapshot as table 'flows'.")
@click.option("--register", "register_file", type=click.Path(dir_okay=False), default=None,
              help="Opportunity register (CSV), its current state kept as table 'register'.")
@click.option("--name", default=None, help="The park's name in the store [default: the park's own].")
@click.option("--overwrite", is_flag=True, help="Replace a snapshot of the same park and date.")
@_park_options
def monitor_record(park: str, date: str, store: str, criteria: str, flows: str | None,
                   register_file: str | None, name: str | None, overwrite: bool, crs: str | None,
                   repair: bool, landuse_mapping: str | None) -> None:
    """Check PARK and keep its layers, tables and every indicator value of DATE in STORE."""
    from .monitor._cli import record_command

    inputs = (_park_inputs(park) + _criteria_inputs(criteria)
              + _checked(("flow inventory", flows), ("opportunity register", register_file),
                         ("land-use mapping file", landuse_mapping)))
    click.echo(record_command(park, date=date, store=store, criteria=criteria, flows=flows,
                              register=register_file, name=name, overwrite=overwrite, inputs=inputs,
                              crs=crs, repair=repair, landuse_mapping=landuse_mapping), err=True)


def _monitor_view_commands() -> None:
    """``monitor show`` and ``monitor report`` (their bodies live in eipgis._monitor_view_cli)."""
    from ._monitor_view_cli import report, show

    monitor.add_command(show)
    monitor.add_command(report)


_monitor_view_commands()


# --- scenarios and the optimizer (issue 3) ----------------------------------------------------


@cli.group()
def scenario() -> None:
    """Land-use restructurings as YAML files: run one, compare several."""


@scenario.command("run")
@click.argument("scenario_file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the outputs [default: eipgis-output/<scenario name>].")
@click.option("--park", "park_path", type=click.Path(), default=None,
              help="Apply to this park instead of the one the file names.")
@click.option("--criteria", default=None, help="A criteria set or YAML file [default: the file's].")
@click.option("--overwrite", is_flag=True, help="Replace earlier outputs.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
def scenario_run(scenario_file: str, out_dir: str | None, park_path: str | None, criteria: str | None,
                 overwrite: bool, lang: str) -> None:
    """Apply SCENARIO_FILE; write the new park (GeoPackage), its report and the change log."""
    from .park import load_park
    from .plans.scenario import Scenario, run_outputs, write_outputs

    sc = Scenario.from_yaml(scenario_file)  # a bad file fails before any geometry work
    stem = Path(scenario_file).stem
    folder = Path(out_dir) if out_dir else Path("eipgis-output") / stem
    inputs = (_scenario_inputs([sc], [scenario_file]) + _park_inputs(park_path)
              + _criteria_inputs(criteria))
    refuse_outputs([folder / f"{stem}{suffix}" for suffix in (".gpkg", "_report.json", "_report.md",
                                                               "_changes.csv", "_changes.md")],
                   overwrite=overwrite, inputs=inputs)
    run = sc.run(load_park(park_path) if park_path else None, criteria=criteria)
    files = write_outputs(run_outputs(run, folder, stem=stem, lang=lang), overwrite=overwrite)
    click.echo(run.report.to_table(lang=lang), nl=False)
    click.echo(f"\n{len(run.changes)} changes; wrote {len(files)} files to {folder}/", err=True)


@scenario.command("compare")
@click.argument("scenario_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--park", "park_path", type=click.Path(), default=None,
              help="Compare on this park instead of the one the files name.")
@click.option("--criteria", default=None, help="A criteria set or YAML file [default: the files'].")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Output format [default: from the -o suffix (.json, .md), else table].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the comparison to this file instead of the terminal.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
def scenario_compare(scenario_files: tuple[str, ...], park_path: str | None, criteria: str | None,
                     fmt: str | None, output: str | None, overwrite: bool, lang: str) -> None:
    """Compare scenario files side by side (the baseline first)."""
    from . import io
    from .plans.scenario import (
        Scenario,
        compare,
        comparison_to_json,
        comparison_to_markdown,
        comparison_to_table,
    )

    inputs = [("a scenario file", f) for f in scenario_files] + _park_inputs(park_path) \
        + _criteria_inputs(criteria)
    refuse_output(output, overwrite=overwrite, inputs=inputs)
    scenarios = [Scenario.from_yaml(f) for f in scenario_files]  # every file checked first
    refuse_output(output, overwrite=overwrite, inputs=_scenario_inputs(scenarios, scenario_files))
    frame = compare(scenarios, park_path, criteria=criteria)
    fmt = fmt or _format_for(output)
    render = {"json": lambda f: comparison_to_json(f) + "\n",
              "markdown": lambda f: comparison_to_markdown(f, lang=lang),
              "table": lambda f: comparison_to_table(f, lang=lang)}[fmt]
    text = render(frame)
    if output:
        io.write_text(output, text, overwrite=overwrite)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("park", type=click.Path())
@click.option("--criteria", default="vn-qcvn-01-2021", show_default=True,
              help="A built-in criteria set or the path of a YAML file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the plan as a scenario file (YAML) [default: print it].")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--target", "targets", multiple=True, metavar="ID",
              help="Only this criterion (repeatable) [default: every land-share and strip criterion; "
                   "name VN21-PLOT-GREEN to plant plot green in failing plots].")
@click.option("--solver", type=click.Choice(["auto", "highs", "cbc"]), default="auto", show_default=True,
              help="MIP solver: HiGHS when highspy is installed, else CBC (bundled with PuLP).")
@click.option("--time-limit", "time_limit_s", type=float, default=120.0, show_default=True,
              help="Solver time limit (s).")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
def optimize(park: str, criteria: str, output: str | None, overwrite: bool, targets: tuple[str, ...],
             solver: str, time_limit_s: float, lang: str) -> None:
    """The restructuring of PARK that loses least industrial land and meets the land-share and strip criteria."""
    import os

    from .criteria import builtin_sets, load_criteria
    from .park import load_park
    from .plans.optimize import optimize as run_optimize
    from .plans.optimize import write_plan

    refuse_output(output, overwrite=overwrite, inputs=_park_inputs(park) + _criteria_inputs(criteria))
    cset = load_criteria(criteria)
    loaded = load_park(park)
    where = Path(output).resolve().parent if output else Path.cwd()
    park_ref = Path(os.path.relpath(Path(park).resolve(), where)).as_posix()
    criteria_ref = criteria if criteria in builtin_sets() else Path(
        os.path.relpath(Path(criteria).resolve(), where)).as_posix()
    plan = run_optimize(loaded, criteria=cset, park_ref=park_ref, criteria_ref=criteria_ref,
                        targets=list(targets) or None, solver=solver, time_limit_s=time_limit_s)
    if output:
        write_plan(plan, output, overwrite=overwrite)
        click.echo(plan.summary(lang=lang), nl=False)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(plan.summary(lang=lang), nl=False, err=True)
        click.echo(plan.scenario.to_yaml(), nl=False)


# --- web maps and the appraisal report (issue 5) ----------------------------------------------


def _map_lang(lang: str) -> str:
    from ._words import check_lang

    return check_lang(lang)


@cli.command("map")
@click.argument("park", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="The HTML file [default: maps/<park file name>.html].")
@click.option("--lang", default="en", show_default=True, metavar="en|vi",
              help="Language of the map (en, vi).")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False), default=None,
              help="A scenario file (YAML): land use before/after and the changed parcels.")
@click.option("--links", type=click.Path(dir_okay=False), default=None,
              help="Symbiosis links (the GeoPackage eipgis symbiosis wrote, layer 'links').")
@click.option("--criteria", default="vn-qcvn-01-2021", show_default=True,
              help="A built-in criteria set or the path of a YAML file.")
@click.option("--tiles", default="OpenStreetMap", show_default=True,
              help="Online basemap tiles, or 'none' (the layers work offline either way).")
@click.option("--tiles-on", is_flag=True,
              help="Show the tiles when the map opens [default: off until ticked, so an offline "
                   "map requests nothing].")
@click.option("--basemap", type=click.Path(dir_okay=False), default=None,
              help="A local GeoTIFF (e.g. an orthophoto) shown under the layers.")
@click.option("--comments", "comment_log", type=click.Path(dir_okay=False), default=None,
              help="A consultation log (the GeoPackage 'eipgis comments import' wrote) shown as a layer.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--print", "paper", type=click.Choice(["A3", "A1"], case_sensitive=False), default=None,
              help="A wall map instead: a PDF print layout on A3 or A1 paper (-o map.pdf).")
@click.option("--landscape", is_flag=True, help="With --print: landscape paper [default: portrait].")
@_park_options
def map_command(park: str, output: str | None, lang: str, scenario_file: str | None,
                links: str | None, criteria: str, tiles: str, tiles_on: bool, basemap: str | None,
                comment_log: str | None, overwrite: bool, paper: str | None, landscape: bool,
                crs: str | None, repair: bool, landuse_mapping: str | None) -> None:
    """A consultation web map of PARK: one HTML file that works offline (or, with --print, a PDF wall map)."""
    from .criteria import load_criteria
    from .park import load_park
    from .present.webmap import park_map, write_map

    lang = _map_lang(lang)
    if paper is not None or landscape:
        _print_map(park, output, paper, landscape, lang=lang, links=links, criteria=criteria,
                   scenario=scenario_file, overwrite=overwrite, crs=crs, repair=repair,
                   landuse_mapping=landuse_mapping)
        return
    output = output or str(Path("maps") / f"{Path(park).stem}.html")
    inputs = _park_inputs(park) + _criteria_inputs(criteria) + _checked(
        ("land-use mapping file", landuse_mapping), ("links file", links), ("basemap raster", basemap),
        ("consultation log", comment_log))
    refuse_output(output, overwrite=overwrite, inputs=inputs)
    cset = load_criteria(criteria)
    sc = None
    if scenario_file:
        from .plans.scenario import Scenario

        sc = Scenario.from_yaml(scenario_file)  # a bad file fails before any geometry work
        refuse_output(output, overwrite=overwrite, inputs=_scenario_inputs([sc], [scenario_file]))
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    m = park_map(loaded, criteria=cset, scenario=sc, links=links, lang=lang,
                 tiles=None if tiles.lower() == "none" else tiles, tiles_on=tiles_on, basemap=basemap,
                 comments=comment_log)
    write_map(m, output, overwrite=overwrite)
    click.echo(f"wrote {output}", err=True)


def _print_map(park: str, output: str | None, paper: str | None, landscape: bool, *, lang: str,
               links: str | None, criteria: str, scenario: str | None, overwrite: bool, crs: str | None,
               repair: bool, landuse_mapping: str | None) -> None:
    """``eipgis map PARK --print A3|A1 [--landscape] -o map.pdf`` (issue 14)."""
    from .criteria import load_criteria
    from .park import load_park
    from .present.printmap import write_print_map

    if paper is None:
        raise InputError("--landscape turns the paper of a print layout. Fix: add --print A3 or --print A1.")
    if scenario:
        raise InputError("a print layout shows the park as it is. Fix: leave out --scenario with --print "
                         "(apply the scenario with eipgis scenario, then print the park it writes).")
    output = output or str(Path("maps") / f"{Path(park).stem}_{paper.upper()}.pdf")
    if Path(output).suffix.lower() != ".pdf":
        raise InputError(f"{output}: a print layout is written as PDF. Fix: name the output *.pdf.")
    inputs = _park_inputs(park) + _criteria_inputs(criteria) + _checked(
        ("land-use mapping file", landuse_mapping), ("links file", links))
    refuse_output(output, overwrite=overwrite, inputs=inputs)
    cset = load_criteria(criteria)
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    write_print_map(output, loaded, overwrite=overwrite, criteria=cset, paper=paper, landscape=landscape,
                    lang=lang, links=links)
    click.echo(f"wrote {output}", err=True)


@cli.command("report")
@click.argument("park", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The report file (.html, .md for Markdown, or .pdf).")
@click.option("--lang", default="en", show_default=True, metavar="en|vi",
              help="Language of the report (en, vi).")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown", "pdf"]), default=None,
              help="Report format [default: from the -o suffix: .html, .md, .pdf; others are refused].")
@click.option("--criteria", default="vn-qcvn-01-2021", show_default=True,
              help="A built-in criteria set or the path of a YAML file.")
@click.option("--scenario", "scenario_files", multiple=True, type=click.Path(dir_okay=False),
              help="A scenario file to compare side by side (repeatable).")
@click.option("--links", type=click.Path(dir_okay=False), default=None,
              help="Symbiosis links (GeoPackage, layer 'links') for the symbiosis summary.")
@click.option("--comments", "comment_log", type=click.Path(dir_okay=False), default=None,
              help="A consultation log ('eipgis comments import' wrote it), summarised by topic and place.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@_park_options
def report_command(park: str, output: str, lang: str, fmt: str | None, criteria: str,
                   scenario_files: tuple[str, ...], links: str | None, comment_log: str | None,
                   overwrite: bool, crs: str | None, repair: bool, landuse_mapping: str | None) -> None:
    """The appraisal of PARK as one self-contained HTML (or Markdown) document."""
    from .criteria import load_criteria
    from .park import load_park
    from .present.report import report_format, write_report

    lang = _map_lang(lang)
    inputs = _park_inputs(park) + _criteria_inputs(criteria) + _checked(
        ("land-use mapping file", landuse_mapping), ("links file", links),
        ("consultation log", comment_log))
    inputs += [("a scenario file", f) for f in scenario_files]
    refuse_output(output, overwrite=overwrite, inputs=inputs)
    fmt = report_format(output, fmt)  # .docx or any unknown suffix: refused before the park is read
    cset = load_criteria(criteria)
    scenarios = None
    if scenario_files:
        from .plans.scenario import Scenario

        scenarios = [Scenario.from_yaml(f) for f in scenario_files]
        refuse_output(output, overwrite=overwrite, inputs=_scenario_inputs(scenarios, scenario_files))
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    write_report(output, loaded, fmt=fmt, overwrite=overwrite, criteria=cset, scenarios=scenarios,
                 links=links, lang=lang, comments=comment_log)
    click.echo(f"wrote {output}", err=True)


@cli.group()
def comments() -> None:
    """Comments participants left on the web map (issue 14)."""


@comments.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--log", "log", type=click.Path(dir_okay=False), required=True,
              help="The consultation log (GeoPackage, layer 'comments'); created when missing.")
@click.option("--park", "park", type=click.Path(), default=None,
              help="The park the comments are placed on (nearest lot and facility) "
                   "[default: the park file the comments' map id names, when found].")
@_park_options
def comments_import(files: tuple[str, ...], log: str, park: str | None, crs: str | None, repair: bool,
                    landuse_mapping: str | None) -> None:
    """Merge FILES (GeoJSON the map exported) into the log; a comment already there is skipped."""
    from .park import load_park
    from .present.comments import import_comments

    inputs = _checked(*[("comment file", f) for f in files], ("land-use mapping file", landuse_mapping))
    refuse_output(log, overwrite=True, inputs=inputs + _park_inputs(park))
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping) if park else None
    result = import_comments(files, log, park=loaded)
    click.echo(f"{log}: {result.added} comment(s) added, {result.already} already there, "
               f"{result.total} in the log", err=True)
    for ident in result.unplaced:
        click.echo(f"warning: no park found for map id {ident!r}: its comments have no nearest lot. "
                   "Fix: pass --park PARK (the comments already imported keep no place).", err=True)


@cli.command()
@click.argument("park", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The GeoTIFF to write (class codes 1–8 with a colour table).")
@click.option("--resolution", "resolution_m", type=float, default=10.0, show_default=True,
              help="Pixel size in metres, in the park's CRS.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@_park_options
def rasterize(park: str, output: str, resolution_m: float, overwrite: bool, crs: str | None,
              repair: bool, landuse_mapping: str | None) -> None:
    """Write PARK's land use as a GeoTIFF, for overlay with imagery."""
    from .park import load_park
    from .raster import rasterize_landuse

    inputs = _park_inputs(park) + _checked(("land-use mapping file", landuse_mapping))
    refuse_output(output, overwrite=overwrite, inputs=inputs)
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    rasterize_landuse(loaded, output, resolution_m=resolution_m, overwrite=overwrite)
    click.echo(f"wrote {output}", err=True)


#: Exit code of an internal error (a bug), as BSD's EX_SOFTWARE.
EXIT_BUG = 70


@cli.command()
@click.argument("parks", nargs=-1, type=click.Path())
@click.option("--list", "park_list", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="A YAML list of parks (paths, or source/name/crs/criteria per park).")
@click.option("--criteria", "criteria", default=None,
              help="Criteria set for every park [default: the list's, else vn-qcvn-01-2021].")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for portfolio.json, portfolio.csv and portfolio.html.")
@click.option("--overwrite", is_flag=True, help="Replace earlier outputs in the folder.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes of the local Dask cluster [default: up to 2].")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="An existing Dask scheduler (tcp://host:8786) instead of a local cluster.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
              help="Seconds to wait for --scheduler to answer.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
@click.option("--landcover", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Land-cover or NDVI raster covering the parks: adds OBS-GREEN to every park.")
@click.option("--green-classes", default=None, metavar="CODES",
              help="Land-cover codes that are green [default: 10,20,30, ESA WorldCover].")
@click.option("--ndvi-min", type=float, default=None, metavar="NDVI",
              help="Read --landcover as NDVI; a pixel is green at NDVI >= this.")
@click.option("--strict", is_flag=True, help="Exit with 1 when a park fails or cannot be read.")
def portfolio(parks: tuple[str, ...], park_list: str | None, criteria: str | None, out_dir: str,
              overwrite: bool, workers: int | None, scheduler: str | None, timeout: float, lang: str,
              landcover: str | None, green_classes: str | None, ndvi_min: float | None,
              strict: bool) -> None:
    """Check many PARKS (or a --list) on Dask and compare them: JSON, CSV and an offline page."""
    from . import portfolio as pf
    from ._words import PORTFOLIO_WORDS
    from .criteria import load_criteria

    inputs = _checked(("park list", park_list), ("land-cover raster", landcover))
    entries = [pf.ParkEntry(source=p) for p in parks]
    list_criteria = None
    if park_list:
        listed, list_criteria = pf.read_park_list(park_list)
        entries += listed
    if not entries:
        raise InputError("no park given. Fix: name park files (eipgis portfolio A.gpkg B.gpkg -o DIR) "
                         "or a list (--list parks.yaml).")
    criteria = criteria or list_criteria or "vn-qcvn-01-2021"
    for e in entries:
        if "://" not in e.source:
            inputs += _park_inputs(e.source, f"the park {e.source}")
    refuse_outputs([Path(out_dir) / name for name in pf.OUTPUT_FILES], overwrite=overwrite,
                   inputs=inputs + _criteria_inputs(criteria))
    load_criteria(criteria)
    options: dict[str, Any] = {}
    if green_classes:
        options["green_classes"] = green_classes
    if ndvi_min is not None:
        options["ndvi_min"] = ndvi_min
    if options and not landcover:
        raise InputError("--green-classes/--ndvi-min need --landcover FILE (the raster).")
    w = PORTFOLIO_WORDS[lang]

    def progress(done: int, total: int, row: dict[str, Any]) -> None:
        if "error" in row:
            text = w["progress_error"].format(message=str(row["error"]).splitlines()[0][:200])
        elif row["failing"]:
            text = w["progress_fail"].format(n=len(row["failing"]), total=len(row["results"]))
        else:
            text = w["progress_pass"].format(total=len(row["results"]))
        click.echo(w["progress"].format(done=done, total=total, park=row["park"], text=text), err=True)

    result = pf.run_portfolio(entries, criteria, workers=workers, scheduler=scheduler,
                              landcover=landcover, raster_options=options, progress=progress,
                              timeout=timeout)
    pf.write_portfolio(result, out_dir, lang=lang, overwrite=overwrite)
    click.echo(f"wrote {', '.join(pf.OUTPUT_FILES)} to {out_dir}/ ({result.workers})", err=True)
    if strict and (result.errors or any(p["failing"] for p in result.parks)):
        sys.exit(1)


@cli.command()
@click.argument("measures", type=click.Path(dir_okay=False), required=False)
@click.option("--recp", "recp_park", type=click.Path(), default=None, metavar="PARK",
              help="RECP: intensities of PARK's enterprises against benchmarks, and candidate measures "
                   "from the catalogue, appraised (recp_intensities.csv, recp_candidates.csv); no MEASURES.")
@click.option("--recp-catalogue", "recp_catalogue", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="A RECP catalogue (YAML) instead of eipgis's own.")
@click.option("--recp-benchmarks", "recp_benchmarks", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="RECP benchmarks (YAML) instead of eipgis's own.")
@click.option("--params", "params_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Appraisal parameters (YAML: currency, discount_rate, unit_costs, prices, each sourced).")
@click.option("--links", "links_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Links of eipgis symbiosis: links.csv, or symbiosis.gpkg (with the routes, for screening).")
@click.option("--park", "park", type=click.Path(), default=None,
              help="The park: screens each measure (population, sensitive receptors, hazards, workers).")
@click.option("--hazard", "hazards", multiple=True, metavar="NAME=FILE",
              help="A hazard raster sampled over sites and routes, e.g. flood=flood_depth.tif (repeat).")
@click.option("--esmp", "esmp_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="The planner's edited ESMP table (esmp.csv), read back instead of the draft.")
@click.option("--case", "case_id", default=None, metavar="ID",
              help="Write the investment case of measure ID as one document (-o case.html|.pdf|.md).")
@click.option("--register", "register_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="The opportunity register: next steps and barriers of a measure's `opportunity`.")
@click.option("--workplan", "workplan_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="A work plan CSV (measure, task, owner, start, end) for the case document.")
@click.option("-o", "--output", "out_dir", type=click.Path(), required=True,
              help="Folder for measures.json/.csv, sensitivity.csv, macc.png, screening.csv, esmp.csv "
                   "(and recp_intensities.csv, recp_candidates.csv with --recp); with --case, the document "
                   "(.html, .pdf or .md).")
@click.option("--overwrite", is_flag=True, help="Replace earlier outputs.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
@_park_options
def invest(measures: str | None, recp_park: str | None, recp_catalogue: str | None,
           recp_benchmarks: str | None, params_file: str | None, links_file: str | None, park: str | None,
           hazards: tuple[str, ...], esmp_file: str | None, case_id: str | None, register_file: str | None,
           workplan_file: str | None, out_dir: str, overwrite: bool, lang: str,
           crs: str | None, repair: bool, landuse_mapping: str | None) -> None:
    """Appraise MEASURES (symbiosis links, RECP actions): NPV, IRR, payback, cost per t CO2, MACC.

    With --recp PARK instead of MEASURES: RECP intensities and candidate measures of PARK, appraised."""
    from .invest import load_parameters, read_measures
    from .invest._write import OUTPUT_FILES, RECP_FILES, SCREENING_FILES, write_appraisal

    if (measures is None) == (recp_park is None):
        raise InputError("eipgis invest: give a measures file (MEASURES) or --recp PARK, one of the two. "
                         "Fix: e.g. eipgis invest measures.csv -o out, or eipgis invest --recp park.gpkg -o out.")
    if recp_park is None and (recp_catalogue or recp_benchmarks):
        raise InputError("--recp-catalogue and --recp-benchmarks need --recp PARK.")
    if recp_park is not None and (case_id or links_file):
        raise InputError("--recp proposes candidates; --case and --links work on a measures file. Fix: run "
                         "--recp first, edit recp_candidates.csv, then eipgis invest recp_candidates.csv …")
    if recp_park is not None and park is not None and Path(park).resolve() != Path(recp_park).resolve():
        raise InputError(f"--park {park} and --recp {recp_park}: with --recp, --park (for screening) must name "
                         "the same park.")
    named = dict(_hazard_option(h) for h in hazards)
    inputs = _checked(("measures file", measures), ("parameters file", params_file),
                      ("links file", links_file), ("ESMP table", esmp_file), ("register", register_file),
                      ("work plan", workplan_file), ("RECP catalogue", recp_catalogue),
                      ("RECP benchmarks", recp_benchmarks), *((f"{k} raster", v) for k, v in named.items()))
    inputs += _park_inputs(park) + (_park_inputs(recp_park) if recp_park and not park else [])
    if case_id is not None:
        if Path(out_dir).suffix.lower() not in (".html", ".htm", ".pdf", ".md"):
            raise InputError(f"-o {out_dir}: with --case, -o is the document: a .html, .pdf or .md file.")
        refuse_output(out_dir, overwrite=overwrite, inputs=inputs)
    else:
        files = OUTPUT_FILES + (SCREENING_FILES if park else ()) + (RECP_FILES if recp_park else ())
        refuse_outputs([Path(out_dir) / name for name in files], overwrite=overwrite, inputs=inputs)
    if (hazards or esmp_file) and not park:
        raise InputError("--hazard and --esmp need --park PARK (the park the measures are in).")
    params = load_parameters(params_file)
    loaded = None
    if park or recp_park:
        from .park import load_park

        loaded = load_park(str(park or recp_park), crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    if recp_park is not None:
        _invest_recp(loaded, params, out_dir, screen=park is not None, catalogue=recp_catalogue,
                     benchmarks=recp_benchmarks, hazards=named, esmp_file=esmp_file, lang=lang,
                     overwrite=overwrite)
        return
    links = None
    if links_file:
        if Path(links_file).suffix.lower() == ".gpkg":
            from .present._mapdata import read_links

            links = read_links(links_file, crs=loaded.crs if loaded is not None else None)
        else:
            from .symbiosis.register import _read_links

            links, _, _ = _read_links(links_file)
    enterprises = getattr(loaded, "enterprises", None) if loaded is not None else None
    table = read_measures(str(measures), params, links=links, enterprises=enterprises)
    if case_id is not None:
        _write_case(case_id, table, params, out_dir, lang=lang, overwrite=overwrite, park=loaded,
                    links=links, hazards=named, esmp_file=esmp_file, register_file=register_file,
                    workplan_file=workplan_file)
        return
    written = write_appraisal(table, params, out_dir, lang=lang, overwrite=overwrite, park=loaded,
                              links=links, hazards=named, esmp=esmp_file)
    _echo_appraisal(table, params)
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out_dir}/", err=True)


def _invest_recp(park: Any, params: dict[str, Any], out_dir: str, *, screen: bool, catalogue: str | None,
                 benchmarks: str | None, hazards: dict[str, str], esmp_file: str | None, lang: str,
                 overwrite: bool) -> None:
    """eipgis invest --recp: intensities and candidates of the park's enterprises, appraised."""
    from ._words import RECP_WORDS
    from .invest._write import recp_texts, write_appraisal, write_texts
    from .invest.recp import (
        candidate_measures,
        intensities,
        propose,
        read_benchmarks,
        read_catalogue,
    )

    marks = read_benchmarks(benchmarks)
    table = intensities(park, marks)
    candidates = propose(park, params, read_catalogue(catalogue), marks)
    w = RECP_WORDS[lang]
    texts = recp_texts(table, candidates)  # rendered before anything is written
    written = []
    if candidates.empty:
        click.echo(w["no_candidates"], err=True)
    else:
        measures = candidate_measures(candidates, params, park)
        written = write_appraisal(measures, params, out_dir, lang=lang, overwrite=overwrite,
                                  park=park if screen else None, hazards=hazards, esmp=esmp_file)
        _echo_appraisal(measures, params)
    written += write_texts(texts, out_dir, overwrite=overwrite)
    compared = int(table["ratio"].notna().sum())
    click.echo(w["summary"].format(rows=len(table), compared=compared, candidates=len(candidates)), err=True)
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out_dir}/", err=True)


def _echo_appraisal(table: Any, params: dict[str, Any]) -> None:
    from .invest.appraisal import appraise

    appraised = appraise(table, params)
    for row in appraised.sort_values("npv", ascending=False).to_dict("records"):
        irr = "–" if row["irr"] is None or row["irr"] != row["irr"] else f"{row['irr'] * 100:.1f} %"
        payback = ("never" if row["payback_years"] is None or row["payback_years"] != row["payback_years"]
                   else f"{row['payback_years']:.1f} yr")
        click.echo(f"{row['id']}: NPV {row['npv']:,.0f} {params['currency']}, IRR {irr}, payback {payback}")


def _write_case(case_id: str, table: Any, params: dict[str, Any], output: str, *, lang: str, overwrite: bool,
                park: Any, links: Any, hazards: dict[str, str], esmp_file: str | None,
                register_file: str | None, workplan_file: str | None) -> None:
    """The investment case of one measure as a document."""
    from .invest._case import build_case
    from .invest._write import screen_and_esmp
    from .present.invest_page import write_case

    screening = esmp = None
    if park is not None:
        screening, esmp = screen_and_esmp(table, park, links=links, hazards=hazards, esmp=esmp_file)
    register = workplan = None
    if register_file:
        from .symbiosis.register import read_register

        register = read_register(register_file)
    if workplan_file:
        from .symbiosis.register import _read_csv

        workplan, _ = _read_csv(Path(workplan_file), what="work plan",
                                fix="save the work plan as CSV UTF-8 with columns measure, task, owner, start, end")
        if "task" not in workplan.columns:
            raise InputError(f"{workplan_file}, line 1: no task column. Fix: columns measure, task, owner, "
                             "start, end.")
    case = build_case(case_id, table, params, lang=lang, park=park, links=links, register=register,
                      screening=screening, esmp=esmp, workplan=workplan)
    write_case(case, output, lang=lang, overwrite=overwrite)
    click.echo(f"wrote the investment case of {case_id} to {output}", err=True)


def _hazard_option(text: str) -> tuple[str, str]:
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip() or not name.strip().isidentifier():
        raise InputError(f"--hazard {text!r}: expected NAME=FILE, e.g. flood=flood_depth.tif (NAME in "
                         "letters, digits and _).")
    return name.strip(), path.strip()


def _save_traceback() -> Path | None:
    """Write the current exception's traceback to a crash file; None when that fails too.

    The file is ``eipgis-crash-<UTC time>-<pid>.txt`` in ``$EIPGIS_CRASH_DIR`` if set,
    else in the system's temporary folder.
    """
    import datetime
    import os
    import platform
    import tempfile
    import traceback

    folder = Path(os.environ.get("EIPGIS_CRASH_DIR") or tempfile.gettempdir())
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"eipgis-crash-{stamp}-{os.getpid()}.txt"
    try:
        from importlib.metadata import version

        head = f"eipgis {version('eipgis')}, Python {platform.python_version()}, {platform.platform()}"
    except Exception:  # noqa: BLE001 - the crash report must not crash
        head = f"eipgis, Python {platform.python_version()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{head}\ncommand: eipgis {' '.join(sys.argv[1:])}\n\n"
                        f"{traceback.format_exc()}", encoding="utf-8")
    except Exception:  # noqa: BLE001
        return None
    return path


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input exits with 2 and one message, never a traceback.

    An OS error (permission denied, disk full, …) also exits with 2, naming the path and the
    reason; anything else is a bug: one line, the traceback saved to a file, exit 70.
    """
    from .io import os_error_message

    try:
        cli.main(args=argv, prog_name="eipgis", standalone_mode=False)
    except EipgisError as exc:
        click.echo(f"eipgis: error: {exc}", err=True)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("eipgis: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except SystemExit:
        raise
    except BrokenPipeError:  # whoever read the output stopped (eipgis check … | head): end quietly
        import contextlib
        import os

        with contextlib.suppress(Exception):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        click.echo(f"eipgis: error: {os_error_message(exc, doing='cannot be read or written')}", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        saved = _save_traceback()
        where = (f"The traceback is saved in {saved}; please send it to the eipgis developers."
                 if saved else "The traceback could not be saved; please run again with "
                 "python -X faulthandler and send the output to the eipgis developers.")
        msg = str(exc).splitlines()[0][:300] if str(exc) else ""
        click.echo(f"eipgis: internal error (a bug): {type(exc).__name__}: {msg}. {where}", err=True)
        sys.exit(EXIT_BUG)
    sys.exit(0)


if __name__ == "__main__":  # python -m eipgis.cli
    main()
