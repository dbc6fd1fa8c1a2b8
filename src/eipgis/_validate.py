"""Collect every problem found in one pass, then raise them together."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import EipgisError, LayerError


def ids_text(ids: Iterable[object], limit: int = 12) -> str:
    """Format feature ids for a message: ``P1, P2, … (+3 more)``."""
    items = [str(i) for i in ids]
    head = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{head} (+{more} more)" if more > 0 else head


class Problems:
    """A list of problems with one place that turns them into a single error.

    Each problem is one line that names where (file, layer, feature) and what to do.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._items: list[str] = []

    def add(self, where: str, problem: str, fix: str) -> None:
        self._items.append(f"{where}: {problem}. Fix: {fix}.")

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def raise_if_any(self, error: type[EipgisError] = LayerError) -> None:
        if self._items:
            n = len(self._items)
            noun = "problem" if n == 1 else "problems"
            raise error(f"{self.source}: {n} {noun} found", problems=self._items)
