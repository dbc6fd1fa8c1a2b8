"""Indicators on attribute tables (the enterprises, the park's answers, flows, the register).

``table_count``, ``table_sum``, ``table_share``, ``table_ratio`` and ``checklist`` measure rows of
a table, selected with the ``where`` language (:mod:`eipgis.expr`). When the table, a documented
column or every answer is missing, they raise :class:`~eipgis.indicators.NotAssessed`: the
criterion is *not assessed*, never passed or failed. A column that is neither in the table nor in
its documented contract is a :class:`~eipgis.errors.CriteriaError` listing the columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._enterprises import ENTERPRISE_COLUMNS, numbers, text_cells, yes_no
from ._validate import ids_text
from .errors import CriteriaError, InputError
from .expr import ExprError, parse_where
from .indicators import Detail, Measure, NotAssessed, indicator

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .park import Park

__all__ = ["PARK_ANSWERS", "TABLES", "TableDetail", "check_table_params", "table_columns"]

#: Park-level yes/no answers a checklist reads from the boundary layer's attributes (table
#: ``park``): Decree 35/2022/ND-CP Art. 37(1) and Circular 05/2025/TT-BKHĐT form A.5 (codes
#: ENV.4–6, PM.1–3, SOC.3/5/7, ECO.1–6 in /work/shared/research/eip-criteria-detail.md §2.4).
PARK_ANSWERS = (
    "ghg_plan", "input_output_monitoring", "annual_report", "risk_monitoring",
    "climate_response_plan", "eip_support_unit", "social_infrastructure", "social_staff",
    "community_budget", "economic_cooperation_plan", "eip_promotion", "local_labour_priority",
    "sme_services", "local_suppliers", "fees_cover_costs", "management_entity", "zoning_plan",
    "law_compliance", "social_management_system",
)

#: Every table a data criterion may name → its documented columns (the README data contract).
TABLES: dict[str, tuple[str, ...]] = {
    "enterprises": ENTERPRISE_COLUMNS,
    "facilities": ("facility_id", "hazard_class", "name", "tenant", "sector"),
    "landuse": ("parcel_id", "landuse", "landuse_class", "tenant", "name", "plot_id"),
    "buildings": ("building_id", "floors", "main", "facility_id"),
    "neighbourhoods": ("name", "kind", "population"),
    "park": ("name", *PARK_ANSWERS),
    "flows": ("node", "direction", "material", "quantity", "unit", "node_kind", "quantity_given",
              "unit_given"),
    "register": ("id", "date", "status", "title", "partners", "material", "barriers",
                 "next_step", "note", "source", "link", "status_since", "events"),
}
#: The column that names a row of each table in messages.
_ROW_ID = {"enterprises": "enterprise_id", "facilities": "facility_id", "landuse": "parcel_id",
           "buildings": "building_id", "neighbourhoods": "name", "flows": "node", "register": "id"}
_PARK_LAYERS = ("facilities", "landuse", "buildings", "neighbourhoods")


@dataclass(frozen=True)
class TableDetail(Detail):
    """What a data indicator counted: the table, its rows, the rows selected and the two sums
    the value is the ratio of (``numerator / denominator``; both the value for counts/sums)."""

    table: str
    rows: int
    selected: int
    numerator: float
    denominator: float


def check_table_params(params: Mapping[str, Any]) -> None:
    """A data criterion's params, checked when the criteria file is read (``ValueError``)."""
    table = params.get("table")
    if table not in TABLES:
        raise ValueError(f"params.table {table!r} is not a table; tables: {', '.join(TABLES)}")
    for key in ("where", "among"):
        text = params.get(key)
        if text is None:
            continue
        try:
            parse_where(text)
        except ExprError as exc:
            raise ValueError(f"params.{key}: {exc}") from None
    for key in ("column", "weight", "numerator", "denominator"):
        if key in params and params[key] is not None and not isinstance(params[key], str):
            raise ValueError(f"params.{key} must be a column name (text)")


