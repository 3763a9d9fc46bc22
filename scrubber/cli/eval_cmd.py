"""``scrubber eval DATA.jsonl...``: score a pipeline against labelled data.

Each line of DATA is ``{"text": str, "spans": [{"start": int, "end": int, "label": str}]}``
(optionally ``"id"``, and a span's ``"text"``, which must equal ``text[start:end]``). The
scoring itself lives in :mod:`scrubber.evaluation`; this module reads, runs and prints.

A bad line (malformed JSON, a span out of range or not matching the text, an unknown label)
stops the run with ``FILE:LINE: reason`` (exit code 1), unless ``--skip-invalid``, which
counts such lines and goes on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ScrubberError
from ..evaluation import (
    MATCHING_MODES,
    EvalReport,
    Evaluator,
    GoldRecord,
    InvalidRecord,
    LabelMapper,
    parse_record,
)
from ..pipeline import load
from .main import add_pipeline_option

BATCH = 256


class EvalDataError(ScrubberError):
    """A line of an evaluation file is invalid (the message names FILE:LINE)."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "eval", help="score a pipeline against labelled JSONL data (precision, recall, F2, leak rate)",
        description="Score a pipeline against labelled data. Only labels present in the gold data are scored.",
    )
    p.add_argument("data", nargs="+", metavar="DATA.jsonl", help="labelled JSONL files")
    add_pipeline_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--matching", choices=MATCHING_MODES, default="overlap",
                   help="span matching for tp/fp/fn (default: %(default)s)")
    p.add_argument("--labels", metavar="LABEL,...",
                   help="score only these labels (gold names or scrubber names, comma-separated)")
    p.add_argument("--label-map", metavar="FILE",
                   help="JSON or YAML mapping gold label -> scrubber label (null ignores it); "
                        "overrides the built-in aliases")
    p.add_argument("--examples", type=int, default=0, metavar="N",
                   help="show N missed spans and N false positives per label")
    p.add_argument("--include-org", action="store_true",
                   help="count ORG spans in the privacy measures (any-label recall/precision, leak rate)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="skip (and count) invalid lines instead of stopping at the first")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N records of each file")
    p.set_defaults(func=run)


def load_label_map(path: str) -> dict[str, str | None]:
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EvalDataError(f"--label-map {path}: cannot read: {exc.strerror or exc}") from None
    try:
        if path.endswith((".yaml", ".yml")):
            from ..yaml_load import safe_load

            data = safe_load(raw)
        else:
            data = json.loads(raw)
    except Exception as exc:  # noqa: BLE001  (json or yaml syntax)
        raise EvalDataError(f"--label-map {path}: invalid {'YAML' if path.endswith(('yaml', 'yml')) else 'JSON'}: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in data.items()
    ):
        raise EvalDataError(f"--label-map {path}: expected a mapping of label -> label or null")
    return data


class _Reader:
    """Streams valid records from the files; remembers what it skipped."""

    def __init__(self, paths: list[str], mapper: LabelMapper, skip_invalid: bool, limit: int | None) -> None:
        self.paths = paths
        self.mapper = mapper
        self.skip_invalid = skip_invalid
        self.limit = limit
        self.skipped: list[str] = []

    def __iter__(self) -> Iterator[tuple[str, str, GoldRecord]]:
        for path in self.paths:
            try:
                fh = open(path, "rb")  # noqa: SIM115  (bytes: a bad line must not hide its number)
            except OSError as exc:
                raise EvalDataError(f"{path}: cannot read: {exc.strerror or exc}") from None
            with fh:
                n = 0
                for lineno, raw in enumerate(fh, 1):
                    where = f"{path}:{lineno}"
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        self._bad(where, f"not UTF-8 ({exc.reason} at byte {exc.start})")
                        continue
                    if not line.strip():
                        continue
                    try:
                        record = parse_record(json.loads(line), self.mapper)
                    except json.JSONDecodeError as exc:
                        self._bad(where, f"invalid JSON: {exc.msg} (column {exc.colno})")
                        continue
                    except InvalidRecord as exc:
                        self._bad(where, str(exc))
                        continue
                    yield path, where, record
                    n += 1
                    if self.limit is not None and n >= self.limit:
                        break

    def _bad(self, where: str, reason: str) -> None:
        if not self.skip_invalid:
            raise EvalDataError(f"{where}: {reason}")
        self.skipped.append(f"{where}: {reason}")


