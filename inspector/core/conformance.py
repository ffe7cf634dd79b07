"""Conformance rules over a discovery document.

Each problem is a ``Finding`` with a stable ``code``, a severity, the field it concerns, a one-line
message and the spec version the rule comes from. Features are judged from the fields a document
has, never from ``apiVersion`` alone (servers mix features of several versions).

Three sources of findings:

- the JSON Schema in ``resources/ocm-discovery.schema.json`` (shapes of every version, see
  ``inspector.core.discovery_schema``);
- the rules below (what the shapes cannot express: which capability needs which field, legacy
  names, URL forms);
- the fetch itself (which path answered, http, redirects, the server's clock), reported by
  ``inspector.core.discovery`` through the ``*_finding`` helpers at the end of this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from inspector.core.discovery_model import (
    CURRENT_CAPABILITIES,
    CURRENT_CRITERIA,
    LEGACY_CAPABILITIES,
    LEGACY_CRITERIA,
    NON_SPEC_CAPABILITIES,
    DiscoveryDocument,
    is_absolute_http_url,
    normalise_name,
)
from inspector.core.discovery_schema import schema_findings
from inspector.core.findings import Finding, sort_findings

CLOCK_SKEW_LIMIT_S = 60.0

_SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
)


def check_document(doc: DiscoveryDocument) -> list[Finding]:
    """All schema and rule findings for one document, errors first."""
    findings = schema_findings(doc.raw)
    for rule in RULES:
        findings.extend(rule(doc))
    return sort_findings(findings)


# --- Rules ----------------------------------------------------------------------------------

Rule = Callable[[DiscoveryDocument], Iterator[Finding]]


def _enabled(doc: DiscoveryDocument) -> Iterator[Finding]:
    if doc.enabled is False:
        yield Finding(
            "ocm-disabled",
            "error",
            "enabled",
            "enabled is false: OCM is switched off here and peers will not federate with it",
            "1.1.0",
        )


def _api_version(doc: DiscoveryDocument) -> Iterator[Finding]:
    value = doc.api_version
    if value and not _SEMVER_RE.match(value):
        extra = f"; the non-spec 'version' key says {doc.version!r}" if doc.version else ""
        yield Finding(
            "api-version-not-semver",
            "warning",
            "apiVersion",
            f"apiVersion {value!r} is not a semantic version such as 1.4.0{extra}; features are"
            " judged from the fields instead",
            "1.1.0",
        )
    if doc.version:
        yield Finding(
            "nextcloud-version-field",
            "info",
            "version",
            f"'version' ({doc.version!r}) is not a spec key but Nextcloud's real OCM version;"
            " Nextcloud reads it before apiVersion, other peers ignore it",
            "1.1.0",
        )


# Absolute URL fields: (field, attribute, spec version that defines the field).
_URL_FIELDS = (
    ("endPoint", "end_point", "1.1.0"),
    ("tokenEndPoint", "token_end_point", "1.3.0"),
    ("jwksUri", "jwks_uri", "draft-07"),
)


def _urls(doc: DiscoveryDocument) -> Iterator[Finding]:
    for name, attribute, since in _URL_FIELDS:
        value = getattr(doc, attribute)
        if not value:
            continue
        if not is_absolute_http_url(value):
            yield Finding(
                "relative-url",
                "error",
                name,
                f"{name} {value!r} is not an absolute http(s) URL; peers cannot resolve it",
                since,
            )
        elif value.lower().startswith("http://"):
            yield _insecure(name, value, doc)

    dialog = doc.invite_accept_dialog
    if dialog and is_absolute_http_url(dialog):
        yield Finding(
            "invite-dialog-absolute",
            "info",
            "inviteAcceptDialog",
            f"inviteAcceptDialog is an absolute URL ({dialog}); the spec defines a path on this"
            " server, so peers that prepend the host will build a wrong link",
            "1.2.1",
        )
        if dialog.lower().startswith("http://"):
            yield _insecure("inviteAcceptDialog", dialog, doc)
    elif dialog and not dialog.startswith("/"):
        yield Finding(
            "relative-url",
            "warning",
            "inviteAcceptDialog",
            f"inviteAcceptDialog {dialog!r} is neither a path starting with '/' nor a URL",
            "1.2.1",
        )

    if doc.end_point and doc.end_point.endswith("/"):
        yield Finding(
            "trailing-slash",
            "warning",
            "endPoint",
            f"endPoint ends with '/': appending /shares gives {doc.end_point}/shares with a double"
            " slash, which some servers do not route",
            "1.1.0",
        )


def _insecure(name: str, value: str, doc: DiscoveryDocument) -> Finding:
    # Nextcloud refuses an http jwksUri unless the peer's own endPoint is http too.
    endpoint_https = bool(doc.end_point and doc.end_point.lower().startswith("https://"))
    if name == "jwksUri" and endpoint_https:
        return Finding(
            "insecure-url",
            "error",
            name,
            f"jwksUri uses http:// ({value}) while endPoint is https; Nextcloud refuses such keys",
            "draft-07",
        )
    return Finding(
        "insecure-url",
        "warning",
        name,
        f"{name} uses http:// ({value}); OCM requires https outside test setups",
        "1.4.0",
    )


def _protocol_urls(doc: DiscoveryDocument) -> Iterator[Finding]:
    for index, rt in enumerate(doc.resource_types):
        for entry in rt.protocols:
            if entry.protocol not in ("webdav", "webapp", "datatx"):
                continue
            if not isinstance(entry.value, str) or not entry.value:
                continue
            where = f"resourceTypes[{index}].protocols.{entry.key}"
            if entry.value.lower().startswith("http://"):
                yield _insecure(where, entry.value, doc)
            elif not entry.value.startswith("/") and not is_absolute_http_url(entry.value):
                yield Finding(
                    "relative-url",
                    "warning",
                    where,
                    f"{where} {entry.value!r} is neither a path starting with '/' (1.2 on) nor an"
                    " absolute URI (1.1)",
                    "1.2.0",
                )


def _capability_needs(doc: DiscoveryDocument) -> Iterator[Finding]:
    if doc.has_capability("exchange-token") and not doc.token_end_point:
        yield Finding(
            "exchange-token-without-endpoint",
            "error",
            "tokenEndPoint",
            "exchange-token is advertised without tokenEndPoint; receivers cannot exchange the"
            " share secret and strict shares from this server fail",
            "1.3.0",
        )
    if doc.token_end_point and not doc.has_capability("exchange-token"):
        yield Finding(
            "token-endpoint-without-capability",
            "info",
            "tokenEndPoint",
            "tokenEndPoint is published but exchange-token is not advertised; peers will not use"
            " the code flow",
            "1.3.0",
        )
    if doc.has_capability("http-sig") and not doc.jwks_uri:
        yield Finding(
            "http-sig-without-jwks",
            "warning",
            "jwksUri",
            "http-sig is advertised without jwksUri; draft -07 requires it, older verifiers fall"
            " back to /.well-known/jwks.json and Nextcloud logs the peer as non-conformant",
            "draft-07",
        )
    if doc.has_criterion("must-exchange-token") and not doc.has_capability("exchange-token"):
        yield Finding(
            "criteria-without-capability",
            "error",
            _criterion_field(doc, "must-exchange-token"),
            "must-exchange-token is required of senders, but this server does not advertise"
            " exchange-token itself",
            "1.4.0",
        )
    if doc.has_criterion("must-use-http-sig") and not doc.has_capability("http-sig"):
        yield Finding(
            "criteria-without-capability",
            "warning",
            _criterion_field(doc, "must-use-http-sig"),
            "must-use-http-sig rejects unsigned requests, but this server does not advertise"
            " http-sig; peers will not know it verifies RFC 9421 signatures",
            "1.4.0",
        )


def _criterion_field(doc: DiscoveryDocument, current: str) -> str:
    for mapping in doc.mappings:
        if mapping.kind == "criterion" and mapping.current == current:
            return mapping.field
    return f"criteria[{doc.criteria_given.index(current)}]"


def _names(doc: DiscoveryDocument) -> Iterator[Finding]:
    for mapping in doc.mappings:
        kind = "Capability" if mapping.kind == "capability" else "Criterion"
        code = "legacy-capability-name" if mapping.kind == "capability" else "legacy-criteria-name"
        if mapping.current is None:
            message = (
                f"{kind} {mapping.given!r} ({mapping.origin}) has no current equivalent;"
                " current peers ignore it"
            )
        else:
            message = (
                f"{kind} {mapping.given!r} ({mapping.origin}) is read as {mapping.current!r};"
                " peers that know only current names miss it"
            )
        yield Finding(code, "warning", mapping.field, message, "1.4.0")

    for index, name in enumerate(doc.capabilities_given):
        key = normalise_name(name)
        if key in LEGACY_CAPABILITIES or key in CURRENT_CAPABILITIES:
            continue
        note = NON_SPEC_CAPABILITIES.get(key, "no OCM version defines it; peers ignore it")
        yield Finding(
            "unknown-capability",
            "info",
            f"capabilities[{index}]",
            f"Capability {name!r} is unknown: {note}",
            "1.4.0",
        )
    for index, name in enumerate(doc.criteria_given):
        key = normalise_name(name)
        if key in LEGACY_CRITERIA or key in CURRENT_CRITERIA:
            continue
        yield Finding(
            "unknown-criterion",
            "warning",
            f"criteria[{index}]",
            f"Criterion {name!r} is unknown; senders cannot tell what this server demands of them",
            "1.4.0",
        )


def _keys(doc: DiscoveryDocument) -> Iterator[Finding]:
    host = _host_of(doc.origin)
    for key in doc.public_keys:
        if key.source == "publicKey":
            only = "" if doc.has_capability("http-sig") else "; it is this server's only key"
            yield Finding(
                "deprecated-public-key",
                "info",
                "publicKey",
                "publicKey is the draft-cavage key, deprecated in 1.3 and removed in 1.4; publish"
                f" keys through jwksUri{only}",
                "1.4.0",
            )
        else:
            yield Finding(
                "deprecated-public-key",
                "info",
                key.source,
                "publicKeys appeared only in the 1.2.2 spec.json and was superseded by JWKS",
                "1.3.0",
            )
        if key.id_field == "id":
            yield Finding(
                "legacy-key-id-field",
                "info",
                f"{key.source}.id",
                f"{key.source} names its key with 'id' (2024 draft); 1.2.x and later use 'keyId'",
                "1.2.0",
            )
        key_host = _key_id_host(key.key_id)
        if key_host and host and key_host != host:
            yield Finding(
                "key-id-host-mismatch",
                "warning",
                f"{key.source}.{key.id_field}",
                f"Key id host {key_host!r} is not this server's host {host!r}; draft-cavage"
                " verifiers require them to match (subfolder installs and proxies break this)",
                "1.2.0",
            )


def _host_of(url: str) -> str | None:
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:
        return None


# LIMITATION: only the host of a key id is compared, not the port or the path prefix that
# Nextcloud also checks for subfolder installs; those mismatches show up only when signing.
def _key_id_host(key_id: str | None) -> str | None:
    """The host in a key id: a URI (``https://host/ocm#signature``) or ``host#key1``."""
    if not key_id:
        return None
    if "://" in key_id:
        return _host_of(key_id)
    host = key_id.split("#", 1)[0].split("/", 1)[0]
    if host.startswith("["):
        return host[1 : host.find("]")].lower() if "]" in host else None
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower() or None


def _resource_types(doc: DiscoveryDocument) -> Iterator[Finding]:
    if isinstance(doc.raw.get("resourceTypes"), list) and not doc.raw["resourceTypes"]:
        yield Finding(
            "empty-resource-types",
            "warning",
            "resourceTypes",
            "resourceTypes is empty; peers cannot tell what this server can share",
            "1.1.0",
        )
    seen: dict[str, int] = {}
    for index, rt in enumerate(doc.resource_types):
        if rt.name and rt.name in seen:
            yield Finding(
                "duplicate-resource-type",
                "warning",
                f"resourceTypes[{index}].name",
                f"resourceTypes has a second {rt.name!r} entry (first at index {seen[rt.name]});"
                " there may be one per name, and peers pick one arbitrarily",
                "1.4.0",
            )
        seen.setdefault(rt.name or "", index)
        raw_item = doc.raw["resourceTypes"][index] if _raw_rt_ok(doc, index) else {}
        if isinstance(raw_item.get("shareTypes"), list) and "user" not in rt.share_types:
            yield Finding(
                "share-types-without-user",
                "warning",
                f"resourceTypes[{index}].shareTypes",
                f"shareTypes of {rt.name or 'this resource type'!r} lacks 'user', which every"
                " server must accept",
                "1.4.0",
            )

    first = doc.resource_types[0] if doc.resource_types else None
    if first and (first.name != "file" or first.protocol("webdav") is None):
        better = next(
            (
                i
                for i, rt in enumerate(doc.resource_types)
                if i and rt.name == "file" and rt.protocol("webdav")
            ),
            None,
        )
        if better is not None:
            yield Finding(
                "webdav-index0-not-file",
                "warning",
                "resourceTypes[0]",
                f"Receivers take the WebDAV root from resourceTypes[0] ({first.name!r}), but the"
                f" 'file' entry with webdav is at index {better}; put it first",
                "1.4.0",
            )


def _raw_rt_ok(doc: DiscoveryDocument, index: int) -> bool:
    items = doc.raw.get("resourceTypes")
    return isinstance(items, list) and index < len(items) and isinstance(items[index], dict)


def _unknown_keys(doc: DiscoveryDocument) -> Iterator[Finding]:
    for key in doc.unknown_keys:
        yield Finding(
            "unknown-field",
            "info",
            key,
            f"{key!r} is not defined by any OCM version; peers ignore it",
            "1.4.0",
        )


RULES: tuple[Rule, ...] = (
    _enabled,
    _api_version,
    _urls,
    _protocol_urls,
    _capability_needs,
    _names,
    _keys,
    _resource_types,
    _unknown_keys,
)


# --- Findings about the fetch ---------------------------------------------------------------


def legacy_path_finding(path: str) -> Finding:
    return Finding(
        "legacy-path",
        "warning",
        None,
        f"The document came only from the legacy path {path}; /.well-known/ocm (1.2 on) did not"
        " answer, and 1.4 peers look nowhere else",
        "1.2.0",
    )


def no_legacy_path_finding() -> Finding:
    return Finding(
        "no-legacy-path",
        "info",
        None,
        "Only /.well-known/ocm answers; Nextcloud 28-31 ask only /ocm-provider/ and will not find"
        " this server (1.2.x required both paths, 1.4 dropped the legacy one)",
        "1.2.0",
    )


def path_mismatch_finding(first: str, second: str, differing: list[str]) -> Finding:
    return Finding(
        "path-mismatch",
        "warning",
        differing[0] if len(differing) == 1 else None,
        f"{first} and {second} disagree on {', '.join(differing)}; peers using different paths"
        " see different servers",
        "1.2.0",
    )


def differing_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Top-level keys whose values differ (present in one document only counts)."""
    return [key for key in dict.fromkeys([*a, *b]) if a.get(key, _ABSENT) != b.get(key, _ABSENT)]


_ABSENT = object()


def insecure_transport_finding(url: str, why: str) -> Finding:
    return Finding(
        "insecure-url",
        "warning",
        None,
        f"The document was fetched over http:// ({url}): {why}; OCM requires https outside test"
        " setups",
        "1.4.0",
    )


def clock_skew_finding(skew_s: float) -> Finding | None:
    """A finding when the server's clock is more than a minute off this computer's."""
    if abs(skew_s) <= CLOCK_SKEW_LIMIT_S:
        return None
    direction = "ahead of" if skew_s > 0 else "behind"
    return Finding(
        "clock-skew",
        "warning",
        None,
        f"The server's Date is {abs(skew_s):.0f} s {direction} this computer's clock; beyond about"
        " a minute, signature 'created' checks and token 'exp' checks fail (check NTP on both)",
        "1.3.0",
    )


def redirected_finding(requested: str, final: str, hops: int) -> Finding:
    return Finding(
        "redirected",
        "info",
        None,
        f"{requested} redirects to {final} ({hops} hop{'s' if hops != 1 else ''}); peers must"
        " follow redirects to find this document",
        "1.2.0",
    )


def content_type_finding(url: str, content_type: str) -> Finding:
    return Finding(
        "content-type-not-json",
        "info",
        None,
        f"{url} is served as {content_type or 'no content type'}, not application/json; strict"
        " clients may refuse it",
        "1.1.0",
    )
