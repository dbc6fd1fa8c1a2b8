"""Comments on the map: the browser's comment mode, the consultation log and its summaries.

A workshop participant clicks a place (or a lot) on the offline HTML map and writes a comment; the
page keeps it in the browser (``localStorage``, keyed by the map id) until it is exported as a
GeoJSON file. ``eipgis comments import`` merges such files into a GeoPackage log (layer
``comments``), once per comment id, with the lot and facility nearest to each comment measured in
the park's metric CRS. The map (``--comments``) shows the log as a layer, the report sums it up.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._words import COMMENT_TOPICS, COMMENT_WORDS, check_lang, local_number
from ..errors import InputError, LayerError

if TYPE_CHECKING:
    import geopandas as gpd

    from ..park import Park

__all__ = [
    "LOG_COLUMNS",
    "LOG_LAYER",
    "ImportResult",
    "import_comments",
    "layer_features",
    "map_id",
    "mode_config",
    "read_comment_file",
    "read_log",
    "summary_tables",
]

#: The layer of a consultation log GeoPackage.
LOG_LAYER = "comments"

#: Columns of the log, in order (geometry: the comment's point in EPSG:4326).
LOG_COLUMNS: tuple[str, ...] = (
    "comment_id", "map_id", "author", "organisation", "topic", "text", "time", "lot_id",
    "place_lot", "lot_distance_m", "nearest_facility", "facility_distance_m", "source_file",
    "imported_at",
)

#: Longest text a comment field may hold (characters): a comment, not a document.
MAX_TEXT = {"author": 200, "organisation": 200, "text": 5000, "id": 200, "map_id": 500,
            "lot_id": 200}

#: Pane of the comment markers (above every other eipgis pane).
PANE = "eipgis-comments"

MODE_COLOUR = "#7b3294"  # purple: not used by land use, hazards or failing criteria


# --- the map id and the browser's comment mode -------------------------------------------------


def map_id(park: Park) -> str:
    """The id a map gives its comments: the park's file name (``tang_loong.gpkg``), else its name.

    ``eipgis comments import`` finds the park by this name (beside the comment file or in the
    current folder) when no ``--park`` is given.
    """
    source = str(getattr(park, "source", "") or "")
    if source and not source.startswith("<"):
        return Path(source).name
    return re.sub(r"\s+", "_", park.name.strip()) or "park"


def mode_config(ident: str, lang: str) -> dict[str, Any]:
    """What the page's comment script needs: map id, words and topics (all set as text, never HTML)."""
    lang = check_lang(lang)
    return {"mapId": ident, "lotPane": "eipgis-landuse", "pane": PANE, "colour": MODE_COLOUR,
            "words": COMMENT_WORDS[lang],
            "topics": [[k, v[lang]] for k, v in COMMENT_TOPICS.items()]}


#: Style of the comment controls (the form floats at the bottom right of the map).
MODE_CSS = """
.eipgis-comments {background: rgba(255,255,255,.95); border: 1px solid #999; border-radius: 4px;
  padding: 6px 8px; font-size: 12px; max-width: 260px; box-shadow: 0 1px 4px rgba(0,0,0,.3);}
.eipgis-comments button {font-size: 12px; margin: 2px 0; cursor: pointer;}
.eipgis-comments a {display: block; margin: 3px 0; color: #5a1f7a;}
.leaflet-container.eipgis-commenting, .leaflet-container.eipgis-commenting .leaflet-interactive {
  cursor: crosshair;}
.eipgis-comment-form {position: fixed; z-index: 1001; right: 12px; bottom: 150px; width: 290px;
  background: #fff; border: 1px solid #777; border-radius: 4px; padding: 8px 10px; font-size: 12px;
  box-shadow: 0 2px 8px rgba(0,0,0,.35);}
.eipgis-comment-form label {display: block; margin-top: 5px; color: #444;}
.eipgis-comment-form input, .eipgis-comment-form select, .eipgis-comment-form textarea {
  width: 100%; box-sizing: border-box; font: inherit;}
.eipgis-comment-form textarea {height: 70px;}
.eipgis-comment-form .msg {color: #b00020; margin-top: 4px;}
"""

