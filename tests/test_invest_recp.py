"""eipgis invest --recp: intensities against benchmarks and candidate measures, worked by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import eipgis
from eipgis.cli import main
from eipgis.invest import InvestError, load_parameters
from eipgis.invest.appraisal import appraise
from eipgis.invest.recp import (
    candidate_measures,
    intensities,
    propose,
    read_benchmarks,
    read_catalogue,
)

X, Y = 420_000, 2_490_000  # VN-2000 / Lào Cai (EPSG:9208), metres
CRS = "EPSG:9208"

# Three enterprises (blank = not reported):
#          sector           energy MWh  water m³  waste t  output bn VND  workers
#   E1     slag grinding    5,000       10,000    200      80             50
#   E2     slag grinding    3,000        6,000    –        40             30
#   E3     metal packaging    400        –         20      –              20
ENTERPRISES = pd.DataFrame({
    "enterprise_id": ["E1", "E2", "E3"],
    "sector": ["slag grinding", "slag grinding", "metal packaging"],
    "energy_mwh_yr": [5000, 3000, 400],
    "water_m3_yr": [10000, 6000, None],
    "waste_t_yr": [200, None, 20],
    "output_value_bn_vnd": [80, 40, None],
    "workers": [50, 30, 20],
})

BENCHMARKS = """\
schema_version: 1
benchmarks:
  - sectors: [grinding]
    resource: energy
    per: output
    value: 50
    unit: MWh/bn VND
    source: "test benchmark"
    status: assumption
"""

CATALOGUE = """\
schema_version: 1
measures:
  - key: vsd
    title: Variable-speed drives
    title_vi: Biến tần
    sectors: all
    resource: energy
    saving_share: 0.03
    payback_years: [1, 3]
    lifetime_years: 10
    source: "test"
    status: assumption
  - key: water-recycling
    title: Water recycling
    title_vi: Tuần hoàn nước
    sectors: [grinding]
    resource: water
    saving_share: 0.2
    capex_per_unit_saved: 5000
    lifetime_years: 15
    source: "test"
    status: assumption
