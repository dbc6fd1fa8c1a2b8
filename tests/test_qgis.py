"""The QGIS bridge, checked in real PyQGIS: runs ``tests/qgis_checks.py`` under QGIS's Python.

The test run's own Python (pyenv 3.11.7 in CI) cannot import ``qgis``; Debian's QGIS runs on
``/usr/bin/python3``. ``.ci/run`` makes ``.ci-qgis-venv`` (that Python, with system site
packages, eipgis and the pins of ``.ci/qgis-constraints.txt``); these tests run the checks
there once, in one pytest session, and report each check here. They skip when no QGIS Python
is found, except in CI (``CI`` set), where they fail.

``EIPGIS_QGIS_PYTHON`` names the interpreter to use; by default ``.ci-qgis-venv/bin/python``,
else ``/usr/bin/python3`` if it can import qgis, eipgis and pytest.
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _system import require

REPO = Path(__file__).resolve().parents[1]
CHECKS = REPO / "tests" / "qgis_checks.py"

#: The checks of qgis_checks.py (a test below makes sure none is left out).
CHECK_NAMES = (
    "test_from_layer_sample",
    "test_round_trip_attributes_crs_and_text",
    "test_geometry_types_both_ways",
    "test_from_layer_by_file_path",
    "test_table_without_geometry",
    "test_curved_geometry_is_segmentized",
    "test_layers_that_cannot_be_converted",
    "test_park_from_layers_matches_load_park",
    "test_park_from_layers_reports_qgis_layer_names",
    "test_add_results_styles_and_attributes",
    "test_add_results_report_without_park",
    "test_add_results_scenario_and_links",
    "test_processing_in_process",
    "test_qgis_process_lists_and_checks",
    "test_qgis_process_landcover",
    "test_qgis_process_sample_lonlat_raster",
    "test_qgis_process_scenario",
    "test_qgis_process_hostile_scenario",
    "test_qgis_process_bad_input",
    "test_raster_evidence_in_qgis_python",
    "test_versions_are_debians",
    "test_add_results_layer_order_and_vietnamese_titles",
    "test_readme_console_snippet_runs_verbatim",
    "test_processing_output_is_styled_like_add_results",
    "test_processing_dialog_defaults_from_open_layers",
    "test_processing_titles_in_vietnamese",
    "test_processing_titles_in_english_without_optional_twice",
    "test_processing_log_is_a_table_and_progress_moves",
    "test_plugin_without_eipgis_says_what_to_do",
    "test_install_writes_the_profile",
    "test_desktop_under_xvfb_finds_the_provider",
)

_PROBE = "import qgis.core, eipgis, pytest, exactextract, rasterio"


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(tmp / "qgis-profile")  # leave the user's profile alone
    (tmp / "qgis-profile").mkdir(exist_ok=True)
    for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):  # the test run's, not QGIS's
        env.pop(key, None)
    return env


def qgis_python(tmp: Path) -> tuple[str | None, str]:
    """The interpreter to run the checks with, and why none was found."""
    named = os.environ.get("EIPGIS_QGIS_PYTHON")
    candidates = [named] if named else [str(REPO / ".ci-qgis-venv" / "bin" / "python"), "/usr/bin/python3"]
    reasons = []
    for candidate in candidates:
        if not Path(candidate).exists():
            reasons.append(f"{candidate}: not found")
            continue
        probe = subprocess.run([candidate, "-c", _PROBE], env=_env(tmp), capture_output=True,
                               text=True, timeout=120, check=False)
        if probe.returncode == 0:
            return candidate, ""
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        reasons.append(f"{candidate}: {last}")
    return None, "; ".join(reasons)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, list[tuple[str, str]]]:
    """Run qgis_checks.py once under the QGIS Python: check name → [(outcome, message)]."""
    tmp = tmp_path_factory.mktemp("qgis")
    python, why = qgis_python(tmp)
    if python is None:
        return {"__missing__": [("missing", why)]}
    junit = tmp / "junit.xml"
    done = subprocess.run(
        [python, "-m", "pytest", str(CHECKS), "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "-W", "ignore::DeprecationWarning", f"--junitxml={junit}", f"--basetemp={tmp / 'run'}"],
        cwd=REPO, env=_env(tmp), capture_output=True, text=True, timeout=1800, check=False,
    )
    if not junit.exists():
        pytest.fail(f"the QGIS checks did not run (exit {done.returncode}):\n{done.stdout[-4000:]}\n"
                    f"{done.stderr[-4000:]}", pytrace=False)
    found: dict[str, list[tuple[str, str]]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "").split("[")[0]
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = tag
                message = (node.get("message") or "") + "\n" + (node.text or "")
        found.setdefault(name, []).append((outcome, message))
    return found


def _require_qgis(outcomes: dict[str, list[tuple[str, str]]]) -> None:
    missing = outcomes.get("__missing__")
    require("a QGIS Python with eipgis (see .ci/run: .ci-qgis-venv)", missing is None,
            install="apt-get install python3-qgis qgis-providers qgis; then the .ci/run venv step"
            + (f" — {missing[0][1]}" if missing else ""))


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_in_qgis(outcomes, name):
    _require_qgis(outcomes)
    results = outcomes.get(name)
    assert results, f"{name} did not run in the QGIS session"
    bad = [(o, m) for o, m in results if o != "passed"]
    assert not bad, f"{name} in PyQGIS: {bad[0][0]}\n{bad[0][1][-3000:]}"


def test_every_check_is_listed(outcomes):
    _require_qgis(outcomes)
    assert sorted(outcomes) == sorted(CHECK_NAMES)