#: The comment mode. ``{map}`` is the map's variable, ``{config}`` :func:`mode_config` as JSON.
#: Every text a participant typed is set with ``textContent`` or escaped with ``eipgis.esc``.
MODE_JS = r"""
(function (map, cfg) {
  var W = cfg.words, KEY = 'eipgis-comments:' + cfg.mapId, on = false, form = null;
  var topics = {};
  cfg.topics.forEach(function (t) { topics[t[0]] = t[1]; });
  function load() {
    try { var v = JSON.parse(localStorage.getItem(KEY) || '[]'); return Array.isArray(v) ? v : []; }
    catch (e) { return []; }
  }
  function store(list) { localStorage.setItem(KEY, JSON.stringify(list)); }
  function uuid() {
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function geojson() {
    return JSON.stringify({type: 'FeatureCollection', name: 'eipgis-comments', features: load().map(function (c) {
      return {type: 'Feature', geometry: {type: 'Point', coordinates: [c.lon, c.lat]},
              properties: {id: c.id, map_id: cfg.mapId, author: c.author, organisation: c.organisation,
                           topic: c.topic, text: c.text, time: c.time, lot_id: c.lot_id}};
    })}, null, 1);
  }
  function ringHas(ll, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a.lat > ll.lat) !== (b.lat > ll.lat) &&
          ll.lng < (b.lng - a.lng) * (ll.lat - a.lat) / (b.lat - a.lat) + a.lng) { inside = !inside; }
    }
    return inside;
  }
  function has(ll, nested) {  // even-odd over every ring of every part
    if (!nested.length) { return false; }
    if (nested[0] instanceof L.LatLng) { return ringHas(ll, nested); }
    var n = 0;
    nested.forEach(function (part) { if (has(ll, part)) { n += 1; } });
    return n % 2 === 1;
  }
  function lotAt(ll) {
    var found = null;
    map.eachLayer(function (l) {
      if (found !== null || !l.feature || !l.getLatLngs || l.options.pane !== cfg.lotPane) { return; }
      if (l.getBounds().contains(ll) && has(ll, l.getLatLngs())) { found = String(l.feature.properties.id); }
    });
    return found;
  }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function popup(c) {
    var rows = [[W.organisation, c.organisation], [W.topic, topics[c.topic] || c.topic],
                [W.lot, c.lot_id], [W.time, c.time]];
    var html = '<div class="eipgis-head">' + eipgis.esc(c.author) + '</div><table class="eipgis-tip">';
    rows.forEach(function (r) {
      if (r[1]) { html += '<tr><th>' + eipgis.esc(r[0]) + '</th><td>' + eipgis.esc(r[1]) + '</td></tr>'; }
    });
    return html + '</table><div style="max-width:320px;white-space:pre-wrap">' + eipgis.esc(c.text) + '</div>';
  }
  var markers = L.layerGroup().addTo(map);
  var box = el('div', null, {'class': 'eipgis-comments', id: 'eipgis-comments'});
  var toggle = el('button', W.mode_on, {type: 'button', id: 'eipgis-comment-mode'});
  var hint = el('div', W.hint, {id: 'eipgis-comment-hint'});
  var count = el('div', '', {id: 'eipgis-comment-count'});
  var link = el('a', W.export, {id: 'eipgis-comment-export', href: '#'});
  var clear = el('button', W.clear, {type: 'button', id: 'eipgis-comment-clear'});
  hint.style.display = 'none';
  [toggle, hint, count, link, clear].forEach(function (e) { box.appendChild(e); });
  function redraw() {
    var list = load();
    markers.clearLayers();
    list.forEach(function (c) {
      L.circleMarker([c.lat, c.lon], {pane: cfg.pane, radius: 8, color: '#ffffff', weight: 2,
                                       fillColor: cfg.colour, fillOpacity: 0.95})
        .bindPopup(popup(c), {maxWidth: 360}).addTo(markers);
    });
    count.textContent = W.kept.replace('{n}', list.length);
    link.setAttribute('href', 'data:application/geo+json;charset=utf-8,' + encodeURIComponent(geojson()));
    link.setAttribute('download', 'comments-' + cfg.mapId.replace(/[^\w.-]+/g, '_') + '.geojson');
    link.style.display = clear.style.display = list.length ? '' : 'none';
  }
  function closeForm() { if (form) { form.remove(); form = null; } }
  function field(label, input) { var l = el('label', label); l.appendChild(input); form.appendChild(l); return input; }
  function openForm(ll, lot) {
    closeForm();
    form = el('div', null, {'class': 'eipgis-comment-form', id: 'eipgis-comment-form'});
    form.appendChild(el('div', W.form_title, {'class': 'eipgis-head'}));
    form.appendChild(el('div', (lot ? W.lot + ' ' + lot + ' · ' : '') + ll.lat.toFixed(5) + ', ' + ll.lng.toFixed(5)));
    var author = field(W.author, el('input', null, {id: 'eipgis-c-author', maxlength: 200}));
    var org = field(W.organisation, el('input', null, {id: 'eipgis-c-organisation', maxlength: 200}));
    var topic = field(W.topic, el('select', null, {id: 'eipgis-c-topic'}));
    topic.appendChild(el('option', '', {value: ''}));
    cfg.topics.forEach(function (t) { topic.appendChild(el('option', t[1], {value: t[0]})); });
    var text = field(W.text, el('textarea', null, {id: 'eipgis-c-text', maxlength: 5000}));
    author.value = localStorage.getItem('eipgis-comment-author') || '';
    org.value = localStorage.getItem('eipgis-comment-organisation') || '';
    var msg = el('div', '', {'class': 'msg'});
    var save = el('button', W.save, {type: 'button', id: 'eipgis-c-save'});
    var cancel = el('button', W.cancel, {type: 'button', id: 'eipgis-c-cancel'});
    form.appendChild(msg); form.appendChild(save); form.appendChild(document.createTextNode(' '));
    form.appendChild(cancel);
    L.DomEvent.disableClickPropagation(form);
    L.DomEvent.disableScrollPropagation(form);
    cancel.onclick = closeForm;
    save.onclick = function () {
      var c = {id: uuid(), time: new Date().toISOString(), lat: Math.round(ll.lat * 1e6) / 1e6,
               lon: Math.round(ll.lng * 1e6) / 1e6, lot_id: lot, author: author.value.trim(),
               organisation: org.value.trim(), topic: topic.value, text: text.value.trim()};
      if (!c.author || !c.topic || !c.text) { msg.textContent = W.need; return; }
      localStorage.setItem('eipgis-comment-author', c.author);
      localStorage.setItem('eipgis-comment-organisation', c.organisation);
      var list = load(); list.push(c); store(list);
      closeForm(); redraw();
    };
    document.body.appendChild(form);
    author.focus();
  }
  toggle.onclick = function () {
    on = !on;
    toggle.textContent = on ? W.mode_off : W.mode_on;
    hint.style.display = on ? '' : 'none';
    L.DomUtil[on ? 'addClass' : 'removeClass'](map.getContainer(), 'eipgis-commenting');
    if (!on) { closeForm(); }
  };
  clear.onclick = function () {
    if (window.confirm(W.clear_confirm)) { store([]); redraw(); }
  };
  // 'preclick': a feature with a popup stops its click before it reaches the map.
  map.on('preclick', function (e) {
    if (on) { openForm(e.latlng, lotAt(e.latlng)); }
  });
  map.on('popupopen', function (e) { if (on) { map.closePopup(e.popup); } });
  var Control = L.Control.extend({onAdd: function () {
    L.DomEvent.disableClickPropagation(box); return box; }});
  new Control({position: 'bottomright'}).addTo(map);
  redraw();
  window.eipgisComments = {geojson: geojson, list: load, lotAt: lotAt};
})({map}, {config});
"""


