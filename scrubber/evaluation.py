"""Scoring detected spans against gold spans: pure functions and an accumulator, no I/O.

Used by ``scrubber eval``, ``benchmarks/compare_presidio.py`` and anything else that needs to
say how well a detector did. Everything here works on :class:`~scrubber.spans.Span` values
and strings; reading files and running pipelines is the caller's business.

Measures
--------
Per label and overall (micro-averaged over the *scored* labels):

``tp`` / ``fp`` / ``fn``, precision, recall, F1 and F2 (F-beta with beta = 2, which weights
recall, as Presidio's evaluator does). Two matching modes:

``overlap``
    A gold span is found (``tp``) when a predicted span **of the same label** overlaps it,
    otherwise it is missed (``fn``). A predicted span is a false positive (``fp``) when it
    overlaps no gold span of its label. (Lenient: a gold address found as two pieces is one
    ``tp`` and no ``fp``.)
``exact``
    A gold span is found when a predicted span has the same start, end and label; every other
    predicted span is a false positive.

Only labels present in the gold data are scored, per dataset: a URL found in a data set that
does not label URLs is not a false positive (it is counted under ``unscored_predictions``).

Privacy measures (label-agnostic; over the *privacy labels*, i.e. the scored labels minus
``ORG`` unless ``include_org``):

``any_label_recall``
    Share of gold spans overlapped by **any** predicted span, whatever its label (the PII is
    gone from the output even if it was called the wrong thing).
``any_label_precision``
    Share of predicted spans that overlap a gold span of any scored label. Counted over the
    predicted spans whose label is a privacy label or that overlap a scored gold span.
``leak_rate``
    Share of unique gold surface strings of a record that still appear verbatim, as a whole
    word, in that record's scrubbed output.

Undefined ratios (0/0) are ``None``; an F score with no true positive is 0.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .spans import Span

MATCHING_MODES: tuple[str, ...] = ("overlap", "exact")

#: Labels scrubber's detectors emit or that Presidio uses (scrubber uses Presidio's entity
#: names), plus ``ORG``. Gold labels must be one of these after aliasing.
CANONICAL_LABELS: frozenset[str] = frozenset({
    "PERSON", "LOCATION", "STREET_ADDRESS", "ORG", "NRP",
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "MAC_ADDRESS",
    "US_SSN", "US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER", "US_ITIN", "UK_NHS",
    "CRYPTO", "MEDICAL_LICENSE", "URL", "DATE_TIME", "SECRET", "ID_NUMBER", "USERNAME",
})

#: Common gold label names -> scrubber's. ``None`` means "known, but not something scrubber
#: scrubs": such gold spans are dropped and counted under ``ignored_gold_labels``.
DEFAULT_ALIASES: Mapping[str, str | None] = {
    # people, places, organisations
    "PER": "PERSON", "PERS": "PERSON", "NAME": "PERSON", "PERSON_NAME": "PERSON",
    "FIRST_NAME": "PERSON", "LAST_NAME": "PERSON", "USERNAME": "USERNAME", "HANDLE": "USERNAME",
    "LOC": "LOCATION", "GPE": "LOCATION", "FAC": "LOCATION", "CITY": "LOCATION",
    "COUNTRY": "LOCATION", "STATE": "LOCATION",
    "ADDRESS": "STREET_ADDRESS", "STREET": "STREET_ADDRESS",
    "ORGANIZATION": "ORG", "ORGANISATION": "ORG", "COMPANY": "ORG",
    "NORP": "NRP",
    # contact and identifiers
    "PHONE": "PHONE_NUMBER", "TELEPHONE": "PHONE_NUMBER", "PHONE_NUM": "PHONE_NUMBER",
    "EMAIL": "EMAIL_ADDRESS", "E_MAIL": "EMAIL_ADDRESS",
    "SSN": "US_SSN", "IBAN": "IBAN_CODE", "CREDIT_CARD_NUMBER": "CREDIT_CARD",
    "CC": "CREDIT_CARD", "IP": "IP_ADDRESS", "IPV4": "IP_ADDRESS", "IPV6": "IP_ADDRESS",
    "MAC": "MAC_ADDRESS", "DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "PASSPORT": "US_PASSPORT", "LINK": "URL", "ID": "ID_NUMBER", "ID_NUM": "ID_NUMBER",
    "MEDICAL_RECORD": "ID_NUMBER", "MRN": "ID_NUMBER",
    "PASSWORD": "SECRET", "API_KEY": "SECRET", "TOKEN": "SECRET", "KEY": "SECRET",
    "DATE": "DATE_TIME", "TIME": "DATE_TIME", "DATETIME": "DATE_TIME", "DOB": "DATE_TIME",
    # annotated in public sets, but not what scrubber removes
    "AGE": None, "TITLE": None, "ZIP_CODE": None, "PRODUCT": None, "CREATIVE_WORK": None,
    "WORK_OF_ART": None, "GROUP": None, "EVENT": None, "LANGUAGE": None, "MISC": None,
    "O": None,
}

#: Scored, but left out of the privacy measures unless asked: organisation names are rarely
#: personal data and NER finds them noisily.
PREDICTION_ALIASES: Mapping[str, str] = {"ORGANIZATION": "ORG"}

PRIVACY_EXCLUDED_BY_DEFAULT: frozenset[str] = frozenset({"ORG"})

_LABEL_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class InvalidRecord(ValueError):
    """A gold record is malformed. The message says what is wrong, not where: the caller
    prefixes the location (``file:line``)."""


class LabelMapper:
    """Maps a gold label to a canonical label, ``None`` (drop it), or raises
    :class:`InvalidRecord` for an unknown label.

    ``overrides`` (from ``--label-map``) replace built-in aliases. ``labels`` restricts what
    is scored: any label outside it (after mapping) is dropped, known or not.
    """

    def __init__(
        self,
        overrides: Mapping[str, str | None] | None = None,
        labels: Collection[str] | None = None,
        aliases: Mapping[str, str | None] = DEFAULT_ALIASES,
    ) -> None:
        self.table: dict[str, str | None] = {k.upper(): v for k, v in aliases.items()}
        for key, value in (overrides or {}).items():
            if value is not None and not _LABEL_RE.match(value):
                raise ValueError(f"label map: {key!r} -> {value!r}: target must be an upper-case label or null")
            self.table[key.upper()] = value
        self.restrict: frozenset[str] | None = None
        if labels is not None:
            mapped = set()
            for lab in labels:
                target = lab if lab in CANONICAL_LABELS else self.table.get(lab.upper(), lab)
                if target is not None:
                    mapped.add(target)
            self.restrict = frozenset(mapped)
        self._cache: dict[str, str | None] = {}

    def __call__(self, label: str) -> str | None:
        try:
            return self._cache[label]
        except KeyError:
            pass
        key = label.upper().replace("-", "_")
        if label in self.table:
            target = self.table[label]
        elif key in self.table:
            target = self.table[key]
        elif key in CANONICAL_LABELS:
            target = key
        elif self.restrict is not None:
            target = None  # --labels leaves it out anyway
        else:
            raise InvalidRecord(
                f"unknown label {label!r}: map it with --label-map (to a scrubber label, or to null to "
                f"ignore it) or leave it out with --labels. Scrubber labels: {', '.join(sorted(CANONICAL_LABELS))}"
            )
        if target is not None and self.restrict is not None and target not in self.restrict:
            target = None
        self._cache[label] = target
        return target


@dataclass(frozen=True)
class GoldRecord:
    """A validated gold record: its text, its gold spans (canonical labels), and the gold
    labels that were dropped (ignored or left out by ``--labels``) with their counts."""

    text: str
    spans: tuple[Span, ...]
    dropped: Mapping[str, int] = field(default_factory=dict)
    id: str | None = None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_record(obj: Any, mapper: LabelMapper | None = None) -> GoldRecord:
    """Validate one decoded JSON line ``{"text", "spans": [{"start", "end", "label"}]}``.

    Raises :class:`InvalidRecord` for a missing/ill-typed field, a span out of range, a span
    whose ``"text"`` (when given) differs from ``text[start:end]``, or an unknown label.
    """
    mapper = mapper or LabelMapper()
    if not isinstance(obj, dict):
        raise InvalidRecord(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InvalidRecord("'text' is missing or not a string")
    raw_spans = obj.get("spans", [])
    if not isinstance(raw_spans, list):
        raise InvalidRecord("'spans' is not a list")
    spans: set[Span] = set()
    dropped: Counter[str] = Counter()
    n = len(text)
    for i, raw in enumerate(raw_spans):
        where = f"spans[{i}]"
        if not isinstance(raw, dict):
            raise InvalidRecord(f"{where}: expected an object, got {type(raw).__name__}")
        start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
        if not isinstance(start, int) or not isinstance(end, int) or not (_is_int(start) and _is_int(end)):
            raise InvalidRecord(f"{where}: 'start' and 'end' must be integers, got {start!r}, {end!r}")
        if not isinstance(label, str) or not label:
            raise InvalidRecord(f"{where}: 'label' is missing or not a string")
        if not 0 <= start < end <= n:
            raise InvalidRecord(f"{where}: span [{start}, {end}) is out of range for a text of {n} characters")
        if "text" in raw and raw["text"] != text[start:end]:
            raise InvalidRecord(
                f"{where}: span text {raw['text']!r} does not match text[{start}:{end}] = {text[start:end]!r}"
            )
        try:
            target = mapper(label)
        except InvalidRecord as exc:
            raise InvalidRecord(f"{where}: {exc}") from None
        if target is None:
            dropped[label] += 1
        else:
            spans.add(Span(start, end, target))
    rid = obj.get("id")
    return GoldRecord(text, tuple(sorted(spans)), dict(dropped), rid if isinstance(rid, str) else None)


# -- scores --------------------------------------------------------------------------------


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def f_beta(precision: float | None, recall: float | None, beta: float = 1.0) -> float:
    """F-beta; 0 when either side is undefined or both are 0."""
    if not precision or not recall:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


@dataclass(frozen=True)
class Scores:
    """Counts and the ratios derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return f_beta(self.precision, self.recall, 1.0)

    @property
    def f2(self) -> float:
        return f_beta(self.precision, self.recall, 2.0)

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "support": self.tp + self.fn,
            "precision": _round(self.precision), "recall": _round(self.recall),
            "f1": _round(self.f1), "f2": _round(self.f2),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _overlapping(spans: Sequence[Span], target: Span) -> Iterable[Span]:
    """Spans (sorted by start) that overlap ``target``."""
    for s in spans:
        if s.start >= target.end:
            break
        if s.end > target.start:
            yield s


