"""Where the shipped rules and pipelines live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # A wheel carries them inside the package (scrubber/_data/NAME, see pyproject's
    # force-include); a source checkout or editable install has them at the repository root.
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"scrubber's bundled {name}/ folder was not found next to {_PKG}")


def rules_dir() -> Path:
    return _find("rules")


def pipelines_dir() -> Path:
    return _find("pipelines")


def examples_dir() -> Path:
    return _find("examples")
