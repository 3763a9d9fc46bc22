"""Small registries of components found by versioned name (``regex.v1``, ``spacy_ner.v1``).

Once a versioned name is published its output never changes; a changed behaviour gets ``.v2``.
Each entry pairs a factory with the frozen dataclass of options it takes from config.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import RegistryError

F = TypeVar("F")


@dataclass(frozen=True)
class Entry(Generic[F]):
    name: str
    factory: F
    options: type
    module: str


class Registry(Generic[F]):
    """Name -> (factory, options class). Entries may be registered lazily by module path."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[F]] = {}
        self._lazy: dict[str, str] = {}

    def register(self, name: str, options: type) -> Callable[[F], F]:
        def deco(factory: F) -> F:
            self._entries[name] = Entry(name, factory, options, getattr(factory, "__module__", ""))
            return factory

        return deco

    def register_lazy(self, name: str, module: str) -> None:
        """Declare that importing ``module`` registers ``name`` (keeps heavy imports lazy)."""
        self._lazy[name] = module

    def names(self) -> list[str]:
        return sorted(set(self._entries) | set(self._lazy))

    def get(self, name: str) -> Entry[F]:
        if name not in self._entries and name in self._lazy:
            importlib.import_module(self._lazy[name])
        try:
            return self._entries[name]
        except KeyError:
            raise RegistryError(
                f"unknown {self.kind} {name!r}. Available names: {', '.join(self.names())}"
            ) from None


detectors: Registry[Callable[..., Any]] = Registry("detector")
operators: Registry[Callable[..., Any]] = Registry("operator")