def match_counts(
    gold: Iterable[Span], predicted: Iterable[Span], matching: str = "overlap"
) -> dict[str, Scores]:
    """Per-label tp/fp/fn of one document, for every label seen on either side."""
    if matching not in MATCHING_MODES:
        raise ValueError(f"unknown matching {matching!r}; available: {', '.join(MATCHING_MODES)}")
    g = sorted(set(gold))
    p = sorted(set(predicted))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    if matching == "exact":
        pkeys = {(s.start, s.end, s.label) for s in p}
        gkeys = {(s.start, s.end, s.label) for s in g}
        for s in g:
            (tp if (s.start, s.end, s.label) in pkeys else fn)[s.label] += 1
        for s in p:
            if (s.start, s.end, s.label) not in gkeys:
                fp[s.label] += 1
    else:
        for s in g:
            hit = any(o.label == s.label for o in _overlapping(p, s))
            (tp if hit else fn)[s.label] += 1
        for s in p:
            if not any(o.label == s.label for o in _overlapping(g, s)):
                fp[s.label] += 1
    return {
        lab: Scores(tp[lab], fp[lab], fn[lab]) for lab in sorted(set(tp) | set(fp) | set(fn))
    }


def score_spans(
    gold: Iterable[Span], predicted: Iterable[Span], matching: str = "overlap",
    labels: Collection[str] | None = None,
) -> dict[str, Scores]:
    """Per-label scores of one document restricted to ``labels`` (default: gold labels)."""
    gold = list(gold)
    scored = set(labels) if labels is not None else {s.label for s in gold}
    return {k: v for k, v in match_counts(gold, predicted, matching).items() if k in scored}


