"""The finalize stage of a DP-shard run: global dedup, contribution bounding, unit index, manifest.

How it runs (see :func:`scrubber.runner.run_clean`):

1. During the scrub pass the parent receives, in input order, each scrubbed record with its
   :class:`~scrubber.dp.units.RecordMeta` and calls :meth:`DpShardBuilder.admit`, which decides
   deduplication *there*: the first occurrence (input order) of a normalized text survives; with
   near-duplicate removal, a record whose MinHash LSH finds an already kept record at Jaccard >=
   threshold is dropped. Input order does not depend on the worker count, so neither does the
   choice. Admitted records are written to staging shards under ``OUT/.dp-stage/``.
2. :meth:`DpShardBuilder.finalize` then bounds contributions: in each unit, the k records with the
   smallest ``bound = HMAC(K_bound, unit, dedup)`` are kept (a keyed choice, independent of
   order and worker count). It streams the staging shards in order, writes the kept records to
   the final shards (same names and atomic renames as any run, shard boundaries from the records
   only) and writes ``units.parquet`` (privacy_unit -> [(shard, row)]). The runner removes the
   staging folder after the manifest (and the resume markers): until then, a killed run can redo
   finalize on ``--resume`` (see :mod:`scrubber.resume`).

Memory: the parent holds, per admitted record, a 16-byte dedup digest in a set and a small tuple
(unit and bound digests, epsilon, size): about 250 bytes per record in CPython, i.e. ~2.5 GB for
10 million records; with near-duplicate removal add the LSH (about ``8 * num_perm`` bytes + index
per kept record). Texts are never held: the staging shards are re-read as a stream.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import fsspec

from ..io.writers import ShardInfo, ShardWriter
from ..pseudo.operators import epsilon_summary
from .units import MINHASH_SCHEME, DpShardOptions, RecordMeta, UnitHasher, spends_epsilon

STAGE_DIR = ".dp-stage"
UNITS_NAME = "units.parquet"


def resolve_dp_options(options: DpShardOptions | None, config: Any) -> DpShardOptions | None:
    """DP-shard mode: explicit options, or the defaults (document units, dedup on) for a
    pipeline that spends epsilon (the ``dp`` operator); None otherwise."""
    if options is not None:
        options.validate()
        return options
    return DpShardOptions() if spends_epsilon(config) else None


class DpShardBuilder:
    """Parent-side state of a DP-shard run (see the module docstring)."""

    def __init__(self, options: DpShardOptions, key: Any, fs: fsspec.AbstractFileSystem, root: str, *,
                 out_format: str, max_records: int | None, max_bytes: int | None,
                 parquet_types: dict[str, Any] | None = None) -> None:
        from ..keys import as_secret_key

        UnitHasher(options, key)  # fails now, with a clear message, without a key
        self.options = options
        self.key = as_secret_key(key)
        self.fs = fs
        self.root = root.rstrip("/")
        self.stage_root = f"{self.root}/{STAGE_DIR}"
        self.out_format = out_format
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.parquet_types = parquet_types
        self._seen: set[bytes] = set()
        self._kept: list[tuple[bytes, bytes, float, int]] = []  # (unit, bound, epsilon, size)
        self.records_scrubbed = 0
        self.exact_duplicates = 0
        self.near_duplicates = 0
        self.missing_unit = 0
        self._lsh: Any = None
        if options.near_dup_threshold is not None:
            from datasketch import MinHashLSH

            self._lsh = MinHashLSH(threshold=options.near_dup_threshold, num_perm=options.near_dup_num_perm)
        self.sections: dict[str, Any] = {}
        self.records_dropped = 0
        # Resume journal (scrubber.resume): what was added since the last checkpoint.
        self._seen_added = 0  # keys ever added to _seen
        self._base: dict[str, int] = self.position()  # the state at the last checkpoint
        self._journal_seen: list[bytes] = []  # keys added since _base, in order
        self._journal_minhash: list[bytes] = []  # minhashes of records kept since _base
        fs.makedirs(self.stage_root, exist_ok=True)

    # -- scrub pass -------------------------------------------------------------------------------

    def admit(self, meta: RecordMeta, size: int) -> bool:
        """Whether a scrubbed record (in input order) survives deduplication."""
        self.records_scrubbed += 1
        self.missing_unit += meta.missing_unit
        if self.options.dedup_on:
            if meta.dedup in self._seen:
                self.exact_duplicates += 1
                return False
            self._seen.add(meta.dedup)
            self._seen_added += 1
            self._journal_seen.append(meta.dedup)
        if self._lsh is not None:
            import numpy as np
            from datasketch import MinHash

            assert meta.minhash is not None
            mh = MinHash(num_perm=self.options.near_dup_num_perm, hashvalues=np.frombuffer(meta.minhash, "<u8"),
                         scheme=MINHASH_SCHEME)
            if self._lsh.query(mh):
                self.near_duplicates += 1
                return False
            self._lsh.insert(str(len(self._kept)), mh)
            self._journal_minhash.append(meta.minhash)
        self._kept.append((meta.unit, meta.bound, meta.epsilon, size))
        return True

    # -- resume ---------------------------------------------------------------------------------

    def position(self) -> dict[str, int]:
        """The admission state as counters (recorded in each resume snapshot)."""
        return {"kept": len(self._kept), "seen": self._seen_added, "records_scrubbed": self.records_scrubbed,
                "exact_duplicates": self.exact_duplicates, "near_duplicates": self.near_duplicates,
                "missing_unit": self.missing_unit}

    def checkpoint(self, pos: dict[str, int], path: str) -> None:
        """Write atomically to ``path`` what was admitted between the last checkpoint and
        ``pos`` (an earlier :meth:`position`, at or after the last checkpoint), then make ``pos``
        the last checkpoint. Written before the resume marker that names it."""
        import pyarrow as pa

        base = self._base
        nk, ns = pos["kept"] - base["kept"], pos["seen"] - base["seen"]
        if nk < 0 or ns < 0:
            raise RuntimeError("DP resume checkpoint before the previous one")
        kept = self._kept[base["kept"]: pos["kept"]]
        has_mh = self._lsh is not None
        table = pa.table({
            "unit": pa.array([[k[0] for k in kept]], pa.list_(pa.binary())),
            "bound": pa.array([[k[1] for k in kept]], pa.list_(pa.binary())),
            "epsilon": pa.array([[k[2] for k in kept]], pa.list_(pa.float64())),
            "size": pa.array([[k[3] for k in kept]], pa.list_(pa.int64())),
            "minhash": pa.array([self._journal_minhash[:nk] if has_mh else []], pa.list_(pa.binary())),
            "seen": pa.array([self._journal_seen[:ns]], pa.list_(pa.binary())),
            "base": pa.array([json.dumps(base, sort_keys=True)], pa.string()),
            "pos": pa.array([json.dumps(pos, sort_keys=True)], pa.string()),
        })
        tmp = path.rsplit("/", 1)
        tmp_path = f"{tmp[0]}/.{tmp[1]}.tmp"
        with self.fs.open(tmp_path, "wb") as f:
            with pa.ipc.new_file(f, table.schema) as w:
                w.write_table(table)
        self.fs.mv(tmp_path, path)
        del self._journal_seen[:ns]
        if has_mh:
            del self._journal_minhash[:nk]
        self._base = dict(pos)

    def restore(self, paths: Sequence[str]) -> None:
        """Rebuild the admission state from the checkpoints ``paths`` (in order, the first from a
        fresh builder); the last one's position becomes the current state."""
        import pyarrow as pa

        assert not self._kept and not self._seen_added
        for path in paths:
            with self.fs.open(path, "rb") as f:
                row = pa.ipc.open_file(pa.BufferReader(f.read())).read_all().to_pylist()[0]
            if json.loads(row["base"]) != self._base:
                raise RuntimeError(f"DP resume checkpoint {path} does not follow the previous one")
            pos = json.loads(row["pos"])
            if self.options.dedup_on:
                self._seen.update(row["seen"])
            self._seen_added += len(row["seen"])
            if self._lsh is not None:
                import numpy as np
                from datasketch import MinHash

                for j, mh_bytes in enumerate(row["minhash"]):
                    mh = MinHash(num_perm=self.options.near_dup_num_perm,
                                 hashvalues=np.frombuffer(mh_bytes, "<u8"), scheme=MINHASH_SCHEME)
                    self._lsh.insert(str(len(self._kept) + j), mh)  # the key admit gave it
            self._kept.extend(zip(row["unit"], row["bound"], row["epsilon"], row["size"], strict=True))
            if len(self._kept) != pos["kept"] or self._seen_added != pos["seen"]:
                raise RuntimeError(f"DP resume checkpoint {path} is inconsistent")
            self.records_scrubbed = pos["records_scrubbed"]
            self.exact_duplicates = pos["exact_duplicates"]
            self.near_duplicates = pos["near_duplicates"]
            self.missing_unit = pos["missing_unit"]
            self._base = dict(pos)

    # -- finalize ---------------------------------------------------------------------------------

    def _choose(self) -> tuple[bytearray, Counter[int], int, int]:
        """Keep flags per staged record, the histogram before bounding, truncated units, dropped."""
        by_unit: dict[bytes, list[tuple[bytes, int]]] = defaultdict(list)
        for i, (unit, bound, _, _) in enumerate(self._kept):
            by_unit[unit].append((bound, i))
        keep = bytearray(b"\x01") * len(self._kept)
        k = self.options.max_records_per_unit
        before: Counter[int] = Counter()
        truncated = dropped = 0
        for items in by_unit.values():
            before[len(items)] += 1
            if k is not None and len(items) > k:
                truncated += 1
                items.sort()
                for _, i in items[k:]:
                    keep[i] = 0
                    dropped += 1
        return keep, before, truncated, dropped

    def _staged(self, shards: Sequence[ShardInfo]) -> Any:
        """The staged records, in order: JSON lines (bytes) or row dicts."""
        for s in shards:
            path = f"{self.stage_root}/{s.name}"
            if self.out_format == "jsonl":
                import io

                import zstandard

                with self.fs.open(path, "rb") as f:
                    reader = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(f))  # type: ignore[arg-type]
                    for line in reader:
                        yield line.rstrip(b"\n")
            else:
                import pyarrow.parquet as pq

                with self.fs.open(path, "rb") as f:
                    for batch in pq.ParquetFile(f).iter_batches():
                        yield from batch.to_pylist()

    def finalize(self, staged: Sequence[ShardInfo]) -> list[ShardInfo]:
        """Bound, rewrite the shards into the output folder, write the unit index; return the
        final shards. Fills :attr:`sections` for the manifest."""
        keep, hist_before, truncated, dropped_bound = self._choose()
        writer = ShardWriter(self.fs, self.root, self.out_format, max_records=self.max_records,
                             max_bytes=self.max_bytes, parquet_types=self.parquet_types)
        out_units: list[bytes] = []
        out_eps: list[float] = []
        try:
            n = 0
            for i, item in enumerate(self._staged(staged)):
                n += 1
                if keep[i]:
                    unit, _, eps, size = self._kept[i]
                    writer.add(item, size)
                    out_units.append(unit)
                    out_eps.append(eps)
            if n != len(self._kept):
                raise RuntimeError(f"staging shards hold {n} records, expected {len(self._kept)}")
            shards = writer.close()
        except BaseException:
            writer.abort()
            raise
        index_info = self._write_index(shards, out_units)
        # The staging folder stays until the run's markers are gone (see runner.run_clean): a run
        # killed before its manifest redoes finalize from it.
        self._fill_sections(out_units, out_eps, hist_before, truncated, dropped_bound, index_info)
        return shards

    def abort(self) -> None:
        if self.fs.exists(self.stage_root):
            self.fs.rm(self.stage_root, recursive=True)

    def _write_index(self, shards: Sequence[ShardInfo], out_units: Sequence[bytes]) -> dict[str, Any]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        starts = []
        total = 0
        for s in shards:
            starts.append(total)
            total += s.records
        locations: dict[bytes, list[dict[str, Any]]] = {}
        for j, unit in enumerate(out_units):
            si = bisect.bisect_right(starts, j) - 1
            locations.setdefault(unit, []).append({"shard": shards[si].name, "row": j - starts[si]})
        loc_type = pa.list_(pa.struct([("shard", pa.string()), ("row", pa.int64())]))
        table = pa.table({
            "privacy_unit": pa.array([u.hex() for u in locations], pa.string()),
            "n_records": pa.array([len(v) for v in locations.values()], pa.int32()),
            "records": pa.array(list(locations.values()), loc_type),
        })
        tmp = f"{self.root}/.{UNITS_NAME}.tmp"
        with self.fs.open(tmp, "wb") as f:
            pq.write_table(table, f, compression="zstd")
        with self.fs.open(tmp, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.fs.mv(tmp, f"{self.root}/{UNITS_NAME}")
        return {"file": UNITS_NAME, "sha256": digest, "units": len(locations), "records": len(out_units)}

    def _fill_sections(self, out_units: Sequence[bytes], out_eps: Sequence[float], hist_before: Counter[int],
                       truncated: int, dropped_bound: int, index_info: dict[str, Any]) -> None:
        opts = self.options
        per_unit_n: Counter[bytes] = Counter(out_units)
        per_unit_eps: dict[bytes, float] = defaultdict(float)
        for u, e in zip(out_units, out_eps, strict=True):
            per_unit_eps[u] += e  # sequential composition over a unit's records
        hist_after = Counter(per_unit_n.values())
        k = opts.max_records_per_unit
        self.records_dropped = self.exact_duplicates + self.near_duplicates + dropped_bound
        self.sections["privacy_units"] = {
            "field": opts.privacy_unit,
            "unit": "field" if opts.privacy_unit else "document",
            "id": "HMAC-SHA256(K_unit, kind, value)[:16] in hex, K_unit = derive('privacy_unit')",
            "units": len(per_unit_n),
            "max_records_per_unit": k,
            "records_out": len(out_units),
            "units_truncated": truncated,
            "records_dropped": dropped_bound,
            "records_missing_unit": self.missing_unit,
            "records_per_unit_histogram": {str(c): hist_after[c] for c in sorted(hist_after)},
            "records_per_unit_histogram_before_bounding": {str(c): hist_before[c] for c in sorted(hist_before)},
            "selection": "per unit, the k records with the smallest HMAC(K_bound, unit, dedup_key)",
            "index": index_info,
        }
        self.sections["dedup"] = {
            "exact": opts.dedup_on,
            "normalization": "NFKC, casefold, whitespace collapsed",
            "key": "HMAC-SHA256(K_dedup, normalized original text)[:16]",
            "near_duplicate": None if opts.near_dup_threshold is None else {
                "method": "MinHash LSH (datasketch) on word 3-gram shingles, keyed permutations",
                "threshold": opts.near_dup_threshold, "num_perm": opts.near_dup_num_perm},
            "survivor": "the first occurrence in input order",
            "records_in": self.records_scrubbed,
            "exact_duplicates_removed": self.exact_duplicates,
            "near_duplicates_removed": self.near_duplicates,
            "records_out": len(self._kept),
        }
        self.sections["local_epsilon"] = {
            "note": "local DP spent on detected spans (sum over a record's entities; per unit: sum over "
                    "its records); nothing protects a span the detector missed",
            "per_record": epsilon_summary(out_eps),
            "per_unit": epsilon_summary(per_unit_eps.values()),
        }
        key = self.key
        self.sections["keys"] = {
            "key_id": key.key_id,
            "ephemeral": bool(key.ephemeral),
            "derived_key_ids": {p: key.derive(p).key_id for p in ("privacy_unit", "dedup", "bound", "near_dup",
                                                                  "release_noise")},
        }
        if opts.release_noise_eps is not None:
            self.sections["released_counts"] = self._released(len(per_unit_n), len(out_units), truncated, hist_after)

    def _released(self, units: int, records: int, truncated: int, hist: Counter[int]) -> dict[str, Any]:
        """Counts for release outside the trust boundary, each with discrete Laplace noise of
        epsilon ``release_noise_eps / sensitivity`` (add/remove one privacy unit), seeded by a
        sub-key: a re-run gives the same noise. The histogram has L1 sensitivity 1 (one unit moves
        one bin by one), so its bins together cost one epsilon."""
        from fractions import Fraction

        from ..pseudo.samplers import KeyedStream, to_fraction

        assert self.options.release_noise_eps is not None  # only called when noise is asked for
        eps = to_fraction(self.options.release_noise_eps, "release_noise_eps")
        k_noise = self.key.derive("release_noise")

        def noisy(name: str, value: int, sensitivity: int) -> int:
            return value + KeyedStream.from_key(k_noise, name).discrete_laplace(eps / Fraction(sensitivity))

        k = self.options.max_records_per_unit
        counts: dict[str, Any] = {
            "units": {"value": noisy("units", units, 1), "sensitivity": 1},
            "units_truncated": {"value": noisy("units_truncated", truncated, 1), "sensitivity": 1},
        }
        if k is not None:
            counts["records_out"] = {"value": noisy("records_out", records, k), "sensitivity": k}
        bins = range(1, (k if k is not None else max(hist, default=0)) + 1)
        histogram = {str(b): noisy(f"hist/{b}", hist[b], 1) for b in bins}
        per = float(self.options.release_noise_eps)  # type: ignore[arg-type]
        return {
            "mechanism": "discrete Laplace (exact sampler, keyed stream)",
            "neighbouring": "add or remove one privacy unit",
            "epsilon_per_count": per,
            "epsilon_total": per * (len(counts) + 1),
            "counts": counts,
            "records_per_unit_histogram": histogram,
            "note": "only this section may leave the trust boundary; the other sections hold exact counts"
                    + ("" if k is not None else "; records_out is not released: unbounded sensitivity without k"),
        }
