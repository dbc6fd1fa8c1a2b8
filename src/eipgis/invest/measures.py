"""Measures (symbiosis links and RECP actions) and the sourced parameters that price them.

A measures file is CSV or YAML, one measure per row/item::

    id,title,kind,link,enterprise,capex,opex_per_year,benefit_per_year,lifetime_years,co2_t_per_year,currency
    M1,Slag to cement additive,symbiosis,L003,,,150000000,900000000,15,,VND
    M2,Variable-speed drives,recp,,E07,400000000,0,120000000,10,85,VND

``benefit_per_year`` may instead be ``quantity_per_year`` × ``price`` (a key of the parameters'
``prices``) or ``price_per_unit``. A symbiosis measure without ``capex`` gets an estimate from its
link's routed length (``--links``, the ``links.csv`` of ``eipgis symbiosis``) or its ``length_m``,
times the unit cost of its ``mode`` (pipe, conveyor, truck) in the parameters, marked an estimate.
"""

from __future__ import annotations

import math
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MODES", "InvestError", "Measure", "check_measures", "load_parameters", "read_measures"]

#: Link modes with a unit construction cost in the parameters.
MODES = ("pipe", "conveyor", "truck")

#: Largest money amount or quantity accepted (10¹⁸ VND is about 40 billion USD × 1,000).
_MAX = 1e18


class InvestError(InputError):
    """A measures or parameters file cannot be used as it is."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


class Measure(BaseModel):
    """One measure: what it is, what it costs and returns, and how long it lasts."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    title: str = Field(min_length=1, max_length=500)
    title_vi: str | None = None
    kind: Literal["symbiosis", "recp"]
    park: str | None = None
    link: str | None = None
    enterprise: str | None = None
    capex: float | None = Field(default=None, ge=0, le=_MAX)
    opex_per_year: float = Field(default=0.0, ge=-_MAX, le=_MAX)
    benefit_per_year: float | None = Field(default=None, ge=-_MAX, le=_MAX)
    quantity_per_year: float | None = Field(default=None, ge=0, le=_MAX)
    price: str | None = None
    price_per_unit: float | None = Field(default=None, ge=0, le=_MAX)
    lifetime_years: int = Field(ge=1, le=100)
    co2_t_per_year: float | None = Field(default=None, ge=-_MAX, le=_MAX)
    currency: str = Field(default="VND", pattern=r"^[A-Z]{3}$")
    mode: Literal["pipe", "conveyor", "truck"] | None = None
    length_m: float | None = Field(default=None, gt=0, le=1e7)
    source: str | None = None
    note: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if _blank(value) else value

    @model_validator(mode="after")
    def _consistent(self) -> Measure:
        if self.kind == "symbiosis" and not self.link and self.capex is None and self.length_m is None:
            raise ValueError("a symbiosis measure names its link (or gives capex, or length_m and mode)")
        if self.kind == "recp" and not self.enterprise:
            raise ValueError("a RECP measure names its enterprise")
        priced = self.quantity_per_year is not None
        if self.benefit_per_year is not None and priced:
            raise ValueError("give benefit_per_year, or quantity_per_year with a price, not both")
        if priced and (self.price is None) == (self.price_per_unit is None):
            raise ValueError("quantity_per_year needs exactly one of price (a parameter) or price_per_unit")
        if self.benefit_per_year is None and not priced:
            raise ValueError("no benefit: give benefit_per_year, or quantity_per_year with a price")
        return self


#: Sections of the parameters holding one sourced parameter per key (merged key by key).
_SECTIONS = ("unit_costs", "prices", "emission_factors")


def _parameters_file() -> Any:
    return resources.files("eipgis") / "invest" / "data" / "parameters.yaml"