def evaluate_files(args: argparse.Namespace) -> tuple[Evaluator, list[str]]:
    overrides = load_label_map(args.label_map) if args.label_map else None
    labels = [x.strip() for x in args.labels.split(",") if x.strip()] if args.labels else None
    try:
        mapper = LabelMapper(overrides, labels)
    except ValueError as exc:
        raise EvalDataError(str(exc)) from None
    reader = _Reader(args.data, mapper, args.skip_invalid, args.limit)
    if not args.skip_invalid:
        # Fail fast: find a bad line before loading models and scrubbing everything above it.
        for _ in reader:
            pass
    pipeline = load(args.pipeline)
    ev = Evaluator(args.matching, include_org=args.include_org, examples=max(0, args.examples))
    batch: list[tuple[str, str, GoldRecord]] = []

    def flush() -> None:
        results = pipeline.scrub_batch((r.text for _, _, r in batch), batch_size=64)
        for (path, where, rec), res in zip(batch, results, strict=True):
            ev.add(rec.text, rec.spans, res.spans, res.text, record_id=rec.id or where, ignored=rec.dropped,
                   dataset=path)
        batch.clear()

    for item in reader:
        batch.append(item)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return ev, reader.skipped


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def format_report(report: EvalReport, pipeline: str, skipped: list[str],
                  per_file: dict[str, EvalReport] | None = None) -> str:
    rows = [("label", "tp", "fp", "fn", "precision", "recall", "F1", "F2", "any-label recall")]
    for lab, sc in report.labels.items():
        rows.append((lab, str(sc.tp), str(sc.fp), str(sc.fn), _fmt(sc.precision), _fmt(sc.recall),
                     _fmt(sc.f1), _fmt(sc.f2), _fmt(report.per_label_any_recall.get(lab))))
    o = report.overall
    rows.append(("overall", str(o.tp), str(o.fp), str(o.fn), _fmt(o.precision), _fmt(o.recall),
                 _fmt(o.f1), _fmt(o.f2), ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"pipeline {pipeline}: {report.documents} documents, {report.chars} chars, "
             f"{report.matching} matching"]
    for i, r in enumerate(rows):
        if i == len(rows) - 1:
            lines.append("  ".join("-" * w for w in widths))
        lines.append("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())
    other = [m for m in report.by_matching if m != report.matching][0]
    oo = report.overall_for(other)
    lines.append(f"({other} matching overall: P {_fmt(oo.precision)}  R {_fmt(oo.recall)}  "
                 f"F1 {_fmt(oo.f1)}  F2 {_fmt(oo.f2)})")
    pv = report.privacy
    lines.append("")
    lines.append(f"privacy measures over {', '.join(pv.labels) or '(no labels)'}:")
    lines.append(f"  any-label recall     {_fmt(pv.any_label_recall)}  ({pv.caught}/{pv.gold_spans} gold spans overlapped)")
    lines.append(f"  any-label precision  {_fmt(pv.any_label_precision)}  ({pv.correct}/{pv.predicted} predicted spans on gold PII)")
    if report.has_output:
        lines.append(f"  leak rate            {_fmt(pv.leak_rate)}  ({pv.leaked}/{pv.unique_strings} unique gold strings left in the output)")
    if per_file and len(per_file) > 1:
        lines.append("")
        lines.append("per file (each scored on the labels it annotates):")
        for path, fr in per_file.items():
            fo = fr.overall
            lines.append(f"  {path}: {fr.documents} docs, P {_fmt(fo.precision)}  R {_fmt(fo.recall)}  "
                         f"F2 {_fmt(fo.f2)}  any-label R {_fmt(fr.privacy.any_label_recall)}  "
                         f"leak {_fmt(fr.privacy.leak_rate) if fr.has_output else '-'}")
    if report.ignored_gold_labels:
        lines.append("ignored gold labels (not scrubber targets or left out): "
                     + ", ".join(f"{k} {v}" for k, v in sorted(report.ignored_gold_labels.items())))
    if report.unscored_predictions:
        lines.append("predictions of labels the data does not annotate (not false positives): "
                     + ", ".join(f"{k} {v}" for k, v in sorted(report.unscored_predictions.items())))
    if skipped:
        lines.append(f"skipped {len(skipped)} invalid line(s); first: {skipped[0]}")
    for lab, ex in report.examples.items():
        if not ex["misses"] and not ex["false_positives"]:
            continue
        lines.append("")
        lines.append(f"{lab}:")
        for m in ex["misses"]:
            extra = f"  (found as {', '.join(m['predicted_as'])})" if m["predicted_as"] else ""
            lines.append(f"  miss  {m['record']}: {m['context']}{extra}")
        for m in ex["false_positives"]:
            extra = f"  (gold: {', '.join(m['gold_overlap'])})" if m["gold_overlap"] else ""
            lines.append(f"  fp    {m['record']}: {m['context']}{extra}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    ev, skipped = evaluate_files(args)
    report = ev.report()
    per_file = {path: ev.report([path]) for path in dict.fromkeys(args.data)}
    if args.json:
        out: dict[str, Any] = {"pipeline": args.pipeline, "files": list(args.data)}
        out.update(report.to_dict())
        out["per_file"] = {
            path: {"documents": r.documents, "scored_labels": list(r.scored_labels),
                   "overall": r.overall.to_dict(), "privacy": r.to_dict()["privacy"]}
            for path, r in per_file.items()
        }
        out["skipped_lines"] = len(skipped)
        out["skipped"] = skipped[:100]
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(format_report(report, args.pipeline, skipped, per_file))
    if skipped:
        print(f"scrubber: warning: skipped {len(skipped)} invalid line(s)", file=sys.stderr)
    return 0
