"""What every profile shares: the peer's context, routing, discovery serving and signature checks.

A profile is one server personality (spec, nextcloud, reva, legacy). It lists its routes; the
base class matches a request to a route (404 for an unknown path, 405 for a known path with the
wrong method, OPTIONS answered from the route table) and applies the discovery faults.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import jwt

from inspector.core.cavage import verify_cavage
from inspector.core.httpsig import Verification, signature_scheme, verify_request
from inspector.core.keys import SigningKey
from inspector.peer.faults import DISCOVERY_PATHS, discovery_fault, drop_missing_fields
from inspector.peer.keyset import KeySet
from inspector.peer.share import DemoShare
from inspector.peer.tokens import TokenStore
from inspector.peer.trust import KeyResolver, is_loopback
from inspector.peer.wire import HttpProblem, PeerRequest, PeerResponse, json_response

SIGNATURE_MAX_AGE = 300

Handler = Callable[[PeerRequest, re.Match[str]], PeerResponse]


@dataclass
class PeerContext:
    """What a profile knows about the running peer it answers for."""

    base_url: str
    netloc: str
    share: DemoShare
    faults: frozenset[str]
    tokens: TokenStore
    resolver: KeyResolver
    clock: Callable[[], float] = time.time
    started_at: float = field(default_factory=time.time)

    def now(self) -> float:
        """The peer's idea of the time (ten minutes fast under the clock-skew fault)."""
        return self.clock()

    @property
    def local_authorities(self) -> tuple[str, ...]:
        """The host[:port] spellings by which a share recipient can name this peer."""
        names = [self.netloc]
        if is_loopback(self.netloc):
            port = self.netloc.rpartition(":")[2]
            names += [f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    handler: Handler

    @classmethod
    def of(cls, pattern: str, methods: tuple[str, ...], handler: Handler) -> Route:
        return cls(re.compile(pattern), methods, handler)


class Profile:
    """Base class of the server personalities."""

    name: ClassVar[str]
    share_name: ClassVar[str] = "OCM demo"
    share_resource_type: ClassVar[str] = "file"
    # The RSA key behind discovery's publicKey, for profiles that sign the draft-cavage way.
    cavage_key: SigningKey | None = None
    # The keys published as a JWKS, for profiles that sign the RFC 9421 way and issue JWTs.
    keys: KeySet | None = None

    @classmethod
    def share_uri(cls, base_url: str, share_id: str) -> str:
        """The absolute WebDAV URL of the demo share on this kind of server."""
        raise NotImplementedError

    def __init__(self, ctx: PeerContext) -> None:
        self.ctx = ctx

    # -- what a profile defines ---------------------------------------------------------------

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def discovery_document(self, request: PeerRequest) -> dict[str, Any]:
        raise NotImplementedError

    def discovery_headers(self, request: PeerRequest) -> dict[str, str]:
        return {}

    def jwks(self) -> dict[str, Any]:
        """The JWKS currently published (without rotating it)."""
        return self.keys.jwks() if self.keys is not None else {"keys": []}

    @property
    def signing_key(self) -> SigningKey | None:
        """The key this peer signs its own outgoing requests with, if it signs at all.

        The newest published key when the profile has a JWKS, else its draft-cavage key.
        """
        return self.keys.newest if self.keys is not None else self.cavage_key

    # -- dispatch -----------------------------------------------------------------------------

    @cached_property
    def route_table(self) -> list[Route]:
        return self.routes()

    def handle(self, request: PeerRequest) -> PeerResponse:
        """Route a request: 404 for an unknown path, 405 for a method the route lacks."""
        if request.path in DISCOVERY_PATHS and request.method in ("GET", "HEAD"):
            faulty = discovery_fault(
                self.ctx.faults, request.path, self.discovery_document(request)
            )
            if faulty is not None:
                return faulty
        for route in self.route_table:
            match = route.pattern.fullmatch(request.path)
            if match is None:
                continue
            method = "GET" if request.method == "HEAD" else request.method
            if method == "OPTIONS" and "OPTIONS" not in route.methods:
                return PeerResponse(204, [("Allow", _allow(route.methods))])
            if method not in route.methods:
                return json_response(
                    405,
                    {"message": f"{request.method} is not allowed on {request.path}"},
                    headers={"Allow": _allow(route.methods)},
                )
            try:
                return route.handler(request, match)
            except HttpProblem as problem:
                return problem.response
        return json_response(404, {"message": f"{request.path} is not served by this peer"})

    def serve_discovery(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        document = self.discovery_document(request)
        if "missing-fields" in self.ctx.faults:
            document = drop_missing_fields(document)
        return json_response(200, document, headers=self.discovery_headers(request))

    # -- helpers for subclasses ---------------------------------------------------------------

    def verify_signature(self, request: PeerRequest, *, host: str | None) -> Verification:
        """Verify an RFC 9421 or draft-cavage signature, whichever the request carries.

        Keys come from the trusted set, else from the discovery of ``host`` (or the key id's
        host). An unsigned request gives ``ok=False`` with code ``unsigned``.
        """

        def resolve(keyid: str) -> Any:
            return self.ctx.resolver.resolve(keyid, host=host)

        scheme = signature_scheme(request.headers)
        if scheme is None:
            return Verification(ok=False, reason="request is not signed", code="unsigned")
        if scheme == "draft-cavage":
            return verify_cavage(
                request.method,
                request.url,
                request.headers,
                request.body,
                resolve,
                SIGNATURE_MAX_AGE,
                now=self.ctx.now(),
            )
        return verify_request(
            request.method,
            request.url,
            request.headers,
            request.body,
            resolve_key=resolve,
            max_age=SIGNATURE_MAX_AGE,
            now=self.ctx.now(),
        )

    def token_times(self, lifetime: int) -> tuple[int, int]:
        """``(iat, exp)`` for a new token; both in the past under the expired-token fault."""
        now = int(self.ctx.now())
        if "expired-token" in self.ctx.faults:
            issued = now - lifetime - 600
            return issued, issued + lifetime
        return now, now + lifetime

    def jwt_key(self, keys: KeySet) -> SigningKey:
        """The key to sign tokens with: the newest published, or an unpublished one (unknown-kid)."""
        return keys.unpublished if "unknown-kid" in self.ctx.faults else keys.newest


def encode_jwt(claims: dict[str, Any], key: SigningKey, *, typ: str = "at+jwt") -> str:
    return jwt.encode(
        claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, "typ": typ}
    )


def _allow(methods: tuple[str, ...]) -> str:
    allowed = list(methods)
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.append("HEAD")
    if "OPTIONS" not in allowed:
        allowed.append("OPTIONS")
    return ", ".join(allowed)
