"""Reading the planner's YAML files (criteria, scenarios, mappings) with messages that name the key."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .errors import EipgisError

__all__ = ["read_yaml", "key_path", "error_lines"]

# Parts of a pydantic error location that name the type it tried, not a key of the file.
_TYPE_TAGS = {"float", "int", "str", "bool", "list", "dict", "function-after", "function-plain"}


def read_yaml(text: str, *, where: str, error: type[EipgisError]) -> Any:
    """Parse YAML text; a syntax error names the line and column of ``where``."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(
            f"{where}: not valid YAML{at} ({getattr(exc, 'problem', None) or exc}). "
            "Fix: check the indentation and quoting there."
        ) from None


def read_yaml_file(path: Path, *, error: type[EipgisError]) -> Any:
    """Read and parse a UTF-8 YAML file (see :func:`read_yaml`)."""
    return read_yaml(path.read_text(encoding="utf-8"), where=str(path), error=error)


def key_path(loc: Iterable[Any], *, variants: Iterable[str] = ()) -> str:
    """``criteria[2].threshold`` from a pydantic error location.

    ``variants`` are the tags of a discriminated union (e.g. scenario op names) that pydantic
    puts after a list index; they are dropped like the type names it tried.
    """
    variants = set(variants)
    out = ""
    previous: Any = None
    for part in loc:
        skip = isinstance(part, str) and (
            part in _TYPE_TAGS
            or part.startswith(("literal[", "list[", "dict["))
            or "[" in part
            or (part in variants and isinstance(previous, int))
        )
        previous = part
        if skip:
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def error_lines(
    exc: ValidationError,
    *,
    variants: Iterable[str] = (),
    message: Callable[[dict[str, Any]], str | None] | None = None,
) -> list[str]:
    """One line per key of the file, whatever pydantic tried for it.

    ``message`` may rewrite an error's text (return None to keep pydantic's).
    """
    variants = tuple(variants)
    by_key: dict[str, list[str]] = {}
    for err in exc.errors():
        msg = (message(err) if message else None) or err["msg"].removeprefix("Value error, ")
        msgs = by_key.setdefault(key_path(err["loc"], variants=variants), [])
        if msg not in msgs:
            msgs.append(msg)
    return [f"{key}: {' or '.join(msgs)}" for key, msgs in by_key.items()]
