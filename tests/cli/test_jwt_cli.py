"""``ocm-inspector jwt``: exit codes, stdin, key sources and the ``--json`` shape."""

from __future__ import annotations

import io
import json
import time

import jwt
import pytest

from inspector.cli import main
from inspector.core.keys import generate_key, jwks
from inspector.core.store import ServerStore

NOW = int(time.time())


@pytest.fixture(scope="module")
def key():
    return generate_key("p256", "k1")


def sign(key, **claims) -> str:
    claims = {
        "iss": "https://cloud.example.org",
        "aud": "bob@b.example",
        "exp": NOW + 300,
        "iat": NOW,
        **claims,
    }
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid})


@pytest.fixture
def jwks_file(tmp_path, key):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(key)))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["jwt", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, *args, "--json")
    return code, json.loads(out)


def test_a_token_is_decoded_and_explained_for_people(capsys, key):
    code, out, _ = run(capsys, sign(key))

    assert code == 0
    assert "Token: JWT" in out
    assert "iss  Issuer" in out
    assert "expires in 5 min" in out
    assert "Signature: UNVERIFIED (ES256)" in out


def test_the_json_shape_has_header_claims_times_signature_checks_and_warnings(capsys, key):
    code, data = run_json(capsys, sign(key, exp=NOW - 7200))

    assert code == 0, "without a key source the token is only explained"
    assert data["header"] == {"alg": "ES256", "kid": "k1", "typ": "JWT"}
    assert data["claims"]["aud"] == "bob@b.example"
    assert set(data["times"]["exp"]) >= {"value", "utc", "relative"}
    assert data["times"]["exp"]["relative"] == "expired 2 h ago"
    assert set(data["signature"]) >= {"status", "alg", "kid", "key_source", "reason"}
    assert data["signature"]["status"] == "unverified"
    assert {"name": "exp", "ok": False, "message": "expired 2 h ago (leeway 60 s)"} in data[
        "checks"
    ]
    assert {"code", "message"} == set(data["warnings"][0])
    assert "expired" in [w["code"] for w in data["warnings"]]


def test_the_token_is_read_from_stdin_with_a_dash(capsys, monkeypatch, key):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"Bearer {sign(key)}\n"))

    code, data = run_json(capsys, "-")

    assert code == 0
    assert data["claims"]["iss"] == "https://cloud.example.org"


def test_empty_stdin_is_a_one_line_error(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))

    code, out, err = run(capsys, "-")

    assert code == 2
    assert err.count("\n") == 1 and "stdin" in err


def test_a_valid_signature_against_a_jwks_file_exits_0(capsys, key, jwks_file):
    code, data = run_json(capsys, sign(key), "--jwks", str(jwks_file))

    assert code == 0
    assert data["signature"]["status"] == "valid"
    assert data["signature"]["key_source"] == f"jwks-file {jwks_file}"
    assert data["signature"]["matched_key"]["kid"] == "k1"


def test_a_bad_signature_exits_1(capsys, key, jwks_file):
    other = generate_key("p256", "k1")

    code, data = run_json(capsys, sign(other), "--jwks", str(jwks_file))

    assert code == 1
    assert data["signature"]["status"] == "invalid"


def test_a_pem_key_file_verifies(capsys, tmp_path, key):
    pem = tmp_path / "key.pem"
    pem.write_text(key.public_pem())

    code, data = run_json(capsys, sign(key), "--key", str(pem))

    assert code == 0
    assert data["signature"]["key_source"] == f"pem {pem}"


def test_an_hs256_token_with_a_key_source_is_unverifiable_and_exits_1(capsys, jwks_file):
    token = jwt.encode({"exp": NOW + 60}, "a secret that only the reva instance knows", "HS256")

    code, data = run_json(capsys, token, "--jwks", str(jwks_file))

    assert code == 1
    assert data["signature"]["status"] == "unverifiable"
    assert "symmetric-alg" in [w["code"] for w in data["warnings"]]


def test_an_unmet_expectation_exits_1(capsys, key, jwks_file):
    code, data = run_json(
        capsys, sign(key), "--jwks", str(jwks_file), "--expect-audience", "carol@b.example"
    )

    assert code == 1
    assert [c["ok"] for c in data["checks"] if c["name"] == "audience"] == [False]


def test_without_a_key_source_failed_checks_are_shown_but_exit_0(capsys, key):
    code, data = run_json(capsys, sign(key, exp=NOW - 7200), "--expect-audience", "carol@b.example")

    assert code == 0
    failed = {c["name"] for c in data["checks"] if not c["ok"]}
    assert failed == {"exp", "audience"}
    assert data["ok"] is False


