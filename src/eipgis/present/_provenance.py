"""Which layers of a park its own data marks illustrative (drawn for illustration, not surveyed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._words import ILLUSTRATIVE_MARKERS, PRINT_WORDS

if TYPE_CHECKING:
    from ..park import Park

__all__ = ["Illustrative", "illustrative_layers", "illustrative_lines"]

#: Park layers read for marks, in the order a reader meets them.
_LAYERS = ("boundary", "landuse", "facilities", "neighbourhoods", "buildings", "plot_green", "enterprises")


@dataclass(frozen=True)
class Illustrative:
    """A layer with features marked illustrative: how many of how many, and in which columns."""

    layer: str
    n: int
    total: int
    columns: tuple[str, ...]


def _marked(value: object) -> bool:
    if not isinstance(value, str):
        return False
    text = value.casefold()
    return any(m in text for m in ILLUSTRATIVE_MARKERS)


def illustrative_layers(park: Park) -> list[Illustrative]:
    """The layers with a feature marked illustrative: a text cell that says so (``area_basis``
    "illustrative", ``population_source`` "approximate, illustrative") or a true ``illustrative`` column.

    Only what the park carries is read (layer README files are not available at run time).
    """
    out = []
    for layer in _LAYERS:
        frame = getattr(park, layer, None)
        if frame is None or len(frame) == 0:
            continue
        marked = None
        columns = []
        for col in frame.columns:
            if col == "geometry" or (frame[col].dtype.kind in "iuf" and col != "illustrative"):
                continue
            if col == "illustrative":
                hits = frame[col].map(lambda v: bool(v) and str(v).lower() not in ("false", "0", "no", "nan"))
            else:
                hits = frame[col].map(_marked)
            hits = hits.fillna(False).astype(bool)
            if hits.any():
                columns.append(str(col))
                marked = hits if marked is None else (marked | hits)
        if marked is not None:
            out.append(Illustrative(layer, int(marked.sum()), len(frame), tuple(columns)))
    return out


def layer_name(layer: str, lang: str) -> str:
    """A reader's name of a park layer (``landuse`` → "Land-use parcels")."""
    return PRINT_WORDS[lang].get(f"layer_{layer}", layer)


def illustrative_lines(park: Park, lang: str) -> list[str]:
    """One sentence per illustrative layer (``Facilities: 12 of 12 features (column location)``)."""
    w = PRINT_WORDS[lang]
    return [w["illustrative_row"].format(layer=layer_name(i.layer, lang), n=i.n, total=i.total,
                                         columns=", ".join(i.columns))
            for i in illustrative_layers(park)]
