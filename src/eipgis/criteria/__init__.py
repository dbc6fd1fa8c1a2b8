"""Criteria sets as data (YAML), and ``check(park, criteria)`` that judges a park against one."""

from __future__ import annotations

import inspect
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .. import _tabular  # noqa: F401 - registers the data indicators (table_share, checklist…)
from .._words import CHECK_HEADINGS, CHECK_WORDS, DATA_CHECK_WORDS
from .._yamlfile import read_yaml, validate
from ..errors import CriteriaError, InputError
from ..indicators import INDICATORS, Measure, NotAssessed, StripDetail

if TYPE_CHECKING:
    import pandas as pd

    from ..park import Park

__all__ = [
    "HEADINGS",
    "ComplianceReport",
    "CriteriaSet",
    "Criterion",
    "Result",
    "builtin_sets",
    "check",
    "format_gap",
    "format_number",
    "format_threshold",
    "format_value",
    "load_criteria",
    "not_assessed_text",
    "verdict",
]

Op = Literal[">=", "<=", ">", "<", "=="]
_OPS = {
    ">=": lambda v, t: v >= t,
    "<=": lambda v, t: v <= t,
    ">": lambda v, t: v > t,
    "<": lambda v, t: v < t,
    "==": lambda v, t: v == t,
}
_OP_SIGN = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}
# Relative tolerance when comparing a measured share with its threshold (floating-point noise).
_EPS = 1e-9


class Text(BaseModel):
    """A text in English and Vietnamese."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str = Field(min_length=1)
    vi: str = Field(min_length=1)


def _register_optional_indicators() -> None:
    """Import the modules whose indicators need extra libraries (rasterio), registering them."""
    import importlib

    for module in _OPTIONAL_INDICATOR_MODULES:
        importlib.import_module(module)


#: Modules that register further indicators when imported (kept out of ``import eipgis``).
_OPTIONAL_INDICATOR_MODULES = ("eipgis.raster",)


#: Largest magnitude a criterion's number may have (a threshold, a width in metres, a floor count).
_MAX_PARAM = 1e12


def _bad_numbers(value: Any, key: str) -> list[str]:
    """Keys under ``value`` whose numbers are infinite, NaN or absurdly large."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        finite = math.isfinite(value) if isinstance(value, float) else True
        if not finite or abs(value) > _MAX_PARAM:
            return [key]
        return []
    if isinstance(value, Mapping):
        return [k for name, item in value.items() for k in _bad_numbers(item, f"{key}.{name}")]
    if isinstance(value, list | tuple):
        return [k for i, item in enumerate(value) for k in _bad_numbers(item, f"{key}[{i}]")]
    return []


