"""Checks on the bodies of ``POST /shares`` and ``POST /notifications``.

Each check returns ``validationErrors`` entries in the spec's shape,
``{"name": "<field>", "message": "REQUIRED" | "INVALID" | "NOT_FOUND"}``; an empty list means the
body is acceptable.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

SHARE_TYPES = ("user", "group", "federation")
NOTIFICATION_TYPES = (
    "SHARE_ACCEPTED",
    "SHARE_DECLINED",
    "SHARE_UNSHARED",
    "REQUEST_RESHARE",
    "RESHARE_UNDO",
    "RESHARE_CHANGE_PERMISSION",
    "USER_REMOVED",
)
_WEBDAV_PERMISSIONS = ("read", "write", "share")
_REQUIREMENTS = ("must-exchange-token", "must-use-mfa")
_PROTOCOL_OBJECTS = ("webdav", "webapp", "ssh")

Errors = list[dict[str, str]]


def _error(name: str, message: str) -> dict[str, str]:
    return {"name": name, "message": message}


def _required_strings(body: dict[str, Any], names: Collection[str]) -> Errors:
    errors = []
    for name in names:
        value = body.get(name)
        if value is None or value == "":
            errors.append(_error(name, "REQUIRED"))
        elif not isinstance(value, str):
            errors.append(_error(name, "INVALID"))
    return errors


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and "@" in value and all(value.rpartition("@")[::2])


def validate_share_v14(
    body: dict[str, Any], *, local_authorities: Collection[str], require_exchange: bool
) -> Errors:
    """A 1.4 share: every required field, OCM addresses, and per-protocol objects.

    ``local_authorities`` are the host[:port] spellings that name this server in ``shareWith``.
    ``require_exchange`` enforces the peer's own ``must-exchange-token`` criterion.
    """
    required = (
        "shareWith",
        "name",
        "providerId",
        "owner",
        "sender",
        "shareType",
        "resourceType",
    )
    errors = _required_strings(body, required)
    failed = {e["name"] for e in errors}

    for name in ("shareWith", "owner", "sender"):
        if name not in failed and not _is_address(body[name]):
            errors.append(_error(name, "INVALID"))
            failed.add(name)
    if "shareWith" not in failed:
        authority = body["shareWith"].rpartition("@")[2].lower()
        if authority not in {a.lower() for a in local_authorities}:
            errors.append(_error("shareWith", "NOT_FOUND"))
    if "shareType" not in failed and body["shareType"] not in SHARE_TYPES:
        errors.append(_error("shareType", "INVALID"))
    expiration = body.get("expiration")
    if expiration is not None and (not isinstance(expiration, int) or isinstance(expiration, bool)):
        errors.append(_error("expiration", "INVALID"))

    errors.extend(_protocol_v14(body.get("protocol"), require_exchange))
    return errors


def _protocol_v14(protocol: Any, require_exchange: bool) -> Errors:
    if protocol is None:
        return [_error("protocol", "REQUIRED")]
    if not isinstance(protocol, dict):
        return [_error("protocol", "INVALID")]
    present = [name for name in _PROTOCOL_OBJECTS if name in protocol]
    if not present:
        # Only the deprecated name+options form, or nothing usable at all.
        return [_error("protocol", "INVALID")]

    errors = []
    for name in present:
        details = protocol[name]
        prefix = f"protocol.{name}"
        if not isinstance(details, dict):
            errors.append(_error(prefix, "INVALID"))
            continue
        if name in ("webdav", "webapp"):
            errors.extend(_required_strings_prefixed(details, ("uri", "sharedSecret"), prefix))
        if name == "webdav":
            permissions = details.get("permissions", [])
            if not isinstance(permissions, list) or not set(permissions) <= set(
                _WEBDAV_PERMISSIONS
            ):
                errors.append(_error(f"{prefix}.permissions", "INVALID"))
        requirements = details.get("requirements", [])
        if not isinstance(requirements, list) or not set(requirements) <= set(_REQUIREMENTS):
            errors.append(_error(f"{prefix}.requirements", "INVALID"))
        elif require_exchange and "must-exchange-token" not in requirements:
            errors.append(_error(f"{prefix}.requirements", "REQUIRED"))
    return errors


def _required_strings_prefixed(details: dict[str, Any], names: Collection[str], prefix: str):
    return [
        _error(f"{prefix}.{e['name']}", e["message"]) for e in _required_strings(details, names)
    ]


def validate_share_v11(body: dict[str, Any]) -> Errors:
    """A 1.0/1.1 share: required strings and the ``name`` + ``options`` protocol."""
    required = ("shareWith", "name", "providerId", "owner", "sender", "shareType", "resourceType")
    errors = _required_strings(body, required)
    protocol = body.get("protocol")
    if protocol is None:
        errors.append(_error("protocol", "REQUIRED"))
    elif not isinstance(protocol, dict) or not isinstance(protocol.get("name"), str):
        errors.append(_error("protocol", "INVALID"))
    elif "options" in protocol and not isinstance(protocol["options"], dict):
        errors.append(_error("protocol.options", "INVALID"))
    return errors


def validate_notification(body: dict[str, Any], *, require_resource_type: bool) -> Errors:
    """``notificationType`` (a known type) and ``providerId``; ``resourceType`` when required."""
    names = ["notificationType", "providerId"]
    if require_resource_type:
        names.append("resourceType")
    errors = _required_strings(body, names)
    kind = body.get("notificationType")
    if isinstance(kind, str) and kind and kind not in NOTIFICATION_TYPES:
        errors.append(_error("notificationType", "INVALID"))
    notification = body.get("notification")
    if notification is not None and not isinstance(notification, dict):
        errors.append(_error("notification", "INVALID"))
    return errors
