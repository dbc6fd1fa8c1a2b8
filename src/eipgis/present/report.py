"""The appraisal report: one self-contained HTML document (or Markdown) with tables, charts and a map."""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._words import (
    DATA_CHECK_WORDS,
    WORDS,
    check_lang,
    co2_columns,
    co2_label,
    measured_from_text,
    number,
)
from ..errors import InputError
from ..landuse import CLASSES, LABELS

if TYPE_CHECKING:
    from ..criteria import ComplianceReport
    from ..park import Park

__all__ = ["FORMATS", "MAX_ROWS", "SUFFIXES", "report_format", "report_html", "report_markdown",
           "write_report"]

#: Output formats of :func:`write_report`.
FORMATS = ("html", "markdown", "pdf")

#: File suffix → report format (any other suffix is refused).
SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".pdf": "pdf"}

#: Longest list of failing features or links a table shows (the rest is counted).
MAX_ROWS = 50


@dataclass
class _Table:
    head: list[str]
    rows: list[list[str]]
    more: int = 0


@dataclass
class _Section:
    title: str
    tables: list[_Table] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (alt text, base64 PNG)
    paragraphs: list[str] = field(default_factory=list)
    subsections: list[_Section] = field(default_factory=list)


@dataclass
class _Doc:
    lang: str
    title: str
    subtitle: str
    sections: list[_Section]
    footer: str


# --- content -------------------------------------------------------------------------------


def _scenario_parks(scenarios: Any, park: Park, lang: str) -> list[tuple[str, Park]]:
    from ._mapdata import after_park

    if scenarios is None:
        return []
    if isinstance(scenarios, Mapping):
        items = list(scenarios.items())
    elif isinstance(scenarios, Sequence) and not isinstance(scenarios, str):
        items = [(None, s) for s in scenarios]
    else:
        items = [(None, scenarios)]
    out = []
    for name, sc in items:
        after, default = after_park(sc, park, lang)
        out.append((str(name) if name is not None else default, after))
    return out


def _summary(park: Park, report: ComplianceReport, lang: str) -> _Section:
    w = WORDS[lang]
    rows = [
        [w["park_area"], f"{number(park.area_ha, 2)} ha"],
        [w["crs"], park.crs_label],
        [w["n_parcels"], number(len(park.landuse))],
        [w["n_facilities"], number(len(park.facilities))],
        [w["n_neighbourhoods"], number(len(park.neighbourhoods))],
        [w["criteria_set"], f"{report.criteria_set} — {report.criteria_title[lang]}"],
        [w["overall"], _overall(report, lang)],
    ]
    d = DATA_CHECK_WORDS[lang]
    if report.as_of is not None:  # the date whose rules were applied (issue 11)
        rows.append([d["as_of"], report.as_of.isoformat()])
    if park.has_enterprises:
        rows.insert(5, [d["n_enterprises"], number(len(park.enterprises))])
    section = _Section(w["summary"], tables=[_Table(["", ""], rows)])
    total = park.area_ha
    classes = [[LABELS[c][lang], number(report.class_area_ha.get(c, 0.0), 2),
                f"{report.class_area_ha.get(c, 0.0) / total * 100:.1f} %"]
               for c in CLASSES if report.class_area_ha.get(c, 0.0) > 0]
    unassigned = report.class_area_ha.get("unassigned", 0.0)
    if unassigned > 0.005:
        classes.append([w["unassigned"], number(unassigned, 2), f"{unassigned / total * 100:.1f} %"])
    section.subsections.append(
        _Section(w["land_by_class"], tables=[_Table([w["class_col"], w["ha_col"], w["pct_col"]],
                                                     classes)]))
    return section


def _overall(report: ComplianceReport, lang: str) -> str:
    w = WORDS[lang]
    from ..criteria import not_assessed_text

    n, total = len(report.failing), len(report.results)
    text = w["fails"].format(n=n, total=total) if n else w["passes"].format(total=total)
    return text + not_assessed_text(report, lang)


def _criteria(report: ComplianceReport, lang: str) -> _Section:
    from ..criteria import HEADINGS

    w = WORDS[lang]
    head = [*HEADINGS[lang], WORDS[lang]["source_col"]]
    cells = zip(report.results, report.rows(lang=lang), strict=True)
    rows = [[*row, r.source] for r, row in cells]
    return _Section(w["criteria"], tables=[_Table(head, rows)])


