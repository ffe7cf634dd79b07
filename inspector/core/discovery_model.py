"""The discovery document as a tolerant model.

``DiscoveryDocument.from_json`` accepts every shape the OCM versions and the deployed servers use
(see docs/ocm-protocol.md §2): string or object protocols, ``-receive`` keys, ``publicKey`` with
``keyId`` or ``id``, ``publicKeys``, relative or absolute ``inviteAcceptDialog``, Nextcloud's
``version`` key and unknown keys. It never raises: a field of the wrong type reads as absent here,
and the conformance rules say what was wrong with it. The raw document is kept untouched.

Capability and criteria names from older spec eras are mapped to the current (1.4) names; every
mapping is recorded so that it can be reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

# The top-level keys some version of the spec (or Nextcloud's ``version``) defines.
KNOWN_KEYS = frozenset(
    {
        "enabled",
        "apiVersion",
        "endPoint",
        "provider",
        "resourceTypes",
        "capabilities",
        "criteria",
        "publicKey",
        "publicKeys",
        "inviteAcceptDialog",
        "tokenEndPoint",
        "jwksUri",
        "version",
    }
)

# Capabilities of 1.3 and 1.4 (webdav-uri is 1.2.1 to 1.3; 1.4 covers it with webdav-receive.uri).
CURRENT_CAPABILITIES = frozenset(
    {
        "enforce-mfa",
        "exchange-token",
        "http-sig",
        "invites",
        "invite-wayf",
        "notifications",
        "protocol-object",
        "webdav-uri",
    }
)

# Criteria of 1.4.
CURRENT_CRITERIA = frozenset(
    {"must-use-http-sig", "must-exchange-token", "must-invite", "denylist", "allowlist"}
)


@dataclass(frozen=True)
class LegacyName:
    """An older spelling, what it means today (None: nothing equivalent) and where it comes from."""

    current: str | None
    origin: str


# Keys are compared after lower-casing and removing a leading "/", as Nextcloud does.
LEGACY_CAPABILITIES: dict[str, LegacyName] = {
    "invite-accepted": LegacyName("invites", "1.1 '/invite-accepted', also Nextcloud's spelling"),
    "receive-code": LegacyName("exchange-token", "1.2.1 code flow, renamed by PR #292"),
    "token-exchange": LegacyName("exchange-token", "draft -04 Resource Access text"),
    "mfa-capable": LegacyName(None, "1.2.0 '/mfa-capable'; 1.2.1 replaced it by 'enforce-mfa'"),
}

LEGACY_CRITERIA: dict[str, LegacyName] = {
    "http-request-signatures": LegacyName("must-use-http-sig", "1.2.1 to 1.3"),
    "code": LegacyName("must-exchange-token", "1.2.1 to 1.2.2"),
    "token-exchange": LegacyName("must-exchange-token", "1.3 (draft -04)"),
    "invite": LegacyName("must-invite", "1.2.1 to 1.3"),
}

# Names seen in the wild that no spec defines, with what they mean.
NON_SPEC_CAPABILITIES: dict[str, str] = {
    "shares": "Nextcloud-specific; every OCM server accepts POST /shares, so peers ignore it",
}

NameKind = Literal["capability", "criterion"]


@dataclass(frozen=True)
class NameMapping:
    """A capability or criterion published under an older name, and the name it maps to."""

    kind: NameKind
    given: str
    current: str | None
    origin: str
    index: int

    @property
    def field(self) -> str:
        plural = "capabilities" if self.kind == "capability" else "criteria"
        return f"{plural}[{self.index}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "given": self.given,
            "current": self.current,
            "origin": self.origin,
            "field": self.field,
        }


@dataclass(frozen=True)
class ProtocolEntry:
    """One key of ``resourceTypes[i].protocols``.

    A plain key (``webdav``) says the server can send shares over that protocol, a ``-receive``
    key says it can receive them (1.4). ``value`` is the string (URI, path, ``host:port``) or the
    object as published; ``url`` is a string value resolved against the endPoint's origin.
    """

    key: str
    protocol: str
    role: Literal["send", "receive"]
    value: Any
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "protocol": self.protocol,
            "role": self.role,
            "value": self.value,
            "url": self.url,
        }


@dataclass(frozen=True)
class ResourceType:
    name: str | None
    share_types: tuple[str, ...]
    protocols: tuple[ProtocolEntry, ...]

    def protocol(self, key: str) -> ProtocolEntry | None:
        return next((p for p in self.protocols if p.key == key), None)

    @property
    def sends(self) -> frozenset[str]:
        return frozenset(p.protocol for p in self.protocols if p.role == "send")

    @property
    def receives(self) -> frozenset[str]:
        return frozenset(p.protocol for p in self.protocols if p.role == "receive")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "share_types": list(self.share_types),
            "protocols": {p.key: p.value for p in self.protocols},
        }


@dataclass(frozen=True)
class PublishedKey:
    """A key published in the document itself (draft-cavage ``publicKey`` or ``publicKeys``)."""

    source: str
    key_id: str | None
    id_field: str | None
    pem: str | None
    algorithm: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "key_id": self.key_id,
            "id_field": self.id_field,
            "algorithm": self.algorithm,
            "public_key_pem": self.pem,
        }


@dataclass
class DiscoveryDocument:
    """What a discovery document says, read tolerantly. ``raw`` is exactly what was received."""

    raw: dict[str, Any]
    origin: str = ""
    enabled: bool | None = None
    api_version: str | None = None
    version: str | None = None
    provider: str | None = None
    end_point: str | None = None
    token_end_point: str | None = None
    jwks_uri: str | None = None
    invite_accept_dialog: str | None = None
    invite_accept_dialog_url: str | None = None
    capabilities_given: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    criteria_given: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    mappings: list[NameMapping] = field(default_factory=list)
    resource_types: list[ResourceType] = field(default_factory=list)
    public_keys: list[PublishedKey] = field(default_factory=list)
    public_key_null: bool = False
    unknown_keys: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, origin: str = "") -> DiscoveryDocument:
        """Read a parsed JSON object. ``origin`` (``scheme://host[:port]``) resolves paths."""
        doc = cls(raw=data, origin=origin)
        doc.enabled = data.get("enabled") if isinstance(data.get("enabled"), bool) else None
        doc.api_version = _text(data.get("apiVersion"))
        doc.version = _text(data.get("version"))
        doc.provider = _text(data.get("provider"))
        doc.end_point = _text(data.get("endPoint"))
        doc.token_end_point = _text(data.get("tokenEndPoint"))
        doc.jwks_uri = _text(data.get("jwksUri"))
        doc.invite_accept_dialog = _text(data.get("inviteAcceptDialog"))
        if doc.invite_accept_dialog and origin:
            try:
                doc.invite_accept_dialog_url = urljoin(origin + "/", doc.invite_accept_dialog)
            except ValueError:
                # A malformed value (say, a broken IPv6 literal) stays unresolved; rules report it.
                doc.invite_accept_dialog_url = None

        doc.capabilities_given = _strings(data.get("capabilities"))
        doc.capabilities = doc._map_names("capability", doc.capabilities_given)
        doc.criteria_given = _strings(data.get("criteria"))
        doc.criteria = doc._map_names("criterion", doc.criteria_given)

        doc.resource_types = [
            _resource_type(item, doc.dav_origin)
            for item in _list(data.get("resourceTypes"))
            if isinstance(item, dict)
        ]
        doc._read_keys(data)
        doc.unknown_keys = [key for key in data if key not in KNOWN_KEYS]
        return doc

    def _map_names(self, kind: NameKind, given: list[str]) -> list[str]:
        """Current names in publication order, without duplicates; records each mapping."""
        legacy = LEGACY_CAPABILITIES if kind == "capability" else LEGACY_CRITERIA
        known = CURRENT_CAPABILITIES if kind == "capability" else CURRENT_CRITERIA
        current: list[str] = []
        for index, name in enumerate(given):
            key = normalise_name(name)
            if key in legacy:
                entry = legacy[key]
                self.mappings.append(NameMapping(kind, name, entry.current, entry.origin, index))
                mapped = entry.current
            elif key != name and key in known:
                # Only the spelling differs ("/notifications", "Invites"): same meaning.
                origin = (
                    "1.1 '/path' style; plain names since 1.2.1"
                    if name.strip().startswith("/")
                    else "spelling; the spec's names are lower case"
                )
                self.mappings.append(NameMapping(kind, name, key, origin, index))
                mapped = key
            else:
                mapped = name
            if mapped and mapped not in current:
                current.append(mapped)
        return current

    def _read_keys(self, data: dict[str, Any]) -> None:
        if "publicKey" in data and data["publicKey"] is None:
            self.public_key_null = True
        key = data.get("publicKey")
        if isinstance(key, dict):
            id_field = (
                "keyId" if _text(key.get("keyId")) else "id" if _text(key.get("id")) else None
            )
            self.public_keys.append(
                PublishedKey(
                    source="publicKey",
                    key_id=_text(key.get(id_field)) if id_field else None,
                    id_field=id_field,
                    pem=_text(key.get("publicKeyPem")),
                    algorithm=_text(key.get("algorithm")),
                )
            )
        for index, item in enumerate(_list(data.get("publicKeys"))):
            if isinstance(item, dict):
                self.public_keys.append(
                    PublishedKey(
                        source=f"publicKeys[{index}]",
                        key_id=_text(item.get("keyId")),
                        id_field="keyId" if _text(item.get("keyId")) else None,
                        pem=_text(item.get("publicKeyPem")),
                        algorithm=_text(item.get("algorithm")),
                    )
                )

    @property
    def dav_origin(self) -> str:
        """Where protocol paths live: the endPoint's origin, else the document's."""
        if self.end_point and is_absolute_http_url(self.end_point):
            parts = urlsplit(self.end_point)
            return f"{parts.scheme}://{parts.netloc}"
        return self.origin

    def has_capability(self, name: str) -> bool:
        return name in self.capabilities

    def has_criterion(self, name: str) -> bool:
        return name in self.criteria

    def resource_type(self, name: str) -> ResourceType | None:
        return next((rt for rt in self.resource_types if rt.name == name), None)

    @property
    def webdav_root(self) -> str | None:
        """The WebDAV root a spec-following receiver uses: ``resourceTypes[0].protocols.webdav``."""
        if not self.resource_types:
            return None
        entry = self.resource_types[0].protocol("webdav")
        return entry.url if entry and entry.url else None

    @property
    def publishes_keys(self) -> bool:
        """Whether the document points at signing keys: a jwksUri or an inline key."""
        return bool(self.jwks_uri) or any(k.pem for k in self.public_keys)

    def summary(self) -> dict[str, Any]:
        """The fields an administrator looks at first, with capability and criteria names mapped."""
        return {
            "enabled": self.enabled,
            "api_version": self.api_version,
            "version": self.version,
            "provider": self.provider,
            "end_point": self.end_point,
            "token_end_point": self.token_end_point,
            "jwks_uri": self.jwks_uri,
            "invite_accept_dialog": self.invite_accept_dialog_url or self.invite_accept_dialog,
            "capabilities": list(self.capabilities),
            "criteria": list(self.criteria),
            "resource_types": [rt.to_dict() for rt in self.resource_types],
            "public_keys": [
                {"source": k.source, "key_id": k.key_id, "algorithm": k.algorithm}
                for k in self.public_keys
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return self.raw


def normalise_name(name: str) -> str:
    """Lower case without a leading ``/``: the form Nextcloud compares capabilities in."""
    return name.strip().lstrip("/").lower()


def is_absolute_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a malformed authority
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def origin_of(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def _resource_type(item: dict[str, Any], dav_origin: str) -> ResourceType:
    protocols = item.get("protocols")
    entries: list[ProtocolEntry] = []
    if isinstance(protocols, dict):
        for key, value in protocols.items():
            role: Literal["send", "receive"] = "receive" if key.endswith("-receive") else "send"
            protocol = key.removesuffix("-receive")
            url = None
            # Only web protocols hold URLs; ssh is host:port.
            if isinstance(value, str) and value and protocol in ("webdav", "webapp", "datatx"):
                url = value if is_absolute_http_url(value) else _join(dav_origin, value)
            entries.append(ProtocolEntry(key, protocol, role, value, url))
    return ResourceType(
        name=_text(item.get("name")),
        share_types=tuple(_strings(item.get("shareTypes"))),
        protocols=tuple(entries),
    )


def _join(origin: str, path: str) -> str | None:
    if not origin or not path.startswith("/"):
        return None
    return origin + path


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [item for item in _list(value) if isinstance(item, str)]
