"""``ocm-inspector discover``: fetch and judge OCM discovery documents.

Exit status: 0 when every document was obtained without error findings, 1 when one has error
findings, 2 when a document could not be obtained (the worst over all targets).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from inspector.cli.output import print_json
from inspector.core.discovery import DiscoveryResult, discover_many
from inspector.core.errors import ConfigError
from inspector.core.http import HttpOptions
from inspector.core.store import Server, ServerStore

log = logging.getLogger(__name__)

EXIT_NO_DOCUMENT = 2
_LABEL_WIDTH = 15


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "discover",
        help="fetch and judge servers' OCM discovery documents",
        description="Fetch /.well-known/ocm (then the legacy /ocm-provider) and report what the"
        " server supports and what is wrong. Exit 0: no error findings; 1: error findings;"
        " 2: no document.",
    )
    add_target_options(parser)
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="URL, host[:port], OCM address, or the id or name of a saved server",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="check every saved server with its own TLS options and record the outcome",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """The connection options shared by ``discover`` and ``compare``."""
    parser.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (testing only)"
    )
    parser.add_argument("--ca-bundle", metavar="FILE", help="extra CA certificates (PEM) to trust")
    parser.add_argument(
        "--timeout", type=_seconds, metavar="S", help="seconds to wait for each answer"
    )


def run(args: argparse.Namespace) -> int:
    if not args.targets and not args.all:
        print("discover: name at least one TARGET, or use --all (see --help)", file=sys.stderr)
        return EXIT_NO_DOCUMENT

    store = ServerStore()
    items: list[str | Server] = list(store.servers) if args.all else []
    items += [resolve(store, text) for text in args.targets]
    if not items:
        print("No saved servers. Add one with: ocm-inspector servers add cloud.example.org")
        return 0

    results = check(items, args)
    record(store, results)

    if args.json:
        print_json(results if len(results) > 1 or args.all else results[0])
    else:
        for index, result in enumerate(results):
            if index:
                print()
            print("\n".join(report_lines(result, _name_of(items[index]))))
    return max(result.exit_code for result in results)


def resolve(store: ServerStore, text: str) -> str | Server:
    """A saved server when ``text`` is one's id or unique name, else the text as a target."""
    try:
        return store.find(text)
    except ConfigError:
        return text


def check(items: list[str | Server], args: argparse.Namespace) -> list[DiscoveryResult]:
    """Discover every item concurrently, the command-line TLS options overriding saved ones."""
    base = HttpOptions().with_timeout(args.timeout)
    if args.ca_bundle:
        if not Path(args.ca_bundle).expanduser().is_file():
            raise ConfigError(f"CA bundle {args.ca_bundle} does not exist or is not a file")
        base = dataclasses.replace(base, ca_bundle=str(Path(args.ca_bundle).expanduser()))
    if args.insecure:
        base = dataclasses.replace(base, verify_tls=False)
    overridden = [
        dataclasses.replace(
            item,
            verify_tls=item.verify_tls and not args.insecure,
            ca_bundle=base.ca_bundle or item.ca_bundle,
        )
        if isinstance(item, Server)
        else item
        for item in items
    ]
    return discover_many(overridden, base)


def record(store: ServerStore, results: list[DiscoveryResult]) -> None:
    """Remember each saved server's outcome for the server list's badges."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for result in results:
        if not result.server_id or result.status == "cancelled":
            continue
        try:
            store.update(result.server_id, last_status=result.status, last_checked=now)
        except ConfigError as exc:
            # Removed meanwhile (the GUI shares the list): the report is still worth printing.
            log.warning("not recording the outcome for %s: %s", result.target, exc)


def _name_of(item: str | Server) -> str | None:
    return item.name if isinstance(item, Server) else None


def report_lines(result: DiscoveryResult, name: str | None = None) -> list[str]:
    """A short human report: where the document came from, what it says, what is wrong."""
    title = f"{name} ({result.target})" if name and name != result.target else result.target
    doc = result.document
    if doc is None:
        error = result.error or {"kind": "error", "message": "no document"}
        return [
            f"{title}: no discovery document",
            _row("error", f"{error['kind']}: {error['message']}"),
        ]

    lines = [f"{title}: {result.url}" + ("  (legacy path)" if result.legacy_path else "")]
    version = doc.api_version or "-"
    if doc.version:
        version += f" (version {doc.version})"
    rows = [
        ("provider", doc.provider),
        ("apiVersion", version),
        ("endPoint", doc.end_point),
        ("tokenEndPoint", doc.token_end_point),
        ("jwksUri", doc.jwks_uri),
        ("invite dialog", doc.invite_accept_dialog_url or doc.invite_accept_dialog),
        ("capabilities", _names(doc.capabilities, result, "capability")),
        ("criteria", _names(doc.criteria, result, "criterion")),
        ("resources", _resources(result)),
        ("keys", ", ".join(f"{k.source} {k.key_id or '(no id)'}" for k in doc.public_keys)),
    ]
    lines += [_row(label, value) for label, value in rows if value]

    counts = result.counts
    lines.append(_row("findings", _counts(counts) or "none"))
    # Messages name their field already.
    lines += [f"    {f.severity:<8}{f.code:<32}{f.message}" for f in result.findings]
    requests = len(result.exchanges)
    lines.append(
        _row(
            "result",
            f"{result.status} ({requests} request{'s' * (requests != 1)},"
            f" {result.elapsed_ms:.0f} ms)",
        )
    )
    return lines


def _names(current: list[str], result: DiscoveryResult, kind: str) -> str:
    assert result.document is not None
    given = {m.current: m.given for m in result.document.mappings if m.kind == kind and m.current}
    return ", ".join(f"{name} (as {given[name]!r})" if name in given else name for name in current)


def _resources(result: DiscoveryResult) -> str:
    assert result.document is not None
    parts = []
    for rt in result.document.resource_types:
        protocols = ", ".join(
            f"{p.key} {p.value}" if isinstance(p.value, str) else p.key for p in rt.protocols
        )
        parts.append(f"{rt.name or '?'} [{', '.join(rt.share_types)}]: {protocols or '-'}")
    return "; ".join(parts)


def _counts(counts: dict[str, int]) -> str:
    words = {"error": "error", "warning": "warning", "info": "note"}
    return ", ".join(
        f"{n} {words[severity]}{'s' * (n != 1)}" for severity, n in counts.items() if n
    )


def _row(label: str, value: str) -> str:
    return f"  {label:<{_LABEL_WIDTH}}{value}"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("the timeout must be more than 0 and at most 600 s")
    return value
