"""A deliberately plain client for the peer tests: httpx calls, plus the core signers.

The tests check the peer's wire behaviour, so nothing here uses the inspector's discovery or
exchange code; only signing comes from ``inspector.core.httpsig`` and ``inspector.core.cavage``.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import jwt

from inspector.core.cavage import sign_cavage
from inspector.core.httpsig import sign_request
from inspector.core.keys import SigningKey

FORM = "application/x-www-form-urlencoded"
PROPFIND_BODY = b"""<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
  <d:prop><d:resourcetype/><d:getetag/><d:getlastmodified/><d:getcontentlength/>
  <oc:permissions/></d:prop>
</d:propfind>
"""
DAV = "{DAV:}"

# One client for the whole run: building an httpx client (and its TLS context) per call costs more
# than the requests themselves.
http = httpx.Client(timeout=10)


def post(
    url: str,
    body: bytes,
    content_type: str,
    *,
    key: SigningKey | None = None,
    cavage: bool = False,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST ``body``, RFC 9421-signed with ``key`` (or draft-cavage-signed with ``cavage``)."""
    all_headers = {"Content-Type": content_type, **(headers or {})}
    if key is not None and cavage:
        all_headers = sign_cavage("POST", url, all_headers, body, key, key.kid).headers
    elif key is not None:
        all_headers = sign_request("POST", url, all_headers, body, key).headers
    return http.post(url, content=body, headers=all_headers)


def post_form(url: str, fields: dict[str, str], **options: Any) -> httpx.Response:
    return post(url, urlencode(fields).encode(), FORM, **options)


def post_json(url: str, data: Any, **options: Any) -> httpx.Response:
    return post(url, json.dumps(data).encode(), "application/json", **options)


def basic(secret: str) -> str:
    return "Basic " + base64.b64encode(f"{secret}:".encode()).decode()


def propfind(url: str, authorization: str | None, depth: str | None = "1") -> httpx.Response:
    headers = {"Content-Type": "application/xml; charset=utf-8"}
    if authorization:
        headers["Authorization"] = authorization
    if depth is not None:
        headers["Depth"] = depth
    return http.request("PROPFIND", url, headers=headers, content=PROPFIND_BODY)


def multistatus_hrefs(response: httpx.Response) -> list[str]:
    root = ElementTree.fromstring(response.content)
    return [href.text or "" for href in root.iter(f"{DAV}href")]


def jwt_header(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)


def jwt_claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def verify_with_jwks(token: str, jwks: dict[str, Any], audience: str) -> dict[str, Any]:
    """Verify a JWT against the JWKS its ``kid`` points into; KeyError when the kid is absent."""
    kid = jwt_header(token)["kid"]
    jwk = {k["kid"]: k for k in jwks["keys"]}[kid]
    key = jwt.PyJWK(jwk)
    return jwt.decode(token, key.key, algorithms=[jwk["alg"]], audience=audience)
