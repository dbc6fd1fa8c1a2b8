"""Tests that need a system package (Chromium, QGIS, PostgreSQL) skip without it, except in CI."""

from __future__ import annotations

import os

import pytest


def require(what: str, available: bool, *, install: str = "") -> None:
    """Skip the calling test when ``what`` is missing; fail instead when ``CI`` is set.

    CI installs every system package the tests need (``.ci/run``), so a missing one there is
    a broken CI script, not a reason to skip.
    """
    if available:
        return
    hint = f" (install: {install})" if install else ""
    message = f"{what} is not available{hint}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must install it in .ci/run", pytrace=False)
    pytest.skip(message)
