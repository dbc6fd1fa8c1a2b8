"""The ``enterprises`` table of a park: one attribute row per enterprise (no geometry), validated
column by column over all rows at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._validate import Problems, ids_text
from ._words import YES_NO_ANSWERS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ENTERPRISE_COLUMNS",
    "NUMBER_COLUMNS",
    "YES_NO_COLUMNS",
    "empty_enterprises",
    "numbers",
    "text_cells",
    "validate_enterprises",
    "yes_no",
]

#: Yes/no columns of the enterprises table (true/false, 1/0, yes/no, có/không; blank: unknown);
#: the last four are the Circular 05/2025 form B.5 items SOC.1/2/4/6 (research eip-criteria-detail §2.4).
YES_NO_COLUMNS = ("recp_applied", "iso14001", "complaint_rules", "information_disclosure",
                  "gender_equality", "anti_harassment", "recp_aware", "symbiosis_planned")
#: Numeric columns of the enterprises table: finite and 0 or more where given.
NUMBER_COLUMNS = ("workers", "wastewater_m3_d", "reused_m3_d", "energy_mwh_yr", "water_m3_yr",
                  "waste_t_yr", "output_value_bn_vnd", "ghg_t_co2e_yr", "year")
#: Every documented column of the enterprises table (the README data contract), in order.
ENTERPRISE_COLUMNS = ("enterprise_id", "facility_id", "name", "sector", *YES_NO_COLUMNS,
                      *NUMBER_COLUMNS)

_YES = sorted(YES_NO_ANSWERS[True])
_NO = sorted(YES_NO_ANSWERS[False])


def empty_enterprises() -> pd.DataFrame:
    """The table of a park without enterprises: no rows, the documented columns."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series([], dtype="boolean" if c in YES_NO_COLUMNS else
                                       "float64" if c in NUMBER_COLUMNS else "object")
                         for c in ENTERPRISE_COLUMNS})


def text_cells(column: pd.Series) -> pd.Series:
    """Cells as stripped text, blanks (empty, None, NaN) as NA."""
    text = column.astype("string").str.strip()
    return text.where(text != "", None)


def yes_no(column: pd.Series) -> tuple[pd.Series, Any]:
    """A column of yes/no answers as pandas ``boolean`` (NA when blank), and a mask of cells
    that are no answer at all (e.g. ``maybe``)."""
    import pandas as pd

    text = text_cells(column).str.lower()
    # Python booleans and numbers read as text "True"/"1.0": lowered above.
    yes = text.isin(_YES).fillna(False).to_numpy(dtype=bool)
    no = text.isin(_NO).fillna(False).to_numpy(dtype=bool)
    out = pd.array([pd.NA] * len(column), dtype="boolean")
    out[yes] = True
    out[no] = False
    bad = text.notna().to_numpy(dtype=bool) & ~(yes | no)
    return pd.Series(out, index=column.index, name=column.name), bad


def numbers(column: pd.Series) -> pd.Series:
    """A column as floats: numbers kept, text such as ``1,200`` parsed, anything else NaN."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return column.astype(float)
    if pd.api.types.is_numeric_dtype(column):
        return column.astype(float)
    text = text_cells(column).str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype(float)


def _rows(frame: pd.DataFrame, mask: Any, values: pd.Series | None = None) -> str:
    """Rows named by enterprise id (else the row number), with the offending value."""
    ids = (frame["enterprise_id"].astype(str) if "enterprise_id" in frame.columns
           else frame.index.to_series().map(lambda i: f"row {i + 1}"))
    named = ids[mask]
    if values is None:
        return ids_text(named.tolist(), 8)
    shown = [str(v)[:20] for v in values[mask]]
    return ids_text([f"{i} ({v})" for i, v in zip(named, shown, strict=True)], 8)


def validate_enterprises(
    frame: Any, facility_ids: set[str], problems: Problems
) -> pd.DataFrame:
    """The enterprises table checked and normalised; every problem goes to ``problems``.

    ``enterprise_id`` is non-empty text, unique; ``facility_id`` (optional) names a facility;
    numeric columns are finite numbers ≥ 0 where given; yes/no columns become ``boolean``.
    """
    import numpy as np
    import pandas as pd

    where = "table 'enterprises'"
    if not isinstance(frame, pd.DataFrame):
        problems.add(where, f"is a {type(frame).__name__}, not a table", "pass a pandas DataFrame")
        return empty_enterprises()
    table = pd.DataFrame(frame).reset_index(drop=True)
    if "geometry" in table.columns:
        table = pd.DataFrame(table.drop(columns="geometry"))
    if "enterprise_id" not in table.columns:
        problems.add(where, "has no column 'enterprise_id' (columns: "
                     + (", ".join(map(str, table.columns)) or "none") + ")",
                     "add a column enterprise_id with one unique id per enterprise")
        return empty_enterprises()
    table = table.copy()
    ids = text_cells(table["enterprise_id"])
    blank = ids.isna().to_numpy(dtype=bool)
    if blank.any():
        rows = [f"row {i + 1}" for i in np.flatnonzero(blank)]
        problems.add(where, f"enterprise_id is empty in {ids_text(rows, 8)}",
                     "give every enterprise an id")
    table["enterprise_id"] = ids.astype(object).where(ids.notna(), None)
    dup = ids.duplicated(keep=False).to_numpy(dtype=bool) & ~blank
    if dup.any():
        problems.add(where, "enterprise_id appears more than once: "
                     + ids_text(sorted(set(ids[dup])), 8), "give every enterprise its own id")
    for col in ("facility_id", "name", "sector"):
        if col in table.columns:
            text = text_cells(table[col])
            table[col] = text.astype(object).where(text.notna(), None)
    if "facility_id" in table.columns:
        links = table["facility_id"]
        unknown = (links.notna() & ~links.isin(sorted(facility_ids))).to_numpy(dtype=bool)
        if unknown.any():
            problems.add(where, "facility_id names no facility of layer 'facilities' in "
                         + _rows(table, unknown, links)
                         + f" (facilities: {ids_text(sorted(facility_ids)) or 'none'})",
                         "use a facility_id of the facilities layer, or leave it empty")
    for col in NUMBER_COLUMNS:
        if col not in table.columns:
            continue
        values = numbers(table[col])
        given = text_cells(table[col]).notna().to_numpy(dtype=bool)
        v = values.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad = given & ~(np.isfinite(v) & (v >= 0))
        if bad.any():
            problems.add(where, f"{col} is not a finite number ≥ 0 in "
                         + _rows(table, bad, table[col]),
                         f"write {col} as a number, e.g. 120, or leave it empty if unknown")
        table[col] = values
    for col in YES_NO_COLUMNS:
        if col not in table.columns:
            continue
        answers, bad = yes_no(table[col])
        if bad.any():
            problems.add(where, f"{col} is not a yes/no answer in "
                         + _rows(table, bad, table[col]),
                         "write true/false, 1/0, yes/no or có/không, or leave it empty if unknown")
        table[col] = answers
    return table