# --- reading an exported comment file ----------------------------------------------------------


def _fail(path: Path, where: str, problem: str, fix: str) -> InputError:
    return InputError(f"{path}, {where}: {problem}. Fix: {fix}.")


def _text_prop(path: Path, where: str, props: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = props.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _fail(path, where, f"no '{key}'",
                        f"export the comments again from the eipgis map (each needs '{key}')")
        return None
    if not isinstance(value, str):
        raise _fail(path, where, f"'{key}' is {type(value).__name__}, not text",
                    f"write '{key}' as text")
    value = value.strip()
    if len(value) > MAX_TEXT[key if key in MAX_TEXT else "text"]:
        raise _fail(path, where, f"'{key}' is longer than {MAX_TEXT.get(key, 5000)} characters",
                    "shorten it")
    return value


def _time(path: Path, where: str, text: str) -> str:
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise _fail(path, where, f"time {text!r} is not an ISO date and time",
                    "write it like 2026-12-02T09:30:00Z") from None
    if moment.tzinfo is None:
        raise _fail(path, where, f"time {text!r} has no time zone",
                    "write it in UTC like 2026-12-02T09:30:00Z")
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def read_comment_file(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The comments of a GeoJSON file the map exported, checked one by one.

    Returns
    -------
    list of dict
        ``comment_id``, ``map_id``, ``author``, ``organisation``, ``topic`` (a key of
        :data:`eipgis._words.COMMENT_TOPICS`), ``text``, ``time`` (ISO, UTC), ``lot_id``,
        ``lon``, ``lat``.

    Raises
    ------
    InputError
        Not UTF-8 JSON, not a FeatureCollection, or a feature (named by its number and id)
        without a point in WGS84, author, topic from the list, text, id or an ISO time.
    """
    from .. import io as _io

    p = Path(path)
    text = _io.read_text_file(p, what="comment file (GeoJSON)", max_bytes=20 * 1024 * 1024)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
                         "Fix: give the .geojson file the map's export link saved.") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise InputError(f"{p}: is not a GeoJSON FeatureCollection. "
                         "Fix: give the .geojson file the map's export link saved.")
    out = []
    for i, feature in enumerate(data["features"], start=1):
        where = f"feature {i}"
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise _fail(p, where, "is not a GeoJSON feature with properties",
                        "export the comments again from the eipgis map")
        props = feature["properties"]
        ident = _text_prop(p, where, props, "id", required=True)
        where = f"feature {i} (id {ident})"
        geom = feature.get("geometry")
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if (not isinstance(geom, dict) or geom.get("type") != "Point" or not isinstance(coords, list)
                or len(coords) < 2 or not all(isinstance(c, int | float) and not isinstance(c, bool)
                                              and math.isfinite(c) for c in coords[:2])):
            raise _fail(p, where, "has no point geometry",
                        "each comment is a Point with [longitude, latitude]")
        lon, lat = float(coords[0]), float(coords[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _fail(p, where, f"point ({lon}, {lat}) is not longitude/latitude in WGS84",
                        "export the comments again from the eipgis map (GeoJSON is in EPSG:4326)")
        topic = _text_prop(p, where, props, "topic", required=True)
        if topic not in COMMENT_TOPICS:
            raise _fail(p, where, f"unknown topic {topic!r}",
                        f"use one of {', '.join(COMMENT_TOPICS)}")
        out.append({
            "comment_id": ident,
            "map_id": _text_prop(p, where, props, "map_id", required=False),
            "author": _text_prop(p, where, props, "author", required=True),
            "organisation": _text_prop(p, where, props, "organisation", required=False),
            "topic": topic,
            "text": _text_prop(p, where, props, "text", required=True),
            "time": _time(p, where, str(_text_prop(p, where, props, "time", required=True))),
            "lot_id": _text_prop(p, where, props, "lot_id", required=False),
            "lon": lon, "lat": lat,
        })
    return out


# --- the consultation log ----------------------------------------------------------------------


def read_log(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """The ``comments`` layer of a consultation log GeoPackage, in EPSG:4326.

    Raises
    ------
    LayerError
        No ``comments`` layer, or one without the log's columns.
    """
    from .. import io as _io

    p = _io.check_input(path, what="consultation log (GeoPackage)")
    layers = _io.list_layers(p)
    if LOG_LAYER not in layers:
        raise LayerError(f"{p}: no layer '{LOG_LAYER}' (layers found: {', '.join(sorted(layers)) or 'none'}). "
                         "Fix: give the log 'eipgis comments import … --log' wrote.")
    frame = _io.read_layer(layers[LOG_LAYER], LOG_LAYER)
    missing = [c for c in LOG_COLUMNS if c not in frame.columns]
    if missing:
        raise LayerError(f"{p}, layer '{LOG_LAYER}': missing column(s) {', '.join(missing)}. "
                         "Fix: give the log 'eipgis comments import … --log' wrote.")
    if frame.crs is None:
        raise LayerError(f"{p}, layer '{LOG_LAYER}': has no CRS. Fix: set it to EPSG:4326.")
    return frame.to_crs(4326)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: comments added, comments already in the log, and the log's size."""

    added: int
    already: int
    total: int
    unplaced: tuple[str, ...] = ()  # map ids whose park was not found (no nearest lot computed)


def _place(records: list[dict[str, Any]], park: Park) -> None:
    """Set each record's lot (clicked, containing, else nearest) and nearest facility, in metres."""
    import geopandas as gpd
    import numpy as np
    import shapely

    points = gpd.GeoSeries(gpd.points_from_xy([r["lon"] for r in records], [r["lat"] for r in records]),
                           crs=4326).to_crs(park.crs).values
    lots = park.landuse.reset_index(drop=True)
    lot_ids = lots["parcel_id"].astype(str).to_numpy()
    lot_geoms = lots.geometry.values
    where = {pid: i for i, pid in enumerate(lot_ids)}
    tree = shapely.STRtree(lot_geoms)
    idx = tree.query_nearest(points, all_matches=False)[1] if len(lot_geoms) else np.array([], int)
    fac = park.facilities.reset_index(drop=True) if park.facilities is not None else None
    fac_idx = None
    if fac is not None and not fac.empty:
        fac_idx = shapely.STRtree(fac.geometry.values).query_nearest(points, all_matches=False)[1]
    for k, (r, pt) in enumerate(zip(records, points, strict=True)):
        chosen = where.get(r["lot_id"]) if r["lot_id"] else None
        if chosen is None and len(idx):
            chosen = int(idx[k])
        if chosen is not None:
            r["place_lot"] = lot_ids[chosen]
            r["lot_distance_m"] = round(float(shapely.distance(pt, lot_geoms[chosen])), 1)
        if fac is not None and fac_idx is not None:
            j = int(fac_idx[k])
            r["nearest_facility"] = str(fac["facility_id"].iloc[j])
            r["facility_distance_m"] = round(float(shapely.distance(pt, fac.geometry.values[j])), 1)


def _park_for(ident: str | None, files: Sequence[Path]) -> Park | None:
    """The park a map id names: a file of that name beside a comment file or here, or the sample."""
    from .. import sample_path
    from ..park import load_park

    if not ident or "/" in ident or "\\" in ident or ident in (".", ".."):
        return None
    candidates = [f.parent / ident for f in files] + [Path(ident)]
    try:
        sample = Path(sample_path())
    except InputError:
        sample = None
    if sample is not None and sample.name == ident:
        candidates.append(sample)
    for c in candidates:
        if c.is_file():
            return load_park(c)
    return None


def import_comments(files: Iterable[str | os.PathLike[str]], log: str | os.PathLike[str], *,
                    park: Park | None = None, now: str | None = None) -> ImportResult:
    """Merge exported comment files into the log, each comment id once; the log is written atomically.

    Parameters
    ----------
    files : paths
        GeoJSON files the map's export link saved.
    log : path
        The consultation log (GeoPackage, layer ``comments``); created when missing.
    park : Park, optional
        The park whose lots and facilities the comments are placed on; without it, the park the
        comments' map id names (see :func:`map_id`) when that file is found, else no place.
    now : str, optional
        Import time written in ``imported_at`` (default: now, UTC).

    Raises
    ------
    InputError
        A bad comment file (named with the feature), or a log that is an input or holds other layers.
    """
    import geopandas as gpd
    import pandas as pd

    from .. import io as _io

    paths = [Path(f) for f in files]
    if not paths:
        raise InputError("no comment file given. Fix: name the .geojson files the map exported.")
    log = Path(log)
    _io.refuse_output(log, overwrite=True, inputs=[("a comment file", str(p)) for p in paths])
    existing = None
    if log.exists():
        others = sorted(set(_io.list_layers(log)) - {LOG_LAYER})
        if others:
            raise InputError(f"{log}: holds other layers ({', '.join(others)}), so it is not a comment "
                             "log. Fix: give a new file name or a log 'eipgis comments import' wrote.")
        existing = read_log(log)
    seen = set(existing["comment_id"].astype(str)) if existing is not None else set()
    new: list[dict[str, Any]] = []
    already = 0
    for p in paths:
        for r in read_comment_file(p):
            if r["comment_id"] in seen:
                already += 1
                continue
            seen.add(r["comment_id"])
            r["source_file"] = p.name
            new.append(r)
    total = len(seen)
    if not new:
        return ImportResult(0, already, total)
    unplaced = []
    by_map: dict[str | None, list[dict[str, Any]]] = {}
    for r in new:
        by_map.setdefault(r["map_id"], []).append(r)
    for ident, records in by_map.items():
        target = park if park is not None else _park_for(ident, paths)
        if target is None:
            unplaced.append(str(ident))
        else:
            _place(records, target)
    stamp = now or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [{c: r.get(c) for c in LOG_COLUMNS} | {"imported_at": stamp} for r in new]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(LOG_COLUMNS)),
                             geometry=gpd.points_from_xy([r["lon"] for r in new], [r["lat"] for r in new]),
                             crs=4326)
    for c in ("lot_distance_m", "facility_distance_m"):
        frame[c] = frame[c].astype(float)
    if existing is not None:
        kept = gpd.GeoDataFrame(existing[list(LOG_COLUMNS)], geometry=existing.geometry.values, crs=4326)
        frame = pd.concat([kept, frame], ignore_index=True)
    _io.write_gpkg(log, {LOG_LAYER: frame}, overwrite=True)
    return ImportResult(len(new), already, total, tuple(unplaced))


