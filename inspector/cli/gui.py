"""``ocm-inspector gui``: open the desktop window."""

from __future__ import annotations

import argparse
import os
import sys

from inspector.core.errors import InspectorError


class NoDisplay(InspectorError):
    """The window cannot open: no X11 or Wayland display to open it on."""

    kind = "no-display"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gui", help="open the desktop application (the default)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the embedded reference OCM peer on loopback and add it to the server list",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_display()
    # Qt is imported only here so that the other commands start fast and work without a display.
    from inspector.ui.app import run_app

    return run_app(demo=args.demo)


def check_display() -> None:
    """Fail with one line where Qt would abort the process with a screenful of plugin errors."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise NoDisplay(
            "No display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); "
            "the other commands work without one, see --help"
        )
