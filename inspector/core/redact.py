"""Redaction of secrets in headers and bodies before anything is shown, logged or exported."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

REDACTED = "‹redacted›"

SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
SECRET_FIELDS = {
    "code",
    "sharedsecret",
    "shared_secret",
    "secret",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "token",
    "private_key",
    "d",  # private part of a JWK
}

_FORM_RE = re.compile(r"(?P<key>[^&=\s]+)=(?P<value>[^&]*)")


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Hide credentials; keep the auth scheme so a reader still sees Bearer vs Basic."""
    out = []
    for name, value in headers:
        if name.lower() in SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = (
                f"{scheme} {REDACTED}"
                if rest and name.lower().endswith("authorization")
                else REDACTED
            )
        out.append((name, value))
    return out


def redact_body(text: str) -> str:
    """Replace the values of secret fields in a JSON or form body."""
    stripped = text.strip()
    if not stripped:
        return text
    if stripped[0] in "{[":
        try:
            data = json.loads(stripped)
        except ValueError:
            return text
        return json.dumps(_redact_json(data), indent=None, ensure_ascii=False)
    if "=" in stripped and "\n" not in stripped and " " not in stripped:
        return _FORM_RE.sub(_redact_pair, stripped)
    return text


def _redact_pair(match: re.Match[str]) -> str:
    key = match.group("key")
    if key.lower() in SECRET_FIELDS:
        return f"{key}={REDACTED}"
    return match.group(0)


def _redact_json(data: object) -> object:
    if isinstance(data, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and key.lower() in SECRET_FIELDS and isinstance(value, str)
            else _redact_json(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_redact_json(item) for item in data]
    return data
