"""HuggingFace ``datasets`` integration: scrub a column with ``Dataset.map``.

>>> from scrubber.hf import ScrubMap, scrub_dataset
>>> ds = ds.map(ScrubMap(pipeline="fast"), batched=True, num_proc=4)   # doctest: +SKIP
>>> ds = scrub_dataset(ds, pipeline="fast", with_spans=True)            # doctest: +SKIP

:class:`ScrubMap` is a picklable callable holding only the pipeline *config* (and the key).
The pipeline itself is built lazily, once per process, on first call. Pickling (which is how
``datasets`` fingerprints a map function, and how ``num_proc`` ships it to workers) carries only
that state, so two ``ScrubMap`` objects with the same config, key and options hash the same in
every run, and a repeated ``map`` is a cache hit.

Output columns (the same fields the local ``scrubber clean`` engine adds to each record):

``<text_column>``   the scrubbed text
``pii_error``       null, or why the row could not be scrubbed; the row is kept with its text
                    emptied, never passed through unscrubbed (fail closed)
``pii_spans``       only with ``with_spans=True``: list of ``{start, end, label, score, source}``,
                    offsets into the *original* text
``pii_epsilon``     only for pipelines whose operators spend local DP epsilon

Doc ids (which seed keyed operators, so pseudonyms are stable) come from the ``id`` column
when there is one, else from a hash of the text: output depends only on (config, key, record),
never on ``num_proc``, batch size or shard order.

The record-level core (:class:`RecordScrubber`) is shared by :mod:`scrubber.torch` and
:mod:`scrubber.ray`; it needs no third-party package.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .config import PipelineConfig, config_from_dict, load_config
from .errors import ConfigError, MissingDependencyError, RecordError, missing_dependency
from .pipeline import Pipeline, ScrubResult, load
from .spans import Span

__all__ = [
    "PII_EPSILON",
    "PII_ERROR",
    "PII_SPANS",
    "RecordScrubber",
    "ScrubMap",
    "scrub_dataset",
]

PII_SPANS = "pii_spans"
PII_EPSILON = "pii_epsilon"
PII_ERROR = "pii_error"

PipelineLike = str | Path | PipelineConfig | Pipeline


def _import_datasets() -> Any:
    try:
        return importlib.import_module("datasets")
    except ImportError:
        raise missing_dependency("datasets", "hf") from None


# -- config <-> plain state ------------------------------------------------------------------


def _component_source(plain: Mapping[str, Any], kind_key: str) -> dict[str, Any]:
    out = {kind_key: plain[kind_key]}
    out.update(plain.get("options") or {})
    return out


def config_to_source(config: PipelineConfig) -> dict[str, Any]:
    """The YAML-shaped mapping that :func:`scrubber.config.config_from_dict` reads back into
    an equal config (``to_dict`` nests component options; the YAML form flattens them)."""
    plain = config.to_dict()
    return {
        "name": plain["name"],
        "description": plain["description"],
        "detectors": [_component_source(d, "type") for d in plain["detectors"]],
        "resolve": plain["resolve"],
        "transforms": {
            "default": _component_source(plain["transforms"]["default"], "operator"),
            "labels": {
                label: _component_source(oc, "operator")
                for label, oc in plain["transforms"]["labels"].items()
            },
        },
        "max_chunk_chars": plain["max_chunk_chars"],
        "chunk_overlap": plain["chunk_overlap"],
    }


def config_to_json(config: PipelineConfig) -> str:
    """Canonical JSON of a config (sorted keys): the stable, picklable form that travels."""
    return json.dumps(config_to_source(config), sort_keys=True, separators=(",", ":"), default=str)


def config_from_json(blob: str) -> PipelineConfig:
    return config_from_dict(json.loads(blob), "<pickled pipeline config>")


def _operators_of(config: PipelineConfig) -> list[tuple[str, Any, Any]]:
    ops = [("default", config.transforms.default)] + list(config.transforms.labels.items())
    return [(name, oc, oc.build()) for name, oc in ops]


def check_key(config: PipelineConfig, key: Any) -> None:
    """Fail at construction (not in a worker, mid-corpus) when a keyed operator has no key.

    Builds only the operators (cheap), never the detectors (which may load models)."""
    if key is not None:
        return
    needs = [name for name, _, op in _operators_of(config) if getattr(op, "requires_key", False)]
    if needs:
        raise ConfigError(
            f"pipeline {config.name!r} pseudonymizes ({', '.join(needs)}) and needs a secret key: "
            "pass key=... (see scrubber.keys)"
        )


def may_spend_epsilon(config: PipelineConfig) -> bool:
    """Whether any configured operator may spend local DP epsilon (then the columnar outputs
    carry a ``pii_epsilon`` column). An operator says so with ``spends_epsilon = True`` or
    ``mode = "dp"``, or has an epsilon option (``epsilon``, ``eps_*``) above zero."""
    import dataclasses

    for _, oc, op in _operators_of(config):
        if getattr(op, "spends_epsilon", False) or getattr(op, "mode", None) == "dp":
            return True
        if dataclasses.is_dataclass(oc.options):
            for f in dataclasses.fields(oc.options):
                value = getattr(oc.options, f.name)
                if (f.name == "epsilon" or f.name.startswith("eps_")) and isinstance(value, (int, float)) \
                        and not isinstance(value, bool) and value > 0:
                    return True
    return False


# -- the record-level core -------------------------------------------------------------------


def _error_text(exc: BaseException) -> str:
    # Only our own messages are copied: a third-party message might quote the text (PII).
    if isinstance(exc, RecordError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__} while scrubbing"


def spans_to_dicts(spans: Iterable[Span]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in spans]


class RecordScrubber:
    """Scrubs the text field of records or columnar batches with a lazily built pipeline.

    Holds only the config, the key and the options; pickles to exactly that (plus the scrubber
    version), so it can be fingerprinted, sent to worker processes and Ray actors, and the
    pipeline (which may load models) is built once per process on first use.
    """

    def __init__(
        self,
        pipeline: PipelineLike = "default",
        *,
        key: Any = None,
        text_column: str = "text",
        id_column: str | None = "id",
        with_spans: bool = False,
        batch_size: int = 64,
    ) -> None:
        if isinstance(pipeline, Pipeline):
            config = pipeline.config
            key = pipeline.key if key is None else key
        else:
            config = load_config(pipeline)  # names/paths are resolved now: the content travels
        if not isinstance(text_column, str) or not text_column:
            raise ConfigError(f"text_column: expected a column name, got {text_column!r}")
        if batch_size < 1:
            raise ConfigError(f"batch_size: must be >= 1, got {batch_size}")
        check_key(config, key)
        self.config = config
        self.key = key
        self.text_column = text_column
        self.id_column = id_column
        self.with_spans = bool(with_spans)
        self.batch_size = int(batch_size)
        self.with_epsilon = may_spend_epsilon(config)
        self._pipeline: Pipeline | None = None
        self._ready()

    def _ready(self) -> None:
        """Called after construction and after unpickling."""

    # Pickle only the state, never the loaded pipeline (models, compiled regexes, caches).
    def _state(self) -> dict[str, Any]:
        return {
            "config": config_to_json(self.config),
            "key": self.key,
            "text_column": self.text_column,
            "id_column": self.id_column,
            "with_spans": self.with_spans,
            "batch_size": self.batch_size,
            "scrubber": __version__,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self._state()))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._state() == other._state()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._state()["config"], self.text_column))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(pipeline={self.config.name!r}, text_column={self.text_column!r}, "
            f"with_spans={self.with_spans})"
        )

    @property
    def pipeline(self) -> Pipeline:
        """The pipeline, built on first use in this process."""
        if self._pipeline is None:
            self._pipeline = load(self.config, key=self.key)
        return self._pipeline

    @property
    def output_columns(self) -> list[str]:
        cols = [self.text_column, PII_ERROR]
        if self.with_spans:
            cols.append(PII_SPANS)
        if self.with_epsilon:
            cols.append(PII_EPSILON)
        return cols

    def missing_column_error(self, available: Iterable[str]) -> ConfigError:
        names = ", ".join(map(str, available)) or "(none)"
        return ConfigError(f"text column {self.text_column!r} not found; available columns: {names}")

    # -- scrubbing -----------------------------------------------------------------------

    def scrub_values(
        self, values: Sequence[Any], doc_ids: Sequence[Any] | None = None
    ) -> list[tuple[ScrubResult | None, str | None]]:
        """Scrub many text values; each gives ``(result, None)`` or ``(None, error)``.

        A value that is not a ``str``, or whose scrubbing raised, gives an error; the caller
        must then emit an empty text (fail closed). Fatal errors (config, missing dependency)
        propagate.
        """
        pipe = self.pipeline  # load errors are fatal, not per-row
        out: list[tuple[ScrubResult | None, str | None]] = [(None, None)] * len(values)
        ids: list[str | None] = [
            None if doc_ids is None or doc_ids[i] is None else str(doc_ids[i]) for i in range(len(values))
        ]
        good: list[int] = []
        for i, v in enumerate(values):
            if isinstance(v, str):
                good.append(i)
            else:
                out[i] = (None, f"TypeError: {self.text_column!r} holds {type(v).__name__}, expected str")
        texts = [values[i] for i in good]
        spans_list: list[list[Span]] | None = None
        if len(texts) > 1:
            try:
                spans_list = pipe.detect_batch(texts)
            except (ConfigError, MissingDependencyError):
                raise
            except Exception:
                spans_list = None  # isolate the failing row below, one text at a time
        for j, i in enumerate(good):
            try:
                spans = spans_list[j] if spans_list is not None else pipe.detect(texts[j])
                out[i] = (pipe.transform(texts[j], spans, ids[i]), None)
            except (ConfigError, MissingDependencyError):
                raise
            except Exception as exc:
                out[i] = (None, _error_text(exc))
        return out

    def scrub_columns(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
        """Columnar batch in, the output columns (see :attr:`output_columns`) out.

        Input columns that are not returned are left unchanged by ``Dataset.map``.
        """
        if self.text_column not in batch:
            raise self.missing_column_error(batch.keys())
        values = list(batch[self.text_column])
        ids = list(batch[self.id_column]) if self.id_column and self.id_column in batch else None
        cols: dict[str, list[Any]] = {c: [] for c in self.output_columns}
        for start in range(0, len(values), self.batch_size):
            chunk = values[start : start + self.batch_size]
            chunk_ids = ids[start : start + self.batch_size] if ids is not None else None
            for result, error in self.scrub_values(chunk, chunk_ids):
                cols[self.text_column].append(result.text if result is not None else "")
                cols[PII_ERROR].append(error)
                if self.with_spans:
                    cols[PII_SPANS].append(spans_to_dicts(result.spans) if result is not None else [])
                if self.with_epsilon:
                    cols[PII_EPSILON].append(float(result.epsilon) if result is not None else 0.0)
        return cols

    def scrub_records(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Records in, records out, fields as the local engine writes them: the text replaced,
        ``pii_spans`` with ``with_spans``, ``pii_epsilon`` when above zero, ``pii_error`` only
        on a row that could not be scrubbed (its text emptied)."""
        out: list[dict[str, Any]] = []
        for rec in records:
            if self.text_column not in rec:
                raise self.missing_column_error(rec.keys())
        values = [rec[self.text_column] for rec in records]
        ids = [rec.get(self.id_column) for rec in records] if self.id_column else None
        for rec, (result, error) in zip(records, self.scrub_values(values, ids), strict=True):
            new = dict(rec)
            new[self.text_column] = result.text if result is not None else ""
            if self.with_spans:
                new[PII_SPANS] = spans_to_dicts(result.spans) if result is not None else []
            if result is not None and result.epsilon > 0:
                new[PII_EPSILON] = float(result.epsilon)
            if error is not None:
                new[PII_ERROR] = error
            out.append(new)
        return out


