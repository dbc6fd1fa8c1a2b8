"""Scenarios: land-use restructurings read from YAML files, applied to a park, compared.

A scenario file::

    schema_version: 1
    name: Isolation strip
    park: ../layers/tang_loong.gpkg        # relative to the file
    criteria: vn-qcvn-01-2021
    operations:
      - op: green_strip
        width_m: 10
        sides: all

is parsed into a typed model (a bad key fails before any geometry work, naming its key path,
e.g. ``operations[2].width_m``); :meth:`Scenario.apply` returns a new :class:`~eipgis.park.Park`
and never changes the one it is given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
)

from .. import io as _io
from .._validate import ids_text
from .._words import CHANGE_WORDS as _CW
from .._words import COMPARE_WORDS as _RW
from .._words import WORDS
from .._yamlfile import read_yaml_file, validate
from ..landuse import CLASSES, LABELS
from ._reassign import Evaluator
from .ops import (
    _OP_NAMES,
    CHANGE_COLUMNS,
    Carve,
    GreenStrip,
    Operation,
    PlotGreen,
    Rezone,
    ScenarioError,
    SetValues,
)

if TYPE_CHECKING:
    import pandas as pd
    from pydantic_core import ErrorDetails

    from ..criteria import ComplianceReport, CriteriaSet
    from ..park import Park

__all__ = [
    "CHANGE_COLUMNS",
    "Carve",
    "Evaluator",
    "GreenStrip",
    "PlotGreen",
    "Rezone",
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "SetValues",
    "compare",
    "comparison_to_json",
    "comparison_to_markdown",
    "comparison_to_table",
    "run_outputs",
    "strip_by_class",
    "write_outputs",
]

class Scenario(BaseModel):
    """A land-use restructuring: a named list of operations on a park.

    Build one with :meth:`from_yaml` (paths in the file are relative to it) or :meth:`baseline`.

    Examples
    --------
    >>> import eipgis
    >>> sc = eipgis.Scenario.from_yaml("scenarios/tang_loong_isolation_strip.yaml")
    >>> park = eipgis.load_park(sc.park_path)
    >>> new_park = sc.apply(park)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: Literal[1]
    name: str = Field(min_length=1)
    name_vi: str | None = None
    description: str | None = None
    description_vi: str | None = None
    park: str | None = None
    criteria: str | None = None
    operations: list[Operation] = Field(default_factory=list)

    _source: str = PrivateAttr(default="scenario")
    _base: Path | None = PrivateAttr(default=None)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_dict(
        cls, data: Any, *, source: str = "scenario", base_dir: str | os.PathLike[str] | None = None
    ) -> Scenario:
        """A scenario from a mapping (the parsed YAML); ``base_dir`` anchors relative paths."""
        if not isinstance(data, dict):
            raise ScenarioError(
                f"{source}: expected a mapping with schema_version, name and operations "
                "at the top level."
            )
        model = validate(cls, data, where=source, what="scenario file", error=ScenarioError,
                         variants=_OP_NAMES, message=_op_message)
        model._source = source
        model._base = Path(base_dir) if base_dir is not None else None
        return model

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a scenario file. Every key is checked before any geometry work."""
        path = Path(path)
        data = read_yaml_file(path, error=ScenarioError, what="scenario file")
        return cls.from_dict(data, source=str(path), base_dir=path.parent)

    @classmethod
    def baseline(
        cls, name: str = "Baseline", *, park: str | None = None, criteria: str | None = None
    ) -> Scenario:
        """The park as it is: a scenario without operations."""
        return cls(schema_version=1, name=name, name_vi=WORDS["vi"]["before"], park=park, criteria=criteria)

    # -- what the file points at ----------------------------------------------------------

    @property
    def source(self) -> str:
        """Where the scenario was read from."""
        return self._source

    @property
    def park_path(self) -> Path | None:
        """The park the scenario is written for, resolved against the file's folder."""
        if self.park is None:
            return None
        path = Path(self.park)
        return path if path.is_absolute() or self._base is None else self._base / path

    def load_park(self) -> Park:
        """Load the park the file names (``park:``)."""
        from ..park import load_park

        path = self.park_path
        if path is None:
            raise ScenarioError(
                f"{self.source}: park: missing. Fix: add 'park: path/to/park.gpkg' "
                "(relative to the scenario file) or pass the park explicitly."
            )
        if not path.exists():
            raise ScenarioError(
                f"{self.source}: park: {self.park!r} does not exist (looked for {path}). "
                "Fix: write the GeoPackage path relative to the scenario file."
            )
        return load_park(path)

    def criteria_set(self, default: str | CriteriaSet = "vn-qcvn-01-2021") -> CriteriaSet:
        """The criteria set the file names, a built-in name or a path relative to the file."""
        from ..criteria import builtin_sets, load_criteria

        if self.criteria is None:
            return load_criteria(default)
        if self.criteria in builtin_sets() or self._base is None:
            return load_criteria(self.criteria)
        path = Path(self.criteria)
        return load_criteria(path if path.is_absolute() else self._base / path)

    # -- applying -------------------------------------------------------------------------

    def apply(self, park: Park) -> Park:
        """The park after every operation, as a new :class:`Park` (``park`` is not changed).

        Raises
        ------
        ScenarioError
            When an operation cannot be applied to this park (unknown parcel ids, a ``where``
            that fails or selects nothing, a geometry outside the park, a missing layer, an
            operation that changes nothing…); the message names the key path.
        """
        return self.apply_with_log(park)[0]

    def apply_with_log(self, park: Park) -> tuple[Park, pd.DataFrame]:
        """The new park and its change log (one row per parcel or feature changed)."""
        from ._operations import State

        state = State(park, self.source)
        for number, op in enumerate(self.operations):
            key = f"operations[{number}]"
            if isinstance(op, Rezone):
                state.rezone(op, key)
            elif isinstance(op, GreenStrip):
                state.green_strip(op, key)
            elif isinstance(op, Carve):
                state.carve(op, key)
            elif isinstance(op, PlotGreen):
                state.plot_green(op, key)
            else:
                state.set_values(op, key)
        return state.result(self.name), state.log()

    def run(
        self, park: Park | None = None, *, criteria: str | CriteriaSet | None = None
    ) -> ScenarioRun:
        """Apply the scenario and check the new park against the criteria."""
        from ..criteria import check

        park = park if park is not None else self.load_park()
        cset = self.criteria_set() if criteria is None else _load_criteria(criteria)
        new_park, changes = self.apply_with_log(park)
        return ScenarioRun(self, park, new_park, changes, check(new_park, cset))

    # -- writing --------------------------------------------------------------------------

    def to_yaml(self) -> str:
        """The scenario as YAML text (what :meth:`from_yaml` reads back)."""
        import yaml

        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
        ops = []
        for op in data.get("operations", []):
            note = op.pop("note", None)
            ops.append({"op": op.pop("op"), **op, **({"note": note} if note is not None else {})})
        data["operations"] = ops
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _load_criteria(criteria: Any) -> CriteriaSet:
    from ..criteria import load_criteria

    return load_criteria(criteria)


