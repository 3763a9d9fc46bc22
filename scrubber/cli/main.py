"""``scrubber`` command-line entry point.

Exit codes (documented in README.md):

====  ===========================================================================
0     success
1     runtime failure (an unexpected error, or ``--on-error fail`` hit a bad record)
2     usage or configuration error (bad option, invalid pipeline or rule file)
3     done, but some records were quarantined (see ``quarantine/`` and the manifest)
4     a required optional dependency is missing (the message says what to install)
====  ===========================================================================

Each subcommand lives in its own module ``scrubber.cli.<name>_cmd`` exposing
``register(subparsers)``; the modules are listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import ConfigError, MissingDependencyError, ScrubberError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_QUARANTINED = 3
EXIT_MISSING_DEPENDENCY = 4

COMMANDS: tuple[str, ...] = ("explain", "rules", "budget", "eval", "clean")


def add_pipeline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pipeline", "-p", default="default", metavar="NAME|PATH",
        help="bundled pipeline name (default, fast, ...) or a pipeline YAML file (default: %(default)s)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scrubber", description="PII scrubbing for LLM training corpora."
    )
    parser.add_argument("--version", action="version", version=f"scrubber {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"scrubber.cli.{name}_cmd").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"scrubber: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MissingDependencyError as exc:
        print(f"scrubber: error: {exc}", file=sys.stderr)
        return EXIT_MISSING_DEPENDENCY
    except ScrubberError as exc:
        print(f"scrubber: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
