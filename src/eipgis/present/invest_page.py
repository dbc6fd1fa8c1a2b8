"""The investment appraisal on paper: the marginal abatement cost curve (MACC) and the case document."""

from __future__ import annotations

import base64
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._words import INVEST_WORDS, check_lang, number
from ._charts import _figure, png_base64
from ._pdf import html_to_pdf  # moved to ._pdf so that the report prints too (issue 14)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["case_document", "html_to_pdf", "macc_chart", "macc_png", "write_case"]


def macc_chart(macc: pd.DataFrame, *, currency: str, lang: str = "en") -> str | None:
    """The MACC as base64 PNG text: one bar per measure, cheapest tonne first.

    A bar's width is the measure's tonnes of CO₂ avoided per year, its height the cost per tonne
    (below zero: the measure saves money). None when no measure avoids CO₂.
    """
    lang = check_lang(lang)
    if macc.empty:
        return None
    w = INVEST_WORDS[lang]
    fig = _figure(8.0, 4.2)
    ax = fig.add_subplot()
    costs = macc["cost_per_t_co2"].astype(float).to_numpy()
    colours = ["#1b7a1b" if c < 0 else "#b0651a" for c in costs]
    ax.bar(macc["start_t_per_year"], costs, width=macc["co2_t_per_year"], align="edge",
           color=colours, edgecolor="white", linewidth=0.8)
    for start, width, cost, mid in zip(macc["start_t_per_year"], macc["co2_t_per_year"], costs,
                                       macc["id"], strict=True):
        ax.annotate(str(mid), (start + width / 2, cost), ha="center",
                    va="bottom" if cost >= 0 else "top", fontsize=7)
    ax.axhline(0, color="#333", linewidth=0.8)
    ax.set_xlabel(w["macc_x"])
    ax.set_ylabel(w["macc_y"].format(currency=currency))
    ax.set_title(w["macc_title"], fontsize=10)
    return png_base64(fig)


def macc_png(macc: pd.DataFrame, *, currency: str, lang: str = "en") -> bytes | None:
    """The MACC as PNG bytes (for ``macc.png``)."""
    text = macc_chart(macc, currency=currency, lang=lang)
    return base64.b64decode(text) if text is not None else None


# --- the investment case: one document per measure ----------------------------------------------


