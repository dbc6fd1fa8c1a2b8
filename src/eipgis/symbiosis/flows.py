"""Flow inventories: read and check a planner's supply/demand file, estimate neighbourhood flows."""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from .._validate import Problems, ids_text
from ..errors import EipgisError, InputError
from .vocab import UnitProblem, Vocabulary, convert, load_parameters, load_vocabulary

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pydantic_core import ErrorDetails

    from ..park import Park

__all__ = [
    "DIRECTIONS",
    "REQUIRED",
    "check_flows",
    "estimate_neighbourhood_flows",
    "node_points",
    "read_flows",
]

#: Columns a flow inventory must have.
REQUIRED = ("node", "direction", "material", "quantity", "unit")
#: Allowed directions, with the Vietnamese words planners may write.
DIRECTIONS = {"supply": "supply", "demand": "demand", "cung": "supply", "cung cấp": "supply",
              "nguồn": "supply", "cầu": "demand", "nhu cầu": "demand"}


def node_points(park: Park) -> gpd.GeoSeries:
    """Where each flow node sits, in the park's CRS, indexed by node name.

    A node is a ``facility_id`` (its point, or a polygon's representative point), a
    neighbourhood ``name`` (representative point of its polygon) or a land-use ``parcel_id``
    (e.g. the central WWTP parcel). On a clash of names the facility wins, then the neighbourhood.
    """
    import geopandas as gpd
    import pandas as pd

    parts = []
    fac = park.facilities
    if len(fac):
        parts.append(pd.Series(fac.geometry.representative_point().to_numpy(),
                               index=fac["facility_id"].astype(str).to_numpy()))
    nb = park.neighbourhoods
    if len(nb):
        parts.append(pd.Series(nb.geometry.representative_point().to_numpy(),
                               index=nb["name"].astype(str).to_numpy()))
    lu = park.landuse
    parts.append(pd.Series(lu.geometry.representative_point().to_numpy(),
                           index=lu["parcel_id"].astype(str).to_numpy()))
    points = pd.concat(parts)
    points = points[~points.index.duplicated(keep="first")]
    return gpd.GeoSeries(points, crs=park.crs)


def _node_kinds(park: Park) -> dict[str, str]:
    kinds = {str(p): "parcel" for p in park.landuse["parcel_id"]}
    kinds.update({str(n): "neighbourhood" for n in park.neighbourhoods.get("name", [])})
    kinds.update({str(f): "facility" for f in park.facilities.get("facility_id", [])})
    return kinds


