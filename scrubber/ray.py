"""Ray Data integration: scrub a ``ray.data.Dataset`` on a cluster with an actor pool.

>>> import ray, scrubber.ray                                                     # doctest: +SKIP
>>> ds = ray.data.read_parquet("s3://bucket/corpus/")                           # doctest: +SKIP
>>> out = scrubber.ray.scrub(ds, pipeline="default", key=key, concurrency=(1, 32))  # doctest: +SKIP
>>> out.write_parquet("s3://bucket/scrubbed/")                                  # doctest: +SKIP

``scrub`` runs ``map_batches`` with a callable class on an actor pool, so each actor builds the
pipeline (and loads its models) once and then scrubs many batches. Only the config, the key and
the options are shipped to actors. Output columns are those of :mod:`scrubber.hf`: the text
column scrubbed, ``pii_error`` (null unless the row could not be scrubbed; its text is then
emptied), ``pii_spans`` with ``with_spans``, ``pii_epsilon`` for pipelines that spend DP epsilon.

Workers import ``scrubber``: on a real cluster, install it on every node (or ship it with
``ray.init(runtime_env={"py_modules": [scrubber]})``).

This module is ``scrubber.ray``; the real ``ray`` package is imported lazily via importlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import missing_dependency
from .hf import PII_EPSILON, PII_ERROR, PII_SPANS, PipelineLike, RecordScrubber

__all__ = ["scrub"]


def import_ray_data() -> Any:
    """``ray.data``, or the error saying to install ``scrubber[ray]``."""
    try:
        return importlib.import_module("ray.data")
    except ImportError:
        raise missing_dependency("ray", "ray") from None


def _pa() -> Any:
    return importlib.import_module("pyarrow")


def _spans_type() -> Any:
    pa = _pa()
    return pa.list_(
        pa.struct(
            [
                ("start", pa.int64()),
                ("end", pa.int64()),
                ("label", pa.string()),
                ("score", pa.float64()),
                ("source", pa.string()),
            ]
        )
    )


class ScrubBatches:
    """The callable class run by each actor: a ``pyarrow.Table`` batch in and out.

    Constructed once per actor from the pickled :class:`~scrubber.hf.RecordScrubber` (config
    only); the pipeline is built on the first batch and reused for every later one.
    """

    def __init__(self, scrubber: RecordScrubber) -> None:
        self.scrubber = scrubber

    def __call__(self, table: Any) -> Any:
        pa = _pa()
        sc = self.scrubber
        names = table.column_names
        if sc.text_column not in names:
            raise sc.missing_column_error(names)
        batch = {sc.text_column: table.column(sc.text_column).to_pylist()}
        if sc.id_column and sc.id_column in names:
            batch[sc.id_column] = table.column(sc.id_column).to_pylist()
        cols = sc.scrub_columns(batch)
        types = {sc.text_column: pa.string(), PII_ERROR: pa.string(), PII_SPANS: _spans_type(),
                 PII_EPSILON: pa.float64()}
        for name, values in cols.items():
            array = pa.array(values, type=types[name])
            if name in table.column_names:
                table = table.set_column(table.column_names.index(name), name, array)
            else:
                table = table.append_column(name, array)
        return table


def _compute(concurrency: int | tuple[int, int] | None) -> Any:
    ActorPoolStrategy = import_ray_data().ActorPoolStrategy  # noqa: N806
    if concurrency is None:
        return ActorPoolStrategy(min_size=1, max_size=None)
    if isinstance(concurrency, int):
        return ActorPoolStrategy(size=concurrency)
    lo, hi = concurrency
    return ActorPoolStrategy(min_size=lo, max_size=hi)


def scrub(
    ds: Any,
    pipeline: PipelineLike = "default",
    *,
    key: Any = None,
    text_column: str = "text",
    id_column: str | None = "id",
    with_spans: bool = False,
    batch_size: int = 256,
    concurrency: int | tuple[int, int] | None = None,
    num_cpus: float = 1,
    **map_batches_kwargs: Any,
) -> Any:
    """Scrub ``text_column`` of a ``ray.data.Dataset``; returns a new (lazy) Dataset.

    ``concurrency``: actor pool size, ``n`` or ``(min, max)`` for an autoscaling pool
    (default: autoscaling from 1). ``num_cpus``: per actor. ``key``: the secret key for
    pseudonymizing pipelines (it travels to the actors). Other keyword arguments go to
    ``map_batches`` (``num_gpus``, ``memory``, ``runtime_env``...).
    """
    import_ray_data()
    sc = RecordScrubber(
        pipeline, key=key, text_column=text_column, id_column=id_column, with_spans=with_spans
    )
    schema = ds.schema(fetch_if_missing=False)  # never executes the dataset just to check
    if schema is not None and text_column not in schema.names:
        raise sc.missing_column_error(schema.names)
    return ds.map_batches(
        ScrubBatches,
        fn_constructor_args=(sc,),
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=_compute(concurrency),
        num_cpus=num_cpus,
        zero_copy_batch=True,
        **map_batches_kwargs,
    )
