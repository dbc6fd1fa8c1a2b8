"""Match supplies to demands on the road network, with benefits, totals and output files."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import io
from .flows import estimate_neighbourhood_flows, node_points, read_flows
from .network import RoadNetwork, load_network, route_trees
from .vocab import Vocabulary, load_parameters, load_vocabulary

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..park import Park

__all__ = ["LINK_COLUMNS", "OUTPUT_FILES", "SymbiosisResult", "match", "run_symbiosis"]

#: Files :meth:`SymbiosisResult.write` puts in the output folder.
OUTPUT_FILES = ("symbiosis.gpkg", "links.csv", "totals.csv", "symbiosis.json")

#: Columns of the ``links`` layer, in order (geometry last).
LINK_COLUMNS = (
    "link_id", "supplier", "supplier_name", "receiver", "receiver_name", "material",
    "demand_material", "use", "quantity", "unit", "distance_m", "network", "route_m", "access_m",
    "straight_m", "reason", "mode", "transport_t_km", "transport_cost_vnd", "transport_co2_t",
    "avoided_co2_t", "net_co2_t", "evidence", "source", "factor_source", "supply_basis",
    "demand_basis", "kind",
)


@dataclass(frozen=True, eq=False)
class SymbiosisResult:
    """What :func:`match` found: the links, the flows with what is left, totals and a summary."""

    links: gpd.GeoDataFrame
    flows: pd.DataFrame
    totals: pd.DataFrame
    summary: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> str:
        """The JSON summary (links without geometry included)."""
        return json.dumps(self.summary, ensure_ascii=False, indent=2, default=_json_default) + "\n"

    def write(self, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> list[Path]:
        """Write ``symbiosis.gpkg`` (layer ``links``), ``links.csv``, ``totals.csv`` and ``symbiosis.json``."""
        out = Path(out_dir)
        _check_outputs(out, overwrite=overwrite)
        files = [io.write_gpkg(out / "symbiosis.gpkg", {"links": self.links}, overwrite=overwrite)]
        table = self.links.drop(columns="geometry")
        files.append(io.write_text(out / "links.csv", io.csv_text(table), overwrite=overwrite))
        files.append(io.write_text(out / "totals.csv", io.csv_text(self.totals),
                                   overwrite=overwrite))
        files.append(io.write_text(out / "symbiosis.json", self.to_json(), overwrite=overwrite))
        return files


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def _check_outputs(out: Path, *, overwrite: bool) -> None:
    io.refuse_outputs([out / name for name in OUTPUT_FILES], overwrite=overwrite)


def _candidates(supplies: pd.DataFrame, demands: pd.DataFrame, vocab: Vocabulary) -> pd.DataFrame:
    """Every compatible (supply, demand) pair of two different nodes, with its compatibility row."""
    import pandas as pd

    rows = []
    for s_mat in supplies["material"].unique():
        for d_mat in demands["material"].unique():
            c = vocab.uses(s_mat, d_mat)
            if c is None or vocab.materials[s_mat].unit != vocab.materials[d_mat].unit:
                continue
            rows.append({"material": s_mat, "demand_material": d_mat, "use": c.use_en,
                         "use_vi": c.use_vi, "evidence": c.evidence,
                         "factor": np.nan if c.avoided_kgco2_per_unit is None else c.avoided_kgco2_per_unit,
                         "source": c.source, "factor_source": c.factor_source})
    if not rows:
        return pd.DataFrame()
    compat = pd.DataFrame(rows)
    s = supplies.add_prefix("s_").rename(columns={"s_material": "material"})
    d = demands.add_prefix("d_").rename(columns={"d_material": "demand_material"})
    pairs = s.merge(compat, on="material").merge(d, on="demand_material")
    return pairs[pairs["s_node"] != pairs["d_node"]].reset_index(drop=True)


def match(park: Park, flows: pd.DataFrame, *, network: RoadNetwork | None = None,
          parameters: dict[str, Any] | None = None, vocabulary: Vocabulary | None = None,
          estimate: bool = True, engine: str = "scipy") -> SymbiosisResult:
    """Match supplies to demands, route each candidate on the road network and rank them.

    Candidates are the compatible (supply, demand) pairs of two different nodes. Each gets a
    distance: the shortest route by length between the nodes' nearest network nodes plus the
    straight access from each node to its network node, or, when the pair is unreachable or a
    node lies outside the network's extent (farther than ``max_snap_m`` from every road), the
    straight-line distance with ``network`` false and the reason. Candidates longer than the
    transport mode's ``max_distance_m`` are left out. Candidates are ranked by net benefit per
    unit (avoided CO2 where a factor with a source exists, minus transport CO2), then by
    distance, and quantities are allocated greedily so that no supply is promised twice and no
    demand is served beyond its quantity.

    Parameters
    ----------
    park : Park
    flows : DataFrame
        A checked flow table (:func:`~eipgis.symbiosis.read_flows`).
    network : RoadNetwork, optional
        Roads to route on; without it every link is straight (``network`` false).
    estimate : bool
        Add neighbourhood flows estimated from ``population`` (default true).
    engine : {"scipy", "networkx"}
        Shortest-path engine (same results).
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    vocab = vocabulary or load_vocabulary()
    params = parameters or load_parameters()
    tp = {k: v["value"] for k, v in (params.get("transport") or {}).items()}
    co2_t_km = float(tp.get("truck_co2_kg_per_t_km", 0.0))
    cost_t_km = float(tp.get("truck_cost_vnd_per_t_km", 0.0))
    max_dist = dict(tp.get("max_distance_m") or {})
    max_snap = float(tp.get("max_snap_m", 1000.0))

    if estimate:
        flows = estimate_neighbourhood_flows(park, flows, parameters=params, vocabulary=vocab)
    flows = flows.reset_index(drop=True).copy()
    flows["flow_id"] = np.arange(len(flows))
    supplies = flows[flows["direction"].eq("supply")]
    demands = flows[flows["direction"].eq("demand")]
    cand = _candidates(supplies, demands, vocab) if len(supplies) and len(demands) else pd.DataFrame()

    points = node_points(park)
    names = _node_names(park)
    notes: list[str] = []
    used_nodes = sorted(set(flows["node"]))
    pos = {n: i for i, n in enumerate(used_nodes)}
    pts = gpd.GeoSeries([points[n] for n in used_nodes], crs=park.crs)
    xy = shapely.get_coordinates(pts.to_numpy())
    snap_pos = np.full(len(used_nodes), -1)
    snap_m = np.full(len(used_nodes), np.nan)
    if network is not None and len(used_nodes):
        snap_pos, snap_m = network.snap(pts)
        for n, d in zip(used_nodes, snap_m):
            if d > max_snap:
                notes.append(f"{n}: {d:,.0f} m from the nearest road of {Path(network.source).name}, "
                             f"outside the network's extent (more than {max_snap:,.0f} m); its links "
                             "use straight-line distances (network: false)")
    links = _empty_links(park)
    too_far = 0
    if len(cand):
        si = cand["s_node"].map(pos).to_numpy()
        di = cand["d_node"].map(pos).to_numpy()
        straight = np.hypot(xy[si, 0] - xy[di, 0], xy[si, 1] - xy[di, 1])
        route = np.full(len(cand), np.nan)
        reason = np.full(len(cand), "no network file given", dtype=object)
        if network is not None:
            inside = snap_m <= max_snap
            ok = inside[si] & inside[di]
            trees = route_trees(network, snap_pos[si[ok]], engine=engine)
            if ok.any():
                rows = np.searchsorted(trees.sources, snap_pos[si[ok]])
                route[ok] = trees.distance_m[rows, snap_pos[di[ok]]]
            reason[:] = ""
            reason[~ok] = [f"{a if not inside[x] else b} outside the network's extent"
                           for a, b, x in zip(cand["s_node"][~ok], cand["d_node"][~ok], si[~ok])]
            unreachable = ok & ~np.isfinite(route)
            reason[unreachable] = "no route between them on the network"
        on_net = np.isfinite(route)
        access = np.where(on_net, snap_m[si] + snap_m[di], 0.0) if network is not None else np.zeros(len(cand))
        cand["straight_m"] = straight
        cand["route_m"] = np.where(on_net, route, np.nan)
        cand["access_m"] = np.where(on_net, access, np.nan)
        cand["distance_m"] = np.where(on_net, route + access, straight)
        cand["network"] = on_net
        cand["reason"] = reason
        cand["mode"] = [vocab.materials[m].mode for m in cand["material"]]
        limit = np.array([float(max_dist.get(m, np.inf)) for m in cand["mode"]])
        keep = cand["distance_m"].to_numpy() <= limit
        too_far = int((~keep).sum())
        cand = cand[keep].copy()
        by_truck = cand["mode"].eq("truck") & cand["s_unit"].eq("t/yr")
        cand["score"] = cand["factor"].fillna(0.0) - np.where(
            by_truck, co2_t_km * cand["distance_m"] / 1000.0, 0.0)
        cand = cand.sort_values(["score", "distance_m", "s_node", "d_node"],
                                ascending=[False, True, True, True], kind="stable")
        left = dict(zip(flows["flow_id"], flows["quantity"].astype(float)))
        chosen = []
        for rec in cand.to_dict("records"):
            q = min(left[rec["s_flow_id"]], left[rec["d_flow_id"]])
            if q <= 0:
                continue
            left[rec["s_flow_id"]] -= q
            left[rec["d_flow_id"]] -= q
            chosen.append({**rec, "quantity": q})
        flows["left"] = flows["flow_id"].map(left)
        if chosen:
            links = _links_frame(chosen, park, network, trees if network is not None else None,
                                 snap_pos, pos, xy, names, co2_t_km, cost_t_km)
    else:
        flows["left"] = flows["quantity"]
    flows["matched"] = flows["quantity"] - flows["left"]
    totals = _totals(links, flows, names)
    summary = _summary(park, flows, links, totals, network, params, notes, len(cand), too_far)
    return SymbiosisResult(links, flows, totals, summary, tuple(notes))


