"""Offline web assets: Leaflet and jQuery inlined into map HTML, and the check that nothing is fetched."""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path
from typing import Any

from ..errors import OutputError

__all__ = ["RUNTIME_JS", "external_references", "finish_html", "inline_assets", "json_for_script"]

_HINT = "Fix: pip install xstatic-leaflet xstatic-jquery (they ship the scripts maps need offline)."

#: folium's CDN resources: inlined (leaflet, jquery) or dropped (only folium.Icon markers need them).
_INLINED = {"leaflet", "jquery", "leaflet_css"}
_DROPPED = {
    "bootstrap",
    "awesome_markers",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
}


def _data_dir(module: str) -> Path:
    import importlib

    try:
        pkg = importlib.import_module(f"xstatic.pkg.{module}")
    except ImportError:
        raise ImportError(f"eipgis web maps need the {module} scripts on this machine. {_HINT}") from None
    return Path(pkg.BASE_DIR)


@functools.cache
def _leaflet_js() -> str:
    return (_data_dir("leaflet") / "leaflet.js").read_text(encoding="utf-8")


@functools.cache
def _jquery_js() -> str:
    return (_data_dir("jquery") / "jquery.min.js").read_text(encoding="utf-8")


def _png_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@functools.cache
def _leaflet_css() -> str:
    folder = _data_dir("leaflet")
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def to_uri(match: re.Match[str]) -> str:
        return f"url({_png_uri(folder / 'images' / match.group(1))})"

    return re.sub(r"url\(\s*['\"]?images/([\w.-]+\.png)['\"]?\s*\)", to_uri, css)


@functools.cache
def _default_icon_js() -> str:
    folder = _data_dir("leaflet") / "images"
    return (
        "L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({"
        f"iconUrl:'{_png_uri(folder / 'marker-icon.png')}',"
        f"iconRetinaUrl:'{_png_uri(folder / 'marker-icon-2x.png')}',"
        f"shadowUrl:'{_png_uri(folder / 'marker-shadow.png')}'}});"
    )


#: Page style of eipgis maps: plain paper background when no tiles load, panels, tables.
RUNTIME_CSS = """
html, body {font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif;}
.leaflet-container {background: #f3f1ea;}
.leaflet-control-layers {font-size: 12px; line-height: 1.3; overflow-y: auto;}
.eipgis-side {position: fixed; z-index: 1000; top: 10px; left: 54px; bottom: 34px; width: 310px;
  display: flex; flex-direction: column; align-items: flex-start; gap: 8px; pointer-events: none;}
.eipgis-panel {pointer-events: auto; background: rgba(255,255,255,.94); color: #222;
  border: 1px solid #999; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  font-size: 12px; line-height: 1.35; padding: 6px 9px; box-sizing: border-box; max-width: 100%;}
.eipgis-title {flex: none;}
.eipgis-title h1 {font-size: 15px; margin: 0 0 3px 0;}
.eipgis-title .eipgis-fail {color: #b00020; font-weight: bold;}
.eipgis-title .eipgis-pass {color: #1b7a1b; font-weight: bold;}
.eipgis-legend {flex: 0 1 auto; min-height: 0; overflow-y: auto;}
.leaflet-control-layers {max-height: calc(100vh - 40px);}
.eipgis-legend summary {font-weight: bold; cursor: pointer;}
.eipgis-legend h4 {font-size: 12px; margin: 6px 0 2px 0;}
.eipgis-legend .row {display: flex; align-items: center; margin: 1px 0;}
.eipgis-legend .sw {display: inline-block; width: 16px; height: 11px; margin-right: 6px;
  border: 1px solid #555; flex: none;}
.eipgis-legend .ln {display: inline-block; width: 18px; margin-right: 6px; flex: none;}
.eipgis-legend .pt {display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin: 0 9px 0 3px; border: 1px solid #222; flex: none;}
table.eipgis-tip {border-collapse: collapse; font-size: 12px;}
table.eipgis-tip th {text-align: left; font-weight: normal; color: #555; padding: 0 8px 0 0;
  vertical-align: top;}
table.eipgis-tip td {padding: 0; font-weight: bold;}
.eipgis-head {font-weight: bold; font-size: 13px; margin-bottom: 2px;}
.eipgis-labels {position: absolute; left: 0; top: 0; pointer-events: none;}
.eipgis-label {position: absolute; white-space: nowrap; font-size: 10px; line-height: 1; color: #222;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; transform-origin: center;}
.eipgis-label-lot {color: #333;}
.eipgis-label-facility {font-size: 11px; font-style: italic; color: #000; transform-origin: left center;}
.eipgis-label-nbh {font-size: 12px; font-weight: bold; color: #7a4a00;}
.eipgis-label-river {font-size: 12px; font-style: italic; color: #1f5fa8;}
.eipgis-label-road, .eipgis-label-railway {font-size: 11px; color: #5a4a3a;}
.eipgis-label-park_road {font-size: 10px; color: #555;}
.eipgis-label-province {font-size: 13px; letter-spacing: 2px; text-transform: uppercase; color: #6b4f8a;}
.eipgis-north {background: rgba(255,255,255,.85); border: 1px solid #999; border-radius: 4px;
  padding: 2px 4px 0 4px; line-height: 0;}
"""

