"""Material vocabulary, compatibility table, parameters and unit conversion (pint) for symbiosis."""

from __future__ import annotations

import csv
import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..errors import InputError

__all__ = [
    "Compatibility",
    "Material",
    "UnitProblem",
    "Vocabulary",
    "convert",
    "load_parameters",
    "load_vocabulary",
    "parse_unit",
]


@dataclass(frozen=True)
class Material:
    """One material of the controlled vocabulary.

    ``unit`` is the canonical unit every quantity of it is converted to; ``mode`` is how it
    travels (``truck``: cost and CO2 per tonne-km; ``pipe`` and ``grid``: not estimated).
    """

    id: str
    en: str
    vi: str
    unit: str
    mode: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Compatibility:
    """One row of the compatibility table: a supplied material that can serve a demand."""

    supply: str
    demand: str
    use_en: str
    use_vi: str
    evidence: str
    avoided_kgco2_per_unit: float | None
    factor_source: str
    source: str


def _key(text: str) -> str:
    """Lookup key of a material name: NFC, case-folded, spaces and dashes unified."""
    text = unicodedata.normalize("NFC", str(text)).casefold().strip()
    return re.sub(r"[\s_\-–]+", " ", text)


@dataclass(frozen=True)
class Vocabulary:
    """The materials (with synonyms) and the supply → demand compatibility rows."""

    materials: dict[str, Material]
    compatibility: tuple[Compatibility, ...]
    _index: dict[str, str] = field(default_factory=dict, repr=False)

    def resolve(self, name: object) -> str | None:
        """The material id a planner's name (id, English, Vietnamese or synonym) stands for."""
        return self._index.get(_key(str(name)))

    def uses(self, supply: str, demand: str) -> Compatibility | None:
        """How ``supply`` can serve ``demand``: the table's row, a direct-use row, or None."""
        for row in self.compatibility:
            if row.supply == supply and row.demand == demand:
                return row
        if supply == demand:
            mat = self.materials[supply]
            return Compatibility(supply, demand, f"direct use of {mat.en.lower()}",
                                 f"sử dụng trực tiếp {mat.vi.lower()}", "identity", None, "",
                                 "same material supplied and demanded")
        return None


def _data_file(name: str) -> Any:
    return resources.files("eipgis.symbiosis").joinpath("data").joinpath(name)


def _read_yaml(path: Any, what: str) -> dict[str, Any]:
    """A symbiosis data file through the one safe YAML reader (a mapping at the top level)."""
    from .._yamlfile import read_yaml_file

    data = read_yaml_file(Path(os.fspath(path)), error=InputError, what=what)
    if not isinstance(data, dict):
        raise InputError(f"{path}: the {what} must be a YAML mapping. Fix: start from the built-in file.")
    return data


def _unit(value: str) -> str:
    parse_unit(value)  # raises UnitProblem (a ValueError): pydantic reports it at the key
    return value


class _MaterialSpec(BaseModel):
    """One material of ``materials.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    vi: str = Field(min_length=1)
    unit: Annotated[str, AfterValidator(_unit)]
    mode: Literal["truck", "pipe", "grid"] = "truck"
    synonyms: list[str] | None = None


class _MaterialsFile(BaseModel):
    """``materials.yaml``: ``schema_version`` and the materials by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    materials: dict[str, _MaterialSpec] = Field(min_length=1)


def _read_materials(path: Path) -> dict[str, _MaterialSpec]:
    from .._yamlfile import validate

    parsed = validate(_MaterialsFile, _read_yaml(path, "material vocabulary"), where=str(path),
                      what="material vocabulary", error=InputError)
    return parsed.materials


