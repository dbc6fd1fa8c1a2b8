"""RECP (resource efficiency and cleaner production): intensities, benchmarks and candidate measures.

From the park's ``enterprises`` table:

* :func:`intensities` — per enterprise and per sector, energy (MWh), water (m³) and waste (t) per
  bn VND of output (``output_value_bn_vnd``), or per worker where the output is missing; a sector's
  intensity is Σ resource / Σ output over the enterprises that report both. Each is compared with
  the first matching benchmark of ``recp_benchmarks.yaml`` (value, unit, source, status); a missing
  figure is not computed and a missing benchmark not compared, and the ``note`` says which.
* :func:`propose` — the measures of ``recp_catalogue.yaml`` that fit each enterprise's sector, as
  rows of a measures file (``kind: recp``): the quantity saved per year (share × the enterprise's
  use), priced by the parameters' ``electricity`` or ``water`` price, a capex from the catalogue's
  payback or cost per unit saved, and the CO₂ avoided by saved electricity (grid factor).
"""

from __future__ import annotations

import math
import os
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .measures import InvestError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CANDIDATE_COLUMNS", "RESOURCES", "candidate_measures", "intensities", "propose", "read_benchmarks", "read_catalogue"]

#: Resource → (column of the enterprises table, unit of the amount, price key in the parameters).
RESOURCES: dict[str, tuple[str, str, str | None]] = {
    "energy": ("energy_mwh_yr", "MWh", "electricity"),
    "water": ("water_m3_yr", "m3", "water"),
    "waste": ("waste_t_yr", "t", None),
}
#: Denominators of an intensity: output value (bn VND per year) or workers.
_BASES = {"output": ("output_value_bn_vnd", "bn VND"), "worker": ("workers", "worker")}
#: Columns of ``recp_candidates.csv`` (a measures file the planner edits and feeds back).
CANDIDATE_COLUMNS = ("id", "title", "title_vi", "kind", "enterprise", "capex", "opex_per_year",
                     "quantity_per_year", "price", "lifetime_years", "co2_t_per_year", "currency",
                     "source", "note")
#: The quantity of a candidate is in the unit of its price: kWh for electricity, m³ for water.
_TO_PRICED_UNIT = {"energy": 1000.0, "water": 1.0}

_Status = Literal["sourced", "unverified", "assumption"]


def _sectors_match(sectors: str | list[str], sector: Any) -> bool:
    if sectors == "all":
        return True
    if not isinstance(sector, str) or not sector.strip():
        return False
    text = sector.casefold()
    return any(word.casefold() in text for word in sectors)


class Benchmark(BaseModel):
    """One reference intensity with its source."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    sectors: list[str] = Field(min_length=1)
    resource: Literal["energy", "water", "waste"]
    per: Literal["output", "worker"]
    value: float = Field(gt=0)
    unit: str
    source: str = Field(min_length=3)
    status: _Status

    @model_validator(mode="after")
    def _unit_fits(self) -> Benchmark:
        expected = f"{RESOURCES[self.resource][1]}/{_BASES[self.per][1]}"
        if self.unit.replace("³", "3").strip() != expected:
            raise ValueError(f"unit {self.unit!r} does not fit {self.resource} per {self.per}: write {expected}")
        return self


class CatalogueMeasure(BaseModel):
    """One RECP measure of the catalogue: what it saves, what it costs, where it comes from."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=32)
    title: str = Field(min_length=1)
    title_vi: str = Field(min_length=1)
    sectors: Literal["all"] | list[str]
    resource: Literal["energy", "water"]
    saving_share: float = Field(gt=0, lt=1)
    payback_years: tuple[float, float] | None = None
    capex_per_unit_saved: float | None = Field(default=None, ge=0)
    lifetime_years: int = Field(ge=1, le=100)
    source: str = Field(min_length=3)
    status: _Status

    @model_validator(mode="after")
    def _one_cost(self) -> CatalogueMeasure:
        if (self.payback_years is None) == (self.capex_per_unit_saved is None):
            raise ValueError("give exactly one of payback_years [low, high] or capex_per_unit_saved")
        if self.payback_years is not None and not 0 < self.payback_years[0] <= self.payback_years[1]:
            raise ValueError("payback_years is [low, high] with 0 < low ≤ high")
        return self


class _Benchmarks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    benchmarks: list[Benchmark]


class _Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    measures: list[CatalogueMeasure] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> _Catalogue:
        keys = [m.key for m in self.measures]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"key(s) {', '.join(repeated)} appear more than once")
        return self


def _read(path: str | os.PathLike[str] | None, name: str, model: Any, what: str) -> Any:
    from .._yamlfile import read_yaml, read_yaml_file, validate

    if path is None:
        text = (resources.files("eipgis") / "invest" / "data" / name).read_text(encoding="utf-8")
        where = f"eipgis {name}"
        data = read_yaml(text, where=where, error=InvestError)
    else:
        where = str(path)
        data = read_yaml_file(Path(path), error=InvestError, what=what)
    return validate(model, data, where=where, what=what, error=InvestError,
                    note=" (see the README, RECP)")