def _scalar(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        kind = "mapping" if isinstance(value, dict) else "list"
        raise ValueError(f"expected a single value, found a {kind}")  # noqa: TRY004 (pydantic wants ValueError)
    return value


def _text(value: Any) -> str:
    value = _scalar(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("empty: give a value")
    return str(value)


def _quantity(value: Any) -> Any:
    value = _scalar(value)
    if value is None or isinstance(value, bool):
        raise ValueError("give the quantity as a number, such as 12000")
    return value


class _Flow(BaseModel):
    """One flow of a YAML inventory; further keys (``temperature_c``, ``basis``…) are kept."""

    model_config = ConfigDict(extra="allow")

    node: Annotated[str, BeforeValidator(_text)]
    direction: Annotated[str, BeforeValidator(_text)]
    material: Annotated[str, BeforeValidator(_text)]
    quantity: Annotated[Any, BeforeValidator(_quantity)]
    unit: Annotated[str, BeforeValidator(_text)]

    @model_validator(mode="after")
    def _extras_are_values(self) -> _Flow:
        for key, value in (self.model_extra or {}).items():
            if isinstance(value, (dict, list)):
                raise ValueError(  # noqa: TRY004 (pydantic wants ValueError)
                    f"key {key!r} holds a {type(value).__name__}; give a single value")
        return self


class _FlowFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int | None = None
    name: str | None = None
    description: str | None = None
    flows: list[_Flow]


def _flow_message(err: ErrorDetails) -> str | None:
    if err["type"] == "missing":
        return "missing; a flow has the keys " + ", ".join(REQUIRED)
    if err["type"] == "extra_forbidden":
        return "unknown key; the top level holds 'flows' (and schema_version, name, description)"
    return None


def _read_yaml_flows(path: Path) -> pd.DataFrame:
    """A YAML inventory (a list of flows, or a key ``flows`` holding one), checked key by key."""
    import pandas as pd

    from .._yamlfile import read_yaml_file, validate

    data = read_yaml_file(path, error=InputError, what="flow inventory", mapping=False)
    if isinstance(data, list):
        data = {"flows": data}
    if not isinstance(data, dict):
        raise InputError(f"{path}: a YAML flow inventory is a list of flows (or a key 'flows' "
                         "holding one). Fix: see the README's flow file format.")
    parsed = validate(_FlowFile, data, where=str(path), what="flow inventory", error=InputError,
                      message=_flow_message, note=" (flows[0] is the first flow)")
    frame = pd.DataFrame([f.model_dump() for f in parsed.flows], columns=None)
    if frame.empty:
        frame = pd.DataFrame(columns=list(REQUIRED))
    return frame


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise InputError(f"{path}: no such flow file. Fix: give the path of a CSV or YAML flow inventory.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            return _read_yaml_flows(path)
        import io

        from ..io import read_text_file

        lines = read_text_file(path, what="flow inventory").splitlines()
        kept = [k for k, line in enumerate(lines, start=1) if not line.lstrip().startswith("#")]
        frame = pd.read_csv(io.StringIO("\n".join(lines[k - 1] for k in kept)), dtype=str,
                            keep_default_na=False)
        if len(kept) == len(frame) + 1:  # one line per row: report the file's own line numbers
            frame["_line"] = kept[1:]
        return frame
    except EipgisError:  # already says what is wrong (an EipgisError is a ValueError or OSError too)
        raise
    except (ValueError, OSError) as exc:  # pandas' ParserError, EmptyDataError, UnicodeDecodeError
        raise InputError(f"{path}: cannot be read as a flow inventory ({exc}). "
                         "Fix: save it as UTF-8 CSV with the columns " + ", ".join(REQUIRED) + ".") from None


#: Largest flow quantity accepted, in the unit given (10¹⁵ t/yr is more than all the Earth's rock moved).
MAX_QUANTITY = 1e15


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def check_flows(table: pd.DataFrame, park: Park, *, source: str = "flows",
                vocabulary: Vocabulary | None = None) -> pd.DataFrame:
    """Check a flow table and convert every quantity to its material's canonical unit.

    Every problem is collected and raised together as one :class:`~eipgis.InputError`:
    unknown nodes, materials, units or directions (each listed with its rows), quantities that
    are not numbers or are negative.

    Returns
    -------
    DataFrame
        ``node, node_kind, direction, material, quantity, unit`` (canonical),
        ``quantity_given, unit_given, row, estimated, basis, source`` and any extra columns of
        the input (quality fields such as ``temperature_c``).
    """
    import pandas as pd

    vocab = vocabulary or load_vocabulary()
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)}. Fix: a flow inventory has "
                         "the columns " + ", ".join(REQUIRED) + " (see the README).")
    kinds = _node_kinds(park)
    problems = Problems(source)
    bad: dict[tuple[str, str], list[int]] = {}
    out = []
    yaml = source.lower().endswith((".yaml", ".yml"))

    def at(rows: list[int]) -> str:
        """Where rows are: CSV lines (``row 3``), or YAML key paths (``flows[1]``) as pydantic says."""
        if yaml:
            return ", ".join(f"flows[{r - 1}]" for r in rows[:10]) + (f" (+{len(rows) - 10})" if len(rows) > 10 else "")
        return f"row {rows[0]}" if len(rows) == 1 else f"rows {ids_text(rows)}"

    for i, rec in enumerate(table.to_dict("records")):
        row = int(rec.pop("_line", 0) or 0) or (i + 1 if yaml else i + 2)
        node = str(rec["node"]).strip()
        mid = vocab.resolve(rec["material"])
        direction = DIRECTIONS.get(str(rec["direction"]).strip().casefold())
        if node not in kinds:
            bad.setdefault(("node", node), []).append(row)
        if mid is None:
            bad.setdefault(("material", str(rec["material"])), []).append(row)
        if direction is None:
            bad.setdefault(("direction", str(rec["direction"])), []).append(row)
        given = str(rec["quantity"]).replace(",", "").replace("_", "").strip()
        try:
            qty = float(given)
        except (ValueError, OverflowError):
            problems.add(at([row]), f"quantity '{_short(rec['quantity'])}' is not a number",
                         "write a plain number such as 12000")
            continue
        if math.isinf(qty) or (math.isfinite(qty) and abs(qty) > MAX_QUANTITY):
            problems.add(f"{at([row])} ({node}, {rec['material']})",
                         f"quantity '{_short(given)}' is infinite or absurdly large",
                         f"give the quantity as an ordinary number (at most {MAX_QUANTITY:.0e})")
            continue
        if math.isnan(qty) or qty < 0:
            problems.add(f"{at([row])} ({node}, {rec['material']})", f"negative or missing quantity {qty:g}",
                         "give the quantity as a positive number; a demand is not a negative supply")
            continue
        if mid is None:
            continue
        target = vocab.materials[mid].unit
        try:
            value = convert(qty, str(rec["unit"]), target)
        except UnitProblem as exc:
            bad.setdefault(("unit", f"{rec['unit']}' for '{mid}"), []).append(row)
            del exc
            continue
        if not math.isfinite(value):
            problems.add(f"{at([row])} ({node}, {rec['material']})",
                         f"quantity {qty:g} {rec['unit']} is out of range in {target}",
                         "give the quantity as an ordinary number")
            continue
        extra = {k: v for k, v in rec.items() if k not in REQUIRED}
        out.append({**extra, "node": node, "node_kind": kinds.get(node, ""), "direction": direction,
                    "material": mid, "quantity": value, "unit": target, "quantity_given": qty,
                    "unit_given": str(rec["unit"]), "row": row, "estimated": False,
                    "basis": str(extra.get("basis", "") or "given"),
                    "source": str(extra.get("source", "") or source)})
    facilities = sorted(k for k, v in kinds.items() if v == "facility")
    places = sorted(k for k, v in kinds.items() if v == "neighbourhood")
    fixes = {
        "node": "use a facility_id (" + (ids_text(facilities, limit=6) or "none") + "), a neighbourhood "
                "name (" + (ids_text(places, limit=6) or "none") + ") or a parcel_id of the park",
        "material": "use a material of the vocabulary (e.g. phosphogypsum, blast_furnace_slag, "
                    "waste_heat, treated_wastewater) or one of its synonyms; see "
                    "`eipgis.symbiosis.load_vocabulary()`",
        "direction": "write supply or demand",
        "unit": "write a rate such as t/yr, kt/yr, m3/d, m³/day, MWh/yr or MW that fits the material",
    }
    for (what, text), rows in bad.items():
        fix = fixes[what]
        if what == "material":
            key = text.casefold().strip().replace(" ", "_")
            close = [m for m in vocab.materials if key and key in m][:4] or \
                difflib.get_close_matches(key, list(vocab.materials), n=3, cutoff=0.5)
            if close:
                fix = f"did you mean {' or '.join(close)}? Else " + fix
        problems.add(at(rows), f"unknown {what} '{text}'", fix)
    problems.raise_if_any(InputError)
    frame = pd.DataFrame(out)
    if frame.empty:
        frame = pd.DataFrame(columns=[*REQUIRED, "node_kind", "quantity_given", "unit_given", "row",
                                      "estimated", "basis", "source"])
    return frame


