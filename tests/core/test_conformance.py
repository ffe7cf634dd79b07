"""Conformance rules over hand-written discovery documents (shapes from docs/ocm-protocol.md)."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.conformance import check_document, clock_skew_finding, differing_keys
from inspector.core.discovery_model import KNOWN_KEYS, DiscoveryDocument
from inspector.core.discovery_schema import discovery_schema
from inspector.core.findings import Finding
from inspector.core.serialise import to_jsonable

ORIGIN = "https://cloud.example.org"

# The 1.4 / -07 example of the protocol notes (§2.6).
SPEC_14 = {
    "enabled": True,
    "apiVersion": "1.4.0",
    "endPoint": "https://cloud.example.org/ocm",
    "provider": "MyCloudStorage",
    "resourceTypes": [
        {
            "name": "file",
            "shareTypes": ["user"],
            "protocols": {"webdav": "/remote/dav/ocm/", "webdav-receive": {"uri": "absolute"}},
        }
    ],
    "capabilities": ["exchange-token", "http-sig", "invites", "notifications", "protocol-object"],
    "criteria": ["must-use-http-sig", "must-exchange-token"],
    "tokenEndPoint": "https://cloud.example.org/ocm/token",
    "inviteAcceptDialog": "/index.php/apps/sciencemesh/accept",
    "jwksUri": "https://cloud.example.org/ocm/jwks",
}

# The 1.1 era legacy document (§2.6).
SPEC_11 = {
    "enabled": True,
    "apiVersion": "1.1.0",
    "endPoint": "https://my-cloud-storage.org/ocm",
    "provider": "MyCloudStorage",
    "resourceTypes": [
        {
            "name": "file",
            "shareTypes": ["user", "group"],
            "protocols": {"webdav": "https://my-cloud-storage.org/remote.php/dav/ocm"},
        }
    ],
    "capabilities": ["/invite-accepted"],
}

# Nextcloud's shape (ocm-implementations.md §1.2).
NEXTCLOUD = {
    "enabled": True,
    "apiVersion": "1.0-proposal1",
    "version": "1.1.2",
    "endPoint": "https://cloud.example.org/ocm",
    "publicKey": {
        "keyId": "https://cloud.example.org/ocm#signature",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIB...\n-----END PUBLIC KEY-----\n",
    },
    "provider": "Nextcloud 32.0.1",
    "resourceTypes": [
        {
            "name": "file",
            "shareTypes": ["user", "group"],
            "protocols": {"webdav": "/public.php/webdav/"},
        }
    ],
    "capabilities": ["invite-accepted", "notifications", "shares", "exchange-token", "http-sig"],
    "tokenEndPoint": "https://cloud.example.org/index.php/apps/cloud_federation_api/api/v1/access-token",
    "inviteAcceptDialog": "https://cloud.example.org/index.php/apps/contacts/ocm-invites/accept",
}

# reva (CERNBox) with webapp and embedded protocols (ocm-implementations.md §2.1).
REVA = {
    "enabled": True,
    "apiVersion": "1.3.0",
    "endPoint": "https://cloud.example.org/ocm",
    "provider": "reva",
    "resourceTypes": [
        {
            "name": "file",
            "shareTypes": ["user"],
            "protocols": {
                "webdav": "/remote.php/dav/ocm",
                "webdav-receive": {"uri": "absolute"},
                "webapp": {},
                "webapp-receive": {"targets": ["blank"]},
            },
        },
        {
            "name": "folder",
            "shareTypes": ["user"],
            "protocols": {"webdav": "/remote.php/dav/ocm", "webdav-receive": {"uri": "absolute"}},
        },
        {"name": "ro-crate", "shareTypes": ["user"], "protocols": {"embedded-receive": {}}},
    ],
    "capabilities": ["invites", "protocol-object", "invite-wayf", "exchange-token"],
    "criteria": ["must-invite"],
    "inviteAcceptDialog": "/open-cloud-mesh/accept-invite",
    "tokenEndPoint": "https://cloud.example.org/ocm/token",
}

# ownCloud oCIS (ocm-implementations.md §3).
OCIS = {
    "enabled": True,
    "apiVersion": "1.1.0",
    "endPoint": "https://cloud.example.org/ocm",
    "provider": "oCIS",
    "resourceTypes": [
        {"name": "file", "shareTypes": ["user"], "protocols": {"webdav": "/dav/ocm"}}
    ],
    "capabilities": ["/invite-accepted"],
}

SCHEMA_CODES = {"missing-field", "wrong-type", "schema-violation"}


def findings_of(raw: dict) -> list[Finding]:
    return check_document(DiscoveryDocument.from_json(raw, origin=ORIGIN))


def codes(raw: dict) -> set[str]:
    return {f.code for f in findings_of(raw)}


def only(raw: dict, code: str) -> Finding:
    matching = [f for f in findings_of(raw) if f.code == code]
    assert len(matching) == 1, f"expected one {code}, got {findings_of(raw)}"
    return matching[0]


def changed(base: dict, **changes) -> dict:
    doc = copy.deepcopy(base)
    for key, value in changes.items():
        if value is _DROP:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


_DROP = object()


# --- The schema ------------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = discovery_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["required"]) == {"enabled", "apiVersion", "endPoint", "resourceTypes"}


@pytest.mark.parametrize(
    "raw",
    [SPEC_14, SPEC_11, NEXTCLOUD, REVA, OCIS],
    ids=["1.4", "1.1", "nextcloud", "reva", "ocis"],
)
def test_every_documented_shape_passes_the_schema(raw):
    assert not codes(raw) & SCHEMA_CODES


def test_the_1_4_example_has_no_findings_at_all():
    assert findings_of(SPEC_14) == []


def test_nextcloud_null_public_key_is_accepted_as_signing_switched_off():
    doc = DiscoveryDocument.from_json(changed(NEXTCLOUD, publicKey=None), origin=ORIGIN)
    assert doc.public_key_null and doc.public_keys == []
    assert not {f.code for f in check_document(doc)} & SCHEMA_CODES


# --- missing-field, wrong-type, schema-violation --------------------------------------------


@pytest.mark.parametrize("name", ["enabled", "apiVersion", "endPoint", "resourceTypes"])
def test_a_missing_required_field_is_an_error(name):
    finding = only(changed(SPEC_14, **{name: _DROP}), "missing-field")
    assert (finding.severity, finding.field) == ("error", name)


def test_a_resource_type_without_protocols_is_a_missing_field_error():
    raw = changed(SPEC_14, resourceTypes=[{"name": "file", "shareTypes": ["user"]}])
    finding = only(raw, "missing-field")
    assert (finding.severity, finding.field) == ("error", "resourceTypes[0].protocols")


def test_a_required_field_of_the_wrong_type_is_an_error():
    finding = only(changed(SPEC_14, enabled="yes"), "wrong-type")
    assert (finding.severity, finding.field) == ("error", "enabled")
    assert "string" in finding.message and "boolean" in finding.message


def test_an_optional_field_of_the_wrong_type_is_a_warning():
    finding = only(changed(SPEC_14, capabilities="invites"), "wrong-type")
    assert (finding.severity, finding.field) == ("warning", "capabilities")


def test_a_public_key_without_pem_is_reported_inside_the_object():
    finding = only(changed(SPEC_14, publicKey={"keyId": "cloud.example.org#k"}), "missing-field")
    assert (finding.severity, finding.field) == ("warning", "publicKey.publicKeyPem")


def test_a_receive_key_with_an_unknown_uri_form_is_a_schema_violation():
    raw = copy.deepcopy(SPEC_14)
    raw["resourceTypes"][0]["protocols"]["webdav-receive"] = {"uri": "both"}
    finding = only(raw, "schema-violation")
    assert finding.severity == "warning"
    assert finding.field == "resourceTypes[0].protocols.webdav-receive.uri"


def test_each_missing_field_is_reported_once():
    raw = changed(SPEC_14, publicKeys=[{"algorithm": "ed25519"}])
    fields = [f.field for f in findings_of(raw) if f.code == "missing-field"]
    assert sorted(fields) == ["publicKeys[0].keyId", "publicKeys[0].publicKeyPem"]


# --- Versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1.0-proposal1", "1.1", "v1.4.0", "latest"])
def test_an_api_version_that_is_not_semver_is_a_warning(value):
    finding = only(changed(SPEC_14, apiVersion=value), "api-version-not-semver")
    assert finding.severity == "warning" and value in finding.message


@pytest.mark.parametrize("value", ["1.4.0", "1.3.0-rc.1", "2.0.0+build.5"])
def test_a_semver_api_version_is_accepted(value):
    assert "api-version-not-semver" not in codes(changed(SPEC_14, apiVersion=value))


def test_nextcloud_version_key_is_reported_and_named_in_the_api_version_warning():
    assert only(NEXTCLOUD, "nextcloud-version-field").severity == "info"
    assert "1.1.2" in only(NEXTCLOUD, "api-version-not-semver").message


def test_ocm_switched_off_is_an_error():
    assert only(changed(SPEC_14, enabled=False), "ocm-disabled").severity == "error"


# --- Capabilities need fields ----------------------------------------------------------------


def test_exchange_token_without_token_endpoint_is_an_error():
    finding = only(changed(SPEC_14, tokenEndPoint=_DROP), "exchange-token-without-endpoint")
    assert (finding.severity, finding.field) == ("error", "tokenEndPoint")


def test_the_legacy_receive_code_capability_also_needs_a_token_endpoint():
    raw = changed(SPEC_14, tokenEndPoint=_DROP, capabilities=["receive-code"], criteria=[])
    assert "exchange-token-without-endpoint" in codes(raw)


def test_a_token_endpoint_without_the_capability_is_noted():
    raw = changed(SPEC_14, capabilities=["invites"], criteria=[])
    assert only(raw, "token-endpoint-without-capability").severity == "info"


def test_http_sig_without_jwks_uri_is_a_warning():
    finding = only(changed(SPEC_14, jwksUri=_DROP), "http-sig-without-jwks")
    assert (finding.severity, finding.field, finding.spec_version) == (
        "warning",
        "jwksUri",
        "draft-07",
    )


def test_must_exchange_token_criterion_without_the_capability_is_an_error():
    raw = changed(SPEC_14, capabilities=["http-sig"], tokenEndPoint=_DROP)
    finding = only(raw, "criteria-without-capability")
    assert (finding.severity, finding.field) == ("error", "criteria[1]")


def test_must_use_http_sig_criterion_without_the_capability_is_a_warning():
    raw = changed(SPEC_14, capabilities=["exchange-token"], jwksUri=_DROP)
    assert only(raw, "criteria-without-capability").severity == "warning"


# --- Legacy and unknown names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "current"),
    [
        ("/invite-accepted", "invites"),
        ("invite-accepted", "invites"),
        ("/notifications", "notifications"),
        ("receive-code", "exchange-token"),
        ("token-exchange", "exchange-token"),
        ("Invites", "invites"),
    ],
)
def test_a_legacy_capability_name_is_mapped_and_reported(given, current):
    raw = changed(SPEC_14, capabilities=[given], criteria=[], tokenEndPoint=_DROP, jwksUri=_DROP)
    doc = DiscoveryDocument.from_json(raw, origin=ORIGIN)
    assert doc.capabilities == [current]
    finding = only(raw, "legacy-capability-name")
    assert (finding.severity, finding.field) == ("warning", "capabilities[0]")
    assert given in finding.message and current in finding.message


def test_a_legacy_capability_without_successor_is_reported_and_dropped():
    raw = changed(SPEC_14, capabilities=["/mfa-capable"], criteria=[], jwksUri=_DROP)
    doc = DiscoveryDocument.from_json(raw, origin=ORIGIN)
    assert doc.capabilities == []
    assert "no current equivalent" in only(raw, "legacy-capability-name").message


@pytest.mark.parametrize(
    ("given", "current"),
    [
        ("http-request-signatures", "must-use-http-sig"),
        ("code", "must-exchange-token"),
        ("token-exchange", "must-exchange-token"),
        ("invite", "must-invite"),
    ],
)
def test_a_legacy_criteria_name_is_mapped_and_reported(given, current):
    raw = changed(SPEC_14, criteria=[given])
    doc = DiscoveryDocument.from_json(raw, origin=ORIGIN)
    assert doc.criteria == [current]
    assert [(m.given, m.current) for m in doc.mappings] == [(given, current)]
    finding = only(raw, "legacy-criteria-name")
    assert (finding.severity, finding.field) == ("warning", "criteria[0]")


def test_a_legacy_and_a_current_name_for_the_same_thing_count_once():
    doc = DiscoveryDocument.from_json(
        changed(SPEC_14, capabilities=["invites", "/invite-accepted"]), origin=ORIGIN
    )
    assert doc.capabilities == ["invites"]


def test_an_unknown_capability_is_noted_with_nextcloud_names_explained():
    finding = only(NEXTCLOUD, "unknown-capability")
    assert (finding.severity, finding.field) == ("info", "capabilities[2]")
    assert "Nextcloud" in finding.message


def test_an_unknown_criterion_is_a_warning():
    finding = only(changed(SPEC_14, criteria=["must-be-nice"]), "unknown-criterion")
    assert finding.severity == "warning"


# --- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("endPoint", "/ocm"), ("tokenEndPoint", "/ocm/token"), ("jwksUri", "ocm/jwks")],
)
def test_a_relative_url_where_an_absolute_one_is_needed_is_an_error(name, value):
    finding = only(changed(SPEC_14, **{name: value}), "relative-url")
    assert (finding.severity, finding.field) == ("error", name)


def test_a_webdav_root_that_is_neither_path_nor_uri_is_a_warning():
    raw = copy.deepcopy(SPEC_14)
    raw["resourceTypes"][0]["protocols"]["webdav"] = "remote/dav/ocm"
    finding = only(raw, "relative-url")
    assert (finding.severity, finding.field) == ("warning", "resourceTypes[0].protocols.webdav")


@pytest.mark.parametrize("name", ["endPoint", "tokenEndPoint", "inviteAcceptDialog"], ids=str)
def test_an_http_url_is_an_insecure_url_warning(name):
    raw = changed(SPEC_14, **{name: SPEC_14[name].replace("https://", "http://")})
    if name == "inviteAcceptDialog":
        raw[name] = "http://cloud.example.org/accept"
    finding = only(raw, "insecure-url")
    assert (finding.severity, finding.field) == ("warning", name)


def test_an_http_jwks_uri_next_to_an_https_endpoint_is_an_error():
    raw = changed(SPEC_14, jwksUri="http://cloud.example.org/ocm/jwks")
    assert only(raw, "insecure-url").severity == "error"


def test_a_1_1_webdav_uri_over_http_is_an_insecure_url():
    raw = copy.deepcopy(SPEC_11)
    raw["resourceTypes"][0]["protocols"]["webdav"] = "http://my-cloud-storage.org/dav"
    assert only(raw, "insecure-url").field == "resourceTypes[0].protocols.webdav"


def test_an_endpoint_with_a_trailing_slash_is_a_warning():
    finding = only(changed(SPEC_14, endPoint="https://cloud.example.org/ocm/"), "trailing-slash")
    assert "ocm//shares" in finding.message


def test_an_absolute_invite_dialog_is_noted_and_kept():
    doc = DiscoveryDocument.from_json(NEXTCLOUD, origin=ORIGIN)
    assert doc.invite_accept_dialog_url == NEXTCLOUD["inviteAcceptDialog"]
    assert only(NEXTCLOUD, "invite-dialog-absolute").severity == "info"


# --- Keys ----------------------------------------------------------------------------------


def test_a_draft_cavage_public_key_is_deprecated():
    finding = only(NEXTCLOUD, "deprecated-public-key")
    assert (finding.severity, finding.field) == ("info", "publicKey")


def test_public_keys_array_is_deprecated_too():
    raw = changed(SPEC_14, publicKeys=[{"keyId": "cloud.example.org#k1", "publicKeyPem": "x"}])
    assert only(raw, "deprecated-public-key").field == "publicKeys[0]"


def test_a_public_key_named_with_id_is_read_and_noted():
    raw = changed(SPEC_14, publicKey={"id": "cloud.example.org#k", "publicKeyPem": "PEM"})
    doc = DiscoveryDocument.from_json(raw, origin=ORIGIN)
    assert doc.public_keys[0].key_id == "cloud.example.org#k"
    assert only(raw, "legacy-key-id-field").field == "publicKey.id"


@pytest.mark.parametrize(
    "key_id", ["https://other.example.org/ocm#signature", "other.example.org#key1"]
)
def test_a_key_id_on_another_host_is_a_warning(key_id):
    raw = changed(NEXTCLOUD, publicKey={"keyId": key_id, "publicKeyPem": "PEM"})
    assert only(raw, "key-id-host-mismatch").severity == "warning"


# --- Resource types --------------------------------------------------------------------------


def test_resource_types_without_user_share_type_is_a_warning():
    raw = copy.deepcopy(SPEC_14)
    raw["resourceTypes"][0]["shareTypes"] = ["group"]
    assert only(raw, "share-types-without-user").field == "resourceTypes[0].shareTypes"


def test_two_entries_for_one_resource_type_is_a_warning():
    raw = copy.deepcopy(SPEC_14)
    raw["resourceTypes"].append(copy.deepcopy(raw["resourceTypes"][0]))
    assert only(raw, "duplicate-resource-type").field == "resourceTypes[1].name"


def test_an_empty_resource_type_list_is_a_warning():
    assert only(changed(SPEC_14, resourceTypes=[]), "empty-resource-types").severity == "warning"


def test_webdav_root_not_at_index_0_is_a_warning():
    raw = copy.deepcopy(REVA)
    raw["resourceTypes"].insert(0, raw["resourceTypes"].pop())
    assert only(raw, "webdav-index0-not-file").field == "resourceTypes[0]"


def test_unknown_top_level_keys_are_kept_and_noted():
    raw = changed(SPEC_14, federationHints={"x": 1})
    doc = DiscoveryDocument.from_json(raw, origin=ORIGIN)
    assert doc.unknown_keys == ["federationHints"] and doc.raw["federationHints"] == {"x": 1}
    assert only(raw, "unknown-field").severity == "info"


# --- Findings about the fetch -----------------------------------------------------------------


def test_clock_skew_is_reported_only_beyond_a_minute():
    assert clock_skew_finding(60.0) is None
    assert clock_skew_finding(-59.0) is None
    ahead = clock_skew_finding(600.0)
    assert ahead is not None and ahead.code == "clock-skew" and "ahead" in ahead.message
    behind = clock_skew_finding(-61.0)
    assert behind is not None and "behind" in behind.message


def test_differing_keys_lists_changed_and_one_sided_keys():
    a = {"apiVersion": "1.4.0", "provider": "x", "criteria": []}
    b = {"apiVersion": "1.1.0", "provider": "x", "version": "1"}
    assert differing_keys(a, b) == ["apiVersion", "criteria", "version"]


def test_findings_are_sorted_errors_first():
    raw = changed(NEXTCLOUD, endPoint=_DROP)
    severities = [f.severity for f in findings_of(raw)]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_a_finding_serialises_with_its_spec_version():
    finding = only(changed(SPEC_14, enabled=False), "ocm-disabled")
    assert finding.to_dict() == {
        "severity": "error",
        "code": "ocm-disabled",
        "field": "enabled",
        "message": finding.message,
        "spec_version": "1.1.0",
    }


# --- Robustness ----------------------------------------------------------------------------

# Broken URLs (an unclosed IPv6 literal, an out-of-range port) once crashed the URL rules.
_URLISH = st.sampled_from(
    [
        "http://[::1",
        "https://[x",
        "//",
        "/relative",
        "https://h:99999/",
        "javascript:x",
        "ht tp://a",
    ]
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | _URLISH,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["name", "shareTypes", "protocols", "webdav", "keyId", "publicKeyPem"])
            | st.text(max_size=8),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)
_FIELDS = st.sampled_from(sorted(KNOWN_KEYS))


@pytest.mark.parametrize("value", ["http://[::1", "https://[x", "https://h:99999/", "ht tp://a"])
@pytest.mark.parametrize("name", ["endPoint", "tokenEndPoint", "jwksUri", "inviteAcceptDialog"])
def test_a_broken_url_in_any_url_field_is_judged_not_raised(name, value):
    raw = changed(SPEC_14, **{name: value})
    assert findings_of(raw)
    to_jsonable(DiscoveryDocument.from_json(raw, origin=ORIGIN))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_FIELDS | st.text(max_size=8), _JSON, max_size=8))
def test_any_json_object_is_judged_without_raising(raw):
    doc = DiscoveryDocument.from_json(raw, origin=ORIGIN)
    for item in check_document(doc):
        assert item.severity in ("error", "warning", "info") and item.message
        assert "\n" not in item.message
    to_jsonable(doc)


def test_remembered_schema_findings_belong_to_their_own_document():
    first = only(changed(SPEC_14, enabled="yes"), "wrong-type")
    second = only(changed(SPEC_14, enabled=1), "wrong-type")
    assert "string" in first.message and "number" in second.message
    assert "wrong-type" not in codes(SPEC_14)
