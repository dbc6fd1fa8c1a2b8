"""eipgis assess records the illustrative Tằng Loỏng history 2022–2026 and shows what it tells."""

from __future__ import annotations

import datetime as dt

import pytest

from eipgis.assess import assess
from eipgis.monitor import open_store, series


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    out = tmp_path_factory.mktemp("assess") / "out"
    return out, assess(out)


def test_five_years_recorded_with_the_rules_then_in_force(assessed):
    out, outputs = assessed
    assert (out / "tang_loong_monitoring.html").exists()
    with open_store(out / "tang_loong_monitoring.gpkg") as store:
        df = series(store)
        assert store.dates("Tằng Loỏng")[:4] == [dt.date(y, 12, 31) for y in (2022, 2023, 2024, 2025)]
    strip = df[df["id"] == "VN21-BUF-STRIP"]["value"].round(3).tolist()
    # the 10 m strip planted stretch by stretch (layers/README.md): 30.5 %, 30.5 %, 41.3 %, 49.0 %, 57.2 %
    assert strip == [0.305, 0.305, 0.413, 0.49, 0.572]
    recp = df[df["id"] == "VN35-ENT-RECP"]
    # 2 of 16, 3 of 16, 4 of 16, 5 of 17, 6 of 17 enterprises apply RECP; the floor is 20 %
    assert recp["value"].round(4).tolist() == [0.125, 0.1875, 0.25, round(5 / 17, 4), round(6 / 17, 4)]
    assert recp["passed"].tolist() == [False, False, True, True, True]
    # the register as it stood each year: one symbiosis link implemented until 2026, two after
    links = df[df["id"] == "VN35-IS-LINKS"]["value"].tolist()
    assert links == [1.0, 1.0, 1.0, 1.0, 2.0]
    # Decree 82/2018's own criteria applied until 2022-07-15: none judges a year-end record
    # (VN82-EIP-25, the 25 % land rule, is kept by the Decree 35 set and stays)
    assert not df["id"].isin(["VN82-RECP", "VN82-RECP-AWARE"]).any()
    assert (df["id"] == "VN82-EIP-25").sum() == 5
    assert "Monitoring 2022–2026" in outputs.table and "VN35-ENT-RECP" in outputs.table
