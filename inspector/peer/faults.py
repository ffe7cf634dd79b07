"""Faults a user can switch on to see how the inspector reports a misbehaving server.

Discovery faults replace the answer on every discovery path (``/.well-known/ocm``,
``/ocm-provider`` and ``/ocm-provider/``), whatever the profile normally serves there.
"expired-token" applies to every profile's tokens; "unknown-kid" and "rotated-keys" to the
profiles that publish a JWKS (spec, nextcloud). "slow" and "clock-skew" affect every response;
under clock-skew the peer's whole clock runs ahead, so token times and signature freshness
checks move with the Date header.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from inspector.peer.wire import PeerResponse, json_response, text_response

FAULTS = (
    "slow",
    "html-error",
    "broken-json",
    "huge-body",
    "discovery-404",
    "redirect-loop",
    "missing-fields",
    "expired-token",
    "unknown-kid",
    "rotated-keys",
    "clock-skew",
)

DISCOVERY_PATHS = ("/.well-known/ocm", "/ocm-provider", "/ocm-provider/")

# Faults that take over a discovery path completely; "missing-fields" only edits the document.
_DISCOVERY_TAKEOVERS = ("discovery-404", "redirect-loop", "html-error", "broken-json", "huge-body")

SLOW_DELAY = 5.0
CLOCK_SKEW = 600.0
HUGE_BODY_SIZE = 5 * 1024 * 1024
_HUGE_CHUNK = 64 * 1024

# What "missing-fields" drops: two fields every version requires, and the two that the advertised
# capabilities make required (tokenEndPoint with exchange-token, jwksUri with http-sig).
MISSING_FIELDS = ("endPoint", "resourceTypes", "tokenEndPoint", "jwksUri")

_HTML_ERROR_PAGE = """<!DOCTYPE html>
<html>
<head><title>500 Internal Server Error</title></head>
<body>
<h1>Internal Server Error</h1>
<p>The server encountered an internal error and was unable to complete your request.</p>
<hr><address>ocm-inspector reference peer (fault: html-error)</address>
</body>
</html>
"""


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """The fault names as a set; ``ValueError`` naming the first unknown one."""
    chosen = frozenset(names)
    unknown = sorted(chosen - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown fault {unknown[0]!r}; choose from {', '.join(FAULTS)}")
    return chosen


def discovery_fault(faults: frozenset[str], path: str, document: dict) -> PeerResponse | None:
    """The faulty answer for a discovery path, or None when no takeover fault is on.

    ``document`` is what the profile would have served; "broken-json" cuts it in half.
    """
    if path not in DISCOVERY_PATHS:
        return None
    active = [name for name in _DISCOVERY_TAKEOVERS if name in faults]
    if not active:
        return None
    fault = active[0]
    if fault == "discovery-404":
        return json_response(404, {"message": f"{path} not found (fault: discovery-404)"})
    if fault == "redirect-loop":
        # Each discovery path sends the client to the other one, forever.
        target = "/ocm-provider" if path == "/.well-known/ocm" else "/.well-known/ocm"
        return PeerResponse(302, [("Location", target)])
    if fault == "html-error":
        return text_response(500, _HTML_ERROR_PAGE, content_type="text/html; charset=utf-8")
    if fault == "broken-json":
        text = json.dumps(document)
        return text_response(200, text[: len(text) // 2], content_type="application/json")
    return PeerResponse(200, [("Content-Type", "application/json")], stream=_huge_document())


def drop_missing_fields(document: dict) -> dict:
    return {key: value for key, value in document.items() if key not in MISSING_FIELDS}


def _huge_document() -> Iterator[bytes]:
    """A 5 MiB JSON document, produced chunk by chunk so no Content-Length can announce it."""
    head = b'{"enabled": true, "apiVersion": "1.4.0", "padding": "'
    tail = b'"}'
    yield head
    remaining = HUGE_BODY_SIZE - len(head) - len(tail)
    while remaining > 0:
        size = min(_HUGE_CHUNK, remaining)
        yield b"x" * size
        remaining -= size
    yield tail
