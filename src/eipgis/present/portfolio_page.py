"""The portfolio page: a map of the parks coloured by compliance, a comparison table and a chart.

One self-contained HTML file (Leaflet inlined, no tiles), written by ``eipgis portfolio``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from .._markup import html_element, render
from .._words import PORTFOLIO_WORDS, check_lang, local_number
from . import _webassets
from ._charts import _figure, png_base64
from .webmap import _add, _elements

__all__ = ["portfolio_html"]

#: Outline colours by the park's overall result.
STATUS_COLOURS = {"pass": "#1b7a1b", "fail": "#b00020", "open": "#8a6d00"}

_PAGE_CSS = """
.eipgis-portfolio {font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; padding: 8px 16px;}
.eipgis-portfolio h1 {font-size: 18px; margin: 6px 0;}
table.eipgis-compare {border-collapse: collapse; font-size: 12px;}
table.eipgis-compare th, table.eipgis-compare td {border: 1px solid #bbb; padding: 2px 6px;}
table.eipgis-compare thead th {background: #eee;}
table.eipgis-compare td.num {text-align: right;}
.eipgis-c-pass {color: #1b7a1b;} .eipgis-c-fail {color: #b00020; font-weight: bold;}
.eipgis-c-open {color: #8a6d00;}
.eipgis-portfolio img {max-width: 100%;}
"""


def _status(park: Mapping[str, Any]) -> str:
    if park["failing"]:
        return "fail"
    return "open" if park.get("not_assessed") else "pass"


def _chart(parks: Sequence[Mapping[str, Any]], lang: str) -> str | None:
    """Horizontal stacked bars: criteria passed, failed and not assessed per park."""
    if not parks:
        return None
    w = PORTFOLIO_WORDS[lang]
    names = [str(p["park"]) for p in parks]
    failed = [len(p["failing"]) for p in parks]
    open_ = [len(p.get("not_assessed", [])) for p in parks]
    passed = [len(p["results"]) - f - o for p, f, o in zip(parks, failed, open_, strict=True)]
    fig = _figure(7.0, 0.9 + 0.32 * len(parks))
    ax = fig.add_subplot()
    y = list(range(len(parks)))[::-1]
    ax.barh(y, passed, color=STATUS_COLOURS["pass"], label=w["passed"])
    ax.barh(y, failed, left=passed, color=STATUS_COLOURS["fail"], label=w["failed"])
    ax.barh(y, open_, left=[a + b for a, b in zip(passed, failed, strict=True)],
            color=STATUS_COLOURS["open"], label=w["not_assessed"])
    ax.set_yticks(y, names)
    ax.set_xlabel(w["criteria_axis"])
    ax.legend(loc="lower right", fontsize=8)
    return png_base64(fig)


def portfolio_html(result: Mapping[str, Any], *, lang: str = "en", date: str | None = None) -> str:
    """The portfolio as one offline HTML page (every name from the data escaped).

    ``result`` is ``PortfolioResult.to_dict(outlines=True)``: ``criteria_set``, ``parks`` (each
    with its WGS 84 ``outline``) and ``errors``.
    """
    import folium
    import shapely
    from branca.element import Figure

    from .. import __version__

    lang = check_lang(lang)
    w = PORTFOLIO_WORDS[lang]
    parks: Sequence[Mapping[str, Any]] = result["parks"]
    errors = result["errors"]
    m = folium.Map(location=[16.0, 106.0], zoom_start=6, tiles=None, height="60%",
                   control_scale=True)
    _webassets.inline_assets(m)
    figure = m.get_root()
    assert isinstance(figure, Figure), "folium.Map puts itself in a Figure"
    figure.title = f"{w['title']} — eipgis"
    figure.header.add_child(html_element(f"<style>{_PAGE_CSS}</style>"), name="eipgis_portfolio_css")
    _, script, _ = _elements()
    from .._provinces import _layer as province_outlines

    names, outlines = province_outlines()
    _add(m, outlines, [{"n": n} for n in names],
         {"title": "n", "style": {"color": "#777777", "weight": 0.8, "fillOpacity": 0.04,
                                  "fillColor": "#999999"}}, w["provinces"])
    geoms = [shapely.geometry.shape(p["outline"]) for p in parks if p.get("outline")]
    props = [{"n": p["park"], "r": w[_status(p)], "s": _status(p), "a": f"{local_number(p['area_ha'], 1, lang)} ha",
              "f": ", ".join(p["failing"]) or "–"} for p in parks if p.get("outline")]
    if geoms:
        spec = {"title": "n", "fields": [["r", w["result"]], ["a", w["area"]], ["f", w["failing"]]],
                "style": {"weight": 3, "fillOpacity": 0.35}, "styleBy": "s",
                "styles": {k: {"color": c, "fillColor": c} for k, c in STATUS_COLOURS.items()}}
        _add(m, geoms, props, spec, w["parks"])
        # a marker at each park too: an outline of a few km is a speck at the scale of the country
        points = [shapely.point_on_surface(g) for g in geoms]
        _add(m, points, props, {**spec, "radius": 7, "style": {"weight": 2, "fillOpacity": 0.8}},
             w["park_points"])
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        pad = 0.02
        m.fit_bounds([[ymin - pad, xmin - pad], [ymax + pad, xmax + pad]])
    ids: list[str] = []
    for p in parks:
        ids += [r["id"] for r in p["results"] if r["id"] not in ids]
    rows = []
    for p in parks:
        by_id = {r["id"]: r for r in p["results"]}
        cells = []
        for cid in ids:
            r = by_id.get(cid)
            if r is None:
                cells.append({"text": "", "css": ""})
            elif r.get("assessed") is False or r["passed"] is None:
                cells.append({"text": w["not_assessed"], "css": "eipgis-c-open"})
            else:
                cells.append({"text": w["pass" if r["passed"] else "fail"],
                              "css": "eipgis-c-pass" if r["passed"] else "eipgis-c-fail"})
        status = _status(p)
        rows.append({"park": p["park"], "area": local_number(p["area_ha"], 1, lang), "result": w[status],
                     "css": f"eipgis-c-{status}", "cells": cells})
    n_fail = sum(1 for p in parks if p["failing"])
    summary = w["summary"].format(n=len(parks), fail=n_fail, errors=len(errors))
    section = render("portfolio.html.j2", w=w, criteria_set=result["criteria_set"], rows=rows,
                     criteria_ids=ids, chart=_chart(parks, lang), errors=errors,
                     summary=summary, date=date or _dt.date.today().isoformat(), version=__version__)
    figure.html.add_child(html_element(section), name="eipgis_portfolio")
    script("if (window.performance && performance.mark) { performance.mark('eipgis-map-ready'); }"
           ).add_to(m)
    return _webassets.finish_html(figure.render(), lang=lang)