def leaked(gold: Iterable[Span], text: str, output: str) -> tuple[list[str], list[str]]:
    """The unique gold surface strings of a record, and those still in ``output`` as a whole
    word (not preceded or followed by a word character)."""
    strings = sorted({text[s.start:s.end] for s in gold})
    return strings, [s for s in strings if appears_as_word(s, output)]


def appears_as_word(needle: str, haystack: str) -> bool:
    if needle not in haystack:
        return False
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack) is not None


# -- accumulation over a corpus -------------------------------------------------------------


@dataclass(frozen=True)
class PrivacyScores:
    labels: tuple[str, ...]
    gold_spans: int
    caught: int
    predicted: int
    correct: int
    unique_strings: int
    leaked: int

    @property
    def any_label_recall(self) -> float | None:
        return ratio(self.caught, self.gold_spans)

    @property
    def any_label_precision(self) -> float | None:
        return ratio(self.correct, self.predicted)

    @property
    def leak_rate(self) -> float | None:
        return ratio(self.leaked, self.unique_strings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "any_label_recall": _round(self.any_label_recall), "gold_spans": self.gold_spans,
            "caught": self.caught,
            "any_label_precision": _round(self.any_label_precision), "predicted": self.predicted,
            "correct": self.correct,
            "leak_rate": _round(self.leak_rate), "unique_strings": self.unique_strings,
            "leaked": self.leaked,
        }


