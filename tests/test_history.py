"""The illustrative Tằng Loỏng history 2022–2026: rebuilt equal to the committed files, each year a
loadable park, and the changes layers/README.md describes, worked out by hand.

Needs no criteria engine: values are computed from the layers themselves (the same checks through
``eipgis.check`` with the issue-11 indicators are in tests/test_criteria_sets.py).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pyogrio
import pytest
from _layers import BOUNDARY_HA, GREEN_HA, HISTORY, LAYERS_DIR, assert_same_gpkg

from eipgis import load_park

YEARS = [2022, 2023, 2024, 2025, 2026]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("history")
    build = runpy.run_path(str(LAYERS_DIR / "build_tang_loong_history.py"))
    assert build["main"](["-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def parks():
    return {year: load_park(HISTORY / f"tang_loong_{year}.gpkg") for year in YEARS}


def enterprises(year: int):
    return pyogrio.read_dataframe(HISTORY / f"tang_loong_{year}.gpkg", layer="enterprises")


def test_committed_history_equals_the_script_output(rebuilt):
    assert sorted(p.name for p in HISTORY.glob("*.gpkg")) == [
        f"tang_loong_{year}.gpkg" for year in YEARS]
    for year in YEARS:
        assert_same_gpkg(HISTORY / f"tang_loong_{year}.gpkg", rebuilt / f"tang_loong_{year}.gpkg")


def test_each_year_loads_as_a_park(parks):
    for year, park in parks.items():
        assert park.crs.to_epsg() == 9208, year
        assert len(park.landuse) == 106, year  # same parcels (and ids) every year
        assert park.boundary["answers_year"].iloc[0] == year


def test_green_share_rises_as_the_isolation_strip_is_planted(parks):
    # GREEN_HA (tests/_layers.py): 72.06 / 1097.67 = 6.56 %; 76.01 → 6.92 %; 78.85 → 7.18 %;
    # 81.83 → 7.46 % (the sample).
    expected = {year: ha / BOUNDARY_HA for year, ha in GREEN_HA.items()}
    for year, park in parks.items():
        lu = park.landuse
        share = lu.area[lu.landuse_class.eq("green")].sum() / park.boundary.area.sum()
        assert share == pytest.approx(expected[year], abs=1e-4), year  # ha rounded to 0.01
        unplanted = lu.landuse.eq("CSD")
        assert lu.parcel_id[unplanted].str.startswith("CXCL").all(), year
    assert parks[2026].landuse.landuse.eq("CXCL").sum() == 13


def test_lao_kay_plant_arrives_in_2025(parks):
    # Start-up 2025 (laodong.vn): before, its 7.2032 ha plot is reserve land with nothing built.
    for year, park in parks.items():
        running = year >= 2025
        assert ("F16" in set(park.facilities.facility_id)) is running, year
        plot = park.landuse[park.landuse.parcel_id.eq("CN-08")].iloc[0]
        assert plot["landuse"] == ("CN" if running else "DPT"), year
        assert plot.geometry.area == pytest.approx(72_032, abs=1), year
        assert bool((park.buildings.parcel_id == "CN-08").any()) is running, year
        assert ("F16" in set(enterprises(year).facility_id)) is running, year


def test_enterprise_figures_change_as_the_readme_says():
    # RECP applied: F09, F13 from 2022; F14 2023; F12 2024; F16 2025; F17 2026. 16 firms until
    # 2024, 17 after: 2/16, 3/16, 4/16, 5/17, 6/17.
    recp = {2022: 2 / 16, 2023: 3 / 16, 2024: 4 / 16, 2025: 5 / 17, 2026: 6 / 17}
    # Reuse (m³/d): F13 200 from 2022, F09 300 from 2023, F14 250 from 2024, F01 120 from 2025,
    # F12 100 from 2026; wastewater 3,400 m³/d, 3,415 with F16 (15): 200/3400, 500/3400 …
    reuse = {2022: 200 / 3400, 2023: 500 / 3400, 2024: 750 / 3400, 2025: 870 / 3415,
             2026: 970 / 3415}
    for year in YEARS:
        frame = enterprises(year)
        assert (frame.year == year).all()
        assert frame.recp_applied.mean() == pytest.approx(recp[year]), year
        ratio = frame.reused_m3_d.sum() / frame.wastewater_m3_d.sum()
        assert ratio == pytest.approx(reuse[year]), year


def test_park_answers_change_by_year(parks):
    answers = {year: park.boundary.iloc[0] for year, park in parks.items()}
    assert [bool(answers[y]["ghg_plan"]) for y in YEARS] == [False] * 4 + [True]
    assert [bool(answers[y]["risk_monitoring"]) for y in YEARS] == [False, False, True, True, True]
    assert not any(bool(answers[y]["social_infrastructure"]) for y in YEARS)