@functools.lru_cache(maxsize=4)
def load_vocabulary(materials: str | None = None, compatibility: str | None = None) -> Vocabulary:
    """Load the material vocabulary and compatibility table (built-in unless paths are given).

    Examples
    --------
    >>> vocab = load_vocabulary()
    >>> vocab.resolve("Xỉ hạt lò cao")
    'blast_furnace_slag'
    """
    mpath = Path(materials) if materials else _data_file("materials.yaml")
    mats: dict[str, Material] = {}
    index: dict[str, str] = {}
    for mid, spec in _read_materials(mpath).items():
        mats[mid] = Material(mid, spec.en, spec.vi, spec.unit, spec.mode, tuple(spec.synonyms or ()))
        for name in (mid, spec.en, spec.vi, *mats[mid].synonyms):
            index.setdefault(_key(name), mid)
    cpath = Path(compatibility) if compatibility else _data_file("compatibility.csv")
    with cpath.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    compat = []
    for n, row in enumerate(rows, start=2):
        s, d = row.get("supply_material", ""), row.get("demand_material", "")
        if s not in mats or d not in mats:
            raise InputError(f"{cpath}, line {n}: unknown material '{s if s not in mats else d}'. "
                             "Fix: use a material id of the vocabulary.")
        if not row.get("source"):
            raise InputError(f"{cpath}, line {n}: no source. Fix: every compatibility row needs one.")
        factor = row.get("avoided_kgco2_per_unit") or ""
        compat.append(Compatibility(s, d, row.get("use_en", ""), row.get("use_vi", ""),
                                    row.get("evidence", "hypothesis"),
                                    float(factor) if factor.strip() else None,
                                    row.get("factor_source", ""), row["source"]))
    return Vocabulary(mats, tuple(compat), index)


@functools.lru_cache(maxsize=4)
def load_parameters(path: str | None = None) -> dict[str, Any]:
    """Transport and per-capita parameters, each with ``value``/``rate``, ``source`` and ``status``."""
    p = Path(path) if path else _data_file("parameters.yaml")
    data = _read_yaml(p, "symbiosis parameters")
    for section in ("transport", "per_capita"):
        for key, spec in (data.get(section) or {}).items():
            if not isinstance(spec, dict) or not spec.get("source"):
                raise InputError(f"{p}, {section}.{key}: no source. Fix: give every parameter a source.")
    return data


# --- units -----------------------------------------------------------------------------------------

class UnitProblem(ValueError):
    """A unit text that pint cannot read, or that does not fit the material."""


@functools.lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    return pint.UnitRegistry()


_REPLACEMENTS = [
    (r"³", "**3"), (r"²", "**2"),
    (r"(?<![A-Za-z])m3(?![0-9])", "m**3"), (r"(?<![A-Za-z])Nm3", "m**3"),
    (r"\bkt\b", "kilotonne"), (r"\bMt\b", "megatonne"),
    (r"tấn", "t"), (r"năm", "yr"), (r"ngày đêm", "day"), (r"ngđ", "day"), (r"ngày", "day"),
    (r"/\s*d\b", "/day"), (r"/\s*h\b", "/hour"),
]


@functools.lru_cache(maxsize=256)
def parse_unit(text: str) -> Any:
    """Read a unit as planners write it (``t/yr``, ``m3/d``, ``m³/day``, ``MWh/yr``, ``MW``, ``tấn/năm``).

    Raises
    ------
    UnitProblem
        When pint cannot read it.
    """
    t = unicodedata.normalize("NFC", str(text)).strip()
    if not t:
        raise UnitProblem("no unit")
    for pattern, repl in _REPLACEMENTS:
        t = re.sub(pattern, repl, t)
    try:
        return _registry().parse_units(t)
    # pint's parser raises an open set on bad text (UndefinedUnitError, DefinitionSyntaxError,
    # TokenError, AssertionError, TypeError, ZeroDivisionError…): each means "not a unit".
    except Exception as exc:  # noqa: BLE001
        raise UnitProblem(f"'{text}' is not a unit eipgis can read ({exc})") from None


def convert(quantity: float, unit: str, to: str, *, density_t_per_m3: float | None = None) -> float:
    """Convert ``quantity`` in ``unit`` to the unit ``to`` with pint.

    A rate per day or a power (``MW``) becomes a rate per year (pint's year of 365.25 days:
    1 MW continuous = 8,766 MWh/yr). Mass and volume convert through ``density_t_per_m3``
    when given.

    Examples
    --------
    >>> round(convert(3000, "m3/d", "m3/yr"))
    1095750
    """
    from pint.errors import DimensionalityError

    ureg = _registry()
    q = quantity * ureg.Unit(parse_unit(unit))
    target = ureg.Unit(parse_unit(to))
    candidates = [q]
    if density_t_per_m3:
        rho = density_t_per_m3 * ureg("t/m**3")
        candidates += [q * rho, q / rho]
    for candidate in candidates:
        try:
            return float(candidate.to(target).magnitude)
        except DimensionalityError:
            continue
    raise UnitProblem(f"'{unit}' cannot be converted to {to} (a rate per year of the material's kind)")


def package_path(name: str) -> str:
    """Filesystem path of a packaged data file (for messages and documentation)."""
    return os.fspath(_data_file(name))