def _op_message(err: ErrorDetails) -> str | None:
    """Clearer words for a missing or unknown ``op:`` of an operation."""
    if err["type"] == "union_tag_invalid" and isinstance(err.get("input"), dict):
        return f"unknown op {err['input'].get('op')!r}; use one of {', '.join(_OP_NAMES)}"
    if err["type"] == "union_tag_not_found":
        return f"missing 'op:'; use one of {', '.join(_OP_NAMES)}"
    return None


# --- running and comparing ------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioRun:
    """A scenario applied to a park: the new park, its change log and its criteria report."""

    scenario: Scenario
    park: Park
    new_park: Park
    changes: pd.DataFrame
    report: ComplianceReport

    def changes_markdown(self, *, lang: str = "en") -> str:
        """The change log as a Markdown table, with totals by change of land use."""
        w = _CW[lang]
        from .._markup import md

        lines = [f"# {md(w['changes'])}: {md(self.scenario.name)}", ""]
        if self.scenario.description:
            desc = (
                self.scenario.description_vi
                if lang == "vi" and self.scenario.description_vi
                else self.scenario.description
            )
            lines += [md(desc.strip(), paragraph=True), ""]
        frame = self.changes
        land = frame[frame["layer"] == "landuse"]
        if len(land):
            totals = land.groupby(["from", "to"], sort=False)["area_m2"].sum()
            lines += [f"| {w['from']} | {w['to']} | ha |", "|---|---|---:|"]
            lines += [
                f"| {md(_label(f, lang))} | {md(_label(t, lang))} | {a / 1e4:,.4f} |"
                for (f, t), a in totals.items()
            ]
            lines.append("")
        strips = strip_by_class(frame)
        if len(strips):
            lines += [f"### {w['strip']}", "", "| " + " | ".join(w["strip_cols"]) + " |",
                      "|---|---|---:|---:|---|"]
            lines += [
                f"| {row.operation} | {_label(row[1], lang)} | {row.taken_m2 / 1e4:,.4f} | "
                f"{row.kept_m2 / 1e4:,.4f} | {ids_text(row.parcels, 8)} |"
                for row in strips.itertuples(index=False)
            ]
            lines.append("")
        lines += ["| " + " | ".join(w["cols"]) + " |", "|" + "---|" * len(w["cols"])]
        for row in frame.itertuples(index=False):
            area = "" if row.area_m2 != row.area_m2 else f"{row.area_m2:,.1f}"
            cells = [
                row.operation,
                row.op,
                row.layer,
                row.feature,
                row.from_feature,
                _label(row[5], lang),
                _label(row[6], lang),
                area,
                row.note,
            ]
            lines.append("| " + " | ".join(md(c) for c in cells) + " |")
        return "\n".join(lines) + "\n"


