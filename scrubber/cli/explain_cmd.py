"""``scrubber explain [TEXT]``: scrub one text and show every span and its replacement."""

from __future__ import annotations

import argparse
import json
import sys

from ..keys import add_key_options, key_from_args
from ..pipeline import ScrubResult, load
from .main import add_pipeline_option


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("explain", help="scrub one text and show what was found and why")
    p.add_argument("text", nargs="?", default="-", help="the text; '-' or nothing reads stdin")
    add_pipeline_option(p)
    add_key_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _table(text: str, result: ScrubResult) -> str:
    rows: list[tuple[str, ...]] = [("start", "end", "label", "score", "source", "text", "replacement")]
    for span, repl in zip(result.spans, result.replacements):
        rows.append((str(span.start), str(span.end), span.label, f"{span.score:.2f}", span.source,
                     repr(text[span.start:span.end]), repr(repl)))
    eps = result.details.get("epsilons") if result.details else None
    if eps:
        rows[0] = rows[0] + ("epsilon",)
        rows[1:] = [r + (f"{e:g}",) for r, e in zip(rows[1:], eps)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    result = load(args.pipeline, key=key_from_args(args)).scrub(text)
    if args.json:
        out = result.to_dict()
        if result.epsilon:
            out["epsilon"] = result.epsilon
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(result.text)
    print()
    if result.spans:
        print(_table(text, result))
    else:
        print("(no PII found)")
    if result.epsilon:
        print(f"\nlocal epsilon spent by this record: {result.epsilon:g}")
    return 0
