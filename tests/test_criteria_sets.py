"""The built-in criteria sets of issue 11 judged on the Tằng Loỏng sample and its history.

NEEDS THE ISSUE-11 ENGINE (in_force_from/in_force_to, ``as_of``, the table indicators, ``tables=``,
``not assessed`` and the park's ``enterprises`` table): written to the shared contract on the
content branch, where the sets do not load yet; they pass once the engine is merged.
Expected values are worked out by hand from layers/build_tang_loong.py (see layers/README.md).
"""

from __future__ import annotations

import math
from datetime import date

import pytest
from _layers import BOUNDARY_HA, GREEN_HA, HISTORY, LAYERS_DIR

from eipgis import load_park
from eipgis.criteria import builtin_sets, check, load_criteria
from eipgis.symbiosis.register import current, read_register

SAMPLE = LAYERS_DIR / "tang_loong.gpkg"
NEW_SETS = ["vn-qcvn-01-2019", "vn-eip-decree-82", "intl-eip-framework-2021"]


def register_at(day: date):
    """The register's current state on ``day`` (events after it not yet happened)."""
    events = read_register(LAYERS_DIR / "tang_loong_register.csv")
    return current(events[events["date"].astype(str) <= day.isoformat()].reset_index(drop=True))


def by_id(report):
    return {r.id: r for r in report.results}


@pytest.fixture(scope="module")
def sample():
    return load_park(SAMPLE)


def test_every_set_loads_with_sources_statuses_and_ordered_dates():
    assert set(NEW_SETS) <= set(builtin_sets())
    for name in builtin_sets():
        crit = load_criteria(name)
        for c in crit.criteria:
            assert len(c.source) > 20 and c.status in ("confirmed", "unconfirmed"), (name, c.id)
            if c.in_force_from and c.in_force_to:
                assert c.in_force_from < c.in_force_to, (name, c.id)
    # The Framework's thresholds were not read (eip-criteria-detail.md §0): none is confirmed.
    assert {c.status for c in load_criteria("intl-eip-framework-2021").criteria} == {"unconfirmed"}


@pytest.mark.parametrize(("day", "in_force", "not_in_force"), [
    # Decree 82 until 2022-07-15 and QCVN 01:2019 from 2020-07-01 to 2021-07-05 …
    (date(2021, 1, 1), {"VN82-RECP", "VN19-LU-GREEN", "VN82-EIP-25"},
     {"VN35-ENT-RECP", "VN35-EIP-WWTP", "VN21-LU-GREEN"}),
    # … QCVN 01:2021 from 2021-07-05 while Decree 82 still applies …
    (date(2022, 1, 1), {"VN82-RECP", "VN21-LU-GREEN"}, {"VN19-LU-GREEN", "VN35-ENT-RECP"}),
    # … and Decree 35 from 2022-07-15 (the day Decree 82 stops: in_force_to is exclusive).
    (date(2022, 7, 15), {"VN35-ENT-RECP", "VN35-EIP-WWTP", "VN21-LU-GREEN"},
     {"VN82-RECP", "VN19-LU-GREEN"}),
])
def test_decree_35_set_judges_by_the_rules_in_force(sample, day, in_force, not_in_force):
    report = check(sample, "vn-eip-decree-35", tables={"register": register_at(day)}, as_of=day)
    ids = set(by_id(report))
    assert in_force <= ids
    assert not (not_in_force & ids)
    assert report.to_dict()["as_of"] == day.isoformat()


def test_sample_against_decree_35_today(sample):
    report = by_id(check(sample, "vn-eip-decree-35", tables={"register": register_at(date(2026, 12, 31))},
                         as_of=date(2026, 12, 31)))
    # RECP applied by F09, F12, F13, F14, F16, F17 of 17 enterprises: 6/17 = 0.353 ≥ 0.20.
    assert report["VN35-ENT-RECP"].value == pytest.approx(6 / 17) and report["VN35-ENT-RECP"].passed
    # Reused 300 + 200 + 250 + 120 + 100 = 970 of 3,415 m³/d of wastewater: 0.284 > 0.
    assert report["VN35-WW-REUSE"].value == pytest.approx(970 / 3415)
    # 13 firms have over 100 workers; 10 of them have a grievance mechanism: 0.769 ≥ 0.75.
    assert report["VN35-SOC-GRIEVANCE"].value == pytest.approx(10 / 13)
    assert report["VN35-SOC-GRIEVANCE"].passed
    # Register: IS-04 (2015) and IS-05 (2026-07-08) implemented: 2 ≥ 1.
    assert report["VN35-IS-LINKS"].value == 2 and report["VN35-IS-LINKS"].passed
    assert report["VN35-GHG-PLAN"].passed is True  # ghg_plan yes from 2026
    assert report["VN35-SOC-INFRA"].passed is False  # social_infrastructure: no
    assert report["VN35-SOC-INFRA"].value == 0


def test_missing_register_is_not_assessed(sample):
    report = check(sample, "vn-eip-decree-35", as_of=date(2026, 12, 31))
    links = by_id(report)["VN35-IS-LINKS"]
    assert links.assessed is False and links.passed is None and math.isnan(links.value)
    assert "register" in links.reason
    assert "VN35-IS-LINKS" in report.to_dict()["not_assessed"]


def test_intl_framework_on_the_sample(sample):
    report = by_id(check(sample, "intl-eip-framework-2021", as_of=date(2026, 12, 31)))
    # ISO 14001: F09, F13, F14 and (from 2025) F12: 4/17 > 0.
    assert report["IF-ENV-EMS"].value == pytest.approx(4 / 17) and report["IF-ENV-EMS"].passed
    # Energy reported by F09, F12, F13, F14, F16: 5 enterprises.
    assert report["IF-ENV-ENERGY"].value == 5
    assert report["IF-ENV-WWTP"].passed and not report["IF-ENV-CLIMATE"].passed


def test_history_with_the_qcvn_set_today():
    """Each snapshot checks against today's QCVN set; green share and the strip rise (README)."""
    green, strip = {}, {}
    for year in range(2022, 2027):
        report = by_id(check(load_park(HISTORY / f"tang_loong_{year}.gpkg"), "vn-qcvn-01-2021"))
        green[year] = report["VN21-LU-GREEN"].value
        strip[year] = report["VN21-BUF-STRIP"].value
    # (61.19 ha CX + planted CXCL) / 1,097.67 ha: see tests/test_history.py.
    assert green == pytest.approx({year: ha / BOUNDARY_HA for year, ha in GREEN_HA.items()}, abs=1e-4)
    assert strip[2022] == strip[2023] < strip[2024] < strip[2025] < strip[2026]
    assert strip[2026] == pytest.approx(0.572, abs=1e-3)  # the sample's 57.2 % (layers/README.md)


def test_history_recp_share_crosses_the_threshold_in_2024():
    # 2/16, 3/16 fail the 20 % floor; 4/16 = 25 % passes (tests/test_history.py).
    passed = {}
    for year in range(2022, 2027):
        day = date(year, 12, 31)
        report = by_id(check(load_park(HISTORY / f"tang_loong_{year}.gpkg"), "vn-eip-decree-35",
                             tables={"register": register_at(day)}, as_of=day))
        passed[year] = report["VN35-ENT-RECP"].passed
    assert passed == {2022: False, 2023: False, 2024: True, 2025: True, 2026: True}
