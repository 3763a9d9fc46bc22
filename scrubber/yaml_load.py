"""Read YAML documents (rule files, pipeline configs) with libyaml's C parser where installed.

PyYAML's pure-Python ``safe_load`` took about 0.1 s for the builtin rule files alone, paid by
every run and every spawned worker; the C loader (``CSafeLoader``, present in PyYAML's wheels)
builds the same safe objects several times faster. Errors are the same ``yaml.YAMLError``.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load(text)``, on the C parser when PyYAML has it."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