# --- what maps and reports show ----------------------------------------------------------------


def _value(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    text = str(v).strip()
    return text or None


#: Vietnam's time (UTC+7, no daylight saving): comments are stored in UTC, shown in local time.
VIETNAM_TIME = _dt.timezone(_dt.timedelta(hours=7))


def local_time(text: Any, lang: str = "en") -> str:
    """``2026-12-02T02:30:00.000Z`` → ``2026-12-02 09:30 (UTC+7)`` (en), ``02/12/2026 09:30 (UTC+7)``
    (vi); text that is not a time stays."""
    from .._words import local_date

    try:
        moment = _dt.datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    here = moment.astimezone(VIETNAM_TIME)
    return f"{local_date(here.date(), lang)} {here.strftime('%H:%M')} (UTC+7)"


def _where(row: Any, lang: str) -> str:
    lot, d = _value(row["place_lot"]), row["lot_distance_m"]
    if lot is None:
        return COMMENT_WORDS[lang]["outside"]
    if isinstance(d, int | float) and math.isfinite(d) and d > 0:
        return f"{lot} (≈{local_number(d, 0, lang)} m)"
    return lot


def layer_features(frame: gpd.GeoDataFrame, lang: str) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
    """Points, properties and the runtime spec of the log's comments on the web map."""
    w = COMMENT_WORDS[lang]
    props = []
    for _, row in frame.iterrows():
        fac, fd = _value(row["nearest_facility"]), row["facility_distance_m"]
        props.append({
            "h": _value(row["author"]), "o": _value(row["organisation"]),
            "tp": COMMENT_TOPICS.get(str(row["topic"]), {}).get(lang, _value(row["topic"])),
            "x": _value(row["text"]), "tm": local_time(row["time"], lang),
            "pl": _where(row, lang) if _value(row["place_lot"]) else None,
            "f": f"{fac} (≈{local_number(fd, 0, lang)} m)" if fac and isinstance(fd, float) and math.isfinite(fd) else fac,
        })
    spec = {"pane": PANE, "title": "h", "radius": 8,
            "fields": [["o", w["organisation"]], ["tp", w["topic"]], ["x", w["text"]],
                       ["pl", w["lot"]], ["f", w["nearest_facility"]], ["tm", w["time"]]],
            "style": {"color": "#ffffff", "weight": 2, "fillColor": MODE_COLOUR, "fillOpacity": 0.95}}
    return frame.geometry.values, props, spec


def summary_tables(frame: gpd.GeoDataFrame, lang: str, *, max_rows: int = 50
                   ) -> tuple[list[str], list[tuple[list[str], list[list[str]], int]]]:
    """The report's summary of the log: paragraphs and tables (head, rows, rows not shown).

    Tables: comments by topic (count), by place (lot, count, topics), and the comments themselves
    (newest last, at most ``max_rows``).
    """
    w = COMMENT_WORDS[lang]
    if frame.empty:
        return [w["none"]], []
    topic = frame["topic"].astype(str)
    label = {k: v[lang] for k, v in COMMENT_TOPICS.items()}
    people = frame["author"].astype(str).str.strip().str.casefold().nunique()
    orgs = frame["organisation"].dropna().astype(str).str.strip()
    stamps = sorted(str(t) for t in frame["time"])  # ISO text: text order is time order
    first, last = (local_time(t, lang).rsplit(" ", 2)[0] for t in (stamps[0], stamps[-1]))
    paragraphs = [w["summary"].format(n=local_number(len(frame), 0, lang),
                                      people=local_number(people, 0, lang),
                                      orgs=local_number(orgs[orgs != ""].str.casefold().nunique(), 0, lang),
                                      first=first, last=last), w["place_note"]]
    counts = topic.value_counts()
    by_topic = [[label.get(k, k), local_number(int(counts[k]), 0, lang)]
                for k in [*COMMENT_TOPICS, *sorted(set(counts.index) - set(COMMENT_TOPICS))] if k in counts]
    places = [_where(r, lang) for _, r in frame.iterrows()]
    place_key = frame["place_lot"].where(frame["place_lot"].notna(), w["outside"]).astype(str)
    groups: dict[str, list[str]] = {}
    for key, t in zip(place_key, topic, strict=True):
        groups.setdefault(key, []).append(t)
    by_place = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    place_rows = [[key, local_number(len(ts), 0, lang), ", ".join(label.get(t, t) for t in dict.fromkeys(ts))]
                  for key, ts in by_place]
    raw = frame["time"].astype(str).tolist()
    order = sorted(range(len(frame)), key=raw.__getitem__)  # ISO text: text order is time order
    listing = []
    for i in order[:max_rows]:
        row = frame.iloc[i]
        fac = _value(row["nearest_facility"])
        listing.append([local_time(row["time"], lang), str(_value(row["author"]) or ""),
                        str(_value(row["organisation"]) or ""), label.get(str(row["topic"]), str(row["topic"])),
                        places[i], fac or "–", str(_value(row["text"]) or "")])
    tables = [
        ([w["topic"], w["n_comments"]], by_topic, 0),
        ([w["place"], w["n_comments"], w["topics"]], place_rows, 0),
        ([w["time"], w["author"], w["organisation"], w["topic"], w["place"], w["nearest_facility"],
          w["text"]], listing, max(len(frame) - max_rows, 0)),
    ]
    return paragraphs, tables

