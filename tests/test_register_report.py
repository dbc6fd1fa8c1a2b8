"""Registers of several parks re-evaluated (issue 12): parks, barrier categories, on_hold, the report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_webmap_browser import browser, open_page  # noqa: F401 - browser: a fixture

from eipgis.cli import main
from eipgis.symbiosis import RegisterError, current, read_register, update_register
from eipgis.symbiosis.reevaluation import Registers, barrier_tally, status_by_year, support_ranking

LAYERS = Path(__file__).resolve().parents[1] / "layers"
OLD_HEADER = "id,date,status,title,partners,material,barriers,next_step,note,source,link\n"
HEADER = "id,park,date,status,title,barriers,barrier_categories,note,illustrative\n"


def _run(argv: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return int(done.value.code), capsys.readouterr().err


@pytest.fixture
def four(tmp_path: Path) -> Path:
    """Four solutions in two parks, one row each."""
    path = tmp_path / "four.csv"
    path.write_text(HEADER
                    + "A-01,Park P,2020-01-10,identified,Slag,cement plant far,technical; market,,\n"
                    + "A-02,Park P,2020-06-01,feasibility,Heat,no buyer,market,,\n"
                    + "B-01,Park Q,2021-03-01,investment,Water,pipe,market; distance,,\n"
                    + "B-02,Park Q,2021-04-01,implemented,Ash,,technical,,date\n", encoding="utf-8")
    return path


def test_barriers_tallied_by_category_and_park(four: Path) -> None:
    tally = barrier_tally(current(read_register(four)))
    # Open solutions only: A-01 (technical, market), A-02 (market), B-01 (market, distance);
    # B-02 is implemented and not counted. By hand: market P 2, Q 1 → 3; technical P 1; distance Q 1.
    assert tally.loc["market"].tolist() == [2, 1, 3]
    assert tally.loc["technical"].tolist() == [1, 0, 1]
    assert tally.loc["distance"].tolist() == [0, 1, 1]
    assert tally.drop(index=["market", "technical", "distance"]).to_numpy().sum() == 0
    assert list(tally.columns) == ["Park P", "Park Q", "total"]


def test_support_ranking_order_and_score(four: Path) -> None:
    state = current(read_register(four))
    ranked = support_ranking(state)
    # score = stage + benefit − 0.5 × categories: B-01 3 − 1.0 = 2.0; A-02 2 − 0.5 = 1.5; A-01 1 − 1.0 = 0.0
    assert ranked["id"].tolist() == ["B-01", "A-02", "A-01"]
    assert ranked["score"].tolist() == [2.0, 1.5, 0.0]
    # A-01's links save 2,500 t CO2/yr: + 2.5 points → 2.5, now first
    state.loc[state["id"].eq("A-01"), "link"] = "L1; L9"
    ranked = support_ranking(state, {"L1": 2000.0, "L9": 500.0, "L2": 99999.0})
    assert ranked["id"].tolist() == ["A-01", "B-01", "A-02"]
    assert ranked.loc[0, "score"] == 2.5 and ranked.loc[0, "benefit_co2_t"] == 2500.0
    # the benefit counts at most 3 points: 10,000 t → 1 + min(3, 10) − 1 = 3.0
    state.loc[state["id"].eq("A-01"), "link"] = "L2"
    assert support_ranking(state, {"L2": 10000.0}).loc[0, "score"] == 3.0


def test_ties_are_broken_by_id(tmp_path: Path) -> None:
    path = tmp_path / "tie.csv"
    path.write_text(HEADER + "Z-09,P,2020-01-01,identified,a,,,,\nC-02,P,2020-01-01,identified,b,,,,\n"
                    + "M-05,P,2020-01-01,feasibility,c,,technical; economic,,\n", encoding="utf-8")
    # all score 1.0 (feasibility 2 − 2 × 0.5 = 1.0): order by id
    assert support_ranking(current(read_register(path)))["id"].tolist() == ["C-02", "M-05", "Z-09"]


def test_status_by_year_counts(tmp_path: Path) -> None:
    path = tmp_path / "years.csv"
    path.write_text(HEADER
                    + "X-01,P,2019-05-01,identified,a,,,,\n"
                    + "X-02,P,2020-03-01,identified,b,,,,\n"
                    + "X-01,P,2020-05-01,feasibility,,,,study,\n"
                    + "X-01,P,2021-02-01,on_hold,,,,partner left,\n"
                    + "X-02,P,2021-12-31,abandoned,,,,no buyer,\n"
                    + "X-01,P,2022-01-15,feasibility,,,,new partner,\n", encoding="utf-8")
    table = status_by_year(read_register(path))
    # end 2019: X-01 identified; 2020: X-01 feasibility, X-02 identified; 2021: X-01 on hold,
    # X-02 abandoned (31 Dec counts); 2022: X-01 feasibility again, X-02 abandoned
    assert table.index.tolist() == [2019, 2020, 2021, 2022]
    assert table.loc[2019].to_dict() == {"identified": 1, "feasibility": 0, "investment": 0, "implemented": 0,
                                         "on_hold": 0, "abandoned": 0}
    assert (table.loc[2020, "identified"], table.loc[2020, "feasibility"]) == (1, 1)
    assert (table.loc[2021, "on_hold"], table.loc[2021, "abandoned"], table.loc[2021].sum()) == (1, 1, 2)
    assert (table.loc[2022, "feasibility"], table.loc[2022, "abandoned"], table.loc[2022].sum()) == (1, 1, 2)


@pytest.mark.parametrize(("before", "status"), [
    ("investment", "feasibility"), ("investment", "identified"), ("feasibility", "on_hold"),
    ("implemented", "on_hold"),
])
def test_back_moves_need_a_reason(tmp_path: Path, before: str, status: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + f"X-01,P,2020-01-01,{before},a,,,,\n", encoding="utf-8")
    kept = path.read_bytes()
    with pytest.raises(RegisterError, match=f"cannot move from {before} to {status}.*needs its reason"):
        update_register(path, id="X-01", status=status, date="2021-01-01")
    with pytest.raises(RegisterError, match="needs its reason"):
        update_register(path, id="X-01", status=status, date="2021-01-01", note="   ")
    assert path.read_bytes() == kept
    update_register(path, id="X-01", status=status, date="2021-01-01", note="off-taker withdrew")
    assert current(read_register(path)).loc[0, "status"] == status


def test_on_hold_resumes_with_a_reason_or_moves_on(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "X-01,P,2020-01-01,feasibility,a,,,,\nX-01,P,2020-06-01,on_hold,,,,no money,\n",
                    encoding="utf-8")
    with pytest.raises(RegisterError, match="needs its reason"):  # back to the stage held
        update_register(path, id="X-01", status="feasibility", date="2021-01-01")
    with pytest.raises(RegisterError, match="the next status is abandoned or investment"):  # no skipping
        update_register(path, id="X-01", status="implemented", date="2021-01-01", note="x")
    update_register(path, id="X-01", status="investment", date="2021-01-01")  # the next stage: forward
    assert current(read_register(path)).loc[0, ["status", "stage"]].tolist() == ["investment", "investment"]


def test_a_solution_created_on_hold_resumes_at_the_first_stage(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "X-01,P,2020-01-01,on_hold,a,,,,\nX-01,P,2020-02-01,identified,,,,restart,\n"
                    "X-02,P,2020-01-01,on_hold,b,,,,\nX-02,P,2020-02-01,feasibility,,,,,\n", encoding="utf-8")
    # on hold from the start: held at identified, so identified needs a reason (given) and
    # feasibility is the next stage (no reason needed)
    assert current(read_register(path))["status"].tolist() == ["identified", "feasibility"]


def test_a_back_move_without_reason_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "X-01,P,2020-01-01,investment,a,,,,\nX-01,P,2021-01-01,feasibility,,,,,\n",
                    encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        read_register(path)
    assert "line 3 (X-01), column 'status': status moves from investment to feasibility" in str(info.value)
    assert "write why in the note" in str(info.value)


def test_old_format_register_reads_as_unnamed_park_and_keeps_its_header(tmp_path: Path, capsys) -> None:
    path = tmp_path / "old.csv"
    path.write_text(OLD_HEADER + "IS-01,2025-01-01,identified,Xỉ,F1 → F2,slag,offtake,,,s,\n", encoding="utf-8")
    state = current(read_register(path))
    assert state.loc[0, ["park", "barrier_categories"]].tolist() == ["unnamed", ""]
    update_register(path, id="IS-01", status="feasibility", date="2026-01-01", note="study")
    assert path.read_text(encoding="utf-8").startswith(OLD_HEADER)  # the header is unchanged
    update_register(path, id="IS-01", status="feasibility", date="2026-02-01", barrier_categories="market")
    # a change that fills a new column adds it, in its place of the register's columns
    assert path.read_text(encoding="utf-8").splitlines()[0] == OLD_HEADER.strip().replace(
        "barriers,", "barriers,barrier_categories,")
    out = tmp_path / "old.md"
    assert _run(["register", "report", path, "--park", "unnamed", "-o", out], capsys)[0] == 0
    assert "| market / off-taker | 1 | 1 |" in out.read_text(encoding="utf-8")


def test_unknown_category_lists_the_vocabulary(tmp_path: Path, four: Path, capsys) -> None:
    text = four.read_text(encoding="utf-8").replace("technical; market", "technical; cost")
    four.write_text(text, encoding="utf-8")
    code, err = _run(["register", "show", four], capsys)
    assert code == 2
    assert "line 2 (A-01), column 'barrier_categories': unknown barrier category 'cost'" in err
    assert ("use one or more of technical, economic, regulatory, market, organisational, information, "
            "distance separated by ';'") in err
    good = tmp_path / "g.csv"
    good.write_text(HEADER + "X-01,P,2020-01-01,identified,a,,,,\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="unknown barrier category 'money'"):
        update_register(good, id="X-01", status="identified", date="2021-01-01", barrier_categories="money")


def test_unknown_park(four: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(RegisterError, match=r"line 4 \(B-01\), column 'park': unknown park 'Park Q'. "
                                            r"Fix: use one of Park P"):
        read_register(four, parks=["Park P"])
    out = tmp_path / "r.html"
    code, err = _run(["register", "report", four, "--park", "Park X", "-o", out], capsys)
    assert code == 2 and "no opportunity of park 'Park X'" in err and "'Park P', 'Park Q'" in err
    assert not out.exists()


def test_report_html_is_offline_and_escapes(four: Path, tmp_path: Path, capsys) -> None:
    text = four.read_text(encoding="utf-8").replace("Slag", "<script>alert(1)</script>")
    four.write_text(text, encoding="utf-8")
    out = tmp_path / "r.html"
    assert _run(["register", "report", four, "--since", "2021-01-01", "--lang", "vi", "-o", out], capsys)[0] == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing fetched from a network
    assert html.count("data:image/png;base64,") == 1
    assert "Rào cản theo nhóm và KCN" in html and "Thay đổi trạng thái từ 2021-01-01" in html
    # the changes since 2021: B-01 and B-02 created (A-0x are from 2020)
    changes = html.split("Thay đổi trạng thái từ 2021-01-01")[1].split("</table>")[0]
    assert changes.count("<tr>") == 3 and "B-01" in changes and "A-01" not in changes


def test_report_refuses_other_extensions_and_empty_registers(four: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "r.pdf"
    code, err = _run(["register", "report", four, "-o", out], capsys)
    assert code == 2 and "written as .html or .md, not '.pdf'" in err
    assert not out.exists()
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER, encoding="utf-8")
    code, err = _run(["register", "report", empty, "-o", tmp_path / "r.md"], capsys)
    assert code == 2 and "empty.csv: no opportunity to report" in err
    assert not (tmp_path / "r.md").exists()


def test_seed_registers_report_both_parks_by_category(tmp_path: Path, capsys) -> None:
    hk_tn = LAYERS / "hoa_khanh_tra_noc_register.csv"
    regs = Registers([(str(hk_tn), read_register(hk_tn)),
                      (str(LAYERS / "tang_loong_register.csv"), read_register(LAYERS / "tang_loong_register.csv"))])
    assert regs.parks == ["Hòa Khánh", "Trà Nóc", "Tằng Loỏng"]
    # the 12 solutions of 2015–2019 (6 per park) and the 3 Trà Nóc proposals of March 2022
    state = regs.state.set_index("id")
    assert (state["park"] == "Hòa Khánh").sum() == 6 and (state["park"] == "Trà Nóc").sum() == 9
    assert state.loc[["HK-01", "TN-01"], "status"].tolist() == ["investment", "investment"]
    assert all(read_register(hk_tn)["source"].str.len() > 0)  # every row has its source
    tally = barrier_tally(regs.state)
    # market / off-taker: HK-04, HK-05, HK-06; TN-01, TN-03, TN-04 (on hold), TN-08
    assert tally.loc["market", ["Hòa Khánh", "Trà Nóc"]].tolist() == [3, 4]
    out = tmp_path / "eip.html"
    assert _run(["register", "report", hk_tn, "--park", "Hòa Khánh", "--park", "Trà Nóc", "-o", out],
                capsys)[0] == 0
    html = out.read_text(encoding="utf-8")
    assert "<th>Hòa Khánh</th><th>Trà Nóc</th><th>Total</th>" in html and "Tằng Loỏng" not in html
    assert "<td>market / off-taker</td><td>3</td><td>4</td><td>7</td>" in html



def _assert_offline(driver) -> None:
    """No console error; every request stayed on the machine (chrome:// is Chromium's own new-tab page,
    which a fresh profile may still be loading; it is not the report's)."""
    import json

    assert [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
    urls = [json.loads(e["message"])["message"]["params"]["request"]["url"] for e in driver.get_log("performance")
            if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"]
    assert any(u.startswith("file:") for u in urls)
    assert [u for u in urls if not u.startswith(("file:", "data:", "chrome:"))] == []


def test_report_in_chromium_is_offline_and_shows_the_script_as_text(four: Path, tmp_path: Path, request) -> None:
    from eipgis.present.register_report import write_register_report

    text = four.read_text(encoding="utf-8").replace("Slag", "<script>document.title='pwned'</script>")
    four.write_text(text, encoding="utf-8")
    out = write_register_report(tmp_path / "r.html", [four], date="2026-12-01")
    driver = request.getfixturevalue("browser")  # test_webmap_browser's; skipped without Chromium
    open_page(driver, out)
    _assert_offline(driver)
    assert driver.title == "Re-evaluation of industrial-symbiosis solutions"  # the script never ran
    cells = [c.text for c in driver.find_elements("css selector", "td")]
    assert "<script>document.title='pwned'</script>" in cells  # shown as text in the ranking
    assert driver.execute_script("return document.images[0].naturalWidth") > 300  # the chart decoded


def test_links_give_the_benefit_and_illustrative_cells_are_shown(four: Path, tmp_path: Path, capsys) -> None:
    text = four.read_text(encoding="utf-8")
    four.write_text(text.replace("illustrative\n", "illustrative,link\n", 1)
                    .replace("A-01,Park P,2020-01-10,identified,Slag,cement plant far,technical; market,,",
                             "A-01,Park P,2020-01-10,identified,Slag,cement plant far,technical; market,,"
                             "title; date,L7"), encoding="utf-8")
    links = tmp_path / "links.csv"
    links.write_text("link_id,supplier,receiver,material,quantity,unit,distance_m,network,net_co2_t\n"
                     "L7,F1,F2,slag,1000,t/yr,900,True,1500\n", encoding="utf-8")
    out = tmp_path / "r.md"
    assert _run(["register", "report", four, "--links", links, "-o", out], capsys)[0] == 0
    ranking = out.read_text(encoding="utf-8").split("## Solutions ranked for support")[1]
    # 1 + 1500/1000 − 2 × 0.5 = 1.5, tied with A-02 (2 − 0.5); by id A-01 first, after B-01 (2.0)
    rows = [line for line in ranking.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [r.split(" | ")[2] for r in rows] == ["B-01", "A-01", "A-02"]
    assert rows[1].endswith("| 1,500 | technical, market / off-taker | 1.5 | date; title |")  # column order


def test_added_links_take_the_registers_park(tmp_path: Path, capsys) -> None:
    path = tmp_path / "reg.csv"
    path.write_bytes((LAYERS / "tang_loong_register.csv").read_bytes())
    links = tmp_path / "links.csv"
    links.write_text("link_id,supplier,receiver,material,use,quantity,unit,distance_m,network,kind\n"
                     "L1,F01,F02,steam,drying,10,t/yr,100,False,industrial\n", encoding="utf-8")
    assert _run(["register", "add-links", path, "--links", links, "--date", "2026-12-01"], capsys)[0] == 0
    state = current(read_register(path)).set_index("id")
    assert state.loc["IS-12", "park"] == "Tằng Loỏng"  # IS-11 was the last firm-to-firm id
