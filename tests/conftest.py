"""Shared fixtures. Tests build what they need; tests needing the real spaCy model are
marked ``model`` and still run in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def fast_pipeline():
    import scrubber

    return scrubber.load("fast")


@pytest.fixture(scope="session")
def builtin_rules():
    from scrubber.resources import rules_dir
    from scrubber.rules import load_rules

    return load_rules([rules_dir()])
