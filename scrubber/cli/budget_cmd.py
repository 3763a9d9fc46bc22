"""``scrubber budget``: the (epsilon, delta) of DP-SGD training on scrubbed shards."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "budget",
        help="epsilon of DP-SGD training (PLD accountant, RDP cross-check), or sigma for a target epsilon",
        description="Epsilon of DP-SGD with Poisson sampling: PLD accountant (primary) and RDP "
        "(cross-check), from dp-accounting. With --k, user-level epsilon when each privacy unit "
        "has at most k records and examples are Poisson-sampled.",
    )
    p.add_argument("--n", type=int, help="number of records (or of units, when sampling units)")
    p.add_argument("--batch-size", type=int, required=True, help="expected batch size (q = batch / n)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--epochs", type=float, help="epochs (steps = ceil(epochs * n / batch))")
    g.add_argument("--steps", type=int, help="number of training steps")
    p.add_argument("--sigma", type=float, help="noise multiplier")
    p.add_argument("--delta", type=float, required=True)
    p.add_argument("--k", type=int, default=None,
                   help="records per privacy unit for user-level epsilon with example sampling (default 1)")
    p.add_argument("--target-epsilon", type=float, help="calibrate sigma for this epsilon instead")
    p.add_argument("--manifest", type=Path, help="read n and k from a scrubber clean manifest.json")
    p.add_argument("--sampling", choices=["poisson", "shuffle"], default="poisson",
                   help="how batches are formed; only poisson has an accounting here")
    p.add_argument("--microbatch-size", type=int, default=1,
                   help="examples per clipped microbatch (>1 halves the effective sigma)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def read_manifest(path: Path) -> tuple[int, int, int | None]:
    """(n, k, units) from a manifest: n = records out, k = the contribution bound."""
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--manifest {path}: cannot read a JSON manifest ({exc})") from None
    records = m.get("records", {}).get("out")
    if records is None:  # a scrubber clean manifest
        records = m.get("counts", {}).get("records_out")
    pu = m.get("privacy_units") or {}
    units = pu.get("units")
    k = pu.get("max_records_per_unit") or 1
    if not isinstance(records, int):
        raise ConfigError(f"--manifest {path}: no records.out count")
    return records, int(k), units if isinstance(units, int) else None


def run(args: argparse.Namespace) -> int:
    from ..dp.accounting import BudgetQuery, calibrate_sigma, compute_budget

    units = None
    n, k = args.n, args.k
    if args.manifest is not None:
        m_n, m_k, units = read_manifest(args.manifest)
        n = n if n is not None else m_n
        k = k if k is not None else m_k
    if n is None:
        raise ConfigError("give --n or --manifest")
    k = 1 if k is None else k
    if args.target_epsilon is None and args.sigma is None:
        raise ConfigError("give --sigma, or --target-epsilon to calibrate it")
    if args.sampling == "shuffle":
        print("scrubber: WARNING: shuffle-based batching is not Poisson sampling; "
              "the accountant's amplification does not hold for it.", file=sys.stderr)
    query = BudgetQuery(
        n=n, batch_size=args.batch_size, sigma=args.sigma if args.sigma is not None else 1.0, delta=args.delta, epochs=args.epochs,
        steps=args.steps, records_per_unit=k, sampling=args.sampling, microbatch_size=args.microbatch_size,
    )
    out: dict[str, Any]
    if args.target_epsilon is not None:
        sigma = calibrate_sigma(query, args.target_epsilon)
        query = BudgetQuery(**{**query.__dict__, "sigma": sigma})
    result = compute_budget(query, units)
    out = result.to_dict()
    out["n"] = n
    if args.target_epsilon is not None:
        out["target_epsilon"] = args.target_epsilon
    for w in result.warnings:
        print(f"scrubber: WARNING: {w}", file=sys.stderr)
    if args.json:
        print(json.dumps(out, sort_keys=True))
        return 0
    level = f"user-level (k = {k} records per unit)" if k > 1 else "record-level"
    print(f"DP-SGD, {level}: n = {n}, q = {result.q:.6g}, steps = {result.steps}, "
          f"sigma = {result.sigma:.4g}, delta = {result.delta:g}")
    print(f"  epsilon (PLD, primary):     {result.epsilon_pld:.4f}")
    bound = " (upper bound)" if result.rdp_is_upper_bound else ""
    print(f"  epsilon (RDP, cross-check): {result.epsilon_rdp:.4f}{bound}")
    return 0
