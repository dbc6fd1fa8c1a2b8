"""Consultation web maps: a park, its failing criteria, a scenario and symbiosis links as offline HTML."""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._markup import escape, html_element
from .._words import (
    HAZARD_COLOURS,
    KINDS,
    MAP_LABEL_WORDS,
    MATERIAL_COLOURS,
    WORDS,
    check_lang,
    co2_columns,
    co2_label,
    local_date,
    local_number,
    measured_from_text,
    missing,
    number,
)
from ..errors import CRSError, InputError
from ..indicators import INDICATORS, Highlight, SafetyDetail, StripDetail
from ..landuse import CLASSES, COLOURS, LABELS
from . import _labels, _webassets
from ._mapdata import (
    LINK_COLUMNS,
    after_park,
    changed_parcels,
    check_park,
    compact_layer,
    lonlat,
    material_names,
    read_links,
    simplified,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from ..criteria import ComplianceReport
    from ..park import Park

__all__ = [
    "LINK_COLUMNS",
    "SIMPLIFY_M",
    "changed_parcels",
    "map_html",
    "park_map",
    "read_links",
    "write_map",
]

#: Default tolerance (m) of the display simplification; analysis geometry is never touched.
SIMPLIFY_M = 1.0

#: Map panes (z-index): land use under the boundary, highlights above, points on top.
_PANES = {
    "eipgis-context": 401,
    "eipgis-landuse": 402,
    "eipgis-roads": 403,
    "eipgis-neighbourhoods": 404,
    "eipgis-boundary": 406,
    "eipgis-zones": 408,
    "eipgis-fail": 410,
    "eipgis-changed": 412,
    "eipgis-links": 414,
    "eipgis-gaps": 415,
    "eipgis-points": 416,
    "eipgis-comments": 418,
    "eipgis-labels": 450,
}

# Above this many features the map draws on a canvas instead of SVG (faster for big parks).
_CANVAS_FROM = 3000

# Leaflet path options per layer, serialised to JSON (colours, weights, opacities, dashes).
_FAIL_STYLE: dict[str, dict[str, Any]] = {
    "density": {"color": "#d7191c", "weight": 3, "fillColor": "#d7191c", "fillOpacity": 0.25},
    "plot_green": {"color": "#ff7f00", "weight": 3, "dashArray": "6 4", "fillOpacity": 0.0},
    "strip": {"color": "#d7191c", "weight": 1, "fillColor": "#ff2d2d", "fillOpacity": 0.8},
    "zone_fail": {"color": "#d7191c", "weight": 2, "dashArray": "8 6", "fillColor": "#d7191c",
                  "fillOpacity": 0.06},
    "zone_all": {"color": "#555555", "weight": 1.5, "dashArray": "4 4", "fillOpacity": 0.0},
    "nbh_inside": {"color": "#b00020", "weight": 4, "fillColor": "#e08214", "fillOpacity": 0.75},
    "changed": {"color": "#ff00d4", "weight": 3.5, "fillOpacity": 0.0},
}
_NBH_STYLE: dict[str, Any] = {"color": "#8a5a00", "weight": 1.5, "fillColor": "#f6c86b", "fillOpacity": 0.55}
_BOUNDARY_STYLE: dict[str, Any] = {"color": "#111111", "weight": 3, "fill": False}


# --- display geometry ----------------------------------------------------------------------


def _collection(geoms_ll: Any, props: list[dict[str, Any]]) -> str:
    """A layer as script-safe JSON text: compact columns (see ``compact_layer``), else GeoJSON."""
    import json

    import shapely

    compact = compact_layer(geoms_ll, props)
    if compact is not None:
        return _webassets.json_for_script(compact)
    geometry = shapely.to_geojson(geoms_ll)
    parts = []
    for g, p in zip(geometry, props, strict=True):
        clean = {k: v for k, v in p.items() if not missing(v)}
        parts.append('{"type":"Feature","properties":'
                     + json.dumps(clean, ensure_ascii=False, separators=(",", ":"))
                     + ',"geometry":' + g + "}")
    text = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _ha(m2: float) -> str:
    return f"{number(m2 / 1e4, 2)} ha"


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def _text(value: Any) -> str | None:
    if missing(value):
        return None
    text = str(value).strip()
    return text or None


# --- folium pieces -------------------------------------------------------------------------


def _elements() -> tuple[Any, Any, Any]:
    """The folium element classes eipgis maps are made of (built on first use)."""
    global _GeoLayer, _Script, _LayerSwitch
    if _GeoLayer is None:
        from branca.element import MacroElement
        from folium.elements import ElementAddToElement
        from folium.map import Layer, LayerControl
        from folium.template import Template

        def render_once(element: Any, kwargs: dict[str, Any]) -> None:
            """``MacroElement.render`` with the macro output kept as text.

            branca wraps each macro's output in ``Element(output)``, a new jinja2 template, so a
            name like ``{{ 7*7 }}`` in the data would be evaluated on the way into the page.
            """
            figure = element.get_root()
            for part, target in (("header", figure.header), ("html", figure.html),
                                 ("script", figure.script)):
                macro = element._template.module.__dict__.get(part)
                if macro is not None:
                    target.add_child(html_element(macro(element, kwargs)), name=element.get_name())
            for child in element._children.values():
                child.render(**kwargs)

        class GeoLayer(Layer):
            """A GeoJSON layer drawn by the eipgis runtime script (styles, tooltips, popups)."""

            _template = Template(
                "{% macro script(this, kwargs) %}\n"
                "var {{ this.get_name() }} = eipgis.{{ this.call }}({{ this.spec }}, {{ this.data }});\n"
                "{% endmacro %}"
            )

            def __init__(self, data: str, spec: dict[str, Any], *, name: str, overlay: bool = True,
                         show: bool = True, call: str = "layer") -> None:
                super().__init__(name=name, overlay=overlay, control=True, show=show)
                self._name = "EipgisLayer"
                self.call = call
                self.data = data
                self.spec = _webassets.json_for_script(spec)

            # branca annotates Element.render "-> str" but MacroElement.render returns None.
            def render(self, **kwargs: Any) -> None:  # type: ignore[override]
                if self.show:
                    parent = self._parent
                    assert parent is not None, "rendered only once added to the map"
                    self.add_child(ElementAddToElement(element_name=self.get_name(),
                                                      element_parent_name=parent.get_name()),
                                   name=self.get_name() + "_add")
                render_once(self, kwargs)

        class Script(MacroElement):
            """A piece of script run after the map exists (``{map}`` is the map's variable)."""

            _template = Template(
                "{% macro script(this, kwargs) %}\n{{ this.code }}\n{% endmacro %}"
            )

            def __init__(self, code: str) -> None:
                super().__init__()
                self._name = "EipgisScript"
                self.code = code

            # branca annotates Element.render "-> str" but MacroElement.render returns None.
            def render(self, **kwargs: Any) -> None:  # type: ignore[override]
                parent = self._parent
                assert parent is not None, "rendered only once added to the map"
                self.code = self.code.replace("{map}", parent.get_name())
                render_once(self, kwargs)

        class LayerSwitch(LayerControl):
            """folium's layer control: names kept readable (UTF-8), HTML-escaped (Leaflet sets innerHTML)."""

            _template = Template(
                "{% macro script(this, kwargs) %}\n"
                "var {{ this.get_name() }} = L.control.layers({{ this.base_js }}, "
                "{{ this.overlay_js }}, {{ this.options|tojavascript }})"
                ".addTo({{ this._parent.get_name() }});\n"
                "{% endmacro %}"
            )

            # branca annotates Element.render "-> str" but MacroElement.render returns None.
            def render(self, **kwargs: Any) -> None:  # type: ignore[override]
                self.reset()
                parent = self._parent
                assert parent is not None, "rendered only once added to the map"
                for item in parent._children.values():
                    if isinstance(item, Layer) and item.control:
                        target = self.overlays if item.overlay else self.base_layers
                        target[item.layer_name] = item.get_name()

                def js(layers: Mapping[str, str]) -> str:
                    pairs = (f"{_webassets.json_for_script(escape(k))}: {v}" for k, v in layers.items())
                    return "{" + ", ".join(pairs) + "}"

                self.base_js, self.overlay_js = js(self.base_layers), js(self.overlays)
                render_once(self, kwargs)

        _GeoLayer, _Script, _LayerSwitch = GeoLayer, Script, LayerSwitch
    return _GeoLayer, _Script, _LayerSwitch


_GeoLayer: Any = None
_Script: Any = None
_LayerSwitch: Any = None


def _add(m: Any, geoms_ll: Any, props: list[dict[str, Any]], spec: dict[str, Any], name: str,
         *, show: bool = True, overlay: bool = True) -> None:
    layer_cls, _, _ = _elements()
    props = _localised_props(props, spec, getattr(m, "eipgis_lang", "en"))
    layer_cls(_collection(geoms_ll, props), spec, name=name, show=show, overlay=overlay).add_to(m)


def _localised_props(props: list[dict[str, Any]], spec: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Popup values with numbers and dates in Vietnamese form in a Vietnamese map (issue 14); the
    feature's id (the popup's title) is left as written."""
    from .._words import localise

    if lang != "vi":
        return props
    keep = {spec.get("title"), "id"}
    return [{k: v if k in keep or not isinstance(v, str) else localise(v, lang) for k, v in p.items()}
            for p in props]


def _landuse_layer(m: Any, park: Park, geoms_ll: Any, lang: str, name: str, *, show: bool = True,
                   overlay: bool = True) -> None:
    w = WORDS[lang]
    lu = park.landuse
    area = lu.geometry.area.to_numpy()
    cols = {c: lu[c].to_numpy() if c in lu.columns else [None] * len(lu)
            for c in ("parcel_id", "landuse_class", "landuse", "tenant", "name")}
    props = [
        {"id": str(pid), "c": cls, "code": _text(code), "t": _text(ten), "n": _text(nm),
         "a": _ha(a)}
        for pid, cls, code, ten, nm, a in zip(cols["parcel_id"], cols["landuse_class"],
                                               cols["landuse"], cols["tenant"], cols["name"],
                                               area, strict=True)
    ]
    spec = {
        "pane": "eipgis-landuse",
        "title": "id",
        "fields": [["c", w["class"]], ["code", w["code"]], ["n", w["name"]], ["t", w["tenant"]],
                   ["a", w["area"]]],
        "lookup": {"c": {c: LABELS[c][lang] for c in CLASSES}},
        "style": {"color": "#ffffff", "weight": 0.6, "fillOpacity": 0.62},
        "styleBy": "c",
        "styles": {c: {"fillColor": COLOURS[c]} for c in CLASSES},
    }
    _add(m, geoms_ll, props, spec, name, show=show, overlay=overlay)


def _highlighted(report: ComplianceReport | None, kind: str) -> list[tuple[Any, Highlight]]:
    """Results whose indicator's map highlight (the registry's) is of ``kind``, with it."""
    if report is None:
        return []
    out = []
    for r in report.results:
        ind = INDICATORS.get(r.indicator)
        if ind is not None and ind.highlight is not None and ind.highlight.kind == kind:
            out.append((r, ind.highlight))
    return out


def _failing_layers(m: Any, park: Park, report: ComplianceReport, lang: str, simplify_m: float,
                    display: Mapping[str, Any], legend: list[tuple[str, str, str]]) -> Any:
    """Highlight what fails: plots, the ungreen strip, safety zones and the homes inside them.

    Returns the lon/lat bounds of the failing safety zones (None when there are none).
    """
    import numpy as np
    import shapely

    extent = None

    w = WORDS[lang]
    ids = park.landuse["parcel_id"].astype(str).to_numpy()
    position = {pid: i for i, pid in enumerate(ids)}
    lu_ll = display["landuse"]
    tenants = park.landuse["tenant"].to_numpy() if "tenant" in park.landuse.columns else None

    for r, highlight in _highlighted(report, "parcels"):
        key, label = highlight.style, highlight.label
        rows = [position[f] for f in r.features if f in position]
        if not rows:
            continue
        by = r.details.get("by_feature", {})
        props = [
            {"id": ids[i], label: _pct(float(by.get(ids[i], {}).get("value", np.nan))),
             "limit": _pct(float(by.get(ids[i], {}).get("limit", np.nan))),
             "t": _text(tenants[i]) if tenants is not None else None, "crit": r.id}
            for i in rows
        ]
        spec = {"pane": "eipgis-fail", "title": "id", "style": _FAIL_STYLE[key],
                "fields": [[label, w[label]], ["limit", w["limit"]], ["t", w["tenant"]],
                           ["crit", r.title[lang]]]}
        name = w[f"fail_{key}"].format(n=len(rows))
        _add(m, lu_ll[rows], props, spec, name)
        legend.append(("fill" if key == "density" else "line", _FAIL_STYLE[key]["color"], name))

    for r, _ in _highlighted(report, "strip"):
        strip = r.measure.detail if r.measure is not None else None
        if r.passed is not False or not isinstance(strip, StripDetail):
            continue
        ungreen = strip.ungreen_geometry
        if ungreen is None or ungreen.is_empty:
            continue
        geoms = lonlat(simplified(np.array([ungreen]), simplify_m / 2), park.crs)
        props = [{"h": r.title[lang], "ha": _ha(strip.ungreen_ha * 1e4),
                  "len": f"≈{number(strip.ungreen_length_m)} m",
                  "wd": f"{number(strip.width_m)} m", "crit": r.id}]
        spec = {"pane": "eipgis-fail", "title": "h", "style": _FAIL_STYLE["strip"],
                "fields": [["ha", w["ungreen_area"]], ["len", w["ungreen_length"]],
                           ["wd", w["width"]], ["crit", "ID"]]}
        name = w["fail_strip"].format(ha=local_number(strip.ungreen_ha, 2, lang))
        _add(m, geoms, props, spec, name)
        legend.append(("fill", _FAIL_STYLE["strip"]["fillColor"], name))
        _strip_gaps(m, ungreen, park, lang, legend)

    for r, _ in _highlighted(report, "zones"):
        measure = r.measure
        frame = measure.per_feature if measure is not None else None
        if measure is None or frame is None or frame.empty or park.facilities.empty:
            continue
        fac = park.facilities.reset_index(drop=True)
        fac_ids = fac["facility_id"].astype(str).to_numpy()
        frame = frame.reindex(fac_ids)
        limit = frame["limit"].to_numpy(dtype=float)
        has = np.isfinite(limit)
        if not has.any():
            continue
        # The zone is the required distance around what it is measured from (QCVN 01:2021
        # §1.4.26): the facility's polygon, else its buildings, else its point.
        detail = measure.detail
        sources = detail.source_geometry if isinstance(detail, SafetyDetail) else None
        sources = np.asarray(fac.geometry.values if sources is None else sources, dtype=object)
        zones = shapely.buffer(sources[has], limit[has], quad_segs=24)
        zone_ll = lonlat(simplified(zones, simplify_m), park.crs)
        failing = np.isin(fac_ids[has], np.asarray(r.features, dtype=object))
        within_lists = frame["within"].to_numpy()[has]
        props = [
            {"id": fid, "hz": hz, "req": f"{number(lim)} m",
             "d": f"{number(d)} m" if np.isfinite(d) else None, "near": _text(near),
             "in": ", ".join(within) or None, "src": measured_from_text(src, blds, w)}
            for fid, hz, lim, d, near, within, src, blds in zip(
                fac_ids[has], frame["hazard_class"].to_numpy()[has], limit[has],
                frame["value"].to_numpy(dtype=float)[has], frame["nearest"].to_numpy()[has],
                frame["within"].to_numpy()[has], np.asarray(_column(frame, "measured_from"), dtype=object)[has],
                np.asarray(_column(frame, "buildings"), dtype=object)[has], strict=True)
        ]
        fields = [["hz", w["hazard"]], ["req", w["required_distance"]], ["near", w["nearest"]],
                  ["d", w["distance"]], ["src", w["measured_from"]], ["in", w["inside"]]]
        _add(m, zone_ll, props, {"pane": "eipgis-zones", "title": "id", "fields": fields,
                                 "style": _FAIL_STYLE["zone_all"]},
             w["zones"].format(n=int(has.sum())), show=False)
        legend.append(("line", _FAIL_STYLE["zone_all"]["color"], w["zone_all"]))
        if not failing.any():
            continue
        name = w["fail_safety"].format(n=int(failing.sum()))
        _add(m, zone_ll[failing], [p for p, f in zip(props, failing, strict=True) if f],
             {"pane": "eipgis-zones", "title": "id", "fields": fields,
              "style": _FAIL_STYLE["zone_fail"]}, name)
        legend.append(("line", _FAIL_STYLE["zone_fail"]["color"], name))
        extent = shapely.total_bounds(zone_ll[failing])
        # The neighbourhoods inside a failing facility's zone.
        owners: dict[str, list[str]] = {}
        for p, f, within in zip(props, failing, within_lists, strict=True):
            if f:
                for nb in within:
                    owners.setdefault(str(nb), []).append(f"{p['id']} ({p['hz']}, {p['req']})")
        nbh = park.neighbourhoods
        if owners and not nbh.empty:
            inside = nbh["name"].astype(str).isin(list(owners)).to_numpy()
            rows = nbh[inside]
            nprops = [{"n": str(n), "pop": _population(pop), "of": "; ".join(owners[str(n)])}
                      for n, pop in zip(rows["name"], _column(rows, "population"), strict=True)]
            _add(m, display["neighbourhoods"][inside], nprops,
                 {"pane": "eipgis-fail", "title": "n", "style": _FAIL_STYLE["nbh_inside"],
                  "fields": [["pop", w["population"]], ["of", w["inside_zone_of"]]]},
                 f"{w['nbh_inside']} ({int(inside.sum())})")
            legend.append(("fill", _FAIL_STYLE["nbh_inside"]["fillColor"], w["nbh_inside"]))
    return extent


def _column(frame: Any, name: str) -> Any:
    return frame[name].to_numpy() if name in frame.columns else [None] * len(frame)


def _population(value: Any) -> str | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _text(value)
    return None if math.isnan(v) else number(v)


def _neighbourhood_layer(m: Any, park: Park, geoms_ll: Any, lang: str) -> None:
    w = WORDS[lang]
    nbh = park.neighbourhoods
    kinds = KINDS[lang]
    props = [{"n": str(n), "k": kinds.get(str(k), _text(k)), "pop": _population(p)}
             for n, k, p in zip(nbh["name"], _column(nbh, "kind"), _column(nbh, "population"),
                                strict=True)]
    spec = {"pane": "eipgis-neighbourhoods", "title": "n", "style": _NBH_STYLE,
            "fields": [["k", w["kind"]], ["pop", w["population"]]]}
    _add(m, geoms_ll, props, spec, w["neighbourhoods"].format(n=len(nbh)))


def _facility_layer(m: Any, park: Park, report: ComplianceReport | None, lang: str) -> list[str]:
    import numpy as np

    w = WORDS[lang]
    fac = park.facilities.reset_index(drop=True)
    points = fac.geometry.values
    points = np.where(fac.geom_type.isin(["Point"]).to_numpy(), points,
                      fac.geometry.representative_point().values)
    limits: dict[str, float] = {}
    for r, _ in _highlighted(report, "zones"):
        if r.measure is not None and r.measure.per_feature is not None:
            limits = r.measure.per_feature["limit"].to_dict()
    def required(fid: str) -> str | None:
        lim = limits.get(fid)
        return f"{number(lim)} m" if lim is not None and np.isfinite(lim) else None

    props = [
        {"id": str(fid), "n": _text(n), "t": _text(t), "s": _text(s), "hz": str(hz),
         "req": required(str(fid))}
        for fid, n, t, s, hz in zip(fac["facility_id"], _column(fac, "name"), _column(fac, "tenant"),
                                    _column(fac, "sector"), fac["hazard_class"], strict=True)
    ]
    radius = 7 if len(fac) <= 100 else 5 if len(fac) <= 1000 else 3.5  # keep big parks readable
    spec = {"pane": "eipgis-points", "title": "id", "radius": radius,
            "fields": [["n", w["name"]], ["t", w["tenant"]], ["s", w["sector"]],
                       ["hz", w["hazard"]], ["req", w["required_distance"]]],
            "style": {"color": "#222222", "weight": 1.5, "fillOpacity": 0.95},
            "styleBy": "hz", "styles": {k: {"fillColor": c} for k, c in HAZARD_COLOURS.items()}}
    _add(m, lonlat(points, park.crs), props, spec, w["facilities"].format(n=len(fac)))
    return sorted(set(fac["hazard_class"].astype(str)) & set(HAZARD_COLOURS),
                  key=list(HAZARD_COLOURS).index)


def _links_layer(m: Any, links: gpd.GeoDataFrame, park: Park, lang: str,
                 simplify_m: float) -> dict[str, str]:
    import numpy as np

    w = WORDS[lang]
    materials = sorted(links["material"].astype(str).unique())
    colours = {mat: MATERIAL_COLOURS[i % len(MATERIAL_COLOURS)] for i, mat in enumerate(materials)}
    qty = links["quantity"].to_numpy(dtype=float)
    units = links["unit"].astype(str).to_numpy()
    width = np.full(len(links), 3.0)
    for unit in set(units):  # quantities are comparable only within one unit
        sel = units == unit
        top = np.nanmax(qty[sel]) if np.isfinite(qty[sel]).any() else 0.0
        if top > 0:
            width[sel] = 2.0 + 8.0 * np.sqrt(np.clip(qty[sel], 0, None) / top)
    co2 = co2_columns(links.columns)
    network = _column(links, "network")
    names = material_names(materials, lang)
    ends = {}
    for end in ("supplier", "receiver"):
        ids = links[end].astype(str).to_numpy()
        full = _column(links, f"{end}_name")
        ends[end] = [f"{_text(n)} ({i})" if _text(n) and _text(n) != i else i
                     for i, n in zip(ids, full, strict=True)]
    use = _column(links, "use")
    dist = links["distance_m"].to_numpy(dtype=float)
    co2_values = {c: links[c].to_numpy() for c in co2}
    props = []
    for i, mat in enumerate(links["material"].astype(str)):
        p = {"h": f"{ends['supplier'][i]} → {ends['receiver'][i]}", "mat": mat,
             "use": _text(use[i]), "q": f"{number(qty[i])} {units[i]}" if np.isfinite(qty[i]) else None,
             "d": f"{number(dist[i] / 1000, 2)} km" if np.isfinite(dist[i]) else None,
             "_w": round(float(width[i]), 1)}
        if network[i] is not None and network[i] == network[i]:
            p["net"] = w["yes"] if bool(network[i]) else w["no"]
        for j, c in enumerate(co2):
            v = co2_values[c][i]
            p[f"co2_{j}"] = number(float(v), 1) if isinstance(v, int | float) and not missing(float(v)) else _text(v)
        props.append(p)
    fields = [["mat", w["material"]], ["use", w["use"]], ["q", w["quantity"]], ["d", w["route"]],
              ["net", w["network"]]]
    fields += [[f"co2_{j}", co2_label(c, lang)] for j, c in enumerate(co2)]
    geoms = lonlat(simplified(links.to_crs(park.crs).geometry.values, simplify_m / 2), park.crs)
    spec = {"pane": "eipgis-links", "title": "h", "fields": fields,
            "style": {"weight": 3, "opacity": 0.85, "lineCap": "round"},
            "styleBy": "mat", "styles": {mat: {"color": c} for mat, c in colours.items()},
            "lookup": {"mat": names}}
    _add(m, geoms, props, spec, w["links"].format(n=len(links)))
    return {names[mat]: c for mat, c in colours.items()}


def _comment_layers(m: Any, park: Park, comments: Any, mode: bool, ident: str | None,
                    lang: str) -> tuple[str, str, str]:
    """The log's comments as a layer, and the page's comment mode; returns the legend row."""
    import geopandas as gpd

    from .._markup import html_element
    from .._words import COMMENT_WORDS
    from . import comments as _comments

    w = COMMENT_WORDS[lang]
    if comments is not None:
        frame = comments if isinstance(comments, gpd.GeoDataFrame) else _comments.read_log(comments)
        geoms, props, spec = _comments.layer_features(frame.to_crs(4326), lang)
        _add(m, geoms, props, spec, w["log_layer"].format(n=len(frame)))
    if mode:
        _, script, _ = _elements()
        config = _webassets.json_for_script(_comments.mode_config(ident or _comments.map_id(park), lang))
        config = config.replace("{map}", "\\u007bmap}")  # a map id is data, never the map's variable
        m.get_root().header.add_child(html_element(f"<style>{_comments.MODE_CSS}</style>"),
                                      name="eipgis_comments_css")
        script(_comments.MODE_JS.replace("{config}", config)).add_to(m)
    return ("point", _comments.MODE_COLOUR, w["legend"])


# --- title panel and legend ----------------------------------------------------------------


def _status(report: ComplianceReport, lang: str) -> dict[str, Any]:
    w = WORDS[lang]
    from ..criteria import not_assessed_text

    n, total = len(report.failing), len(report.results)
    text = w["fails"].format(n=n, total=total) if n else w["passes"].format(total=total)
    return {"failing": bool(n), "text": text + not_assessed_text(report, lang)}


def _panel_html(park: Park, report: ComplianceReport, after: ComplianceReport | None,
                scenario_name: str | None, lang: str, date: str, title: str | None,
                legend: Mapping[str, Any]) -> str:
    """The title box and legend, from ``templates/map_panel.html.j2`` (every value escaped)."""
    from .. import __version__
    from .._markup import render

    w = WORDS[lang]
    box = {
        "head": title or park.name, "scenario": scenario_name, "criteria_set": report.criteria_set,
        "criteria_title": report.criteria_title[lang], "before": _status(report, lang),
        "after": _status(after, lang) if after is not None else None,
        "area": local_number(park.area_ha, 1, lang), "parcels": local_number(len(park.landuse), 0, lang),
        "crs": park.crs_label, "date": local_date(date, lang), "version": __version__,
        "status": _labels.data_status(park, lang),
    }
    groups = _legend_groups(lang, legend["classes"], legend["fails"], legend["hazards"],
                            legend["materials"], legend["others"])
    return render("map_panel.html.j2", w=w, lw=MAP_LABEL_WORDS[lang], title=box, legend=groups,
                  tiles=bool(legend["tiles"]))


def _legend_groups(lang: str, classes: list[str], fails: list[tuple[str, str, str]],
                   hazards: list[str], materials: Mapping[str, str],
                   others: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    w = WORDS[lang]
    groups = [{"heading": w["legend_landuse"],
               "rows": [("fill", COLOURS[c], LABELS[c][lang]) for c in classes]}]
    if fails:
        seen: set[str] = set()
        rows = []
        for kind, colour, text in fails:
            if text not in seen:
                seen.add(text)
                rows.append((kind, colour, text))
        groups.append({"heading": w["legend_fail"], "rows": rows})
    if hazards:
        groups.append({"heading": w["legend_facilities"],
                       "rows": [("point", HAZARD_COLOURS[h], f"{w['hazard']} {h}") for h in hazards]})
    if materials:
        groups.append({"heading": w["legend_links"],
                       "rows": [("solid", c, mat) for mat, c in materials.items()]})
    if others:
        groups.append({"heading": w["legend_other"], "rows": list(others)})
    return groups


# --- basemap -------------------------------------------------------------------------------


def _basemap_overlay(path: str | os.PathLike[str], park: Park, lang: str, *, max_px: int = 2048) -> Any:
    """A local GeoTIFF warped to Web Mercator and placed as an image overlay."""
    import base64
    import io as _bytesio

    import numpy as np
    import pyproj
    import rasterio
    from folium.raster_layers import ImageOverlay
    from PIL import Image
    from rasterio.transform import array_bounds
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: basemap image not found. Fix: check the path of the GeoTIFF.")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"{path}: cannot be read as a GeoTIFF ({exc}).") from None
    with src:
        if src.crs is None:
            raise CRSError(f"{path}: the basemap has no CRS. Fix: georeference it (QGIS: Raster → "
                           "Projections → Assign Projection).")
        dst_crs = "EPSG:3857"
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds)
        west, south, east, north = array_bounds(height, width, transform)
        scale = max(width / max_px, height / max_px, 1.0)
        width, height = max(1, int(width / scale)), max(1, int(height / scale))
        transform = rasterio.transform.from_bounds(west, south, east, north, width, height)
        bands = [1, 2, 3] if src.count >= 3 else [1]
        data = np.zeros((len(bands), height, width), dtype="float64")
        for k, b in enumerate(bands):
            reproject(rasterio.band(src, b), data[k], src_transform=src.transform, src_crs=src.crs,
                      dst_transform=transform, dst_crs=dst_crs, dst_nodata=np.nan,
                      resampling=Resampling.bilinear)
        valid = np.isfinite(data).all(axis=0)
    if not valid.any():
        raise InputError(f"{path}: the basemap holds no data. Fix: pick another image.")
    if data.dtype != np.uint8 or data[:, valid].max() > 255:
        lo, hi = np.nanpercentile(data[:, valid], [2, 98])
        data = (data - lo) / max(hi - lo, 1e-9) * 255
    rgb = np.clip(np.nan_to_num(data), 0, 255).astype(np.uint8)
    if rgb.shape[0] == 1:
        rgb = np.repeat(rgb, 3, axis=0)
    rgba = np.dstack([*rgb, np.where(valid, 255, 0).astype(np.uint8)])
    buf = _bytesio.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    to_ll = pyproj.Transformer.from_crs(dst_crs, 4326, always_xy=True)
    w_ll, s_ll = to_ll.transform(west, south)
    e_ll, n_ll = to_ll.transform(east, north)
    pb = park.boundary.to_crs(4326).total_bounds
    if e_ll < pb[0] or w_ll > pb[2] or n_ll < pb[1] or s_ll > pb[3]:
        raise InputError(f"{path}: the basemap does not cover the park. Fix: pick an image of "
                         f"the park area (lon {pb[0]:.3f}…{pb[2]:.3f}, lat {pb[1]:.3f}…{pb[3]:.3f}).")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return ImageOverlay(uri, bounds=[[s_ll, w_ll], [n_ll, e_ll]], name=WORDS[lang]["local_basemap"]
                        .format(name=path.name), overlay=True, control=True, show=True)


# --- readable maps: context, park roads, labels, gaps, north arrow (issue 14) ---------------

_CONTEXT_STYLES: dict[str, dict[str, Any]] = {
    "road": {"color": "#b5835a", "weight": 3, "opacity": 0.9},
    "minor_road": {"color": "#c9a27e", "weight": 2, "opacity": 0.9},
    "railway": {"color": "#333333", "weight": 2, "dashArray": "7 4", "opacity": 0.9},
    "province": {"color": "#7b5ea7", "weight": 1.5, "dashArray": "10 4 2 4", "opacity": 0.8},
}
_PARK_ROAD_STYLE: dict[str, Any] = {"color": "#7d7d7d", "weight": 2, "opacity": 0.9}
_WATER_STYLE: dict[str, Any] = {"color": "#3a7bd5", "weight": 4, "opacity": 0.8}
_GAP_STYLE: dict[str, Any] = {"color": "#d7191c", "weight": 3, "fillColor": "#ffffff", "fillOpacity": 0.35}
#: Extra park layers drawn and named as water (rivers, streams) when a GeoPackage has them.
_WATER_LAYERS = ("river", "rivers", "water", "waterways")


def _strip_gaps(m: Any, ungreen: Any, park: Park, lang: str, legend: list[tuple[str, str, str]]) -> None:
    """A ring over each gap of the isolation strip, so gaps show at the overview scale too."""
    import numpy as np
    import shapely

    lw = MAP_LABEL_WORDS[lang]
    w = WORDS[lang]
    parts = [g for g in getattr(ungreen, "geoms", [ungreen]) if not g.is_empty]
    if not parts:
        return
    parts.sort(key=lambda g: -g.area)
    pts = lonlat(shapely.point_on_surface(np.asarray(parts, dtype=object)), park.crs)
    props = [{"h": lw["gap"].format(i=i + 1), "ha": _ha(g.area),
              "len": f"≈{number(g.length / 2)} m"} for i, g in enumerate(parts)]
    spec = {"pane": "eipgis-gaps", "title": "h", "radius": 11, "style": _GAP_STYLE,
            "fields": [["ha", w["ungreen_area"]], ["len", lw["gap_length"]]]}
    _add(m, pts, props, spec, lw["strip_gaps"].format(n=len(parts)))
    legend.append(("point", _GAP_STYLE["color"], lw["gap_marker"]))


def _readable_layers(m: Any, park: Park, lang: str, simplify_m: float, *, context: bool,
                     others: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The offline context layer, the park's roads and water; returns the map's label groups."""
    import numpy as np

    lw = MAP_LABEL_WORDS[lang]
    ctx = _labels.context_lines(park) if context else None
    if ctx is not None and ctx[0]:
        kinds = sorted({p["kind"] for p in ctx[1]}, key=list(_CONTEXT_STYLES).index)
        _add(m, np.asarray(ctx[0], dtype=object), ctx[1],
             {"pane": "eipgis-context", "title": "n", "style": {"weight": 2}, "styleBy": "kind",
              "styles": {k: _CONTEXT_STYLES[k] for k in kinds}, "attribution": lw["context_source"]},
             lw["context"])
        if "road" in kinds:
            others.append(("solid", _CONTEXT_STYLES["road"]["color"], lw["road"]))
        if "railway" in kinds:
            others.append(("line", _CONTEXT_STYLES["railway"]["color"], lw["railway"]))
        if "province" in kinds:
            others.append(("line", _CONTEXT_STYLES["province"]["color"], lw["province_border"]))
    roads = park.extras.get("roads")
    if roads is not None and not roads.empty:
        geoms = lonlat(simplified(roads.to_crs(park.crs).geometry.values, simplify_m / 2), park.crs)
        names = _column(roads, "name")
        _add(m, geoms, [{"n": _text(n)} for n in names],
             {"pane": "eipgis-roads", "title": "n", "style": _PARK_ROAD_STYLE},
             lw["park_roads"].format(n=len(roads)))
    water: list[tuple[Any, str]] = []
    for layer in _WATER_LAYERS:
        frame = park.extras.get(layer)
        if frame is None or frame.empty:
            continue
        geoms = lonlat(simplified(frame.to_crs(park.crs).geometry.values, simplify_m), park.crs)
        names = [_text(n) for n in _column(frame, "name")]
        _add(m, geoms, [{"n": n} for n in names],
             {"pane": "eipgis-context", "title": "n", "style": _WATER_STYLE},
             lw["water"].format(n=len(frame)))
        water += [(g, n) for g, n in zip(geoms, names, strict=True) if n]
    return _labels.label_groups(park, context=ctx, water=water)