def _node_names(park: Park) -> dict[str, str]:
    names = {str(p): str(n) for p, n in zip(park.landuse["parcel_id"],
                                            park.landuse.get("name", park.landuse["parcel_id"]))
             if isinstance(n, str) and n}
    names.update({str(n): str(n) for n in park.neighbourhoods.get("name", [])})
    fac = park.facilities
    if "name" in fac.columns:
        names.update({str(f): str(n) for f, n in zip(fac["facility_id"], fac["name"])})
    return names


def _empty_links(park: Park) -> gpd.GeoDataFrame:
    import geopandas as gpd

    frame = gpd.GeoDataFrame({c: [] for c in LINK_COLUMNS}, geometry=[], crs=park.crs)
    return frame.astype({"network": bool, "quantity": float, "distance_m": float})


def _links_frame(chosen: list[dict[str, Any]], park: Park, network: RoadNetwork | None, trees: Any,
                 snap_pos: np.ndarray, pos: dict[str, int], xy: np.ndarray, names: dict[str, str],
                 co2_t_km: float, cost_t_km: float) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd
    from shapely import LineString

    geoms = []
    for rec in chosen:
        a, b = xy[pos[rec["s_node"]]], xy[pos[rec["d_node"]]]
        coords = [tuple(a)]
        if rec["network"] and network is not None:
            path = trees.path(int(snap_pos[pos[rec["s_node"]]]), int(snap_pos[pos[rec["d_node"]]]))
            coords += [tuple(network.xy[i]) for i in path]
        coords.append(tuple(b))
        coords = [c for k, c in enumerate(coords) if k == 0 or c != coords[k - 1]]
        if len(coords) < 2:
            coords.append(coords[0])
        geoms.append(LineString(coords))
    df = pd.DataFrame(chosen)
    t_km = np.where(df["mode"].eq("truck") & df["s_unit"].eq("t/yr"),
                    df["quantity"] * df["distance_m"] / 1000.0, np.nan)
    avoided = df["quantity"] * df["factor"] / 1000.0
    transport_co2 = t_km * co2_t_km / 1000.0
    out = pd.DataFrame({
        "link_id": [f"L{i:03d}" for i in range(1, len(df) + 1)],
        "supplier": df["s_node"], "supplier_name": df["s_node"].map(names).fillna(df["s_node"]),
        "receiver": df["d_node"], "receiver_name": df["d_node"].map(names).fillna(df["d_node"]),
        "material": df["material"], "demand_material": df["demand_material"], "use": df["use"],
        "quantity": df["quantity"].round(3), "unit": df["s_unit"],
        "distance_m": df["distance_m"].round(1), "network": df["network"].astype(bool),
        "route_m": df["route_m"].round(1), "access_m": df["access_m"].round(1),
        "straight_m": df["straight_m"].round(1), "reason": df["reason"], "mode": df["mode"],
        "transport_t_km": np.round(t_km, 1), "transport_cost_vnd": np.round(t_km * cost_t_km),
        "transport_co2_t": np.round(transport_co2, 3), "avoided_co2_t": avoided.round(3),
        "net_co2_t": (avoided - np.nan_to_num(transport_co2)).round(3),
        "evidence": df["evidence"], "source": df["source"], "factor_source": df["factor_source"],
        "supply_basis": df["s_basis"], "demand_basis": df["d_basis"],
        "kind": np.where(df["s_node_kind"].eq("neighbourhood") | df["d_node_kind"].eq("neighbourhood"),
                         "industrial-urban", "industrial"),
    })
    return gpd.GeoDataFrame(out, geometry=geoms, crs=park.crs)


