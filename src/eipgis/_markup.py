"""The one place where text becomes markup: jinja2 HTML templates (autoescape on) and Markdown escaping.

Everything a data file can name (a park, parcel, tenant, facility, neighbourhood, scenario, register
note, file name) reaches a web map, a report or a Markdown table only through this module, so it is
shown as text and never runs. HTML pages come from ``templates/*.html.j2`` rendered with
:func:`render`; text inside HTML built elsewhere (a folium layer name) goes through :func:`escape`, and markup
enters a folium page only as data (:func:`html_element`), never as a template;
Markdown cells, headings and list items go through :func:`md`; matplotlib labels through
:func:`plain_text`.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

__all__ = ["escape", "html_element", "md", "plain_text", "render"]


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("eipgis", "templates"),
        autoescape=True,  # every {{ value }} is HTML-escaped unless it is Markup made here
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with every value HTML-escaped (autoescape on)."""
    return _environment().get_template(template).render(**context)


def escape(text: Any) -> str:
    """``text`` as HTML text (``& < > " '`` escaped), for markup that is not a template."""
    from markupsafe import escape as _escape

    return str(_escape("" if text is None else str(text)))


def html_element(html: str) -> Any:
    """A folium/branca element that puts ``html`` (markup made here, or a trusted asset) in the page.

    ``branca.element.Element(text)`` would treat ``text`` as a jinja2 template, so a park named
    ``{{ 7*7 }}`` would print 49 (and worse); this element holds the text as data.
    """
    from branca.element import Element

    element = Element("{{ this.body }}")
    element.body = html  # type: ignore[attr-defined]
    return element


# Markdown: backslash-escape what makes emphasis, code, links, images, headings, tables and
# escapes; write < > & as entities, since Markdown renderers pass raw HTML through.
_MD_PUNCT = re.compile(r"([\\`*_\[\]#|~])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_BLOCK_START = re.compile(r"^(\s*\d*)([-=+.)])")


def md(text: Any, *, paragraph: bool = False) -> str:
    """``text`` as one line of Markdown text: shown literally in a table cell, heading or list.

    Line breaks become spaces (a cell or heading cannot span lines), ``|`` cannot split a table
    cell, HTML tags cannot form (``<`` is ``&lt;``), and ``* _ ` [ ] # ~ \\`` lose their Markdown
    meaning (so no link, image or emphasis). With ``paragraph=True`` (text at the start of a line)
    a leading ``-``, ``+``, ``=`` or ``1.`` is escaped too, so it cannot start a list or underline.

    Examples
    --------
    >>> md("<b>A|B</b> *x*")
    '&lt;b&gt;A\\\\|B&lt;/b&gt; \\\\*x\\\\*'
    """
    s = "" if text is None else str(text)
    s = " ".join(s.splitlines())
    s = _MD_PUNCT.sub(r"\\\1", s)
    s = "".join(_MD_ENTITIES.get(ch, ch) for ch in s)
    return _MD_BLOCK_START.sub(r"\1\\\2", s, count=1) if paragraph else s


def plain_text(text: Any) -> str:
    """``text`` for a matplotlib label: ``$`` escaped so that a name never turns into mathtext."""
    return ("" if text is None else str(text)).replace("$", r"\$")
