"""The command line: one parser, each command in a module of its own.

A command module exposes ``register(subparsers)``, which adds its subparser and sets
``func(args) -> int`` as the default. Commands print human output or, with ``--json``, the
serialised core result. Errors the user can act on are printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from inspector import APP_NAME, __version__
from inspector.core.errors import InspectorError

# Modules under inspector.cli that contribute a subcommand, in the order shown by --help.
COMMAND_MODULES = ("gui", "servers", "discover", "compare", "jwt", "peer")

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=APP_NAME,
        description="Inspect Open Cloud Mesh federation between file-sync servers.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (repeat for wire detail)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"inspector.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"inspector.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _default_to_gui(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(args_list)
    _setup_logging(args.verbose)

    try:
        return int(args.func(args) or 0)
    except InspectorError as exc:
        print(f"{APP_NAME}: {exc.message}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        print(f"{APP_NAME}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


def _default_to_gui(args: list[str]) -> list[str]:
    """With no command word, the GUI opens: ``ocm-inspector --demo`` means ``gui --demo``."""
    if any(not a.startswith("-") for a in args) or {"-h", "--help", "--version"} & set(args):
        return args
    leading = [a for a in args if a in ("-v", "-vv", "-vvv", "--verbose")]
    rest = [a for a in args if a not in leading]
    return [*leading, "gui", *rest]


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format=f"{APP_NAME}: %(levelname)s: %(message)s", stream=sys.stderr
    )