def _format_value(value: Any, unit: str) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "–"
    if unit == "share":
        return f"{v * 100:.1f} %"
    if unit == "m":
        return f"{number(v)} m"
    return number(v, 2)


def _failing(report: ComplianceReport, lang: str) -> _Section | None:
    w = WORDS[lang]
    section = _Section(w["failing_features"])
    for r in report.results:
        by = r.details.get("by_feature") if isinstance(r.details, dict) else None
        if r.passed is not False or not by:
            continue
        extra_key = "nearest" if any("nearest" in v for v in by.values()) else None
        source_key = "measured_from" if any("measured_from" in v for v in by.values()) else None
        head = [w["feature_col"], w["value_col"], w["limit"]] + ([w["nearest"]] if extra_key else [])
        head += [w["measured_from"]] if source_key else []
        rows = []
        for fid, vals in list(by.items())[:MAX_ROWS]:
            row = [str(fid), _format_value(vals.get("value"), r.unit),
                   _format_value(vals.get("limit"), r.unit)]
            if extra_key:
                row.append(str(vals.get(extra_key) or "–"))
            if source_key:
                row.append(measured_from_text(vals.get(source_key), vals.get("buildings"), w) or "–")
            rows.append(row)
        section.subsections.append(_Section(f"{r.id} — {r.title[lang]}",
                                            tables=[_Table(head, rows, max(len(by) - MAX_ROWS, 0))]))
    return section if section.subsections else None


def _scenarios(park: Park, report: ComplianceReport, parks: list[tuple[str, Park]], cset: Any,
               lang: str) -> tuple[_Section, list[tuple[str, ComplianceReport]]]:
    from ..criteria import check
    from ._charts import share_chart

    w = WORDS[lang]
    reports = [(w["before"], report)] + [(name, check(p, cset)) for name, p in parks]
    head = [w["criteria"]] + [name for name, _ in reports]
    all_rows = [dict(zip((r.id for r in rep.results), rep.rows(lang=lang), strict=True))
                for _, rep in reports]
    rows = []
    for r in report.results:
        cells = [f"{r.id}"]
        for by_id in all_rows:
            row = by_id.get(r.id)
            cells.append(f"{row[2]} ({row[4]})" if row else "–")
        rows.append(cells)
    rows.append([w["failing_count"]] + [str(len(rep.failing)) for _, rep in reports])
    base_ind = report.class_area_ha.get("industrial", 0.0)
    rows.append([w["industrial_lost"]] + [
        f"{rep.class_area_ha.get('industrial', 0.0) - base_ind:+,.2f} ha" for _, rep in reports])
    for c in CLASSES:
        if any(rep.class_area_ha.get(c, 0.0) > 0 for _, rep in reports):
            rows.append([f"{LABELS[c][lang]} (ha)"]
                        + [number(rep.class_area_ha.get(c, 0.0), 2) for _, rep in reports])
    section = _Section(w["scenarios"], tables=[_Table(head, rows)])
    chart = share_chart(reports, lang)
    if chart:
        section.images.append((w["share_chart"], chart))
    return section, reports


def _symbiosis(links: Any, lang: str) -> _Section:
    import numpy as np

    w = WORDS[lang]
    section = _Section(w["symbiosis"])
    if links.empty:
        section.paragraphs.append(w["no_links"])
        return section
    co2 = co2_columns(links.columns)
    head = [w["material"], w["n_links"], w["quantity"], w["route"]] + [co2_label(c, lang) for c in co2]
    from ._mapdata import material_names

    names = material_names(links["material"].astype(str).unique(), lang)
    rows = []
    groups = links.groupby([links["material"].astype(str), links["unit"].astype(str)], sort=True)
    for (mat, unit), g in groups:
        row = [names.get(mat, mat), str(len(g)), f"{number(float(g['quantity'].sum()))} {unit}",
               f"{number(float(g['distance_m'].sum()) / 1000, 2)} km"]
        row += [number(float(np.nansum(g[c].to_numpy(dtype=float))), 1) for c in co2]
        rows.append(row)
    section.tables.append(_Table(head, rows))
    head = [w["supplier"], w["receiver"], w["material"], w["quantity"], w["route"], w["network"]]
    head += [co2_label(c, lang) for c in co2]
    detail = []
    has_net = "network" in links.columns
    for _, link in links.head(MAX_ROWS).iterrows():
        row = [_end(link, "supplier"), _end(link, "receiver"),
               names.get(str(link["material"]), str(link["material"])),
               f"{number(float(link['quantity']))} {link['unit']}",
               f"{number(float(link['distance_m']) / 1000, 2)} km",
               (w["yes"] if bool(link["network"]) else w["no"]) if has_net else "–"]
        row += [_format_value(link[c], "") for c in co2]
        detail.append(row)
    section.tables.append(_Table(head, detail, max(len(links) - MAX_ROWS, 0)))
    return section