#: The one script every eipgis map uses to draw its GeoJSON layers (styles, tooltips, popups).
RUNTIME_JS = r"""
window.eipgis = (function () {
  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function content(spec, p) {
    var head = spec.title ? '<div class="eipgis-head">' + esc(p[spec.title]) + '</div>' : '';
    var rows = [];
    (spec.fields || []).forEach(function (f) {
      var v = p[f[0]];
      if (v === null || v === undefined || v === '') { return; }
      if (spec.lookup && spec.lookup[f[0]]) { v = spec.lookup[f[0]][v] || v; }
      rows.push('<tr><th>' + esc(f[1]) + '</th><td>' + esc(v) + '</td></tr>');
    });
    return head + (rows.length ? '<table class="eipgis-tip">' + rows.join('') + '</table>' : '');
  }
  function style(spec, f) {
    var s = Object.assign({}, spec.style || {});
    if (spec.styleBy) { Object.assign(s, (spec.styles || {})[f.properties[spec.styleBy]] || {}); }
    if (f.properties._w) { s.weight = f.properties._w; }
    return s;
  }
  function nest(items, offsets) {
    var out = [];
    for (var i = 0; i + 1 < offsets.length; i++) { out.push(items.slice(offsets[i], offsets[i + 1])); }
    return out;
  }
  // A compact layer (eipgis.present._mapdata.compact_layer) back to GeoJSON features.
  function decode(data) {
    if (!data.k) { return data; }
    var c = data.c, s = data.s, x = 0, y = 0, items = new Array(c.length / 2);
    for (var i = 0; i < c.length; i += 2) { x += c[i]; y += c[i + 1]; items[i / 2] = [x / s, y / s]; }
    data.o.forEach(function (off) { items = nest(items, off); });
    return data.v.map(function (row, j) {
      var p = {};
      data.k.forEach(function (k, n) { if (row[n] !== null && row[n] !== undefined) { p[k] = row[n]; } });
      var g = items[j];
      return {type: 'Feature', properties: p,
              geometry: g && g.length ? {type: data.t, coordinates: g} : null};
    });
  }
  // Above this many features a layer binds one tooltip and popup (fewer listeners, faster opening).
  var MANY = 3000;
  function layer(spec, data) {
    data = decode(data);
    var many = (data.features || data).length > MANY;
    var group = L.geoJson(data, {
      pane: spec.pane,
      attribution: spec.attribution,
      style: function (f) { return style(spec, f); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: spec.radius || 7, pane: spec.pane});
      },
      onEachFeature: function (f, l) {
        if (spec.quiet || many) { return; }
        // Tooltip and popup text is made when first shown, not for every feature at load.
        var html = function () { return content(spec, f.properties); };
        l.bindTooltip(html, {sticky: true, direction: 'top', opacity: 0.95});
        l.bindPopup(html, {maxWidth: 380, autoPanPaddingTopLeft: [380, 20]});
      }
    });
    if (!spec.quiet) {  // one handler per layer, not per feature (events bubble up to the group)
      var from = function (e) { return e.propagatedFrom || e.layer; };
      if (many) {  // big layers: one tooltip and one popup for the whole layer, filled per feature
        var text = function (l) { return content(spec, (l.feature || {}).properties || {}); };
        group.bindTooltip(text, {sticky: true, direction: 'top', opacity: 0.95});
        group.bindPopup(text, {maxWidth: 380, autoPanPaddingTopLeft: [380, 20]});
      }
      group.on('popupopen', function (e) {
        if (many) { group.closeTooltip(); } else if (from(e) && from(e).closeTooltip) { from(e).closeTooltip(); }
      });
      group.on('mouseover', function (e) {
        var l = from(e);
        if (l && l.setStyle) { l.setStyle({weight: (style(spec, l.feature).weight || 1) + 2}); }
      });
      group.on('mouseout', function (e) { if (from(e) && from(e).setStyle) { group.resetStyle(from(e)); } });
    }
    return group;
  }
  function panes(map, spec) {
    Object.keys(spec).forEach(function (name) {
      if (!map.getPane(name)) { map.createPane(name).style.zIndex = spec[name]; }
    });
  }
  // Labels placed on every move: kinds in the order given, none overlapping one already placed,
  // a lot's code only when the lot is wider on screen than the code (eipgis.present._labels).
  var FONT = {province: 13, nbh: 12, river: 12, road: 11, railway: 11, facility: 11, park_road: 10, lot: 10};
  function labels(spec, groups) {
    var items = [];
    groups.forEach(function (g) {
      var x = 0, y = 0;
      for (var i = 0; i < g.t.length; i++) {
        x += g.c[2 * i]; y += g.c[2 * i + 1];
        items.push({k: g.k, t: g.t[i], ll: L.latLng(y / g.s, x / g.s), m: g.m ? g.m[i] : 0,
                    r: g.r ? g.r[i] : 0, z: g.z || 0, zx: g.zx === undefined ? 99 : g.zx, side: !!g.side});
      }
    });
    var Layer = L.Layer.extend({
      onAdd: function (map) {
        this._box = L.DomUtil.create('div', 'eipgis-labels leaflet-zoom-hide', map.getPane('eipgis-labels'));
        map.on('moveend zoomend resize', this._draw, this);
        this._draw();
      },
      onRemove: function (map) {
        map.off('moveend zoomend resize', this._draw, this);
        L.DomUtil.remove(this._box);
      },
      _draw: function () { place(this._map, this._box, items); }
    });
    return new Layer();
  }
  function place(map, box, items) {
    var zoom = map.getZoom(), view = map.getBounds().pad(0.1), cell = 80, grid = {}, frag = document.createDocumentFragment();
    var mpp = 40075016.686 * Math.cos(map.getCenter().lat * Math.PI / 180) / (256 * Math.pow(2, zoom));
    function cells(b, add) {
      for (var i = Math.floor(b[0] / cell); i <= Math.floor(b[2] / cell); i++) {
        for (var j = Math.floor(b[1] / cell); j <= Math.floor(b[3] / cell); j++) {
          var key = i + ',' + j, list = grid[key] || (grid[key] = []);
          if (add) { list.push(b); continue; }
          for (var n = 0; n < list.length; n++) {
            var o = list[n];
            if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) { return true; }
          }
        }
      }
      return false;
    }
    box.textContent = '';
    items.forEach(function (it) {
      if (zoom < it.z || zoom > it.zx || !view.contains(it.ll)) { return; }
      var font = FONT[it.k] || 11, w = it.t.length * font * 0.6 + 6, h = font + 4;
      if (it.m && it.m / mpp < w) { return; }
      var p = map.latLngToLayerPoint(it.ll), a = it.r * Math.PI / 180;
      var bw = Math.abs(w * Math.cos(a)) + Math.abs(h * Math.sin(a));
      var bh = Math.abs(w * Math.sin(a)) + Math.abs(h * Math.cos(a));
      var x0 = it.side ? p.x + 6 : p.x - bw / 2, b = [x0, p.y - bh / 2, x0 + bw, p.y + bh / 2];
      if (cells(b, false)) { return; }
      cells(b, true);
      var el = document.createElement('div');
      el.className = 'eipgis-label eipgis-label-' + it.k;
      el.textContent = it.t;
      el.style.left = p.x + 'px';
      el.style.top = p.y + 'px';
      el.style.transform = (it.side ? 'translate(6px,-50%)' : 'translate(-50%,-50%)') +
        (it.r ? ' rotate(' + it.r + 'deg)' : '');
      frag.appendChild(el);
    });
    box.appendChild(frag);
  }
  function north(map, letter, title) {
    var Control = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create('div', 'eipgis-north leaflet-control');
        div.id = 'eipgis-north';
        div.title = title;
        div.innerHTML = '<svg width="34" height="46" viewBox="0 0 34 46" role="img" aria-label="' +
          esc(title) + '"><polygon points="17,3 27,33 17,27" fill="#222"/>' +
          '<polygon points="17,3 7,33 17,27" fill="#fff" stroke="#222" stroke-width="1.2"/>' +
          '<text x="17" y="45" text-anchor="middle" font-size="12" font-weight="bold">' +
          esc(letter) + '</text></svg>';
        return div;
      }
    });
    return new Control({position: 'bottomright'}).addTo(map);
  }
  return {esc: esc, layer: layer, panes: panes, decode: decode, labels: labels, north: north};
})();
"""


