"""Report pictures with matplotlib (no pyplot, no browser): land shares, scenarios, a static map."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._markup import plain_text
from .._words import HAZARD_COLOURS, MATERIAL_COLOURS, WORDS
from ..indicators import INDICATORS, SafetyDetail, StripDetail
from ..landuse import CLASSES, COLOURS, LABELS

if TYPE_CHECKING:
    from ..criteria import ComplianceReport
    from ..park import Park

__all__ = ["draw_map", "map_picture", "png_base64", "share_chart"]


def _charted(indicator: str) -> bool:
    """The registry says the indicator's value is a share a chart sets against its threshold."""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.chart

_PASS, _FAIL = "#2e8b3a", "#c8102e"
_SCENARIO_COLOURS = ("#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=110)
    fig.set_layout_engine("constrained")
    return fig


def png_base64(fig: Any) -> str:
    """The figure as base64 PNG text (for ``data:image/png;base64,…``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _share_results(report: ComplianceReport) -> list[Any]:
    return [r for r in report.results
            if _charted(r.indicator) and not r.per_feature and r.unit == "share" and r.assessed]


def share_chart(reports: Sequence[tuple[str, ComplianceReport]], lang: str) -> str | None:
    """Bars of each land share against its threshold; one bar per scenario when several.

    Returns base64 PNG text, or None when the criteria set has no share criteria.
    """
    import numpy as np

    first = _share_results(reports[0][1])
    if not first:
        return None
    ids = [r.id for r in first]
    titles = [plain_text(r.title[lang]) for r in first]
    n, k = len(ids), len(reports)
    fig = _figure(7.6, 0.55 + 0.42 * n * max(k, 1.6))
    ax = fig.add_subplot()
    height = 0.8 / k
    y = np.arange(n)
    for j, (label, rep) in enumerate(reports):
        by_id = {r.id: r for r in _share_results(rep)}
        vals = [by_id[i].value * 100 if i in by_id else np.nan for i in ids]
        ok = [by_id[i].passed if i in by_id else True for i in ids]
        pos = y - 0.4 + height * (j + 0.5)
        colours = ([_PASS if o else _FAIL for o in ok] if k == 1
                   else [_SCENARIO_COLOURS[j % len(_SCENARIO_COLOURS)]] * n)
        bars = ax.barh(pos, vals, height=height * 0.9, color=colours, label=plain_text(label) if k > 1 else None)
        for i, (bar, v, o) in enumerate(zip(bars, vals, ok, strict=True)):
            if not math.isnan(v):
                mark = "✓" if o else "✗"
                ax.text(max(v, float(first[i].threshold) * 100) + 0.8, bar.get_y() + bar.get_height() / 2,
                        f"{v:.1f} % {mark}", va="center", fontsize=8,
                        color=_PASS if o else _FAIL)
    for i, r in enumerate(first):
        t = float(r.threshold) * 100
        ax.plot([t, t], [i - 0.45, i + 0.45], color="black", linewidth=2)
    ax.set_yticks(y, [t if len(t) < 48 else t[:46] + "…" for t in titles], fontsize=8)
    ax.invert_yaxis()
    top = max([float(r.threshold) * 100 for r in first]
              + [r.value * 100 for _, rep in reports for r in _share_results(rep)])
    ax.set_xlim(0, min(top * 1.25 + 4, 115))
    ax.set_xlabel(WORDS[lang]["chart_share_axis"], fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.plot([], [], color="black", linewidth=2, label=WORDS[lang]["chart_threshold"])
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(k + 1, 4),
              frameon=False)
    return png_base64(fig)


def _paths(geoms: Any) -> list[Any]:
    """matplotlib paths of (multi)polygons, holes included."""
    import numpy as np
    import shapely
    from matplotlib.path import Path

    out = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        parts = shapely.get_parts(geom)
        rings = []
        for part in parts:
            if part.geom_type != "Polygon":
                continue
            for ring in (part.exterior, *part.interiors):
                xy = np.asarray(ring.coords)[:, :2]
                rings.append(Path(xy, closed=True))
        if rings:
            out.append(Path.make_compound_path(*rings))
    return out


def _polys(ax: Any, geoms: Any, **style: Any) -> None:
    from matplotlib.collections import PathCollection
    from matplotlib.patches import PathPatch

    paths = _paths(geoms)
    if not paths:
        return
    if len(paths) < 400:
        for p in paths:
            ax.add_patch(PathPatch(p, **style))
    else:
        ax.add_collection(PathCollection(paths, **{_plural(k): v for k, v in style.items()}))


def _plural(key: str) -> str:
    return {"facecolor": "facecolors", "edgecolor": "edgecolors", "linewidth": "linewidths",
            "linestyle": "linestyles"}.get(key, key)


def _lines(ax: Any, geoms: Any, **style: Any) -> None:
    import numpy as np
    import shapely

    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        for part in shapely.get_parts(geom):
            xy = np.asarray(part.coords)
            ax.plot(xy[:, 0], xy[:, 1], **style)


def _scale_bar(ax: Any, xmin: float, ymin: float, width: float) -> None:
    import math

    target = width / 5
    step = 10 ** math.floor(math.log10(target))
    length = max(s * step for s in (1, 2, 5) if s * step <= target)
    x0, y0 = xmin + width * 0.04, ymin + width * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, solid_capstyle="butt",
            zorder=10)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + width * 0.012, label, ha="center", va="bottom", fontsize=8,
            zorder=10, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})


def _label(result: Any, lang: str) -> str:
    import textwrap

    return plain_text(textwrap.fill(f"{result.title[lang]} ({result.id})", 42))


def map_picture(park: Park, report: ComplianceReport | None, lang: str, *,
                links: Any = None, changed: Any = None, title: str | None = None) -> str:
    """A static picture of the land-use map with what fails (base64 PNG)."""
    fig = _figure(7.6, 6.6)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    handles, bounds = draw_map(ax, park, report, lang, links=links, changed=changed)
    return _finish_picture(ax, fig, park, handles, bounds, title)


def draw_map(ax: Any, park: Park, report: ComplianceReport | None, lang: str, *,
             links: Any = None, changed: Any = None) -> tuple[list[Any], list[float]]:
    """Draw the land-use map with what fails on ``ax``; return the legend handles and the extent.

    The extent (xmin, ymin, xmax, ymax) covers the park and the safety zones drawn. The report's
    picture (:func:`map_picture`) and the print layout (``eipgis.present.printmap``) share it.
    """
    import numpy as np
    import shapely
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    w = WORDS[lang]
    ax.set_facecolor("#f3f1ea")
    lu = park.landuse
    handles: list[Any] = []
    for cls in CLASSES:
        sel = (lu["landuse_class"] == cls).to_numpy()
        if sel.any():
            _polys(ax, lu.geometry.values[sel], facecolor=COLOURS[cls], edgecolor="white",
                   linewidth=0.4, alpha=0.75)
            handles.append(Patch(facecolor=COLOURS[cls], alpha=0.75, label=LABELS[cls][lang]))
    if not park.neighbourhoods.empty:
        _polys(ax, park.neighbourhoods.geometry.values, facecolor="#f6c86b", edgecolor="#8a5a00",
               linewidth=0.8, alpha=0.7)
        handles.append(Patch(facecolor="#f6c86b", edgecolor="#8a5a00", label=w["legend_nbh"]))
    _polys(ax, park.boundary.geometry.values, facecolor="none", edgecolor="black", linewidth=1.6)
    bounds = list(park.boundary.total_bounds)

    ids = lu["parcel_id"].astype(str)
    for r in (report.results if report is not None else ()):
        if r.passed is not False:
            continue
        ind = INDICATORS.get(r.indicator)
        highlight = ind.highlight if ind is not None else None
        if highlight is None:
            continue
        if highlight.kind == "parcels" and highlight.style == "density":
            sel = ids.isin(r.features).to_numpy()
            _polys(ax, lu.geometry.values[sel], facecolor="#d7191c", edgecolor="#d7191c",
                   linewidth=1.4, alpha=0.45)
            handles.append(Patch(facecolor="#d7191c", alpha=0.45, label=_label(r, lang)))
        elif highlight.kind == "parcels":
            sel = ids.isin(r.features).to_numpy()
            _polys(ax, lu.geometry.values[sel], facecolor="none", edgecolor="#ff7f00",
                   linewidth=1.4, linestyle="--")
            handles.append(Patch(facecolor="none", edgecolor="#ff7f00", linestyle="--",
                                 label=_label(r, lang)))
        elif highlight.kind == "strip" and r.measure is not None:
            detail = r.measure.detail
            geom = detail.ungreen_geometry if isinstance(detail, StripDetail) else None
            if geom is not None and not geom.is_empty:
                _polys(ax, [geom], facecolor="#ff2d2d", edgecolor="#ff2d2d", linewidth=1.2)
                handles.append(Patch(facecolor="#ff2d2d", label=_label(r, lang)))
        elif highlight.kind == "zones" and r.measure is not None and not park.facilities.empty:
            frame = r.measure.per_feature
            assert frame is not None, "safety_distance is measured per facility"
            fac = park.facilities
            fid = fac["facility_id"].astype(str)
            sel = fid.isin(r.features).to_numpy()
            lim = frame.reindex(fid[sel])["limit"].to_numpy(dtype=float)
            # Around what the distance was measured from (polygon, buildings or point), as on the web map.
            detail = r.measure.detail
            sources = detail.source_geometry if isinstance(detail, SafetyDetail) else None
            sources = np.asarray(fac.geometry.values if sources is None else sources, dtype=object)
            zones = shapely.buffer(sources[sel], lim, quad_segs=24)
            _polys(ax, zones, facecolor="none", edgecolor="#d7191c", linewidth=1.2, linestyle="--")
            zb = [float(v) for v in shapely.total_bounds(zones)] if len(zones) else bounds
            bounds = [min(bounds[0], zb[0]), min(bounds[1], zb[1]),
                      max(bounds[2], zb[2]), max(bounds[3], zb[3])]
            handles.append(Line2D([], [], color="#d7191c", linestyle="--", label=_label(r, lang)))
    if changed is not None and len(changed):
        _polys(ax, changed.geometry.values, facecolor="none", edgecolor="#ff00d4", linewidth=2.0)
        handles.append(Patch(facecolor="none", edgecolor="#ff00d4", label=w["legend_changed"]))
    if links is not None and len(links):
        from ._mapdata import material_names

        mats = sorted(links["material"].astype(str).unique())
        names = material_names(mats, lang)
        for i, mat in enumerate(mats):
            colour = MATERIAL_COLOURS[i % len(MATERIAL_COLOURS)]
            _lines(ax, links.geometry.values[(links["material"].astype(str) == mat).to_numpy()],
                   color=colour, linewidth=2.2)
            handles.append(Line2D([], [], color=colour, linewidth=2.2, label=plain_text(names[mat])))
    if not park.facilities.empty:
        pts = park.facilities.geometry.representative_point()
        colours = [HAZARD_COLOURS.get(str(h), "#999999") for h in park.facilities["hazard_class"]]
        size = 26 if len(pts) <= 100 else 12 if len(pts) <= 1000 else 5
        ax.scatter(pts.x, pts.y, s=size, c=colours, edgecolors="#222222", linewidths=0.7, zorder=5)
        for h in sorted(set(park.facilities["hazard_class"].astype(str)) & set(HAZARD_COLOURS),
                        key=list(HAZARD_COLOURS).index):
            handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor=HAZARD_COLOURS[h],
                                  markeredgecolor="#222222", label=f"{w['hazard']} {h}"))
    return handles, bounds


def _finish_picture(ax: Any, fig: Any, park: Park, handles: list[Any], bounds: list[float],
                    title: str | None) -> str:
    pad = 0.05 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
    ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    width = bounds[2] - bounds[0] + 2 * pad
    _scale_bar(ax, bounds[0] - pad, bounds[1] - pad, width)
    ax.annotate("N", xy=(0.96, 0.95), xytext=(0.96, 0.86), xycoords="axes fraction",
                ha="center", fontsize=10, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black"})
    ax.set_title(plain_text(title or park.name), fontsize=11)
    ax.text(0.99, 0.005, park.crs_label, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            color="#555555")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
              frameon=False)
    return png_base64(fig)
