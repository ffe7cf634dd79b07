"""``ocm-inspector compare A B``: two servers side by side, and whether A can share with B.

Exit status: 0 when the preflight passes, 1 when a check fails, 2 when a document is missing.
"""

from __future__ import annotations

import argparse
import json

from inspector.cli.discover import add_target_options, check, resolve
from inspector.cli.output import print_json, print_table
from inspector.core.comparison import compare
from inspector.core.store import ServerStore


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare two servers' discovery and check whether A can share with B",
        description="Fetch both discovery documents, list the fields that differ and check B's"
        " criteria against A's capabilities. Exit 0: A can share with B; 1: a check fails;"
        " 2: a document is missing.",
    )
    parser.add_argument("a", metavar="A", help="the sending server: target, saved id or name")
    parser.add_argument("b", metavar="B", help="the receiving server: target, saved id or name")
    add_target_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = ServerStore()
    a, b = check([resolve(store, args.a), resolve(store, args.b)], args)
    comparison = compare(a, b)
    if args.json:
        print_json(comparison)
        return comparison.exit_code

    print(f"A  {a.target}: {a.url or 'no document'}")
    print(f"B  {b.target}: {b.url or 'no document'}")
    if comparison.differences:
        print("\nDifferences:")
        rows = [[d.field, _short(d.a), _short(d.b)] for d in comparison.differences]
        print_table(["FIELD", "A", "B"], rows)
    elif a.document and b.document:
        print("\nNo differences in the summary fields.")

    verdict = "yes" if comparison.can_share else "no"
    print(f"\nCan A share with B? {verdict}")
    for item in comparison.preflight:
        print(f"  {item.outcome.upper():<5} {item.code:<22}{item.message}")
    return comparison.exit_code


def _short(value: object, width: int = 48) -> str:
    if value is None:
        return "-"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value) or "-"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"
