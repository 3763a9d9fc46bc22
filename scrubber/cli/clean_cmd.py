"""``scrubber clean INPUT... --out DIR``: scrub a corpus into sharded output with a manifest.

Exit codes: 0 done; 3 done, but some records were quarantined (see ``DIR/quarantine/`` and the
manifest); 1 ``--on-error fail`` hit a bad record, or a runtime failure; 2 bad usage (a missing
input, a non-empty ``--out`` without ``--overwrite``, an invalid pipeline).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from ..errors import ConfigError
from ..keys import add_key_options, key_from_args
from ..runner import ON_ERROR, CleanOptions, CleanResult, default_workers, run_clean
from .main import EXIT_OK, EXIT_QUARANTINED, add_pipeline_option

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_bytes(text: str) -> int:
    """``"256MB"`` -> 256_000_000, ``"1GiB"`` -> 2**30, ``"4096"`` -> 4096."""
    m = _SIZE.match(text)
    if not m or m.group(2).lower() not in _UNITS:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (examples: 4096, 256MB, 1GiB)")
    value = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if value < 1:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    return value


def parse_shard_size(text: str) -> tuple[int | None, int | None]:
    """``"100000"`` (records), ``"256MB"`` (bytes) or both, ``"100000,256MB"``."""
    records = nbytes = None
    for part in (p.strip() for p in text.split(",")):
        if part.isdigit():
            records = int(part)
            if records < 1:
                raise argparse.ArgumentTypeError("a shard holds at least 1 record")
        else:
            nbytes = parse_bytes(part)
    if records is None and nbytes is None:
        raise argparse.ArgumentTypeError(f"invalid shard size {text!r}")
    return records, nbytes


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "clean", help="scrub a corpus (JSONL, text, Parquet) into sharded output with a manifest",
        description="Scrub files, folders or globs into DIR/part-00000.jsonl.zst ... plus DIR/manifest.json. "
                    "Exit codes: 0 done; 3 done but some records were quarantined (DIR/quarantine/); "
                    "1 --on-error fail hit a bad record or the run failed; 2 bad usage.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="files (.jsonl[.gz|.zst], .json.gz, .txt[.gz|.zst], .parquet), folders or globs")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="output folder (local path or fsspec URL)")
    add_pipeline_option(p)
    p.add_argument("--workers", "-j", type=_positive_int, default=default_workers(), metavar="N",
                   help="processes to scrub with (default: all cores, here %(default)s); "
                        "the output is identical for any N")
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl",
                   help="output shards: jsonl (.jsonl.zst) or parquet (default: %(default)s)")
    p.add_argument("--text-field", default="text", metavar="F",
                   help="the field holding the text to scrub; other fields pass through (default: %(default)s)")
    p.add_argument("--lines", action="store_true", help="text inputs: one document per line (default: per file)")
    p.add_argument("--with-spans", action="store_true",
                   help="add a pii_spans field: [{start, end, label, score, source}], offsets into the original text")
    p.add_argument("--shard-size", type=parse_shard_size, default=(100_000, 256 << 20), metavar="SIZE",
                   help="records per shard, bytes per shard (uncompressed JSON lines), or both: "
                        "100000 | 256MB | 100000,256MB (default: 100000,256MiB)")
    p.add_argument("--on-error", choices=ON_ERROR, default="quarantine",
                   help="a bad record is quarantined and the run goes on (default), or stops the run")
    p.add_argument("--max-record-bytes", type=parse_bytes, default=128 << 20, metavar="SIZE",
                   help="longer records are quarantined unread (default: 128MiB)")
    p.add_argument("--overwrite", action="store_true",
                   help="accept a non-empty --out, replacing a previous run's shards, quarantine and manifest")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out from its completed shards (same inputs, pipeline, "
                        "options and key; the output is byte-identical to an uninterrupted run)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary")
    add_key_options(p)
    add_dp_options(p)
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: a process pool on this machine (default); ray: a Ray cluster "
                        "(scrubber[ray]; --workers is then the number of scrubbing actors)")
    p.add_argument("--ray-address", metavar="ADDR", default=None,
                   help="with --engine ray: the cluster, e.g. ray://head:10001 or auto "
                        "(default: $RAY_ADDRESS, else a local cluster for this run)")
    p.set_defaults(func=run)


def _unit_interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def add_dp_options(p: argparse.ArgumentParser) -> None:
    """DP-training-ready shards (PRIVACY.md); on with defaults for a pipeline that spends epsilon."""
    g = p.add_argument_group("DP-training-ready shards (need a key; on by default with a DP pipeline)")
    g.add_argument("--privacy-unit", metavar="FIELD", default=None,
                   help="field holding the user/author id; each record gets privacy_unit = HMAC(K_unit, id) "
                        "and the field itself is dropped (default: the document is the unit)")
    g.add_argument("--max-records-per-unit", type=_positive_int, metavar="K", default=None,
                   help="contribution bound: keep a keyed, seeded choice of at most K records per unit")
    g.add_argument("--require-unit", action="store_true",
                   help="quarantine records without the --privacy-unit field (default: each gets its own unit)")
    g.add_argument("--dedup", action=argparse.BooleanOptionalAction, default=None,
                   help="exact dedup of normalized text, global, before bounding (default: on in DP mode)")
    g.add_argument("--near-dup-threshold", type=_unit_interval, metavar="T", default=None,
                   help="also remove near-duplicates: MinHash LSH at Jaccard >= T (e.g. 0.8)")
    g.add_argument("--release-noise-eps", type=_positive_float, metavar="E", default=None,
                   help="add a released_counts manifest section with discrete Laplace noise, epsilon E per count")


def dp_options_from_args(args: argparse.Namespace) -> Any:
    """The DpShardOptions asked for on the command line, or None (no DP flag given)."""
    from ..dp.units import DpShardOptions

    given = (args.privacy_unit is not None or args.max_records_per_unit is not None or args.require_unit
             or args.dedup is not None or args.near_dup_threshold is not None or args.release_noise_eps is not None)
    if not given:
        return None
    opts = DpShardOptions(privacy_unit=args.privacy_unit, max_records_per_unit=args.max_records_per_unit,
                          require_unit=args.require_unit, dedup=args.dedup,
                          near_dup_threshold=args.near_dup_threshold, release_noise_eps=args.release_noise_eps)
    opts.validate()
    return opts


def resolve_key(args: argparse.Namespace) -> Any:
    """The secret for keyed (pseudonymizing) operators, or None: ``--key-file``,
    ``--ephemeral-key`` or ``$SCRUBBER_KEY`` (see scrubber.keys). It reaches every worker's
    pipeline through ``run_clean(key=...)``; only its key id is ever written."""
    return key_from_args(args)


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def summary(result: CleanResult) -> str:
    """The end-of-run report: counts, shards, and a table of spans per label."""
    m = result.manifest
    c = m["counts"]
    wall = m["timing"]["wall_seconds"]
    bytes_in = m["bytes"]["in"]
    out = result.out_dir.rstrip("/")
    lines = [
        f"read {_human(bytes_in)}, wrote {len(m['shards'])} shard(s) ({_human(m['bytes']['out'])}) to {out}/ "
        f"in {wall:.1f} s ({c['records_in'] / wall if wall else 0:,.0f} records/s)",
        f"records: {c['records_in']:,} in, {c['records_out']:,} out, {c['records_quarantined']:,} quarantined",
    ]
    if "privacy_units" in m:
        pu, dd = m["privacy_units"], m["dedup"]
        lines.append(f"DP shards: {pu['units']:,} privacy units (k = {pu['max_records_per_unit']}), "
                     f"{c['records_dropped']:,} records dropped ({dd['exact_duplicates_removed']:,} duplicates, "
                     f"{dd['near_duplicates_removed']:,} near-duplicates, {pu['records_dropped']:,} over k); "
                     f"unit index {out}/{pu['index']['file']}")
    if c["records_quarantined"]:
        codes = ", ".join(f"{k}: {v}" for k, v in m["quarantine"]["by_code"].items())
        lines.append(f"quarantined ({codes}): see {out}/{m['quarantine']['file']}")
    rows = sorted(m["spans_by_label"].items(), key=lambda kv: (-kv[1], kv[0]))
    rows.append(("total", sum(v for _, v in rows)))
    width = max(len("label"), *(len(k) for k, _ in rows))
    num = max(len("spans"), *(len(f"{v:,}") for _, v in rows))
    lines += ["", f"{'label'.ljust(width)}  {'spans'.rjust(num)}"]
    lines += [f"{k.ljust(width)}  {f'{v:,}'.rjust(num)}" for k, v in rows]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    shard_records, shard_bytes = args.shard_size
    options = CleanOptions(
        text_field=args.text_field, lines=args.lines, out_format=args.format, with_spans=args.with_spans,
        shard_records=shard_records, shard_bytes=shard_bytes, on_error=args.on_error,
        max_record_bytes=args.max_record_bytes, workers=args.workers, overwrite=args.overwrite,
        resume=args.resume, dp=dp_options_from_args(args),
    )
    if args.engine == "ray":
        if options.dp is not None:
            raise ConfigError("DP shard options (--privacy-unit, --max-records-per-unit, ...): only with --engine local")
        if args.resume:
            raise ConfigError("--resume: only with --engine local")
        from ..ray_engine import run_ray

        result = run_ray(args.inputs, args.out, args.pipeline, key=resolve_key(args), options=options,
                         ray_address=args.ray_address, show_progress=not args.quiet)
    else:
        if args.ray_address:
            raise ConfigError("--ray-address: only with --engine ray")
        result = run_clean(args.inputs, args.out, args.pipeline, key=resolve_key(args), options=options,
                           show_progress=not args.quiet)
    if not args.quiet:
        print(summary(result))
    return EXIT_QUARANTINED if result.quarantined else EXIT_OK
