"""Wall maps: the park on A3 or A1 paper as a PDF print layout (``eipgis map PARK --print A3``).

One page at the paper's size, drawn with matplotlib (no browser): the land-use map with what fails at a
stated scale 1:N, its legend, a north arrow, a scale bar, a title block (park, criteria set, date, data
status), the sources and, where the park's data marks layers illustrative, an "illustrative layout" note.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._markup import plain_text
from .._words import PRINT_WORDS, WORDS, check_lang, local_date, local_number, source_text
from ..errors import InputError

if TYPE_CHECKING:
    from ..criteria import ComplianceReport
    from ..park import Park

__all__ = ["PAPERS", "map_scale", "print_map_pdf", "write_print_map"]

#: ISO 216 paper sizes in millimetres (portrait: width, height).
PAPERS: dict[str, tuple[float, float]] = {"A3": (297.0, 420.0), "A1": (594.0, 841.0)}

_MM = 1 / 25.4  # inches per millimetre
_NICE = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5)  # round scales: 1:15,000, 1:25,000, 1:30,000…


def map_scale(extent_m: tuple[float, float], frame_mm: tuple[float, float]) -> int:
    """The smallest round scale denominator (1, 1.5, 2, 2.5, 3, 4, 5 or 7.5 × 10ⁿ) at which ``extent_m`` (width,
    height in metres) fits a map frame of ``frame_mm`` (width, height in millimetres).

    >>> map_scale((1800.0, 1200.0), (200.0, 300.0))  # 1800 m on 0.2 m needs 1:9,000 → 1:10,000
    10000
    """
    need = max(extent_m[0] / (frame_mm[0] / 1000), extent_m[1] / (frame_mm[1] / 1000))
    power = 10 ** math.floor(math.log10(max(need, 1.0)))
    for factor in (*_NICE, 10.0):
        if factor * power >= need:
            return round(factor * power)
    raise AssertionError("unreachable: 10 × 10ⁿ ≥ need")


def _paper(paper: str, landscape: bool) -> tuple[float, float]:
    key = str(paper).upper()
    if key not in PAPERS:
        raise InputError(f"unknown paper size {paper!r}. Fix: use one of {', '.join(PAPERS)}.")
    w, h = PAPERS[key]
    return (h, w) if landscape else (w, h)


def _sources(park: Park, report: ComplianceReport, lang: str) -> list[str]:
    w = PRINT_WORDS[lang]
    docs: list[str] = []
    for r in report.results:
        doc = source_text(r.source.split("(")[0].split(",")[0].strip(), lang)
        if doc and doc not in docs:
            docs.append(doc)
    lines = [w["source_park"].format(source=Path(park.source).name),
             w["source_criteria"].format(sources="; ".join(docs)),
             w["crs"].format(crs=park.crs_label)]
    return lines


def _illustrative_note(park: Park, lang: str) -> str | None:
    from ._provenance import illustrative_layers, layer_name

    layers = [layer_name(i.layer, lang) for i in illustrative_layers(park) if i.layer != "boundary"]
    if not layers:
        return None
    return PRINT_WORDS[lang]["illustrative_note"].format(layers=", ".join(layers))


def _scale_bar(ax: Any, x0: float, y0: float, span: float, lang: str, size: float) -> None:
    """A bar of two black-and-white halves, about a fifth of the map's width, labelled 0 … length."""
    step = 10 ** math.floor(math.log10(span / 5))
    length = max(s * step for s in (1, 2, 5) if s * step <= span / 5)
    half = length / 2
    height = span * 0.006
    from matplotlib.patches import Rectangle

    for i, colour in enumerate(("black", "white")):
        ax.add_patch(Rectangle((x0 + i * half, y0), half, height, facecolor=colour, edgecolor="black",
                               linewidth=0.8, zorder=20))
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    for x, v in ((x0, 0.0), (x0 + half, half / div), (x0 + length, length / div)):
        label = local_number(v, 1 if v != int(v) else 0, lang)
        ax.text(x, y0 + height * 1.6, label + (f" {unit}" if x == x0 + length else ""), ha="center",
                va="bottom", fontsize=size, zorder=20)


