"""Transforms: build the output text from the input and its resolved spans.

A transform never detects. Each label picks an *operator* (``replace``, ``mask``, ``redact``,
and later ``pseudonymize`` / ``dp``) from config. The output is assembled in one pass from
slices, never with ``str.replace`` (which would also rewrite other occurrences).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import ConfigError
from .registry import operators
from .spans import Span


@dataclass
class DocContext:
    """Per-document state handed to operators.

    ``doc_id`` identifies the document for keyed seeding (defaults to a hash of its text, so
    the output depends only on config, key and record). ``memo`` lets an operator keep
    mentions of one entity consistent within the document. ``epsilon`` accumulates the local
    DP epsilon the document's replacements spent (sequential composition).
    """

    text: str
    given_doc_id: str | None = None
    key: Any = None  # the pipeline's secret key object (see scrubber.keys), or None
    memo: dict[Any, Any] = field(default_factory=dict)
    epsilon: float = 0.0

    @property
    def doc_id(self) -> str:
        # Computed on first use only: tag/mask operators never need it.
        if self.given_doc_id is None:
            self.given_doc_id = hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()
        return self.given_doc_id


class Operator(Protocol):
    """Returns the replacement for ``value`` (= ``ctx.text[span.start:span.end]``).

    An operator that needs the secret key sets the attribute ``requires_key = True``; the
    pipeline then refuses to load without a key (fail closed), and the operator reads it from
    ``ctx.key``. An operator that spends local DP epsilon adds it to ``ctx.epsilon``.
    """

    def __call__(self, value: str, span: Span, ctx: DocContext) -> str: ...


def apply_operators(
    text: str, spans: Sequence[Span], pick: Callable[[str], Operator], ctx: DocContext
) -> tuple[str, list[str], list[float]]:
    """Replace each (non-overlapping, sorted) span.

    Returns the new text, the replacement of each span, and the local epsilon each span's
    operator spent (the increase of ``ctx.epsilon`` during its call).
    """
    pieces: list[str] = []
    replacements: list[str] = []
    epsilons: list[float] = []
    pos = 0
    for span in spans:
        if span.start < pos or span.end > len(text):
            raise ValueError(f"spans must be sorted, non-overlapping and in bounds: {span}")
        before = ctx.epsilon
        new = pick(span.label)(text[span.start : span.end], span, ctx)
        epsilons.append(ctx.epsilon - before)
        pieces.append(text[pos : span.start])
        pieces.append(new)
        replacements.append(new)
        pos = span.end
    pieces.append(text[pos:])
    return "".join(pieces), replacements, epsilons


@dataclass(frozen=True)
class ReplaceOptions:
    """``replace``: a template; ``{label}`` is the entity label."""

    template: str = "<{label}>"

    def validate(self) -> None:
        try:
            self.template.format(label="X")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"template: only {{label}} may be used ({exc})") from None


@dataclass(frozen=True)
class MaskOptions:
    """``mask``: replace each character with ``char``, keeping the last ``keep_last``.

    With ``keep_separators`` spaces and punctuation are kept (``**** **** **** 1111``).
    """

    char: str = "*"
    keep_last: int = 0
    keep_separators: bool = False

    def validate(self) -> None:
        if len(self.char) != 1:
            raise ConfigError(f"char: expected one character, got {self.char!r}")
        if self.keep_last < 0:
            raise ConfigError("keep_last: must be >= 0")


@dataclass(frozen=True)
class RedactOptions:
    """``redact``: remove the text entirely."""


@operators.register("replace", ReplaceOptions)
def make_replace(options: ReplaceOptions) -> Operator:
    template = options.template

    def replace(value: str, span: Span, ctx: DocContext) -> str:
        return template.format(label=span.label)

    return replace


@operators.register("mask", MaskOptions)
def make_mask(options: MaskOptions) -> Operator:
    char, keep, seps = options.char, options.keep_last, options.keep_separators

    def mask(value: str, span: Span, ctx: DocContext) -> str:
        # Count kept characters among alphanumerics so separators do not eat the budget.
        out: list[str] = []
        kept = 0
        for ch in reversed(value):
            if seps and not ch.isalnum():
                out.append(ch)
            elif kept < keep and ch.isalnum():
                out.append(ch)
                kept += 1
            else:
                out.append(char)
        return "".join(reversed(out))

    return mask


@operators.register("redact", RedactOptions)
def make_redact(options: RedactOptions) -> Operator:
    def redact(value: str, span: Span, ctx: DocContext) -> str:
        return ""

    return redact


# Keyed surrogate operators (scrubber/pseudo), imported on first use.
for _name in ("pseudonymize", "dp"):
    operators.register_lazy(_name, "scrubber.pseudo.operators")

# presidio-anonymizer's operators by name (scrubber/presidio_ops), imported on first use.
for _name in ("presidio", "presidio.v1"):
    operators.register_lazy(_name, "scrubber.presidio_ops")
