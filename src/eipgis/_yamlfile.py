"""Reading the planner's YAML files (criteria, scenarios, mappings) with messages that name the key."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError
    from pydantic_core import ErrorDetails

    from .errors import EipgisError

__all__ = ["error_lines", "key_path", "read_yaml", "read_yaml_file", "validate"]

#: Deepest nesting of lists and mappings accepted in a planner's YAML file.
MAX_DEPTH = 64
#: Most nodes a YAML file may hold once its aliases (``*name``) are expanded ("billion laughs").
MAX_NODES = 200_000
#: Longest integer literal accepted (Python refuses to convert more than 4,300 digits).
MAX_INT_DIGITS = 100

# Parts of a pydantic error location that name the type it tried, not a key of the file.
_TYPE_TAGS = {"float", "int", "str", "bool", "list", "dict", "function-after", "function-plain"}


def _check_tree(root: Any, *, where: str, error: type[EipgisError]) -> None:
    """Refuse a composed YAML tree that is too deep, too big once aliases expand, or holds huge ints.

    Walks the node graph without recursion; an alias is the same node object seen again, so its
    expanded size is counted from a memo, never by expanding it.
    """
    import yaml

    size: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            size[key] = 1 + sum(size.get(id(c), 1) for c in children)
            if size[key] > MAX_NODES:
                raise error(
                    f"{where}: holds more than {MAX_NODES:,} values once its aliases (*name) are "
                    "expanded. Fix: write the values out instead of repeating aliases."
                )
            continue
        if key in size:
            continue
        if key in on_path:  # a recursive alias: the node contains itself
            raise error(f"{where}: an alias refers to a value that contains it, at line "
                        f"{node.start_mark.line + 1}. Fix: remove the alias.")
        if depth > MAX_DEPTH:
            raise error(
                f"{where}: lists and mappings nested more than {MAX_DEPTH} deep, at line "
                f"{node.start_mark.line + 1}. Fix: check the indentation and brackets there."
            )
        if isinstance(node, yaml.ScalarNode):
            digits = node.value.lstrip("+-").replace("_", "")
            if node.tag == "tag:yaml.org,2002:int" and len(digits) > MAX_INT_DIGITS:
                raise error(
                    f"{where}: a number with {len(digits):,} digits at line {node.start_mark.line + 1}, "
                    f"column {node.start_mark.column + 1}. Fix: write a realistic number there."
                )
            size[key] = 1
            continue
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(node))


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def read_yaml(text: str, *, where: str, error: type[EipgisError]) -> Any:
    """Parse YAML text safely; every problem is ``error`` naming ``where`` (and the line).

    Only plain data is built (``yaml.SafeLoader``); the tree is checked for nesting depth,
    alias expansion and huge integers before any Python object is made from it.
    """
    import yaml

    class _Loader(yaml.SafeLoader):
        """SafeLoader that stops composing past :data:`MAX_DEPTH` (PyYAML recurses per level)."""

        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise error(
                        f"{where}: lists and mappings nested more than {MAX_DEPTH} deep, at line "
                        f"{mark.line + 1}. Fix: check the indentation and brackets there."
                    )
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_tree(node, where=where, error=error)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(
            f"{where}: not valid YAML{at} ({getattr(exc, 'problem', None) or exc}). "
            "Fix: check the indentation and quoting there."
        ) from None
    except RecursionError:
        raise error(
            f"{where}: lists and mappings nested too deeply. "
            "Fix: check the indentation and brackets of the file."
        ) from None
    except (ValueError, OverflowError, TypeError) as exc:  # e.g. a date like 2026-13-45
        if isinstance(exc, error):
            raise
        raise error(
            f"{where}: a value cannot be read ({exc}). Fix: check the dates and numbers in the file."
        ) from None


def read_yaml_file(
    path: str | Path, *, error: type[EipgisError], what: str = "YAML file", mapping: bool = True
) -> Any:
    """Read a planner's YAML file through the one safe text reader and parse it (:func:`read_yaml`).

    With ``mapping`` (the default) a top level that is a list or a single value is an error;
    an empty file gives None.
    """
    from .io import read_text_file

    data = read_yaml(read_text_file(path, what=what, error=error), where=str(path), error=error)
    if mapping and data is not None and not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"a single value ({str(data)[:40]!r})"
        raise error(
            f"{path}: expected a mapping (lines 'key: value') at the top level, found {found}. "
            f"Fix: compare the {what} with an example and check its first lines."
        )
    return data


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
    message: Callable[[ErrorDetails], str | None] | None = None,
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


def validate(
    model: Any,
    data: Any,
    *,
    where: str,
    what: str,
    error: type[EipgisError],
    variants: Iterable[str] = (),
    message: Callable[[ErrorDetails], str | None] | None = None,
    note: str = "",
) -> Any:
    """``model.model_validate(data)``; a bad file is one ``error`` listing each key path.

    The message reads "<where>: invalid <what>; fix the keys below<note>" followed by one line
    per key (``variants`` and ``message`` as for :func:`error_lines`).
    """
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(
            f"{where}: invalid {what}; fix the keys below{note}",
            problems=error_lines(exc, variants=variants, message=message),
        ) from None