def _comments_section(comments: Any, lang: str) -> _Section:
    """The consultation's comments by topic and by place (see :mod:`.comments`)."""
    import geopandas as gpd

    from .._words import COMMENT_WORDS
    from . import comments as _comments

    frame = comments if isinstance(comments, gpd.GeoDataFrame) else _comments.read_log(comments)
    paragraphs, tables = _comments.summary_tables(frame, lang, max_rows=MAX_ROWS)
    return _Section(COMMENT_WORDS[lang]["section"], paragraphs=paragraphs,
                    tables=[_Table(head, rows, more) for head, rows, more in tables])


def _end(link: Any, end: str) -> str:
    name = link.get(f"{end}_name")
    ident = str(link[end])
    if isinstance(name, str) and name.strip() and name != ident:
        return f"{name} ({ident})"
    return ident


def _document(
    park: Park,
    *,
    report: ComplianceReport | None,
    criteria: Any,
    scenarios: Any,
    links: Any,
    lang: str,
    date: str | None,
    title: str | None,
    comments: Any = None,
) -> _Doc:
    from .. import __version__
    from ..criteria import builtin_sets, check, load_criteria
    from ._charts import map_picture, share_chart
    from ._mapdata import changed_parcels, check_park, read_links

    lang = check_lang(lang)
    check_park(park)
    w = WORDS[lang]
    parks = _scenario_parks(scenarios, park, lang)
    link_frame = read_links(links, crs=park.crs) if links is not None else None
    if report is None:
        cset = load_criteria(criteria)
        report = check(park, cset)
    else:
        cset = load_criteria(report.criteria_set if report.criteria_set in builtin_sets() else criteria)
    date = date or _dt.date.today().isoformat()

    sections = [_summary(park, report, lang), _criteria(report, lang)]
    chart = share_chart([(park.name, report)], lang)
    if chart:
        sections[-1].images.append((w["share_chart"], chart))
    failing = _failing(report, lang)
    if failing:
        sections.append(failing)
    if parks:
        section, _ = _scenarios(park, report, parks, cset, lang)
        sections.append(section)
    if link_frame is not None:
        sections.append(_symbiosis(link_frame, lang))
    if comments is not None:
        sections.append(_comments_section(comments, lang))
    pictures = _Section(w["map_picture"], paragraphs=[w["map_note"]])
    pictures.images.append((f"{park.name}", map_picture(park, report, lang, links=link_frame)))
    for name, after in parks:
        after_report = check(after, cset)
        pictures.images.append((f"{w['scenario']}: {name}", map_picture(
            after, after_report, lang, changed=changed_parcels(park, after),
            title=f"{w['scenario']}: {name}")))
    sections.append(pictures)
    if park.notes:
        sections.append(_Section(w["notes"], paragraphs=list(park.notes)))
    sections[2:2] = _explained(park, report, lang)  # after the criteria (issue 14)
    subtitle = f"{report.criteria_set} — {report.criteria_title[lang]} · {w['date']}: {date}"
    return _localised(_Doc(lang, f"{w['report_title']}: {title or park.name}", subtitle, sections,
                           w["generated"].format(version=__version__, date=date)))


# --- what the report explains, in the reader's formats (issue 14) ----------------------------


