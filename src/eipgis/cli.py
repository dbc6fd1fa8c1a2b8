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
@_park_options
def check(park: str, criteria: str, fmt: str | None, output: str | None, overwrite: bool, strict: bool,
          lang: str, crs: str | None, repair: bool, landuse_mapping: str | None,
          landcover: str | None = None, green_classes: str | None = None,
          ndvi_min: float | None = None) -> None:
    """Check PARK (a GeoPackage or folder of layers) against a criteria set."""
    from . import io
    from .criteria import check as run_check
    from .criteria import load_criteria
    from .park import load_park

    inputs = _checked(("land-use mapping file", landuse_mapping), ("land-cover raster", landcover))
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
    report = run_check(loaded, cset)
    text = _render(report, fmt or _format_for(output), lang)
    if output:
        io.write_text(output, text, overwrite=overwrite)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    if strict and not report.passed:
        sys.exit(1)


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
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@_park_options
def map_command(park: str, output: str | None, lang: str, scenario_file: str | None,
                links: str | None, criteria: str, tiles: str, tiles_on: bool, basemap: str | None,
                overwrite: bool, crs: str | None, repair: bool, landuse_mapping: str | None) -> None:
    """A consultation web map of PARK: one HTML file that works offline."""
    from .criteria import load_criteria
    from .park import load_park
    from .present.webmap import park_map, write_map

    lang = _map_lang(lang)
    output = output or str(Path("maps") / f"{Path(park).stem}.html")
    inputs = _park_inputs(park) + _criteria_inputs(criteria) + _checked(
        ("land-use mapping file", landuse_mapping), ("links file", links), ("basemap raster", basemap))
    refuse_output(output, overwrite=overwrite, inputs=inputs)
    cset = load_criteria(criteria)
    sc = None
    if scenario_file:
        from .plans.scenario import Scenario

        sc = Scenario.from_yaml(scenario_file)  # a bad file fails before any geometry work
        refuse_output(output, overwrite=overwrite, inputs=_scenario_inputs([sc], [scenario_file]))
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    m = park_map(loaded, criteria=cset, scenario=sc, links=links, lang=lang,
                 tiles=None if tiles.lower() == "none" else tiles, tiles_on=tiles_on, basemap=basemap)
    write_map(m, output, overwrite=overwrite)
    click.echo(f"wrote {output}", err=True)


@cli.command("report")
@click.argument("park", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The report file (.html, or .md for Markdown).")
@click.option("--lang", default="en", show_default=True, metavar="en|vi",
              help="Language of the report (en, vi).")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default=None,
              help="Report format [default: from the -o suffix (.md → markdown), else html].")
@click.option("--criteria", default="vn-qcvn-01-2021", show_default=True,
              help="A built-in criteria set or the path of a YAML file.")
@click.option("--scenario", "scenario_files", multiple=True, type=click.Path(dir_okay=False),
              help="A scenario file to compare side by side (repeatable).")
@click.option("--links", type=click.Path(dir_okay=False), default=None,
              help="Symbiosis links (GeoPackage, layer 'links') for the symbiosis summary.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@_park_options
def report_command(park: str, output: str, lang: str, fmt: str | None, criteria: str,
                   scenario_files: tuple[str, ...], links: str | None, overwrite: bool,
                   crs: str | None, repair: bool, landuse_mapping: str | None) -> None:
    """The appraisal of PARK as one self-contained HTML (or Markdown) document."""
    from .criteria import load_criteria
    from .park import load_park
    from .present.report import write_report

    lang = _map_lang(lang)
    inputs = _park_inputs(park) + _criteria_inputs(criteria) + _checked(
        ("land-use mapping file", landuse_mapping), ("links file", links))
    inputs += [("a scenario file", f) for f in scenario_files]
    refuse_output(output, overwrite=overwrite, inputs=inputs)
    cset = load_criteria(criteria)
    scenarios = None
    if scenario_files:
        from .plans.scenario import Scenario

        scenarios = [Scenario.from_yaml(f) for f in scenario_files]
        refuse_output(output, overwrite=overwrite, inputs=_scenario_inputs(scenarios, scenario_files))
    loaded = load_park(park, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    write_report(output, loaded, fmt=fmt, overwrite=overwrite, criteria=cset, scenarios=scenarios,
                 links=links, lang=lang)
    click.echo(f"wrote {output}", err=True)


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
