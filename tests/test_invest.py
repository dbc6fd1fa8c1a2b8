"""eipgis invest: NPV, IRR, paybacks and cost per t CO₂ checked against cash flows worked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eipgis.cli import main
from eipgis.invest import appraise, load_parameters, macc_table, read_measures, sensitivity
from eipgis.invest.appraisal import appraise_one

HEADER = ("id,title,kind,link,enterprise,capex,opex_per_year,benefit_per_year,lifetime_years,"
          "co2_t_per_year,currency,mode,length_m\n")


def run_cli(args: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_hand_computed_cash_flow():
    # -1000 in year 0, +300 in years 1-5, 10 %:
    # NPV = -1000 + 300 × (1 - 1.1^-5) / 0.1 = -1000 + 300 × 3.790787 = 137.236
    # discounted years: 272.727, 247.934, 225.394, 204.904, 186.276; cumulative after 4 years
    # 950.959, so the outlay is repaid 4 + 49.041 / 186.276 = 4.2633 years in
    # CRF(10 %, 5) = 0.263797; cost per t = -137.236 × 0.263797 / 10 t = -3.6203 (it saves money)
    a = appraise_one("M", 1000, 300, 5, 0.10, 10)
    assert a.npv == pytest.approx(137.236, abs=1e-3)
    assert a.irr == pytest.approx(0.152382, abs=1e-6)  # 300 × annuity(15.2382 %, 5) = 1000
    assert 300 * (1 - (1 + a.irr) ** -5) / a.irr == pytest.approx(1000, abs=1e-6)
    assert a.payback_years == pytest.approx(1000 / 300)
    assert a.discounted_payback_years == pytest.approx(4.2633, abs=1e-4)
    assert a.cost_per_t_co2 == pytest.approx(-3.6203, abs=1e-4)


def test_irr_undefined_is_said_not_crashed():
    never = appraise_one("M", 1000, -50, 5, 0.10, None)
    assert never.irr is None and "never returns" in (never.irr_note or "")
    assert never.payback_years is None and never.discounted_payback_years is None
    free = appraise_one("M", 0, 100, 5, 0.10, None)
    assert free.irr is None and "no outlay" in (free.irr_note or "")
    assert free.payback_years == 0.0


def test_zero_discount_rate():
    # at 0 %: NPV is the plain sum, -1000 + 5 × 300 = 500; CRF = 1/5; cost = -500/5/10 = -10 per t
    a = appraise_one("M", 1000, 300, 5, 0.0, 10)
    assert a.npv == pytest.approx(500)
    assert a.cost_per_t_co2 == pytest.approx(-10)


def _write(tmp_path: Path, rows: str, name: str = "m.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_capex_estimated_from_the_routed_length(tmp_path):
    import pandas as pd

    links = pd.DataFrame(
        {"link_id": ["L1"], "distance_m": ["1234.5"], "mode": ["pipe"], "net_co2_t": ["42.0"],
         "transport_cost_vnd": ["0"]})
    path = _write(tmp_path, "M2,Pipe,symbiosis,L1,,,0,9000000000,20,,VND,,\n")
    table = read_measures(path, links=links)
    row = table.iloc[0]
    # 1,234.5 m × 2,500,000 VND/m (the pipe unit cost of the shipped parameters)
    assert row["capex"] == pytest.approx(1234.5 * 2_500_000)
    assert row["capex_basis"].startswith("estimate: 1,234 m × 2,500,000 VND/m (pipe;")
    assert row["co2_t_per_year"] == 42.0 and "link L1" in row["co2_basis"]


def test_sensitivity_moves_each_input_by_a_fifth(tmp_path):
    path = _write(tmp_path, "M1,Hand,recp,,E1,1000,0,300,5,10,VND,,\n")
    params = load_parameters()
    table = read_measures(path, params)
    sens = sensitivity(table, params).set_index(["parameter", "change"])
    # capex +20 %: -1200 + 300 × 3.790787 = -62.764
    assert sens.loc[("capex", 0.2), "npv"] == pytest.approx(-62.764, abs=1e-3)
    # benefit -20 %: -1000 + 240 × 3.790787 = -90.211
    assert sens.loc[("benefit", -0.2), "npv"] == pytest.approx(-90.211, abs=1e-3)
    # discount rate 12 %: -1000 + 300 × 3.604776 = 81.433
    assert sens.loc[("discount_rate", 0.2), "npv"] == pytest.approx(81.433, abs=1e-3)
    assert sens.loc[("base", 0.0), "npv"] == pytest.approx(137.236, abs=1e-3)


def test_macc_orders_cheapest_tonne_first(tmp_path):
    path = _write(tmp_path, "A,Costly,recp,,E1,1000,0,100,5,10,VND,,\n"
                            "B,Saver,recp,,E2,1000,0,400,5,30,VND,,\n"
                            "C,No CO2,recp,,E3,1000,0,400,5,,VND,,\n")
    params = load_parameters()
    macc = macc_table(appraise(read_measures(path, params), params))
    assert list(macc["id"]) == ["B", "A"]  # C avoids no CO2: not on the curve
    assert list(macc["start_t_per_year"]) == [0.0, 30.0]
    assert list(macc["end_t_per_year"]) == [30.0, 40.0]


def test_cli_writes_the_appraisal(tmp_path, capsys):
    path = _write(tmp_path, "M1,Hand,recp,,E1,1000,0,300,5,10,VND,,\n"
                            "M3,Loss,recp,,E2,1000,0,-50,5,5,VND,,\n")
    code, out, err = run_cli(["invest", path, "-o", tmp_path / "out"], capsys)
    assert code == 0, err
    doc = json.loads((tmp_path / "out" / "measures.json").read_text(encoding="utf-8"))
    m1 = next(m for m in doc["measures"] if m["id"] == "M1")
    assert m1["npv"] == pytest.approx(137.236, abs=1e-3)
    assert m1["payback_years"] == pytest.approx(3.3333, abs=1e-4)
    m3 = next(m for m in doc["measures"] if m["id"] == "M3")
    assert m3["irr"] is None and m3["irr_note"]
    assert (tmp_path / "out" / "macc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "M1: NPV 137 VND, IRR 15.2 %" in out


@pytest.mark.parametrize(("row", "expected"), [
    ("M1,Hand,recp,,E1,1000,0,300,-3,10,VND,,\n", "lifetime_years"),
    ("M1,Hand,recp,,E1,1000,0,300,,10,VND,,\n", "lifetime_years"),
    ("M1,Hand,recp,,E1,1000,0,300,5,10,USD,,\n", "currencies are mixed"),
    ("M1,Pipe,symbiosis,L9,,,0,300,5,10,VND,,\n", "links"),
    ("M1,Hand,recp,,,1000,0,300,5,10,VND,,\n", "enterprise"),
    ("M1,Hand,recp,,E1,1000,0,abc,5,10,VND,,\n", "benefit_per_year"),
    ("M1,A,recp,,E1,1000,0,300,5,10,VND,,\nM1,B,recp,,E1,1,0,3,5,1,VND,,\n", "more than once"),
])
def test_bad_measures_exit_2_and_write_nothing(tmp_path, capsys, row, expected):
    path = _write(tmp_path, row)
    code, _, err = run_cli(["invest", path, "-o", tmp_path / "out"], capsys)
    assert code == 2
    assert expected in err and str(path) in err
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_unknown_link_is_named_with_the_links_file(tmp_path, capsys):
    links = tmp_path / "links.csv"
    links.write_text("link_id,supplier,receiver,material,quantity,unit,distance_m,network,mode\n"
                     "L1,F1,F2,slag,10,t/yr,500,true,truck\n", encoding="utf-8")
    path = _write(tmp_path, "M1,Truck,symbiosis,L7,,,0,300,5,10,VND,,\n")
    code, _, err = run_cli(["invest", path, "--links", links, "-o", tmp_path / "out"], capsys)
    assert code == 2 and "'L7'" in err and "L1" in err


# --- E&S screening and the ESMP draft ---------------------------------------------------------


def _screening_park(tmp_path: Path) -> Path:
    """A 600 m × 1000 m park; facility F1 a 100 m square at (450–550, 450–550); a neighbourhood
    strip east of it, x 650–1650, y 480–520 (inside the square's y range), 1,000 people; a school
    2,500 m away."""
    import geopandas as gpd
    from conftest import CRS
    from conftest import b as box  # coordinates relative to the test origin (X0, Y0)

    layers = {
        "boundary": gpd.GeoDataFrame({"name": ["Screening park"]}, geometry=[box(0, 0, 600, 1000)], crs=CRS),
        "landuse": gpd.GeoDataFrame({"parcel_id": ["P1", "P2"], "landuse": ["CN", "CX"]},
                                    geometry=[box(0, 0, 600, 900), box(0, 900, 600, 1000)], crs=CRS),
        "facilities": gpd.GeoDataFrame({"facility_id": ["F1"], "hazard_class": ["III"], "name": ["Plant"]},
                                       geometry=[box(450, 450, 550, 550)], crs=CRS),
        "neighbourhoods": gpd.GeoDataFrame(
            {"name": ["Strip village", "School A"], "kind": ["residential", "school"],
             "population": [1000, 0]},
            geometry=[box(650, 480, 1650, 520), box(3050, 480, 3100, 520)], crs=CRS),
    }
    from conftest import write_park

    return write_park(tmp_path / "screen.gpkg", layers)


def test_population_and_receptors_within_bands(tmp_path):
    import eipgis
    from eipgis.invest.screening import screen

    park = eipgis.load_park(_screening_park(tmp_path))
    path = _write(tmp_path, "M1,Drives,recp,,F1,1000,0,300,5,10,VND,,\n")
    table = read_measures(path)
    s = screen(park, table).iloc[0]
    # the buffer of the square reaches x = 550 + d along the strip (flat edge): 500 m → x ≤ 1050,
    # 400 of the strip's 1000 m → 400 people; 1000 m → 900 people; 2000 m → all 1000
    assert s["population_500m"] == pytest.approx(400.0)
    assert s["population_1000m"] == pytest.approx(900.0)
    assert s["population_2000m"] == pytest.approx(1000.0)
    # the school is 2,500 m east of the square: outside every band
    assert s["receptors_2000m"] == ""
    assert s["site"] == "facility" and s["facilities"] == "F1"


def test_flood_raster_sampled_over_the_site(tmp_path):
    import numpy as np
    import rasterio
    from conftest import CRS, X0, Y0
    from rasterio.transform import from_origin

    import eipgis
    from eipgis.invest.screening import screen

    park = eipgis.load_park(_screening_park(tmp_path))
    # 10 m pixels over the park; depth 0 everywhere except 1.5 m over x 500-550 (the plant's east half)
    data = np.zeros((100, 60), dtype="float32")
    data[:, 50:55] = 1.5
    flood = tmp_path / "flood.tif"
    with rasterio.open(flood, "w", driver="GTiff", width=60, height=100, count=1, dtype="float32",
                       crs=CRS, transform=from_origin(X0, Y0 + 1000, 10, 10), nodata=-9999) as dst:
        dst.write(data, 1)
    table = read_measures(_write(tmp_path, "M1,Drives,recp,,F1,1000,0,300,5,10,VND,,\n"))
    s = screen(park, table, hazards={"flood": flood}).iloc[0]
    assert s["flood_max"] == pytest.approx(1.5)
    # samples: a 10 m grid inside the square (10 × 10 = 100 points at 455…545) + the centroid
    # (500, 500, on the 1.5 m column's edge: it falls in the pixel starting at x 500): 5 columns
    # of 10 in the wet half → 50 of the grid points and the centroid: 51 / 101 × 1.5
    assert s["flood_mean"] == pytest.approx(51 / 101 * 1.5)


def test_invest_with_park_writes_screening_and_an_esmp_draft_read_back(tmp_path, capsys):
    park = _screening_park(tmp_path)
    path = _write(tmp_path, "M1,Drives,recp,,F1,1000,0,300,5,10,VND,,\n")
    code, _, err = run_cli(["invest", path, "--park", park, "-o", tmp_path / "out"], capsys)
    assert code == 0, err
    import pandas as pd

    esmp = pd.read_csv(tmp_path / "out" / "esmp.csv", dtype=str, keep_default_na=False)
    assert list(esmp["standard"]) == ["PS2", "PS3", "PS4"]
    assert "about 400 people within 500 m" in esmp.loc[2, "risk"]
    # the planner edits the draft; eipgis reads it back (and refuses an unknown measure)
    edited = tmp_path / "esmp_edited.csv"
    esmp.loc[0, "cost"] = "25,000,000"
    esmp.to_csv(edited, index=False)
    code, _, err = run_cli(["invest", path, "--park", park, "--esmp", edited, "-o", tmp_path / "out2"], capsys)
    assert code == 0, err
    assert "25,000,000" in (tmp_path / "out2" / "esmp.csv").read_text(encoding="utf-8")
    esmp.loc[0, "measure"] = "M9"
    esmp.to_csv(edited, index=False)
    code, _, err = run_cli(["invest", path, "--park", park, "--esmp", edited, "-o", tmp_path / "out3"], capsys)
    assert code == 2 and "'M9'" in err and "line 2" in err
    assert not (tmp_path / "out3").exists()


def test_hazard_raster_without_crs_is_refused(tmp_path, capsys):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    park = _screening_park(tmp_path)
    bad = tmp_path / "nocrs.tif"
    with rasterio.open(bad, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       transform=from_origin(0, 2, 1, 1)) as dst:
        dst.write(np.zeros((2, 2), dtype="float32"), 1)
    path = _write(tmp_path, "M1,Drives,recp,,F1,1000,0,300,5,10,VND,,\n")
    code, _, err = run_cli(["invest", path, "--park", park, "--hazard", f"flood={bad}", "-o",
                            tmp_path / "out"], capsys)
    assert code == 2 and "no CRS" in err
    assert not (tmp_path / "out").exists()


# --- the investment case document ----------------------------------------------------------------


def test_case_document_html_has_the_bank_sections_and_escapes_text(tmp_path, capsys):
    park = _screening_park(tmp_path)
    register = tmp_path / "register.csv"
    register.write_text("id,date,status,title,partners,material,barriers,next_step,note,source,link\n"
                        "IS-9,2025-01-01,identified,Drives,F1,,no budget line,ask the board for a budget,,x,\n",
                        encoding="utf-8")
    path = tmp_path / "m.csv"
    path.write_text(HEADER.strip() + ",opportunity\n"
                    "M1,<script>window.__x=1</script> drives,recp,,F1,1000,0,300,5,10,VND,,,IS-9\n",
                    encoding="utf-8")
    out = tmp_path / "case.html"
    code, _, err = run_cli(["invest", path, "--park", park, "--register", register, "--case", "M1",
                            "-o", out], capsys)
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    for heading in ("Summary", "Partners", "Technical description and map", "Costs and returns",
                    "Sensitivity (±20 %)", "Environmental and social screening and ESMP", "Work plan", "Risks"):
        assert f">{heading}</h2>" in html
    assert "<script>window.__x=1</script>" not in html and "&lt;script&gt;" in html
    assert "ask the board for a budget" in html  # the register's next step is the work plan
    assert "no budget line" in html  # its barriers are a risk
    assert "137 VND" in html  # NPV of the hand case
    assert "data:image/png;base64," in html  # the map


def test_case_document_as_pdf_renders(tmp_path, capsys):
    import shutil
    import subprocess

    from _system import require

    require("pdftoppm (poppler-utils)", shutil.which("pdftoppm") is not None, install="apt-get install poppler-utils")
    path = _write(tmp_path, "M1,Drives,recp,,F1,1000,0,300,5,10,VND,,\n")
    out = tmp_path / "case.pdf"
    code, _, err = run_cli(["invest", path, "--park", _screening_park(tmp_path), "--case", "M1", "-o", out,
                            "--lang", "vi"], capsys)
    assert code == 0, err
    assert out.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-png", "-r", "40", out, tmp_path / "page"], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2
    text = subprocess.run(["pdftotext", out, "-"], check=True, capture_output=True, text=True).stdout
    assert "Hồ sơ đầu tư" in text and "Tóm tắt" in text


def test_case_needs_a_document_name_and_a_known_measure(tmp_path, capsys):
    path = _write(tmp_path, "M1,Drives,recp,,F1,1000,0,300,5,10,VND,,\n")
    code, _, err = run_cli(["invest", path, "--case", "M1", "-o", tmp_path / "case.docx"], capsys)
    assert code == 2 and ".html, .pdf or .md" in err
    code, _, err = run_cli(["invest", path, "--case", "M7", "-o", tmp_path / "case.html"], capsys)
    assert code == 2 and "M7" in err and "M1" in err
    assert not (tmp_path / "case.html").exists()


def test_tang_loong_measures_file_reads_with_the_sample_links():
    from eipgis import sample_path
    from eipgis.assess import tang_loong_symbiosis

    root = Path(__file__).resolve().parents[1] / "layers"
    import eipgis

    park = eipgis.load_park(sample_path())
    network = tang_loong_symbiosis(park)
    assert network is not None
    table = read_measures(root / "tang_loong_measures.csv", links=network.links)
    assert len(table) == 5
    ww = table.set_index("id").loc["M-WW-REUSE"]
    # treated wastewater by pipe: capex = routed length × 2,500,000 VND/m
    length = float(network.links.set_index("link_id").loc["L008", "distance_m"])
    assert ww["capex"] == pytest.approx(length * 2_500_000)


def test_assess_ranks_the_sample_measures_and_writes_one_case(tmp_path):
    from eipgis.assess import assess

    outputs = assess(tmp_path / "out")
    assert "Measures ranked by NPV" in outputs.table
    doc = json.loads((tmp_path / "out" / "invest" / "measures.json").read_text(encoding="utf-8"))
    npvs = {m["id"]: m["npv"] for m in doc["measures"]}
    assert set(npvs) == {"M-SLAG-F09", "M-PG-F13", "M-WW-REUSE", "M-ACID-F12", "M-VSD-E09"}
    best = max(npvs, key=npvs.get)
    case = tmp_path / "out" / "invest" / f"case_{best}.html"
    assert case.exists() and "Work plan" in case.read_text(encoding="utf-8")
    # the RECP drives measure by hand: -6e9 + (2.1e9 - 0.1e9) × annuity(10 %, 10 yr) = -6e9 + 2e9 × 6.144567
    assert npvs["M-VSD-E09"] == pytest.approx(-6e9 + 2e9 * 6.144567, rel=1e-6)


@pytest.mark.parametrize("park", ["hoa_khanh", "tra_noc"])
def test_more_sample_parks_ship_measures_the_appraisal_reads(park, tmp_path, capsys):
    """Hòa Khánh and Trà Nóc: measures on the links of their own symbiosis runs, appraised and screened."""
    root = Path(__file__).resolve().parents[1] / "layers"
    code, _, err = run_cli(["symbiosis", root / f"{park}.gpkg", "--flows", root / f"{park}_flows.csv",
                            "--network", root / f"{park}_roads.osm", "-o", tmp_path / "sym"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["invest", root / f"{park}_measures.csv", "--links", tmp_path / "sym" / "symbiosis.gpkg",
                              "--park", root / f"{park}.gpkg", "-o", tmp_path / "inv"], capsys)
    assert code == 0, err
    doc = json.loads((tmp_path / "inv" / "measures.json").read_text(encoding="utf-8"))
    estimated = [m for m in doc["measures"] if m["capex_basis"].startswith("estimate")]
    assert estimated  # the piped link's capex comes from its routed length × 2,500,000 VND/m
    for m in estimated:
        assert "× 2,500,000 VND/m (pipe;" in m["capex_basis"]
    assert (tmp_path / "inv" / "esmp.csv").exists() and (tmp_path / "inv" / "macc.png").exists()