def load_parameters(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The appraisal parameters: eipgis's defaults, with a planner's file laid over them.

    Every parameter carries ``value``, ``source`` and ``status``; the discount rate must lie in
    (-1, 1) and unit costs be at least 0.
    """
    from .._yamlfile import read_yaml

    defaults = read_yaml(_parameters_file().read_text(encoding="utf-8"), where="eipgis invest parameters",
                         error=InvestError)
    if path is None:
        params = defaults
    else:
        from ..io import read_text_file

        own = read_yaml(read_text_file(path, what="parameters file", error=InvestError), where=str(path),
                        error=InvestError)
        if not isinstance(own, dict):
            raise InvestError(f"{path}: expected a mapping (currency, discount_rate, unit_costs, prices, "
                              "emission_factors).")
        params = {**defaults, **own, **{section: {**(defaults.get(section) or {}), **(own.get(section) or {})}
                                        for section in _SECTIONS}}
    where = str(path) if path else "eipgis invest parameters"
    specs = {"discount_rate": params.get("discount_rate")}
    for section in _SECTIONS:
        specs.update({f"{section}.{k}": v for k, v in (params.get(section) or {}).items()})
    for key, spec in specs.items():
        if not isinstance(spec, dict) or not str(spec.get("source") or "").strip():
            raise InvestError(f"{where}, {key}: needs value, source and status. Fix: give every parameter "
                              "its source (document, table, page), or 'assumption: …' saying why.")
        value = spec.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvestError(f"{where}, {key}.value: {value!r} is not a finite number.")
    rate = float(params["discount_rate"]["value"])
    if not -1 < rate < 1:
        raise InvestError(f"{where}, discount_rate.value: {rate} is not a rate between -1 and 1 "
                          "(write 10 % as 0.10).")
    if not isinstance(params.get("currency"), str) or len(params["currency"]) != 3:
        raise InvestError(f"{where}, currency: give a three-letter currency code (VND, USD, EUR).")
    return params


def _rows(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The file's measures as dicts, and where each is in the file (for messages)."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from .._yamlfile import read_yaml
        from ..io import read_text_file

        data = read_yaml(read_text_file(path, what="measures file", error=InvestError), where=str(path),
                         error=InvestError)
        items = data.get("measures") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InvestError(f"{path}: expected a list of measures (or a key 'measures' holding one). "
                              "Fix: see the README's measures file format.")
        return items, [f"measures[{i}]" for i in range(len(items))]
    if suffix != ".csv":
        raise InvestError(f"{path}: a measures file is .csv or .yaml. Fix: save it as CSV UTF-8 or YAML.")
    from ..io import restore
    from ..symbiosis.register import _read_csv

    frame, lines = _read_csv(path, what="measures file", fix="save the measures as CSV UTF-8")
    rows = [{k: restore(v) if isinstance(v, str) else v for k, v in rec.items()}
            for rec in frame.to_dict("records")]
    return rows, [f"line {n}" for n in lines]


def read_measures(
    path: str | os.PathLike[str],
    params: dict[str, Any] | None = None,
    *,
    links: pd.DataFrame | None = None,
    enterprises: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Read and check a measures file; the capex of a link without one is estimated.

    Returns one row per measure with the file's columns plus ``benefit_per_year`` (priced),
    ``capex`` and ``capex_basis`` (``given`` or ``estimate: …``), ``transport_cost_per_year``
    and ``co2_basis``. A measure naming a link not in ``links`` or an enterprise not in
    ``enterprises`` (when given) is an error, as are mixed currencies.
    """
    from ..io import check_input

    p = Path(path)
    check_input(p, what="measures file")
    raw, where = _rows(p)
    return check_measures(raw, where, p, params, links=links, enterprises=enterprises)


def check_measures(
    raw: list[dict[str, Any]],
    where: list[str],
    p: Path,
    params: dict[str, Any] | None = None,
    *,
    links: pd.DataFrame | None = None,
    enterprises: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Measures given as rows (``where`` names each in messages, ``p`` the file or source):
    checked and priced as :func:`read_measures` does with a file's rows."""
    import pandas as pd
    from pydantic import ValidationError

    params = params or load_parameters()
    if not raw:
        raise InvestError(f"{p}: no measure. Fix: one row per measure under the header.")
    measures: list[Measure] = []
    for row, at in zip(raw, where, strict=True):
        try:
            measures.append(Measure.model_validate(row))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(k) for k in err["loc"]) or "measure"
            got = row.get(str(err["loc"][0])) if err["loc"] else None
            shown = f" (got {got!r})" if got is not None and err["loc"] else ""
            raise InvestError(f"{p}, {at}, {key}: {err['msg']}{shown}. Fix: correct the value; see the "
                              "README's measures file format.") from None
    ids = [m.id for m in measures]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise InvestError(f"{p}: measure id(s) {', '.join(repeated)} appear more than once. Fix: give "
                          "each measure its own id.")
    currencies = sorted({m.currency for m in measures} | {params["currency"]})
    if len(currencies) > 1:
        raise InvestError(f"{p}: currencies are mixed ({', '.join(currencies)}; the parameters are in "
                          f"{params['currency']}). Fix: convert every amount to one currency and say so "
                          "in the parameters' currency.")
    link_table = _links_by_id(links)
    known_enterprises = _enterprise_ids(enterprises)
    out = []
    for m, at in zip(measures, where, strict=True):
        out.append(_priced(m, at, p, params, link_table, known_enterprises))
    return pd.DataFrame(out)


def _links_by_id(links: pd.DataFrame | None) -> dict[str, dict[str, Any]] | None:
    if links is None:
        return None
    if "link_id" not in links.columns:
        raise InvestError("the links table has no link_id column. Fix: pass the links.csv written by "
                          "eipgis symbiosis.")
    return {str(r["link_id"]): r for r in links.to_dict("records")}


def _enterprise_ids(enterprises: pd.DataFrame | None) -> set[str] | None:
    if enterprises is None or enterprises.empty or "enterprise_id" not in enterprises.columns:
        return None  # no enterprises table: a RECP measure may name a facility instead
    return {str(v) for v in enterprises["enterprise_id"]}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _priced(m: Measure, at: str, path: Path, params: dict[str, Any],
            links: dict[str, dict[str, Any]] | None, enterprises: set[str] | None) -> dict[str, Any]:
    row = m.model_dump()
    link = None
    if m.link:
        if links is None:
            if m.capex is None and m.length_m is None:
                raise InvestError(f"{path}, {at}: measure {m.id} has no capex and its link {m.link} cannot "
                                  "be measured without the links. Fix: pass --links links.csv (from "
                                  "eipgis symbiosis), or give capex or length_m.")
        else:
            link = links.get(m.link)
            if link is None:
                shown = ", ".join(sorted(links)[:8])
                raise InvestError(f"{path}, {at}: measure {m.id} names link {m.link!r}, which is not in the "
                                  f"links file (it has {shown}{', …' if len(links) > 8 else ''}). Fix: use a "
                                  "link_id of links.csv.")
    if m.enterprise and enterprises is not None and m.enterprise not in enterprises:
        raise InvestError(f"{path}, {at}: measure {m.id} names enterprise {m.enterprise!r}, which is not in "
                          "the park's enterprises table. Fix: use an enterprise_id of that table.")
    if m.price is not None:
        spec = (params.get("prices") or {}).get(m.price)
        if spec is None:
            known = ", ".join(sorted(params.get("prices") or {})) or "none"
            raise InvestError(f"{path}, {at}: measure {m.id} names price {m.price!r}, which the parameters "
                              f"do not hold (they have: {known}). Fix: add it under prices with its source.")
        row["benefit_per_year"] = float(m.quantity_per_year or 0) * float(spec["value"])
        row["benefit_basis"] = f"{m.quantity_per_year:g} × {m.price} ({spec['source']})"
    elif m.price_per_unit is not None:
        row["benefit_per_year"] = float(m.quantity_per_year or 0) * m.price_per_unit
        row["benefit_basis"] = f"{m.quantity_per_year:g} × {m.price_per_unit:g}"
    else:
        row["benefit_basis"] = "given"
    row["transport_cost_per_year"] = 0.0
    mode = m.mode or (str(link.get("mode")) if link and str(link.get("mode")) in MODES else None)
    row["mode"] = mode
    if link is not None and mode == "truck":
        row["transport_cost_per_year"] = _number(link.get("transport_cost_vnd")) or 0.0
    if m.capex is not None:
        row["capex_basis"] = "given"
    else:
        length = m.length_m if m.length_m is not None else (_number(link.get("distance_m")) if link else None)
        if length is None or mode is None:
            raise InvestError(f"{path}, {at}: measure {m.id} has no capex and no route to estimate it from "
                              "(length and mode). Fix: give capex, or mode and length_m, or a routed link.")
        unit = params["unit_costs"].get(mode)
        if unit is None:
            raise InvestError(f"{path}, {at}: no unit cost for mode {mode!r} in the parameters. Fix: add "
                              f"unit_costs.{mode} with its source.")
        row["capex"] = length * float(unit["value"])
        row["capex_basis"] = (f"estimate: {length:,.0f} m × {float(unit['value']):,.0f} {params['currency']}/m "
                              f"({mode}; {unit['source']})")
    if m.co2_t_per_year is None and link is not None and _number(link.get("net_co2_t")) is not None:
        row["co2_t_per_year"] = _number(link.get("net_co2_t"))
        row["co2_basis"] = f"link {m.link}: net CO₂ saved by eipgis symbiosis"
    else:
        row["co2_basis"] = "given" if m.co2_t_per_year is not None else "none"
    return row
