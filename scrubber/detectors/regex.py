"""``regex.v1``: the rule-file detector on the RE2 engine."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from ..engine import RegexEngine
from ..errors import ConfigError
from ..normalize import normalize
from ..registry import detectors
from ..resources import rules_dir
from ..rules import Rule, load_rules
from ..spans import Span
from ..validators import ValidationContext


@dataclass(frozen=True)
class RegexDetectorOptions:
    """Options of ``regex.v1``.

    ``rules``: rule files or folders; ``builtin`` is the shipped ``rules/`` folder and
    ``builtin/context`` its context rules for names and identifiers (used by the NER pipelines).
    ``include`` / ``exclude``: rule ids or labels, shell wildcards allowed (``secret.*``).
    """

    rules: tuple[str, ...] = ("builtin",)
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    min_score: float = 0.0
    # Detect on a copy normalized against evasion (zero-width characters, full-width digits,
    # "[at]"/"[dot]", spaced digits); spans are mapped back to the original text.
    normalize: bool = True
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "CA", "AU", "IN")

    def validate(self) -> None:
        import phonenumbers

        for i, region in enumerate(self.phone_regions):
            if region not in phonenumbers.SUPPORTED_REGIONS:
                raise ConfigError(f"phone_regions[{i}]: unknown region {region!r} (use ISO codes such as US, GB)")


def _selected(rule: Rule, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rule.id, p) or fnmatch.fnmatchcase(rule.label, p) for p in patterns)


def _rules_path(name: str) -> Path:
    """``builtin`` is the shipped ``rules/`` folder, ``builtin/SUB`` one of its subfolders
    (e.g. ``builtin/context``: rules the NER pipelines add); anything else is a path."""
    if name == "builtin":
        return rules_dir()
    if name.startswith("builtin/"):
        return rules_dir() / name.removeprefix("builtin/")
    return Path(name)


def select_rules(options: RegexDetectorOptions) -> list[Rule]:
    paths = [_rules_path(r) for r in options.rules]
    for p in paths:
        if not p.exists():
            raise ConfigError(f"rules: {p} does not exist")
    rules = load_rules(paths)
    return [
        r for r in rules
        if _selected(r, options.include) and not _selected(r, options.exclude) and r.score >= options.min_score
    ]


class RegexDetector:
    """Detects PII with rules from YAML files, validated, in linear time."""

    def __init__(self, options: RegexDetectorOptions | None = None, rules: list[Rule] | None = None) -> None:
        self.options = options or RegexDetectorOptions()
        self.rules = rules if rules is not None else select_rules(self.options)
        self.engine = RegexEngine(self.rules, ValidationContext(phone_regions=self.options.phone_regions))

    @property
    def labels(self) -> list[str]:
        return sorted({r.label for r in self.rules})

    def __call__(self, text: str) -> list[Span]:
        norm = normalize(text) if self.options.normalize else None
        if norm is None:
            return self.engine.find(text)
        spans = []
        for s in self.engine.find(norm.text):
            start, end = norm.to_original(s.start, s.end)
            spans.append(Span(start, end, s.label, s.score, s.source))
        return spans


@detectors.register("regex.v1", RegexDetectorOptions)
def make_regex_detector(options: RegexDetectorOptions) -> RegexDetector:
    return RegexDetector(options)
