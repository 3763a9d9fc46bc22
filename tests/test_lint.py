"""ruff and mypy, as DESIGN.md asks of CI: run through the test command so CI runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    exe = Path(sys.executable).parent / name
    found = str(exe) if exe.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install 'scrubber[dev]')")
    return found


def test_lint_ruff_clean():
    out = subprocess.run([_tool("ruff"), "check", "scrubber", "tests", "benchmarks"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_lint_mypy_clean():
    out = subprocess.run([_tool("mypy"), "--cache-dir", "/tmp/scrubber-mypy-cache", "scrubber"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