class Criterion(BaseModel):
    """One criterion: an indicator, how it is compared, and where the rule comes from.

    ``threshold`` and every number in ``params`` are finite (no ``.inf`` / ``.nan``) and at
    most 10¹² in magnitude.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    title: Text
    indicator: str
    params: dict[str, Any] = Field(default_factory=dict)
    op: Op
    threshold: float | dict[str, float]
    unit: str
    source: str = Field(min_length=3)
    status: Literal["confirmed", "unconfirmed"]
    note: str | None = None
    #: The first day the rule applies (ISO date, optional).
    in_force_from: date | None = None
    #: The first day it no longer applies (exclusive; optional).
    in_force_to: date | None = None

    def in_force(self, on: date) -> bool:
        """Whether the rule applies on ``on`` (``in_force_from ≤ on < in_force_to``)."""
        return ((self.in_force_from is None or self.in_force_from <= on)
                and (self.in_force_to is None or on < self.in_force_to))

    @field_validator("indicator")
    @classmethod
    def _known_indicator(cls, value: str) -> str:
        if value not in INDICATORS:
            _register_optional_indicators()
        if value not in INDICATORS:
            raise ValueError(f"unknown indicator {value!r}; known: {', '.join(sorted(INDICATORS))}")
        return value

    @field_validator("params")
    @classmethod
    def _finite_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = _bad_numbers(value, "params")
        if bad:
            raise ValueError(
                f"{', '.join(bad)}: not a finite number of sensible size (no .inf, .nan or "
                f"numbers beyond {_MAX_PARAM:.0e})"
            )
        return value

    @field_validator("threshold")
    @classmethod
    def _sensible_threshold(cls, value: float | dict[str, float]) -> float | dict[str, float]:
        if _bad_numbers(value, "threshold"):
            raise ValueError(f"not a number of sensible size (beyond {_MAX_PARAM:.0e})")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Criterion:
        if (self.in_force_from is not None and self.in_force_to is not None
                and self.in_force_from >= self.in_force_to):
            raise ValueError(f"in_force_from {self.in_force_from} is not before in_force_to "
                             f"{self.in_force_to} (in_force_to is the first day it no longer applies)")
        return self

    @model_validator(mode="after")
    def _params_fit(self) -> Criterion:
        ind = INDICATORS[self.indicator]
        func = ind.function
        params = dict(self.params)
        if ind.tabular and "tables" in params:
            raise ValueError("params.tables is not a parameter: tables come from the park, "
                             "--flows and --register")
        if ind.check_params is not None:
            ind.check_params(params)
        if isinstance(self.threshold, dict):
            params["limits"] = self.threshold
        try:
            inspect.signature(func).bind(None, **params)
        except TypeError as exc:
            raise ValueError(f"params do not fit indicator {self.indicator!r}: {exc}") from None
        return self


class CriteriaSet(BaseModel):
    """A named list of criteria, read from a YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: Literal[1]
    id: str = Field(min_length=1)
    title: Text
    description: str | None = None
    extends: list[str] = Field(default_factory=list)
    criteria: list[Criterion]
    #: Where the set was read from (a file path, ``built-in criteria set NAME``), for messages.
    _source: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _unique_ids(self) -> CriteriaSet:
        seen: set[str] = set()
        for c in self.criteria:
            if c.id in seen:
                raise ValueError(f"criterion id {c.id!r} appears twice")
            seen.add(c.id)
        return self

    def in_force_on(self, on: date | None = None) -> CriteriaSet:
        """The set with only the criteria in force on ``on`` (default: today), as ``check`` judges."""
        day = on if on is not None else date.today()
        kept = [c for c in self.criteria if c.in_force(day)]
        if len(kept) == len(self.criteria):
            return self
        return self.model_copy(update={"criteria": kept})


def builtin_sets() -> list[str]:
    """Names of the criteria sets shipped with eipgis."""
    folder = resources.files("eipgis") / "criteria"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_set(text: str, where: str, seen: tuple[str, ...]) -> CriteriaSet:
    data = read_yaml(text, where=where, error=CriteriaError)  # huge integers, depth: one reader
    if not isinstance(data, dict):
        raise CriteriaError(f"{where}: expected a mapping with schema_version, id, title, criteria.")
    parsed = validate(CriteriaSet, data, where=where, what="criteria file", error=CriteriaError)
    parsed._source = where
    if not parsed.extends:
        return parsed
    merged: dict[str, Criterion] = {}
    for parent in parsed.extends:
        if parent in seen:
            raise CriteriaError(f"{where}: 'extends' makes a cycle through {parent!r}.")
        base_dir = Path(where).parent if Path(where).exists() else None
        for crit in load_criteria(parent, _seen=(*seen, parent), _base=base_dir).criteria:
            merged[crit.id] = crit
    for crit in parsed.criteria:
        merged[crit.id] = crit
    return parsed.model_copy(update={"criteria": list(merged.values()), "extends": []})


def load_criteria(
    criteria: str | os.PathLike[str] | CriteriaSet,
    *,
    _seen: tuple[str, ...] = (),
    _base: Path | None = None,
) -> CriteriaSet:
    """A criteria set by built-in name (``"vn-qcvn-01-2021"``) or from a YAML file.

    The file is checked completely before any geometry is touched; a problem names the key
    (``criteria[2].threshold``).
    """
    if isinstance(criteria, CriteriaSet):
        return criteria
    name = str(criteria)
    if name in builtin_sets():
        res = resources.files("eipgis") / "criteria" / f"{name}.yaml"
        return _read_set(res.read_text(encoding="utf-8"), f"built-in criteria set {name}", _seen)
    path = Path(name)
    if _base is not None and not path.is_absolute():
        path = _base / path
    if not path.exists():
        raise CriteriaError(
            f"{name}: no such criteria file or built-in set. "
            f"Fix: use one of {', '.join(builtin_sets())} or the path of a YAML file."
        )
    from ..io import read_text_file

    return _read_set(read_text_file(path, what="criteria file", error=CriteriaError), str(path), _seen)