def strip_by_class(changes: pd.DataFrame) -> pd.DataFrame:
    """What each green strip of a change log took and kept, by land-use class.

    One row per (``operation``, ``class``) with ``taken_m2`` (land the strip turned green),
    ``kept_m2`` (land of a ``keep`` class left alone, e.g. a river on the boundary) and
    ``parcels`` (the ids concerned). Empty when the scenario has no green strip.
    """
    import pandas as pd

    taken = changes[(changes["op"] == "green_strip") & (changes["layer"] == "landuse")]
    taken = pd.DataFrame({"operation": taken["operation"], "class": taken["from"],
                          "taken_m2": taken["area_m2"].astype(float), "kept_m2": 0.0,
                          "parcels": taken["from_feature"].where(taken["from_feature"] != "",
                                                                 taken["feature"])})
    kept = pd.DataFrame(changes.attrs.get("kept", []),
                        columns=["operation", "op", "feature", "class", "area_m2"])
    kept = pd.DataFrame({"operation": kept["operation"], "class": kept["class"], "taken_m2": 0.0,
                         "kept_m2": kept["area_m2"].astype(float), "parcels": kept["feature"]})
    both = pd.concat([taken, kept], ignore_index=True)
    columns = ["operation", "class", "taken_m2", "kept_m2", "parcels"]
    if both.empty:
        return pd.DataFrame(columns=columns)
    out = both.groupby(["operation", "class"], sort=False).agg(
        taken_m2=("taken_m2", "sum"), kept_m2=("kept_m2", "sum"),
        parcels=("parcels", lambda v: sorted(set(map(str, v)))),
    )
    return out.reset_index()[columns]


def _label(value: Any, lang: str) -> str:
    value = "" if value is None else str(value)
    if value in LABELS and lang == "vi":
        return LABELS[value]["vi"]
    if value == "unassigned":
        return "chưa giao" if lang == "vi" else "unassigned"
    return value


def _as_scenario(item: Scenario | str | os.PathLike[str] | None) -> Scenario:
    if item is None:
        return Scenario.baseline()
    if isinstance(item, Scenario):
        return item
    return Scenario.from_yaml(item)


