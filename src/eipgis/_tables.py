"""The one formatter of fixed-width text tables for the terminal, width-aware for Vietnamese."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["format_table", "pad", "text_width"]


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal.

    Read in composed form (NFC), so "ệ" typed as e + two marks is one column; combining marks,
    zero-width characters and other format characters take none; wide and full-width characters
    (CJK, East Asian width W or F) take two.

    Examples
    --------
    >>> text_width("Tằng Loỏng"), text_width(unicodedata.normalize("NFD", "Tằng Loỏng")), text_width("園区")
    (10, 10, 4)
    """
    if text.isascii():  # no mark, format or wide character: one column each (the fast common case)
        return len(text)
    width = 0
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` in NFC, padded with spaces to ``width`` columns (``align`` ``<`` left, ``>`` right)."""
    text = unicodedata.normalize("NFC", text)
    fill = " " * max(width - text_width(text), 0)
    return fill + text if align == ">" else text + fill


def format_table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    align: str = "",
    indent: str = "",
    rule: bool = True,
) -> list[str]:
    """Lines of a table: the heading, a rule of dashes, then the rows; columns two spaces apart.

    ``align`` gives each column's alignment (``<`` or ``>``, left when missing); trailing spaces
    are dropped. A table without ``head`` (empty) has neither heading nor rule.

    Examples
    --------
    >>> print("\\n".join(format_table(["id", "Giá trị"], [["A", "1.5"], ["Đường", "10"]], align="<>")))
    id     Giá trị
    -----  -------
    A          1.5
    Đường       10
    """
    table = [list(head), *(list(r) for r in rows)] if head else [list(r) for r in rows]
    if not table:
        return []
    n = max(len(r) for r in table)
    table = [r + [""] * (n - len(r)) for r in table]
    widths = [max(text_width(r[i]) for r in table) for i in range(n)]
    aligns = [align[i] if i < len(align) else "<" for i in range(n)]

    def line(row: Sequence[str]) -> str:
        return (indent + "  ".join(pad(c, w, a) for c, w, a in zip(row, widths, aligns, strict=True))).rstrip()

    lines = [line(r) for r in table]
    if head and rule:
        lines.insert(1, indent + "  ".join("-" * w for w in widths))
    return lines
