"""Many parks at once: check every park of a list on Dask distributed and gather the results.

A portfolio run never stops at a broken park: each park is loaded and checked in a task of its
own, and a park that cannot be read is reported in ``errors`` with the reason. The tasks run on
a Dask cluster: a local one by default (worker processes on this machine, no set-up), or an
existing scheduler by address (``tcp://host:8786``) for a cluster of machines, whose workers
must have eipgis installed.

Examples
--------
>>> from eipgis.portfolio import ParkEntry, run_portfolio
>>> result = run_portfolio([ParkEntry(source="layers/tang_loong.gpkg")], workers=1)  # doctest: +SKIP
>>> result.parks[0]["passed"]  # doctest: +SKIP
False
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import EipgisError, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ParkEntry", "PortfolioResult", "check_entry", "read_park_list", "run_portfolio"]

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler given by address before saying it does not answer.
CONNECT_TIMEOUT_S = 10.0

#: Tolerance (metres, in the park's CRS) of the outline drawn on the portfolio map.
_OUTLINE_TOLERANCE_M = 5.0


class ParkEntry(BaseModel):
    """One park of a portfolio: where it is read from, and optional per-park settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=1, description="GeoPackage, folder of layers or a database URL")
    name: str | None = Field(default=None, min_length=1, description="the park's name in the outputs")
    crs: str | None = None
    criteria: str | None = None
    landuse_mapping: str | None = None


class _ParkList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    criteria: str | None = None
    parks: list[ParkEntry | str] = Field(min_length=1)


def read_park_list(path: str | os.PathLike[str]) -> tuple[list[ParkEntry], str | None]:
    """The parks of a list file (YAML), and the list's own criteria set if it names one.

    The file is either a list of park paths or a mapping ``{criteria: SET, parks: [...]}`` whose
    items are paths or mappings ``{source, name, crs, criteria, landuse_mapping}``. Relative
    paths are read from the list file's folder.
    """
    from ._yamlfile import read_yaml, validate
    from .io import read_text_file

    where = str(path)
    data = read_yaml(read_text_file(path, what="park list", error=InputError), where=where,
                     error=InputError)
    if isinstance(data, list):
        data = {"parks": data}
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a list of parks or a mapping with 'parks'. "
                         "Fix: write `parks:` followed by one `- source: FILE.gpkg` per park.")
    parsed = validate(_ParkList, data, where=where, what="park list", error=InputError)
    base = Path(path).parent
    entries = []
    for item in parsed.parks:
        entry = ParkEntry(source=item) if isinstance(item, str) else item
        entries.append(entry.model_copy(update={
            key: _resolve(getattr(entry, key), base) for key in ("source", "landuse_mapping", "criteria")
        }))
    criteria = _resolve(parsed.criteria, base) if parsed.criteria else None
    return entries, criteria


def _resolve(value: str | None, base: Path) -> str | None:
    """A path relative to the list file's folder; URLs and built-in criteria names unchanged."""
    if value is None or "://" in value or Path(value).is_absolute():
        return value
    candidate = base / value
    if candidate.exists() or not _is_builtin_criteria(value):
        return str(candidate)
    return value


def _is_builtin_criteria(name: str) -> bool:
    from .criteria import builtin_sets

    return name in builtin_sets()


def _outline(park: Any) -> dict[str, Any]:
    """The park's boundary in WGS 84 as a GeoJSON geometry (simplified for the overview map)."""
    import shapely

    geom = shapely.union_all(park.boundary.geometry.values)
    geom = shapely.simplify(geom, _OUTLINE_TOLERANCE_M, preserve_topology=True)
    import geopandas as gpd

    ll = gpd.GeoSeries([geom], crs=park.crs).to_crs(4326).iloc[0]
    return shapely.geometry.mapping(shapely.set_precision(ll, 1e-6))


