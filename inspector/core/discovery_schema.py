"""Our JSON Schema for discovery documents, and its failures as findings.

The schema (``resources/ocm-discovery.schema.json``, shipped as ``inspector.resources``) accepts
every shape some OCM version defined. A failure is a warning, except for the fields every version
requires (the four top-level ones and each ``resourceTypes`` item's), which are errors: a peer
cannot use a document without them.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from inspector.core.findings import Finding, Severity

SCHEMA_RESOURCE = "ocm-discovery.schema.json"
REQUIRED_FIELDS = ("enabled", "apiVersion", "endPoint", "resourceTypes")


@functools.cache
def discovery_schema() -> dict[str, Any]:
    """Our JSON Schema for discovery documents, shipped as ``inspector.resources``."""
    text = (
        importlib.resources.files("inspector.resources")
        .joinpath(SCHEMA_RESOURCE)
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = discovery_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_findings(raw: dict[str, Any]) -> list[Finding]:
    """Schema failures as findings: ``missing-field``, ``wrong-type`` or ``schema-violation``."""
    try:
        canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return _validate(raw)
    return list(_validate_canonical(canonical))


# Validation costs a few tenths of a millisecond, as much as a loopback request, and the same
# server keeps sending the same document (refresh, "check all"); the findings depend on the
# document alone, so they are remembered by its canonical text.
@functools.lru_cache(maxsize=256)
def _validate_canonical(canonical: str) -> tuple[Finding, ...]:
    return tuple(_validate(json.loads(canonical)))


def clear_cache() -> None:
    """Forget the remembered findings (a benchmark uses it to time a first check)."""
    _validate_canonical.cache_clear()


def _validate(raw: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    errors = sorted(_validator().iter_errors(raw), key=lambda e: _path(e.absolute_path))
    for error in errors:
        findings.extend(_from_schema_error(error))
    # jsonschema reports each missing property of an object as its own error, and each of those
    # lists all of them; keep one finding per field.
    unique = {(f.code, f.field): f for f in findings}
    return list(unique.values())


def _from_schema_error(error: ValidationError) -> Iterator[Finding]:
    path = list(error.absolute_path)
    where = _path(path)
    severity: Severity = "error" if _is_required_path(path) else "warning"

    if error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for name in error.validator_value:
            if name not in present:
                field = _path([*path, name])
                yield Finding(
                    "missing-field",
                    "error" if _is_required_path([*path, name]) else "warning",
                    field,
                    f"{field} is missing; {_why_required(path, name)}",
                    "1.1.0",
                )
        return

    if error.validator == "anyOf" and error.context:
        if all(sub.validator == "required" for sub in error.context):
            names = " or ".join(str(sub.validator_value[0]) for sub in error.context)
            yield Finding(
                "missing-field",
                "warning",
                where,
                f"{where} has no {names}; a verifier cannot tell which key this is",
                "1.2.0",
            )
            return
        inside = [sub for sub in error.context if sub.validator != "type"]
        if isinstance(error.instance, dict) and inside:
            # The object branch is the one meant (the others are "or null"); report what is
            # wrong inside it.
            for sub in inside:
                yield from _from_schema_error(sub)
            return

    if error.validator in ("type", "anyOf"):
        expected = _expected_types(error)
        yield Finding(
            "wrong-type",
            severity,
            where,
            f"{where} is {_json_type(error.instance)}, expected {expected}",
            "1.1.0",
        )
        return

    if error.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in error.validator_value)
        message = f"{where} is {json.dumps(error.instance)}; allowed values are {allowed}"
    elif error.validator == "minLength":
        message = f"{where} is an empty string"
    else:
        message = f"{where}: {error.message}"
    yield Finding("schema-violation", severity, where, message, "1.4.0")


def _is_required_path(path: list[Any]) -> bool:
    """Fields every version requires: the four top-level ones and each resourceTypes item's."""
    if len(path) == 1:
        return path[0] in REQUIRED_FIELDS
    if path[:1] == ["resourceTypes"] and len(path) == 2:
        return True
    return path[:1] == ["resourceTypes"] and len(path) == 3 and path[2] in _RT_REQUIRED


_RT_REQUIRED = ("name", "shareTypes", "protocols")


def _why_required(parent: list[Any], name: str) -> str:
    if not parent:
        return "every OCM version requires it and peers reject the document without it"
    if parent[:1] == ["resourceTypes"]:
        return "each resourceTypes item needs name, shareTypes and protocols"
    return "this object needs it to be usable"


def _expected_types(error: ValidationError) -> str:
    if error.validator == "type":
        value = error.validator_value
        return " or ".join(value) if isinstance(value, list) else str(value)
    kinds = []
    for branch in error.validator_value:
        if "$ref" in branch:
            kinds.append("object")
        elif "type" in branch:
            kinds.append(str(branch["type"]))
    return " or ".join(dict.fromkeys(kinds)) or "another shape"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
