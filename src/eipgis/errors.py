"""One family of errors: every problem eipgis reports to a planner is an ``EipgisError``."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CRSError",
    "CriteriaError",
    "EipgisError",
    "InfeasibleError",
    "InputError",
    "LayerError",
    "OutputError",
]


class EipgisError(Exception):
    """Base class of every error eipgis raises on purpose.

    The message is meant for a planner: it names the file, the layer, the feature and what to do.
    ``problems`` holds the individual problems when several were found in one pass.
    """

    def __init__(self, message: str, *, problems: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        if self.problems:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{message}\n{lines}"
        super().__init__(message)


class InputError(EipgisError, ValueError):
    """An input file cannot be used as it is."""


class LayerError(InputError):
    """A park layer is missing, malformed or inconsistent with the data contract."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or unusable for measuring."""


class CriteriaError(InputError):
    """A criteria file (YAML) is malformed; the message names the key."""


class OutputError(EipgisError, OSError):
    """An output cannot be written (exists already, or the folder is not writable)."""


class InfeasibleError(InputError):
    """No restructuring from the candidate actions meets the criteria; the message says why."""
