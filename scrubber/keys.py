"""Secret keys for keyed pseudonymization and DP seeding.

Contract:

- The key's bytes never appear in output, logs, the manifest, error messages or ``repr``. Only
  :attr:`SecretKey.key_id` may be shown or recorded: the first 16 hex digits of
  ``SHA-256(SHA-256(key))`` ("a short hash of the key's hash"). It identifies which key produced
  a corpus and cannot be used to recompute any pseudonym.
- A key comes from ``--key-file PATH`` or the ``SCRUBBER_KEY`` environment variable; with
  ``--ephemeral-key`` a random 32-byte key is drawn for this run only (pseudonyms are then not
  reproducible, and the key is never written anywhere). Without one of them, a pipeline that
  pseudonymizes refuses to load (:class:`scrubber.pipeline.Pipeline`). Unkeyed hashing is not
  offered: names and phone numbers are a small space, so ``SHA-256(value)`` is reversed by a
  dictionary.
- Sub-keys are derived per purpose with HMAC-SHA256 (``derive("pseudonymize")``,
  ``derive("dp")``, ``derive("privacy_unit")``...), so that a value hashed for one purpose can
  never be matched against the same value hashed for another (domain separation).

Precedence in :func:`resolve_key`: ``--key-file`` > ``--ephemeral-key`` > ``SCRUBBER_KEY``.
``--key-file`` together with ``--ephemeral-key`` is an error; ``--ephemeral-key`` overrides an
exported ``SCRUBBER_KEY`` because the flag is the more explicit request.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError

MIN_KEY_BYTES = 16
ENV_VAR = "SCRUBBER_KEY"

__all__ = [
    "ENV_VAR",
    "MIN_KEY_BYTES",
    "SecretKey",
    "add_key_options",
    "as_secret_key",
    "encode_parts",
    "key_from_args",
    "resolve_key",
]


def encode_parts(*parts: bytes | str) -> bytes:
    """Unambiguous concatenation: each part is prefixed by its 4-byte length.

    PRIVACY.md writes ``label || 0x00 || normalize(x)``; a separator byte is ambiguous when a
    part can contain it (text may contain NUL), a length prefix never is.
    """
    out: list[bytes] = []
    for part in parts:
        b = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else bytes(part)
        out.append(len(b).to_bytes(4, "big"))
        out.append(b)
    return b"".join(out)


class SecretKey:
    """A secret key whose bytes are never shown.

    ``repr``/``str`` give only the key id. Equality is constant-time. Pickling is allowed (worker
    processes need the key) but the pickle naturally contains the key: never write it to disk.
    """

    __slots__ = ("_key", "_key_id", "_derived", "ephemeral", "source")

    def __init__(self, key: bytes, *, ephemeral: bool = False, source: str = "bytes") -> None:
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError("SecretKey expects bytes")
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(
                f"secret key is too short: {len(key)} bytes, need at least {MIN_KEY_BYTES}"
            )
        self._key = bytes(key)
        self._key_id = hashlib.sha256(hashlib.sha256(self._key).digest()).hexdigest()[:16]
        self._derived: dict[str, SecretKey] = {}
        self.ephemeral = ephemeral
        self.source = source  # "file", "env", "ephemeral", "bytes" or "derived": never the path's content

    @classmethod
    def generate(cls) -> SecretKey:
        """A random 32-byte key for one run (``--ephemeral-key``)."""
        return cls(secrets.token_bytes(32), ephemeral=True, source="ephemeral")

    @property
    def key_id(self) -> str:
        """16 hex digits of SHA-256(SHA-256(key)): safe to log and to record in manifests."""
        return self._key_id

    def __repr__(self) -> str:
        return f"SecretKey(key_id={self._key_id!r}{', ephemeral' if self.ephemeral else ''})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretKey):
            return NotImplemented
        return hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(self._key_id)

    def __reduce__(self) -> Any:
        return (_rebuild, (self._key, self.ephemeral, self.source))

    # -- keyed primitives ----------------------------------------------------------------------

    def hmac(self, *parts: bytes | str) -> bytes:
        """HMAC-SHA256 of the length-prefixed ``parts`` (see :func:`encode_parts`)."""
        return hmac.digest(self._key, encode_parts(*parts), "sha256")

    def hmac_hex(self, *parts: bytes | str) -> str:
        return self.hmac(*parts).hex()

    def derive(self, purpose: str, *context: bytes | str) -> SecretKey:
        """A sub-key ``HMAC(K, "scrubber/v1/" purpose, context...)``, cached per argument list.

        Purposes in use: ``pseudonymize`` (consistent pseudonyms; ``K_scope``), ``dp`` (per-document
        DP draws), ``dp-link`` (corpus-consistent pseudonyms for k-ary randomized response),
        ``privacy_unit`` (``K_unit`` for pseudonymous privacy-unit ids).
        """
        cache_key = purpose if not context else None
        if cache_key is not None and cache_key in self._derived:
            return self._derived[cache_key]
        sub = SecretKey(self.hmac("scrubber/v1/" + purpose, *context), ephemeral=self.ephemeral, source="derived")
        if cache_key is not None:
            self._derived[cache_key] = sub
        return sub


def _rebuild(key: bytes, ephemeral: bool, source: str) -> SecretKey:
    return SecretKey(key, ephemeral=ephemeral, source=source)


def as_secret_key(key: Any) -> SecretKey:
    """Accept a :class:`SecretKey`, or ``bytes`` / ``str`` from the Python API, as a SecretKey."""
    if isinstance(key, SecretKey):
        return key
    if isinstance(key, (bytes, bytearray)):
        return SecretKey(bytes(key))
    if isinstance(key, str):
        return SecretKey(key.encode("utf-8"), source="str")
    raise TypeError(f"a secret key must be SecretKey, bytes or str, not {type(key).__name__}")


def _key_bytes_from_file_content(data: bytes) -> bytes:
    # A text key file (`openssl rand -hex 32 > key`) ends with a newline that is not key
    # material; a binary key (`head -c 32 /dev/urandom > key`) is used byte for byte.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    if text.strip() and all(c.isprintable() or c.isspace() for c in text):
        return text.strip().encode("utf-8")
    return data


def resolve_key(
    key_file: str | os.PathLike[str] | None,
    ephemeral: bool = False,
    env: Mapping[str, str] | None = None,
) -> SecretKey | None:
    """The key from ``key_file``, a fresh ephemeral key, or ``env["SCRUBBER_KEY"]``; else ``None``.

    Errors (:class:`~scrubber.errors.ConfigError`) name the file or variable and the problem
    (missing, unreadable, empty, too short) and never echo any of its content.
    """
    env = os.environ if env is None else env
    if key_file is not None and ephemeral:
        raise ConfigError("--key-file and --ephemeral-key are mutually exclusive")
    if key_file is not None:
        path = os.fspath(key_file)
        try:
            with open(path, "rb") as fh:
                data = fh.read((1 << 20) + 1)
        except FileNotFoundError:
            raise ConfigError(f"key file {path!r} does not exist") from None
        except IsADirectoryError:
            raise ConfigError(f"key file {path!r} is a directory") from None
        except OSError as exc:
            raise ConfigError(f"key file {path!r} cannot be read: {exc.strerror or type(exc).__name__}") from None
        if len(data) > 1 << 20:
            raise ConfigError(f"key file {path!r} is larger than 1 MiB: is it really a key?")
        key = _key_bytes_from_file_content(data)
        if not key.strip():
            raise ConfigError(f"key file {path!r} is empty")
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(
                f"key file {path!r} is too short: {len(key)} bytes, need at least {MIN_KEY_BYTES} "
                "(e.g. `openssl rand -hex 32 > key`)"
            )
        return SecretKey(key, source="file")
    if ephemeral:
        return SecretKey.generate()
    value = env.get(ENV_VAR)
    if value is None:
        return None
    key = value.strip().encode("utf-8", "surrogatepass")
    if not key:
        raise ConfigError(f"{ENV_VAR} is set but empty")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"{ENV_VAR} is too short: {len(key)} bytes, need at least {MIN_KEY_BYTES}")
    return SecretKey(key, source="env")


def add_key_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--key-file`` and ``--ephemeral-key`` to a subcommand (``explain``, ``clean``...)."""
    group = parser.add_argument_group("secret key (pseudonymize / dp operators)")
    group.add_argument(
        "--key-file", metavar="PATH", default=None,
        help=f"file holding the secret key (at least {MIN_KEY_BYTES} bytes); default: the {ENV_VAR} "
             "environment variable",
    )
    group.add_argument(
        "--ephemeral-key", action="store_true",
        help="use a random key for this run only (never recorded; pseudonyms are not reproducible)",
    )


def key_from_args(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> SecretKey | None:
    """The key selected by :func:`add_key_options`' options (or ``SCRUBBER_KEY``), or ``None``."""
    return resolve_key(getattr(args, "key_file", None), bool(getattr(args, "ephemeral_key", False)), env)
