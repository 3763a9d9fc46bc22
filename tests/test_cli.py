from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scrubber.cli.main import main


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_explain_acceptance_example(capsys):
    code, out, _ = run(capsys, "explain", "Call +1 415 555 2671 or mail a.b@example.org")
    assert code == 0
    assert out.splitlines()[0] == "Call <PHONE_NUMBER> or mail <EMAIL_ADDRESS>"
    assert "PHONE_NUMBER" in out and "EMAIL_ADDRESS" in out


def test_cli_explain_json(capsys):
    code, out, _ = run(capsys, "explain", "--json", "--pipeline", "fast", "mail a.b@example.org")
    assert code == 0
    obj = json.loads(out)
    assert obj["text"] == "mail <EMAIL_ADDRESS>"
    assert obj["spans"] == [{"start": 5, "end": 20, "label": "EMAIL_ADDRESS", "score": 0.95, "source": "email.v1"}]


def test_cli_explain_stdin(capsys, monkeypatch):
    code, out, _ = run(capsys, "explain", "--json", stdin="x a@b.org", monkeypatch=monkeypatch)
    assert json.loads(out)["text"] == "x <EMAIL_ADDRESS>"
    code, out, _ = run(capsys, "explain", "-", "--json", stdin="nothing", monkeypatch=monkeypatch)
    assert json.loads(out) == {"text": "nothing", "spans": []}


def test_cli_unknown_pipeline_exit_2(capsys):
    code, _, err = run(capsys, "explain", "--pipeline", "nope", "x")
    assert code == 2 and "Available names" in err


def test_cli_rules_list(capsys):
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0 and "email.v1" in out and "EMAIL_ADDRESS" in out


def test_cli_rules_check(capsys, tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text("label: TICKET\nrules:\n  - id: ticket.v1\n    pattern: 'TCK-[0-9]{5}'\n"
                    "    examples:\n      match: ['open [[TCK-12345]]']\n      no_match: ['TCK-1']\n")
    assert run(capsys, "rules", "check", str(good))[0] == 0
    failing = tmp_path / "failing.yaml"
    failing.write_text(good.read_text().replace("TCK-1'", "TCK-99999'"))
    code, out, _ = run(capsys, "rules", "check", str(failing))
    assert code == 1 and "should not match" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text(good.read_text().replace("'TCK-[0-9]{5}'", "'TCK-(?!0)'"))
    code, _, err = run(capsys, "rules", "check", str(broken))
    assert code == 2 and "broken.yaml" in err and "ticket.v1" in err


def test_cli_version_and_console_script():
    out = subprocess.run([sys.executable, "-m", "scrubber", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("scrubber ")


def test_cli_no_command_is_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
