"""Build frozen dataclasses from plain mappings (parsed YAML), validating types up front.

Errors name the key path: ``detectors[1].batch_size: expected int, got 'big'``.
Supported field types: bool, int, float, str, ``Literal[...]``, ``X | None``, ``tuple[X, ...]``,
``dict[str, X]`` (stored as a read-only mapping) and nested dataclasses.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from .errors import ConfigError

T = TypeVar("T")


def _describe(value: Any) -> str:
    return repr(value) if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__


def _fail(path: str, msg: str) -> ConfigError:
    return ConfigError(f"{path}: {msg}" if path else msg)


def convert(tp: Any, value: Any, path: str) -> Any:
    """Check and convert ``value`` to type ``tp``; raise ConfigError naming ``path``."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return convert(arg, value, path)
            except ConfigError as exc:
                errors.append(str(exc))
        raise _fail(path, f"expected {_type_name(tp)}, got {_describe(value)}")
    if origin is typing.Literal:
        allowed = get_args(tp)
        if value not in allowed:
            raise _fail(path, f"expected one of {', '.join(map(repr, allowed))}, got {_describe(value)}")
        return value
    if origin is tuple:
        args = get_args(tp)
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise _fail(path, f"expected a list, got {_describe(value)}")
        item_tp = args[0]
        return tuple(convert(item_tp, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (dict, Mapping, typing.Mapping, __import__("collections.abc").abc.Mapping):
        key_tp, val_tp = get_args(tp)
        if not isinstance(value, Mapping):
            raise _fail(path, f"expected a mapping, got {_describe(value)}")
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise _fail(path, f"keys must be strings, got {_describe(k)}")
            out[k] = convert(val_tp, v, f"{path}.{k}" if path else k)
        return types.MappingProxyType(out)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if isinstance(value, tp):
            return value
        return from_mapping(tp, value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise _fail(path, f"expected true or false, got {_describe(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, f"expected int, got {_describe(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, f"expected a number, got {_describe(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise _fail(path, f"expected a string, got {_describe(value)}")
        return value
    raise TypeError(f"unsupported config type {tp!r} at {path}")


def _type_name(tp: Any) -> str:
    args = [a for a in get_args(tp) if a is not type(None)]
    return " or ".join(getattr(a, "__name__", str(a)) for a in args) + " or null"


def from_mapping(cls: type[T], data: Any, path: str = "") -> T:
    """Build dataclass ``cls`` from ``data``, rejecting unknown keys and wrong types."""
    if not isinstance(data, Mapping):
        raise _fail(path, f"expected a mapping, got {_describe(data)}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = f"{path}.{unknown[0]}" if path else unknown[0]
        raise _fail(key, f"unknown key; allowed keys: {', '.join(sorted(fields))}")
    kwargs = {}
    for name, f in fields.items():
        sub = f"{path}.{name}" if path else name
        if name in data:
            kwargs[name] = convert(hints[name], data[name], sub)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _fail(sub, "missing required key")
    obj = cls(**kwargs)
    validate = getattr(obj, "validate", None)
    if callable(validate):
        try:
            validate()
        except ConfigError as exc:
            raise _fail(path, str(exc)) from None
    return obj


def to_plain(obj: Any) -> Any:
    """The inverse of :func:`from_mapping`: dataclasses to plain dicts/lists (for hashing, YAML)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    return obj
