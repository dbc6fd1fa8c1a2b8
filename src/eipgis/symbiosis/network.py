"""Road network from a local OSM XML file (osmnx), nearest nodes, one shortest-path tree per source."""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = ["NetworkError", "RoadNetwork", "Routes", "load_network", "route_trees"]

log = logging.getLogger(__name__)


class NetworkError(InputError):
    """An OSM file that is not XML, holds no roads, or cannot be used for routing."""


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Roads (``highway`` ways only) as a directed graph in a projected CRS, lengths in metres.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        The osmnx graph, projected; edge attribute ``length`` in metres.
    source : str
        The OSM file it was read from.
    nodes : numpy.ndarray
        OSM node ids, in the order of ``xy`` and of the routing matrix.
    xy : numpy.ndarray
        Node coordinates (n × 2) in the network's CRS.
    crs : pyproj.CRS
    dropped_ways : int
        Ways of the file without a ``highway`` tag (railways, rivers…), left out of routing.
    """

    graph: nx.MultiDiGraph
    source: str
    nodes: np.ndarray
    xy: np.ndarray
    crs: Any
    dropped_ways: int

    def __repr__(self) -> str:
        return (f"RoadNetwork({self.source!r}, {len(self.nodes):,} nodes, "
                f"{self.graph.number_of_edges():,} edges)")

    def snap(self, points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
        """Nearest network node of each point: (positions into :attr:`nodes`, distance in m)."""
        import osmnx as ox

        pts = points.to_crs(self.crs)
        ids, dist = ox.distance.nearest_nodes(self.graph, pts.x.to_numpy(), pts.y.to_numpy(),
                                              return_dist=True)
        pos = {n: i for i, n in enumerate(self.nodes)}
        return np.array([pos[i] for i in np.atleast_1d(ids)]), np.atleast_1d(np.asarray(dist, float))

    def matrix(self) -> Any:
        """Sparse adjacency matrix (CSR) of edge lengths; parallel edges keep the shortest."""
        return _csr(self)


def _scan(path: Path) -> tuple[int, int]:
    """Count (highway ways, other ways) and check that the file is OSM XML."""
    import xml.etree.ElementTree as ET

    highway = other = 0
    root_tag = None
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if root_tag is None:
                    root_tag = elem.tag
                continue
            if elem.tag == "way":
                if any(t.get("k") == "highway" for t in elem.iter("tag")):
                    highway += 1
                else:
                    other += 1
                elem.clear()
    except ET.ParseError as exc:
        raise NetworkError(
            f"{path}: is not XML ({exc}). Fix: give an OSM XML file (.osm), e.g. one exported "
            "from JOSM or built with layers/build_lao_cai_roads.py.") from None
    if root_tag != "osm":
        raise NetworkError(f"{path}: is XML but not OSM XML (root element <{root_tag}>, not <osm>). "
                           "Fix: give an OSM XML file (.osm).")
    if highway == 0:
        raise NetworkError(
            f"{path}: holds no roads: no way has a 'highway' tag ({other} other ways). "
            "Fix: export roads from OpenStreetMap or add highway=* tags to the road ways.")
    return highway, other


def load_network(path: str | os.PathLike[str], *, crs: Any) -> RoadNetwork:
    """Read a local OSM XML file with ``osmnx.graph_from_xml`` and keep only ``highway`` ways.

    osmnx builds edges from every way of the file (railways too), so edges without a
    ``highway`` tag are removed here, then nodes left without an edge. Every component is kept
    (``retain_all``): a pair in two pieces of the network is reported unreachable, never
    silently rerouted. Ways are not simplified, so each OSM vertex is a node a facility can
    snap to. The graph is projected to ``crs`` (the park's metric CRS).

    Raises
    ------
    NetworkError
        When the file is missing, is not OSM XML, or holds no road.
    """
    p = Path(path)
    if not p.is_file():
        raise NetworkError(f"{p}: no such OSM file. Fix: give the path of an OSM XML road extract "
                           "(build the Lào Cai one with python layers/build_lao_cai_roads.py).")
    _, other = _scan(p)
    try:
        import osmnx as ox
    except ImportError:  # pragma: no cover - osmnx is a dependency
        raise NetworkError("routing needs osmnx. Fix: python -m pip install osmnx") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = ox.graph_from_xml(p, simplify=False, retain_all=True)
    # Whatever osmnx's parser raises on a malformed file (KeyError 'lat', ValueError, …) is the
    # file's fault, not a bug: it becomes the one NetworkError.
    except Exception as exc:  # noqa: BLE001
        raise NetworkError(f"{p}: osmnx cannot build a road graph from it ({exc}). "
                           "Fix: check the file in JOSM; every way needs at least two nodes with "
                           "lat and lon.") from None
    drop = [(u, v, k) for u, v, k, hw in graph.edges(keys=True, data="highway") if hw is None]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n, d in graph.degree() if d == 0])
    if graph.number_of_edges() == 0:
        raise NetworkError(f"{p}: holds no usable road (no highway way with two nodes). "
                           "Fix: add highway=* tags to the road ways.")
    graph = ox.project_graph(graph, to_crs=crs)
    nodes = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes], dtype=float)
    log.info("read %s: %d nodes, %d road edges, %d non-road ways dropped", p, len(nodes),
             graph.number_of_edges(), other)
    return RoadNetwork(graph, str(p), nodes, xy, graph.graph["crs"], other)


def _csr(network: RoadNetwork) -> Any:
    from scipy.sparse import csr_matrix

    pos = {n: i for i, n in enumerate(network.nodes)}
    edges = list(network.graph.edges(data="length"))
    u = np.fromiter((pos[a] for a, _, _ in edges), dtype=np.int64, count=len(edges))
    v = np.fromiter((pos[b] for _, b, _ in edges), dtype=np.int64, count=len(edges))
    w = np.fromiter((float(x) for _, _, x in edges), dtype=float, count=len(edges))
    order = np.lexsort((w, v, u))  # keep the shortest of parallel edges
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    n = len(network.nodes)
    return csr_matrix((np.maximum(w[first], 1e-9), (u[first], v[first])), shape=(n, n))


@dataclass(frozen=True)
class Routes:
    """Shortest-path trees from a set of source nodes (positions into ``RoadNetwork.nodes``).

    ``distance_m[i, j]`` is the network length from ``sources[i]`` to node ``j`` (``inf`` when
    unreachable); :meth:`path` rebuilds the node sequence of one route.
    """

    sources: np.ndarray
    distance_m: np.ndarray
    predecessors: np.ndarray

    def row(self, source: int) -> int:
        return int(np.searchsorted(self.sources, source))

    def length(self, source: int, target: int) -> float:
        return float(self.distance_m[self.row(source), target])

    def path(self, source: int, target: int) -> list[int]:
        """Node positions from ``source`` to ``target`` (empty when unreachable)."""
        r = self.row(source)
        if not np.isfinite(self.distance_m[r, target]):
            return []
        seq = [target]
        pred = self.predecessors[r]
        while seq[-1] != source:
            seq.append(int(pred[seq[-1]]))
        return seq[::-1]


def route_trees(network: RoadNetwork, sources: Any, *, engine: str = "scipy") -> Routes:
    """One shortest-path tree (by length) per distinct source node, not one query per pair.

    ``engine="scipy"`` runs Dijkstra from every source in one call of
    ``scipy.sparse.csgraph.dijkstra`` (compiled; the default); ``engine="networkx"`` runs
    ``networkx.single_source_dijkstra`` once per source on the same graph. Both give the
    same lengths.
    """
    src = np.unique(np.asarray(sources, dtype=np.int64))
    n = len(network.nodes)
    if engine == "scipy":
        from scipy.sparse.csgraph import dijkstra

        if len(src) == 0:
            return Routes(src, np.empty((0, n)), np.empty((0, n), dtype=np.int64))
        dist, pred = dijkstra(_csr(network), directed=True, indices=src, return_predecessors=True)
        return Routes(src, np.atleast_2d(dist), np.atleast_2d(pred).astype(np.int64))
    if engine != "networkx":
        raise ValueError(f"engine must be 'scipy' or 'networkx', not {engine!r}")
    import networkx as nx

    simple = nx.DiGraph()
    simple.add_nodes_from(range(n))
    matrix = _csr(network).tocoo()
    simple.add_weighted_edges_from(zip(matrix.row.tolist(), matrix.col.tolist(), matrix.data.tolist()),
                                   weight="length")
    dist = np.full((len(src), n), np.inf)
    pred = np.full((len(src), n), -9999, dtype=np.int64)
    for r, s in enumerate(src.tolist()):
        lengths, paths = nx.single_source_dijkstra(simple, s, weight="length")
        for node, length in lengths.items():
            dist[r, node] = length
            path = paths[node]
            if len(path) > 1:
                pred[r, node] = path[-2]
    return Routes(src, dist, pred)