def _totals(links: gpd.GeoDataFrame, flows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per node (firm, neighbourhood, parcel): links out and in, and the benefits they carry."""
    import pandas as pd

    nodes = flows.drop_duplicates("node")[["node", "node_kind"]]
    table = links.drop(columns="geometry")
    rows = []
    for node, kind in zip(nodes["node"], nodes["node_kind"]):
        out, inn = table[table["supplier"].eq(node)], table[table["receiver"].eq(node)]
        both = pd.concat([out, inn])
        mine = flows[flows["node"].eq(node)]
        rows.append({
            "node": node, "name": names.get(node, node), "node_kind": kind,
            "links_out": len(out), "links_in": len(inn),
            "supplied": "; ".join(f"{m} {q:,.0f} {u}" for m, q, u in
                                  zip(out["material"], out["quantity"], out["unit"])),
            "received": "; ".join(f"{m} {q:,.0f} {u}" for m, q, u in
                                  zip(inn["material"], inn["quantity"], inn["unit"])),
            "unmatched": "; ".join(f"{d} {m} {q:,.0f} {u}" for d, m, q, u in
                                   zip(mine["direction"], mine["material"], mine["left"], mine["unit"])
                                   if q > 1e-9),
            "avoided_co2_t": round(float(both["avoided_co2_t"].sum(min_count=1) or 0.0)
                                   if len(both) else 0.0, 3),
            "transport_co2_t": round(float(out["transport_co2_t"].fillna(0).sum()), 3),
            "transport_cost_vnd": round(float(out["transport_cost_vnd"].fillna(0).sum())),
        })
    frame = pd.DataFrame(rows)
    return frame.sort_values(["node_kind", "node"]).reset_index(drop=True) if len(frame) else frame


def _summary(park: Park, flows: pd.DataFrame, links: gpd.GeoDataFrame, totals: pd.DataFrame,
             network: RoadNetwork | None, params: dict[str, Any], notes: list[str],
             candidates: int, too_far: int) -> dict[str, Any]:
    from .. import __version__

    table = links.drop(columns="geometry")

    def clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in r.items()} for r in records]

    unmatched = flows[flows["left"] > 1e-9]
    return {
        "eipgis_version": __version__,
        "park": park.name,
        "crs": park.crs_label,
        "network": None if network is None else {
            "file": network.source, "nodes": len(network.nodes),
            "edges": network.graph.number_of_edges(), "non_road_ways_dropped": network.dropped_ways},
        "flows": len(flows), "estimated_flows": int(flows["estimated"].astype(bool).sum()),
        "candidates": int(candidates), "candidates_too_far": int(too_far),
        "links": len(table), "links_on_network": int(table["network"].astype(bool).sum()),
        "links_off_network": int((~table["network"].astype(bool)).sum()),
        "avoided_co2_t": round(float(table["avoided_co2_t"].sum()), 3),
        "transport_co2_t": round(float(table["transport_co2_t"].sum()), 3),
        "transport_cost_vnd": round(float(table["transport_cost_vnd"].sum())),
        "notes": notes,
        "unmatched": clean(unmatched[["node", "direction", "material", "left", "unit"]]
                           .rename(columns={"left": "quantity"}).to_dict("records")),
        "parameters": {sec: params.get(sec) for sec in ("transport", "per_capita")},
        "links_table": clean(table.to_dict("records")),
        "totals": clean(totals.to_dict("records")),
    }


def run_symbiosis(park: str | os.PathLike[str] | Park, flows: str | os.PathLike[str], *,
                  network: str | os.PathLike[str] | None = None,
                  out_dir: str | os.PathLike[str] | None = None, overwrite: bool = False,
                  estimate: bool = True) -> SymbiosisResult:
    """Load the park, flows and network, match, and (with ``out_dir``) write the outputs.

    Inputs are checked before any routing; existing outputs are refused before any work unless
    ``overwrite``.

    Examples
    --------
    >>> from eipgis.symbiosis import run_symbiosis
    >>> result = run_symbiosis("layers/tang_loong.gpkg", "layers/tang_loong_flows.csv",
    ...                        network="layers/lao_cai_roads.osm")          # doctest: +SKIP
    >>> result.links[["supplier", "receiver", "material", "distance_m", "network"]]  # doctest: +SKIP
    """
    from ..park import Park, load_park

    if out_dir is not None:
        _check_outputs(Path(out_dir), overwrite=overwrite)
    loaded = park if isinstance(park, Park) else load_park(park)
    table = read_flows(flows, loaded)
    roads = load_network(network, crs=loaded.crs) if network else None
    result = match(loaded, table, network=roads, estimate=estimate)
    if out_dir is not None:
        result.write(out_dir, overwrite=overwrite)
    return result
