"""``ocm-inspector peer``: run the embedded reference OCM peer in the foreground.

The first line on stdout is the JSON of ``ReferencePeer.info()`` (base URL, the demo share's
secret and URI, a client_id, the CA file), so scripts can read it; then one line per request.
SIGINT or SIGTERM stops the peer and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading

from inspector.peer import FAULTS, PROFILES, ReferencePeer, ServedRequest


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "peer",
        help="run a reference OCM server on loopback (demo partner and test bed)",
        description=(
            "Run a reference OCM server until interrupted. It listens on 127.0.0.1 unless --host"
            " names another address. The first output line is JSON with its base URL, the demo"
            " share's secret and URI, a client_id and the CA file; then one line per request."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback)"
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: 0, any free port)")
    parser.add_argument(
        "--profile", choices=PROFILES, default="spec", help="which server to behave like"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a certificate made at start"
    )
    parser.add_argument(
        "--trust-jwks",
        metavar="FILE|URL",
        help="JWKS whose keys may sign token requests, shares and notifications",
    )
    parser.add_argument(
        "--fault",
        dest="faults",
        action="append",
        choices=FAULTS,
        default=[],
        metavar="NAME",
        help=f"misbehave on purpose; repeatable. One of: {', '.join(FAULTS)}",
    )
    parser.add_argument(
        "--delay", type=float, metavar="S", help="hold back every response for S seconds"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.delay is not None and args.delay < 0:
        print("ocm-inspector peer: --delay must be zero or more seconds", file=sys.stderr)
        return 2

    peer = ReferencePeer(
        args.profile,
        host=args.host,
        port=args.port,
        tls=args.tls,
        faults=args.faults,
        delay=args.delay,
        trust_jwks=args.trust_jwks,
        on_request=_print_request,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    try:
        peer.start()
    except OSError as exc:
        print(
            f"ocm-inspector peer: cannot listen on {args.host}:{args.port}: {exc.strerror or exc};"
            " choose another --port",
            file=sys.stderr,
        )
        return 2
    try:
        print(json.dumps(peer.info()), flush=True)
        where = "loopback only" if peer.host == "127.0.0.1" or peer.host == "::1" else peer.host
        print(
            f"ocm-inspector peer: {args.profile} peer on {peer.base_url} ({where}); Ctrl+C to stop",
            file=sys.stderr,
            flush=True,
        )
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        peer.stop()
    return 0


def _print_request(served: ServedRequest) -> None:
    # Whoever reads our output may have gone away; the peer keeps serving regardless.
    with contextlib.suppress(BrokenPipeError, ValueError):
        print(served.line(), flush=True)