"""


def _frames() -> dict[str, gpd.GeoDataFrame]:
    return {
        "boundary": gpd.GeoDataFrame({"name": ["Demo"]}, geometry=[box(X, Y, X + 1000, Y + 1000)], crs=CRS),
        "landuse": gpd.GeoDataFrame({"parcel_id": ["P1"], "landuse": ["CN"]},
                                    geometry=[box(X, Y, X + 1000, Y + 1000)], crs=CRS),
    }


@pytest.fixture(scope="module")
def park() -> eipgis.Park:
    return eipgis.park_from_frames(**_frames(), enterprises=ENTERPRISES)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    bench, cat = tmp_path / "bench.yaml", tmp_path / "cat.yaml"
    bench.write_text(BENCHMARKS, encoding="utf-8")
    cat.write_text(CATALOGUE, encoding="utf-8")
    return bench, cat


def _row(table: pd.DataFrame, level: str, key: str, resource: str) -> dict:
    column = "enterprise_id" if level == "enterprise" else "sector"
    hit = table[(table["level"] == level) & (table[column] == key) & (table["resource"] == resource)]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_intensities_per_enterprise_and_sector(tmp_path, park):
    bench, _ = _files(tmp_path)
    table = intensities(park, read_benchmarks(bench))
    e1 = _row(table, "enterprise", "E1", "energy")
    # 5,000 MWh / 80 bn VND = 62.5 MWh per bn VND; benchmark 50 → 1.25 ×
    assert e1["intensity"] == pytest.approx(62.5) and e1["unit"] == "MWh/bn VND"
    assert e1["ratio"] == pytest.approx(1.25) and e1["benchmark_status"] == "assumption"
    assert _row(table, "enterprise", "E2", "energy")["ratio"] == pytest.approx(1.5)  # 3,000 / 40 / 50
    # water 10,000 / 80 = 125 m³ per bn VND, no water benchmark: computed, not compared
    w1 = _row(table, "enterprise", "E1", "water")
    assert w1["intensity"] == pytest.approx(125) and _blank(w1["ratio"]) and "not compared" in w1["note"]
    # E3 has no output: per worker, 400 MWh / 20 workers = 20; 20 t / 20 = 1 t per worker
    e3 = _row(table, "enterprise", "E3", "energy")
    assert e3["basis"] == "worker" and e3["intensity"] == pytest.approx(20) and e3["unit"] == "MWh/worker"
    assert "per worker" in e3["note"] and _blank(e3["ratio"])  # the benchmark is per output only
    assert _row(table, "enterprise", "E3", "waste")["intensity"] == pytest.approx(1.0)
    # sector slag grinding: Σ/Σ = (5,000 + 3,000) / (80 + 40) = 66.667; / 50 = 1.3333
    s = _row(table, "sector", "slag grinding", "energy")
    assert s["intensity"] == pytest.approx(8000 / 120) and s["ratio"] == pytest.approx(8000 / 120 / 50)
    assert s["enterprises"] == 2
    # waste: only E1 reports it with output → 200 / 80 = 2.5, and the note says 1 of 2
    sw = _row(table, "sector", "slag grinding", "waste")
    assert sw["intensity"] == pytest.approx(2.5) and "1 of 2 enterprises" in sw["note"]


def test_missing_figures_are_not_compared_never_zero(tmp_path, park):
    bench, _ = _files(tmp_path)
    table = intensities(park, read_benchmarks(bench))
    waste = _row(table, "enterprise", "E2", "waste")  # E2 reports no waste
    assert _blank(waste["intensity"]) and _blank(waste["ratio"]) and _blank(waste["amount"])
    assert waste["note"] == "no waste_t_yr: not computed"
    water = _row(table, "sector", "metal packaging", "water")  # E3 reports no water
    assert _blank(water["intensity"]) and "not computed" in water["note"]


def test_candidate_benefit_capex_and_co2_by_hand(tmp_path, park):
    bench, cat = _files(tmp_path)
    params = load_parameters()
    candidates = propose(park, params, read_catalogue(cat), read_benchmarks(bench))
    # vsd at E1, E2, E3 (all sectors); water recycling at E1, E2 only (grinding; E3 reports no water)
    assert sorted(candidates["id"]) == ["R-E1-vsd", "R-E1-water-recycling", "R-E2-vsd",
                                        "R-E2-water-recycling", "R-E3-vsd"]
    vsd = candidates.set_index("id").loc["R-E1-vsd"]
    # 3 % of 5,000 MWh = 150 MWh = 150,000 kWh; × 2,103.11 VND/kWh (shipped price) = 315,466,500 VND/yr
    # capex = midpoint of 1–3 yr payback (2) × 315,466,500 = 630,933,000; CO₂ 150 × 0.6592 = 98.88 t
    assert vsd["quantity_per_year"] == 150_000 and vsd["price"] == "electricity"
    assert vsd["capex"] == 630_933_000 and vsd["co2_t_per_year"] == pytest.approx(98.88)
    water = candidates.set_index("id").loc["R-E1-water-recycling"]
    # 20 % of 10,000 m³ = 2,000 m³; capex 5,000 VND per m³/yr saved × 2,000 = 10,000,000; no CO₂
    assert water["quantity_per_year"] == 2000 and water["capex"] == 10_000_000
    assert _blank(water["co2_t_per_year"])
    measures = candidate_measures(candidates, params, park).set_index("id")
    assert measures.loc["R-E1-vsd", "benefit_per_year"] == pytest.approx(315_466_500)
    assert measures.loc["R-E1-water-recycling", "benefit_per_year"] == pytest.approx(2000 * 15_000)
    appraised = appraise(measures.reset_index(), params).set_index("id")
    # NPV = −630,933,000 + 315,466,500 × (1 − 1.1⁻¹⁰) / 0.1 = −630,933,000 + 315,466,500 × 6.144567
    assert appraised.loc["R-E1-vsd", "npv"] == pytest.approx(-630_933_000 + 315_466_500 * 6.144567, rel=1e-6)
    assert appraised.loc["R-E1-vsd", "payback_years"] == pytest.approx(2.0)


def _folder_park(tmp_path: Path) -> Path:
    folder = tmp_path / "park"
    folder.mkdir()
    for layer, frame in _frames().items():
        frame.to_file(folder / f"{layer}.geojson", driver="GeoJSON")
    ENTERPRISES.to_csv(folder / "enterprises.csv", index=False)
    return folder


def run_cli(args: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_cli_writes_intensities_candidates_and_appraises_them(tmp_path, capsys):
    folder = _folder_park(tmp_path)
    bench, cat = _files(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = run_cli(["invest", "--recp", folder, "--recp-benchmarks", bench,
                                 "--recp-catalogue", cat, "-o", out], capsys)
    assert code == 0, err
    assert {"recp_intensities.csv", "recp_candidates.csv", "measures.json", "macc.png"} <= {
        p.name for p in out.iterdir()}
    doc = json.loads((out / "measures.json").read_text(encoding="utf-8"))
    npv = {m["id"]: m["npv"] for m in doc["measures"]}
    assert npv["R-E1-vsd"] == pytest.approx(-630_933_000 + 315_466_500 * 6.144567, rel=1e-6)
    assert "R-E1-vsd: NPV" in stdout and "5 candidate measures" in err
    # the candidates are a measures file: the planner edits it and appraises it again
    edited = pd.read_csv(out / "recp_candidates.csv")
    edited = edited[edited["id"] == "R-E1-vsd"].assign(capex=315_466_500)  # 1-year payback instead
    edited.to_csv(tmp_path / "edited.csv", index=False)
    code, _, err = run_cli(["invest", tmp_path / "edited.csv", "--park", folder, "-o", tmp_path / "again"],
                           capsys)
    assert code == 0, err
    again = json.loads((tmp_path / "again" / "measures.json").read_text(encoding="utf-8"))
    assert again["measures"][0]["payback_years"] == pytest.approx(1.0)
    # its case names the parameters this measure uses (price, discount rate), not the link unit costs
    case = tmp_path / "case.md"
    code, _, err = run_cli(["invest", tmp_path / "edited.csv", "--case", "R-E1-vsd", "-o", case], capsys)
    assert code == 0, err
    text = case.read_text(encoding="utf-8")
    assert "prices.electricity (unverified)" in text and "costs.pipe" not in text.replace("\\_", "_")


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("cat.yaml", CATALOGUE.replace("saving_share: 0.03", "saving_share: 1.5"), "measures[0].saving_share"),
    ("cat.yaml", CATALOGUE.replace("    payback_years: [1, 3]\n", ""), "exactly one of payback_years"),
    ("bench.yaml", BENCHMARKS.replace("MWh/bn VND", "kWh/t"), "write MWh/bn VND"),
    ("bench.yaml", BENCHMARKS.replace("status: assumption", "status: guessed"), "benchmarks[0].status"),
])
def test_bad_catalogue_or_benchmarks_exit_2_and_write_nothing(tmp_path, capsys, name, text, expected):
    folder = _folder_park(tmp_path)
    bench, cat = _files(tmp_path)
    (tmp_path / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(["invest", "--recp", folder, "--recp-benchmarks", bench, "--recp-catalogue", cat,
                            "-o", out], capsys)
    assert code == 2 and str(tmp_path / name) in err and expected in err, err
    assert "Traceback" not in err and not out.exists()


def test_recp_needs_enterprises_and_excludes_a_measures_file(tmp_path, capsys, park):
    bare = eipgis.park_from_frames(**_frames())
    with pytest.raises(InvestError, match="no enterprises table"):
        intensities(bare, [])
    folder = _folder_park(tmp_path)
    measures = tmp_path / "m.csv"
    measures.write_text("id,title,kind,enterprise,capex,benefit_per_year,lifetime_years\n"
                        "M1,x,recp,E1,1,1,1\n", encoding="utf-8")
    code, _, err = run_cli(["invest", measures, "--recp", folder, "-o", tmp_path / "o"], capsys)
    assert code == 2 and "one of the two" in err
    code, _, err = run_cli(["invest", "-o", tmp_path / "o"], capsys)
    assert code == 2 and "--recp PARK" in err and not (tmp_path / "o").exists()


def test_shipped_catalogue_and_benchmarks_carry_sources_and_status():
    for item in [*read_catalogue(), *read_benchmarks()]:
        assert item.source.strip() and item.status in ("sourced", "unverified", "assumption")
    params = load_parameters()
    assert params["emission_factors"]["grid_electricity"]["value"] == 0.6592
    assert {"electricity", "water"} <= set(params["prices"])


def test_no_candidate_writes_the_intensities_and_says_why(tmp_path, capsys):
    folder = _folder_park(tmp_path)
    (folder / "enterprises.csv").write_text("enterprise_id,sector,workers\nE1,steel,10\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(["invest", "--recp", folder, "-o", out], capsys)
    assert code == 0 and "no RECP candidate" in err, err
    assert sorted(p.name for p in out.iterdir()) == ["recp_candidates.csv", "recp_intensities.csv"]
    table = pd.read_csv(out / "recp_intensities.csv")
    assert table["intensity"].isna().all()  # workers alone give no intensity: nothing to divide
    assert (table["note"].str.contains("not computed")).all()
