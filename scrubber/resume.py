"""Resumable ``clean`` runs: completion markers per output part, a run fingerprint, restart points.

Every local ``clean`` run keeps a hidden marker folder, ``<out>/.scrubber-resume/``:

- ``fingerprint.json``: what determines the output (scrubber version, pipeline sha256, output
  options, inputs with their sizes, the key's id -- never the key). ``--resume`` with anything
  else refuses with :class:`~scrubber.errors.ConfigError`.
- ``part-00000.json`` ...: written right after shard ``part-00000.*`` is renamed into place. It
  holds the shard's :class:`~scrubber.io.writers.ShardInfo`, ``outputs_end`` (output records in
  this and all earlier shards) and a :class:`Snapshot`: the whole run state (input position,
  counters, quarantine bytes) at the last chunk boundary at or before the first record of the
  *next* shard.
- ``parts-done.json``: every part is written (shards and quarantine closed), with the state the
  manifest needs. Post-processing (the DP finalize stage) and the manifest come after it, so on
  resume they are simply redone from the completed part shards.
- DP shards (:mod:`scrubber.dp.finalize`): the parts are the *staging* shards under
  ``.dp-stage/``, and dedup decisions depend on every earlier record. So before each part's
  marker, ``part-00000.<ext>.dp.arrow`` records what the :class:`~scrubber.dp.finalize.DpShardBuilder`
  admitted between the previous part's snapshot and this one's (the kept records' unit, bound,
  epsilon, size and MinHash; the dedup keys seen, dropped duplicates included; counters), and
  ``dp-final.arrow`` (before ``parts-done.json``) the rest. A resumed run replays these in
  order, up to its snapshot, then re-admits from there; after ``parts-done.json`` it rebuilds the
  whole state and redoes finalize, whose final shards and ``units.parquet`` are written under
  temporary names and renamed. The staging folder is removed only after the markers.

Shard boundaries depend only on the sequence of output records, and a shard starts fresh after
the previous one closes, so a resumed run re-reads the inputs from the snapshot's position,
re-scrubs from there (pure in (config, key, record)), drops the outputs already in completed
shards and continues with the same shard names: the output is byte-identical to an uninterrupted
run. ``manifest.json`` is written last; the marker folder is removed after it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import fsspec

from ._version import __version__
from .errors import ConfigError
from .io.readers import InputFile
from .io.writers import SHARD_PREFIX, ShardInfo

RESUME_DIR = ".scrubber-resume"
FINGERPRINT = "fingerprint.json"
PARTS_DONE = "parts-done.json"
DP_SUFFIX = ".dp.arrow"  # per part: DP admission state added up to its snapshot (scrubber.dp.finalize)
DP_FINAL = "dp-final.arrow"  # DP admission state added from the last part's snapshot to the end


@dataclass
class Snapshot:
    """The run's state at a chunk boundary: enough to restart from there."""

    file_index: int = 0  # input file of the chunk's first raw record
    raw_in_file: int = 0  # raw records of that file before it (line files: lines, blank ones included)
    outputs_before: int = 0  # output records of all earlier chunks
    records_in: int = 0
    data_bytes: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    quarantine_bytes: int = 0
    quarantine_records: int = 0
    quarantine_by_code: dict[str, int] = field(default_factory=dict)
    dp: dict[str, int] | None = None  # DP shards: DpShardBuilder.position() at the boundary
    offset_in_file: int = 0  # line files: decompressed bytes of that file before the chunk

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Snapshot:
        return cls(**dict(d))


