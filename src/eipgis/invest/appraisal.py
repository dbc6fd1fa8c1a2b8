"""Appraisal of measures: NPV, IRR, payback and cost per tonne of CO₂, with numpy-financial.

The cash flow of a measure is ``-capex`` in year 0 and ``benefit − opex − transport`` in each
year 1…lifetime (constant, real terms). NPV and IRR are ``numpy_financial.npv`` and ``irr`` of
that flow; the simple payback is capex / yearly net; the discounted payback is the year in which
the cumulative discounted flow reaches zero, interpolated within the year. The cost per tonne of
CO₂ avoided is the equivalent annual cost (−NPV × capital recovery factor) divided by the tonnes
avoided per year: negative when the measure saves money.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Appraisal", "appraise", "cash_flows", "macc_table", "sensitivity"]

#: The ± change of each sensitivity case.
SENSITIVITY_STEP = 0.20


def cash_flows(capex: float, net_per_year: float, years: int) -> list[float]:
    """Year 0 … ``years``: the outlay, then the same net return each year."""
    return [-float(capex)] + [float(net_per_year)] * int(years)


def _crf(rate: float, years: int) -> float:
    """Capital recovery factor: the yearly payment that repays 1 over ``years`` at ``rate``."""
    if abs(rate) < 1e-12:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def _discounted_payback(flows: list[float], rate: float) -> float | None:
    total = flows[0]
    if total >= 0:
        return 0.0
    for year, flow in enumerate(flows[1:], start=1):
        value = flow / (1.0 + rate) ** year
        if value > 0 and total + value >= 0:
            return year - 1 + (-total) / value
        total += value
    return None


@dataclass(frozen=True)
class Appraisal:
    """The figures of one measure (money in the parameters' currency)."""

    id: str
    npv: float
    irr: float | None
    irr_note: str | None
    payback_years: float | None
    discounted_payback_years: float | None
    cost_per_t_co2: float | None
    net_per_year: float


def _irr(flows: list[float]) -> tuple[float | None, str | None]:
    import numpy_financial as npf

    positive = any(f > 0 for f in flows)
    negative = any(f < 0 for f in flows)
    if not (positive and negative):
        if not negative:
            return None, "undefined: no outlay (the cash flow never turns negative)"
        return None, "undefined: the measure never returns its cost (no positive year)"
    value = float(npf.irr(flows))
    if not math.isfinite(value):
        return None, "undefined: no rate makes the NPV zero"
    return value, None


def appraise_one(mid: str, capex: float, net_per_year: float, years: int, rate: float,
                 co2_t_per_year: float | None) -> Appraisal:
    """The appraisal of one cash flow."""
    import numpy_financial as npf

    flows = cash_flows(capex, net_per_year, years)
    npv = float(npf.npv(rate, flows))
    irr, note = _irr(flows)
    if capex <= 0:
        payback: float | None = 0.0 if net_per_year >= 0 else None
    else:
        payback = capex / net_per_year if net_per_year > 0 else None
    cost = None
    if co2_t_per_year is not None and co2_t_per_year > 0:
        cost = -npv * _crf(rate, years) / co2_t_per_year
    return Appraisal(id=mid, npv=npv, irr=irr, irr_note=note, payback_years=payback,
                     discounted_payback_years=_discounted_payback(flows, rate), cost_per_t_co2=cost,
                     net_per_year=net_per_year)


def _net(row: Any) -> float:
    return float(row["benefit_per_year"]) - float(row["opex_per_year"]) - float(row["transport_cost_per_year"])


def _co2(row: Any) -> float | None:
    value = row.get("co2_t_per_year")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def appraise(measures: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """One row per measure: its inputs and NPV, IRR, paybacks and cost per t CO₂."""
    import pandas as pd

    rate = float(params["discount_rate"]["value"])
    rows = []
    for row in measures.to_dict("records"):
        a = appraise_one(row["id"], float(row["capex"]), _net(row), int(row["lifetime_years"]), rate,
                         _co2(row))
        rows.append({**row, "net_per_year": a.net_per_year, "discount_rate": rate, "npv": a.npv,
                     "irr": a.irr, "irr_note": a.irr_note, "payback_years": a.payback_years,
                     "discounted_payback_years": a.discounted_payback_years,
                     "cost_per_t_co2": a.cost_per_t_co2})
    return pd.DataFrame(rows)


def sensitivity(measures: pd.DataFrame, params: dict[str, Any], *,
                step: float = SENSITIVITY_STEP) -> pd.DataFrame:
    """NPV and IRR of each measure with capex, benefit and the discount rate each moved ±``step``."""
    import pandas as pd

    rate = float(params["discount_rate"]["value"])
    out = []
    for row in measures.to_dict("records"):
        capex, years, co2 = float(row["capex"]), int(row["lifetime_years"]), _co2(row)
        benefit = float(row["benefit_per_year"])
        costs = float(row["opex_per_year"]) + float(row["transport_cost_per_year"])
        cases = [("base", 0.0, capex, benefit, rate)]
        for change in (-step, step):
            cases.append(("capex", change, capex * (1 + change), benefit, rate))
        for change in (-step, step):
            cases.append(("benefit", change, capex, benefit * (1 + change), rate))
        for change in (-step, step):
            cases.append(("discount_rate", change, capex, benefit, rate * (1 + change)))
        for name, change, c, b, r in cases:
            a = appraise_one(row["id"], c, b - costs, years, r, co2)
            out.append({"id": row["id"], "parameter": name, "change": change, "npv": a.npv, "irr": a.irr})
    return pd.DataFrame(out, columns=["id", "parameter", "change", "npv", "irr"])


def macc_table(appraised: pd.DataFrame) -> pd.DataFrame:
    """The marginal abatement cost curve: measures with CO₂ avoided, cheapest tonne first.

    Columns: id, title, cost_per_t_co2, co2_t_per_year (the bar's width), start and end of the
    bar on the cumulative tonnes-per-year axis.
    """
    keep = appraised[appraised["cost_per_t_co2"].notna()].copy()
    keep = keep.sort_values(["cost_per_t_co2", "id"], kind="stable")
    keep["end_t_per_year"] = keep["co2_t_per_year"].astype(float).cumsum()
    keep["start_t_per_year"] = keep["end_t_per_year"] - keep["co2_t_per_year"].astype(float)
    return keep[["id", "title", "cost_per_t_co2", "co2_t_per_year", "start_t_per_year",
                 "end_t_per_year"]].reset_index(drop=True)
