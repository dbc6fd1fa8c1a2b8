"""The README's quick start: two commands, and CI runs the test command exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```\n(.*?)```", section, flags=re.DOTALL)]


def test_two_commands_each_in_a_virtual_environment():
    commands = _quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        assert "\n" not in command
        # Debian 12's Python refuses `pip install` outside a virtual environment (PEP 668)
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && python -m pip install ")
    assert commands[0].endswith("eipgis assess")
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start_commands()[1] in ci.splitlines()
