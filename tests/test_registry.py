"""The indicator registry is the one place that knows an indicator; the public API is complete.

A toy indicator registered here (and nowhere else) is recomputed by the evaluator, targeted by
the optimizer and highlighted on the web map; no module but ``indicators.py`` compares an
indicator with a literal name; one lower-bound function; ``import eipgis`` gives every name
the README's Python examples use and every public error class.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import eipgis
from eipgis import indicators
from eipgis.criteria import CriteriaSet, check
from eipgis.indicators import INDICATORS, Highlight, LinearTerm, Measure, ShareDetail, indicator
from eipgis.present._mapdata import layer_geojson
from tests.conftest import square_park_layers, write_park

PACKAGE = Path(eipgis.__file__).resolve().parent
README = Path(__file__).resolve().parents[1] / "README.md"  # the checkout, wherever eipgis is installed


# --- a toy indicator, registered in the test only ---------------------------------------------


def _toy_share_linear(park, params, failing) -> LinearTerm:
    return LinearTerm(park.landuse.geometry.area.to_numpy(),
                      tuple(params.get("classes", ("technical",))), denominator=park.area_m2)


def _toy_share(park, *, classes=("technical",)) -> Measure:
    """Share of the park in ``classes`` (default: technical land)."""
    in_class = park.landuse["landuse_class"].isin(list(classes))
    area = float(park.landuse.geometry[in_class].area.sum())
    return Measure(value=area / park.area_m2, extent_m2=park.area_m2,
                   detail=ShareDetail(area / 1e4))


def _toy_plot_size(park, *, classes=("industrial",)) -> Measure:
    """Each plot's share of the park (a per-plot ceiling)."""
    import pandas as pd

    plots = park.landuse[park.landuse["landuse_class"].isin(list(classes))]
    area = plots.geometry.area.to_numpy()
    frame = pd.DataFrame({"value": area / park.area_m2, "extent_m2": park.area_m2},
                         index=pd.Index(plots["parcel_id"].astype(str), name="parcel_id"))
    return Measure(value=float(area.max()) / park.area_m2, per_feature=frame)


@pytest.fixture
def toys():
    indicator("toy_technical_share", gap="area", unit="share", linear=_toy_share_linear,
              target="share", chart=True)(_toy_share)
    indicator("toy_plot_size", gap="per_feature_area", unit="share",
              highlight=Highlight("parcels", style="density", label="density"))(_toy_plot_size)
    yield
    INDICATORS.pop("toy_technical_share")
    INDICATORS.pop("toy_plot_size")


def _criterion(cid: str, ind: str, op: str, threshold: float) -> dict:
    return {"id": cid, "title": {"en": cid, "vi": cid}, "indicator": ind, "op": op,
            "threshold": threshold, "unit": "share", "source": "a test", "status": "confirmed"}


@pytest.fixture
def square(tmp_path):
    return eipgis.load_park(write_park(tmp_path / "square.gpkg", square_park_layers()))


def test_evaluator_recomputes_a_registered_toy_indicator(toys, square):
    from eipgis.plans._reassign import Evaluator, linear_indicators

    cset = CriteriaSet.model_validate({"schema_version": 1, "id": "toy", "title": {"en": "t", "vi": "t"},
                                       "criteria": [_criterion("TOY-TECH", "toy_technical_share",
                                                               ">=", 0.03)]})
    assert "toy_technical_share" in linear_indicators()
    frame = Evaluator(square, cset).evaluate([{"P1": "technical"}, {"G1": "technical"}])
    # E1 is 1 ha of 100 ha; P1 adds 25 ha, G1 adds 1 ha.
    assert frame["TOY-TECH"].tolist() == pytest.approx([0.01, 0.26, 0.02])
    assert frame["TOY-TECH passed"].tolist() == [False, True, False]


def test_optimizer_targets_a_registered_toy_share(toys, square):
    from eipgis.plans.optimize import optimize, targeted_indicators

    cset = CriteriaSet.model_validate({"schema_version": 1, "id": "toy", "title": {"en": "t", "vi": "t"},
                                       "criteria": [_criterion("TOY-TECH", "toy_technical_share",
                                                               ">=", 0.03)]})
    assert "toy_technical_share" in targeted_indicators()
    plan = optimize(square, criteria=cset, solver="cbc")
    assert plan.targeted == ["TOY-TECH"]
    assert plan.lower_bound_ha == pytest.approx(2.0)  # 3 % of 100 ha less the 1 ha of E1
    assert plan.passed and plan.report["TOY-TECH"].value >= 0.03 - 1e-9
    assert plan.plan_ha <= 1.10 * plan.lower_bound_ha


