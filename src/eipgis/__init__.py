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

from .errors import (
    CriteriaError,
    CRSError,
    EipgisError,
    InfeasibleError,
    InputError,
    LayerError,
    OutputError,
)

if TYPE_CHECKING:
    from .criteria import ComplianceReport, CriteriaSet, check, load_criteria
    from .expr import ExprError
    from .indicators import INDICATORS, Measure, indicator
    from .invest.measures import InvestError
    from .monitor._store import MonitorError
    from .park import Park, load_park, park_from_frames
    from .plans.ops import ScenarioError
    from .plans.scenario import Scenario, compare
    from .raster import RasterError
    from .symbiosis.network import NetworkError
    from .symbiosis.register import RegisterBusyError, RegisterError

__all__ = [
    "INDICATORS",
    "CRSError",
    "ComplianceReport",
    "CriteriaError",
    "CriteriaSet",
    "EipgisError",
    "ExprError",
    "InfeasibleError",
    "InputError",
    "InvestError",
    "LayerError",
    "Measure",
    "MonitorError",
    "NetworkError",
    "OutputError",
    "Park",
    "RasterError",
    "RegisterBusyError",
    "RegisterError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "check",
    "compare",
    "indicator",
    "load_criteria",
    "load_park",
    "park_from_frames",
    "sample_path",
]

#: Names imported on first use (their modules load pydantic, geopandas, rasterio…).
_LAZY = {
    "load_park": "park",
    "park_from_frames": "park",
    "Park": "park",
    "check": "criteria",
    "load_criteria": "criteria",
    "ComplianceReport": "criteria",
    "CriteriaSet": "criteria",
    "Scenario": "plans.scenario",
    "compare": "plans.scenario",
    "INDICATORS": "indicators",
    "Measure": "indicators",
    "indicator": "indicators",
    "ScenarioError": "plans.ops",
    "ExprError": "expr",
    "RasterError": "raster",
    "InvestError": "invest.measures",
    "MonitorError": "monitor._store",
    "RegisterError": "symbiosis.register",
    "RegisterBusyError": "symbiosis.register",
    "NetworkError": "symbiosis.network",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'eipgis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
