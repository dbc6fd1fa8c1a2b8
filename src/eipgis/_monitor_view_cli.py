"""The commands ``eipgis monitor show`` and ``eipgis monitor report``: read a store, summarise, print or write.

The click commands only parse options, open the store and call :func:`show_text` and
:func:`write_monitor_report`, which take the store's series table (and its snapshots), so they
are tested without a store. ``cli.py`` adds the two commands to its ``monitor`` group.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from .present.dashboard import Snapshot

__all__ = ["FORMATS", "parse_date", "report", "select_park", "show", "show_text", "write_monitor_report"]

#: Output formats of ``monitor show``.
FORMATS = ("table", "json", "markdown")


def parse_date(value: str | None, option: str) -> _dt.date | None:
    """``YYYY-MM-DD`` (today or earlier) as a date, None when not given; else one error naming the option."""
    if value is None:
        return None
    from .monitor import parse_date as monitor_date

    return monitor_date(value, what=option)


def select_park(series_df: pd.DataFrame, park: str | None) -> pd.DataFrame:
    """The rows of one park (all rows when ``park`` is None); an unknown park names those stored."""
    if park is None:
        return series_df
    rows = series_df[series_df["park"].astype(str) == park]
    if rows.empty:
        known = sorted(series_df["park"].astype(str).unique())
        raise InputError(f"no park {park!r} in the store. Fix: use one of "
                         + (", ".join(repr(k) for k in known) if known else "none: record a park first")
                         + ".")
    return rows


def show_text(series_df: pd.DataFrame, *, park: str | None = None, targets: str | Path | None = None,
              fmt: str = "table", lang: str = "en") -> str:
    """What ``monitor show`` prints: the summary as a table, JSON or Markdown."""
    from .monitor.summary import read_targets, summarise, summary_markdown, summary_table

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}. Fix: use one of {', '.join(FORMATS)}.")
    goals = read_targets(targets) if targets else None
    summary = summarise(select_park(series_df, park), goals)
    if fmt == "json":
        return json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return summary_markdown(summary, lang=lang)
    return summary_table(summary, lang=lang)


def write_monitor_report(series_df: pd.DataFrame, output: str | Path, *, snapshot: Snapshot | None = None,
                         park: str | None = None, targets: str | Path | None = None, lang: str = "en",
                         date_from: _dt.date | None = None, date_to: _dt.date | None = None,
                         overwrite: bool = False) -> Path:
    """What ``monitor report`` writes: the dashboard, atomically (no file when anything fails)."""
    from .monitor.summary import read_targets
    from .present.dashboard import write_dashboard

    if date_from and date_to and date_from > date_to:
        raise InputError(f"--from {date_from} is after --to {date_to}. Fix: give the earlier date to --from.")
    goals = read_targets(targets) if targets else None
    return write_dashboard(output, select_park(series_df, park), snapshot=snapshot, targets=goals, lang=lang,
                           date_from=date_from, date_to=date_to, overwrite=overwrite)


@contextmanager
def _opened(store: str) -> Iterator[Any]:
    """The monitoring store (a GeoPackage path or a ``postgresql://`` URL), open."""
    from .monitor import open_store

    with open_store(store) as opened:
        yield opened


def _store_series(opened: Any, park: str | None) -> pd.DataFrame:
    from .monitor import series

    return select_park(series(opened, park=None), park)


def _store_inputs(store: str, targets: str | None) -> list[tuple[str, Any]]:
    from .io import check_input

    out: list[tuple[str, Any]] = []
    if "://" not in store:
        out.append(("the monitoring store", check_input(store, what="monitoring store")))
    if targets:
        out.append(("the targets file", check_input(targets, what="targets file", missing_ok=True)))
    return out


_TARGETS_HELP = "Targets (CSV or YAML): id, value, by (YYYY-MM-DD), optional park."


@click.command("show")
@click.argument("store")
@click.option("--park", default=None, metavar="NAME", help="Only this park [default: every park in the store].")
@click.option("--targets", type=click.Path(dir_okay=False), default=None, metavar="FILE", help=_TARGETS_HELP)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
def show(store: str, park: str | None, targets: str | None, fmt: str, lang: str) -> None:
    """Per park and criterion in STORE: the dated series, trend per year, regressions and targets."""
    _store_inputs(store, targets)
    with _opened(store) as opened:
        frame = _store_series(opened, park)
    click.echo(show_text(frame, park=park, targets=targets, fmt=fmt, lang=lang), nl=False)


@click.command("report")
@click.argument("store")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, metavar="FILE.html",
              help="The dashboard to write (one offline HTML file).")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
@click.option("--park", default=None, metavar="NAME", help="Only this park [default: every park in the store].")
@click.option("--targets", type=click.Path(dir_okay=False), default=None, metavar="FILE", help=_TARGETS_HELP)
@click.option("--from", "date_from", default=None, metavar="DATE",
              help="Change map from the record on or before DATE [default: the first record].")
@click.option("--to", "date_to", default=None, metavar="DATE",
              help="Change map to the record on or before DATE [default: the last record].")
def report(store: str, output: str, overwrite: bool, lang: str, park: str | None, targets: str | None,
           date_from: str | None, date_to: str | None) -> None:
    """Write the bilingual monitoring dashboard of STORE: charts, latest map, change map."""
    from .io import refuse_output

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    refuse_output(output, overwrite=overwrite, inputs=_store_inputs(store, targets))
    with _opened(store) as opened:
        frame = _store_series(opened, park)
        write_monitor_report(frame, output, snapshot=opened.snapshot, park=park, targets=targets, lang=lang,
                             date_from=start, date_to=end, overwrite=overwrite)
    click.echo(f"wrote {output}", err=True)