def fingerprint(*, config_sha256: str, options: Mapping[str, Any], inputs: Sequence[InputFile],
                key: Any, dp: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the output depends on. The key appears only as its key id."""
    key_id = None
    if key is not None:
        from .keys import as_secret_key

        key_id = as_secret_key(key).key_id
    return {
        "scrubber_version": __version__,
        "pipeline_sha256": config_sha256,
        "options": dict(options),
        "inputs": [f.to_dict() for f in inputs],
        "key_id": key_id,
        "dp": None if dp is None else dict(dp),  # the resolved DP shard options (None: no DP shards)
    }


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


class ResumeMarkers:
    """Reads and writes the marker folder of one output folder."""

    def __init__(self, fs: fsspec.AbstractFileSystem, root: str) -> None:
        self.fs = fs
        self.root = root.rstrip("/")
        self.dir = f"{self.root}/{RESUME_DIR}"

    def _write_json(self, name: str, data: Mapping[str, Any]) -> None:
        path, tmp = f"{self.dir}/{name}", f"{self.dir}/.{name}.tmp"
        with self.fs.open(tmp, "wb") as f:
            f.write(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
        self.fs.mv(tmp, path)

    def _read_json(self, name: str) -> dict[str, Any] | None:
        path = f"{self.dir}/{name}"
        if not self.fs.exists(path):
            return None
        with self.fs.open(path, "rb") as f:
            return json.loads(f.read())  # type: ignore[no-any-return]

    def exists(self) -> bool:
        return bool(self.fs.exists(f"{self.dir}/{FINGERPRINT}"))

    def start(self, fp: Mapping[str, Any]) -> None:
        self.fs.makedirs(self.dir, exist_ok=True)
        self._write_json(FINGERPRINT, fp)

    def check(self, fp: Mapping[str, Any], out_dir: str) -> None:
        old = self._read_json(FINGERPRINT)
        if old is None:
            raise ConfigError(f"--resume: {out_dir!r} holds no resumable run (no {RESUME_DIR}/{FINGERPRINT})")
        changed = _diff(old, fp)
        if changed:
            raise ConfigError(
                f"--resume: {out_dir!r} was started with a different {', '.join(changed)} "
                "(pipeline, options, inputs or key must be the same as the interrupted run); "
                "use --overwrite to start over")

    def part(self, info: ShardInfo, outputs_end: int, snap: Snapshot) -> None:
        self._write_json(f"{info.name}.json",
                         {"shard": info.to_dict(), "outputs_end": outputs_end, "snapshot": asdict(snap)})

    def parts_done(self, state: Mapping[str, Any]) -> None:
        self._write_json(PARTS_DONE, state)

    def read_parts_done(self) -> dict[str, Any] | None:
        return self._read_json(PARTS_DONE)

    def dp_checkpoint(self, shard_name: str | None) -> str:
        """Where the DP admission state up to a part's snapshot (None: up to the end) is kept."""
        return f"{self.dir}/{shard_name}{DP_SUFFIX}" if shard_name else f"{self.dir}/{DP_FINAL}"

    def completed(self, shard_root: str | None = None) -> tuple[list[ShardInfo], int, Snapshot]:
        """The longest run of consecutive completed parts whose shard is on disk (in
        ``shard_root``, default the output folder) with its size: their infos, the output records
        they hold, and the snapshot to restart from."""
        shard_root = (shard_root or self.root).rstrip("/")
        shards: list[ShardInfo] = []
        outputs_end, snap = 0, Snapshot()
        names = sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(self.dir, detail=False))
        markers = {n[: -len(".json")]: n for n in names if n.startswith(SHARD_PREFIX) and n.endswith(".json")}
        while True:
            want = [n for n in markers if n.startswith(f"{SHARD_PREFIX}{len(shards):05d}.")]
            if not want:
                break
            data = self._read_json(markers[want[0]])
            assert data is not None
            info = ShardInfo(**data["shard"])
            path = f"{shard_root}/{info.name}"
            if not self.fs.exists(path) or int(self.fs.size(path)) != info.bytes:
                break
            shards.append(info)
            outputs_end, snap = int(data["outputs_end"]), Snapshot.from_dict(data["snapshot"])
        # Markers past the first gap are stale: drop them.
        keep = {f"{s.name}.json" for s in shards}
        for n in markers.values():
            if n not in keep:
                self.fs.rm(f"{self.dir}/{n}")
        keep_dp = {f"{s.name}{DP_SUFFIX}" for s in shards}
        for n in names:
            if n.endswith(DP_SUFFIX) and n not in keep_dp:
                self.fs.rm(f"{self.dir}/{n}")
        return shards, outputs_end, snap

    def remove_stale_outputs(self, keep: Sequence[str], shard_root: str | None = None) -> None:
        """Remove shards not in ``keep`` and every temporary file a killed run may have left.
        With a ``shard_root`` (DP staging), the parts are kept there and every shard in the
        output folder (a final shard of an interrupted finalize) is stale."""
        roots = [self.root] if shard_root is None else [self.root, shard_root.rstrip("/")]
        for root in roots:
            if not self.fs.exists(root):
                continue
            keep_here = keep if root == roots[-1] else ()
            for p in self.fs.ls(root, detail=False):
                name = p.rstrip("/").rsplit("/", 1)[-1]
                stale_shard = name.startswith(SHARD_PREFIX) and name not in keep_here
                if stale_shard or (name.startswith(".") and name.endswith(".tmp")):
                    self.fs.rm(f"{root}/{name}")
        for p in self.fs.ls(self.dir, detail=False):
            if p.rstrip("/").endswith(".tmp"):
                self.fs.rm(p)

    def clear(self) -> None:
        if self.fs.exists(self.dir):
            self.fs.rm(self.dir, recursive=True)