def _explained(park: Park, report: ComplianceReport, lang: str) -> list[_Section]:
    """What each failing criterion means (one sentence per indicator), what "unconfirmed" means
    when a threshold is, and which layers the park's own data marks illustrative."""
    from .._words import FAILING_MEANING, PRINT_WORDS
    from ..criteria import HEADINGS
    from ._provenance import illustrative_lines

    p = PRINT_WORDS[lang]
    out = []
    head = HEADINGS[lang]  # id, criterion, value, threshold, result, gap, status
    rows = {row[0]: row for row in report.rows(lang=lang)}
    meaning = []
    for r in report.failing:
        if r.indicator in FAILING_MEANING:
            row = rows[r.id]
            figures = f"{head[2]} {row[2]}, {head[3]} {row[3]}" + (f", {head[5]} {row[5]}" if row[5] != "–" else "")
            meaning.append(f"{r.id} — {r.title[lang]}: {FAILING_MEANING[r.indicator][lang]} ({figures})")
    if meaning:
        out.append(_Section(p["meaning_title"], paragraphs=meaning))
    if any(r.status == "unconfirmed" for r in report.results):
        out.append(_Section(p["unconfirmed_title"], paragraphs=[p["unconfirmed_note"]]))
    lines = illustrative_lines(park, lang)
    out.append(_Section(p["illustrative_title"],
                        paragraphs=[p["illustrative_intro"], *lines] if lines else [p["none_illustrative"]]))
    return out


def _localised(doc: _Doc) -> _Doc:
    """In Vietnamese, every number, date and unit in Vietnamese form (Babel) and the sources'
    document names in Vietnamese; ids, feature codes and headings are left as written."""
    from dataclasses import replace

    from .._words import localise, source_text

    if doc.lang != "vi":
        return doc
    lang = doc.lang
    keep = {WORDS[lang]["feature_col"]}
    source = WORDS[lang]["source_col"]

    def table(t: _Table) -> _Table:
        def cell(head: str, text: str) -> str:
            if head == source:
                return source_text(text, lang)
            return text if head in keep else localise(text, lang)

        return replace(t, rows=[[cell(h, c) for h, c in zip(t.head, row, strict=True)] for row in t.rows])

    def section(s: _Section) -> _Section:
        return replace(s, tables=[table(t) for t in s.tables], paragraphs=[localise(x, lang) for x in s.paragraphs],
                       subsections=[section(x) for x in s.subsections])

    return replace(doc, subtitle=localise(doc.subtitle, lang), sections=[section(s) for s in doc.sections],
                   footer=localise(doc.footer, lang))


# --- rendering -----------------------------------------------------------------------------
# Markup is made only by eipgis._markup: the HTML template escapes every value, md() every
# Markdown cell, heading and paragraph.


def _cell_class(text: str, lang: str) -> str:
    from ..criteria import verdict

    if text == verdict(False, lang=lang):
        return "fail"
    if text == verdict(True, lang=lang):
        return "pass"
    if text == verdict(None, lang=lang):
        return "na"
    return ""


def _html_context(s: _Section, lang: str) -> dict[str, Any]:
    w = WORDS[lang]
    return {
        "title": s.title,
        "paragraphs": s.paragraphs,
        "tables": [{"head": t.head, "rows": [[(_cell_class(c, lang), c) for c in row] for row in t.rows],
                    "more": w["more"].format(n=t.more) if t.more else ""} for t in s.tables],
        "images": s.images,
        "subsections": [_html_context(sub, lang) for sub in s.subsections],
    }


def _to_html(doc: _Doc) -> str:
    from .._markup import render

    return render("report.html.j2", lang=doc.lang, title=doc.title, subtitle=doc.subtitle,
                  sections=[_html_context(s, doc.lang) for s in doc.sections], footer=doc.footer)


def _md_section(s: _Section, lang: str, level: int) -> list[str]:
    from .._markup import md

    w = WORDS[lang]
    out = ["#" * level + " " + md(s.title), ""]
    for p in s.paragraphs:
        out += [md(p, paragraph=True), ""]
    for t in s.tables:
        head = t.head if any(t.head) else ["", ""]
        out.append("| " + " | ".join(md(h) for h in head) + " |")
        out.append("|" + "---|" * len(head))
        out += ["| " + " | ".join(md(c) for c in row) + " |" for row in t.rows]
        if t.more:
            out += ["", md(w["more"].format(n=t.more), paragraph=True)]
        out.append("")
    for alt, b64 in s.images:
        out += [f"![{md(alt)}](data:image/png;base64,{b64})", ""]
    for sub in s.subsections:
        out += _md_section(sub, lang, level + 1)
    return out


def _to_markdown(doc: _Doc) -> str:
    from .._markup import md

    lines = [f"# {md(doc.title)}", "", f"*{md(doc.subtitle)}*", ""]
    for s in doc.sections:
        lines += _md_section(s, doc.lang, 2)
    lines += ["---", "", md(doc.footer, paragraph=True), ""]
    return "\n".join(lines)


# --- public --------------------------------------------------------------------------------


