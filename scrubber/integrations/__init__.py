"""Adapters that expose scrubber to other tools (Presidio, ...). Each module imports its
tool lazily; importing this package imports nothing heavy."""
