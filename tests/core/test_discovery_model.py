"""The tolerant discovery model: every shape in the notes reads, nothing raises."""

from __future__ import annotations

import pytest

from inspector.core.discovery_model import DiscoveryDocument

ORIGIN = "https://cloud.example.org"


def read(raw: dict) -> DiscoveryDocument:
    return DiscoveryDocument.from_json(raw, origin=ORIGIN)


def test_string_protocols_are_send_roles_resolved_against_the_endpoint_origin():
    doc = read(
        {
            "endPoint": "https://dav.example.org/ocm",
            "resourceTypes": [
                {"name": "file", "shareTypes": ["user"], "protocols": {"webdav": "/remote/dav/"}}
            ],
        }
    )
    entry = doc.resource_types[0].protocol("webdav")
    assert (entry.role, entry.protocol, entry.url) == (
        "send",
        "webdav",
        "https://dav.example.org/remote/dav/",
    )
    assert doc.webdav_root == "https://dav.example.org/remote/dav/"


def test_a_1_1_full_uri_protocol_is_kept_as_is():
    doc = read(
        {
            "resourceTypes": [
                {"name": "file", "protocols": {"webdav": "https://files.example.org/dav/ocm"}}
            ]
        }
    )
    assert doc.webdav_root == "https://files.example.org/dav/ocm"


def test_receive_keys_and_object_protocols_are_understood():
    doc = read(
        {
            "resourceTypes": [
                {
                    "name": "file",
                    "shareTypes": ["user"],
                    "protocols": {
                        "webdav": "/dav/",
                        "webdav-receive": {"uri": "relative"},
                        "webapp": {},
                        "webapp-receive": {"targets": ["iframe"]},
                        "ssh": "ssh.example.org:22",
                    },
                }
            ]
        }
    )
    rt = doc.resource_types[0]
    assert rt.sends == {"webdav", "webapp", "ssh"}
    assert rt.receives == {"webdav", "webapp"}
    assert rt.protocol("webapp-receive").value == {"targets": ["iframe"]}
    assert rt.protocol("ssh").url is None


def test_a_relative_invite_dialog_is_resolved_against_the_origin():
    doc = read({"inviteAcceptDialog": "/index.php/apps/sciencemesh/accept"})
    assert (
        doc.invite_accept_dialog_url
        == "https://cloud.example.org/index.php/apps/sciencemesh/accept"
    )


def test_public_key_and_public_keys_are_both_collected():
    doc = read(
        {
            "publicKey": {"keyId": "https://cloud.example.org/ocm#signature", "publicKeyPem": "A"},
            "publicKeys": [
                {"keyId": "cloud.example.org#k2", "publicKeyPem": "B", "algorithm": "ed25519"}
            ],
        }
    )
    assert [(k.source, k.key_id, k.algorithm) for k in doc.public_keys] == [
        ("publicKey", "https://cloud.example.org/ocm#signature", None),
        ("publicKeys[0]", "cloud.example.org#k2", "ed25519"),
    ]
    assert doc.publishes_keys


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"enabled": "true", "apiVersion": 1.4, "endPoint": ["x"], "resourceTypes": "file"},
        {"resourceTypes": [None, 3, {"protocols": "webdav"}], "capabilities": [1, None, "invites"]},
        {"publicKey": "PEM", "publicKeys": {"keyId": "x"}, "criteria": {"a": 1}},
    ],
)
def test_wrong_types_read_as_absent_and_never_raise(raw):
    doc = read(raw)
    assert doc.raw is raw
    assert doc.end_point is None or isinstance(doc.end_point, str)
    assert all(isinstance(c, str) for c in doc.capabilities)
    doc.summary()


def test_summary_uses_current_names_and_the_resolved_invite_dialog():
    doc = read(
        {
            "apiVersion": "1.0-proposal1",
            "version": "1.1.2",
            "capabilities": ["/invite-accepted", "exchange-token"],
            "criteria": ["http-request-signatures"],
            "inviteAcceptDialog": "/accept",
        }
    )
    summary = doc.summary()
    assert summary["capabilities"] == ["invites", "exchange-token"]
    assert summary["criteria"] == ["must-use-http-sig"]
    assert summary["invite_accept_dialog"] == "https://cloud.example.org/accept"
    assert (summary["api_version"], summary["version"]) == ("1.0-proposal1", "1.1.2")


def test_each_mapping_names_the_field_it_came_from():
    doc = read({"capabilities": ["notifications", "/invite-accepted"], "criteria": ["code"]})
    assert [m.to_dict()["field"] for m in doc.mappings] == ["capabilities[1]", "criteria[0]"]