def check_entry(entry: ParkEntry, criteria: str, raster: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Load and check one park; runs inside a Dask worker. Never raises for bad input.

    Returns the park's row of ``portfolio.json``, or ``{"park": …, "error": message}`` when the
    park cannot be read or checked.
    """
    from .criteria import check, load_criteria
    from .park import load_park

    label = entry.name or entry.source
    try:
        cset = load_criteria(entry.criteria or criteria)
        if raster:
            from . import raster as rasters

            cset = rasters.with_observed_green(cset, raster["path"], **raster.get("options", {}))
        park = load_park(entry.source, crs=entry.crs, landuse_mapping=entry.landuse_mapping)
        report = check(park, cset)
    except EipgisError as exc:
        return {"park": label, "source": entry.source, "error": str(exc)}
    except OSError as exc:
        from .io import os_error_message

        return {"park": label, "source": entry.source,
                "error": os_error_message(exc, entry.source, doing="cannot be read")}
    data = report.to_dict()
    return {
        "park": entry.name or park.name,
        "source": entry.source,
        "criteria_set": data["criteria_set"],
        "crs": data["crs"],
        "area_ha": data["area_ha"],
        "passed": data["passed"],
        "failing": [r["id"] for r in data["results"] if r["passed"] is False],
        "not_assessed": [r["id"] for r in data["results"] if r.get("assessed") is False],
        "results": data["results"],
        "land_use_ha": data["land_use_ha"],
        "notes": data["notes"],
        "outline": _outline(park),
    }


@dataclass
class PortfolioResult:
    """What a portfolio run found: a row per park checked, and the parks that could not be."""

    parks: list[dict[str, Any]]
    errors: list[dict[str, str]]
    criteria: str
    workers: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self, *, outlines: bool = False) -> dict[str, Any]:
        """``portfolio.json``: ``{"parks": [...], "errors": [...]}`` (outlines only on request)."""
        keep = [p if outlines else {k: v for k, v in p.items() if k != "outline"} for p in self.parks]
        return {"criteria_set": self.criteria, "parks": keep, "errors": self.errors}

    def to_frame(self) -> pd.DataFrame:
        """One row per park: name, source, area, passed, failing ids and one column per criterion."""
        import pandas as pd

        rows = []
        for p in self.parks:
            row: dict[str, Any] = {
                "park": p["park"], "source": p["source"], "area_ha": p["area_ha"],
                "passed": p["passed"], "failing": "; ".join(p["failing"]),
                "not_assessed": "; ".join(p["not_assessed"]),
            }
            for r in p["results"]:
                row[r["id"]] = _cell(r)
            rows.append(row)
        for e in self.errors:
            rows.append({"park": e["park"], "source": e.get("source", ""), "error": e["message"]})
        return pd.DataFrame(rows)


def _cell(result: Mapping[str, Any]) -> str:
    if result.get("assessed") is False or result["passed"] is None:
        return "not assessed"
    return "pass" if result["passed"] else "fail"


def _duplicates(names: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for name, source in names:
        seen.setdefault(name.casefold().strip(), []).append(source)
    return {k: v for k, v in seen.items() if len(v) > 1}


def _same_source(source: str) -> str:
    """A key that is equal for two spellings of the same park file (a URL stays as it is)."""
    return source if "://" in source else str(Path(source).resolve())


def _refuse_duplicates(pairs: Sequence[tuple[str, str]], *, when: str) -> None:
    dups = _duplicates(pairs)
    if dups:
        shown = "; ".join(f"{name!r}: {', '.join(sources)}" for name, sources in dups.items())
        raise InputError(
            f"two parks have the same name {when} ({shown}). Fix: give each park a distinct "
            "`name:` in the park list, or a distinct `name` in its boundary layer."
        )


class _QuietDask:
    """Dask's start-up and shut-down chatter (INFO lines) kept out of a planner's terminal.

    ``eipgis -v`` (INFO on the root logger) lets it through.
    """

    def __enter__(self) -> None:
        import distributed  # noqa: F401 - configures its loggers on import

        names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]
        self._levels = {n: logging.getLogger(n).level for n in names}
        if not logging.getLogger().isEnabledFor(logging.INFO):
            for name in names:
                logging.getLogger(name).setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)


def _client(workers: int | None, scheduler: str | None, timeout: float) -> tuple[Any, Any]:
    """A Dask client on the given scheduler, or on a new local cluster (and that cluster)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a core dependency
        raise InputError("the portfolio runs on Dask distributed. Fix: pip install distributed") from None
    if scheduler:
        try:
            return Client(scheduler, timeout=timeout, set_as_default=False), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"the Dask scheduler at {scheduler} did not answer within {timeout:g} s ({exc}). Fix: "
                "start it (`dask scheduler`) and its workers (`dask worker ADDRESS`), check the "
                "address and port, or leave out --scheduler to run on this machine."
            ) from None
    n = workers or max(1, min(2, os.cpu_count() or 1))
    # dashboard_address ":0": the scheduler's HTTP endpoint on a free port (never a fixed one
    # that a second run or another program holds); no dashboard pages without bokeh.
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster, set_as_default=False), cluster


