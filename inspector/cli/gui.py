"""``ocm-inspector gui``: open the desktop window."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gui", help="open the desktop application (the default)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the embedded reference OCM peer on loopback and add it to the server list",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Qt is imported only here so that the other commands start fast and work without a display.
    from inspector.ui.app import run_app

    return run_app(demo=args.demo)
