"""Industrial and industrial–urban symbiosis: flows, matching on the road network, opportunity register.

A planner's session::

    import eipgis
    from eipgis.symbiosis import run_symbiosis
    result = run_symbiosis("layers/tang_loong.gpkg", "layers/tang_loong_flows.csv",
                           network="layers/lao_cai_roads.osm", out_dir="out/symbiosis")
    result.links          # GeoDataFrame of links, routes on the road network

osmnx, networkx, scipy and pint are imported only when a function needs them.
"""

from __future__ import annotations

from typing import Any

from .flows import check_flows, estimate_neighbourhood_flows, node_points, read_flows
from .matching import LINK_COLUMNS, OUTPUT_FILES, SymbiosisResult, match, run_symbiosis
from .network import NetworkError, RoadNetwork, load_network, route_trees
from .register import (
    RegisterError,
    add_links,
    changes_since,
    current,
    format_register,
    read_register,
)
from .register import update as update_register
from .vocab import convert, load_parameters, load_vocabulary, parse_unit

__all__ = [
    "LINK_COLUMNS",
    "OUTPUT_FILES",
    "NetworkError",
    "RegisterError",
    "RoadNetwork",
    "SymbiosisResult",
    "add_links",
    "changes_since",
    "check_flows",
    "convert",
    "criteria_tables",
    "current",
    "estimate_neighbourhood_flows",
    "format_register",
    "load_network",
    "load_parameters",
    "load_vocabulary",
    "match",
    "node_points",
    "parse_unit",
    "read_flows",
    "read_register",
    "route_trees",
    "run_symbiosis",
    "update_register",
]


def criteria_tables(park: Any, *, flows: Any = None, register: Any = None,
                    as_of: Any = None) -> dict[str, Any]:
    """The attribute tables the data criteria read from symbiosis files: ``flows`` (the flow
    inventory) and ``register`` (each opportunity's state on ``as_of``, default: its last event).
    """
    tables: dict[str, Any] = {}
    if flows:
        tables["flows"] = read_flows(flows, park)
    if register:
        from .register import current, read_register

        events = read_register(register)
        if as_of is not None:  # the register as it stood on that date (dates are ISO text)
            events = events[[str(d) <= as_of.isoformat() for d in events["date"]]]
        tables["register"] = current(events)
    return tables