def read_flows(path: str | os.PathLike[str], park: Park, *,
               vocabulary: Vocabulary | None = None) -> pd.DataFrame:
    """Read a flow inventory (CSV or YAML) and check it against ``park``; see :func:`check_flows`.

    Examples
    --------
    >>> import eipgis
    >>> from eipgis.symbiosis import read_flows
    >>> park = eipgis.load_park("layers/tang_loong.gpkg")           # doctest: +SKIP
    >>> flows = read_flows("layers/tang_loong_flows.csv", park)      # doctest: +SKIP
    """
    p = Path(path)
    return check_flows(_read_table(p), park, source=str(p), vocabulary=vocabulary)


def estimate_neighbourhood_flows(park: Park, flows: pd.DataFrame, *,
                                 parameters: dict[str, Any] | None = None,
                                 vocabulary: Vocabulary | None = None) -> pd.DataFrame:
    """Flows of residential neighbourhoods from ``population`` and per-capita rates.

    A rate (``parameters['per_capita']``) applies to a residential neighbourhood with a
    population only when ``flows`` has no flow of that material and direction for it.
    The estimated rows say so (``estimated`` true, ``basis`` with the rate and its source).
    """
    import pandas as pd

    vocab = vocabulary or load_vocabulary()
    rates = (parameters or load_parameters()).get("per_capita") or {}
    nb = park.neighbourhoods
    if not len(nb) or "population" not in nb.columns:
        return flows
    kind = nb["kind"].astype(str) if "kind" in nb.columns else pd.Series("residential", index=nb.index)
    given = set(zip(flows["node"], flows["material"], flows["direction"])) if len(flows) else set()
    rows = []
    for name, pop, k in zip(nb["name"].astype(str), pd.to_numeric(nb["population"], errors="coerce"),
                            kind):
        if k != "residential" or pd.isna(pop) or pop <= 0:
            continue
        for mid, spec in rates.items():
            direction = spec.get("direction", "supply")
            if mid not in vocab.materials or (name, mid, direction) in given:
                continue
            unit = vocab.materials[mid].unit
            value = convert(float(spec["rate"]) * float(pop), str(spec["unit"]), unit)
            rows.append({"node": name, "node_kind": "neighbourhood", "direction": direction,
                         "material": mid, "quantity": value, "unit": unit, "quantity_given": value,
                         "unit_given": unit, "row": None, "estimated": True,
                         "basis": f"{int(pop):,} people × {spec['rate']} {spec['unit']} per person "
                                  f"({spec.get('status', 'unverified')})",
                         "source": str(spec["source"])})
    if not rows:
        return flows
    return pd.concat([flows, pd.DataFrame(rows)], ignore_index=True)