def compare(
    scenarios: Sequence[Scenario | str | os.PathLike[str] | None],
    park: Park | str | os.PathLike[str] | None = None,
    *,
    criteria: str | os.PathLike[str] | CriteriaSet | None = None,
) -> pd.DataFrame:
    """Compare scenarios side by side: one row per scenario, the baseline first.

    Parameters
    ----------
    scenarios : list
        :class:`Scenario` objects or scenario file paths (``None`` is the baseline). Scenarios
        without operations are baselines and come first; when there is none, the park as
        loaded is added as the first row, ``Baseline``.
    park : Park or path, optional
        The park to apply them to; by default the one the first scenario file names.
    criteria : str, path or CriteriaSet, optional
        By default the set the first scenario names, else ``vn-qcvn-01-2021``.

    Returns
    -------
    DataFrame
        Index: scenario name. Columns: ``operations``; per criterion ``<id>`` (its value) and
        ``<id> passed``; ``<class>_ha`` for every land-use class and ``unassigned_ha``;
        ``industrial_lost_ha`` (against the baseline); ``failing`` (number of failing
        criteria); ``passed``. ``frame.attrs`` holds the criteria's titles, units and
        thresholds for the renderers.

    Examples
    --------
    >>> import eipgis
    >>> frame = eipgis.compare(["scenarios/tang_loong_baseline.yaml",
    ...                          "scenarios/tang_loong_isolation_strip.yaml"])
    """
    import pandas as pd

    from ..criteria import check, load_criteria
    from ..park import load_park

    items = [_as_scenario(s) for s in scenarios]
    if not items:
        raise ScenarioError("compare: no scenario given. Fix: pass at least one scenario file.")
    if park is None:
        paths = {str(s.park_path.resolve()) for s in items if s.park_path is not None}
        if len(paths) > 1:
            raise ScenarioError(
                "compare: the scenarios name different parks (" + ", ".join(sorted(paths)) + "). "
                "Fix: compare scenarios of one park, or pass the park explicitly (--park)."
            )
        first = next((s for s in items if s.park_path is not None), None)
        if first is None:
            raise ScenarioError(
                "compare: no scenario names its park. Fix: add 'park:' or pass --park."
            )
        park_obj = first.load_park()
    elif isinstance(park, str | os.PathLike):
        park_obj = load_park(park)
    else:
        park_obj = park
    if criteria is None:
        named = next((s for s in items if s.criteria is not None), None)
        cset = named.criteria_set() if named is not None else load_criteria("vn-qcvn-01-2021")
    else:
        cset = load_criteria(criteria)
    baselines = [s for s in items if not s.operations]
    others = [s for s in items if s.operations]
    if not baselines:
        baselines = [Scenario.baseline()]
    ordered = baselines + others
    names = [s.name for s in ordered]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError(
            f"compare: scenario name(s) {', '.join(dup)} used twice. "
            "Fix: give each scenario its own name."
        )
    rows = []
    base_industrial: float | None = None
    for sc in ordered:
        new_park = sc.apply(park_obj) if sc.operations else park_obj
        report = check(new_park, cset)
        row: dict[str, Any] = {
            "scenario": sc.name,
            "name_vi": sc.name_vi or sc.name,
            "operations": len(sc.operations),
        }
        for r in report.results:
            row[r.id] = r.value
            row[f"{r.id} passed"] = r.passed
        for cls, ha in report.class_area_ha.items():
            row[f"{cls}_ha"] = ha
        if base_industrial is None:
            base_industrial = report.class_area_ha["industrial"]
        row["industrial_lost_ha"] = base_industrial - report.class_area_ha["industrial"]
        row["failing"] = len(report.failing)
        row["passed"] = report.passed
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("scenario")
    frame.attrs = {
        "park": park_obj.name,
        "criteria_set": cset.id,
        "criteria": [
            {
                "id": r.id,
                "title": r.title,
                "op": r.op,
                "threshold": r.threshold,
                "unit": r.unit,
                "per_feature": r.per_feature,
            }
            for r in report.results
        ],
    }
    return frame


def comparison_to_json(frame: pd.DataFrame, *, indent: int | None = 2) -> str:
    """The comparison as JSON: the park, the criteria set and one record per scenario."""
    from .. import __version__
    from ..criteria import _jsonable

    records = []
    for name, row in frame.iterrows():
        rec = {"scenario": name, **{k: row[k] for k in ("name_vi", "operations")}}
        rec["criteria"] = {
            c["id"]: {"value": row[c["id"]], "passed": row[f"{c['id']} passed"]}
            for c in frame.attrs.get("criteria", [])
        }
        rec["land_use_ha"] = {
            c: row[f"{c}_ha"] for c in (*CLASSES, "unassigned") if f"{c}_ha" in row
        }
        rec.update({k: row[k] for k in ("industrial_lost_ha", "failing", "passed")})
        records.append(rec)
    data = {
        "eipgis_version": __version__,
        "park": frame.attrs.get("park"),
        "criteria_set": frame.attrs.get("criteria_set"),
        "scenarios": records,
    }
    return json.dumps(_jsonable(data), ensure_ascii=False, indent=indent)


