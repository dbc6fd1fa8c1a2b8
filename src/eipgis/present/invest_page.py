"""Pictures of the investment appraisal: the marginal abatement cost curve (MACC)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from .._words import INVEST_WORDS, check_lang
from ._charts import _figure, png_base64

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["macc_chart", "macc_png"]


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
