"""The package's layers: every module imports, imports flow one way, and no import cycle.

The layers are the design's module map (README "Layout"): a module may import modules of its own
layer or below it, never above. Lazy imports inside functions count too: a cycle hidden in a
function is still a cycle.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import eipgis

PACKAGE = Path(eipgis.__file__).resolve().parent

#: Lowest first. A unit is a top-level module or a subpackage of eipgis.
LAYERS: list[tuple[str, ...]] = [
    ("errors",),
    ("_validate", "_yamlfile", "io", "_postgres", "_provinces", "crs", "landuse", "expr", "_words", "_markup",
     "_hazard", "_tables", "_enterprises"),
    ("park",),
    ("_zonal", "synth"),
    ("indicators", "_tabular"),
    ("criteria",),
    ("raster",),  # observed green: adds OBS-GREEN criteria to a set
    ("plans", "symbiosis", "monitor"),
    ("present",),
    ("assess", "portfolio", "invest", "cli", "_monitor_view_cli", "qgis", "qgis_plugin", "__init__",
     "__main__"),
]
LAYER_OF = {unit: i for i, units in enumerate(LAYERS) for unit in units}


def _modules() -> dict[str, Path]:
    """Dotted name (relative to eipgis) → file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _unit(name: str) -> str:
    return name.split(".")[0]


def _imports(name: str, path: Path) -> set[str]:
    """Modules of eipgis that ``name`` imports, anywhere in its file."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    if name == "__init__":
        here = []
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.split(".")[0] == "eipgis":
                mod = ".".join(node.module.split(".")[1:])
            else:
                continue
            targets.append(mod)
            targets += [f"{mod}.{a.name}" if mod else a.name for a in node.names]
        elif isinstance(node, ast.Import):
            targets += [".".join(a.name.split(".")[1:]) for a in node.names
                        if a.name.split(".")[0] == "eipgis"]
        for t in targets:
            if t in MODULES and t != name:
                found.add(t)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_every_unit_has_a_layer() -> None:
    units = {_unit(n) for n in MODULES} - {""}
    assert units <= set(LAYER_OF), f"add to LAYERS: {sorted(units - set(LAYER_OF))}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_flow_down(name: str) -> None:
    src = LAYER_OF[_unit(name)] if name else LAYER_OF["__init__"]
    upward = sorted(t for t in GRAPH[name] if LAYER_OF[_unit(t)] > src)
    assert not upward, f"eipgis.{name} imports from a higher layer: {upward}"


def test_no_import_cycle() -> None:
    # Importing a package runs its __init__, so a submodule importing its parent package is not
    # an edge that matters for layering but is for cycles: count every edge.
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(GRAPH[n]):
            if m.startswith(f"{n}.") or n.startswith(f"{m}."):
                continue  # a package and its own submodules
            if state.get(m) == 1:
                cycles.append([*stack[stack.index(m):], m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(GRAPH):
        if n not in state:
            visit(n)
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.endswith("__main__")))
def test_every_module_imports(name: str) -> None:
    full = f"eipgis.{name}" if name != "__init__" else "eipgis"
    try:
        importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name != "qgis" and not str(exc.name).startswith("qgis."):
            raise
        # The Processing algorithms subclass PyQGIS classes; tests/test_qgis.py imports them
        # under QGIS's own Python.
        assert name.startswith(("qgis.", "qgis_plugin")), f"eipgis.{name} needs PyQGIS at import"
