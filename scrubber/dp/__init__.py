"""DP-training support: privacy accounting (``scrubber budget``) and, for trainers, readers of
DP-ready shards. Needs the ``dp`` extra (dp-accounting; torch and opacus for training)."""
