"""Flow inventories (YAML), the material vocabulary and register rows are checked by pydantic
models; every problem is named by its key path (``flows[1].quantity``) or its line and column."""

from __future__ import annotations

import pytest
from conftest import square_park_layers, write_park

from eipgis.errors import InputError
from eipgis.park import load_park
from eipgis.symbiosis import RegisterError, load_vocabulary, read_flows, read_register


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    return load_park(write_park(tmp_path_factory.mktemp("kp") / "square.gpkg", square_park_layers()))


def test_yaml_flows_name_each_bad_key(tmp_path, park):
    path = tmp_path / "flows.yaml"
    path.write_text(
        "flows:\n"
        "  - {node: F1, direction: supply, material: blast_furnace_slag, quantity: 100, unit: kt/yr}\n"
        "  - {node: F2, direction: demand, material: cement_additive, quantity: [1, 2], unit: t/yr}\n"
        "  - {node: F2, direction: demand, material: cement_additive, quantity: 3}\n"
        "  - {node: F2, direction: demand, material: cement_additive, quantity: 3, unit: t/yr,\n"
        "     basis: {a: 1}}\n"
        "flws: 3\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_flows(path, park)
    assert info.value.problems == [
        "flows[1].quantity: expected a single value, found a list",
        "flows[2].unit: missing; a flow has the keys node, direction, material, quantity, unit",
        "flows[3]: key 'basis' holds a dict; give a single value",
        "flws: unknown key; the top level holds 'flows' (and schema_version, name, description)",
    ]
    assert str(info.value).startswith(f"{path}: invalid flow inventory; fix the keys below")


def test_yaml_flow_values_are_named_by_the_same_key_path(tmp_path, park):
    path = tmp_path / "flows.yaml"  # a bare list is a flow file too
    path.write_text(
        "- {node: F1, direction: supply, material: blast_furnace_slag, quantity: 100, unit: kt/yr}\n"
        "- {node: F9, direction: demand, material: kryptonite, quantity: 3, unit: t/yr}\n",
        encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_flows(path, park)
    assert "flows[1]: unknown node 'F9'" in str(info.value)
    assert "flows[1]: unknown material 'kryptonite'" in str(info.value)


def test_material_vocabulary_names_each_bad_key(tmp_path):
    path = tmp_path / "materials.yaml"
    path.write_text("schema_version: 1\nmaterials:\n  slag:\n    en: Slag\n    unit: bananas/yr\n"
                    "    mode: ship\n    synonym: [x]\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_vocabulary(str(path))
    text = str(info.value)
    assert text.startswith(f"{path}: invalid material vocabulary; fix the keys below")
    assert "  - materials.slag.vi: Field required" in text
    assert "  - materials.slag.unit: 'bananas/yr' is not a unit eipgis can read" in text
    assert "  - materials.slag.mode: Input should be 'truck', 'pipe' or 'grid'" in text
    assert "  - materials.slag.synonym: Extra inputs are not permitted" in text


def test_the_built_in_vocabulary_passes_its_model():
    vocab = load_vocabulary()
    assert vocab.materials["blast_furnace_slag"].unit == "t/yr"
    assert vocab.resolve("xỉ hạt lò cao") == "blast_furnace_slag"


def test_register_rows_name_line_and_column(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("id,date,status,title\n"
                    "IS-01,2025-01-01,identified,Xỉ → xi măng\n"
                    "IS-02,1st March,done,PG → tấm\n"
                    ",2025-02-01,identified,no id\n", encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        read_register(path)
    assert info.value.problems == [
        ("line 3 (IS-02), column 'status': unknown status 'done'. Fix: use one of identified, "
         "feasibility, investment, implemented, on_hold, abandoned."),
        "line 3 (IS-02), column 'date': date '1st March' is not a date. Fix: write it as YYYY-MM-DD.",
        "line 4, column 'id': no id. Fix: give every row an opportunity id such as IS-01.",
    ]