def read_benchmarks(path: str | os.PathLike[str] | None = None) -> list[Benchmark]:
    """The benchmarks of a YAML file, or eipgis's own ``recp_benchmarks.yaml``."""
    return list(_read(path, "recp_benchmarks.yaml", _Benchmarks, "RECP benchmarks file").benchmarks)


def read_catalogue(path: str | os.PathLike[str] | None = None) -> list[CatalogueMeasure]:
    """The measures of a RECP catalogue file, or eipgis's own ``recp_catalogue.yaml``."""
    return list(_read(path, "recp_catalogue.yaml", _Catalogue, "RECP catalogue file").measures)


def _figure(row: dict[str, Any], column: str) -> float | None:
    value = row.get(column)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _enterprises(park: Any) -> list[dict[str, Any]]:
    table = getattr(park, "enterprises", None)
    if table is None or table.empty:
        source = getattr(park, "source", "the park")
        raise InvestError(f"{source}: the park has no enterprises table, so there is nothing to measure "
                          "RECP by. Fix: add the table 'enterprises' (enterprise_id, sector, workers, "
                          "energy_mwh_yr, water_m3_yr, waste_t_yr, output_value_bn_vnd).")
    return list(table.to_dict("records"))


def _ratio(amount: float | None, amount_col: str, basis_figures: dict[str, float | None]
           ) -> tuple[str | None, float | None, str]:
    """(basis, denominator, note): output when given and > 0, else workers, else a reason."""
    if amount is None:
        return None, None, f"no {amount_col}: not computed"
    for basis in _BASES:
        value = basis_figures[basis]
        if value is not None and value > 0:
            return basis, value, ""
    return None, None, "no output_value_bn_vnd and no workers (or 0): not computed"


def _compare(row: dict[str, Any], benchmarks: list[Benchmark], sector: Any) -> None:
    """Fill the benchmark columns of an intensity row (or say why there is no comparison)."""
    if row["intensity"] is None:
        return
    match = next((b for b in benchmarks if b.resource == row["resource"] and b.per == row["basis"]
                  and _sectors_match(b.sectors, sector)), None)
    if match is None:
        shown = sector if isinstance(sector, str) and sector.strip() else "(no sector)"
        row["note"] = f"no benchmark of {row['resource']} per {row['basis']} for sector {shown}: not compared"
        return
    row.update(benchmark=match.value, benchmark_status=match.status, benchmark_source=match.source,
               ratio=row["intensity"] / match.value)
    row["note"] = (f"{row['ratio']:.2f} × the benchmark ({match.status})")


def intensities(park: Any, benchmarks: list[Benchmark] | None = None) -> pd.DataFrame:
    """Resource intensities per enterprise and per sector, compared with the benchmarks.

    One row per enterprise (``level`` enterprise) or sector (``level`` sector) and resource:
    ``amount`` (per year), ``basis`` (output | worker), ``denominator``, ``intensity``, ``unit``,
    ``benchmark``, ``ratio`` (intensity / benchmark), ``benchmark_status``, ``benchmark_source``,
    ``enterprises`` (how many contributed) and ``note``. Missing figures are left blank, never 0.
    """
    import pandas as pd

    benchmarks = read_benchmarks() if benchmarks is None else benchmarks
    rows: list[dict[str, Any]] = []
    enterprises = _enterprises(park)
    for e in enterprises:
        bases = {b: _figure(e, col) for b, (col, _) in _BASES.items()}
        for resource, (column, unit, _) in RESOURCES.items():
            amount = _figure(e, column)
            basis, denominator, note = _ratio(amount, column, bases)
            row = _row("enterprise", e.get("enterprise_id"), e.get("name"), e.get("sector"), resource, amount,
                       basis, denominator, 1 if basis else 0, note)
            _compare(row, benchmarks, e.get("sector"))
            rows.append(row)
    by_sector: dict[str, list[dict[str, Any]]] = {}
    for e in enterprises:
        if isinstance(e.get("sector"), str) and e["sector"].strip():
            by_sector.setdefault(e["sector"], []).append(e)
    for sector, members in sorted(by_sector.items()):
        for resource, (column, unit, _) in RESOURCES.items():
            rows.append(_sector_row(sector, members, resource, column, benchmarks))
    return pd.DataFrame(rows)


def _row(level: str, eid: Any, name: Any, sector: Any, resource: str, amount: float | None,
         basis: str | None, denominator: float | None, count: int, note: str) -> dict[str, Any]:
    unit = f"{RESOURCES[resource][1]}/{_BASES[basis][1]}" if basis else None
    intensity = amount / denominator if amount is not None and denominator else None
    return {"level": level, "enterprise_id": eid, "name": name, "sector": sector, "resource": resource,
            "amount": amount, "basis": basis, "denominator": denominator, "intensity": intensity,
            "unit": unit, "enterprises": count, "benchmark": None, "ratio": None, "benchmark_status": None,
            "benchmark_source": None, "note": note}