@dataclass(frozen=True)
class EvalReport:
    """What :meth:`Evaluator.report` returns. ``labels`` / ``overall`` use ``matching``;
    ``by_matching`` has both modes."""

    matching: str
    documents: int
    chars: int
    scored_labels: tuple[str, ...]
    by_matching: Mapping[str, Mapping[str, Scores]]
    privacy: PrivacyScores
    per_label_any_recall: Mapping[str, float | None]
    per_label_leak_rate: Mapping[str, float | None]
    ignored_gold_labels: Mapping[str, int]
    unscored_predictions: Mapping[str, int]
    examples: Mapping[str, Mapping[str, list[dict[str, Any]]]]
    has_output: bool

    @property
    def labels(self) -> Mapping[str, Scores]:
        return self.by_matching[self.matching]

    def overall_for(self, matching: str) -> Scores:
        total = Scores()
        for s in self.by_matching[matching].values():
            total = total + s
        return total

    @property
    def overall(self) -> Scores:
        return self.overall_for(self.matching)

    def to_dict(self) -> dict[str, Any]:
        def label_rows(matching: str) -> dict[str, Any]:
            rows = {}
            for lab, sc in self.by_matching[matching].items():
                row = sc.to_dict()
                row["any_label_recall"] = _round(self.per_label_any_recall.get(lab))
                row["leak_rate"] = _round(self.per_label_leak_rate.get(lab)) if self.has_output else None
                rows[lab] = row
            return rows

        privacy = self.privacy.to_dict()
        if not self.has_output:
            privacy["leak_rate"] = None
        out: dict[str, Any] = {
            "matching": self.matching,
            "documents": self.documents,
            "chars": self.chars,
            "scored_labels": list(self.scored_labels),
            "labels": label_rows(self.matching),
            "overall": self.overall.to_dict(),
            "by_matching": {
                m: {"labels": label_rows(m), "overall": self.overall_for(m).to_dict()}
                for m in self.by_matching
            },
            "privacy": privacy,
            "ignored_gold_labels": dict(sorted(self.ignored_gold_labels.items())),
            "unscored_predictions": dict(sorted(self.unscored_predictions.items())),
        }
        if self.examples:
            out["examples"] = {k: dict(v) for k, v in self.examples.items()}
        return out


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    snippet = text[left:start] + "[[" + text[start:end] + "]]" + text[end:right]
    return ("…" if left else "") + snippet.replace("\n", " ") + ("…" if right < len(text) else "")


