"""scrubber: PII scrubbing for LLM training corpora.

>>> import scrubber
>>> pipe = scrubber.load("fast")
>>> pipe.scrub("mail a.b@example.org").text
'mail <EMAIL_ADDRESS>'
"""

from __future__ import annotations

from ._version import __version__
from .config import PipelineConfig, load_config
from .errors import (
    ConfigError,
    MissingDependencyError,
    RecordError,
    RegistryError,
    RuleError,
    ScrubberError,
    ShardError,
)
from .pipeline import Pipeline, ScrubResult, load
from .spans import Span, resolve_overlaps

__all__ = [
    "ConfigError",
    "MissingDependencyError",
    "Pipeline",
    "PipelineConfig",
    "RecordError",
    "RegistryError",
    "RuleError",
    "ScrubResult",
    "ScrubberError",
    "ShardError",
    "Span",
    "__version__",
    "load",
    "load_config",
    "resolve_overlaps",
]
