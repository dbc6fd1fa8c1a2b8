"""Investment cases: appraisal of symbiosis and RECP measures (NPV, IRR, payback, cost per t CO₂)."""

from .appraisal import Appraisal, appraise, macc_table, sensitivity
from .measures import InvestError, Measure, load_parameters, read_measures

__all__ = [
    "Appraisal",
    "InvestError",
    "Measure",
    "appraise",
    "load_parameters",
    "macc_table",
    "read_measures",
    "sensitivity",
]