class Evaluator:
    """Accumulates scores over a stream of documents in one pass, memory bounded by the
    number of labels (plus ``examples`` kept per label).

    Documents belong to a ``dataset`` (default ``""``; ``scrubber eval`` uses one per file).
    Each dataset is scored on the labels its own gold data contains, which are known only
    at :meth:`report`; so counts are kept per (dataset, label) and filtered at the end. A
    URL found in a dataset that labels no URLs is not a false positive there, even when
    another dataset of the same run labels URLs.
    """

    def __init__(
        self, matching: str = "overlap", *, include_org: bool = False, examples: int = 0,
        labels: Collection[str] | None = None,
    ) -> None:
        if matching not in MATCHING_MODES:
            raise ValueError(f"unknown matching {matching!r}; available: {', '.join(MATCHING_MODES)}")
        self.matching = matching
        self.include_org = include_org
        self.n_examples = examples
        self.restrict = frozenset(labels) if labels is not None else None
        self.datasets: dict[str, list[int]] = {}  # dataset -> [documents, chars]
        self.gold_labels: dict[str, set[str]] = defaultdict(set)
        self.counts: dict[str, dict[tuple[str, str], Scores]] = {m: defaultdict(Scores) for m in MATCHING_MODES}
        # label-agnostic bookkeeping, keyed so scored labels can be chosen at the end
        self.gold_caught: Counter[tuple[str, str, bool]] = Counter()
        self.pred_overlaps: Counter[tuple[str, str, frozenset[str]]] = Counter()
        self.strings: Counter[tuple[str, frozenset[str], bool]] = Counter()
        self.has_output = False
        self.ignored: Counter[str] = Counter()
        self.misses: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.false_positives: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)

    def add(
        self, text: str, gold: Iterable[Span], predicted: Iterable[Span], output: str | None = None,
        *, record_id: str | None = None, ignored: Mapping[str, int] | None = None, dataset: str = "",
    ) -> None:
        """Score one document. ``output`` is its scrubbed text (for the leak rate);
        ``ignored`` counts the gold labels the caller dropped (reported as such)."""
        g = sorted(set(gold))
        # Detectors emit Presidio's names (ORGANIZATION); gold sets say ORG.
        p = sorted({Span(s.start, s.end, PREDICTION_ALIASES.get(s.label, s.label), s.score, s.source)
                    for s in predicted})
        if self.restrict is not None:
            g = [s for s in g if s.label in self.restrict]
        ds = dataset
        stats = self.datasets.setdefault(ds, [0, 0])
        stats[0] += 1
        stats[1] += len(text)
        if ignored:
            self.ignored.update(ignored)
        self.gold_labels[ds].update(s.label for s in g)
        for m in MATCHING_MODES:
            bucket = self.counts[m]
            for lab, sc in match_counts(g, p, m).items():
                bucket[(ds, lab)] = bucket[(ds, lab)] + sc
        for s in g:
            self.gold_caught[(ds, s.label, any(True for _ in _overlapping(p, s)))] += 1
        for s in p:
            self.pred_overlaps[(ds, s.label, frozenset(o.label for o in _overlapping(g, s)))] += 1
        if output is not None:
            self.has_output = True
            by_string: dict[str, set[str]] = defaultdict(set)
            for s in g:
                by_string[text[s.start:s.end]].add(s.label)
            for string, labs in by_string.items():
                self.strings[(ds, frozenset(labs), appears_as_word(string, output))] += 1
        if self.n_examples:
            self._keep_examples(ds, text, g, p, record_id)

    def _keep_examples(self, ds: str, text: str, g: list[Span], p: list[Span], record_id: str | None) -> None:
        exact = self.matching == "exact"
        for s in g:
            kept = self.misses[(ds, s.label)]
            if len(kept) >= self.n_examples:
                continue
            over = list(_overlapping(p, s))
            found = any(
                o.label == s.label and (not exact or (o.start, o.end) == (s.start, s.end)) for o in over
            )
            if not found:
                kept.append({
                    "record": record_id, "text": text[s.start:s.end], "context": _context(text, s.start, s.end),
                    "predicted_as": sorted({f"{o.label}:{text[o.start:o.end]}" for o in over}),
                })
        for s in p:
            kept = self.false_positives[(ds, s.label)]
            if len(kept) >= self.n_examples:
                continue
            over = list(_overlapping(g, s))
            found = any(
                o.label == s.label and (not exact or (o.start, o.end) == (s.start, s.end)) for o in over
            )
            if not found:
                kept.append({
                    "record": record_id, "text": text[s.start:s.end], "context": _context(text, s.start, s.end),
                    "source": s.source, "gold_overlap": sorted({f"{o.label}:{text[o.start:o.end]}" for o in over}),
                })

    def report(self, datasets: Collection[str] | None = None) -> EvalReport:
        """Scores over ``datasets`` (default: all), each on its own gold labels, summed."""
        names = [d for d in self.datasets if datasets is None or d in datasets]
        excluded = set() if self.include_org else set(PRIVACY_EXCLUDED_BY_DEFAULT)
        scored_by = {d: self.gold_labels[d] for d in names}
        privacy_by = {d: {lab for lab in scored_by[d] if lab not in excluded} for d in names}
        scored = tuple(sorted(set().union(*scored_by.values()))) if names else ()
        privacy_labels = tuple(sorted(set().union(*privacy_by.values()))) if names else ()

        by_matching: dict[str, dict[str, Scores]] = {}
        for m in MATCHING_MODES:
            rows: dict[str, Scores] = {lab: Scores() for lab in scored}
            for (d, lab), sc in self.counts[m].items():
                if d in scored_by and lab in scored_by[d]:
                    rows[lab] = rows[lab] + sc
            by_matching[m] = rows

        gold_spans = caught = predicted = correct = unique = leaked_n = 0
        label_caught: Counter[tuple[str, bool]] = Counter()
        for (d, lab, hit), n in self.gold_caught.items():
            if d in scored_by:
                label_caught[(lab, hit)] += n
                if lab in privacy_by[d]:
                    gold_spans += n
                    caught += n if hit else 0
        unscored: Counter[str] = Counter()
        for (d, lab, over), n in self.pred_overlaps.items():
            if d not in scored_by:
                continue
            hits_scored = bool(over & scored_by[d])
            if lab in privacy_by[d] or hits_scored:
                predicted += n
                correct += n if hits_scored else 0
            if lab not in scored_by[d]:
                unscored[lab] += n
        label_strings: Counter[tuple[str, bool]] = Counter()
        for (d, labs, hit), n in self.strings.items():
            if d not in scored_by:
                continue
            for lab in labs:
                label_strings[(lab, hit)] += n
            if labs & privacy_by[d]:
                unique += n
                leaked_n += n if hit else 0
        per_any = {lab: ratio(label_caught[(lab, True)], label_caught[(lab, True)] + label_caught[(lab, False)])
                   for lab in scored}
        per_leak = {lab: ratio(label_strings[(lab, True)], label_strings[(lab, True)] + label_strings[(lab, False)])
                    for lab in scored}
        examples: dict[str, dict[str, list[dict[str, Any]]]] = {}
        if self.n_examples:
            for lab in scored:
                misses = [x for d in names if lab in scored_by[d] for x in self.misses.get((d, lab), [])]
                fps = [x for d in names if lab in scored_by[d] for x in self.false_positives.get((d, lab), [])]
                examples[lab] = {"misses": misses[:self.n_examples], "false_positives": fps[:self.n_examples]}
        return EvalReport(
            matching=self.matching,
            documents=sum(self.datasets[d][0] for d in names),
            chars=sum(self.datasets[d][1] for d in names),
            scored_labels=scored,
            by_matching=by_matching,
            privacy=PrivacyScores(privacy_labels, gold_spans, caught, predicted, correct, unique, leaked_n),
            per_label_any_recall=per_any,
            per_label_leak_rate=per_leak,
            ignored_gold_labels=dict(self.ignored),
            unscored_predictions=dict(unscored),
            examples=examples,
            has_output=self.has_output,
        )


def evaluate(
    documents: Iterable[tuple[str, Sequence[Span], Sequence[Span], str | None]],
    matching: str = "overlap", *, include_org: bool = False,
) -> EvalReport:
    """Score ``(text, gold, predicted, output)`` tuples in one call."""
    ev = Evaluator(matching, include_org=include_org)
    for text, gold, pred, output in documents:
        ev.add(text, gold, pred, output)
    return ev.report()
