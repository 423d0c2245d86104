"""The type checker as a test (issue 14 item 2): mypy, configured in pyproject.toml's [tool.mypy], passes.

The whole `trainer` package is checked in mypy's normal mode, and the pure core (scoring, content, the
role-play engine, the agreement, competency and Delphi statistics) with strict mode's flags. mypy runs in a
subprocess from the repository root, so it reads the same configuration and cache as `mypy` run by hand;
a warm cache makes the run take about a second, a cold one (a fresh clone) under a minute.
"""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parents[2]


def test_rule_mypy_is_clean_strict_on_the_pure_core():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"
