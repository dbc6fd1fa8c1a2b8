"""Bodies of the ``eipgis monitor`` commands (the click group lives in eipgis.cli)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import open_store, parse_date, record


def record_command(
    park_path: str,
    *,
    date: str,
    store: str,
    criteria: str,
    flows: str | None,
    register: str | None,
    name: str | None,
    overwrite: bool,
    inputs: Iterable[tuple[str, Any]],
    crs: str | None = None,
    repair: bool = False,
    landuse_mapping: str | None = None,
) -> str:
    """Check the park as it is and record it with every value under ``date``; the line to print.

    Everything that can be refused is refused before the store is opened: the date, the store path
    (never one of the inputs), the criteria, the park, the flows and the register.
    """
    from ..criteria import check, load_criteria
    from ..io import refuse_output
    from ..park import load_park

    day = parse_date(date)
    if "://" not in store:
        refuse_output(store, overwrite=True, inputs=inputs)
    cset = load_criteria(criteria)
    park = load_park(park_path, crs=crs, repair=repair, landuse_mapping=landuse_mapping)
    from ..symbiosis import criteria_tables

    tables = criteria_tables(park, flows=flows, register=register, as_of=day)
    report = check(park, cset, tables=tables, as_of=day)  # judged by the rules in force that day
    with open_store(store) as opened:
        n = record(opened, park, report, date=day, name=name, overwrite=overwrite, tables=tables)
        where = opened.where
    return f"recorded {name or report.park} on {day.isoformat()}: {n} criteria, snapshot kept in {where}"