# --- the map -------------------------------------------------------------------------------


def park_map(
    park: Park,
    *,
    report: ComplianceReport | None = None,
    criteria: Any = "vn-qcvn-01-2021",
    scenario: Any = None,
    links: Any = None,
    lang: str = "en",
    tiles: str | None = "OpenStreetMap",
    tiles_on: bool = False,
    basemap: str | os.PathLike[str] | None = None,
    title: str | None = None,
    date: str | None = None,
    simplify_m: float = SIMPLIFY_M,
    comments: Any = None,
    comment_mode: bool = True,
    map_id: str | None = None,
    context: bool = True,
) -> folium.Map:
    """A consultation web map of a park: land use, failing criteria, scenario, symbiosis.

    Every script and stylesheet is inside the map's HTML (see :func:`map_html`); only the
    basemap tiles need the internet, and without them the layers show on a plain background.
    Geometry is simplified for display only (topology-preserving, ``simplify_m``); the park's
    own geometry is not touched.

    Parameters
    ----------
    park : Park
        The park (its analysis geometry in a metric CRS).
    report : ComplianceReport, optional
        The park checked against a criteria set; computed with ``criteria`` when omitted.
    criteria : str or path or CriteriaSet
        The criteria set to check with when ``report`` is omitted (and for the scenario).
    scenario : Scenario or Park, optional
        A restructuring (anything with ``apply(park) -> Park``, e.g.
        ``eipgis.Scenario.from_yaml(path)``) or the new park itself. The map then shows land
        use before and after (a switch in the layer control), marks the changed parcels and
        highlights the criteria that still fail after the scenario.
    links : GeoDataFrame or path, optional
        Symbiosis links (see :func:`read_links`), drawn along their routes, width by quantity,
        coloured by material.
    lang : {"en", "vi"}
        Language of layer names, tooltips, popups, title panel and legend.
    tiles : str or None
        Online basemap tiles (a folium tile name or URL template), switchable in the layer
        control; ``None`` for none.
    tiles_on : bool
        Show the tiles when the map opens. Off by default, so that a map opened with no
        internet requests nothing and logs no error; one tick in the layer control shows them.
    basemap : path, optional
        A local GeoTIFF (e.g. an orthophoto) placed under the layers.
    title : str, optional
        Title of the panel (default: the park's name).
    date : str, optional
        Date shown in the title panel (default: today, ISO).
    simplify_m : float
        Display simplification tolerance in metres (0 for none).
    comments : GeoDataFrame or path, optional
        A consultation log (``eipgis comments import`` wrote it, layer ``comments``) shown as a layer.
    comment_mode : bool
        Give the page its comment mode: participants click a place or a lot, write a comment
        (kept in the browser) and export the comments as GeoJSON (see :mod:`.comments`).
    map_id : str, optional
        The id the comments are kept and exported under (default: the park's file name).
    context : bool
        Draw the offline context layer (national and provincial roads, railways and province
        borders within 15 km, shipped with eipgis) under the park; on by default.

    Returns
    -------
    folium.Map

    Raises
    ------
    InputError
        Unknown language, empty park layers, a park outside its CRS's area of use, links
        without the expected columns, a scenario that is neither a Scenario nor a Park.

    Examples
    --------
    >>> import eipgis
    >>> from eipgis.present.webmap import park_map, write_map
    >>> park = eipgis.load_park(eipgis.sample_path())
    >>> m = park_map(park, lang="vi")
    >>> write_map(m, "maps/tang_loong.html", overwrite=True)  # doctest: +SKIP
    """
    import folium
    from branca.element import Figure

    from ..criteria import check, load_criteria

    lang = check_lang(lang)
    check_park(park)
    w = WORDS[lang]
    if report is None:
        cset = load_criteria(criteria)
        report = check(park, cset)
    else:
        cset = None
    after: Park | None = None
    after_report = None
    scenario_name = None
    if scenario is not None:
        after, scenario_name = after_park(scenario, park, lang)
        check_park(after)
        if cset is None:
            from ..criteria import builtin_sets

            cset = load_criteria(report.criteria_set if report.criteria_set in builtin_sets()
                                 else criteria)
        after_report = check(after, cset)
    link_frame = read_links(links, crs=park.crs) if links is not None else None
    basemap_layer = _basemap_overlay(basemap, park, lang) if basemap is not None else None

    shown = after if after is not None else park
    display = {
        "landuse": lonlat(simplified(park.landuse.geometry.values, simplify_m, coverage=True), park.crs),
        "neighbourhoods": lonlat(simplified(shown.neighbourhoods.geometry.values, simplify_m), park.crs)
        if not shown.neighbourhoods.empty else None,
    }
    n_features = len(park.landuse) + (len(after.landuse) if after is not None else 0)
    bounds = park.boundary.to_crs(4326).total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
                   zoom_start=14, tiles=None, prefer_canvas=n_features >= _CANVAS_FROM,
                   control_scale=False, max_zoom=20, zoom_snap=0.25, zoom_delta=0.5)
    m.eipgis_lang = lang  # type: ignore[attr-defined]  # read by _add for the popups' formats
    figure = m.get_root()
    assert isinstance(figure, Figure), "folium.Map puts itself in a Figure"
    figure.title = escape(f"{title or park.name} — eipgis")  # branca does not escape
    _webassets.inline_assets(m)
    _, script, layer_switch = _elements()
    panes = _webassets.json_for_script(_PANES)
    script(f"eipgis.panes({{map}}, {panes});").add_to(m)

    if tiles:
        folium.TileLayer(tiles, name=w["basemap"].format(name=tiles), overlay=True, control=True,
                         show=tiles_on, max_zoom=20, max_native_zoom=19).add_to(m)
    if basemap_layer is not None:
        basemap_layer.add_to(m)

    legend_fail: list[tuple[str, str, str]] = []
    others: list[tuple[str, str, str]] = []
    if after is None:
        _landuse_layer(m, park, display["landuse"], lang, w["landuse"].format(n=len(park.landuse)))
        classes = [c for c in CLASSES if (park.landuse["landuse_class"] == c).any()]
    else:
        after_ll = lonlat(simplified(after.landuse.geometry.values, simplify_m, coverage=True),
                           after.crs)
        _landuse_layer(m, park, display["landuse"], lang,
                       w["landuse_before"].format(n=len(park.landuse)), show=False, overlay=False)
        _landuse_layer(m, after, after_ll, lang, w["landuse_after"].format(n=len(after.landuse)),
                       show=True, overlay=False)
        present = set(park.landuse["landuse_class"]) | set(after.landuse["landuse_class"])
        classes = [c for c in CLASSES if c in present]
    boundary_ll = lonlat(simplified(park.boundary.geometry.values, simplify_m / 2), park.crs)
    _add(m, boundary_ll, [{"n": park.name, "a": _ha(park.area_m2)}],
         {"pane": "eipgis-boundary", "title": "n", "fields": [["a", w["area"]]],
          "style": _BOUNDARY_STYLE}, w["boundary"])
    others.append(("solid", _BOUNDARY_STYLE["color"], w["boundary"]))
    if display["neighbourhoods"] is not None:
        _neighbourhood_layer(m, shown, display["neighbourhoods"], lang)
        others.append(("fill", _NBH_STYLE["fillColor"], w["neighbourhoods"].format(n=len(shown.neighbourhoods))))
    label_groups = _readable_layers(m, shown, lang, simplify_m, context=context, others=others)

    judged, judged_park = (after_report, after) if after is not None else (report, park)
    assert judged is not None and judged_park is not None
    judged_display = display if after is None else {"landuse": after_ll,
                                                    "neighbourhoods": display["neighbourhoods"]}
    extent = _failing_layers(m, judged_park, judged, lang, simplify_m, judged_display, legend_fail)
    if extent is not None:
        extent = [min(extent[0], bounds[0]), min(extent[1], bounds[1]),
                  max(extent[2], bounds[2]), max(extent[3], bounds[3])]

    if after is not None:
        changed = changed_parcels(park, after)
        labels = {c: LABELS[c][lang] for c in CLASSES}
        props = [{"id": pid, "ch": f"{labels.get(f, f or '–')} → {labels.get(t, t or '–')}",
                  "a": _ha(a)} for pid, f, t, a in zip(changed["parcel_id"], changed["from_class"],
                                                       changed["to_class"], changed["area_m2"],
                                                       strict=True)]
        geoms = lonlat(simplified(changed.geometry.values, simplify_m), park.crs)
        name = w["changed"].format(n=len(changed))
        _add(m, geoms, props, {"pane": "eipgis-changed", "title": "id",
                               "fields": [["ch", w["change"]], ["a", w["area"]]],
                               "style": _FAIL_STYLE["changed"]}, name)
        others.insert(0, ("solid", _FAIL_STYLE["changed"]["color"], name))

    materials: dict[str, str] = {}
    if link_frame is not None:
        if link_frame.empty:
            others.append(("line", "#999999", w["no_links"]))
        else:
            materials = _links_layer(m, link_frame, park, lang, simplify_m)

    hazards = _facility_layer(m, shown, judged, lang) if not shown.facilities.empty else []
    if comments is not None or comment_mode:
        others.append(_comment_layers(m, park, comments, comment_mode, map_id, lang))
    lw = MAP_LABEL_WORDS[lang]
    layer_cls, _, _ = _elements()
    layer_cls(_webassets.json_for_script(label_groups), {}, name=lw["labels"], call="labels").add_to(m)

    legend = {"classes": classes, "fails": legend_fail, "hazards": hazards, "materials": materials,
              "others": others, "tiles": bool(tiles)}
    panel = _panel_html(park, report, after_report, scenario_name, lang,
                        date or _dt.date.today().isoformat(), title, legend)
    figure.html.add_child(html_element(panel))
    script("L.control.scale({imperial: false, maxWidth: 200, position: 'bottomleft'})"
           ".addTo({map});").add_to(m)
    script(f"eipgis.north({{map}}, {_webassets.json_for_script(lw['north_letter'])}, "
           f"{_webassets.json_for_script(lw['north'])});").add_to(m)
    layer_switch(position="topright", collapsed=False).add_to(m)
    script("if (window.performance && performance.mark) { performance.mark('eipgis-map-ready'); }"
           ).add_to(m)
    # Fit the park (and any failing safety zone) right of the title panel and legend.
    extent = extent if extent is not None else bounds
    m.fit_bounds([[extent[1], extent[0]], [extent[3], extent[2]]],
                 padding_top_left=(375, 20), padding_bottom_right=(60, 20))
    # folium.Map declares no attribute for the page's language; map_html reads it back with getattr.
    m.eipgis_lang = lang  # type: ignore[attr-defined]
    return m


def map_html(m: folium.Map) -> str:
    """The map as one self-contained HTML page (UTF-8 text).

    Raises
    ------
    OutputError
        If an element added to the map needs a script from the internet.
    """
    lang = getattr(m, "eipgis_lang", "en")
    return _webassets.finish_html(m.get_root().render(), lang=lang)


def write_map(m: folium.Map, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the map's HTML atomically (nothing is left behind if it fails)."""
    from .. import io as _io

    return _io.write_text(path, map_html(m), overwrite=overwrite)
