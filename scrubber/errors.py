"""The scrubber exception tree, grouped by what the caller should do.

::

    ScrubberError
      ConfigError                 fatal at load time; CLI exit code 2
        RuleError                 a rule file is invalid (names file, rule id, key)
        RegistryError             an unknown component name (lists the valid ones)
      MissingDependencyError      an optional extra is not installed; says what to install
      RecordError                 this record is quarantined, the run goes on
      ShardError                  this shard fails, the other shards go on

Fail closed: a record that raised while being scrubbed is never written out unscrubbed.
"""

from __future__ import annotations


class ScrubberError(Exception):
    """Base class of every error scrubber raises on purpose."""


class ConfigError(ScrubberError):
    """A pipeline, rule or option is invalid. Raised at load time, never mid-corpus."""


class RuleError(ConfigError):
    """A rule file is invalid; the message names the file, the rule id and the key."""


class RegistryError(ConfigError):
    """A component name is unknown; the message lists the available names."""


class MissingDependencyError(ScrubberError):
    """An optional dependency is missing; the message says exactly what to ``pip install``."""


class RecordError(ScrubberError):
    """One record cannot be processed; it is quarantined and the run goes on."""


class ShardError(ScrubberError):
    """One input shard cannot be processed; the other shards go on."""


def missing_dependency(module: str, extra: str) -> MissingDependencyError:
    """Build the error for an optional dependency that failed to import."""
    return MissingDependencyError(
        f"the optional dependency {module!r} is not installed; "
        f"install it with: pip install 'scrubber[{extra}]'"
    )
