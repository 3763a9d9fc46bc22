"""DP shard options and the per-record work done in the scrubbing worker (PRIVACY.md, "What DP
training needs from the shards").

For every record the worker computes, from the *original* record and with sub-keys of the run's
secret key (so that no unkeyed hash of PII is ever computed for storage):

- ``unit``: ``HMAC(K_unit, kind, value)`` (16 bytes; written to the output in hex as
  ``privacy_unit``). ``kind`` is ``"field"`` for the ``--privacy-unit`` field's value and
  ``"record"`` for the document's own id (the default unit, and the unit of a record that lacks
  the field), so an author id can never collide with a document id.
- ``dedup``: ``HMAC(K_dedup, normalize(text))`` (16 bytes), ``normalize`` = NFKC, casefold,
  whitespace collapsed: equal keys mean equal normalized texts.
- ``bound``: ``HMAC(K_bound, unit, dedup)`` (16 bytes): contribution bounding keeps the k
  records of a unit with the smallest ``bound`` (a keyed, seeded, order-free choice).
- ``minhash`` (only with near-duplicate removal): a MinHash signature of the record's word
  3-gram shingles, its permutations seeded from the key.

These travel beside the scrubbed record (:class:`RecordMeta`) to the parent process
(:mod:`scrubber.dp.finalize`) and are never written to the output.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from ..errors import ConfigError

DIGEST_BYTES = 16
MINHASH_SCHEME = "affine32"  # datasketch 2.x; signatures travel as little-endian uint64 arrays
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class DpShardOptions:
    """Options for DP-training-ready shards (``scrubber clean --privacy-unit ... ``).

    ``privacy_unit``: the field holding the user / author id (None: the document is the unit).
    ``max_records_per_unit``: contribution bound k (None: unbounded). ``require_unit``: quarantine
    records without the field instead of giving each its own unit. ``dedup``: exact dedup of
    normalized text (None: on, the default in DP mode). ``near_dup_threshold``: MinHash LSH
    Jaccard threshold (None: off). ``release_noise_eps``: noise the released counts in the
    manifest with discrete Laplace noise of this epsilon per count (None: exact counts).
    """

    privacy_unit: str | None = None
    max_records_per_unit: int | None = None
    require_unit: bool = False
    dedup: bool | None = None
    near_dup_threshold: float | None = None
    near_dup_num_perm: int = 128
    release_noise_eps: float | None = None

    def validate(self) -> None:
        k = self.max_records_per_unit
        if k is not None and (not isinstance(k, int) or k < 1):
            raise ConfigError(f"max_records_per_unit: must be an integer >= 1, got {k!r}")
        t = self.near_dup_threshold
        if t is not None and not 0.0 < t <= 1.0:
            raise ConfigError(f"near_dup_threshold: must be in (0, 1], got {t!r}")
        if self.near_dup_num_perm < 16:
            raise ConfigError(f"near_dup_num_perm: must be at least 16, got {self.near_dup_num_perm}")
        e = self.release_noise_eps
        if e is not None and not e > 0:
            raise ConfigError(f"release_noise_eps: must be > 0, got {e!r}")
        if self.privacy_unit is not None and not self.privacy_unit:
            raise ConfigError("privacy_unit: must not be empty")
        if self.require_unit and self.privacy_unit is None:
            raise ConfigError("require_unit: needs privacy_unit (the field to require)")

    @property
    def dedup_on(self) -> bool:
        return self.dedup is not False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["dedup"] = self.dedup_on
        return d


def spends_epsilon(config: Any) -> bool:
    """Whether a pipeline config uses the DP operator (a "DP pipeline")."""
    ops = [config.transforms.default, *config.transforms.labels.values()]
    return any(op.operator.split(".")[0] == "dp" for op in ops)


def normalize_for_dedup(text: str) -> str:
    """NFKC, casefold, whitespace runs collapsed to one space, stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _shingles(norm: str) -> set[bytes]:
    words = norm.split(" ")
    if len(words) < 3:
        return {norm.encode("utf-8")}
    return {" ".join(words[i:i + 3]).encode("utf-8") for i in range(len(words) - 2)}


class RecordMeta(NamedTuple):
    """What the parent needs about one scrubbed record (never written out)."""

    unit: bytes
    dedup: bytes
    bound: bytes
    epsilon: float
    missing_unit: bool
    minhash: bytes | None


# Quarantine code for a record without the privacy-unit field under ``require_unit``.
MISSING_UNIT_CODE = "missing_privacy_unit"


class UnitHasher:
    """Per-process helper of :class:`~scrubber.worker.ChunkProcessor` (cheap to build)."""

    def __init__(self, options: DpShardOptions, key: Any) -> None:
        from ..keys import as_secret_key

        if key is None:
            raise ConfigError("DP shard options need a secret key: pass --key-file, set SCRUBBER_KEY, "
                              "or use --ephemeral-key")
        key = as_secret_key(key)
        self.options = options
        self.k_unit = key.derive("privacy_unit")
        self.k_dedup = key.derive("dedup")
        self.k_bound = key.derive("bound")
        self._mh_seed = int.from_bytes(key.derive("near_dup").hmac("minhash-seed")[:4], "big")

    def unit_of(self, record: dict[str, Any], rid: Any) -> tuple[bytes, bool]:
        """(unit digest, missing). Pops the unit field from ``record`` (the raw id is never written)."""
        field = self.options.privacy_unit
        if field is not None:
            value = record.pop(field, None)
            if value is not None and value != "":
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
                return self.k_unit.hmac("field", text)[:DIGEST_BYTES], False
            if self.options.require_unit:
                from ..quarantine import BadRecord

                raise BadRecord(MISSING_UNIT_CODE, f"privacy-unit field {field!r} is missing or empty", rid)
        return self.k_unit.hmac("record", str(rid))[:DIGEST_BYTES], field is not None

    def meta(self, record: dict[str, Any], rid: Any, text: str) -> tuple[bytes, bytes, bytes, bool, bytes | None]:
        unit, missing = self.unit_of(record, rid)
        norm = normalize_for_dedup(text)
        dedup = self.k_dedup.hmac(norm)[:DIGEST_BYTES]
        bound = self.k_bound.hmac(unit, dedup)[:DIGEST_BYTES]
        minhash = None
        if self.options.near_dup_threshold is not None:
            from datasketch import MinHash

            mh = MinHash(num_perm=self.options.near_dup_num_perm, seed=self._mh_seed, scheme=MINHASH_SCHEME)
            mh.update_batch(sorted(_shingles(norm)))
            minhash = mh.hashvalues.astype("<u8").tobytes()
        return unit, dedup, bound, missing, minhash