def table_columns(park: Park, name: str, tables: Mapping[str, pd.DataFrame] | None) -> pd.DataFrame | None:
    """The attribute table ``name`` of a park or of ``tables``; None when the park has none."""
    import pandas as pd

    if name == "enterprises":
        return park.enterprises if park.has_enterprises else None
    if name == "park":
        return pd.DataFrame(park.boundary.drop(columns=park.boundary.geometry.name))
    if name in _PARK_LAYERS:
        frame = getattr(park, name)
        return None if frame.empty else pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if tables is not None and name in tables:
        return pd.DataFrame(tables[name]).reset_index(drop=True)
    return None


def _table(park: Park, name: str, tables: Mapping[str, pd.DataFrame] | None,
           columns: list[str | None]) -> pd.DataFrame:
    """The table, after checking that every column named is in it or in its contract."""
    frame = table_columns(park, name, tables)
    if frame is None:
        if name in ("flows", "register"):  # tables given on the command line
            raise NotAssessed("no_table_given", table=name, option=f"--{name}")
        raise NotAssessed("no_table", table=name)
    wanted = [c for c in dict.fromkeys(columns) if c is not None]
    unknown = [c for c in wanted if c not in frame.columns and c not in TABLES[name]]
    if unknown:
        have = sorted({*map(str, frame.columns), *TABLES[name]})
        raise CriteriaError(
            f"column {', '.join(map(repr, unknown))} is neither in table '{name}' nor in its data "
            f"contract. Fix: use one of its columns: {', '.join(have)}."
        )
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise NotAssessed("no_column", table=name, column=", ".join(absent))
    return frame


def _where_columns(*texts: str | None) -> list[str | None]:
    return [c for t in texts if t is not None for c in parse_where(t).columns]


def _mask(frame: pd.DataFrame, text: str | None) -> np.ndarray:
    import numpy as np

    return np.ones(len(frame), dtype=bool) if text is None else parse_where(text).mask(frame)


def _answered(frame: pd.DataFrame, columns: list[str | None]) -> np.ndarray:
    """Rows where every named column has a value."""
    import numpy as np

    ok = np.ones(len(frame), dtype=bool)
    for c in dict.fromkeys(columns):
        if c is not None:
            ok &= text_cells(frame[c]).notna().to_numpy(dtype=bool)  # blank text: no answer
    return ok


def _row_names(frame: pd.DataFrame, table: str, mask: Any) -> list[str]:
    import numpy as np

    col = _ROW_ID.get(table)
    if col and col in frame.columns:
        return [str(v) for v in frame.loc[mask, col]]
    return [f"row {i + 1}" for i in np.flatnonzero(mask)]


def _number_column(frame: pd.DataFrame, table: str, column: str) -> pd.Series:
    """A column as floats; text that is no number is an error naming the rows."""
    import numpy as np

    values = numbers(frame[column])
    given = text_cells(frame[column]).notna().to_numpy(dtype=bool)  # blank text: no value
    v = values.to_numpy(dtype=float)
    bad = given & ~np.isfinite(v)
    if bad.any():
        shown = [f"{n} ({str(x)[:20]})" for n, x in
                 zip(_row_names(frame, table, bad), frame.loc[bad, column], strict=True)]
        raise InputError(
            f"table '{table}': {column} is not a finite number in {ids_text(shown, 8)}. "
            f"Fix: write {column} as a number, e.g. 120, or leave it empty if unknown."
        )
    return values


def _with_numbers(frame: pd.DataFrame, table: str, cols: list[str | None]) -> pd.DataFrame:
    frame = frame.copy()
    for c in dict.fromkeys(cols):
        if c is not None:
            frame[c] = _number_column(frame, table, c)
    return frame


def _no_answer(table: str, columns: list[str | None]) -> NotAssessed:
    named = ", ".join(c for c in dict.fromkeys(columns) if c is not None) or "any column"
    return NotAssessed("no_answer", table=table, column=named)


def _ratio(table: str, frame: pd.DataFrame, selected: Any, num: float, den: float,
           columns: list[str | None]) -> Measure:
    if den == 0:
        raise _no_answer(table, columns)
    return Measure(value=num / den,
                   detail=TableDetail(table, len(frame), int(selected.sum()), num, den))


_DATA = {"gap": "none", "tabular": True, "check_params": check_table_params}