def test_web_map_highlights_a_registered_toy_indicator(toys, square):
    from eipgis.present.webmap import park_map

    cset = CriteriaSet.model_validate({"schema_version": 1, "id": "toy", "title": {"en": "t", "vi": "t"},
                                       "criteria": [_criterion("TOY-PLOT", "toy_plot_size",
                                                               "<=", 0.26)]})
    m = park_map(square, criteria=cset, tiles=None)
    found = {c.layer_name: layer_geojson(c.data) for c in m._children.values()
             if type(c).__name__ == "GeoLayer" and c.layer_name.startswith("Plots over building density")}
    # P3 is 29.7 ha of 100 ha, over the 26 % ceiling; P1 (25 %) and P2 (24.5 %) are not.
    assert list(found) == ["Plots over building density (1)"]  # plain words, no criterion id
    (data,) = found.values()
    assert [(f["properties"]["id"], f["properties"]["density"], f["properties"]["limit"])
            for f in data["features"]] == [("P3", "29.7 %", "26.0 %")]


# --- no indicator names outside the registry ----------------------------------------------------

BUILT_IN = {"landuse_share", "plot_building_density", "plot_green_share", "isolation_strip",
            "safety_distance", "wwtp_count", "green_cover_share", "observed_green_share",
            "green_parcels_observed"}


