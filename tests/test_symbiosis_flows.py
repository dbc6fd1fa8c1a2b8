"""Flow inventories: unit conversion with pint, the material vocabulary, bad flow files."""

from __future__ import annotations

import pytest
from _symbiosis import write_flows, write_network_park

import eipgis
from eipgis.symbiosis import (
    convert,
    estimate_neighbourhood_flows,
    load_vocabulary,
    parse_unit,
    read_flows,
)
from eipgis.symbiosis.vocab import UnitProblem


@pytest.mark.parametrize(("quantity", "unit", "to", "expected"), [
    (12_000, "t/yr", "t/yr", 12_000),
    (850, "kt/yr", "t/yr", 850_000),
    (3_000, "m3/d", "m3/yr", 3_000 * 365.25),
    (3_000, "m³/day", "m3/yr", 3_000 * 365.25),
    (3_000, "m3/ngày đêm", "m3/yr", 3_000 * 365.25),
    (120, "tấn/năm", "t/yr", 120),
    (5_000, "MWh/yr", "MWh/yr", 5_000),
    (15, "MW", "MWh/yr", 15 * 8_766),  # continuous power over pint's year of 365.25 days
    (2, "t/day", "t/yr", 730.5),
])
def test_units_as_planners_write_them(quantity, unit, to, expected):
    assert convert(quantity, unit, to) == pytest.approx(expected)


def test_unknown_unit_and_not_a_rate():
    with pytest.raises(UnitProblem):
        parse_unit("bananas/yr")
    with pytest.raises(UnitProblem, match="cannot be converted"):
        convert(5, "t", "t/yr")  # a stock, not a flow per year
    with pytest.raises(UnitProblem):
        convert(5, "MWh/yr", "t/yr")


def test_vocabulary_synonyms_in_both_languages():
    vocab = load_vocabulary()
    assert vocab.resolve("Thạch cao phospho") == "phosphogypsum"
    assert vocab.resolve("PG") == "phosphogypsum"
    assert vocab.resolve("GBFS") == "blast_furnace_slag"
    assert vocab.resolve("xỉ hạt lò cao") == "blast_furnace_slag"
    assert vocab.resolve("treated effluent") == "treated_wastewater"
    assert vocab.resolve("CTRSH") == "municipal_solid_waste"
    assert vocab.resolve("unobtainium") is None
    for row in vocab.compatibility:
        assert row.source  # every compatibility row has its source
        if row.avoided_kgco2_per_unit is not None:
            assert row.factor_source


@pytest.fixture
def park(tmp_path):
    return eipgis.load_park(write_network_park(tmp_path / "park.gpkg"))


def test_read_flows_converts_to_canonical_units(tmp_path, park):
    path = write_flows(tmp_path / "flows.csv", [
        ("F1", "supply", "Xỉ hạt lò cao", 100, "kt/yr"),
        ("P1", "supply", "treated effluent", 10, "m³/day"),
        ("F2", "nhu cầu", "phụ gia xi măng", 50_000, "t/yr"),
        ("Thôn Làng Mới", "demand", "irrigation_water", 1, "m3/d"),
    ], header="node,direction,material,quantity,unit")
    flows = read_flows(path, park)
    assert flows["material"].tolist() == ["blast_furnace_slag", "treated_wastewater", "cement_additive",
                                          "irrigation_water"]
    assert flows["quantity"].tolist() == pytest.approx([100_000, 3652.5, 50_000, 365.25])
    assert flows["unit"].tolist() == ["t/yr", "m3/yr", "t/yr", "m3/yr"]
    assert flows["direction"].tolist() == ["supply", "supply", "demand", "demand"]
    assert flows["node_kind"].tolist() == ["facility", "parcel", "facility", "neighbourhood"]


def test_yaml_flows_with_quality_field(tmp_path, park):
    path = tmp_path / "flows.yaml"
    path.write_text("flows:\n  - {node: F1, direction: supply, material: waste heat, quantity: 2,"
                    " unit: MW, temperature_c: 180}\n", encoding="utf-8")
    flows = read_flows(path, park)
    assert flows.loc[0, "quantity"] == pytest.approx(2 * 8766)
    assert flows.loc[0, "temperature_c"] == 180


def test_bad_flows_are_listed_together(tmp_path, park):
    path = write_flows(tmp_path / "flows.csv", [
        ("F1", "supply", "blast_furnace_slag", 100, "t/yr"),
        ("F9", "supply", "blast_furnace_slag", 100, "t/yr"),        # row 3: unknown node
        ("F2", "demand", "kryptonite", 5, "t/yr"),                   # row 4: unknown material
        ("F2", "demand", "cement_additive", 5, "bananas/yr"),        # row 5: unknown unit
        ("F2", "demand", "cement_additive", -5, "t/yr"),             # row 6: negative
        ("F2", "sideways", "cement_additive", 5, "t/yr"),            # row 7: bad direction
        ("F9", "demand", "cement_additive", 5, "t/yr"),              # row 8: unknown node again
    ])
    with pytest.raises(eipgis.InputError) as info:
        read_flows(path, park)
    text = str(info.value)
    assert "flows.csv" in text
    assert "rows 3, 8: unknown node 'F9'" in text
    assert "row" in text and "unknown material 'kryptonite'" in text
    assert "unknown unit 'bananas/yr'" in text
    assert "negative" in text and "row 6" in text
    assert "unknown direction 'sideways'" in text
    assert len(info.value.problems) == 5


def test_missing_columns(tmp_path, park):
    path = tmp_path / "flows.csv"
    path.write_text("node,material,quantity\nF1,slag,3\n", encoding="utf-8")
    with pytest.raises(eipgis.InputError, match="missing column"):
        read_flows(path, park)


def test_missing_flow_file(tmp_path, park):
    with pytest.raises(eipgis.InputError, match="no such flow file"):
        read_flows(tmp_path / "none.csv", park)


def test_neighbourhood_flows_estimated_from_population(tmp_path, park):
    flows = read_flows(write_flows(tmp_path / "f.csv", [("F1", "supply", "blast_furnace_slag", 1, "t/yr")]),
                       park)
    out = estimate_neighbourhood_flows(park, flows)
    est = out[out["estimated"].astype(bool)].set_index("material")
    # 1,200 people × 1.08 kg/day × 365.25 days = 473.364 t/yr; × 10 L/day = 4,383 m3/yr
    assert est.loc["municipal_solid_waste", "quantity"] == pytest.approx(1200 * 1.08 * 365.25 / 1000)
    assert est.loc["irrigation_water", "quantity"] == pytest.approx(1200 * 0.010 * 365.25)
    assert (est["node"] == "Thôn Làng Mới").all()
    assert est["source"].str.len().gt(0).all()
    # a flow the planner gives wins over the estimate
    given = read_flows(write_flows(tmp_path / "g.csv", [("Thôn Làng Mới", "supply", "MSW", 2, "t/day")]), park)
    out = estimate_neighbourhood_flows(park, given)
    msw = out[out["material"].eq("municipal_solid_waste")]
    assert len(msw) == 1 and not bool(msw["estimated"].iloc[0])