@indicator("table_count", unit="count", **_DATA)  # type: ignore[arg-type]
def table_count(park: Park, *, table: str, where: str | None = None,
                tables: Mapping[str, pd.DataFrame] | None = None) -> Measure:
    """Number of rows of ``table`` meeting ``where`` (every row without one)."""
    cols = _where_columns(where)
    frame = _table(park, table, tables, cols)
    if cols and len(frame) and not frame[[c for c in cols if c]].notna().any().any():
        raise _no_answer(table, cols)
    selected = _mask(frame, where)
    n = float(selected.sum())
    return Measure(value=n, detail=TableDetail(table, len(frame), int(n), n, 1.0))


@indicator("table_sum", unit="", **_DATA)  # type: ignore[arg-type]
def table_sum(park: Park, *, table: str, column: str, where: str | None = None,
              tables: Mapping[str, pd.DataFrame] | None = None) -> Measure:
    """Sum of the numeric ``column`` over the rows of ``table`` meeting ``where``."""
    frame = _table(park, table, tables, [column, *_where_columns(where)])
    frame = _with_numbers(frame, table, [column])
    if not frame[column].notna().any():
        raise _no_answer(table, [column])
    selected = _mask(frame, where)
    total = float(frame.loc[selected, column].sum())
    return Measure(value=total, detail=TableDetail(table, len(frame), int(selected.sum()), total, 1.0))


@indicator("table_share", unit="share", **_DATA)  # type: ignore[arg-type]
def table_share(park: Park, *, table: str, where: str, among: str | None = None,
                weight: str | None = None,
                tables: Mapping[str, pd.DataFrame] | None = None) -> Measure:
    """``(Σ weight | count of rows meeting where ∧ among) / (… among)``, over the rows that
    answer: a row whose ``where`` columns (or weight) are blank is left out of both."""
    where_cols = _where_columns(where)
    cols = [*where_cols, *_where_columns(among), weight]
    frame = _table(park, table, tables, cols)
    if weight is not None:
        frame = _with_numbers(frame, table, [weight])
    base = _mask(frame, among) & _answered(frame, [*where_cols, weight])
    hit = base & _mask(frame, where)
    w = frame[weight].to_numpy(dtype=float) if weight is not None else None
    num = float(hit.sum() if w is None else w[hit].sum())
    den = float(base.sum() if w is None else w[base].sum())
    return _ratio(table, frame, base, num, den, [*where_cols, weight])


@indicator("table_ratio", unit="share", **_DATA)  # type: ignore[arg-type]
def table_ratio(park: Park, *, table: str, numerator: str, denominator: str,
                where: str | None = None,
                tables: Mapping[str, pd.DataFrame] | None = None) -> Measure:
    """``Σ numerator / Σ denominator`` over the rows meeting ``where`` that give both."""
    frame = _table(park, table, tables, [numerator, denominator, *_where_columns(where)])
    frame = _with_numbers(frame, table, [numerator, denominator])
    rows = _mask(frame, where) & _answered(frame, [numerator, denominator])
    num = float(frame.loc[rows, numerator].sum())
    den = float(frame.loc[rows, denominator].sum())
    return _ratio(table, frame, rows, num, den, [numerator, denominator])


@indicator("checklist", unit="yes/no", **_DATA)  # type: ignore[arg-type]
def checklist(park: Park, *, table: str, column: str,
              tables: Mapping[str, pd.DataFrame] | None = None) -> Measure:
    """A yes/no item: on table ``park`` its one answer (1 yes, 0 no); on any other table
    (``enterprises``) the share of the rows answering that say yes."""
    frame = _table(park, table, tables, [column])
    answers, bad = yes_no(frame[column])
    if bad.any():
        shown = [f"{n} ({str(x)[:20]})" for n, x in
                 zip(_row_names(frame, table, bad), frame.loc[bad, column], strict=True)]
        raise InputError(
            f"table '{table}': {column} is not a yes/no answer in {ids_text(shown, 8)}. "
            "Fix: write true/false, 1/0, yes/no or có/không, or leave it empty if unknown."
        )
    given = answers.notna().to_numpy(dtype=bool)
    yes = answers.fillna(False).to_numpy(dtype=bool)
    if table == "park":
        given, yes = given[:1], yes[:1]
    return _ratio(table, frame, given, float(yes.sum()), float(given.sum()), [column])