def _rebuild(cls: type[RecordScrubber], state: dict[str, Any]) -> RecordScrubber:
    obj = cls.__new__(cls)
    obj.config = config_from_json(state["config"])
    obj.key = state["key"]
    obj.text_column = state["text_column"]
    obj.id_column = state["id_column"]
    obj.with_spans = state["with_spans"]
    obj.batch_size = state["batch_size"]
    obj.with_epsilon = may_spend_epsilon(obj.config)
    obj._pipeline = None
    obj._ready()
    return obj


# -- datasets ----------------------------------------------------------------------------------


def key_fingerprint(key: Any) -> str | None:
    """What identifies ``key`` in a cache fingerprint: its public key id (16 hex digits of
    SHA-256(SHA-256(key)), as :attr:`scrubber.keys.SecretKey.key_id`), never the key itself."""
    if key is None:
        return None
    kid = getattr(key, "key_id", None)
    if isinstance(kid, str):
        return kid
    if isinstance(key, str):
        raw = key.encode("utf-8")
    elif isinstance(key, (bytes, bytearray)):
        raw = bytes(key)
    else:
        raise ConfigError(f"key: expected scrubber.keys.SecretKey, bytes or str, got {type(key).__name__}")
    return hashlib.sha256(hashlib.sha256(raw).digest()).hexdigest()[:16]


