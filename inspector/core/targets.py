"""Turn what a user types into the server to talk to.

A target is a URL (``https://cloud.example.org/nextcloud``), a ``host[:port]`` (IPv6 literals in
brackets), or an OCM address (``alice@cloud.example.org``). In an OCM address the identifier is
opaque and may itself contain ``@``, so the host is what follows the *last* ``@``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from inspector.core.errors import InvalidTarget

TargetKind = Literal["url", "host", "address"]

_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_MAX_TARGET = 2048


@dataclass(frozen=True)
class Target:
    """A parsed server target. ``scheme`` is None when the user gave none."""

    text: str
    kind: TargetKind
    host: str
    port: int | None = None
    scheme: str | None = None
    path: str = ""
    identifier: str | None = None

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port is not None else host

    def base_url(self, scheme: str | None = None) -> str:
        """The base URL for ``scheme`` (default: the given scheme, else https)."""
        return f"{scheme or self.scheme or 'https'}://{self.netloc}{self.path}"

    def candidate_base_urls(self) -> list[str]:
        """Base URLs to try in order: https then http when no scheme was given."""
        if self.scheme:
            return [self.base_url()]
        return [self.base_url("https"), self.base_url("http")]

    @property
    def display(self) -> str:
        """A short label: the host and port, with the path when there is one."""
        return f"{self.netloc}{self.path}"


def parse_target(text: str) -> Target:
    """Parse a URL, ``host[:port]`` or OCM address.

    Raises ``InvalidTarget`` with a one-line reason for anything else.
    """
    raw = text
    text = text.strip()
    if not text:
        raise InvalidTarget(
            "Enter a URL, host[:port] or OCM address such as alice@cloud.example.org"
        )
    if len(text) > _MAX_TARGET:
        raise InvalidTarget(f"Target is too long ({len(text)} characters)")
    if any(ch.isspace() for ch in text) or any(ord(ch) < 32 for ch in text):
        raise InvalidTarget("A target cannot contain spaces or control characters")

    if _SCHEME_RE.match(text):
        return _parse_url(raw, text, identifier=None, kind="url")

    if "@" in text:
        identifier, _, rest = text.rpartition("@")
        if not identifier:
            raise InvalidTarget(f"{text!r}: the OCM address has nothing before the '@'")
        if not rest:
            raise InvalidTarget(f"{text!r}: the OCM address has no host after the last '@'")
        if _SCHEME_RE.match(rest):
            # Some servers write addresses with a scheme, such as id@https://host.
            target = _parse_url(raw, rest, identifier=identifier, kind="address")
        else:
            target = _parse_hostport(raw, rest, identifier=identifier, kind="address")
        if target.path:
            raise InvalidTarget(f"{text!r}: an OCM address cannot contain a path")
        return target

    return _parse_hostport(raw, text, identifier=None, kind="host")


def _parse_url(raw: str, text: str, identifier: str | None, kind: TargetKind) -> Target:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidTarget(f"{text!r} is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidTarget(f"{text!r}: only http:// and https:// URLs can be inspected")
    if parts.username is not None or parts.password is not None:
        if parts.password is not None:
            raise InvalidTarget("Do not put a password in the URL; secrets belong in the vault")
        identifier = identifier or parts.username
    host = parts.hostname or ""
    _check_host(host, text)
    if parts.query or parts.fragment:
        raise InvalidTarget(f"{text!r}: remove the query or fragment; give the server's base URL")
    return Target(
        text=raw,
        kind=kind,
        host=_normalise_host(host),
        port=port,
        scheme=scheme,
        path=_clean_path(parts.path),
        identifier=identifier,
    )


def _parse_hostport(raw: str, text: str, identifier: str | None, kind: TargetKind) -> Target:
    hostport, slash, path = text.partition("/")
    path = slash + path
    port: int | None = None

    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise InvalidTarget(f"{text!r}: an IPv6 literal needs a closing ']'")
        host = hostport[1:end]
        rest = hostport[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise InvalidTarget(f"{text!r}: unexpected text after the IPv6 literal")
            port = _parse_port(rest[1:], text)
        if not _is_ipv6(host):
            raise InvalidTarget(f"{text!r}: {host!r} is not an IPv6 address")
    elif hostport.count(":") > 1:
        # A bare IPv6 literal such as ::1 (no port can be given without brackets).
        host = hostport
        if not _is_ipv6(host):
            raise InvalidTarget(
                f"{text!r}: put an IPv6 address in brackets, e.g. [2001:db8::1]:443"
            )
    else:
        host, colon, port_text = hostport.partition(":")
        if colon:
            port = _parse_port(port_text, text)

    _check_host(host, text)
    return Target(
        text=raw,
        kind=kind,
        host=_normalise_host(host),
        port=port,
        path=_clean_path(path),
        identifier=identifier,
    )


def _parse_port(text: str, whole: str) -> int:
    if not text.isdigit():
        raise InvalidTarget(f"{whole!r}: port {text!r} is not a number")
    port = int(text)
    if not 0 < port < 65536:
        raise InvalidTarget(f"{whole!r}: port {port} is outside 1-65535")
    return port


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _check_host(host: str, whole: str) -> None:
    if not host:
        raise InvalidTarget(f"{whole!r} has no host name")
    if _is_ipv6(host):
        return
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidTarget(f"{whole!r}: {host!r} is not a valid host name") from None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise InvalidTarget(f"{whole!r}: {host!r} is not a valid host name")


def _normalise_host(host: str) -> str:
    if _is_ipv6(host):
        return host.lower()
    return host.encode("idna").decode("ascii").lower().rstrip(".")


def _clean_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/")