@dataclass(frozen=True)
class Result:
    """A criterion judged on a park. ``gap`` is in planner units (ha, m of strip, m)."""

    id: str
    title: dict[str, str]
    indicator: str
    value: float
    op: str
    threshold: float | dict[str, float]
    unit: str
    passed: bool | None
    gap: dict[str, float]
    features: list[str]
    details: dict[str, Any]
    source: str
    status: str
    per_feature: bool = False
    measure: Measure | None = field(default=None, repr=False, compare=False)
    #: False when the input the criterion needs is missing: then ``passed`` is None, ``value``
    #: NaN and ``reason`` says what is missing (``details["reason_vi"]`` in Vietnamese).
    assessed: bool = True
    reason: str | None = None

    def reason_in(self, lang: str) -> str:
        """Why the result is not assessed, in ``lang`` (empty when it is assessed)."""
        if self.assessed:
            return ""
        return str(self.details.get(f"reason_{lang}", self.reason or ""))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the architecture's contract."""
        return {
            "id": self.id,
            "title": self.title["en"],
            "title_vi": self.title["vi"],
            "indicator": self.indicator,
            "value": _json_number(self.value),
            "op": self.op,
            "threshold": self.threshold,
            "unit": self.unit,
            "passed": self.passed,
            "assessed": self.assessed,
            "reason": self.reason,
            "gap": {k: _json_number(v) for k, v in self.gap.items()},
            "features": self.features,
            "details": _jsonable(self.details),
            "source": self.source,
            "status": self.status,
        }


def _json_number(value: float) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), 6)


