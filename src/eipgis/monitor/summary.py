"""What a monitoring store tells: per park and criterion the dated series, trend, regression and target.

:func:`summarise` turns the store's series table (one row per park, date and criterion, the
columns of :func:`eipgis.monitor.series`) into the JSON of ``eipgis monitor show``;
:func:`read_targets` reads a planner's targets file; :func:`summary_table` and
:func:`summary_markdown` write the summary for people, in English or Vietnamese.

Which way is better follows the criterion: with ``>=`` / ``>`` a higher value is better, with
``<=`` / ``<`` a lower one, with ``==`` one closer to the threshold. A criterion judged per
feature (the registry's ``per_feature``: its value is the number of failing features) is better
lower whatever its operator.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._words import MONITOR_VIEW_WORDS, check_lang
from ..criteria import format_number
from ..errors import InputError
from ..indicators import INDICATORS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "REQUIRED_COLUMNS",
    "TARGET_COLUMNS",
    "direction",
    "format_trend",
    "format_value",
    "is_per_feature",
    "overview_head",
    "overview_rows",
    "read_targets",
    "series_rows",
    "summarise",
    "summary_markdown",
    "summary_table",
    "target_text",
    "unused_targets_note",
]

#: Columns of the series table that :func:`summarise` reads (the store's ``series`` has more).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "park", "date", "id", "title_en", "title_vi", "indicator", "unit", "op", "threshold",
    "value", "passed", "assessed", "reason",
)

#: Columns of a targets table: ``park`` may be empty (the target holds for every park).
TARGET_COLUMNS: tuple[str, ...] = ("park", "id", "value", "by")

#: Days in a year for trends (the Julian year, so leap years do not bend a slope).
DAYS_PER_YEAR = 365.25

#: ``date.toordinal()`` of 1970-01-01 (numpy days count from there).
_EPOCH = _dt.date(1970, 1, 1).toordinal()

#: Relative tolerance when comparing values (floating-point noise is no regression).
_EPS = 1e-9

_TARGETS_FIX = ("a targets file has the columns id, value, by (a date YYYY-MM-DD) and optionally "
                "park; one row per target")


def direction(indicator: str, op: str) -> str:
    """Which way a criterion's value is better: ``"higher"``, ``"lower"`` or ``"closer"`` (to the threshold).

    Examples
    --------
    >>> direction("landuse_share", ">="), direction("plot_building_density", "<="), direction("x", "==")
    ('higher', 'lower', 'closer')
    >>> direction("plot_green_share", ">=")  # per feature: the value counts failing plots
    'lower'
    """
    ind = INDICATORS.get(indicator)
    if ind is not None and ind.per_feature:
        return "lower"
    return {">=": "higher", ">": "higher", "<=": "lower", "<": "lower"}.get(op, "closer")


def _worse(before: float, after: float, way: str, threshold: float) -> bool:
    tol = max(abs(before), 1.0) * _EPS
    if way == "higher":
        return after < before - tol
    if way == "lower":
        return after > before + tol
    if math.isnan(threshold):
        return False
    return abs(after - threshold) > abs(before - threshold) + tol


def _meets(value: float, target: float, way: str) -> bool:
    tol = max(abs(target), 1.0) * _EPS
    if way == "higher":
        return value >= target - tol
    if way == "lower":
        return value <= target + tol
    return abs(value - target) <= tol


# --- targets ---------------------------------------------------------------------------------


def _target_rows(path: os.PathLike[str] | str) -> list[tuple[str, Mapping[str, Any]]]:
    """(where, row) for each target of a CSV or YAML file, ``where`` naming the line or item."""
    import csv
    import io

    from .._yamlfile import read_yaml
    from ..io import read_text_file

    text = read_text_file(path, what="targets file")
    if str(path).lower().endswith((".yaml", ".yml")):
        data = read_yaml(text, where=str(path), error=InputError)
        if isinstance(data, Mapping) and "targets" in data:
            data = data["targets"]
        if not isinstance(data, list) or not all(isinstance(d, Mapping) for d in data):
            raise InputError(f"{path}: a YAML targets file is a list of targets (or a key 'targets' "
                             f"holding one). Fix: {_TARGETS_FIX}.")
        return [(f"{path}, targets[{i}]", d) for i, d in enumerate(data)]
    reader = csv.DictReader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        rows: list[tuple[str, Mapping[str, Any]]] = []
        line = 1
        for row in reader:
            rows.append((f"{path}, line {line + 1}", row))
            line = reader.line_num
    except csv.Error as exc:
        raise InputError(f"{path}, line {reader.line_num}: not valid CSV ({exc}). Fix: {_TARGETS_FIX}.") from None
    missing = [c for c in ("id", "value", "by") if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}, line 1: missing column(s) {', '.join(missing)}. Fix: {_TARGETS_FIX}.")
    return rows


def _target_date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def read_targets(path: os.PathLike[str] | str) -> pd.DataFrame:
    """A targets file (CSV or YAML: ``id, value, by`` and optionally ``park``) as a table.

    Returns
    -------
    DataFrame
        ``park`` (None: every park), ``id``, ``value`` (float), ``by`` (datetime.date).

    Raises
    ------
    InputError
        Listing every row whose id is empty, value is not a finite number or ``by`` is not a date,
        and every target given twice for the same park and criterion.
    """
    import pandas as pd

    problems: list[str] = []
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str | None, str], str] = {}
    for where, row in _target_rows(path):
        ident = str(row.get("id") or "").strip()
        park = str(row.get("park") or "").strip() or None
        raw_value, raw_by = row.get("value"), row.get("by")
        try:
            value = float(raw_value) if not isinstance(raw_value, bool) else math.nan  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = math.nan
        by = _target_date(raw_by)
        if not ident:
            problems.append(f"{where}: no id. Fix: give the criterion's id (e.g. VN35-ENT-RECP).")
        if not math.isfinite(value):
            problems.append(f"{where}: value {raw_value!r} is not a number. Fix: write the target "
                            "value in the criterion's unit (a share as 0.5, not 50 %).")
        if by is None:
            problems.append(f"{where}: by {raw_by!r} is not a date. Fix: write the deadline as YYYY-MM-DD.")
        if ident and (park, ident) in seen:
            problems.append(f"{where}: a second target for {ident}"
                            + (f" in {park}" if park else "") + f" (the first is at {seen[park, ident]}). "
                            "Fix: keep one target per criterion and park.")
        seen.setdefault((park, ident), where)
        records.append({"park": park, "id": ident, "value": value, "by": by})
    if problems:
        raise InputError(f"{path}: invalid targets file; fix the rows below", problems=problems)
    out = pd.DataFrame(records, columns=list(TARGET_COLUMNS))
    out["park"] = pd.Series([r["park"] for r in records], dtype=object)  # None stays None, not NaN
    return out


# --- the summary -----------------------------------------------------------------------------


def _prepared(df: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"the series table lacks the column(s) {', '.join(missing)}. "
                         "Fix: give the table eipgis.monitor.series returns.")
    return df.sort_values(["park", "id", "date"], kind="stable").reset_index(drop=True)


def _targets_by_key(targets: pd.DataFrame | None) -> dict[tuple[str | None, str], tuple[float, _dt.date]]:
    if targets is None or targets.empty:
        return {}
    parks = list(targets["park"]) if "park" in targets else [None] * len(targets)
    return {(p if isinstance(p, str) and p else None, str(i)): (float(v), _target_date(b) or _dt.date.max)
            for p, i, v, b in zip(parks, targets["id"], targets["value"], targets["by"], strict=True)}


def _target_names(keys: Iterable[tuple[str | None, str]]) -> list[str]:
    """``id`` of a target for every park, ``id (park)`` of one park's."""
    return [f"{ident} ({park})" if park else ident for park, ident in keys]


