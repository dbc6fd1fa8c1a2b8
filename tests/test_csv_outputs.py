"""CSV outputs people open in a spreadsheet never carry a live formula from a data file."""

from __future__ import annotations

import pandas as pd

from eipgis.io import csv_text


def test_text_cells_that_a_spreadsheet_would_run_get_a_quote() -> None:
    frame = pd.DataFrame({
        "parcel_id": ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "@SUM(A1)", "\tTab", "CN-01", "-5"],
        "area_ha": [1.5, -2.0, 3.0, 0.0, 4.25, 5.0],
        "tenant": ["-cmd|' /C calc'!A0", "Công ty Tằng Loỏng", None, "'=x", "ok", "a=b"],
    })
    rows = csv_text(frame).splitlines()
    assert rows[0] == "parcel_id,area_ha,tenant"
    assert rows[1] == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1.5,'-cmd|' /C calc'!A0"
    assert rows[2] == "'+1+1,-2.0,Công ty Tằng Loỏng"  # numbers stay numbers
    assert rows[3] == "'@SUM(A1),3.0,"
    assert rows[4] == "'\tTab,0.0,''=x"  # a quote before a trigger gets one more: unambiguous
    assert rows[5] == "CN-01,4.25,ok"
    assert rows[6] == "-5,5.0,a=b"  # a plain number written as text is not a formula
    assert frame.loc[0, "parcel_id"].startswith("=")  # the frame itself is not changed
