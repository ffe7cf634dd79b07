"""Taking a token apart without trusting it: segments, header, claims, kinds and refusals."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.errors import TokenError
from inspector.core.jose import MAX_TOKEN_BYTES, decode_token, inspect_token


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(header: dict | str, claims: dict | str, signature: bytes = b"sig") -> str:
    h = header if isinstance(header, str) else json.dumps(header)
    c = claims if isinstance(claims, str) else json.dumps(claims)
    return f"{b64(h)}.{b64(c)}.{b64(signature)}"


TOKEN = unsigned({"alg": "ES256", "kid": "k1", "typ": "at+jwt"}, {"iss": "https://a.example"})
ES256 = b64('{"alg":"ES256"}')
EMPTY = b64("{}")


def test_three_segments_decode_to_header_claims_and_signature():
    token = decode_token(TOKEN)

    assert token.kind == "jwt"
    assert token.header == {"alg": "ES256", "kid": "k1", "typ": "at+jwt"}
    assert token.claims == {"iss": "https://a.example"}
    assert token.signature == b"sig"
    assert token.signing_input == TOKEN.rsplit(".", 1)[0].encode()


def test_segments_are_offsets_into_the_token_for_colouring():
    token = decode_token(TOKEN)
    header, payload, signature = TOKEN.split(".")

    assert [s.name for s in token.segments] == ["header", "payload", "signature"]
    assert [TOKEN[s.start : s.end] for s in token.segments] == [header, payload, signature]


def test_whitespace_and_bearer_prefix_are_stripped():
    pasted = f"  Bearer {TOKEN}\n"

    token = decode_token(pasted)

    assert token.text.reveal() == TOKEN
    assert pasted[token.input_offset :].startswith(TOKEN)


def test_an_authorization_header_line_is_accepted():
    assert decode_token(f"Authorization: Bearer {TOKEN}").text.reveal() == TOKEN


def test_a_token_without_dots_is_opaque_and_the_note_says_ocm_treats_tokens_as_opaque():
    token = decode_token("k3JxZ0vQmPz8s1Lw")

    assert token.kind == "opaque"
    assert token.header is None and token.claims is None
    assert "opaque" in token.note


@pytest.mark.parametrize("text", ["v2.local.abcdef", "abc.def.ghi", f"{b64('[1]')}.a.b", "a.b"])
def test_a_dotted_string_whose_first_part_is_no_json_object_is_opaque(text):
    assert decode_token(text).kind == "opaque"


def test_every_jwt_note_says_core_ocm_treats_access_tokens_as_opaque():
    assert "Core OCM treats access tokens as opaque" in decode_token(TOKEN).note


def test_five_segments_are_an_encrypted_jwe_with_only_the_header_readable():
    header = b64(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM"}))
    token = decode_token(f"{header}.{b64('k')}.{b64('iv')}.{b64('ct')}.{b64('tag')}")

    assert token.kind == "jwe"
    assert token.header["enc"] == "A256GCM"
    assert token.claims is None


def test_a_payload_that_is_no_json_object_makes_a_jws_with_the_payload_kept():
    token = decode_token(f"{b64(json.dumps({'alg': 'EdDSA'}))}.{b64('hello')}.{b64('s')}")

    assert token.kind == "jws"
    assert token.claims is None
    assert token.to_dict()["payload_text"] == "hello"


def test_unencoded_payload_option_b64_false_keeps_the_payload_as_is():
    header = b64(json.dumps({"alg": "ES256", "b64": False, "crit": ["b64"]}))
    token = decode_token(f"{header}.$.{b64('s')}".replace("$", "plain"))

    assert token.payload == b"plain"


def test_duplicate_members_are_reported():
    header = '{"alg":"ES256","alg":"none"}'
    token = decode_token(unsigned(header, '{"exp":1,"exp":2}'))

    assert token.header["alg"] == "none"  # the last one wins, as RFC 7515 allows
    assert token.duplicates == ["header.alg", "payload.exp"]


def test_duplicate_members_become_a_warning_in_the_report():
    report = inspect_token(unsigned('{"alg":"ES256","alg":"ES256"}', "{}"))

    assert "duplicate-member" in report.warning_codes()


def test_tokens_over_64_kib_are_refused():
    big = unsigned({"alg": "ES256"}, {"pad": "x" * MAX_TOKEN_BYTES})

    with pytest.raises(TokenError, match="64 KiB"):
        decode_token(big)


def test_a_token_of_exactly_64_kib_is_accepted():
    assert decode_token("a" * MAX_TOKEN_BYTES).kind == "opaque"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("abc def", "whitespace at position 4"),
        ("abc\u00e9", "'é' at position 4"),
        (f"{b64('{not json')}.{EMPTY}.", "header (segment 1 of 3) is not valid JSON"),
        (f"{b64('{}')}.{EMPTY}.", "no 'alg' string"),
        (f"{ES256}.{b64('{bad')}.", "payload (segment 2 of 3) is not valid"),
        (f"{ES256}.a+b.", "payload (segment 2 of 3) is not base64url"),
        (f"{ES256}=.{EMPTY}.", "header (segment 1 of 3) is not base64url"),
        (f"{ES256}.{EMPTY}.abcde", "signature (segment 3 of 3)"),
        (f"{ES256}.{EMPTY}.ab==", "padding is not allowed"),
        (f"{ES256}.{EMPTY}", "2 dot-separated segments"),
        (f"{ES256}.a.b.c", "4 dot-separated segments"),
        (f"{ES256}.a.b.c.d", "JWE header (segment 1 of 5) has no 'enc'"),
    ],
)
def test_malformed_input_is_refused_with_a_reason_naming_the_segment(text, names):
    with pytest.raises(TokenError) as raised:
        decode_token(text)

    assert names in str(raised.value)
    assert "\n" not in str(raised.value)


def test_non_finite_numbers_in_claims_are_refused():
    with pytest.raises(TokenError, match="payload"):
        decode_token(unsigned({"alg": "ES256"}, '{"exp": NaN}'))
    with pytest.raises(TokenError, match="payload"):
        decode_token(unsigned({"alg": "ES256"}, '{"exp": 1e999}'))


def test_non_utf8_claims_are_refused():
    claims = b64(b'{"a": "\xff"}')
    bad = f"{ES256}.{claims}.{b64('s')}"

    with pytest.raises(TokenError, match="not UTF-8"):
        decode_token(bad)


def test_bytes_input_is_decoded_as_utf8():
    assert decode_token(TOKEN.encode()).kind == "jwt"


def test_the_repr_never_contains_the_token_or_its_signature():
    text = repr(decode_token(TOKEN))

    assert TOKEN.split(".")[2] not in text
    assert "sig" not in text.replace("signature", "")


def test_the_serialised_token_never_contains_the_token_or_its_signature():
    data = json.dumps(inspect_token(TOKEN).to_dict())

    assert TOKEN not in data
    assert TOKEN.split(".")[2] not in data


_base64url = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_a_report_or_a_token_error(text):
    try:
        report = inspect_token(text, now=0)
    except TokenError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        json.dumps(report.to_dict())


@settings(max_examples=300, deadline=None)
@given(st.lists(_base64url, min_size=1, max_size=6).map(".".join))
def test_arbitrary_base64url_segments_give_a_report_or_a_token_error(text):
    try:
        report = inspect_token(text, now=0)
    except TokenError as exc:
        assert "\n" not in str(exc)
    else:
        json.dumps(report.to_dict())


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_value, max_size=6), _json_value)
def test_arbitrary_json_headers_and_claims_give_a_report_or_a_token_error(header, claims):
    token = f"{b64(json.dumps(header))}.{b64(json.dumps(claims))}.{b64('s')}"
    try:
        report = inspect_token(token, now=1_700_000_000)
    except TokenError as exc:
        assert "\n" not in str(exc)
    else:
        json.dumps(report.to_dict())
