"""The optimizer's lower bound: land that must change class whatever the plan."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["classes_of", "lower_bound_m2"]


def classes_of(crit: Any) -> list[str]:
    """The land-use classes a criterion counts (its ``classes`` or its indicator's default)."""
    from ..indicators import INDICATORS

    return INDICATORS[crit.indicator].classes(crit.params)


def lower_bound_m2(
    shares: Iterable[Any], needs: Mapping[str, float], strip_m2: float = 0.0
) -> float:
    """Land (m²) that must change class to meet the land-share floors and the strip.

    Each square metre changes to one class, so the shortfalls ``needs`` (criterion id → m²) of
    criteria on disjoint single classes add up, the larger counting where two criteria ask for
    the same class; the strip's ungreen band ``strip_m2`` and the green shortfall overlap (the
    band may be the new green), so only the larger counts. A criterion over several classes is
    a bound by itself; a ceiling (``<=``) is met by converting away, which the floors count.
    """
    by_class: dict[str, float] = {}
    combined = 0.0
    for c in shares:
        if c.op in ("<=", "<"):
            continue
        need = max(needs.get(c.id, 0.0), 0.0)
        classes = classes_of(c)
        if len(classes) == 1:
            by_class[classes[0]] = max(by_class.get(classes[0], 0.0), need)
        else:
            combined = max(combined, need)
    if strip_m2 > 0.0:
        by_class["green"] = max(by_class.get("green", 0.0), strip_m2)
    return max(sum(by_class.values()), combined)
