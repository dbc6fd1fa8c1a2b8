"""The optimizer's lower bounds: land that must change class whatever the plan."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["classes_of", "lower_bound_m2", "strip_forced_m2"]


def classes_of(crit: Any) -> list[str]:
    """The land-use classes a criterion counts (its ``classes`` or its indicator's default)."""
    from ..indicators import INDICATORS

    return INDICATORS[crit.indicator].classes(crit.params)


def strip_forced_m2(
    classes: Iterable[str], strip_m2: float, band_m2: Mapping[str, float]
) -> float:
    """Land of ``classes`` (m²) that every plan must take out of them to meet the strip.

    ``band_m2`` is the band's ungreen land by class and ``strip_m2`` the band land that must
    become green (``(threshold − share) × band``). Of the ``sum(band_m2)`` m² that could become
    green, at most the land not in ``classes`` can spare them, so at least
    ``strip_m2 − (sum(band_m2) − band land of classes)`` of theirs turns green. With a 100 %
    strip this is all their band land.
    """
    mine = sum(band_m2.get(k, 0.0) for k in set(classes))
    return max(strip_m2 - (sum(band_m2.values()) - mine), 0.0)


def lower_bound_m2(
    shares: Iterable[Any],
    needs: Mapping[str, float],
    strip_m2: float = 0.0,
    band_m2: Mapping[str, float] | None = None,
    strip_class: str = "green",
) -> float:
    """Land (m²) that must change class to meet the land-share floors and the strip.

    Each square metre changes to one class, so the shortfalls ``needs`` (criterion id → m²) of
    criteria on disjoint single classes add up, the larger counting where two criteria ask for
    the same class; the strip's band land ``strip_m2`` that must become ``strip_class`` and that
    class's shortfall overlap (the band may be the new green), so only the larger counts. A
    criterion over several classes is a bound by itself; a ceiling (``<=``) is met by
    converting away, which the floors count. This is the *bare* bound.

    With ``band_m2`` (the band's ungreen land by class) it is the *strip-forced* bound, and
    ``needs`` must be signed (negative: the slack of a criterion that passes). Proof: let
    ``A_k`` be the land a plan turns into class ``k`` and ``L_k`` the land it takes out of
    ``k``. A floor on ``k`` holds after the plan only if ``A_k ≥ need_k + L_k``, and the strip
    holds only if ``L_k ≥ F_k``, :func:`strip_forced_m2` (the band must be ``strip_class``, and
    ``k`` is not). So ``A_k ≥ max(need_k + F_k, 0)`` and ``A_strip_class ≥ max(need, strip_m2)``;
    the ``A_k`` of different classes are disjoint land, so their sum bounds what any plan
    converts. The strip's own band land is counted once, in ``A_strip_class``.
    """
    by_class: dict[str, float] = {}
    combined = 0.0
    for c in shares:
        if c.op in ("<=", "<"):
            continue
        classes = classes_of(c)
        need = needs.get(c.id, 0.0)
        if band_m2 and strip_class not in classes:
            need += strip_forced_m2(classes, strip_m2, band_m2)
        need = max(need, 0.0)
        if len(classes) == 1:
            by_class[classes[0]] = max(by_class.get(classes[0], 0.0), need)
        else:
            combined = max(combined, need)
    if strip_m2 > 0.0:
        by_class[strip_class] = max(by_class.get(strip_class, 0.0), strip_m2)
    return max(sum(by_class.values()), combined)