def report_html(
    park: Park,
    *,
    report: ComplianceReport | None = None,
    criteria: Any = "vn-qcvn-01-2021",
    scenarios: Any = None,
    links: Any = None,
    lang: str = "en",
    date: str | None = None,
    title: str | None = None,
    comments: Any = None,
) -> str:
    """The appraisal as one self-contained HTML document (no script, charts embedded as PNG).

    Parameters
    ----------
    park : Park
        The park appraised.
    report : ComplianceReport, optional
        Its check against a criteria set; computed with ``criteria`` when omitted.
    criteria : str or path or CriteriaSet
        The criteria set (when ``report`` is omitted, and for the scenarios).
    scenarios : Scenario, Park, list of them, or mapping of name to them, optional
        Restructurings compared side by side with the existing park (table and chart).
    links : GeoDataFrame or path, optional
        Symbiosis links (``links`` layer) for the symbiosis summary.
    lang : {"en", "vi"}
        Language of the document.
    date : str, optional
        Date printed on the document (default: today).
    title : str, optional
        Name in the title (default: the park's name).
    comments : GeoDataFrame or path, optional
        A consultation log (``eipgis comments import``), summarised by topic and place.

    Returns
    -------
    str
        The HTML page: park summary, criteria table with values, thresholds, gaps and sources,
        land shares against thresholds, failing features, scenarios, symbiosis and a static map.

    Examples
    --------
    >>> import eipgis
    >>> from eipgis.present.report import report_html
    >>> html = report_html(eipgis.load_park(eipgis.sample_path()), lang="vi")
    >>> "Tằng Loỏng" in html
    True
    """
    return _to_html(_document(park, report=report, criteria=criteria, scenarios=scenarios,
                              links=links, lang=lang, date=date, title=title, comments=comments))


def report_markdown(park: Park, **options: Any) -> str:
    """The appraisal as Markdown (images embedded as data URIs); options as :func:`report_html`."""
    return _to_markdown(_document(park, **_defaults(options)))


def _defaults(options: dict[str, Any]) -> dict[str, Any]:
    known = {"report": None, "criteria": "vn-qcvn-01-2021", "scenarios": None, "links": None,
             "lang": "en", "date": None, "title": None, "comments": None}
    unknown = set(options) - set(known)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    return {**known, **options}


def write_report(
    path: str | os.PathLike[str],
    park: Park,
    *,
    fmt: str | None = None,
    overwrite: bool = False,
    **options: Any,
) -> Path:
    """Write the appraisal (HTML, Markdown or PDF, from ``fmt`` or the suffix) atomically.

    Everything is computed before the file is opened, so a failure leaves no partial report.
    The PDF is the HTML page printed by WeasyPrint (A4, pictures embedded).
    """
    from .. import io as _io

    fmt = report_format(path, fmt)
    doc = _document(park, **_defaults(options))
    if fmt == "pdf":
        from ._pdf import html_to_pdf

        pdf = html_to_pdf(_to_html(doc).replace("</head>", _PRINT_CSS + "</head>", 1))
        target = Path(path)
        with _io.atomic_path(target, overwrite=overwrite) as tmp:
            tmp.write_bytes(pdf)
        return target
    text = _to_html(doc) if fmt == "html" else _to_markdown(doc)
    return _io.write_text(path, text, overwrite=overwrite)


#: Paper rules of the PDF report: A4 with page numbers; long tables break between rows, with their
#: heading repeated, instead of leaving a page blank before a table that does not fit.
_PRINT_CSS = ("<style>@page {size: A4; margin: 16mm 14mm 18mm;"
              " @bottom-right {content: counter(page) \" / \" counter(pages); font-size: 9px;}}"
              " body {max-width: none; margin: 0;} table {font-size: 10px; page-break-inside: auto;}"
              " tr, figure {page-break-inside: avoid;} thead {display: table-header-group;}</style>")


def report_format(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The report format ``fmt``, or the one the suffix of ``path`` names; refuse anything else."""
    if fmt is None:
        suffix = Path(path).suffix.lower()
        if suffix not in SUFFIXES:
            raise InputError(f"{path}: unknown report format {suffix or '(no suffix)'!r}. Fix: name the "
                             f"report .html, .md or .pdf (or pass --format {'|'.join(FORMATS)}).")
        fmt = SUFFIXES[suffix]
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}. Fix: use one of {', '.join(FORMATS)}.")
    return fmt