def _slopes(group: np.ndarray, years: np.ndarray, values: np.ndarray, ok: np.ndarray, n_groups: int) -> np.ndarray:
    """Least-squares slope of value against time per group, over the ``ok`` rows (NaN under two points)."""
    import numpy as np

    g, t, v = group[ok], years[ok], values[ok]
    n = np.bincount(g, minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_t = np.bincount(g, t, minlength=n_groups) / n
        mean_v = np.bincount(g, v, minlength=n_groups) / n
        dt, dv = t - mean_t[g], v - mean_v[g]
        sxx = np.bincount(g, dt * dt, minlength=n_groups)
        sxy = np.bincount(g, dt * dv, minlength=n_groups)
        slope = sxy / sxx
    return np.where((n >= 2) & (sxx > 0), slope, np.nan)


def _last_two(group: np.ndarray, ok: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Row of the latest and of the previous ``ok`` record per group (-1 when none)."""
    import numpy as np

    rows = np.flatnonzero(ok)
    g = group[rows]
    last = np.full(n_groups, -1)
    prev = np.full(n_groups, -1)
    is_last = np.r_[g[1:] != g[:-1], True] if len(g) else np.zeros(0, dtype=bool)
    last[g[is_last]] = rows[is_last]
    before = np.flatnonzero(is_last) - 1
    same = (before >= 0) & (g[np.maximum(before, 0)] == g[is_last])
    prev[g[is_last][same]] = rows[before[same]]
    return last, prev


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def summarise(df: pd.DataFrame, targets: pd.DataFrame | None = None) -> dict[str, Any]:
    """Per park and criterion: the dated series, trend per year, regression and target.

    Parameters
    ----------
    df : DataFrame
        The store's series (:func:`eipgis.monitor.series`): one row per park, date and criterion.
    targets : DataFrame, optional
        Targets as :func:`read_targets` gives them (``park`` None: for every park).

    Returns
    -------
    dict
        ``{"parks": [{"park", "first", "last", "records", "indicators": [{"id", "title": {en, vi},
        "indicator", "unit", "op", "threshold", "direction", "series": [{"date", "value", "passed",
        "reason", "threshold"}], "latest", "trend_per_year", "regression", "target"}]}],
        "unused_targets": [ids of targets no stored criterion has]}``.
        Title, operator and threshold of a criterion are those of its latest record (the rules in
        force now); each point keeps the threshold it was judged against.
        A point not assessed has ``value`` and ``passed`` null and its ``reason``.
        ``trend_per_year`` is the least-squares slope of the assessed values against time in
        years (days / 365.25), null under two assessed records. ``regression`` is
        ``{from_date, to_date, change}`` when the latest assessed value is worse than the one
        before it, else null. ``target`` is ``{value, by, projected, on_track}`` (projected =
        latest + trend × years to ``by``; a target already met is on track) or null.

    Examples
    --------
    >>> import datetime as dt, pandas as pd
    >>> rows = [{"park": "A", "date": dt.date(y, 12, 31), "id": "G", "title_en": "Green",
    ...          "title_vi": "Cây xanh", "indicator": "landuse_share", "unit": "share", "op": ">=",
    ...          "threshold": 0.1, "value": v, "passed": v >= 0.1, "assessed": True, "reason": None}
    ...         for y, v in [(2022, 0.08), (2024, 0.12)]]
    >>> ind = summarise(pd.DataFrame(rows))["parks"][0]["indicators"][0]
    >>> round(ind["trend_per_year"], 4), ind["regression"]
    (0.02, None)
    """
    import numpy as np
    import pandas as pd

    frame = _prepared(df)
    if frame.empty:
        return {"parks": [], "unused_targets": _target_names(_targets_by_key(targets))}
    dates = pd.to_datetime(frame["date"])
    day = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    iso = dates.dt.strftime("%Y-%m-%d").tolist()
    years = day / DAYS_PER_YEAR
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
    assessed = frame["assessed"].fillna(False).astype(bool).to_numpy()
    ok = assessed & np.isfinite(values)
    passed = frame["passed"].astype("boolean")
    passed_list = passed.astype(object).where(passed.notna() & assessed, None).tolist()
    value_list = np.where(ok, values, np.nan).tolist()
    reasons = frame["reason"].astype(object).where(frame["reason"].notna(), None).tolist()
    group = frame.groupby(["park", "id"], sort=False).ngroup().to_numpy()
    n_groups = int(group.max()) + 1
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(frame)]
    slope = _slopes(group, years, values, ok, n_groups)
    last, prev = _last_two(group, ok, n_groups)
    wanted = _targets_by_key(targets)
    used: set[tuple[str | None, str]] = set()
    thresholds = pd.to_numeric(frame["threshold"], errors="coerce").to_numpy(dtype=float)
    newest = frame.iloc[ends - 1]  # a criterion is described by its latest record (the rules now)
    threshold_list = pd.Series(thresholds, dtype=object).where(np.isfinite(thresholds), None).tolist()

    parks: dict[str, dict[str, Any]] = {}
    for k, (s, e, row) in enumerate(zip(starts, ends, newest.itertuples(index=False), strict=True)):
        way = direction(str(row.indicator), str(row.op))
        threshold = float(thresholds[e - 1])
        trend = float(slope[k])
        series = [{"date": iso[i], "value": None if not ok[i] else value_list[i], "passed": passed_list[i],
                   "reason": reasons[i] if not assessed[i] else None, "threshold": threshold_list[i]}
                  for i in range(s, e)]
        latest = None if last[k] < 0 else {"date": iso[last[k]], "value": value_list[last[k]],
                                           "passed": passed_list[last[k]]}
        regression = None
        if last[k] >= 0 and prev[k] >= 0 and _worse(values[prev[k]], values[last[k]], way, threshold):
            regression = {"from_date": iso[prev[k]], "to_date": iso[last[k]],
                          "change": _number(values[last[k]] - values[prev[k]])}
        target = None
        key = (str(row.park), str(row.id)) if (str(row.park), str(row.id)) in wanted else (None, str(row.id))
        goal = wanted.get(key)
        used.add(key)
        if goal is not None:
            target = {"value": goal[0], "by": goal[1].isoformat(), "projected": None, "on_track": None}
            if last[k] >= 0:
                span = max((goal[1].toordinal() - _EPOCH - int(day[last[k]])) / DAYS_PER_YEAR, 0.0)
                now = float(values[last[k]])
                projected = now + (trend * span if math.isfinite(trend) else 0.0)
                target["projected"] = _number(projected)
                target["on_track"] = _meets(now, goal[0], way) or _meets(projected, goal[0], way)
        park = parks.setdefault(str(row.park), {"park": str(row.park), "indicators": []})
        park["indicators"].append({
            "id": str(row.id),
            "title": {"en": str(row.title_en), "vi": str(row.title_vi)},
            "indicator": str(row.indicator),
            "unit": str(row.unit),
            "op": str(row.op),
            "threshold": _number(threshold),
            "direction": way,
            "series": series,
            "latest": latest,
            "trend_per_year": _number(trend),
            "regression": regression,
            "target": target,
        })
    by_park = pd.Series(iso).groupby(frame["park"].astype(str).to_numpy())
    firsts, lasts = by_park.min(), by_park.max()
    counts = pd.Series(frame["date"].to_numpy()).groupby(frame["park"].astype(str).to_numpy()).nunique()
    for name, park in parks.items():
        park.update(first=firsts[name], last=lasts[name], records=int(counts[name]))
    return {"parks": list(parks.values()), "unused_targets": _target_names(k for k in wanted if k not in used)}


# --- for people ------------------------------------------------------------------------------


def is_per_feature(indicator: str) -> bool:
    """The registry judges the indicator per feature: its value counts the failing features."""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.per_feature


def format_value(value: float | None, ind: Mapping[str, Any], lang: str) -> str:
    """A value of a summarised criterion as the tables write it (``11.0 %``, ``3 failing``, ``–``)."""
    if value is None:
        return "–"
    if is_per_feature(str(ind["indicator"])):
        return MONITOR_VIEW_WORDS[lang]["failing_features"].format(n=f"{value:,.0f}")
    return format_number(float(value), str(ind["unit"]))


def format_trend(ind: Mapping[str, Any], lang: str) -> str:
    """The trend per year with its unit (``+2.0 pp/yr`` for shares), ``–`` without one."""
    w = MONITOR_VIEW_WORDS[lang]
    trend = ind["trend_per_year"]
    if trend is None:
        return "–"
    if is_per_feature(str(ind["indicator"])) or ind["unit"] in ("count", "yes/no"):
        return f"{trend:+,.3g}{w['per_year']}"  # failing features (or items) per year
    if ind["unit"] == "share":
        return f"{trend * 100:+.1f} {w['pp_per_year']}"
    return f"{trend:+,.3g} {ind['unit']}{w['per_year']}"


def _verdict(passed: bool | None, lang: str) -> str:
    w = MONITOR_VIEW_WORDS[lang]
    return w["not_assessed"] if passed is None else w["pass"] if passed else w["fail"]


def _regression_text(ind: Mapping[str, Any], lang: str) -> str:
    reg = ind["regression"]
    if reg is None:
        return "–"
    change = reg["change"]
    shown = (f"{change * 100:+.1f} {MONITOR_VIEW_WORDS[lang]['pp']}" if ind["unit"] == "share" and not is_per_feature(str(ind["indicator"]))
             else f"{change:+,.3g}")
    return MONITOR_VIEW_WORDS[lang]["worse"].format(date=reg["from_date"], change=shown)


def target_text(ind: Mapping[str, Any], lang: str) -> str:
    """The target in words: ``50.0 % by 2030-12-31: 62.0 % projected, on track``; ``–`` without one."""
    w = MONITOR_VIEW_WORDS[lang]
    tgt = ind["target"]
    if tgt is None:
        return "–"
    if tgt["on_track"] is None:
        state = w["no_value"]
    elif ind["latest"] is not None and _meets(float(ind["latest"]["value"]), float(tgt["value"]), ind["direction"]):
        state = w["target_met"]
    else:
        state = w["on_track"] if tgt["on_track"] else w["off_track"]
    return w["target_text"].format(value=format_value(tgt["value"], ind, lang), by=tgt["by"],
                                   projected=format_value(tgt["projected"], ind, lang), verdict=state)


def _latest_text(ind: Mapping[str, Any], lang: str) -> str:
    latest = ind["latest"]
    if latest is None:
        return "–"
    return f"{format_value(latest['value'], ind, lang)} ({latest['date']})"


def overview_rows(park: Mapping[str, Any], lang: str) -> list[list[str]]:
    """One row per criterion: id, title, latest value (date), result, trend, regression, target."""
    check_lang(lang)
    return [[ind["id"], ind["title"][lang], _latest_text(ind, lang),
             _verdict(ind["latest"]["passed"] if ind["latest"] else None, lang),
             format_trend(ind, lang), _regression_text(ind, lang), target_text(ind, lang)]
            for ind in park["indicators"]]


def series_rows(park: Mapping[str, Any], lang: str) -> tuple[list[str], list[list[str]]]:
    """Heading (id, then each date) and one row per criterion: ``value ✓/✗`` at each date (or not assessed)."""
    dates = sorted({p["date"] for ind in park["indicators"] for p in ind["series"]})
    rows = []
    for ind in park["indicators"]:
        cells = dict.fromkeys(dates, "")
        for p in ind["series"]:
            if p["passed"] is None and p["value"] is None:
                cells[p["date"]] = MONITOR_VIEW_WORDS[lang]["na"]
            else:
                mark = "" if p["passed"] is None else " ✓" if p["passed"] else " ✗"
                cells[p["date"]] = format_value(p["value"], ind, lang) + mark
        rows.append([ind["id"], *cells.values()])
    return [MONITOR_VIEW_WORDS[lang]["id"], *dates], rows


def _not_assessed_items(park: Mapping[str, Any]) -> list[str]:
    return [f"{ind['id']} {p['date']}: {p['reason'] or '–'}" for ind in park["indicators"]
            for p in ind["series"] if p["passed"] is None and p["value"] is None]


def overview_head(lang: str) -> list[str]:
    """Column headings of :func:`overview_rows`."""
    w = MONITOR_VIEW_WORDS[lang]
    return [w["id"], w["criterion"], w["latest"], w["result"], w["trend"], w["regression"], w["target"]]


def unused_targets_note(summary: Mapping[str, Any], lang: str) -> list[str]:
    """A line naming the targets no stored criterion has (a typo in an id?), and a blank line."""
    unused = summary.get("unused_targets") or []
    return [MONITOR_VIEW_WORDS[lang]["unused_targets"].format(items=", ".join(unused)), ""] if unused else []


def summary_table(summary: Mapping[str, Any], *, lang: str = "en") -> str:
    """The summary as plain-text tables for the terminal (per park: overview, then the series)."""
    from .._tables import format_table

    lang = check_lang(lang)
    w = MONITOR_VIEW_WORDS[lang]
    if not summary["parks"]:
        return w["empty"] + "\n"
    lines: list[str] = unused_targets_note(summary, lang)
    for park in summary["parks"]:
        lines += [f"{w['park']}: {park['park']} — "
                  + w["records"].format(n=park["records"], first=park["first"], last=park["last"]), ""]
        lines += format_table(overview_head(lang), overview_rows(park, lang)) + [""]
        head, rows = series_rows(park, lang)
        lines += [w["series"] + ":"] + format_table(head, rows, align="<" + ">" * (len(head) - 1)) + [""]
        items = _not_assessed_items(park)
        if items:
            lines += [w["not_assessed_note"].format(items="; ".join(items)), ""]
    return "\n".join(lines)


def summary_markdown(summary: Mapping[str, Any], *, lang: str = "en") -> str:
    """The summary as Markdown (every text from the store escaped)."""
    from .._markup import md

    lang = check_lang(lang)
    w = MONITOR_VIEW_WORDS[lang]
    if not summary["parks"]:
        return md(w["empty"], paragraph=True) + "\n"

    def table(head: list[str], rows: list[list[str]]) -> list[str]:
        return (["| " + " | ".join(md(h) for h in head) + " |", "|" + "---|" * len(head)]
                + ["| " + " | ".join(md(c) for c in r) + " |" for r in rows] + [""])

    lines: list[str] = [md(n, paragraph=True) for n in unused_targets_note(summary, lang)]
    for park in summary["parks"]:
        lines += [f"# {md(park['park'])}", "",
                  md(w["records"].format(n=park["records"], first=park["first"], last=park["last"]),
                     paragraph=True), "", f"## {md(w['overview'])}", ""]
        lines += table(overview_head(lang), overview_rows(park, lang))
        lines += [f"## {md(w['series'])}", ""] + table(*series_rows(park, lang))
        items = _not_assessed_items(park)
        if items:
            lines += [md(w["not_assessed_note"].format(items="; ".join(items)), paragraph=True), ""]
    return "\n".join(lines)
