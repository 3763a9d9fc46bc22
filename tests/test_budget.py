"""`scrubber budget` against the reference values in PRIVACY.md (dp-accounting 0.6.0, Opacus 1.6)."""

from __future__ import annotations

import json

import pytest

from scrubber.cli.main import main
from scrubber.dp.accounting import BudgetQuery, calibrate_sigma, compute_budget

REF = dict(n=1_000_000, batch_size=1024, epochs=3, delta=1e-6)


def budget_json(capsys, *args):
    code = main(["budget", "--json", *args])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def test_budget_reference_table(capsys):
    code, out, _ = budget_json(capsys, "--n", "1000000", "--batch-size", "1024", "--epochs", "3",
                               "--sigma", "1.0", "--delta", "1e-6")
    assert code == 0
    assert out["steps"] == 2930
    assert out["epsilon_pld"] == pytest.approx(0.310, abs=0.001)
    assert out["epsilon_rdp"] == pytest.approx(0.896, abs=0.001)


@pytest.mark.parametrize(("target", "sigma"), [(1.0, 0.732), (3.0, 0.576), (8.0, 0.437)])
def test_budget_calibrates_sigma_for_target_epsilon(target, sigma):
    got = calibrate_sigma(BudgetQuery(sigma=1.0, **REF), target)
    assert got == pytest.approx(sigma, abs=0.002)
    assert compute_budget(BudgetQuery(sigma=got, **REF)).epsilon_pld <= target + 1e-9


def test_budget_user_level_k():
    k1 = compute_budget(BudgetQuery(sigma=1.0, records_per_unit=1, **REF)).epsilon_pld
    k10 = compute_budget(BudgetQuery(sigma=1.0, records_per_unit=10, **REF))
    assert k1 == pytest.approx(0.32, abs=0.011)
    assert k10.epsilon_pld == pytest.approx(3.75, abs=0.01)
    assert k10.rdp_is_upper_bound and k10.epsilon_rdp >= k10.epsilon_pld


def test_budget_reads_manifest(capsys, tmp_path):
    m = tmp_path / "manifest.json"
    m.write_text(json.dumps({"records": {"out": 1_000_000},
                             "privacy_units": {"units": 1_000_000, "max_records_per_unit": 1}}))
    code, out, err = budget_json(capsys, "--manifest", str(m), "--batch-size", "1024", "--epochs", "3",
                                 "--sigma", "1.0", "--delta", "1e-6")
    assert code == 0 and out["n"] == 1_000_000 and out["records_per_unit"] == 1
    assert out["epsilon_pld"] == pytest.approx(0.310, abs=0.001)
    assert "1/(10 * units)" in err  # 1e-6 > 1/(10 * 1e6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "0"], "k: records per unit must be >= 1"),
        (["--sigma", "0"], "sigma: the noise multiplier must be > 0"),
        (["--sigma", "-1"], "sigma: the noise multiplier must be > 0"),
        (["--delta", "0"], "delta: must be in (0, 1)"),
        (["--delta", "1.5"], "delta: must be in (0, 1)"),
        (["--sampling", "shuffle"], "no proven amplification"),
    ],
)
def test_budget_invalid_parameters(capsys, args, message):
    base = {"--n": "1000", "--batch-size": "10", "--steps": "10", "--sigma": "1.0", "--delta": "1e-5"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    code, out, err = budget_json(capsys, *[x for kv in base.items() for x in kv])
    assert code == 2 and out is None
    assert message in err


def test_budget_microbatching_halves_sigma(capsys):
    code, out, err = budget_json(capsys, "--n", "10000", "--batch-size", "100", "--steps", "100",
                                 "--sigma", "2.0", "--delta", "1e-6", "--microbatch-size", "4")
    assert code == 0 and out["effective_sigma"] == 1.0
    assert "WARNING: microbatching" in err
    plain = compute_budget(BudgetQuery(n=10000, batch_size=100, steps=100, sigma=1.0, delta=1e-6))
    assert out["epsilon_pld"] == pytest.approx(plain.epsilon_pld)
