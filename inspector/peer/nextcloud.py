"""The ``nextcloud`` profile: a Nextcloud server with the token exchange of PR 57234 and its
successors, as seen on the wire across 2026 builds.

Both discovery paths; ``apiVersion`` "1.0-proposal1" with the real version in ``version``; a
draft-cavage RSA ``publicKey``; Nextcloud's own capability names; a token endpoint under
``/index.php/apps/cloud_federation_api`` that takes form or JSON and answers a bad code with 401;
ES256 JWTs from a JWKS at both ``/.well-known/jwks.json`` and ``jwksUri``; WebDAV at
``/public.php/webdav/`` where the raw secret stops working once it has been exchanged.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from inspector.core.keys import generate_key
from inspector.peer.keyset import KeySet
from inspector.peer.payloads import validate_notification
from inspector.peer.profile import PeerContext, Profile, Route, encode_jwt
from inspector.peer.tokens import IssuedToken, TokenState, token_id
from inspector.peer.webdav import DAV_METHODS, dav_error, options_response, propfind
from inspector.peer.wire import (
    FORM_TYPE,
    JSON_TYPE,
    HttpProblem,
    PeerRequest,
    PeerResponse,
    json_response,
    parse_form,
    read_json,
)

API_VERSION = "1.0-proposal1"
VERSION = "1.1.2"
TOKEN_LIFETIME = 3600
WEBDAV_ROOT = "/public.php/webdav/"
TOKEN_PATH = "/index.php/apps/cloud_federation_api/api/v1/access-token"
# The notes name only the route (cloud_federation_api.Token.jwks); this path is where such a
# route lands in that app's URL space.
JWKS_PATH = "/index.php/apps/cloud_federation_api/api/v1/jwks"
_BASIC_CHALLENGE = 'Basic realm="Nextcloud", charset="UTF-8"'
_SHARE_FIELDS = (
    "shareWith",
    "name",
    "providerId",
    "owner",
    "protocol",
    "shareType",
    "resourceType",
)


def token_error(status: int, error: str) -> PeerResponse:
    # Nextcloud's TokenController answers with {"error": ...} only, no description.
    return json_response(status, {"error": error})


def ocm_error(status: int, message: str) -> PeerResponse:
    return json_response(status, {"message": message, "validationErrors": []})


class NextcloudProfile(Profile):
    name = "nextcloud"
    # A Nextcloud sender calls folders "file" too.
    share_resource_type = "file"

    @classmethod
    def share_uri(cls, base_url: str, share_id: str) -> str:
        return base_url + WEBDAV_ROOT

    def __init__(self, ctx: PeerContext) -> None:
        super().__init__(ctx)
        host = ctx.netloc
        # Nextcloud forces https:// into its key ids, even on a plain-http install.
        self.keys = KeySet(
            "p256",
            f"https://{host}/ocm#ecdsa-p256-sha256-{{n}}",
            rotating="rotated-keys" in ctx.faults,
        )
        self.cavage_key = generate_key("rsa2048", f"https://{host}/ocm#signature")

    def routes(self) -> list[Route]:
        index = r"(?:/index\.php)?"
        return [
            Route.of(r"/\.well-known/ocm", ("GET",), self.serve_discovery),
            Route.of(r"/ocm-provider/?", ("GET",), self.serve_discovery),
            Route.of(r"/\.well-known/jwks\.json", ("GET",), self.serve_jwks),
            Route.of(index + r"/apps/cloud_federation_api/api/v1/jwks", ("GET",), self.serve_jwks),
            Route.of(
                index + r"/apps/cloud_federation_api/api/v1/access-token",
                ("POST",),
                self.exchange_token,
            ),
            Route.of(index + r"/ocm/shares", ("POST",), self.receive_share),
            Route.of(index + r"/ocm/notifications", ("POST",), self.receive_notification),
            Route.of(r"/public\.php/webdav(?P<rest>/.*)?", DAV_METHODS, self.public_webdav),
            Route.of(r"/remote\.php/(?:web)?dav(?:/.*)?", DAV_METHODS, self.user_webdav),
        ]

    def discovery_document(self, request: PeerRequest) -> dict[str, Any]:
        base = self.ctx.base_url
        return {
            "enabled": True,
            "apiVersion": API_VERSION,
            "version": VERSION,
            "endPoint": f"{base}/ocm",
            "publicKey": {
                "keyId": self.cavage_key.kid,
                "publicKeyPem": self.cavage_key.public_pem(),
            },
            "provider": "Nextcloud 33.0.0",
            "resourceTypes": [
                {
                    "name": "file",
                    "shareTypes": ["user", "group"],
                    "protocols": {"webdav": WEBDAV_ROOT},
                }
            ],
            "capabilities": [
                "invite-accepted",
                "notifications",
                "shares",
                "exchange-token",
                "http-sig",
            ],
            "tokenEndPoint": base + TOKEN_PATH,
            "jwksUri": base + JWKS_PATH,
            "inviteAcceptDialog": f"{base}/index.php/apps/contacts/ocm-invite/accept",
        }

    def discovery_headers(self, request: PeerRequest) -> dict[str, str]:
        if request.path.startswith("/ocm-provider"):
            return {"X-NEXTCLOUD-OCM-PROVIDERS": "true"}
        return {}

    def serve_jwks(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        return json_response(200, self.keys.publish_and_rotate())

    # -- token exchange -----------------------------------------------------------------------

    def exchange_token(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        params = self._token_params(request)

        # Signed requests are verified; unsigned ones pass (ocm_signed_request_enforced is off).
        verification = self.verify_signature(request, host=None)
        if not verification.ok and verification.code != "unsigned":
            return token_error(401, "invalid_request")

        if params.get("grant_type") != "authorization_code":
            return token_error(400, "unsupported_grant_type")
        code = params.get("code", "")
        if not code:
            return token_error(400, "refresh_token is required")
        if not secrets.compare_digest(code.encode(), self.ctx.share.secret.encode()):
            return token_error(401, "invalid_grant")
        return self._issue_token()

    def _token_params(self, request: PeerRequest) -> dict[str, str]:
        """grant_type and code, bound from a form or a JSON body like controller parameters."""
        media = request.content_type
        try:
            if media == FORM_TYPE:
                return dict(parse_form(request.body))
            if media == JSON_TYPE:
                data = json.loads(request.body.decode("utf-8"))
                if not isinstance(data, dict):
                    raise HttpProblem(token_error(400, "invalid_request"))
                return {k: v for k, v in data.items() if isinstance(v, str)}
        except (UnicodeDecodeError, ValueError):
            raise HttpProblem(token_error(400, "invalid_request")) from None
        raise HttpProblem(token_error(415, "invalid_request"))

    def _issue_token(self) -> PeerResponse:
        share = self.ctx.share
        # Each exchange revokes the previous access token issued for the same secret.
        self.ctx.tokens.revoke_share_tokens(share.share_id)
        issued_at, expires_at = self.token_times(TOKEN_LIFETIME)
        claims = {
            "iss": f"https://{self.ctx.netloc}",
            "sub": share.owner_id,
            "aud": share.share_with,
            "client_id": share.share_id,
            "iat": issued_at,
            "exp": expires_at,
            "jti": token_id(),
        }
        token = encode_jwt(claims, self.jwt_key(self.keys))
        self.ctx.tokens.add(token, IssuedToken(share.share_id, expires_at))
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
        return json_response(200, body)

    # -- shares and notifications -------------------------------------------------------------

    def _json_body(self, request: PeerRequest) -> dict[str, Any]:
        body = read_json(request, ocm_error)
        if not isinstance(body, dict):
            raise HttpProblem(ocm_error(400, "Missing arguments"))
        verification = self.verify_signature(request, host=None)
        if not verification.ok and verification.code != "unsigned":
            # The answer seen in nextcloud/server#57241 for a signature Nextcloud cannot verify.
            raise HttpProblem(ocm_error(400, "Invalid signature"))
        return body

    def receive_share(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = self._json_body(request)
        if any(body.get(name) in (None, "") for name in _SHARE_FIELDS):
            return ocm_error(400, "Missing arguments")
        protocol = body["protocol"]
        if not isinstance(protocol, dict) or protocol.get("name") not in ("webdav", "multi"):
            return ocm_error(501, "Unsupported protocol for data exchange.")
        recipient = str(body["shareWith"])
        if recipient.rpartition("@")[2].lower() not in {
            a.lower() for a in self.ctx.local_authorities
        }:
            return ocm_error(400, "User does not exists")
        return json_response(201, {"recipientDisplayName": recipient.rpartition("@")[0]})

    def receive_notification(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = self._json_body(request)
        if validate_notification(body, require_resource_type=True):
            return ocm_error(400, "Missing arguments")
        return json_response(201, {})

    # -- WebDAV -------------------------------------------------------------------------------

    def public_webdav(self, request: PeerRequest, match: re.Match[str]) -> PeerResponse:
        if request.method == "OPTIONS":
            return options_response()
        share = self.ctx.share
        token = request.bearer_token()
        basic = request.basic_credentials()

        if token is not None:
            state = self.ctx.tokens.state(token, share.share_id, self.ctx.now())
            if state is not TokenState.VALID:
                raise HttpProblem(_unauthorized(f"the bearer token is {state.value}"))
        elif basic is not None and secrets.compare_digest(basic[0].encode(), share.secret.encode()):
            if self.ctx.tokens.was_exchanged(share.share_id):
                raise HttpProblem(
                    _unauthorized(
                        "this share's secret was exchanged for an access token and no longer"
                        " works for WebDAV; send the Bearer token"
                    )
                )
        else:
            raise HttpProblem(_unauthorized("No public access to this resource."))
        return propfind(
            request,
            share,
            href_root=WEBDAV_ROOT,
            inner_path=match["rest"] or "",
            modified=self.ctx.started_at,
        )

    def user_webdav(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        if request.method == "OPTIONS":
            return options_response()
        if request.bearer_token() is not None:
            raise HttpProblem(
                _unauthorized(f"OCM access tokens are honoured only under {WEBDAV_ROOT}, not here")
            )
        raise HttpProblem(_unauthorized("No 'Authorization: Basic' header found for a user"))


def _unauthorized(message: str) -> PeerResponse:
    return dav_error(401, message, headers={"WWW-Authenticate": _BASIC_CHALLENGE})