def _named_indicators(node: ast.AST) -> list[str]:
    """Indicator names written as literals in ``node`` (a string, or a tuple/list/set of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value in BUILT_IN else []
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [n for elt in node.elts for n in _named_indicators(elt)]
    return []


def name_switches(root: Path) -> list[str]:
    """``x == "isolation_strip"``, ``x in ("landuse_share", …)`` or ``f(r, "safety_distance")``
    outside indicators.py (the raster module registers its own two)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.parent == root and path.name in ("indicators.py", "raster.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            sides: list[ast.AST] = []
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
            elif isinstance(node, ast.Call):
                sides = [*node.args, *(k.value for k in node.keywords)]
            for side in sides:
                for name in _named_indicators(side):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {name}")
    return found


def test_no_module_switches_on_indicator_names():
    assert set(INDICATORS) >= BUILT_IN - {"observed_green_share", "green_parcels_observed"}
    assert name_switches(PACKAGE) == []


def test_the_scan_finds_a_name_switch(tmp_path):
    (tmp_path / "mod.py").write_text(
        'def f(c):\n    if c.indicator == "isolation_strip":\n        return 1\n'
        '    return c.indicator in ("landuse_share", "other")\n', encoding="utf-8")
    (tmp_path / "web.py").write_text('rows = _results(report, "safety_distance")\n',
                                     encoding="utf-8")
    assert name_switches(tmp_path) == ["mod.py:2: isolation_strip", "mod.py:4: landuse_share",
                                       "web.py:1: safety_distance"]


# --- the registry's metadata --------------------------------------------------------------------


def test_registry_defaults_come_from_the_indicator_signature():
    strip = INDICATORS["isolation_strip"]
    assert strip.default_params == {"width_m": 10.0, "classes": ("green",)}
    assert strip.classes({}) == ["green"]
    assert strip.classes({"classes": ["green", "water"]}) == ["green", "water"]
    assert INDICATORS["plot_green_share"].classes({}) == ["industrial"]
    assert INDICATORS["isolation_strip"].param({"width_m": 20}, "width_m") == 20


def test_one_lower_bound_function():
    from types import SimpleNamespace as C

    from eipgis.plans._bound import lower_bound_m2

    shares = [C(id="G", indicator="landuse_share", params={"classes": ["green"]}, op=">="),
              C(id="GC", indicator="green_cover_share", params={}, op=">="),
              C(id="T", indicator="landuse_share", params={"classes": ["traffic"]}, op=">="),
              C(id="GT", indicator="landuse_share", params={"classes": ["green", "traffic"]}, op=">="),
              C(id="IND", indicator="landuse_share", params={"classes": ["industrial"]}, op="<=")]
    needs = {"G": 30_000.0, "GC": 50_000.0, "T": 20_000.0, "GT": 60_000.0, "IND": 99_000.0}
    # green: the larger of 3 and 5 ha; traffic 2 ha; together 7 ha > the combined 6 ha; the
    # ceiling counts nothing.
    assert lower_bound_m2(shares, needs) == pytest.approx(70_000.0)
    # The strip's ungreen band (8 ha) and the green shortfall overlap: 8 + 2 ha.
    assert lower_bound_m2(shares, needs, strip_m2=80_000.0) == pytest.approx(100_000.0)
    # Nothing else does this arithmetic: the optimizer and the candidate builder call it.
    for name in ("optimize.py", "_candidates.py"):
        text = (PACKAGE / "plans" / name).read_text(encoding="utf-8")
        assert "lower_bound_m2(" in text and "by_class[" not in text, name


def test_typed_details_keep_the_json_keys(square):
    strip = check(square, "vn-qcvn-01-2021")["VN21-BUF-STRIP"]
    assert isinstance(strip.measure.detail, indicators.StripDetail)
    assert set(strip.to_dict()["details"]) == {"width_m", "band_ha", "green_ha", "ungreen_ha",
                                               "ungreen_length_m"}
    assert strip.to_dict()["details"]["band_ha"] == pytest.approx(3.96)
    wwtp = check(square, "vn-eip-decree-35")["VN35-EIP-WWTP"]
    assert wwtp.to_dict()["details"] == {"parcels": ["E1"]}


# --- the public API -----------------------------------------------------------------------------


def _readme_python() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_every_name_the_readme_uses_exists():
    blocks = _readme_python()
    assert blocks
    checked = []
    for block in blocks:
        aliases = {}
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == "eipgis":
                        aliases[a.asname or a.name] = importlib.import_module(a.name)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eipgis"):
                module = importlib.import_module(node.module)
                for a in node.names:
                    value = getattr(module, a.name, None)
                    if value is None:  # a submodule not imported yet
                        value = importlib.import_module(f"{node.module}.{a.name}")
                    aliases[a.asname or a.name] = value
                    checked.append(f"{node.module}.{a.name}")
        for node in ast.walk(ast.parse(block)):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases
                    and isinstance(aliases[node.value.id], type(eipgis))):
                owner = aliases[node.value.id]
                assert hasattr(owner, node.attr), f"README uses {node.value.id}.{node.attr}"
                checked.append(f"{node.value.id}.{node.attr}")
    assert {"eipgis.load_park", "eipgis.check", "eipgis.Scenario", "eipgis.compare"} <= set(checked)
    # Top-level names the README uses (other than subpackages) are in __all__.
    for name in checked:
        if name.startswith("eipgis.") and name.count(".") == 1:
            value = getattr(eipgis, name.split(".")[1])
            assert isinstance(value, type(eipgis)) or name.split(".")[1] in eipgis.__all__, name


def test_dotted_names_in_the_readme_text_exist():
    text = README.read_text(encoding="utf-8")
    for dotted in sorted(set(re.findall(r"`(eipgis(?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text))):
        parts = dotted.split(".")
        obj = None
        for i in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for attr in parts[i:]:
                assert hasattr(obj, attr), f"README names {dotted}"
                obj = getattr(obj, attr)
            break
        assert obj is not None, dotted


def test_every_public_error_is_exported():
    from eipgis.errors import EipgisError

    for module in ("expr", "raster", "plans.ops", "plans.scenario", "plans.optimize",
                   "symbiosis.register", "symbiosis.network", "symbiosis.flows",
                   "symbiosis.vocab", "symbiosis.matching", "criteria", "park", "io", "crs"):
        importlib.import_module(f"eipgis.{module}")
    seen, todo = set(), [EipgisError]
    while todo:
        cls = todo.pop()
        seen.add(cls)
        todo += cls.__subclasses__()
    public = {c for c in seen if not c.__name__.startswith("_")
              and c.__module__.startswith("eipgis") and not c.__module__.startswith("eipgis.qgis")}
    assert {c.__name__ for c in public} >= {"ScenarioError", "ExprError", "RegisterBusyError",
                                             "InfeasibleError", "OutputError", "CRSError"}
    for cls in public:
        assert cls.__name__ in eipgis.__all__, cls
        assert getattr(eipgis, cls.__name__) is cls
