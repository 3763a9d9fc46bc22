"""Secret keys never show up in shards, manifests, quarantine, CLI output, errors or ``repr``."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard
from conftest import PSEUDO_REGEX_PIPELINE

from scrubber.errors import ConfigError
from scrubber.keys import resolve_key

REPO = Path(__file__).resolve().parent.parent
KEY_TEXT = "6b3f0c9e2a7d41f8b5e0a9c3d7f1e2b4c8a0d6e3f9b1c5a7d2e4f6a8b0c1d3e5"  # what `openssl rand -hex 32` writes

PSEUDO = PSEUDO_REGEX_PIPELINE


def forms(key: bytes) -> list[bytes]:
    """The key as bytes, hex (both cases), base64 (standard and URL-safe), and its halves."""
    out = [key, key.hex().encode(), key.hex().upper().encode(), base64.b64encode(key).rstrip(b"="),
           base64.urlsafe_b64encode(key).rstrip(b"=")]
    return out + [key[: len(key) // 2], key[len(key) // 2:]]


def assert_no_key(blob: bytes, where: str) -> None:
    raw = KEY_TEXT.encode()
    for form in forms(raw) + forms(bytes.fromhex(KEY_TEXT)):
        assert form not in blob, f"key material ({form[:6]!r}...) found in {where}"


def read_all(out: Path) -> bytes:
    blob = b""
    for p in sorted(out.rglob("*")):
        if p.is_file():
            raw = p.read_bytes()
            blob += zstandard.ZstdDecompressor().stream_reader(raw).read() if p.name.endswith(".zst") else raw
    return blob


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("SCRUBBER_KEY", None)
    return subprocess.run([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=300)


def test_secrets_never_in_outputs_logs_or_errors(tmp_path: Path) -> None:
    key_file = tmp_path / "K"
    key_file.write_text(KEY_TEXT + "\n")
    pipeline = tmp_path / "pseudo.yaml"
    pipeline.write_text(PSEUDO)
    inp = tmp_path / "in.jsonl"
    with inp.open("w") as f:
        for i in range(30):
            f.write(json.dumps({"id": i, "text": f"Mail jane{i}@example.com, card 4111 1111 1111 1111, {KEY_TEXT}"}) + "\n")
        f.write("{broken\n")
    out = tmp_path / "out"
    done = cli("clean", str(inp), "--out", str(out), "--pipeline", str(pipeline), "--key-file", str(key_file),
               "--workers", "2", "--with-spans", cwd=tmp_path)
    assert done.returncode == 3, done.stderr.decode()  # finished, one record quarantined
    blob = read_all(out)
    assert b"jane1@example.com" not in blob and b"@" in blob  # pseudonymized, not dropped
    # The key as *text* is in the input records (a user pasted it): it is scrubbed or not, but
    # never derived forms; check the outputs without the echoed input text.
    assert_no_key(blob.replace(KEY_TEXT.encode(), b""), "the output folder")
    assert_no_key(done.stdout + done.stderr, "the CLI output")
    manifest = (out / "manifest.json").read_bytes()
    assert_no_key(manifest, "manifest.json")

    # Errors about key files never echo their content.
    bad = tmp_path / "short"
    bad.write_text(KEY_TEXT[:10])
    failed = cli("clean", str(inp), "--out", str(tmp_path / "o2"), "--pipeline", str(pipeline),
                 "--key-file", str(bad), cwd=tmp_path)
    assert failed.returncode == 2
    assert KEY_TEXT[:10].encode() not in failed.stdout + failed.stderr
    with pytest.raises(ConfigError) as info:
        resolve_key(bad)
    assert KEY_TEXT[:10] not in str(info.value) and KEY_TEXT[:10] not in repr(info.value)


def test_secrets_repr_str_format_and_errors_hide_the_key() -> None:
    key = resolve_key(None, env={"SCRUBBER_KEY": KEY_TEXT})
    assert key is not None
    for text in (repr(key), str(key), f"{key}", f"{key!r}", repr([key]), repr(key.derive("pseudonymize"))):
        assert_no_key(text.encode(), "repr")
    from scrubber.config import load_config
    from scrubber.pipeline import Pipeline

    pipe = Pipeline(load_config("fast"), key=key)
    assert_no_key(repr(pipe).encode(), "repr(Pipeline)")
