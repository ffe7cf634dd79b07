"""``ocm-inspector jwt``: decode a token, explain its claims and verify it against a server's keys.

Exit status: 0 when the token decodes and every check holds (the time claims, the expectations
given, and the signature when a key source is given); 1 when a check fails; 2 when the token
cannot be decoded or the arguments are wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from inspector.cli.output import print_json
from inspector.core.errors import ConfigError, KeyLookupError, TokenError
from inspector.core.http import HttpOptions
from inspector.core.jose import DEFAULT_LEEWAY, MAX_TOKEN_BYTES, TokenReport, inspect_token
from inspector.core.jwks import KeySource
from inspector.core.jwks_history import JwksChange, record_jwks
from inspector.core.store import Server, ServerStore


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "jwt",
        help="decode a token, explain its claims and verify its signature",
        description="Decode a token without trusting it, explain its claims and times, and "
        "verify its signature against a JWKS, a PEM key or an OCM server's published keys.",
    )
    parser.add_argument(
        "token",
        metavar="TOKEN",
        help="the token, or - to read it from stdin (keeps it out of the shell history)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--jwks", metavar="URL|FILE", help="verify with a JWKS URL or file")
    source.add_argument("--key", metavar="PEM", help="verify with a PEM public key file")
    source.add_argument(
        "--server",
        metavar="TARGET",
        help="verify with an OCM server's keys (discovery jwksUri, /.well-known/jwks.json, "
        "publicKey); a URL, host, OCM address or saved server id/name; also checks iss",
    )
    parser.add_argument("--expect-issuer", metavar="ISS", help="the iss the token must carry")
    parser.add_argument(
        "--expect-audience", metavar="AUD", help="an aud the token must carry (OCM: an address)"
    )
    parser.add_argument(
        "--leeway",
        type=_seconds,
        default=DEFAULT_LEEWAY,
        metavar="S",
        help=f"clock leeway for exp, nbf and iat in seconds (default {DEFAULT_LEEWAY})",
    )
    parser.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    parser.add_argument("--ca-bundle", metavar="FILE", help="extra CA certificates (PEM) to trust")
    parser.add_argument("--timeout", type=_seconds, metavar="S", help="network timeout in seconds")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    token = _read_token(args.token)
    saved = _saved_server(args.server) if args.server else None
    options = _options(args, saved)

    key_source, server_url = _key_source(args, saved, options)
    report = inspect_token(
        token,
        key_source=key_source,
        expect_issuer=args.expect_issuer,
        expect_audience=args.expect_audience,
        leeway=args.leeway,
        server_url=server_url,
    )
    if saved is not None and key_source is not None and key_source.keys:
        report.jwks_change = record_jwks(saved.id, key_source)

    if args.json:
        print_json(report)
    else:
        _print_report(report)
    return report.exit_code


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"{text!r} must be zero or more seconds")
    return value


def _read_token(argument: str) -> str:
    if argument != "-":
        return argument
    # Read one byte past the limit so an oversized token is refused, not silently cut.
    text = sys.stdin.read(MAX_TOKEN_BYTES * 4 + 1)
    if not text.strip():
        raise TokenError("No token on stdin; pipe the token in, e.g. pbpaste | ocm-inspector jwt -")
    return text


def _saved_server(ref: str) -> Server | None:
    try:
        return ServerStore().find(ref)
    except ConfigError:
        return None


def _options(args: argparse.Namespace, saved: Server | None) -> HttpOptions:
    verify = saved.verify_tls if saved else True
    ca_bundle = saved.ca_bundle if saved else None
    if args.ca_bundle:
        ca_bundle = str(Path(args.ca_bundle).expanduser())
    options = HttpOptions(verify_tls=verify and not args.insecure, ca_bundle=ca_bundle)
    return options.with_timeout(args.timeout)


def _key_source(
    args: argparse.Namespace, saved: Server | None, options: HttpOptions
) -> tuple[KeySource | None, str | None]:
    """The key source the arguments name, and the server URL the token should come from."""
    if args.jwks:
        return open_jwks(args.jwks, options), None
    if args.key:
        path = Path(args.key).expanduser()
        if not path.is_file():
            raise KeyLookupError(f"--key: no such file {args.key}; give a PEM public key file")
        return KeySource.from_file(path), None
    if args.server:
        target = saved.target if saved else args.server
        source = KeySource.from_server(target, options)
        return source, source.server_origin
    return None, None


def open_jwks(value: str, options: HttpOptions) -> KeySource:
    """A JWKS given on the command line: a URL, a file, or the JSON itself."""
    if value.startswith(("https://", "http://")):
        return KeySource.from_url(value, options)
    path = Path(value).expanduser()
    if path.is_file():
        return KeySource.from_file(path)
    if value.lstrip().startswith("{"):
        return KeySource.from_json_text(value, location="JWKS given on the command line")
    raise KeyLookupError(f"--jwks: {value} is neither an http(s) URL nor a file; give a JWKS")


# -- human output ------------------------------------------------------------------------------


def _print_report(report: TokenReport) -> None:
    data = report.to_dict()
    token = data["token"]
    kind = {"jwt": "JWT", "jws": "JWS (payload is not a JSON claims set)", "jwe": "JWE"}
    print(f"Token: {kind.get(report.token.kind, 'opaque token')}, {token['size']:,} bytes")
    print(f"  {report.token.note}")

    for title, rows in (("Header", data["header_rows"]), ("Claims", data["claim_rows"])):
        if rows:
            print(f"\n{title}")
            table = [[row["member"], row["name"] or "", _one_line(row["display"])] for row in rows]
            _print_indented(table)
    if report.token.kind == "jws":
        print(f"\nPayload\n  {_one_line(token['payload_text'])}")

    _print_signature(report)
    if report.checks:
        print("\nChecks")
        _print_indented([["ok" if c.ok else "FAIL", c.name, c.message] for c in report.checks])
    if report.warnings:
        print("\nWarnings")
        for warning in report.warnings:
            print(f"  {warning.code}: {warning.message}")
    change = report.jwks_change
    if change is not None:
        print(f"\nKey history: {_describe_change(change)}")
    if report.key_source is None:
        verdict = "checks hold" if report.ok else "some checks fail"
        print(
            f"\nResult: decoded, {verdict}; nothing is verified without a key source"
            " (--jwks, --key or --server)"
        )
    else:
        print(f"\nResult: {'OK' if report.ok else 'FAILED'}")


def _print_signature(report: TokenReport) -> None:
    verdict = report.signature
    print(f"\nSignature: {verdict.status.upper()}" + (f" ({verdict.alg})" if verdict.alg else ""))
    if verdict.reason:
        print(f"  {verdict.reason}")
    if verdict.matched_key is not None:
        key = verdict.matched_key
        print(f"  key: {key.identity} ({key.description}, thumbprint {key.thumbprint})")
        print(f"  from: {verdict.key_source}")
    source = report.key_source
    if source is not None and source.attempts and (source.kind == "server" or source.error):
        for attempt in source.attempts:
            mark = "ok" if attempt.ok else "no"
            where = f" {attempt.url}" if attempt.url else ""
            print(f"  tried {attempt.source}{where}: {mark}, {attempt.message}")
    for skip in verdict.skipped:
        print(f"  skipped {skip.key.identity}: {skip.reason}")


def _describe_change(change: JwksChange) -> str:
    if change.first_fetch:
        return f"first record, {len(change.appeared)} keys"
    if not change.changed:
        return f"no change since {change.previous_fetch}"
    parts = [f"{kind}: {', '.join(kids)}" for kind, kids in change.by_kind()]
    return f"since {change.previous_fetch}: " + "; ".join(parts)


def _print_indented(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        print("  " + "  ".join(cells).rstrip())


def _one_line(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"