def run_portfolio(
    entries: Sequence[ParkEntry],
    criteria: str = "vn-qcvn-01-2021",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    landcover: str | None = None,
    raster_options: Mapping[str, Any] | None = None,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    timeout: float = CONNECT_TIMEOUT_S,
) -> PortfolioResult:
    """Check every park on Dask; a broken park goes to ``errors`` and never stops the others.

    ``progress(done, total, row)`` is called as each park finishes (in the order they finish);
    the result lists parks in the order given.
    """
    if not entries:
        raise InputError("the portfolio has no park. Fix: name at least one park or a --list file.")
    _refuse_duplicates([(e.name or _same_source(e.source), e.source) for e in entries],
                       when="in the list (a name, or the same park file twice)")
    from .criteria import load_criteria

    load_criteria(criteria)  # a bad shared criteria file stops the run before any work
    raster = {"path": landcover, "options": dict(raster_options or {})} if landcover else None
    if raster:
        from . import raster as rasters

        rasters.check_raster(landcover)  # type: ignore[arg-type]
    quiet = _QuietDask()
    with quiet:
        client, cluster = _client(workers, scheduler, timeout)
    rows: list[dict[str, Any] | None] = [None] * len(entries)
    try:
        from distributed import as_completed

        described = f"{len(client.scheduler_info().get('workers', {}))} workers at {client.scheduler.address}"
        futures = client.map(check_entry, list(entries), criteria=criteria, raster=raster, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for done, future in enumerate(as_completed(futures, loop=client.loop), start=1):
            i = index[future.key]
            try:
                row = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died or eipgis has a bug: report it
                row = {"park": entries[i].name or entries[i].source, "source": entries[i].source,
                       "error": f"the check stopped on the worker: {type(exc).__name__}: {exc}"}
            rows[i] = row
            if progress is not None:
                progress(done, len(entries), row)
    finally:
        with quiet:
            client.close()
            if cluster is not None:
                cluster.close()
    parks = [r for r in rows if r is not None and "error" not in r]
    errors = [{"park": r["park"], "source": r["source"], "message": r["error"]}
              for r in rows if r is not None and "error" in r]
    _refuse_duplicates([(p["park"], p["source"]) for p in parks], when="after loading")
    return PortfolioResult(parks=parks, errors=errors, criteria=load_criteria(criteria).id,
                           workers=described)


#: Files ``eipgis portfolio`` writes into its output folder.
OUTPUT_FILES = ("portfolio.json", "portfolio.csv", "portfolio.html")


def write_portfolio(result: PortfolioResult, out_dir: str | os.PathLike[str], *, lang: str = "en",
                    overwrite: bool = False) -> list[Path]:
    """Write ``portfolio.json``, ``portfolio.csv`` and the offline ``portfolio.html``.

    Every file is rendered before the first is written, and each is written atomically, so a
    failure leaves no partial output.
    """
    import json

    from .io import csv_text, refuse_outputs, write_text
    from .present.portfolio_page import portfolio_html

    out = Path(out_dir)
    paths = [out / name for name in OUTPUT_FILES]
    refuse_outputs(paths, overwrite=overwrite, inputs=[])
    texts = [
        json.dumps(result.to_dict(), ensure_ascii=False, indent=2),
        csv_text(result.to_frame()),
        portfolio_html(result.to_dict(outlines=True), lang=lang),
    ]
    out.mkdir(parents=True, exist_ok=True)
    return [write_text(p, t, overwrite=overwrite) for p, t in zip(paths, texts, strict=True)]