def _comparison_rows(frame: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]]]:
    import pandas as pd

    from ..criteria import _OP_SIGN, format_number, verdict

    w = _RW[lang]
    names = [str(n) if lang == "en" else str(frame.loc[n, "name_vi"]) for n in frame.index]
    rows: list[list[str]] = []
    for c in frame.attrs.get("criteria", []):
        per_feature = bool(c.get("per_feature"))
        if isinstance(c["threshold"], dict):
            limit = f"{_OP_SIGN[c['op']]} {w['table']} ({c['unit']})"
        else:
            limit = f"{_OP_SIGN[c['op']]} {format_number(float(c['threshold']), c['unit'])}"
        cells = []
        for n in frame.index:
            v = frame.loc[n, c["id"]]
            ok = frame.loc[n, f"{c['id']} passed"]
            if ok is None or pd.isna(ok):  # not assessed: the input is missing
                cells.append(f"– {verdict(None, lang=lang)}")
                continue
            text = f"{int(v)} {w['n_fail']}" if per_feature else format_number(float(v), c["unit"])
            cells.append(f"{text} {w['pass'] if ok else w['fail']}")
        rows.append([f"{c['id']} {limit}", *cells])
    for cls in (*CLASSES, "unassigned"):
        col = f"{cls}_ha"
        if col in frame.columns and (frame[col].abs() >= 0.005).any():
            label = LABELS[cls][lang] if cls in LABELS else _label(cls, lang)
            rows.append([f"{label} (ha)", *[f"{v:,.2f}" for v in frame[col]]])
    rows.append([w["lost"], *[f"{v:,.2f}" for v in frame["industrial_lost_ha"]]])
    rows.append([w["ops"], *[str(int(v)) for v in frame["operations"]]])
    rows.append(
        [
            w["failing"],
            *[f"{int(v)} / {len(frame.attrs.get('criteria', []))}" for v in frame["failing"]],
        ]
    )
    return [w["scenario"], *names], rows


def comparison_to_table(frame: pd.DataFrame, *, lang: str = "en") -> str:
    """A terminal table: one column per scenario (baseline first), one row per criterion and figure.

    Per-feature criteria show the number of failing features; shares show the value.
    """
    from .._tables import format_table

    head, rows = _comparison_rows(frame, lang)
    w = _RW[lang]
    lines = [
        f"{w['park']}: {frame.attrs.get('park')}",
        f"{w['set']}: {frame.attrs.get('criteria_set')}",
        "",
    ]
    lines += format_table(head, rows, align="<" + ">" * (len(head) - 1))
    return "\n".join(lines) + "\n"


def comparison_to_markdown(frame: pd.DataFrame, *, lang: str = "en") -> str:
    """The comparison as a Markdown table (scenarios as columns)."""
    from .._markup import md

    head, rows = _comparison_rows(frame, lang)
    w = _RW[lang]
    lines = [
        f"# {md(w['title'])}: {md(frame.attrs.get('park'))}",
        "",
        f"- {md(w['set'])}: {md(frame.attrs.get('criteria_set'))}",
        "",
    ]
    lines.append("| " + " | ".join(md(h) for h in head) + " |")
    lines.append("|---|" + "---:|" * (len(head) - 1))
    for r in rows:
        lines.append("| " + " | ".join(md(c) for c in r) + " |")
    return "\n".join(lines) + "\n"


def run_outputs(
    run: ScenarioRun, out_dir: str | os.PathLike[str], *, stem: str, lang: str = "en"
) -> dict[Path, Any]:
    """What ``eipgis scenario run`` writes, by path: the park, the report and the change log."""
    out = Path(out_dir)
    layers = {name: frame for name, frame in run.new_park.layers().items()}
    changes = run.changes.copy()
    changes["area_m2"] = changes["area_m2"].round(3)
    return {
        out / f"{stem}.gpkg": layers,
        out / f"{stem}_report.json": run.report.to_json(),
        out / f"{stem}_report.md": run.report.to_markdown(lang=lang),
        out / f"{stem}_changes.csv": _io.csv_text(changes),
        out / f"{stem}_changes.md": run.changes_markdown(lang=lang),
    }


def write_outputs(outputs: dict[Path, Any], *, overwrite: bool = False) -> list[Path]:
    """Write files made by :func:`run_outputs` (each atomically), after checking none is in the way.

    An existing file stops the whole write before anything is written, unless ``overwrite``.
    """
    from .. import io

    io.refuse_outputs(outputs, overwrite=overwrite)
    written = []
    for path, content in outputs.items():
        if isinstance(content, str):
            io.write_text(path, content, overwrite=overwrite)
        else:
            io.write_gpkg(
                path,
                {n: f for n, f in content.items() if not (f.empty and len(f.columns) <= 1)},
                overwrite=overwrite,
            )
        written.append(path)
    return written