def _jsonable(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return _json_number(float(obj))
    return obj


def _judge(crit: Criterion, measure: Measure) -> Result:
    ind = INDICATORS[crit.indicator]
    compare = _OPS[crit.op]
    threshold = crit.threshold
    gap: dict[str, float] = {}
    features: list[str] = []
    details: dict[str, Any] = {}
    extra = measure.detail.to_dict()

    if ind.per_feature:
        frame = measure.per_feature
        assert frame is not None
        import numpy as np

        limit = frame["limit"] if "limit" in frame.columns else None
        if isinstance(threshold, dict):
            assert limit is not None, "a threshold table needs the indicator's per-feature limit"
            lim = limit.to_numpy(dtype=float)
        else:
            lim = np.full(len(frame), float(threshold))
            if limit is not None:
                lim = np.where(limit.isna(), lim, limit.to_numpy(dtype=float))
        values = frame["value"].to_numpy(dtype=float)
        scale = np.maximum(np.abs(lim), 1.0) * _EPS
        ok = compare(values + (scale if crit.op in (">=", ">") else -scale), lim)
        ok = ok | np.isnan(lim)  # a class without a limit in the table is not judged
        failing = ~ok
        features = [str(i) for i in frame.index[failing]]
        shortfall = np.abs(values - lim)[failing]
        if ind.gap == "per_feature_area":
            gap = {"area_ha": float((shortfall * frame["extent_m2"].to_numpy()[failing]).sum()) / 1e4}
        else:
            gap = {"distance_m": float(shortfall.max()) if len(shortfall) else 0.0}
        cols = [c for c in frame.columns if c != "value"]
        rows = frame.loc[failing, cols].assign(value=values[failing], limit=lim[failing])
        details = {
            "checked": len(frame),
            "failing": int(failing.sum()),
            "overall": _json_number(measure.value),
            "by_feature": {
                str(idx): {k: v for k, v in row.items() if k != "extent_m2"}
                for idx, row in zip(rows.index, rows.to_dict("records"), strict=True)
            },
        }
        value = float(failing.sum())
        passed = not failing.any()
    else:
        value = measure.value
        t = float(threshold)  # type: ignore[arg-type]
        tol = max(abs(t), 1.0) * _EPS
        if crit.op == "==":  # a yes/no answer, a count: equal within the tolerance
            passed = abs(value - t) <= tol
        else:
            passed = bool(compare(value + (tol if crit.op in (">=", ">") else -tol), t))
        if ind.gap == "area":
            need = (t - value) if crit.op in (">=", ">") else (value - t)
            gap = {"area_ha": max(need, 0.0) * measure.extent_m2 / 1e4}
        elif ind.gap == "strip":
            need_m2 = max(t - value, 0.0) * measure.extent_m2
            assert isinstance(measure.detail, StripDetail)  # a strip indicator reports its width
            gap = {"area_ha": need_m2 / 1e4, "length_m": need_m2 / measure.detail.width_m}
        elif ind.gap == "count":
            gap = {"count": max(t - value, 0.0) if crit.op in (">=", ">") else max(value - t, 0.0)}
        details = extra
        features = measure.detail.features if not passed else []
    return Result(
        id=crit.id,
        title={"en": crit.title.en, "vi": crit.title.vi},
        indicator=crit.indicator,
        value=value,
        op=crit.op,
        threshold=threshold,
        unit=crit.unit,
        passed=bool(passed),
        gap=gap,
        features=features,
        details=details,
        source=crit.source,
        status=crit.status,
        per_feature=ind.per_feature,
        measure=measure,
    )


def _not_assessed(crit: Criterion, why: NotAssessed) -> Result:
    return Result(
        id=crit.id,
        title={"en": crit.title.en, "vi": crit.title.vi},
        indicator=crit.indicator,
        value=float("nan"),
        op=crit.op,
        threshold=crit.threshold,
        unit=crit.unit,
        passed=None,
        gap={},
        features=[],
        details={"reason_vi": why.reasons["vi"]},
        source=crit.source,
        status=crit.status,
        assessed=False,
        reason=why.reasons["en"],
    )


def evaluate(park: Park, crit: Criterion, *, tables: Mapping[str, pd.DataFrame] | None = None,
             where: str = "") -> Result:
    """Judge one criterion on a park; ``tables`` (flows, register) feed the data indicators.

    A criterion whose input is missing is *not assessed* (``passed`` None, with the reason).
    """
    ind = INDICATORS[crit.indicator]
    params = dict(crit.params)
    if isinstance(crit.threshold, dict):
        params["limits"] = crit.threshold
    if ind.tabular:
        params["tables"] = tables
    try:
        measure = ind.function(park, **params)
    except NotAssessed as why:
        return _not_assessed(crit, why)
    except InputError as exc:  # a data criterion's column, where or value: name the criterion
        if not ind.tabular:
            raise
        from ..expr import ExprError

        prefix = f"{where}, criterion {crit.id}" if where else f"criterion {crit.id}"
        kind = CriteriaError if isinstance(exc, CriteriaError | ExprError) else InputError
        raise kind(f"{prefix}: {exc}") from None
    return _judge(crit, measure)


def check(
    park: Park,
    criteria: str | os.PathLike[str] | CriteriaSet = "vn-qcvn-01-2021",
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
    as_of: date | None = None,
) -> ComplianceReport:
    """Check a park against a criteria set (a built-in name, a YAML path or a loaded set).

    ``tables`` gives the attribute tables a park does not hold (``flows``, ``register``: the
    opportunity register's current state) to the data criteria. ``as_of`` (default: today)
    drops the criteria not in force on that date (``in_force_from``/``in_force_to``); the
    report lists them in ``not_in_force``.

    Examples
    --------
    >>> import eipgis
    >>> park = eipgis.load_park(eipgis.sample_path())
    >>> report = eipgis.check(park, criteria="vn-qcvn-01-2021")
    >>> report.passed
    False
    """
    from .. import __version__
    from ..indicators import class_area_m2

    cset = load_criteria(criteria)
    on = as_of if as_of is not None else date.today()
    in_force = [c for c in cset.criteria if c.in_force(on)]
    where = f"{cset._source or 'criteria set'} ('{cset.id}')"
    results = tuple(evaluate(park, c, tables=tables, where=where) for c in in_force)
    areas = class_area_m2(park)
    return ComplianceReport(
        eipgis_version=__version__,
        park=park.name,
        criteria_set=cset.id,
        criteria_title={"en": cset.title.en, "vi": cset.title.vi},
        crs=park.crs_label,
        area_ha=park.area_ha,
        results=results,
        class_area_ha={k: float(v) / 1e4 for k, v in areas.items()},
        notes=park.notes,
        as_of=on,
        not_in_force=tuple(c.id for c in cset.criteria if not c.in_force(on)),
    )


# --- presenting a report --------------------------------------------------------------------

#: Column headings of :meth:`ComplianceReport.rows`, by language (``"en"``, ``"vi"``).
#: The table's column headings, by language (the catalog :data:`eipgis._words.CHECK_HEADINGS`).
HEADINGS = CHECK_HEADINGS
_WORDS = CHECK_WORDS


def verdict(passed: bool | None, *, lang: str = "en") -> str:
    """The result word of a criterion: PASS / FAIL / NOT ASSESSED (ĐẠT / KHÔNG ĐẠT / CHƯA ĐÁNH
    GIÁ; ``passed`` None: not assessed)."""
    if passed is None:
        return DATA_CHECK_WORDS[lang]["not_assessed"]
    return _WORDS[lang]["pass" if passed else "fail"]


def not_assessed_text(report: ComplianceReport, lang: str = "en") -> str:
    """`` · 2 not assessed`` for a status line; empty when every criterion was assessed."""
    n = len(report.not_assessed)
    return f" · {n} {DATA_CHECK_WORDS[lang]['not_assessed_n']}" if n else ""


def format_number(value: float, unit: str) -> str:
    """A measured value or threshold with its unit, as the report tables show it."""
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "m":
        return f"{value:,.0f} m"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "yes/no":
        return f"{value:g}"
    return f"{value:,.3g} {unit}"


def format_threshold(r: Result, *, lang: str = "en") -> str:
    """A result's threshold, e.g. ``≥ 10.0 %`` (and the limit for taller buildings if any)."""
    sign = _OP_SIGN[r.op]
    if isinstance(r.threshold, dict):
        table = " / ".join(f"{k} {v:,.0f}" for k, v in r.threshold.items())
        return f"{sign} {table} {r.unit}"
    text = f"{sign} {format_number(float(r.threshold), r.unit)}"
    per_feature = r.measure.per_feature if r.measure is not None else None
    if per_feature is not None and "over_5_floors" in per_feature.columns:
        lim = per_feature["limit"].dropna()
        if len(lim):
            text += f" ({format_number(float(lim.iloc[0]), r.unit)} {_WORDS[lang]['floors']})"
    return text


def format_value(r: Result, *, lang: str = "en") -> str:
    """A result's measured value, e.g. ``8.2 %``, or ``3 of 40 fail`` when judged per feature."""
    w = _WORDS[lang]
    if not r.assessed:
        return "–"
    if r.per_feature:
        return f"{int(r.value)} {w['of']} {r.details.get('checked', 0)} {w['fail_n']}"
    return format_number(r.value, r.unit)


def format_gap(r: Result, *, lang: str = "en") -> str:
    """What a failing result lacks, e.g. ``2.50 ha, ≈400 m of strip``; ``–`` when it passes;
    the reason when it is not assessed."""
    if not r.assessed:
        return r.reason_in(lang)
    if r.passed:
        return "–"
    w = _WORDS[lang]
    parts = []
    for key, v in r.gap.items():
        if key == "area_ha":
            parts.append(f"{v:,.2f} ha")
        elif key == "length_m" and v:
            parts.append(f"≈{v:,.0f} m {w['of_strip']}")
        elif key == "distance_m":
            parts.append(f"{v:,.0f} m {w['short']}")
        elif key == "count":
            parts.append(f"{v:,.0f} {w['missing']}")
    return ", ".join(parts) or "–"


@dataclass(frozen=True)
class ComplianceReport:
    """The results of checking a park against a criteria set."""

    eipgis_version: str
    park: str
    criteria_set: str
    criteria_title: dict[str, str]
    crs: str
    area_ha: float
    results: tuple[Result, ...]
    class_area_ha: dict[str, float]
    notes: tuple[str, ...] = ()
    #: The date whose rules were applied (None: a report made without dates).
    as_of: date | None = None
    #: Ids of the set's criteria not in force on ``as_of`` (left out of ``results``).
    not_in_force: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when no assessed criterion fails (criteria not assessed do not count)."""
        return not self.failing

    @property
    def failing(self) -> list[Result]:
        """The assessed criteria that fail."""
        return [r for r in self.results if r.passed is False]

    @property
    def not_assessed(self) -> list[Result]:
        """The criteria whose input is missing."""
        return [r for r in self.results if not r.assessed]

    def __getitem__(self, criterion_id: str) -> Result:
        for r in self.results:
            if r.id == criterion_id:
                return r
        raise KeyError(criterion_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "eipgis_version": self.eipgis_version,
            "park": self.park,
            "criteria_set": self.criteria_set,
            "crs": self.crs,
            "area_ha": round(self.area_ha, 4),
            "passed": self.passed,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "not_assessed": [r.id for r in self.not_assessed],
            "not_in_force": list(self.not_in_force),
            "results": [r.to_dict() for r in self.results],
            "land_use_ha": {k: round(v, 4) for k, v in self.class_area_ha.items()},
            "notes": list(self.notes),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """JSON text (UTF-8, Vietnamese kept as is)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: id, title, value, op, threshold, passed, gap, status, source."""
        import pandas as pd

        rows = [
            {
                "id": r.id,
                "title": r.title["en"],
                "title_vi": r.title["vi"],
                "value": r.value,
                "unit": r.unit,
                "op": r.op,
                "threshold": r.threshold,
                "passed": r.passed,
                "assessed": r.assessed,
                "reason": r.reason,
                "gap_area_ha": r.gap.get("area_ha"),
                "gap_length_m": r.gap.get("length_m"),
                "gap_distance_m": r.gap.get("distance_m"),
                "features": r.features,
                "status": r.status,
                "source": r.source,
            }
            for r in self.results
        ]
        frame = pd.DataFrame(rows)
        if len(frame):
            frame["passed"] = frame["passed"].astype("boolean")
        return frame.set_index("id") if len(frame) else frame

    def rows(self, *, lang: str = "en") -> list[tuple[str, ...]]:
        """One tuple of formatted cells per criterion, under :data:`HEADINGS` ``[lang]``:
        id, criterion, value, threshold, result, gap, status."""
        from .._words import localise  # Vietnamese numbers in Vietnamese (issue 14)

        w = _WORDS[lang]
        return [
            (
                r.id,
                r.title[lang],
                localise(format_value(r, lang=lang), lang),
                localise(format_threshold(r, lang=lang), lang),
                verdict(r.passed, lang=lang),
                localise(format_gap(r, lang=lang), lang),
                w[r.status],
            )
            for r in self.results
        ]

    def _summary(self, lang: str) -> list[str]:
        from .._words import local_date, local_number

        w, d = _WORDS[lang], DATA_CHECK_WORDS[lang]
        n_fail = len(self.failing)
        overall = w["pass"] if self.passed else f"{w['fail']} ({n_fail}/{len(self.results)})"
        if self.not_assessed:
            overall += f", {len(self.not_assessed)} {d['not_assessed_n']}"
        lines = [
            f"{w['park']}: {self.park}",
            f"{w['set']}: {self.criteria_set} — {self.criteria_title[lang]}",
            f"{w['area']}: {local_number(self.area_ha, 2, lang)} ha ({self.crs})",
            f"{w['overall']}: {overall}",
        ]
        if self.as_of is not None:
            lines.append(f"{d['as_of']}: {local_date(self.as_of, lang)}")
        if self.not_in_force:
            lines.append(f"{d['not_in_force']}: {', '.join(self.not_in_force)}")
        return lines

    def to_table(self, *, lang: str = "en") -> str:
        """A plain-text table for the terminal."""
        from .._tables import format_table

        lines = [*self._summary(lang), ""]
        lines += format_table(HEADINGS[lang], self.rows(lang=lang))
        if self.notes:
            lines += ["", f"{_WORDS[lang]['notes']}:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def to_markdown(self, *, lang: str = "en") -> str:
        """A Markdown section: summary, criteria table with sources, failing features, notes.

        Every text from the park or the criteria file is escaped (:func:`eipgis._markup.md`).
        """
        from .._markup import md

        w = _WORDS[lang]
        head = (*HEADINGS[lang], w["source"])
        lines = [f"# {md(self.park)}", ""] + [f"- {md(s)}" for s in self._summary(lang)] + [""]
        lines.append("| " + " | ".join(md(h) for h in head) + " |")
        lines.append("|" + "---|" * len(head))
        from .._words import source_text

        for r, row in zip(self.results, self.rows(lang=lang), strict=True):
            lines.append("| " + " | ".join(md(c) for c in (*row, source_text(r.source, lang))) + " |")
        failing = [r for r in self.results if r.features]
        if failing:
            lines.append("")
            for r in failing:
                lines.append(f"- **{md(r.id)}**: {', '.join(md(f) for f in r.features[:50])}"
                             + (f" (+{len(r.features) - 50})" if len(r.features) > 50 else ""))
        if self.notes:
            lines += ["", f"## {md(w['notes'])}", ""] + [f"- {md(n)}" for n in self.notes]
        return "\n".join(lines) + "\n"
