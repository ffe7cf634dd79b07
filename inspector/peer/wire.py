"""What a peer handler sees and returns: a parsed request, a response, and early exits.

Handlers never touch sockets. They get a ``PeerRequest`` (body already read and capped) and return
a ``PeerResponse``; a handler that must stop early raises ``HttpProblem`` carrying the response.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

MAX_REQUEST_BODY = 1 << 20
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"

# A percent sign that does not start a %XX escape: Go's ParseForm and most servers refuse it.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _first_header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The value of the first ``name`` header (in any case), or None."""
    name = name.lower()
    return next((value for key, value in headers if key.lower() == name), None)


@dataclass
class PeerRequest:
    """One request as the peer received it.

    ``target`` is the raw request-target (path and query, as sent); ``path`` is its decoded path,
    used for routing; ``url`` is the target URI as the client addressed it (the peer's base URL
    plus ``target``), which is what RFC 9421 ``@target-uri`` covers.
    """

    method: str
    target: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        return _first_header(self.headers, name)

    def header_dict(self) -> dict[str, str]:
        """The headers as a dict (a repeated header keeps its last value)."""
        return dict(self.headers)

    @property
    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters ("" when absent)."""
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def authorization(self) -> tuple[str, str] | None:
        """``(scheme in lower case, credentials)`` from the Authorization header, if any."""
        value = (self.header("authorization") or "").strip()
        if not value:
            return None
        scheme, _, credentials = value.partition(" ")
        return scheme.lower(), credentials.strip()

    def basic_credentials(self) -> tuple[str, str] | None:
        """The user and password of ``Authorization: Basic``; None when absent or malformed."""
        auth = self.authorization()
        if auth is None or auth[0] != "basic":
            return None
        try:
            decoded = base64.b64decode(auth[1], validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        user, _, password = decoded.partition(":")
        return user, password

    def bearer_token(self) -> str | None:
        auth = self.authorization()
        if auth is None or auth[0] != "bearer" or not auth[1]:
            return None
        return auth[1]


@dataclass
class PeerResponse:
    """A response to send. ``stream`` replaces ``body`` for a body sent without Content-Length."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterable[bytes] | None = None

    def header(self, name: str) -> str | None:
        return _first_header(self.headers, name)


class HttpProblem(Exception):
    """Stop handling and send ``response`` instead (a 4xx the handler decided on)."""

    def __init__(self, response: PeerResponse) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


def json_response(
    status: int,
    data: Any,
    *,
    headers: Mapping[str, str] | None = None,
    content_type: str = JSON_TYPE,
) -> PeerResponse:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    all_headers = [("Content-Type", content_type)]
    all_headers.extend((headers or {}).items())
    return PeerResponse(status, all_headers, body)


def text_response(
    status: int, text: str, *, content_type: str, headers: Mapping[str, str] | None = None
) -> PeerResponse:
    all_headers = [("Content-Type", content_type)]
    all_headers.extend((headers or {}).items())
    return PeerResponse(status, all_headers, text.encode("utf-8"))


def message_body(status: int, message: str) -> PeerResponse:
    """The neutral error shape the peer itself uses outside the OCM endpoints."""
    return json_response(status, {"message": message})


ErrorFactory = Callable[[int, str], PeerResponse]


def read_json(request: PeerRequest, error: ErrorFactory = message_body) -> Any:
    """The body as JSON. 415 unless the body is declared JSON, 400 when it does not parse."""
    media = request.content_type
    if media != JSON_TYPE and not media.endswith("+json"):
        shown = media or "no Content-Type"
        raise HttpProblem(error(415, f"expected a JSON body ({JSON_TYPE}), got {shown}"))
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HttpProblem(error(400, f"the body is not valid JSON: {exc}")) from None


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Decode an ``application/x-www-form-urlencoded`` body, keeping repeated and blank fields.

    Raises ``ValueError`` for bytes that are not UTF-8 or for a broken percent escape.
    """
    text = body.decode("utf-8")
    if _BAD_ESCAPE.search(text):
        raise ValueError("the form body has a broken %-escape")
    pairs = []
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote_plus(name, errors="strict"), unquote_plus(value, errors="strict")))
    return pairs


def read_form(request: PeerRequest, error: ErrorFactory = message_body) -> list[tuple[str, str]]:
    """The body as form fields. 415 unless the body is declared a form, 400 when it cannot be read."""
    if request.content_type != FORM_TYPE:
        shown = request.content_type or "no Content-Type"
        raise HttpProblem(error(415, f"expected a form body ({FORM_TYPE}), got {shown}"))
    try:
        return parse_form(request.body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HttpProblem(error(400, f"the form body cannot be read: {exc}")) from None
