"""The operations a scenario file may hold (rezone, green strip, carve, plot green, set), as typed models.

Each model checks its keys when the file is read, before any geometry work; :mod:`._operations`
applies them to a park.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import InputError
from ..landuse import CLASSES

__all__ = [
    "CHANGE_COLUMNS",
    "MIN_PIECE_M2",
    "MIN_UNASSIGNED_M2",
    "WITHIN_SHARE",
    "Carve",
    "GreenStrip",
    "Operation",
    "PlotGreen",
    "Rezone",
    "ScenarioError",
    "SetValues",
]

#: Pieces of a cut smaller than this (m²) are floating-point slivers: they stay with their parcel.
MIN_PIECE_M2 = 0.01
#: Unassigned land smaller than this (m²) is a digitising gap, not land to assign.
MIN_UNASSIGNED_M2 = 1.0
#: A parcel counts as lying ``within`` a polygon when this share of its area is inside.
WITHIN_SHARE = 0.99

#: Columns of a change log.
CHANGE_COLUMNS = (
    "operation",
    "op",
    "layer",
    "feature",
    "from_feature",
    "from",
    "to",
    "area_m2",
    "note",
)


class ScenarioError(InputError):
    """A scenario file, or one of its operations on a given park, cannot be used.

    The message names the file and the key path (``operations[2].width_m``) and says what to do.
    """


# --- the file model -------------------------------------------------------------------------


def _landuse_class(value: str) -> str | None:
    import pandas as pd

    from ..landuse import classify

    return classify(pd.Series([value], dtype=object)).iloc[0]


def _check_to(value: str) -> str:
    if _landuse_class(value) is None:
        raise ValueError(
            f"unknown land use {value!r}; use a class ({', '.join(CLASSES)}) or a plan code "
            "(CN, CX, GT, HTKT, XLNT…)"
        )
    return value


def _parse_geometry(value: str | dict[str, Any]) -> Any:
    """A shapely geometry from WKT, GeoJSON text or a GeoJSON mapping (geometry or feature[s])."""
    import shapely
    from shapely.geometry import shape

    try:
        if isinstance(value, dict) or (isinstance(value, str) and value.lstrip().startswith("{")):
            data = json.loads(value) if isinstance(value, str) else value
            kind = data.get("type")
            if kind == "FeatureCollection":
                geom = shapely.union_all([shape(f["geometry"]) for f in data["features"]])
            elif kind == "Feature":
                geom = shape(data["geometry"])
            else:
                geom = shape(data)
        else:
            geom = shapely.from_wkt(value)
    except Exception as exc:  # noqa: BLE001 (shapely, json and KeyError all end here)
        raise ValueError(
            f"not a WKT or GeoJSON geometry ({str(exc).splitlines()[0][:120]}); write e.g. "
            "'POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))' or a GeoJSON Polygon"
        ) from None
    if geom is None or geom.is_empty:
        raise ValueError("the geometry is empty")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"expected a Polygon or MultiPolygon, got a {geom.geom_type}")
    if not geom.is_valid:
        raise ValueError(
            f"invalid polygon ({shapely.is_valid_reason(geom)}); fix it in QGIS "
            "(Vector → Geometry Tools → Fix Geometries)"
        )
    return geom


def _check_where(value: str | None) -> str | None:
    """A ``where`` text must be in the where language (:mod:`eipgis.expr`): checked at load time."""
    if value is not None:
        from ..expr import parse_where

        parse_where(value)  # its ExprError is a ValueError: pydantic reports it under the key
    return value


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    note: str | None = None


class Rezone(_Op):
    """Whole parcels change land use: chosen by id (``parcels``), by ``where`` or by ``within``."""

    op: Literal["rezone"]
    parcels: list[str] | None = Field(default=None, min_length=1)
    where: str | None = Field(default=None, min_length=1)
    within: str | dict[str, Any] | None = None
    crs: str | None = None
    to: str

    _to = field_validator("to")(classmethod(lambda cls, v: _check_to(v)))
    _where = field_validator("where")(classmethod(lambda cls, v: _check_where(v)))

    @field_validator("within")
    @classmethod
    def _geometry(cls, value: Any) -> Any:
        if value is not None:
            _parse_geometry(value)
        return value

    @model_validator(mode="after")
    def _one_selector(self) -> Rezone:
        given = [k for k in ("parcels", "where", "within") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of parcels, where or within"
                + (f" (found {', '.join(given)})" if given else "")
            )
        return self


class GreenStrip(_Op):
    """The band of ``width_m`` inside the boundary turns green (all round, or facing some homes).

    Land of the classes in ``keep`` (default: water, so rivers and ponds stay) is left as it
    is; ``keep: []`` takes everything in the band. The change log says, by class, what the
    strip took and what it kept (:func:`strip_by_class`).
    """

    op: Literal["green_strip"]
    width_m: float = Field(gt=0, allow_inf_nan=False)
    sides: Literal["all"] | list[str] = "all"
    to: str = "green"
    keep: list[str] = Field(default_factory=lambda: ["water"])

    _to = field_validator("to")(classmethod(lambda cls, v: _check_to(v)))

    @field_validator("keep")
    @classmethod
    def _keep(cls, value: list[str]) -> list[str]:
        for item in value:
            _check_to(item)
        return value

    @property
    def keep_classes(self) -> list[str]:
        """The land-use classes the strip leaves alone (``keep`` may name plan codes)."""
        return sorted({str(_landuse_class(k)) for k in self.keep})

    @field_validator("sides")
    @classmethod
    def _sides(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("list at least one neighbourhood name, or write 'all'")
        return value


class Carve(_Op):
    """Cut a shape out of whatever parcels (and unassigned land) it covers; give it a land use."""

    op: Literal["carve"]
    geometry: str | dict[str, Any]
    crs: str | None = None
    to: str
    name: str | None = None

    _to = field_validator("to")(classmethod(lambda cls, v: _check_to(v)))

    @field_validator("geometry")
    @classmethod
    def _geometry(cls, value: Any) -> Any:
        _parse_geometry(value)
        return value


class PlotGreen(_Op):
    """Plant green inside plots: the polygon joins the ``plot_green`` layer; land use is unchanged.

    The polygon (clipped to the boundary) is planted on open ground only: buildings and the
    green already there are left out, so a plot's building density never changes.
    """

    op: Literal["plot_green"]
    geometry: str | dict[str, Any]
    crs: str | None = None
    name: str | None = None

    @field_validator("geometry")
    @classmethod
    def _geometry(cls, value: Any) -> Any:
        _parse_geometry(value)
        return value


class SetValues(_Op):
    """Change attributes of the features of a layer selected by ``where``."""

    op: Literal["set"]
    layer: str = Field(min_length=1)
    where: str = Field(min_length=1)
    values: dict[str, Any] = Field(min_length=1)

    _where = field_validator("where")(classmethod(lambda cls, v: _check_where(v)))

    @field_validator("values")
    @classmethod
    def _not_protected(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k in value if k in ("geometry", "parcel_id", "landuse_class")]
        if bad:
            raise ValueError(
                f"{', '.join(bad)} cannot be set; use rezone or carve to change land use or shape"
            )
        return value


Operation = Annotated[
    Rezone | GreenStrip | Carve | PlotGreen | SetValues, Field(discriminator="op")
]
_OP_NAMES = ("rezone", "green_strip", "carve", "plot_green", "set")