def _north_arrow(fig: Any, x: float, y: float, height: float, lang: str, size: float) -> None:
    fig.patches.append(_arrow_patch(fig, x, y, height))
    fig.text(x, y + height * 1.05, PRINT_WORDS[lang]["north"], ha="center", va="bottom",
             fontsize=size * 1.6, fontweight="bold")


def _arrow_patch(fig: Any, x: float, y: float, height: float) -> Any:
    from matplotlib.patches import Polygon

    ratio = fig.get_figheight() / fig.get_figwidth()
    half = height * 0.35 * ratio
    return Polygon([(x, y + height), (x - half, y), (x, y + height * 0.25), (x + half, y)], closed=True,
                   facecolor="black", edgecolor="black", transform=fig.transFigure, figure=fig)


def _labels(ax: Any, park: Park, size: float) -> None:
    """Lot codes and facility names, small enough not to hide the plots (at most 600 lots)."""
    lu = park.landuse
    if 0 < len(lu) <= 600:
        pts = lu.geometry.representative_point()
        for code, pt in zip(lu["parcel_id"].astype(str), pts, strict=True):
            ax.text(pt.x, pt.y, plain_text(code), ha="center", va="center", fontsize=size * 0.55,
                    color="#333333", zorder=6)
    fac = park.facilities
    if 0 < len(fac) <= 200 and "name" in fac.columns:
        pts = fac.geometry.representative_point()
        for name, pt in zip(fac["name"], pts, strict=True):
            if isinstance(name, str) and name.strip():
                ax.annotate(plain_text(textwrap.shorten(name, 40)), (pt.x, pt.y), xytext=(4, 4),
                            textcoords="offset points", fontsize=size * 0.7, zorder=7,
                            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.8})


