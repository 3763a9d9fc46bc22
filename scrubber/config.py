"""Pipeline configuration: one typed, frozen dataclass tree, loadable from YAML.

Everything is validated at load time; errors name the key path
(``detectors[0].min_score: expected a number, got 'high'``). The Python API takes the
dataclasses directly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from . import registry
from .errors import ConfigError
from .resources import pipelines_dir
from .spans import RESOLVE_POLICIES
from .typed_config import from_mapping, to_plain
from .yaml_load import safe_load


@dataclass(frozen=True)
class DetectorConfig:
    """A detector by registered name, with that detector's own options dataclass."""

    type: str
    options: Any = None

    def build(self) -> Any:
        entry = registry.detectors.get(self.type)
        return entry.factory(self.options if self.options is not None else entry.options())


@dataclass(frozen=True)
class OperatorConfig:
    """A replacement operator by registered name, with its options dataclass."""

    operator: str = "replace"
    options: Any = None

    def build(self) -> Any:
        entry = registry.operators.get(self.operator)
        return entry.factory(self.options if self.options is not None else entry.options())


@dataclass(frozen=True)
class ResolveConfig:
    """Overlap resolution. ``policy`` picks the winner among overlapping spans; with
    ``cover`` (the default) the winner is widened over every span it overlaps, so no detected
    character is left unscrubbed; without it the losers are dropped (spaCy's filter_spans)."""

    policy: str = "longest_first"
    min_score: float = 0.0
    cover: bool = True

    def validate(self) -> None:
        if self.policy not in RESOLVE_POLICIES:
            raise ConfigError(
                f"policy: unknown overlap policy {self.policy!r}; available: {', '.join(RESOLVE_POLICIES)}"
            )
        if not 0.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score: expected a number in [0, 1], got {self.min_score!r}")


@dataclass(frozen=True)
class TransformsConfig:
    default: OperatorConfig = field(default_factory=OperatorConfig)
    labels: Mapping[str, OperatorConfig] = field(default_factory=lambda: MappingProxyType({}))

    def for_label(self, label: str) -> OperatorConfig:
        return self.labels.get(label, self.default)


