"""The ``spec`` profile: a strict OCM 1.4.0 server as draft -05/-07 describe it.

Discovery only at ``/.well-known/ocm``; the code flow with a signed form request at
``tokenEndPoint``; EdDSA JWT access tokens from a JWKS at ``jwksUri``; ``must-use-http-sig`` on
``/shares`` and ``/notifications``; WebDAV that accepts only the exchanged token
(``must-exchange-token``).
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from inspector.core.httpsig import Verification
from inspector.peer.keyset import KeySet
from inspector.peer.payloads import validate_notification, validate_share_v14
from inspector.peer.profile import PeerContext, Profile, Route, encode_jwt
from inspector.peer.tokens import IssuedToken, TokenState
from inspector.peer.trust import authority_of
from inspector.peer.webdav import DAV_METHODS, dav_error, options_response, propfind
from inspector.peer.wire import (
    HttpProblem,
    PeerRequest,
    PeerResponse,
    json_response,
    read_form,
    read_json,
)

API_VERSION = "1.4.0"
TOKEN_LIFETIME = 300
WEBDAV_PATH = "/webdav/ocm"
JWKS_TYPE = "application/jwk-set+json"
_COMPONENTS = '("@method" "@target-uri" "content-digest" "content-length")'
# What a client must do to be heard: RFC 9421 section 5.1 Accept-Signature.
_ACCEPT_SIGNATURE = f'ocm={_COMPONENTS};created;keyid;tag="ocm"'
_SIGNATURE_CHALLENGE = {
    "WWW-Authenticate": 'Signature realm="ocm"',
    "Accept-Signature": _ACCEPT_SIGNATURE,
}


def oauth_error(status: int, error: str, description: str, **headers: str) -> PeerResponse:
    return json_response(
        status,
        {"error": error, "error_description": description},
        headers={"Cache-Control": "no-store", **headers},
    )


def api_error(
    status: int, message: str, errors: list | None = None, **headers: str
) -> PeerResponse:
    return json_response(
        status, {"message": message, "validationErrors": errors or []}, headers=headers
    )


class SpecProfile(Profile):
    name = "spec"
    share_resource_type = "folder"

    @classmethod
    def share_uri(cls, base_url: str, share_id: str) -> str:
        return f"{base_url}{WEBDAV_PATH}/{share_id}/"

    def __init__(self, ctx: PeerContext) -> None:
        super().__init__(ctx)
        self.keys = KeySet(
            "ed25519", f"{ctx.netloc}#key-{{n}}", rotating="rotated-keys" in ctx.faults
        )

    def routes(self) -> list[Route]:
        return [
            Route.of(r"/\.well-known/ocm", ("GET",), self.serve_discovery),
            Route.of(r"/ocm/jwks", ("GET",), self.serve_jwks),
            Route.of(r"/ocm/token", ("POST",), self.exchange_token),
            Route.of(r"/ocm/shares", ("POST",), self.receive_share),
            Route.of(r"/ocm/notifications", ("POST",), self.receive_notification),
            Route.of(r"/webdav/ocm(?:/(?P<rest>.*))?", DAV_METHODS, self.webdav),
        ]

    def discovery_document(self, request: PeerRequest) -> dict[str, Any]:
        # LIMITATION: "invites" is advertised because a 1.4 server of this kind has it, but the
        # demo holds no invites and does not serve /invite-accepted (it answers 404).
        base = self.ctx.base_url
        protocols = {"webdav": WEBDAV_PATH, "webdav-receive": {"uri": "absolute"}}
        return {
            "enabled": True,
            "apiVersion": API_VERSION,
            "endPoint": f"{base}/ocm",
            "provider": "ocm-inspector reference peer (spec)",
            "resourceTypes": [
                {"name": "file", "shareTypes": ["user"], "protocols": dict(protocols)},
                {"name": "folder", "shareTypes": ["user"], "protocols": dict(protocols)},
            ],
            "capabilities": [
                "exchange-token",
                "http-sig",
                "invites",
                "notifications",
                "protocol-object",
            ],
            "criteria": ["must-use-http-sig", "must-exchange-token"],
            "tokenEndPoint": f"{base}/ocm/token",
            "jwksUri": f"{base}/ocm/jwks",
        }

    def serve_jwks(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        return json_response(200, self.keys.publish_and_rotate(), content_type=JWKS_TYPE)

    # -- code flow ----------------------------------------------------------------------------

    def exchange_token(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        """``POST {tokenEndPoint}``: a signed form with grant_type, client_id and code."""
        fields = read_form(
            request, lambda status, text: oauth_error(status, "invalid_request", text)
        )
        names = [name for name, _ in fields]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            return oauth_error(400, "invalid_request", f"{repeated[0]} is given more than once")
        form = dict(fields)

        grant_type = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        code = form.get("code", "")
        if not grant_type:
            return oauth_error(400, "invalid_request", "grant_type is required")
        if grant_type != "authorization_code":
            return oauth_error(
                400,
                "unsupported_grant_type",
                f"grant_type {grant_type!r} is not supported; use authorization_code",
            )
        if not client_id:
            return oauth_error(400, "invalid_request", "client_id is required")
        if "/" in client_id or authority_of(client_id) is None or "@" in client_id:
            return oauth_error(
                400, "invalid_client", f"client_id {client_id!r} is not a host[:port] name"
            )
        if not code:
            return oauth_error(400, "invalid_request", "code is required")

        verification = self.verify_signature(request, host=client_id)
        if not verification.ok:
            return oauth_error(
                401, "invalid_request", _signature_problem(verification), **_SIGNATURE_CHALLENGE
            )
        # LIMITATION: any receiver that proves its key may exchange the demo secret; a real
        # sender would also check that client_id belongs to the share's receiver.
        if not secrets.compare_digest(code.encode(), self.ctx.share.secret.encode()):
            return oauth_error(400, "invalid_grant", "the code is not a known sharedSecret")

        return self._issue_token(client_id)

    def _issue_token(self, client_id: str) -> PeerResponse:
        share = self.ctx.share
        issued_at, expires_at = self.token_times(TOKEN_LIFETIME)
        claims = {
            "iss": self.ctx.base_url,
            "sub": share.owner_id,
            "aud": share.share_with,
            "client_id": client_id,
            "iat": issued_at,
            "exp": expires_at,
            "jti": str(uuid.uuid4()),
        }
        token = encode_jwt(claims, self.jwt_key(self.keys))
        self.ctx.tokens.add(token, IssuedToken(share.share_id, expires_at))
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
        return json_response(200, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -- share and notification endpoints -----------------------------------------------------

    def _signed_json(self, request: PeerRequest, host_field: str | None) -> dict[str, Any]:
        body = read_json(request, lambda status, text: api_error(status, text))
        if not isinstance(body, dict):
            raise HttpProblem(api_error(400, "the body must be a JSON object"))
        host = body.get(host_field) if host_field else None
        verification = self.verify_signature(request, host=host if isinstance(host, str) else None)
        if not verification.ok:
            raise HttpProblem(
                api_error(
                    401,
                    f"must-use-http-sig: {_signature_problem(verification)}",
                    **_SIGNATURE_CHALLENGE,
                )
            )
        return body

    def receive_share(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = self._signed_json(request, "sender")
        errors = validate_share_v14(
            body, local_authorities=self.ctx.local_authorities, require_exchange=True
        )
        if errors:
            return api_error(400, "the share is not valid", errors)
        return json_response(201, {"recipientDisplayName": body["shareWith"].rpartition("@")[0]})

    def receive_notification(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = self._signed_json(request, None)
        errors = validate_notification(body, require_resource_type=False)
        if errors:
            return api_error(400, "the notification is not valid", errors)
        return json_response(201, {})

    # -- WebDAV -------------------------------------------------------------------------------

    def webdav(self, request: PeerRequest, match: re.Match[str]) -> PeerResponse:
        if request.method == "OPTIONS":
            return options_response()
        share = self.ctx.share
        share_id, _, inner = (match["rest"] or "").partition("/")

        token = request.bearer_token()
        if token is None:
            raise HttpProblem(_unauthorized("send Authorization: Bearer <access_token>"))
        if secrets.compare_digest(token.encode(), share.secret.encode()):
            raise HttpProblem(
                _unauthorized(
                    "must-exchange-token: exchange the sharedSecret at the tokenEndPoint and"
                    " send the access token instead",
                    "invalid_token",
                )
            )
        state = self.ctx.tokens.state(token, share_id, self.ctx.now())
        if state is TokenState.EXPIRED:
            raise HttpProblem(_unauthorized("the access token has expired", "invalid_token"))
        if state is not TokenState.VALID:
            raise HttpProblem(
                _unauthorized("the access token is not valid for this share", "invalid_token")
            )
        return propfind(
            request,
            share,
            href_root=f"{WEBDAV_PATH}/{share_id}/",
            inner_path=inner,
            modified=self.ctx.started_at,
        )


def _signature_problem(verification: Verification) -> str:
    if verification.code == "unsigned":
        return f"signature required: {verification.reason}"
    return f"signature rejected: {verification.reason}"


def _unauthorized(message: str, error: str | None = None) -> PeerResponse:
    challenge = 'Bearer realm="ocm"'
    if error:
        challenge += f', error="{error}"'
    return dav_error(401, message, headers={"WWW-Authenticate": challenge})
