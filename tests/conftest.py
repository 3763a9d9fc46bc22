"""Shared fixtures. Tests build what they need; tests needing the real spaCy model are
marked ``model`` and still run in CI."""

from __future__ import annotations

import socket
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


# A regex-only pseudonymizing pipeline: keyed output without loading the spaCy model.
PSEUDO_REGEX_PIPELINE = """
name: pseudo-regex
detectors:
  - type: regex.v1
    rules: [builtin]
resolve:
  policy: longest_first
transforms:
  default: {operator: pseudonymize, scope: document}
"""


@pytest.fixture
def network_calls(monkeypatch):
    """Every attempt to resolve or connect is recorded and fails: the list of attempts."""
    calls: list[str] = []

    def blocked(name):
        def fail(*args, **kwargs):
            calls.append(name)
            raise OSError(f"network blocked in tests ({name})")
        return fail

    monkeypatch.setattr(socket.socket, "connect", blocked("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", blocked("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", blocked("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", blocked("getaddrinfo"))
    return calls


@pytest.fixture
def mem():
    """A fresh folder of the (process-wide) memory filesystem, removed afterwards."""
    import uuid

    import fsspec

    fs = fsspec.filesystem("memory")
    root = f"/scrubber-test-{uuid.uuid4().hex[:8]}"
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)