@dataclass(frozen=True)
class PipelineConfig:
    """A whole pipeline: detectors, overlap resolution, and per-label transforms."""

    name: str = "custom"
    description: str = ""
    detectors: tuple[DetectorConfig, ...] = ()
    resolve: ResolveConfig = field(default_factory=ResolveConfig)
    transforms: TransformsConfig = field(default_factory=TransformsConfig)
    # Texts longer than this are detected window by window (bounded memory per detector call);
    # windows overlap by chunk_overlap characters so a value on a boundary is still found.
    max_chunk_chars: int = 1_000_000
    chunk_overlap: int = 4096
    # Detection time allowed per record (seconds; 0 disables). A record over budget raises
    # RecordTimeout and is quarantined instead of stalling its worker.
    record_time_budget_s: float = 300.0

    def validate(self) -> None:
        if self.max_chunk_chars < 1024:
            raise ConfigError(f"max_chunk_chars: must be at least 1024, got {self.max_chunk_chars}")
        if not 0 <= self.chunk_overlap < self.max_chunk_chars // 2:
            raise ConfigError("chunk_overlap: must be >= 0 and below half of max_chunk_chars")

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)  # type: ignore[no-any-return]

    def sha256(self) -> str:
        """Hash of the canonical JSON form: the same config always hashes the same."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _parse_component(
    raw: Any, path: str, kind_key: str, reg: registry.Registry[Any], default: str | None
) -> tuple[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping, got {type(raw).__name__}")
    name = raw.get(kind_key, default)
    if not isinstance(name, str):
        raise ConfigError(f"{path}.{kind_key}: missing or not a string")
    try:
        entry = reg.get(name)
    except ConfigError as exc:
        raise ConfigError(f"{path}.{kind_key}: {exc}") from None
    rest = {k: v for k, v in raw.items() if k != kind_key}
    return name, from_mapping(entry.options, rest, path)


def config_from_dict(data: Any, source: str = "<dict>") -> PipelineConfig:
    """Validate a parsed YAML mapping into a :class:`PipelineConfig`."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: a pipeline must be a mapping")
    allowed = {"name", "description", "detectors", "resolve", "transforms", "max_chunk_chars",
               "chunk_overlap", "record_time_budget_s"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{source}: {unknown[0]}: unknown key; allowed keys: {', '.join(sorted(allowed))}")
    try:
        detectors_raw = data.get("detectors", [])
        if not isinstance(detectors_raw, list):
            raise ConfigError("detectors: expected a list")
        detectors = []
        for i, raw in enumerate(detectors_raw):
            name, options = _parse_component(raw, f"detectors[{i}]", "type", registry.detectors, None)
            detectors.append(DetectorConfig(name, options))
        tr = data.get("transforms", {}) or {}
        if not isinstance(tr, Mapping):
            raise ConfigError("transforms: expected a mapping")
        bad = sorted(set(tr) - {"default", "labels"})
        if bad:
            raise ConfigError(f"transforms.{bad[0]}: unknown key; allowed keys: default, labels")
        default_name, default_opts = _parse_component(
            tr.get("default", {}), "transforms.default", "operator", registry.operators, "replace"
        )
        labels_raw = tr.get("labels", {}) or {}
        if not isinstance(labels_raw, Mapping):
            raise ConfigError("transforms.labels: expected a mapping of label -> operator")
        labels = {}
        for label, raw in labels_raw.items():
            name, opts = _parse_component(
                raw, f"transforms.labels.{label}", "operator", registry.operators, "replace"
            )
            labels[str(label)] = OperatorConfig(name, opts)
        rest = {k: data[k] for k in ("name", "description", "max_chunk_chars", "chunk_overlap",
                                     "record_time_budget_s") if k in data}
        base = from_mapping(PipelineConfig, rest)
        resolve = from_mapping(ResolveConfig, data.get("resolve", {}) or {}, "resolve")
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return PipelineConfig(
        name=base.name,
        description=base.description,
        detectors=tuple(detectors),
        resolve=resolve,
        transforms=TransformsConfig(
            OperatorConfig(default_name, default_opts), MappingProxyType(labels)
        ),
        max_chunk_chars=base.max_chunk_chars,
        chunk_overlap=base.chunk_overlap,
        record_time_budget_s=base.record_time_budget_s,
    )


def available_pipelines() -> list[str]:
    return sorted(p.stem for p in pipelines_dir().glob("*.yaml"))


def resolve_pipeline_path(name_or_path: str) -> Path:
    """A bundled pipeline name (``fast``, ``default``...) or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise ConfigError(f"pipeline file {name_or_path!r} does not exist")
        return candidate
    bundled = pipelines_dir() / f"{name_or_path}.yaml"
    if not bundled.is_file():
        raise ConfigError(
            f"unknown pipeline {name_or_path!r}. Available names: {', '.join(available_pipelines())} "
            "(or give a path to a YAML file)"
        )
    return bundled


def load_config(pipeline: str | Path | PipelineConfig = "default") -> PipelineConfig:
    """Load a pipeline config by bundled name, YAML path, or pass a config object through.

    A pipeline file may be a one-line alias, ``alias: fast`` (``default`` is one).
    """
    if isinstance(pipeline, PipelineConfig):
        return pipeline
    path = resolve_pipeline_path(str(pipeline))
    seen: set[Path] = set()
    while True:
        try:
            data = safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if isinstance(data, Mapping) and set(data) == {"alias"}:
            target = resolve_pipeline_path(str(data["alias"]))
            if target.resolve() in seen:
                raise ConfigError(f"{path}: alias: cycle through {target}")
            seen.add(path.resolve())
            path = target
            continue
        return config_from_dict(data, str(path))
