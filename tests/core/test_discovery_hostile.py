"""A hostile or broken discovery document is judged, never crashes the inspector."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.core.conformance import check_document, schema_findings
from inspector.core.discovery_model import KNOWN_KEYS, DiscoveryDocument
from inspector.core.serialise import to_jsonable

FIELDS = sorted(KNOWN_KEYS)
URLISH = st.sampled_from(
    [
        "http://[::1",
        "https://[x",
        "//",
        "/relative",
        "https://h:99999/",
        "javascript:x",
        "",
        "ht tp://a",
    ]
)
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | URLISH
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["name", "shareTypes", "protocols", "webdav", "keyId", "id", "publicKeyPem", "uri"]
            )
            | st.text(max_size=8),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
documents = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), values, max_size=10)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_json_object_is_judged_without_crashing(data):
    doc = DiscoveryDocument.from_json(data, origin="https://cloud.example.org")
    findings = check_document(doc) + schema_findings(data)
    for finding in findings:
        assert finding.code and finding.message and "\n" not in finding.message
    to_jsonable(doc.summary())
    to_jsonable(doc)