def print_map_pdf(
    park: Park,
    *,
    report: ComplianceReport | None = None,
    criteria: Any = "vn-qcvn-01-2021",
    paper: str = "A3",
    landscape: bool = False,
    lang: str = "en",
    date: str | _dt.date | None = None,
    links: Any = None,
    title: str | None = None,
) -> bytes:
    """The park as a one-page PDF print layout at ``paper`` size (A3 or A1, portrait or landscape).

    The map is drawn at a round scale 1:N (stated in the title block) chosen so the park and its
    safety zones fit the map frame; text is embedded as TrueType so the PDF can be searched.
    """
    import matplotlib
    from matplotlib.figure import Figure

    from .. import __version__
    from ..criteria import check, load_criteria
    from ._charts import draw_map
    from ._mapdata import check_park, read_links

    lang = check_lang(lang)
    check_park(park)
    width_mm, height_mm = _paper(paper, landscape)
    paper_name = f"{str(paper).upper()}"
    if report is None:
        report = check(park, load_criteria(criteria))
    link_frame = read_links(links, crs=park.crs) if links is not None else None
    day = local_date(date or _dt.date.today(), lang)
    w, p = WORDS[lang], PRINT_WORDS[lang]
    size = 9.0 * (width_mm / 297.0) ** 0.5  # type size grows with the paper (A1: about 12.7 pt)

    margin = 12.0
    panel = 0.28 * width_mm if width_mm < height_mm else 0.24 * width_mm
    title_h, foot_h = 0.07 * height_mm, 0.08 * height_mm
    frame = (width_mm - 2 * margin - panel - margin / 2, height_mm - 2 * margin - title_h - foot_h)
    with matplotlib.rc_context({"pdf.fonttype": 42, "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(width_mm * _MM, height_mm * _MM))
        ax = fig.add_axes((margin / width_mm, (margin + foot_h) / height_mm, frame[0] / width_mm,
                           frame[1] / height_mm))
        handles, bounds = draw_map(ax, park, report, lang, links=link_frame)
        _labels(ax, park, size)
        ext = (bounds[2] - bounds[0], bounds[3] - bounds[1])
        scale = map_scale((ext[0] * 1.06, ext[1] * 1.06), frame)
        cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        span_x, span_y = frame[0] / 1000 * scale, frame[1] / 1000 * scale
        ax.set_xlim(cx - span_x / 2, cx + span_x / 2)
        ax.set_ylim(cy - span_y / 2, cy + span_y / 2)
        ax.set_xticks([])
        ax.set_yticks([])
        _scale_bar(ax, cx - span_x / 2 + span_x * 0.04, cy - span_y / 2 + span_y * 0.03, span_x, lang, size)

        # Title band
        top = 1 - margin / height_mm
        fig.text(margin / width_mm, top, plain_text(title or park.name), ha="left", va="top",
                 fontsize=size * 2.4, fontweight="bold")
        fig.text(margin / width_mm, top - 0.45 * title_h / height_mm,
                 plain_text(f"{report.criteria_set} — {report.criteria_title[lang]}"), ha="left", va="top",
                 fontsize=size * 1.3)

        # Side panel: legend, north arrow, title block
        px = (width_mm - margin - panel) / width_mm
        legend_top = (height_mm - margin - title_h) / height_mm
        fig.text(px, legend_top, p["legend"], ha="left", va="top", fontsize=size * 1.3, fontweight="bold")
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(px, legend_top - 0.02),
                   fontsize=size * 0.95, frameon=False, borderaxespad=0)
        right, top_map = (margin + frame[0]) / width_mm, (margin + foot_h + frame[1]) / height_mm
        _north_arrow(fig, right - 0.04, top_map - 0.075, 0.045, lang, size)

        n_fail = len(report.failing)
        n_unconf = sum(r.status == "unconfirmed" for r in report.results)
        block = [
            (plain_text(park.name), size * 1.2, "bold"),
            (f"{p['criteria_set']}: {report.criteria_set}", size, "normal"),
            (f"{p['date']}: {day}", size, "normal"),
            (f"{p['status']}: " + p["status_text"].format(fail=n_fail, total=len(report.results),
                                                        unconfirmed=n_unconf), size, "normal"),
            (p["scale"].format(n=local_number(scale, 0, lang), paper=paper_name), size * 1.1, "bold"),
            (f"{w['crs']}: {park.crs_label}", size * 0.9, "normal"),
            (p["made_with"].format(version=__version__), size * 0.8, "normal"),
        ]
        wrap = max(int(panel / (size * 0.19)), 20)
        y = (margin + foot_h) / height_mm + 0.005
        lines: list[tuple[str, float, str]] = []
        for text, fs, weight in block:
            lines += [(part, fs, weight) for part in textwrap.wrap(text, wrap)]
        step = size * 1.5 / 72 / (height_mm * _MM)
        from matplotlib.patches import Rectangle

        box_h = step * (len(lines) + 1)
        fig.patches.append(Rectangle((px - 0.005, y - 0.005), panel / width_mm, box_h, fill=False,
                                     edgecolor="black", linewidth=1.0, transform=fig.transFigure, figure=fig))
        for i, (text, fs, weight) in enumerate(lines):
            fig.text(px, y + box_h - step * (i + 1.2), text, ha="left", va="bottom", fontsize=fs,
                     fontweight=weight)

        # Foot: sources and the illustrative note
        foot = [f"{p['sources']}:"] + _sources(park, report, lang)
        note = _illustrative_note(park, lang)
        wrap_foot = max(int((width_mm - 2 * margin) / (size * 0.16)), 40)
        text_lines = []
        for line in foot:
            text_lines += textwrap.wrap(line, wrap_foot)
        fy = (margin + foot_h) / height_mm - 0.012
        for line in text_lines[:6]:
            fig.text(margin / width_mm, fy, line, ha="left", va="top", fontsize=size * 0.8)
            fy -= step * 0.9
        if note:
            for line in textwrap.wrap(note, wrap_foot):
                fig.text(margin / width_mm, fy, line, ha="left", va="top", fontsize=size * 0.95,
                         fontweight="bold", color="#a0301a")
                fy -= step
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf", metadata={"Title": plain_text(title or park.name),
                                                 "Creator": f"eipgis {__version__}"})
    return buf.getvalue()


def write_print_map(path: str | os.PathLike[str], park: Park, *, overwrite: bool = False,
                    **options: Any) -> Path:
    """Write :func:`print_map_pdf` to ``path`` (``.pdf``) atomically; nothing is written on failure."""
    from .. import io as _io

    if Path(path).suffix.lower() != ".pdf":
        raise InputError(f"{path}: a print layout is written as PDF. Fix: name the output *.pdf.")
    pdf = print_map_pdf(park, **options)
    target = Path(path)
    with _io.atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(pdf)
    return target
