"""Printing helpers shared by the commands: JSON for scripts, short tables for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from inspector.core.serialise import to_jsonable


def print_json(result: Any) -> None:
    """Print a core result (or a list of them) as indented JSON, the one serialised form."""
    json.dump(to_jsonable(result), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))
    print(line.rstrip())
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
