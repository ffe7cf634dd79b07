"""The ``reva`` profile: CERNBox's reva as of its 2026 code.

``/.well-known/ocm`` (apiVersion 1.3.0, or "1.1" for the exact Nextcloud crawler User-Agent) with
``/ocm-provider`` answering 301; a form-only token endpoint at ``/ocm/token`` that knows
``authorization_code`` and ``ocm_share`` and answers every rejection with 400; HS256 tokens signed
with a secret internal to the server, so nobody outside can verify them; no keys, no signatures;
WebDAV at ``/remote.php/dav/ocm`` that answers 401 for everything it refuses.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from typing import Any

import jwt

from inspector.peer.payloads import validate_share_v14
from inspector.peer.profile import PeerContext, Profile, Route
from inspector.peer.tokens import IssuedToken, TokenState
from inspector.peer.webdav import DAV_METHODS, dav_error, options_response, propfind
from inspector.peer.wire import (
    FORM_TYPE,
    HttpProblem,
    PeerRequest,
    PeerResponse,
    json_response,
    parse_form,
    read_json,
)

API_VERSION = "1.3.0"
CRAWLER_API_VERSION = "1.1"
# Older Nextcloud accepts only 1.0/1.1 and announces itself with exactly this User-Agent.
NEXTCLOUD_CRAWLER = "Nextcloud Server Crawler"
TOKEN_LIFETIME = 86400
WEBDAV_ROOT = "/remote.php/dav/ocm"
GRANT_TYPES = ("authorization_code", "ocm_share")
_CHALLENGE = 'Basic realm="reva", Bearer realm="reva"'


def token_error(error: str) -> PeerResponse:
    return json_response(400, {"error": error})


class RevaProfile(Profile):
    name = "reva"
    share_resource_type = "folder"

    @classmethod
    def share_uri(cls, base_url: str, share_id: str) -> str:
        return f"{base_url}{WEBDAV_ROOT}/{share_id}"

    def __init__(self, ctx: PeerContext) -> None:
        super().__init__(ctx)
        # reva signs its JWTs with the shared jwt_secret of its deployment; nobody else has it.
        self._jwt_secret = secrets.token_bytes(32)

    def routes(self) -> list[Route]:
        return [
            Route.of(r"/\.well-known/ocm", ("GET",), self.serve_discovery),
            Route.of(r"/ocm-provider/?", ("GET",), self.redirect_legacy_discovery),
            Route.of(r"/ocm/token", ("POST",), self.exchange_token),
            Route.of(r"/ocm/shares", ("POST",), self.receive_share),
            Route.of(r"/ocm/notifications", ("POST",), self.receive_notification),
            Route.of(r"/remote\.php/dav/ocm(?:/(?P<rest>.*))?", DAV_METHODS, self.webdav),
        ]

    def discovery_document(self, request: PeerRequest) -> dict[str, Any]:
        base = self.ctx.base_url
        crawler = request.header("user-agent") == NEXTCLOUD_CRAWLER
        file_protocols = {
            # filepath.Join strips the trailing slash of the configured /remote.php/dav/ocm/.
            "webdav": WEBDAV_ROOT,
            "webdav-receive": {"uri": "absolute"},
            "webapp": {},
            "webapp-receive": {"targets": ["blank"]},
        }
        return {
            "enabled": True,
            "apiVersion": CRAWLER_API_VERSION if crawler else API_VERSION,
            "endPoint": f"{base}/ocm",
            "provider": "reva",
            "resourceTypes": [
                {"name": "file", "shareTypes": ["user"], "protocols": dict(file_protocols)},
                {"name": "folder", "shareTypes": ["user"], "protocols": dict(file_protocols)},
                {
                    "name": "ro-crate",
                    "shareTypes": ["user"],
                    "protocols": {"embedded-receive": {}},
                },
            ],
            "capabilities": ["invites", "protocol-object", "invite-wayf", "exchange-token"],
            "criteria": ["must-invite"],
            "inviteAcceptDialog": f"{base}/open-cloud-mesh/accept-invite",
            "tokenEndPoint": f"{base}/ocm/token",
        }

    def redirect_legacy_discovery(self, request: PeerRequest, _match: re.Match[str]):
        return PeerResponse(301, [("Location", "/.well-known/ocm")])

    # -- token exchange -----------------------------------------------------------------------

    def exchange_token(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        # r.ParseForm() reads the body only when it is declared a form; anything else (JSON
        # included) leaves the fields empty, which ends as unsupported_grant_type.
        fields: dict[str, str] = {}
        if request.content_type == FORM_TYPE:
            try:
                fields = dict(parse_form(request.body))
            except (UnicodeDecodeError, ValueError):
                return token_error("invalid_request")

        if fields.get("grant_type") not in GRANT_TYPES:
            return token_error("unsupported_grant_type")
        code = fields.get("code", "")
        if not code or not secrets.compare_digest(code.encode(), self.ctx.share.secret.encode()):
            return token_error("invalid_grant")
        return self._issue_token()

    def _issue_token(self) -> PeerResponse:
        share = self.ctx.share
        issued_at, expires_at = self.token_times(TOKEN_LIFETIME)
        resource = json.dumps({"share_id": share.share_id, "path": "/"}).encode()
        claims = {
            "exp": expires_at,
            "iss": self.ctx.base_url,
            "aud": ["reva"],
            "iat": issued_at,
            "user": {
                "id": {"idp": self.ctx.base_url, "opaque_id": share.owner_id, "type": 1},
                "username": share.owner_id,
                "display_name": share.owner_id.capitalize(),
            },
            "scope": {
                f"ocmshare:{share.share_id}": {
                    "resource": {"decoder": "json", "value": base64.b64encode(resource).decode()},
                    "role": 1,
                }
            },
        }
        token = jwt.encode(claims, self._jwt_secret, algorithm="HS256")
        self.ctx.tokens.add(token, IssuedToken(share.share_id, expires_at))
        # reva computes expires_in from the token's exp, whatever that says.
        expires_in = int(expires_at - self.ctx.now())
        body = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
        return json_response(200, body)

    # -- shares and notifications -------------------------------------------------------------

    def receive_share(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        body = read_json(request, _api_error)
        if not isinstance(body, dict):
            return _api_error(400, "the body must be a JSON object")
        errors = validate_share_v14(
            body, local_authorities=self.ctx.local_authorities, require_exchange=False
        )
        if errors:
            return json_response(400, {"message": "invalid share", "validationErrors": errors})
        # The must-invite criterion: only senders that accepted an invite may share, and this
        # peer has accepted none.
        return _api_error(403, f"{body['sender']} is not a known contact; accept an invite first")

    def receive_notification(self, request: PeerRequest, _match: re.Match[str]) -> PeerResponse:
        # reva only logs notifications and always answers 201, to keep Nextcloud senders happy.
        return json_response(201, {})

    # -- WebDAV -------------------------------------------------------------------------------

    def webdav(self, request: PeerRequest, match: re.Match[str]) -> PeerResponse:
        if request.method == "OPTIONS":
            return options_response()
        share = self.ctx.share
        rest = match["rest"] or ""
        token = request.bearer_token()
        basic = request.basic_credentials()

        if token is not None:
            # Bearer: the path is /<shareId>/<rel>; the token is an exchanged JWT or the secret.
            share_id, _, inner = rest.partition("/")
            if token.count(".") == 2:
                allowed = self.ctx.tokens.state(token, share_id, self.ctx.now()) is TokenState.VALID
            else:
                allowed = share_id == share.share_id and secrets.compare_digest(
                    token.encode(), share.secret.encode()
                )
            href_root = f"{WEBDAV_ROOT}/{share_id}/"
        elif basic is not None:
            # Basic secret: the path is relative to the root; the secret names the share.
            inner = rest
            allowed = secrets.compare_digest(basic[0].encode(), share.secret.encode())
            href_root = f"{WEBDAV_ROOT}/"
        else:
            raise HttpProblem(_unauthorized("no credentials"))
        if not allowed:
            raise HttpProblem(_unauthorized("unauthenticated"))
        try:
            return propfind(
                request, share, href_root=href_root, inner_path=inner, modified=self.ctx.started_at
            )
        except HttpProblem as problem:
            if problem.response.status == 404:
                # reva reports not-found as 401, like permission-denied.
                raise HttpProblem(_unauthorized("unauthenticated")) from None
            raise


def _api_error(status: int, message: str) -> PeerResponse:
    return json_response(status, {"message": message})


def _unauthorized(message: str) -> PeerResponse:
    return dav_error(401, message, headers={"WWW-Authenticate": _CHALLENGE})
