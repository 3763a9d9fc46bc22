"""The ``scrubber`` command line; see :mod:`scrubber.cli.main`."""