def _sector_row(sector: str, members: list[dict[str, Any]], resource: str, column: str,
                benchmarks: list[Benchmark]) -> dict[str, Any]:
    """Σ resource / Σ output over members reporting both; per worker when none reports output."""
    for basis, (base_col, _) in _BASES.items():
        pairs = [(_figure(e, column), _figure(e, base_col)) for e in members]
        both = [(a, d) for a, d in pairs if a is not None and d is not None and d > 0]
        if both:
            amount = sum(a for a, _ in both)
            denominator = sum(d for _, d in both)
            note = "" if len(both) == len(members) else (
                f"{len(both)} of {len(members)} enterprises report {column} and {base_col}")
            row = _row("sector", None, None, sector, resource, amount, basis, denominator, len(both), note)
            _compare(row, benchmarks, sector)
            if note and row["note"] != note:
                row["note"] = f"{note}; {row['note']}"
            return row
    return _row("sector", None, None, sector, resource, None, None, None, 0,
                f"no enterprise of the sector reports {column} with output or workers: not computed")


def _safe_id(text: Any) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_.-")
    return cleaned or "X"


def propose(park: Any, params: dict[str, Any], catalogue: list[CatalogueMeasure] | None = None,
            benchmarks: list[Benchmark] | None = None) -> pd.DataFrame:
    """Candidate RECP measures for each enterprise, as rows of a measures file.

    For each enterprise and each catalogue measure whose ``sectors`` fit its sector and whose
    resource the enterprise reports (> 0): the quantity saved per year is ``saving_share`` × its
    use (kWh for energy, m³ for water), priced by ``prices.electricity`` or ``prices.water``; the
    capex is the midpoint of ``payback_years`` × the yearly benefit, or ``capex_per_unit_saved`` ×
    the quantity; the CO₂ avoided is the MWh saved × ``emission_factors.grid_electricity``. The
    ``note`` shows the arithmetic and the enterprise's intensity against its benchmark.
    """
    import pandas as pd

    catalogue = read_catalogue() if catalogue is None else catalogue
    table = intensities(park, benchmarks)
    ratio_of = {(r["enterprise_id"], r["resource"]): r["note"] for r in table.to_dict("records")
                if r["level"] == "enterprise"}
    prices = params.get("prices") or {}
    grid = (params.get("emission_factors") or {}).get("grid_electricity")
    factor = float(grid["value"]) if grid else None
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for e in _enterprises(park):
        for m in catalogue:
            column, unit, price_key = RESOURCES[m.resource]
            use = _figure(e, column)
            if use is None or use <= 0 or not _sectors_match(m.sectors, e.get("sector")):
                continue
            price = prices.get(price_key or "")
            if price is None:
                raise InvestError(f"the parameters have no price {price_key!r}, which RECP measure {m.key} "
                                  f"needs. Fix: add prices.{price_key} (value, unit, source, status).")
            saved = m.saving_share * use
            quantity = round(saved * _TO_PRICED_UNIT[m.resource], 1)
            benefit = quantity * float(price["value"])
            if m.payback_years is not None:
                years = sum(m.payback_years) / 2
                capex = years * benefit
                cost = f"capex = {years:g} yr payback × benefit {benefit:,.0f}"
            else:
                capex = float(m.capex_per_unit_saved or 0) * quantity
                cost = f"capex = {m.capex_per_unit_saved:g} per unit saved × {quantity:,.0f}"
            co2 = saved * factor if m.resource == "energy" and factor is not None else None
            mid = f"R-{_safe_id(e['enterprise_id'])}-{m.key}"
            while mid in seen:
                mid += "_"
            seen.add(mid)
            intensity = ratio_of.get((e["enterprise_id"], m.resource)) or ""
            rows.append({
                "id": mid, "title": m.title, "title_vi": m.title_vi, "kind": "recp",
                "enterprise": e["enterprise_id"], "capex": round(capex), "opex_per_year": 0,
                "quantity_per_year": quantity, "price": price_key,
                "lifetime_years": m.lifetime_years, "co2_t_per_year": None if co2 is None else round(co2, 3),
                "currency": params["currency"],
                "source": f"catalogue {m.key} ({m.status}): {m.source}",
                "note": (f"saves {m.saving_share:.0%} of {use:,.0f} {unit}/yr = {saved:,.0f} {unit}/yr; {cost}"
                         + (f"; CO2 = {saved:,.0f} MWh × {factor:g} t/MWh" if co2 is not None
                            else "") + (f"; intensity: {intensity}" if intensity else "")),
            })
    return pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))


def candidate_measures(candidates: pd.DataFrame, params: dict[str, Any], park: Any) -> pd.DataFrame:
    """The candidates checked and priced like a measures file (for the appraisal)."""
    from .measures import _blank, check_measures

    rows = [{k: v for k, v in r.items() if not _blank(v)} for r in candidates.to_dict("records")]
    where = [f"candidate {r['id']}" for r in rows]
    return check_measures(rows, where, Path("recp_candidates.csv"), params,
                          enterprises=getattr(park, "enterprises", None))
