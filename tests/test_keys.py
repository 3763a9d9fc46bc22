"""Secret keys: resolution, errors that never echo the key, repr, derivation, CLI options."""

from __future__ import annotations

import argparse
import hashlib
import pickle

import pytest

from scrubber.errors import ConfigError
from scrubber.keys import (
    ENV_VAR,
    SecretKey,
    add_key_options,
    as_secret_key,
    encode_parts,
    key_from_args,
    resolve_key,
)

KEY = b"k3y-material-that-must-never-leak-0123"


def test_keys_repr_and_str_hide_the_bytes():
    k = SecretKey(KEY)
    for shown in (repr(k), str(k), f"{k}", f"{k!r}", f"{k}", repr([k]), repr({"key": k})):
        assert KEY.decode() not in shown
        assert KEY.hex() not in shown
        assert k.key_id in shown


def test_keys_key_id_is_a_short_hash_of_the_keys_hash():
    k = SecretKey(KEY)
    assert k.key_id == hashlib.sha256(hashlib.sha256(KEY).digest()).hexdigest()[:16]
    assert k.key_id not in hashlib.sha256(KEY).hexdigest()  # not a prefix of the plain hash


def test_keys_too_short_is_refused():
    with pytest.raises(ConfigError, match="at least 16"):
        SecretKey(b"short")


def test_keys_equality_and_pickle_roundtrip():
    k = SecretKey(KEY)
    assert k == SecretKey(KEY) and k != SecretKey(KEY + b"x")
    assert pickle.loads(pickle.dumps(k)) == k
    assert hash(k) == hash(SecretKey(KEY))


def test_keys_derive_is_deterministic_and_separates_purposes():
    k = SecretKey(KEY)
    a, b = k.derive("pseudonymize"), k.derive("dp")
    assert a == SecretKey(KEY).derive("pseudonymize")
    assert a != b and a.key_id != k.key_id
    assert k.hmac("PERSON", "smith") != a.hmac("PERSON", "smith")


def test_keys_encode_parts_is_unambiguous():
    assert encode_parts("ab", "c") != encode_parts("a", "bc")
    assert encode_parts("a\x00b") != encode_parts("a", "b")


def test_keys_resolve_key_from_text_file_strips_the_newline(tmp_path):
    f = tmp_path / "key"
    f.write_bytes(KEY + b"\n")
    k = resolve_key(str(f), False, env={})
    assert k == SecretKey(KEY) and k.source == "file"


def test_keys_resolve_key_from_binary_file_is_byte_for_byte(tmp_path):
    raw = bytes(range(256))[::-1][:32] + b"\n"
    f = tmp_path / "key.bin"
    f.write_bytes(raw)
    assert resolve_key(f, False, env={}) == SecretKey(raw)


@pytest.mark.parametrize(
    "content, message",
    [(None, "does not exist"), (b"", "is empty"), (b"   \n", "is empty"), (b"tooshort-secret", "too short")],
)
def test_keys_resolve_key_file_errors_name_the_file_not_the_content(tmp_path, content, message):
    f = tmp_path / "the-key-file"
    if content is not None:
        f.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as info:
        resolve_key(str(f), False, env={})
    assert "the-key-file" in str(info.value)
    if content and content.strip():
        assert content.strip().decode() not in str(info.value)


def test_keys_resolve_key_directory_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="directory"):
        resolve_key(str(tmp_path), False, env={})


def test_keys_resolve_key_from_env():
    k = resolve_key(None, False, env={ENV_VAR: KEY.decode() + "\n"})
    assert k == SecretKey(KEY) and k.source == "env"


@pytest.mark.parametrize("value, message", [("", "empty"), ("short-secret", "too short")])
def test_keys_resolve_key_env_errors_do_not_echo(value, message):
    with pytest.raises(ConfigError, match=message) as info:
        resolve_key(None, False, env={ENV_VAR: value})
    if value:
        assert value not in str(info.value)


def test_keys_resolve_key_none_without_any_source():
    assert resolve_key(None, False, env={}) is None


def test_keys_ephemeral_is_random_flagged_and_overrides_env():
    a = resolve_key(None, True, env={ENV_VAR: KEY.decode()})
    b = resolve_key(None, True, env={})
    assert a.ephemeral and b.ephemeral and a != b and a != SecretKey(KEY)
    assert "ephemeral" in repr(a)


def test_keys_key_file_and_ephemeral_are_exclusive(tmp_path):
    f = tmp_path / "key"
    f.write_bytes(KEY)
    with pytest.raises(ConfigError, match="mutually exclusive"):
        resolve_key(str(f), True, env={})


def test_keys_key_file_wins_over_env(tmp_path):
    f = tmp_path / "key"
    f.write_bytes(KEY)
    assert resolve_key(str(f), False, env={ENV_VAR: "another-key-of-enough-length"}) == SecretKey(KEY)


def test_keys_as_secret_key_accepts_bytes_and_str():
    assert as_secret_key(KEY) == SecretKey(KEY)
    assert as_secret_key(KEY.decode()) == SecretKey(KEY)
    with pytest.raises(TypeError):
        as_secret_key(42)


def test_keys_cli_helpers(tmp_path):
    f = tmp_path / "key"
    f.write_bytes(KEY)
    parser = argparse.ArgumentParser()
    add_key_options(parser)
    assert key_from_args(parser.parse_args(["--key-file", str(f)]), env={}) == SecretKey(KEY)
    assert key_from_args(parser.parse_args(["--ephemeral-key"]), env={}).ephemeral
    assert key_from_args(parser.parse_args([]), env={}) is None


@pytest.fixture()
def pseudo_pipeline_file(tmp_path):
    path = tmp_path / "pseudo.yaml"
    path.write_text(
        "name: pseudo-test\n"
        "detectors:\n  - type: regex.v1\n    rules: [builtin]\n    include: [EMAIL_ADDRESS]\n"
        "transforms:\n  default: {operator: pseudonymize, scope: corpus}\n",
        encoding="utf-8",
    )
    return path


def test_keys_explain_refuses_to_pseudonymize_without_a_key(pseudo_pipeline_file, monkeypatch, capsys):
    from scrubber.cli.main import EXIT_USAGE, main

    monkeypatch.delenv(ENV_VAR, raising=False)
    assert main(["explain", "-p", str(pseudo_pipeline_file), "mail jane@acme.org"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--key-file" in err and "--ephemeral-key" in err


def test_keys_explain_with_key_file_shows_surrogates_never_the_key(pseudo_pipeline_file, tmp_path, monkeypatch, capsys):
    from scrubber.cli.main import main

    monkeypatch.delenv(ENV_VAR, raising=False)
    f = tmp_path / "key"
    f.write_bytes(KEY)
    assert main(["explain", "-p", str(pseudo_pipeline_file), "--key-file", str(f), "mail jane@acme.org"]) == 0
    out = capsys.readouterr()
    assert "jane@acme.org" in out.out  # the original, in the table
    assert "@example." in out.out  # its surrogate
    assert KEY.decode() not in out.out + out.err
    assert main(["explain", "-p", str(pseudo_pipeline_file), "--ephemeral-key", "mail jane@acme.org"]) == 0
    monkeypatch.setenv(ENV_VAR, KEY.decode())
    assert main(["explain", "-p", str(pseudo_pipeline_file), "mail jane@acme.org"]) == 0
