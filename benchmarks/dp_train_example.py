"""DP-SGD on scrubbed shards: a tiny character-level LM trained with Opacus, Poisson-sampled by
privacy unit, its epsilon checked against ``scrubber budget``.

Needs the ``dp`` extra (torch 2.13 CPU + opacus). Runs in well under a minute on 2 cores:

    PYTHONPATH=. python benchmarks/dp_train_example.py [--steps 60] [--json benchmarks/results/dp_train_example.json]

1. ``scrubber clean examples/sample.jsonl --pipeline dp --privacy-unit author --max-records-per-unit 1
   --ephemeral-key`` (in-process): DP-noised pseudonyms, one record per author after bounding.
2. :class:`scrubber.dp.ShardDataset` + :class:`scrubber.dp.UnitPoissonSampler` (each unit drawn with
   probability q per step) as the DataLoader's ``batch_sampler``.
3. Opacus ``GradSampleModule`` + ``DPOptimizer`` (per-record clipping to C, Gaussian noise sigma*C,
   expected batch size q*N); Opacus's RDP and PRV accountants are stepped with (sigma, q).
4. ``scrubber budget --n N --batch-size q*N --steps T --sigma sigma --delta delta`` (N = units): with
   k = 1 a unit is one record, so Opacus's record-level accounting and our unit sampler coincide,
   and the epsilons must agree (PLD vs PRV within 2%, RDP vs RDP within 1%).
   With k > 1 records per unit clipped one by one a unit's sensitivity is k*C: compare with
   ``scrubber budget --k`` instead (a different mechanism; not what this script trains).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "sample.jsonl"
CTX = 8  # characters of context
MAXLEN = 160


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=3, help="expected batch size in units (q = batch / units)")
    ap.add_argument("--sigma", type=float, default=1.0)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--delta", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)

    import torch
    from opacus import GradSampleModule
    from opacus.accountants import PRVAccountant, RDPAccountant
    from opacus.optimizers import DPOptimizer

    from scrubber.dp.dataset import ShardDataset, UnitPoissonSampler
    from scrubber.dp.units import DpShardOptions
    from scrubber.keys import SecretKey
    from scrubber.runner import CleanOptions, run_clean

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    t0 = time.time()
    out = Path(tempfile.mkdtemp(prefix="dp_train_")) / "clean"
    run_clean([str(SAMPLE)], str(out), "dp", key=SecretKey.generate(),
              options=CleanOptions(workers=1, dp=DpShardOptions(privacy_unit="author", max_records_per_unit=1)))
    ds = ShardDataset(str(out))
    n_units = ds.num_units
    k = ds.manifest["privacy_units"]["max_records_per_unit"]
    q = args.batch / n_units
    print(f"shards: {len(ds)} records, {n_units} privacy units (k = {k}), cleaned in {time.time() - t0:.1f} s")

    chars = sorted({c for r in ds.records for c in r["text"]})
    stoi = {c: i + 1 for i, c in enumerate(chars)}  # 0: padding / start
    vocab = len(stoi) + 1

    def encode(text: str) -> list[int]:
        return [stoi[c] for c in text[:MAXLEN]]

    def collate(batch: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
        # (B, MAXLEN, CTX) contexts and (B, MAXLEN) targets (0 = padding, ignored); B may be 0.
        xs = torch.zeros(len(batch), MAXLEN, CTX, dtype=torch.long)
        ys = torch.zeros(len(batch), MAXLEN, dtype=torch.long)
        for b, rec in enumerate(batch):
            ids = encode(rec["text"])
            padded = [0] * CTX + ids
            for t, y in enumerate(ids):
                xs[b, t] = torch.tensor(padded[t:t + CTX])
                ys[b, t] = y
        return xs, ys

    class TinyLM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = torch.nn.Embedding(vocab, 16)
            self.hidden = torch.nn.Linear(16 * CTX, 64)
            self.out = torch.nn.Linear(64, vocab)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            e = self.emb(x).flatten(-2)
            return self.out(torch.tanh(self.hidden(e)))

    model = GradSampleModule(TinyLM())
    sampler = UnitPoissonSampler(ds.unit_records, q=q, steps=args.steps, seed=args.seed)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=sampler, collate_fn=collate)
    optimizer = DPOptimizer(torch.optim.SGD(model.parameters(), lr=args.lr), noise_multiplier=args.sigma,
                            max_grad_norm=args.clip, expected_batch_size=args.batch, loss_reduction="sum")
    rdp, prv = RDPAccountant(), PRVAccountant()
    full_x, full_y = collate(list(ds.records))

    def eval_loss() -> float:
        with torch.no_grad():
            logits = model(full_x)
            return float(torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), full_y.reshape(-1),
                                                           ignore_index=0))

    loss0 = eval_loss()
    sizes = []
    for xb, yb in loader:
        sizes.append(len(xb))
        optimizer.zero_grad()
        logits = model(xb)
        # per record: mean over its characters, so each record's gradient is one sample's gradient
        tok = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), yb.reshape(-1), ignore_index=0,
                                                reduction="none").reshape(yb.shape)
        per_record = tok.sum(1) / (yb > 0).sum(1).clamp(min=1)
        per_record.sum().backward()
        optimizer.step()
        rdp.step(noise_multiplier=args.sigma, sample_rate=q)
        prv.step(noise_multiplier=args.sigma, sample_rate=q)
    loss1 = eval_loss()
    eps_rdp = float(rdp.get_epsilon(args.delta))
    eps_prv = float(prv.get_epsilon(args.delta))

    cmd = [sys.executable, "-m", "scrubber", "budget", "--n", str(n_units), "--batch-size", str(args.batch),
           "--steps", str(args.steps), "--sigma", str(args.sigma), "--delta", str(args.delta), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)}, check=True)
    budget = json.loads(proc.stdout)
    agree_pld = bool(abs(budget["epsilon_pld"] - eps_prv) <= 0.02 * budget["epsilon_pld"] + 1e-3)
    agree_rdp = bool(abs(budget["epsilon_rdp"] - eps_rdp) <= 0.01 * budget["epsilon_rdp"] + 1e-3)
    result = {
        "units": n_units, "records": len(ds), "k": k, "q": q, "steps": args.steps, "sigma": args.sigma,
        "clip": args.clip, "lr": args.lr, "delta": args.delta, "mean_batch": sum(sizes) / len(sizes),
        "empty_batches": sizes.count(0), "loss_before": round(loss0, 4), "loss_after": round(loss1, 4),
        "opacus_epsilon_rdp": eps_rdp, "opacus_epsilon_prv": eps_prv,
        "scrubber_budget_epsilon_pld": budget["epsilon_pld"], "scrubber_budget_epsilon_rdp": budget["epsilon_rdp"],
        "agree_pld_prv_2pct": agree_pld, "agree_rdp_1pct": agree_rdp, "wall_seconds": round(time.time() - t0, 1),
        "torch": torch.__version__, "opacus": __import__("opacus").__version__,
    }
    print(f"trained {args.steps} steps (Poisson by unit, q = {q:.4g}, mean batch {result['mean_batch']:.2f}, "
          f"{result['empty_batches']} empty): loss {loss0:.3f} -> {loss1:.3f}")
    print(f"epsilon at delta = {args.delta:g}: Opacus RDP {eps_rdp:.4f}, Opacus PRV {eps_prv:.4f}; "
          f"scrubber budget PLD {budget['epsilon_pld']:.4f}, RDP {budget['epsilon_rdp']:.4f}")
    print(f"  scrubber budget: {' '.join(cmd[3:])}")
    print(f"agreement: PLD~PRV {'OK' if agree_pld else 'MISMATCH'}, RDP~RDP {'OK' if agree_rdp else 'MISMATCH'}"
          f" ({result['wall_seconds']} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if agree_pld and agree_rdp else 1


if __name__ == "__main__":
    raise SystemExit(main())
