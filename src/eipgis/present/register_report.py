"""The re-evaluation report of opportunity registers (``eipgis register report``): HTML or Markdown.

Tables and the ranking come from :mod:`eipgis.symbiosis.reevaluation`; the page is the appraisal
report's template (every value escaped), the chart a matplotlib PNG embedded inline: no network.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._words import BARRIER_LABELS, REGISTER_WORDS, check_lang, number
from ..errors import InputError
from ..symbiosis.register import LABELS, STATUSES, items
from .report import _Doc, _Section, _Table, _to_html, _to_markdown

if TYPE_CHECKING:
    import pandas as pd

    from ..symbiosis.reevaluation import Registers

__all__ = ["SUFFIXES", "register_report", "status_chart", "write_register_report"]

#: Output suffixes and their format.
SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown"}

_STATUS_COLOURS = {"identified": "#9ecae1", "feasibility": "#4292c6", "investment": "#08519c",
                   "implemented": "#2e8b3a", "on_hold": "#f2a900", "abandoned": "#8c8c8c"}


def _status(status: str, lang: str) -> str:
    en, vi = LABELS[status].split(" / ", 1)
    return en if lang == "en" else vi


def status_chart(table: pd.DataFrame, lang: str) -> str:
    """Stacked bars: solutions in each status at the end of each year (base64 PNG)."""
    from .._markup import plain_text
    from ._charts import _figure, png_base64

    w = REGISTER_WORDS[lang]
    fig = _figure(7.6, 3.6)
    ax = fig.add_subplot()
    years = [str(y) for y in table.index]
    bottom = [0] * len(years)
    for status in STATUSES:
        counts = [int(v) for v in table[status]]
        if any(counts):
            ax.bar(years, counts, bottom=bottom, color=_STATUS_COLOURS[status],
                   label=plain_text(_status(status, lang)))
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xlabel(plain_text(w["year"]))
    ax.set_ylabel(plain_text(w["solutions"]))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return png_base64(fig)


def _changes(regs: Registers, since: str | None, lang: str) -> _Section:
    from ..symbiosis.reevaluation import status_changes

    w = REGISTER_WORDS[lang]
    changes = status_changes(regs.events, since or "0001-01-01")
    section = _Section(w["changes"].format(since=since) if since else w["changes_all"])
    if changes.empty:
        section.paragraphs.append(w["no_changes"].format(since=since))
        return section
    rows = [[str(r["date"]), str(r["park"]), str(r["id"]),
             _status(r["previous_status"], lang) if r["previous_status"] else w["new"],
             _status(r["status"], lang), str(r["note"]), str(r["illustrative"])]
            for r in changes.to_dict("records")]
    section.tables.append(_Table([w["date"], w["park"], w["id"], w["from"], w["to"], w["note"],
                                  w["marked"]], rows))
    return section


def _barriers(regs: Registers, lang: str) -> _Section:
    from ..symbiosis.reevaluation import barrier_tally

    w = REGISTER_WORDS[lang]
    tally = barrier_tally(regs.state)
    parks = [c for c in tally.columns if c != "total"]
    rows = [[BARRIER_LABELS[cat][lang], *(str(int(tally.loc[cat, p])) for p in parks),
             str(int(tally.loc[cat, "total"]))] for cat in tally.index]
    return _Section(w["barriers"], paragraphs=[w["barriers_note"]],
                    tables=[_Table([w["category"], *parks, w["total"]], rows)])


def _ranking(regs: Registers, benefits: Mapping[str, float] | None, lang: str) -> _Section:
    from ..symbiosis.reevaluation import support_ranking

    w = REGISTER_WORDS[lang]
    ranked = support_ranking(regs.state, benefits)
    rows = []
    for k, r in enumerate(ranked.to_dict("records"), start=1):
        co2 = r["benefit_co2_t"]
        rows.append([str(k), str(r["park"]), str(r["id"]), str(r["title"]), _status(r["status"], lang),
                     w["unknown"] if math.isnan(co2) else number(co2),
                     ", ".join(BARRIER_LABELS[c][lang] for c in r["categories"]), f"{r['score']:g}",
                     str(r["illustrative"])])
    return _Section(w["ranking"], paragraphs=[w["ranking_note"]], tables=[_Table(
        [w["rank"], w["park"], w["id"], w["solution"], w["status"], w["benefit"], w["categories"],
         w["score"], w["marked"]], rows)])


def register_report(
    registers: Sequence[str | os.PathLike[str]],
    *,
    parks: Sequence[str] | None = None,
    since: str | None = None,
    links: str | os.PathLike[str] | None = None,
    lang: str = "en",
    date: str | None = None,
) -> _Doc:
    """The re-evaluation of the registers (read and checked) as a document to render.

    ``parks`` keeps those parks only (each must have a solution); ``links`` is a ``links.csv``
    of ``eipgis symbiosis`` whose ``net_co2_t`` is the benefit of the solutions linking to it.
    """
    from .. import __version__
    from ..symbiosis.reevaluation import Registers, link_benefits, status_by_year
    from ..symbiosis.register import _date, _read_links, read_register

    lang = check_lang(lang)
    w = REGISTER_WORDS[lang]
    if since is not None:
        since = _date(since, "--since").isoformat()
    regs = Registers([(str(p), read_register(p)) for p in registers], parks)
    benefits = link_benefits(_read_links(links)[0]) if links is not None else None
    files = ", ".join(Path(p).name for p in registers)
    marked = sum(bool(items(c)) for c in regs.events["illustrative"])
    by_year = status_by_year(regs.events)
    year_rows = [[str(y), *(str(int(by_year.loc[y, s])) for s in STATUSES)] for y in by_year.index]
    sections = [
        _changes(regs, since, lang),
        _barriers(regs, lang),
        _Section(w["by_year"], images=[(w["by_year_alt"], status_chart(by_year, lang))],
                 tables=[_Table([w["year"], *(_status(s, lang) for s in STATUSES)], year_rows)]),
        _ranking(regs, benefits, lang),
    ]
    if marked:
        sections[0].paragraphs.insert(0, w["illustrative"].format(n=marked))
    return _Doc(lang=lang, title=w["title"],
                subtitle=w["subtitle"].format(parks=", ".join(regs.parks), n=len(regs.state), files=files),
                sections=sections,
                footer=w["footer"].format(version=__version__, files=files,
                                          date=date or _dt.date.today().isoformat()))


def _format(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: a report is written as .html or .md, not '{suffix or 'no suffix'}'. "
                         "Fix: end the output name with .html or .md.")
    return SUFFIXES[suffix]


def write_register_report(path: str | os.PathLike[str], registers: Sequence[str | os.PathLike[str]], *,
                          overwrite: bool = False, **options: Any) -> Path:
    """Write the re-evaluation (HTML or Markdown from the suffix) atomically; options as :func:`register_report`.

    Everything is computed before the file is opened, so a failure leaves no output file.
    """
    from .. import io as _io

    fmt = _format(path)
    doc = register_report(registers, **options)
    return _io.write_text(path, _to_html(doc) if fmt == "html" else _to_markdown(doc), overwrite=overwrite)
