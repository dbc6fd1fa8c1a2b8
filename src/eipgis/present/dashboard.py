"""The monitoring dashboard: one offline HTML page per store, with the series, charts and change maps."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._markup import plain_text
from .._words import MONITOR_VIEW_WORDS, WORDS, check_lang, number
from ..landuse import LABELS
from ..monitor.summary import (
    format_value,
    is_per_feature,
    overview_head,
    overview_rows,
    summarise,
    unused_targets_note,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..park import Park

__all__ = ["MAX_CHANGE_ROWS", "Snapshot", "change_picture", "dashboard_html", "indicator_chart",
           "write_dashboard"]

#: ``snapshot(park_name, date) → Park``: the park as recorded on that date (the store's ``snapshot``).
Snapshot = Callable[[str, _dt.date], "Park"]

#: Longest list of changed pieces the change table shows (the rest is counted).
MAX_CHANGE_ROWS = 30

#: Up to this many dates on a chart, each record's date is a tick.
_MAX_DATE_TICKS = 8

_PASS, _FAIL, _LINE, _GREY = "#2e8b3a", "#c8102e", "#33415c", "#9a9a9a"


def _class_label(cls: str, lang: str) -> str:
    return LABELS[cls][lang] if cls in LABELS else WORDS[lang]["unassigned"]


def indicator_chart(ind: Mapping[str, Any], lang: str) -> str:
    """One criterion's series over time: values (pass green, fail red), threshold, target, gaps.

    Not-assessed records break the line and are marked by a grey dotted line at their date.
    A share is drawn in per cent. Returns base64 PNG text.
    """
    import matplotlib.dates as mdates
    import numpy as np
    from matplotlib.lines import Line2D

    from ._charts import _figure, png_base64

    w = MONITOR_VIEW_WORDS[lang]
    per_feature = is_per_feature(str(ind["indicator"]))
    scale = 100.0 if ind["unit"] == "share" and not per_feature else 1.0
    dates = [_dt.date.fromisoformat(p["date"]) for p in ind["series"]]
    values = np.array([np.nan if p["value"] is None else p["value"] * scale for p in ind["series"]])
    fig = _figure(6.2, 2.9)
    ax = fig.add_subplot()
    ax.plot(dates, values, color=_LINE, linewidth=1.6, zorder=2)
    for d, v, p in zip(dates, values, ind["series"], strict=True):
        if np.isnan(v):
            ax.axvline(d, color=_GREY, linestyle=":", linewidth=1.2, zorder=1)
        else:
            colour = _GREY if p["passed"] is None else _PASS if p["passed"] else _FAIL
            ax.scatter([d], [v], s=34, color=colour, edgecolors="white", linewidths=0.8, zorder=3)
    handles = [ax.scatter([], [], s=34, color=_PASS, label=w["pass"]),
               ax.scatter([], [], s=34, color=_FAIL, label=w["fail"])]
    if np.isnan(values).any():
        handles.append(Line2D([], [], color=_GREY, linestyle=":", linewidth=1.2, label=w["not_assessed"]))
    threshold = ind["threshold"]
    if threshold is not None and not per_feature:
        # The threshold each record was judged against: a step where the rules changed.
        steps = [np.nan if p["threshold"] is None else p["threshold"] * scale for p in ind["series"]]
        label = f"{w['threshold']} {format_value(threshold, ind, lang)}"
        if len({s for s in steps if not np.isnan(s)}) > 1:
            tail = dates[-1] + max((dates[-1] - dates[0]) / 20, _dt.timedelta(days=60))  # show the last rule
            handles += ax.step([*dates, tail], [*steps, steps[-1]], where="post", color="black", linewidth=1.3,
                               label=label)
        else:
            handles.append(ax.axhline(threshold * scale, color="black", linewidth=1.3, label=label))
    target = ind["target"]
    if target is not None:
        by = _dt.date.fromisoformat(target["by"])
        ax.axhline(target["value"] * scale, color="#1f77b4", linestyle="--", linewidth=1.1)
        handles.append(ax.scatter([by], [target["value"] * scale], marker="*", s=120, color="#1f77b4",
                                  zorder=4, label=f"{w['target_line']} {format_value(target['value'], ind, lang)}"
                                  f" ({target['by']})"))
        if ind["latest"] is not None and target["projected"] is not None:
            start = _dt.date.fromisoformat(ind["latest"]["date"])
            ax.plot([start, max(by, start)], [ind["latest"]["value"] * scale, target["projected"] * scale],
                    color="#1f77b4", linestyle=":", linewidth=1.1)
    ticks = sorted({*dates, *([_dt.date.fromisoformat(target["by"])] if target is not None else [])})
    if len(ticks) <= _MAX_DATE_TICKS:  # few records: tick each record's date (and the deadline)
        ax.set_xticks(ticks, [d.isoformat() for d in ticks], rotation=30, ha="right")
    else:
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.tick_params(labelsize=8)
    ax.set_ylabel("%" if scale == 100 else w["failing_axis"] if per_feature else plain_text(ind["unit"]),
                  fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(plain_text(f"{ind['id']} — {ind['title'][lang]}"), fontsize=9, loc="left")
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return png_base64(fig)


def change_picture(old: Park, new: Park, changed: gpd.GeoDataFrame, lang: str, *, title: str) -> str:
    """A map of the pieces whose class changed, one colour per change (``industrial → green``)."""
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    from ._charts import _figure, _polys, _scale_bar, png_base64

    fig = _figure(7.6, 6.2)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.set_facecolor("#f7f7f4")
    _polys(ax, new.landuse.to_crs(old.crs).geometry.values, facecolor="#e4e4e0", edgecolor="white",
           linewidth=0.5)
    palette = colormaps["tab10"]
    handles: list[Any] = []
    pairs = changed.groupby(["class_before", "class_after"], sort=False)["area_ha"].sum()
    for k, ((before, after), ha) in enumerate(pairs.sort_values(ascending=False).items()):
        colour = palette(k % palette.N)
        sel = ((changed["class_before"] == before) & (changed["class_after"] == after)).to_numpy()
        _polys(ax, changed.geometry.values[sel], facecolor=colour, edgecolor="black", linewidth=0.6, alpha=0.85)
        handles.append(Patch(facecolor=colour, edgecolor="black", label=plain_text(
            f"{_class_label(str(before), lang)} → {_class_label(str(after), lang)} ({number(ha, 2)} ha)")))
    _polys(ax, old.boundary.geometry.values, facecolor="none", edgecolor="black", linewidth=1.4)
    bounds = list(old.boundary.total_bounds)
    pad = 0.05 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
    ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, bounds[0] - pad, bounds[1] - pad, bounds[2] - bounds[0] + 2 * pad)
    ax.set_title(plain_text(title), fontsize=11)
    ax.text(0.99, 0.005, old.crs_label, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            color="#555555")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return png_base64(fig)


def _on_or_before(dates: Sequence[str], wanted: _dt.date | None, default: str) -> str:
    """The latest record date not after ``wanted`` (the first record when none is)."""
    if wanted is None:
        return default
    earlier = [d for d in dates if d <= wanted.isoformat()]
    return earlier[-1] if earlier else dates[0]


def _result_class(text: str, lang: str) -> str:
    w = MONITOR_VIEW_WORDS[lang]
    return {w["pass"]: "pass", w["fail"]: "fail", w["not_assessed"]: "na"}.get(text, "")


def _maps(park: Mapping[str, Any], snapshot: Snapshot | None, lang: str,
          date_from: _dt.date | None, date_to: _dt.date | None) -> dict[str, Any]:
    from ..monitor.changes import changes
    from ._charts import map_picture

    w = MONITOR_VIEW_WORDS[lang]
    out: dict[str, Any] = {"latest": None, "change": None, "change_note": w["no_snapshot"],
                           "change_head": [], "change_rows": [], "change_more": ""}
    if snapshot is None:
        return out
    name = str(park["park"])
    dates = sorted({p["date"] for ind in park["indicators"] for p in ind["series"]})
    latest = snapshot(name, _dt.date.fromisoformat(dates[-1]))
    out["latest"] = (w["latest_map"].format(date=dates[-1]),
                     map_picture(latest, None, lang, title=f"{name} — {dates[-1]}"))
    first = _on_or_before(dates, date_from, dates[0])
    last = _on_or_before(dates, date_to, dates[-1])
    if first >= last:
        out["change_note"] = w["one_record"]
        return out
    old = snapshot(name, _dt.date.fromisoformat(first))
    new = latest if last == dates[-1] else snapshot(name, _dt.date.fromisoformat(last))
    changed = changes(old, new)
    heading = w["change_map"].format(before=first, after=last)
    if changed.empty:
        out["change_note"] = w["no_change"].format(before=first, after=last)
        return out
    out["change"] = (heading, change_picture(old, new, changed, lang, title=f"{name}: {first} → {last}"))
    out["change_note"] = w["changed_area"].format(ha=number(float(changed["area_ha"].sum()), 2))
    out["change_head"] = [w["class_before"], w["class_after"], WORDS[lang]["parcel"] + " (" + first + ")",
                          WORDS[lang]["parcel"] + " (" + last + ")", w["area_ha"]]
    out["change_rows"] = [[_class_label(str(r.class_before), lang), _class_label(str(r.class_after), lang),
                           str(r.parcel_before or "–"), str(r.parcel_after or "–"), number(float(r.area_ha), 2)]
                          for r in changed.head(MAX_CHANGE_ROWS).itertuples(index=False)]
    if len(changed) > MAX_CHANGE_ROWS:
        out["change_more"] = WORDS[lang]["more"].format(n=len(changed) - MAX_CHANGE_ROWS)
    return out


def dashboard_html(
    series_df: pd.DataFrame,
    *,
    snapshot: Snapshot | None = None,
    targets: pd.DataFrame | None = None,
    lang: str = "en",
    date_from: _dt.date | None = None,
    date_to: _dt.date | None = None,
    title: str | None = None,
    date: str | None = None,
) -> str:
    """The monitoring dashboard: one self-contained HTML page (no script, no request, PNG charts).

    Parameters
    ----------
    series_df : DataFrame
        The store's series (:func:`eipgis.monitor.series`), already limited to the parks wanted.
    snapshot : callable, optional
        ``snapshot(park_name, date) → Park`` (the store's ``snapshot``) for the latest land-use
        map and the change map; without it the page has no maps.
    targets : DataFrame, optional
        Targets (:func:`eipgis.monitor.summary.read_targets`), drawn on the charts.
    lang : {"en", "vi"}
        Language of the page.
    date_from, date_to : datetime.date, optional
        The two records the change map compares (the latest record on or before each date;
        default: the first and the last record).
    title, date : str, optional
        Page title (default: "Monitoring dashboard") and the date printed (default: today).

    Returns
    -------
    str
        Per park: the summary table (latest value, result, trend, regression, target), one chart
        per criterion with its threshold and target, the latest land-use map and the change map
        with a table of the pieces that changed class.
    """
    from .. import __version__
    from .._markup import render

    lang = check_lang(lang)
    w = MONITOR_VIEW_WORDS[lang]
    summary = summarise(series_df, targets)
    parks = []
    for park in summary["parks"]:
        rows = [[(_result_class(c, lang) if j == 3 else "", c) for j, c in enumerate(row)]
                for row in overview_rows(park, lang)]
        gaps = [f"{ind['id']} {p['date']}: {p['reason'] or '–'}" for ind in park["indicators"]
                for p in ind["series"] if p["value"] is None and p["passed"] is None]
        parks.append({
            "name": park["park"],
            "records": w["records"].format(n=park["records"], first=park["first"], last=park["last"]),
            "head": overview_head(lang),
            "rows": rows,
            "not_assessed": w["not_assessed_note"].format(items="; ".join(gaps)) if gaps else "",
            "charts": [(f"{ind['id']} — {ind['title'][lang]}", indicator_chart(ind, lang))
                       for ind in park["indicators"]],
            **_maps(park, snapshot, lang, date_from, date_to),
        })
    date = date or _dt.date.today().isoformat()
    return render("dashboard.html.j2", lang=lang, title=title or w["dashboard_title"], w=w, parks=parks,
                  empty=w["empty"] if not parks else "", notes=[n for n in unused_targets_note(summary, lang) if n],
                  footer=w["footer"].format(version=__version__, n=len(series_df), date=date))


def write_dashboard(
    path: str | os.PathLike[str],
    series_df: pd.DataFrame,
    *,
    overwrite: bool = False,
    **options: Any,
) -> Path:
    """Write :func:`dashboard_html` (``options`` as there) atomically: a failure leaves no file."""
    from .. import io as _io

    return _io.write_text(path, dashboard_html(series_df, **options), overwrite=overwrite)