def json_for_script(obj: Any) -> str:
    """JSON text safe inside a ``<script>`` element, keeping Vietnamese letters as they are."""
    import json

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def inline_assets(m: Any) -> None:
    """Make a folium map self-contained: Leaflet and jQuery inside its HTML, no CDN link.

    folium's links to Bootstrap and Font Awesome (used only by ``folium.Icon`` markers) are
    dropped; eipgis maps draw circle markers instead.
    """
    from .._markup import html_element  # the assets are text, not templates

    m.default_js = [(n, u) for n, u in m.default_js if n not in _INLINED | _DROPPED]
    m.default_css = [(n, u) for n, u in m.default_css if n not in _INLINED | _DROPPED]
    header = m.get_root().header
    header.add_child(html_element(f"<style>{_leaflet_css()}</style>"), name="eipgis_leaflet_css")
    header.add_child(html_element(f"<style>{RUNTIME_CSS}</style>"), name="eipgis_css")
    header.add_child(html_element(f"<script>{_leaflet_js()}</script>"), name="eipgis_leaflet_js")
    header.add_child(html_element(f"<script>{_jquery_js()}</script>"), name="eipgis_jquery_js")
    header.add_child(
        html_element(f"<script>{_default_icon_js()}{RUNTIME_JS}</script>"), name="eipgis_runtime_js"
    )


