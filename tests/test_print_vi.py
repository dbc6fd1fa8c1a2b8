"""Issue 14 §2 and §4: wall maps and the report as PDF; Vietnamese numbers, dates, sources and notes.

PDFs are opened the way a reader's tools open them: poppler's pdfinfo (page size), pdftotext (the
title block's words) and pdftoppm (every page renders to a picture).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import square_park_layers, write_park

import eipgis
from eipgis._words import local_date, local_number, localise, source_text
from eipgis.present.printmap import map_scale
from eipgis.present.report import report_markdown

needs_poppler = pytest.mark.skipif(not all(shutil.which(t) for t in ("pdfinfo", "pdftotext", "pdftoppm")),
                                   reason="poppler-utils (pdfinfo, pdftotext, pdftoppm) not installed")
DATE = "2026-12-02"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eipgis.cli", *args], capture_output=True, text=True,
                          check=False)


def pdf_text(path: Path) -> str:
    """The PDF's words, with line breaks and runs of spaces as one space."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def page_size(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return re.search(r"Page size:\s*(.*)", info).group(1).strip()


def renders(path: Path, tmp_path: Path) -> list[Path]:
    """Every page through pdftoppm at a low resolution; each picture is not blank."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    for page in pages:
        lo, hi = Image.open(page).convert("L").getextrema()
        assert lo < 100 < hi, f"{page.name} is blank"
    return pages


# --- formats ---------------------------------------------------------------------------------


def test_vietnamese_number_and_date_formats():
    assert local_number(1097.66, 1, "vi") == "1.097,7"  # dot groups thousands, comma before decimals
    assert local_number(1097.66, 1, "en") == "1,097.7"
    assert local_number(2500, 0, "vi") == "2.500"
    assert local_date(DATE, "vi") == "02/12/2026" and local_date(dt.date(2026, 12, 2), "en") == DATE
    assert local_date("tháng 12 năm 2026", "vi") == "tháng 12 năm 2026"  # words stay as written
    assert localise("1,097.70 ha; 7.5 %; 1,200 t/yr; 2026-12-02", "vi") == \
        "1.097,70 ha; 7,5 %; 1.200 tấn/năm; 02/12/2026"
    # article numbers, dates in document names and ids are not numbers to rewrite
    assert localise("§2.5.3, 35/2022, VN21-LU-GREEN, A.5", "vi") == "§2.5.3, 35/2022, VN21-LU-GREEN, A.5"
    assert localise("1,097.70 ha", "en") == "1,097.70 ha"
    assert source_text("Decree 35/2022/ND-CP Art. 37(1)(a)", "vi") == "Nghị định 35/2022/NĐ-CP Điều 37(1)(a)"


def test_map_scale_is_the_next_round_scale():
    # 1,800 m on 200 mm needs 1:9,000 (1,200 m on 300 mm only 1:4,000): the next round scale is 1:10,000
    assert map_scale((1800.0, 1200.0), (200.0, 300.0)) == 10_000
    assert map_scale((1000.0, 500.0), (200.0, 100.0)) == 5_000  # exactly 1:5,000 fits
    assert map_scale((1010.0, 500.0), (400.0, 100.0)) == 5_000  # 500 m on 100 mm: exactly 1:5,000
    assert map_scale((1010.0, 100.0), (400.0, 100.0)) == 3_000  # 1:2,525 → 1:2,500 too small → 1:3,000
    assert map_scale((1100.0, 100.0), (100.0, 100.0)) == 15_000  # 1:11,000 → 1:15,000
    assert map_scale((7600.0, 100.0), (100.0, 100.0)) == 100_000  # 1:76,000 → over 1:75,000 → 1:100,000


# --- wall maps ----------------------------------------------------------------------------------


@needs_poppler
def test_wall_map_a3_vietnamese_with_title_block_and_scale(tmp_path):
    # The square park (conftest) with its facilities marked illustrative, as the sample's are.
    layers = square_park_layers()
    layers["facilities"]["location"] = "illustrative"
    park = write_park(tmp_path / "square.gpkg", layers)
    out = tmp_path / "wall.pdf"
    r = cli("map", str(park), "--print", "A3", "--lang", "vi", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert page_size(out).endswith("(A3)") and page_size(out).startswith("841.89 x 1190.55")  # portrait
    text = pdf_text(out)
    # Extent: the park 0–1000 m plus F2's 500 m zone (class II, 400 m from the village, fails):
    # x 0–1400, y −100–1000 → 1,400 × 1,100 m, ×1.06 margin = 1,484 × 1,166 m. The A3 portrait map frame
    # is 297 − 24 − 83.16 − 6 = 183.84 mm wide, 420 − 24 − 29.4 − 33.6 = 333 mm high:
    # 1,484 m / 0.18384 m = 1:8,072 → the next round scale is 1:10,000, in Vietnamese 1:10.000.
    assert "Tỷ lệ 1:10.000 trên khổ A3" in text
    assert "Khu công nghiệp Thử nghiệm" in text and "Chú giải" in text
    assert f"Ngày: {local_date(dt.date.today(), 'vi')}" in text
    assert "Tình trạng dữ liệu" in text and "Nguồn" in text and "QCVN 01:2021/BXD" in text
    assert "Bố trí minh hoạ: Cơ sở sản xuất" in text  # from the facilities' location column
    assert "P1" in text and "G2" in text  # lot codes printed on the lots
    assert len(renders(out, tmp_path)) == 1


@needs_poppler
def test_wall_map_a1_landscape_english(square_gpkg, tmp_path):
    out = tmp_path / "wall.pdf"
    r = cli("map", str(square_gpkg), "--print", "a1", "--landscape", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert page_size(out).startswith("2383.94 x 1683.78")  # A1 landscape: 841 × 594 mm
    text = pdf_text(out)
    # Frame 841 − 24 − 201.84 − 6 = 609.16 mm × 594 − 24 − 41.58 − 47.52 = 480.9 mm:
    # max(1,484 / 0.60916, 1,166 / 0.4809) = 1:2,436 → 1:2,500.
    assert "Scale 1:2,500 at A1" in text and "Legend" in text
    assert "Illustrative layout" not in text  # nothing in the square park says so
    renders(out, tmp_path)


def test_wall_map_bad_options_exit_2_and_write_nothing(square_gpkg, tmp_path):
    r = cli("map", str(square_gpkg), "--print", "A3", "-o", str(tmp_path / "map.html"))
    assert r.returncode == 2 and "*.pdf" in r.stderr and "Traceback" not in r.stderr
    r = cli("map", str(square_gpkg), "--landscape", "-o", str(tmp_path / "map.pdf"))
    assert r.returncode == 2 and "--print A3" in r.stderr
    r = cli("map", str(square_gpkg), "--print", "A4", "-o", str(tmp_path / "map.pdf"))
    assert r.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["square.gpkg"]


# --- the report as PDF -----------------------------------------------------------------------------


@needs_poppler
def test_report_pdf_opens_and_carries_the_title(square_gpkg, tmp_path):
    out = tmp_path / "report.pdf"
    r = cli("report", str(square_gpkg), "-o", str(out), "--lang", "vi")
    assert r.returncode == 0, r.stderr
    assert page_size(out).endswith("(A4)")
    text = pdf_text(out)
    assert "Đánh giá sử dụng đất: Khu công nghiệp Thử nghiệm" in text
    assert "100,00 ha" in text  # the square park's 100 ha in the Vietnamese format
    assert len(renders(out, tmp_path)) >= 2


def test_report_unknown_format_refused(square_gpkg, tmp_path):
    for name in ("report.docx", "report"):
        r = cli("report", str(square_gpkg), "-o", str(tmp_path / name))
        assert r.returncode == 2 and "unknown report format" in r.stderr and ".pdf" in r.stderr
        assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["square.gpkg"]


# --- Vietnamese done properly ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return eipgis.load_park(eipgis.sample_path())


def test_vietnamese_report_formats_explains_and_names_illustrative_layers(sample):
    md = report_markdown(sample, lang="vi", date=DATE, criteria="vn-eip-decree-35")
    en = report_markdown(sample, lang="en", date=DATE, criteria="vn-eip-decree-35")
    area = sample.area_ha
    assert f"| Diện tích | {local_number(area, 2, 'vi')} ha |" in md
    assert f"| Area | {area:,.2f} ha |" in en  # English stays as it was
    assert "Ngày: 02/12/2026" in md and "Date: 2026-12-02" in en
    assert "| 7,5 % | ≥ 10,0 % | KHÔNG ĐẠT |" in md  # VN21-LU-GREEN: value and threshold
    assert "Nghị định 35/2022/NĐ-CP Điều 37(1)" in md and "Decree 35/2022/ND-CP Art. 37(1)" in en
    # one sentence per failing criterion, from the indicator it is measured with
    assert "## Ý nghĩa của các tiêu chí không đạt" in md
    assert "VN21-LU-GREEN — Tỷ lệ đất cây xanh toàn khu: Tỷ lệ diện tích của loại đất này" in md
    assert "(giá trị 7,5 %, ngưỡng ≥ 10,0 %, thiếu hụt 27,93 ha)" in md
    assert "VN-HAZ-DIST — " in md and "khoảng cách an toàn mà cấp" in md
    assert "VN21-LU-TECH — " not in md.split("## Ý nghĩa")[1].split("##")[0]  # it passes
    assert "## “Chưa xác nhận” nghĩa là gì" in md and "## What “unconfirmed” means" in en
    # illustrative layers as the data marks them (counted here independently of eipgis)
    n_lots = int((sample.landuse["area_basis"] == "illustrative").sum())
    n_fac = int((sample.facilities["location"] == "illustrative").sum())
    assert f"Lô đất quy hoạch: {n_lots}/{len(sample.landuse)} đối tượng (cột area\\_basis)" in md  # Markdown escapes _
    assert f"Facilities: {n_fac} of {len(sample.facilities)} features (column location)" in en
    assert re.search(r"\d,\d{3}\.\d", md.split("## Các tiêu chí")[1].split("##")[0]) is None


def test_assess_report_includes_the_scenarios(tmp_path):
    from eipgis.assess import assess

    assess(tmp_path / "out", lang="vi")
    report = (tmp_path / "out" / "tang_loong_report.md").read_text(encoding="utf-8")
    assert "## So sánh các phương án" in report
    assert "## Ý nghĩa của các tiêu chí không đạt" in report and "## Các lớp minh hoạ" in report


def test_vietnamese_web_map_panel_and_popups(square_gpkg):
    from eipgis.present.webmap import map_html, park_map

    park = eipgis.load_park(square_gpkg)
    vi = map_html(park_map(park, lang="vi", tiles=None, date=DATE))
    en = map_html(park_map(park, lang="en", tiles=None, date=DATE))
    # the panel: 100 ha with one decimal, today's date; P1 is 500 m × 500 m = 25 ha in its popup
    assert "100,0 ha" in vi and "02/12/2026" in vi and '"25,00 ha"' in vi  # compact layers: values without their key
    assert "100.0 ha" in en and DATE in en and '"25.00 ha"' in en
