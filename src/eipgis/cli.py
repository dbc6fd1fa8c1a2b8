"""The command line: parse arguments, call the library, print or write the result."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from .errors import EipgisError, OutputError

_FORMATS = ("table", "json", "markdown")
_SUFFIX = {"table": ".txt", "json": ".json", "markdown": ".md"}


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
@_park_options
def check(park: str, criteria: str, fmt: str | None, output: str | None, overwrite: bool, strict: bool,
          lang: str, crs: str | None, repair: bool, landuse_mapping: str | None) -> None:
    """Check PARK (a GeoPackage or folder of layers) against a criteria set."""
    from . import io
    from .criteria import check as run_check
    from .criteria import load_criteria
    from .park import load_park

    if output and Path(output).exists() and not overwrite:
        raise OutputError(f"{output}: exists already. Fix: choose another path or pass --overwrite.")
    cset = load_criteria(criteria)  # a bad criteria file fails before any geometry work
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input exits with 2 and one message, never a traceback."""
    try:
        cli.main(args=argv, prog_name="eipgis", standalone_mode=False)
    except EipgisError as exc:
        click.echo(f"eipgis: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("eipgis: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except SystemExit:
        raise
    sys.exit(0)


if __name__ == "__main__":  # python -m eipgis.cli
    main()