def _money(value: Any, currency: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{number(float(value))} {currency}"


def _years(value: Any, w: Mapping[str, str]) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return w["never"]
    return w["n_years"].format(n=f"{float(value):.1f}")


def _pct(value: Any, note: Any, w: Mapping[str, str]) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return f"{w['irr_none']} ({note})" if note else w["irr_none"]
    return f"{float(value) * 100:.1f} %"


def case_document(case: Mapping[str, Any], *, lang: str = "en") -> Any:
    """The investment case of one measure as a report document (sections, tables, the map).

    ``case`` is :func:`eipgis.invest._case.build_case`'s dictionary.
    """
    from .report import _Doc, _Section, _Table

    lang = check_lang(lang)
    w = INVEST_WORDS[lang]
    m, cur = case["measure"], case["currency"]
    title = (m.get("title_vi") if lang == "vi" and m.get("title_vi") else None) or m["title"]
    sections: list[Any] = []

    summary = _Table(head=["", ""], rows=[
        [w["measure"], f"{m['id']} — {title}"],
        [w["kind"], w[f"kind_{m['kind']}"]],
        [w["partners"], ", ".join(p["name"] for p in case["partners"]) or "–"],
        [w["capex"], _money(m["capex"], cur)],
        [w["net_per_year"], _money(m["net_per_year"], cur)],
        [w["lifetime"], w["n_years"].format(n=int(m["lifetime_years"]))],
        [w["npv"].format(rate=f"{m['discount_rate'] * 100:g}"), _money(m["npv"], cur)],
        [w["irr"], _pct(m["irr"], m.get("irr_note"), w)],
        [w["payback"], _years(m["payback_years"], w)],
        [w["discounted_payback"], _years(m["discounted_payback_years"], w)],
        [w["co2"], "–" if m.get("co2_t_per_year") is None else f"{number(float(m['co2_t_per_year']), 1)} t"],
        [w["cost_per_t"], "–" if m.get("cost_per_t_co2") is None
         else f"{number(float(m['cost_per_t_co2']))} {cur}/t"],
    ])
    notes = [w["draft_note"]]
    if str(m.get("capex_basis", "")).startswith("estimate"):
        notes.append(w["capex_estimate"].format(basis=m["capex_basis"]))
    unsourced = [f"{k} ({v})" for k, v in case["parameter_status"].items() if v != "sourced"]
    if unsourced:
        notes.append(w["param_status"].format(names=", ".join(unsourced)))
    sections.append(_Section(title=w["s_summary"], tables=[summary], paragraphs=notes))

    if case["partners"]:
        sections.append(_Section(title=w["s_partners"], tables=[_Table(
            head=[w["id"], w["name"], w["role"], w["sector"], w["workers"]],
            rows=[[p["id"], p["name"], w[p["role"]], p.get("sector") or "–",
                   "–" if p.get("workers") is None else number(float(p["workers"]))]
                  for p in case["partners"]])]))

    tech = [[w["title"], title], [w["mode"], m.get("mode") or "–"],
            [w["length"], "–" if not case.get("length_m") else f"{number(case['length_m'])} m"],
            [w["benefit_basis"], str(m.get("benefit_basis") or "–")],
            [w["capex_basis"], str(m.get("capex_basis") or "–")],
            [w["co2_basis"], str(m.get("co2_basis") or "–")],
            [w["source"], str(m.get("source") or "–")], [w["note"], str(m.get("note") or "–")]]
    images = [(w["map_alt"], case["map"])] if case.get("map") else []
    sections.append(_Section(title=w["s_technical"], tables=[_Table(head=["", ""], rows=tech)],
                             images=images))

    flows = case["cash_flows"]
    shown = list(enumerate(flows))
    sections.append(_Section(title=w["s_returns"], tables=[_Table(
        head=[w["year"], w["cash_flow"], w["discounted"], w["cumulative"]],
        rows=[[str(y), _money(f, cur), _money(d, cur), _money(c, cur)]
              for (y, f), d, c in zip(shown, case["discounted"], case["cumulative"], strict=True)])]))

    sections.append(_Section(title=w["s_sensitivity"], tables=[_Table(
        head=[w["parameter"], w["change"], w["npv_short"], w["irr"]],
        rows=[[w[f"p_{s['parameter']}"], f"{s['change'] * 100:+.0f} %", _money(s["npv"], cur),
               _pct(s["irr"], None, w)] for s in case["sensitivity"]])]))

    es_tables = []
    if case.get("screening"):
        es_tables.append(_Table(head=["", ""], rows=[[k, "–" if v is None else str(v)]
                                                      for k, v in case["screening"].items()]))
    if case.get("esmp"):
        es_tables.append(_Table(head=[w[c] for c in ("standard", "risk", "mitigation", "indicator",
                                                     "responsibility", "frequency", "cost")],
                                rows=[[r["standard"], r["risk"], r["mitigation"], r["monitoring_indicator"],
                                       r["responsibility"], r["frequency"], r["cost"] or "–"]
                                      for r in case["esmp"]]))
    sections.append(_Section(title=w["s_es"], tables=es_tables,
                             paragraphs=[w["es_note"]] if es_tables else [w["es_missing"]]))

    sections.append(_Section(title=w["s_workplan"], tables=[_Table(
        head=[w["task"], w["owner"], w["start"], w["end"]],
        rows=[[t["task"], t["owner"] or "–", t["start"] or "–", t["end"] or "–"] for t in case["workplan"]])]
        if case["workplan"] else [], paragraphs=[] if case["workplan"] else [w["workplan_missing"]]))

    sections.append(_Section(title=w["s_risks"], paragraphs=list(case["risks"]) or [w["risks_none"]]))
    return _Doc(lang=lang, title=f"{w['case_title']}: {title}",
                subtitle=f"{case['park'] or ''} · {w['measure']} {m['id']} · {case['date']}",
                sections=sections, footer=w["footer"].format(version=case["version"]))


def write_case(case: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
               overwrite: bool = False) -> Path:
    """Write the case as HTML (``.html``), PDF (``.pdf``, WeasyPrint) or Markdown (``.md``)."""
    from .. import io as _io
    from ..errors import OutputError
    from .report import _to_html, _to_markdown

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf", ".md"):
        raise OutputError(f"{target}: an investment case is written as .html, .pdf or .md. Fix: use one "
                          "of these extensions.")
    doc = case_document(case, lang=lang)
    if suffix == ".md":
        return _io.write_text(target, _to_markdown(doc), overwrite=overwrite)
    html = _to_html(doc)
    if suffix != ".pdf":
        return _io.write_text(target, html, overwrite=overwrite)
    pdf = html_to_pdf(html)
    with _io.atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(pdf)
    return target