def _fingerprint_only(cls: type, state: dict[str, Any]) -> Any:  # pragma: no cover - never called
    raise TypeError("this pickle is a datasets fingerprint, not a ScrubMap")


_RULES_DIGEST: str | None = None


def _rules_digest() -> str:
    """Digest of the bundled rule files: editing a rule (same scrubber version, a development
    checkout) must not let a stale cache be reused."""
    global _RULES_DIGEST
    if _RULES_DIGEST is None:
        from .resources import rules_dir

        h = hashlib.sha256()
        for path in sorted(rules_dir().rglob("*")):
            if path.is_file():
                h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _RULES_DIGEST = h.hexdigest()
    return _RULES_DIGEST


def _save_for_fingerprint(pickler: Any, obj: RecordScrubber) -> None:
    state = obj._state()
    state["key"] = key_fingerprint(obj.key)
    state.pop("batch_size")  # execution only: never changes the output
    state["rules"] = _rules_digest()
    pickler.save_reduce(_fingerprint_only, (type(obj), state), obj=obj)


_HOOKED = False


def _register_fingerprint_hook() -> None:
    """``datasets`` fingerprints a map function by pickling it with its own pickler: teach it
    to pickle a ScrubMap with the key's id in place of the key, so that the secret never enters
    a fingerprint (which names cache files, and a fast hash of a weak key is a brute-force
    oracle). Pickling for worker processes still carries the key."""
    try:
        from datasets.utils._dill import Pickler
    except ImportError:  # no datasets, or its internals moved: fingerprints then include the key
        return
    global _HOOKED
    if _HOOKED:
        return
    for cls in (RecordScrubber, ScrubMap):
        Pickler.dispatch[cls] = _save_for_fingerprint
    _HOOKED = True