_EXTERNAL = re.compile(
    r"<script[^>]*\bsrc\s*=\s*['\"]?(?P<src>[^'\" >]+)"
    r"|<link[^>]*\bhref\s*=\s*['\"]?(?P<href>[^'\" >]+)"
    r"|url\(\s*['\"]?(?P<url>(?:https?:)?//[^'\" )]+)"
    r"|@import\s+['\"]?(?P<imp>[^'\" ;]+)",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """Scripts, stylesheets and CSS images the page would fetch (``data:`` URIs excluded)."""
    found = []
    for match in _EXTERNAL.finditer(html):
        ref = next(v for v in match.groupdict().values() if v)
        if not ref.startswith("data:"):
            found.append(ref)
    return found


def finish_html(html: str, *, lang: str) -> str:
    """Final touches on a rendered page (language tag) and the offline guarantee.

    Raises
    ------
    OutputError
        If the page still refers to an online script or stylesheet (a folium element that
        needs a CDN was added to the map).
    """
    html = html.replace("<html>", f'<html lang="{lang}">', 1)
    refs = external_references(html)
    if "L.AwesomeMarkers" in html:
        refs.append("Leaflet.awesome-markers (folium.Icon)")
    if refs:
        raise OutputError(
            "the map would load these from the internet: " + ", ".join(sorted(set(refs))[:6])
            + ". Fix: remove the folium element that needs them (e.g. folium.Icon markers; "
            "use circle markers) so the map works offline."
        )
    return html
