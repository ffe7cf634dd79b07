"""The exceptions a user can act on.

Every failure the inspector reports is an ``InspectorError``. Its message is one line that names the
thing involved (a URL, a field, a key id) and, where one exists, the next step. ``kind`` is a stable
short name used in ``--json`` output.
"""

from __future__ import annotations


class InspectorError(Exception):
    """Base class of every error the inspector reports to a user."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


class InvalidTarget(InspectorError):
    """The text given as a server is not a URL, host[:port] or OCM address."""

    kind = "invalid-target"


class ConfigError(InspectorError):
    """A configuration file cannot be read or written."""

    kind = "config"


class NetworkError(InspectorError):
    """Base class of failures while talking to a server."""

    kind = "network"


class InvalidUrl(NetworkError):
    """A URL (typed by the user or taken from a server's document) cannot be requested."""

    kind = "connect"


class Unreachable(NetworkError):
    """The server could not be connected to."""

    kind = "connect"


class RequestTimeout(NetworkError):
    """The server did not answer within the time allowed."""

    kind = "timeout"


class TlsError(NetworkError):
    """The TLS handshake or certificate verification failed."""

    kind = "tls"


class TlsHandshakeFailed(TlsError):
    """No TLS session came up at all (e.g. https to a plain-HTTP port); no certificate was judged."""


class HttpStatusError(NetworkError):
    """The server answered with an unexpected HTTP status."""

    kind = "http-status"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NotJson(NetworkError):
    """A body that should be JSON is not (HTML error page, broken JSON, ...)."""

    kind = "not-json"


class ResponseTooLarge(NetworkError):
    """A response body exceeded the size limit and was cut off."""

    kind = "too-large"


class RedirectError(NetworkError):
    """Too many redirects, a redirect loop, or a redirect to a forbidden place."""

    kind = "redirect"


class Cancelled(InspectorError):
    """The user cancelled the operation."""

    kind = "cancelled"


class TokenError(InspectorError):
    """A token cannot be decoded (not a JWT, malformed segment, too large)."""

    kind = "token"


class KeyLookupError(InspectorError):
    """No usable key could be found or parsed."""

    kind = "key"


class SignatureInvalid(InspectorError):
    """A signature did not verify."""

    kind = "signature"


class KeyringUnavailable(InspectorError):
    """No working OS keyring backend, or it did not answer in time."""

    kind = "keyring"


class SigningError(InspectorError):
    """A request cannot be signed (unusable URL, component, label or algorithm)."""

    kind = "signing"