class ScrubMap(RecordScrubber):
    """A ``Dataset.map`` function: ``ds.map(ScrubMap(pipeline="fast"), batched=True, num_proc=N)``.

    Also works with ``IterableDataset.map(fn, batched=True)`` (streaming). Use ``batched=True``;
    a single example (``batched=False``) is accepted when its text is a ``str`` or not a list.
    Output is identical for any ``num_proc`` and batch size.
    """

    def _ready(self) -> None:
        _register_fingerprint_hook()  # before datasets can hash this object

    def __call__(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        if self.text_column not in batch:
            raise self.missing_column_error(batch.keys())
        value = batch[self.text_column]
        if isinstance(value, (list, tuple)):
            return self.scrub_columns(batch)
        # batched=False: one example
        single = {k: [v] for k, v in batch.items()}
        return {k: v[0] for k, v in self.scrub_columns(single).items()}

    def features(self, features: Any) -> Any:
        """The output ``datasets.Features`` given the input ones (``None`` if unknown).

        Declaring them keeps ``pii_error`` a string column even when the first batch has no
        error, and turns a non-string text column into a string one."""
        if features is None:
            return None
        ds = _import_datasets()
        out = ds.Features(dict(features))
        out[self.text_column] = ds.Value("string")
        out[PII_ERROR] = ds.Value("string")
        if self.with_spans:
            out[PII_SPANS] = ds.List(
                {
                    "start": ds.Value("int64"),
                    "end": ds.Value("int64"),
                    "label": ds.Value("string"),
                    "score": ds.Value("float64"),
                    "source": ds.Value("string"),
                }
            )
        if self.with_epsilon:
            out[PII_EPSILON] = ds.Value("float64")
        return out


def scrub_dataset(
    ds: Any,
    pipeline: PipelineLike = "default",
    *,
    key: Any = None,
    text_column: str = "text",
    id_column: str | None = "id",
    with_spans: bool = False,
    batch_size: int = 256,
    num_proc: int | None = None,
    **map_kwargs: Any,
) -> Any:
    """Scrub ``text_column`` of a ``Dataset``, ``IterableDataset`` or a ``DatasetDict`` of them.

    Checks the column up front (the error lists the available ones), declares the output
    features, and calls ``map(ScrubMap(...), batched=True, ...)``. Extra keyword arguments go
    to ``map`` (``load_from_cache_file``, ``cache_file_name``, ``desc``...).
    """
    datasets = _import_datasets()
    fn = ScrubMap(
        pipeline, key=key, text_column=text_column, id_column=id_column, with_spans=with_spans
    )
    if isinstance(ds, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        return type(ds)(
            {
                split: _map_one(datasets, part, fn, batch_size, num_proc, map_kwargs)
                for split, part in ds.items()
            }
        )
    return _map_one(datasets, ds, fn, batch_size, num_proc, map_kwargs)


def _map_one(
    datasets: Any, ds: Any, fn: ScrubMap, batch_size: int, num_proc: int | None, kwargs: dict[str, Any]
) -> Any:
    columns = ds.column_names
    if columns is not None and fn.text_column not in columns:
        raise fn.missing_column_error(columns)
    kwargs = dict(kwargs)
    kwargs.setdefault("features", fn.features(ds.features))
    if isinstance(ds, datasets.IterableDataset):
        if num_proc not in (None, 1):
            raise ConfigError("num_proc: not supported for an IterableDataset (streaming); shard it instead")
        return ds.map(fn, batched=True, batch_size=batch_size, **kwargs)
    kwargs.setdefault("desc", f"scrubbing {fn.text_column!r} ({fn.config.name})")
    return ds.map(fn, batched=True, batch_size=batch_size, num_proc=num_proc, **kwargs)