def test_met_expectations_exit_0(capsys, key):
    code, _, _ = run(
        capsys,
        sign(key),
        "--expect-issuer",
        "https://cloud.example.org",
        "--expect-audience",
        "bob@b.example",
    )

    assert code == 0


def test_leeway_is_applied(capsys, key, jwks_file):
    token = sign(key, exp=NOW - 100)

    assert run(capsys, token, "--jwks", str(jwks_file), "--leeway", "300")[0] == 0
    assert run(capsys, token, "--jwks", str(jwks_file), "--leeway", "0")[0] == 1


@pytest.mark.parametrize(
    "text", ["not a token!", "eyJhbGciOi.x.y", "eyJhbGciOiJFUzI1NiJ9.e30.ab=="]
)
def test_garbage_is_a_one_line_error_with_exit_2_and_no_traceback(capsys, text):
    code, out, err = run(capsys, text)

    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_a_missing_jwks_file_is_a_one_line_error(capsys, key, tmp_path):
    code, _, err = run(capsys, sign(key), "--jwks", str(tmp_path / "absent.json"))

    assert code == 2
    assert "neither an http(s) URL nor a file" in err


@pytest.mark.parametrize(
    "args",
    [["--leeway", "-5"], ["--leeway", "soon"], ["--jwks", "a.json", "--key", "b.pem"]],
)
def test_bad_arguments_are_usage_errors(capsys, key, args):
    with pytest.raises(SystemExit) as exited:
        main(["jwt", sign(key), *args])

    assert exited.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_jwks_url_is_fetched(capsys, peer_factory):
    peer = peer_factory("nextcloud")
    key = peer.signing_key
    token = jwt.encode({"exp": NOW + 60}, key.private_key, key.alg, headers={"kid": key.kid})

    code, data = run_json(capsys, token, "--jwks", f"{peer.base_url}/.well-known/jwks.json")

    assert code == 0
    assert data["signature"]["key_source"] == f"jwks-url {peer.base_url}/.well-known/jwks.json"


def test_a_server_target_verifies_with_its_published_keys_and_checks_iss(capsys, spec_peer):
    key = spec_peer.signing_key
    token = jwt.encode(
        {"iss": spec_peer.base_url, "exp": NOW + 60},
        key.private_key,
        key.alg,
        headers={"kid": key.kid, "typ": "at+jwt"},
    )

    code, data = run_json(capsys, token, "--server", spec_peer.base_url)

    assert code == 0
    assert data["signature"]["key_source"] == f"jwksUri {spec_peer.base_url}/ocm/jwks"
    assert {c["name"] for c in data["checks"]} >= {"signature", "iss-https", "iss-server"}
    assert data["key_source"]["attempts"][0]["source"] == "discovery"


def test_a_token_from_another_server_fails_the_iss_check(capsys, spec_peer):
    key = spec_peer.signing_key
    token = jwt.encode(
        {"iss": "https://elsewhere.example", "exp": NOW + 60},
        key.private_key,
        key.alg,
        headers={"kid": key.kid},
    )

    code, data = run_json(capsys, token, "--server", spec_peer.base_url)

    assert code == 1
    assert [c["ok"] for c in data["checks"] if c["name"] == "iss-server"] == [False]


def test_a_saved_server_records_its_key_history(capsys, spec_peer):
    server = ServerStore().add(spec_peer.base_url, name="spec peer")
    key = spec_peer.signing_key
    claims = {"iss": spec_peer.base_url, "exp": NOW + 60}
    token = jwt.encode(claims, key.private_key, key.alg, headers={"kid": key.kid})

    _, first = run_json(capsys, token, "--server", "spec peer")
    code, out, _ = run(capsys, token, "--server", "spec peer")

    assert first["jwks_change"]["first_fetch"] is True
    assert first["jwks_change"]["appeared"] == [key.kid]
    assert code == 0
    assert "Key history: no change since" in out
    assert ServerStore().find(server.id).extra["jwks_history"]["keys"][0]["kid"] == key.kid


def test_a_server_with_no_keys_leaves_the_token_unverified_and_shows_where_it_looked(
    capsys, peer_factory, key
):
    peer = peer_factory("reva")

    code, out, _ = run(capsys, sign(key), "--server", peer.base_url)

    assert code == 1
    assert "Signature: UNVERIFIED" in out
    assert "tried /.well-known/jwks.json" in out
