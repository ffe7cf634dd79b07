"""The ``legacy`` profile: a 1.1-era server with the 2024 code flow and draft-cavage signatures.

Only ``/ocm-provider`` (no ``/.well-known/ocm``); apiVersion 1.1.0; slash-style capabilities; an
RSA ``publicKey``; WebDAV given as a full URI and reached with Basic ``secret:``; draft-cavage
signatures verified on ``/shares``, ``/notifications`` and the token endpoint when present; a JSON
token endpoint at ``<endPoint>/token`` for ``ocm_authorization_code`` that also returns a
``refresh_token`` and denies with ``403 {"message"}``.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from inspector.core.httpsig import signature_scheme
from inspector.core.keys import generate_key
from inspector.peer.payloads import validate_notification, validate_share_v11
from inspector.peer.profile import PeerContext, Profile, Route
from inspector.peer.tokens import IssuedToken, TokenState, opaque_token
from inspector.peer.webdav import DAV_METHODS, dav_error, options_response, propfind
from inspector.peer.wire import HttpProblem, PeerRequest, PeerResponse, json_response, read_json

API_VERSION = "1.1.0"
TOKEN_LIFETIME = 3600
WEBDAV_ROOT = "/remote.php/dav/ocm"
# The 2024 draft's grant, plus the spec's name that the ocm-stub's core also accepts.
GRANT_TYPES = ("ocm_authorization_code", "authorization_code")
_CHALLENGE = 'Basic realm="ocm"'


def message(status: int, text: str, errors: list | None = None) -> PeerResponse:
    body: dict[str, Any] = {"message": text}
    if errors is not None:
        body["validationErrors"] = errors
    return json_response(status, body)


class LegacyProfile(Profile):
    name = "legacy"

    @classmethod
    def share_uri(cls, base_url: str, share_id: str) -> str:
        return f"{base_url}{WEBDAV_ROOT}/"

    def __init__(self, ctx: PeerContext) -> None:
        super().__init__(ctx)
        self.cavage_key = generate_key("rsa2048", f"{ctx.base_url}/ocm#signature")

    def routes(self) -> list[Route]:
        return [
            Route.of(r"/ocm-provider/?", ("GET",), self.serve_discovery),
            Route.of(r"/ocm/token", ("POST",), self.exchange_token),
            Route.of(r"/ocm/shares", ("POST",), self.receive_share),
            Route.of(r"/ocm/notifications", ("POST",), self.receive_notification),
            Route.of(r"/remote\.php/dav/ocm(?P<rest>/.*)?", DAV_METHODS, self.webdav),
        ]

    def discovery_document(self, request: PeerRequest) -> dict[str, Any]:
        base = self.ctx.base_url
        return {
            "enabled": True,
            "apiVersion": API_VERSION,
            "endPoint": f"{base}/ocm",
            "provider": "ocm-inspector reference peer (legacy)",
            "resourceTypes": [
                {
                    "name": "file",
                    "shareTypes": ["user", "group"],
                    "protocols": {"webdav": base + WEBDAV_ROOT},
                }
            ],
            "capabilities": ["/invite-accepted", "/notifications"],
            "publicKey": {
                "keyId": self.cavage_key.kid,
                "publicKeyPem": self.cavage_key.public_pem(),
            },
        }

    def _check_cavage(self, request: PeerRequest, status: int) -> None:
        """Verify a draft-cavage signature if there is one; a 1.1 peer ignores anything else."""
        if signature_scheme(request.headers) != "draft-cavage":
            return
        verification = self.verify_signature(request, host=None)
        if not verification.ok:
            raise HttpProblem(message(status, f"signature rejected: {verification.reason}"))

    # -- token exchange (2024 draft) ----------------------------------------------------------

    def exchange_token(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = read_json(request, message)
        if not isinstance(body, dict):
            return message(400, "the body must be a JSON object")
        self._check_cavage(request, 403)

        grant_type = body.get("grant_type")
        if grant_type not in GRANT_TYPES:
            return message(403, f"grant_type {grant_type!r} is not supported")
        client_id, code = body.get("client_id"), body.get("code")
        if not isinstance(client_id, str) or not client_id:
            return message(400, "client_id is required")
        if not isinstance(code, str) or not code:
            return message(400, "code is required")
        if not secrets.compare_digest(code.encode(), self.ctx.share.secret.encode()):
            return message(403, "invalid code")

        token, refresh = opaque_token(), opaque_token()
        expires_at = self.token_times(TOKEN_LIFETIME)[1]
        self.ctx.tokens.add(token, IssuedToken(self.ctx.share.share_id, expires_at, refresh))
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": TOKEN_LIFETIME,
                "refresh_token": refresh,
            },
        )

    # -- shares and notifications -------------------------------------------------------------

    def receive_share(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = read_json(request, message)
        if not isinstance(body, dict):
            return message(400, "the body must be a JSON object")
        self._check_cavage(request, 401)
        errors = validate_share_v11(body)
        if errors:
            return message(400, "invalid share", errors)
        return json_response(
            201, {"recipientDisplayName": str(body["shareWith"]).rpartition("@")[0]}
        )

    def receive_notification(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = read_json(request, message)
        if not isinstance(body, dict):
            return message(400, "the body must be a JSON object")
        self._check_cavage(request, 401)
        errors = validate_notification(body, require_resource_type=True)
        if errors:
            return message(400, "invalid notification", errors)
        return json_response(201, {})

    # -- WebDAV -------------------------------------------------------------------------------

    def webdav(self, request: PeerRequest, match: re.Match[str]) -> PeerResponse:
        if request.method == "OPTIONS":
            return options_response()
        share = self.ctx.share
        basic = request.basic_credentials()
        token = request.bearer_token()
        if basic is not None:
            allowed = secrets.compare_digest(basic[0].encode(), share.secret.encode())
        elif token is not None:
            state = self.ctx.tokens.state(token, share.share_id, self.ctx.now())
            allowed = state is TokenState.VALID
        else:
            raise HttpProblem(_unauthorized("send Basic <sharedSecret>: credentials"))
        if not allowed:
            raise HttpProblem(_unauthorized("wrong credentials for this share"))
        return propfind(
            request,
            share,
            href_root=f"{WEBDAV_ROOT}/",
            inner_path=match["rest"] or "",
            modified=self.ctx.started_at,
        )


def _unauthorized(text: str) -> PeerResponse:
    return dav_error(401, text, headers={"WWW-Authenticate": _CHALLENGE})
