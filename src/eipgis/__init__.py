"""eipgis: check industrial-park land use against eco-industrial-park (EIP) and zoning criteria.

A planner's session::

    import eipgis
    park = eipgis.load_park("layers/tang_loong.gpkg")
    report = eipgis.check(park, criteria="vn-qcvn-01-2021")
    report.to_frame()

Importing eipgis prints nothing and loads geopandas, folium, osmnx and rasterio only when a
function needs them.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("eipgis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

from .errors import (  # noqa: E402
    CriteriaError,
    CRSError,
    EipgisError,
    InputError,
    LayerError,
    OutputError,
)

if TYPE_CHECKING:
    from .criteria import ComplianceReport, CriteriaSet, check, load_criteria
    from .park import Park, load_park, park_from_frames
    from .plans.scenario import Scenario, compare

__all__ = [
    "__version__",
    "load_park",
    "park_from_frames",
    "Park",
    "check",
    "load_criteria",
    "ComplianceReport",
    "CriteriaSet",
    "sample_path",
    "Scenario",
    "compare",
    "EipgisError",
    "InputError",
    "LayerError",
    "CRSError",
    "CriteriaError",
    "OutputError",
]

_LAZY = {
    "load_park": "park",
    "park_from_frames": "park",
    "Park": "park",
    "check": "criteria",
    "load_criteria": "criteria",
    "ComplianceReport": "criteria",
    "CriteriaSet": "criteria",
    "Scenario": "scenario",
    "compare": "scenario",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'eipgis' has no attribute {name!r}")


def sample_path() -> str:
    """Path of the embedded Tằng Loỏng sample GeoPackage (installed with the package)."""
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / "tang_loong.gpkg",
                      here.parents[1] / "layers" / "tang_loong.gpkg"):
        if candidate.exists():
            return str(candidate)
    raise InputError(
        "the Tằng Loỏng sample is not installed with this copy of eipgis. "
        "Fix: reinstall with 'python -m pip install .' from the source folder."
    )
