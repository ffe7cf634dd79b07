"""``discover`` and ``compare`` on the command line: exit codes, JSON shape, saved servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from inspector.cli import main
from inspector.core.store import ServerStore

ISSUE_KEYS = {
    "target",
    "url",
    "legacy_path",
    "error",
    "document",
    "summary",
    "findings",
    "exchanges",
}


def run_json(capsys, *args: str):
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_document_without_error_findings_exits_0(capsys, spec_peer):
    code, data = run_json(capsys, "discover", spec_peer.base_url)

    assert code == 0
    assert set(data) >= ISSUE_KEYS
    assert data["url"] == f"{spec_peer.base_url}/.well-known/ocm"
    assert data["error"] is None and data["legacy_path"] is False
    assert data["summary"]["api_version"] == "1.4.0"


def test_error_findings_exit_1(capsys, peer_factory):
    code, data = run_json(
        capsys, "discover", peer_factory("spec", faults=["missing-fields"]).base_url
    )
    assert code == 1
    assert {"severity": "error", "code": "missing-field"}.items() <= data["findings"][0].items()


def test_no_document_exits_2_with_the_error_kind(capsys, peer_factory):
    code, data = run_json(capsys, "discover", peer_factory("spec", faults=["broken-json"]).base_url)
    assert code == 2
    assert data["error"]["kind"] == "not-json" and data["document"] is None


def test_several_targets_print_an_array_and_exit_with_the_worst(capsys, peer_factory):
    good = peer_factory("spec").base_url
    bad = peer_factory("spec", faults=["discovery-404"]).base_url
    code, data = run_json(capsys, "discover", good, bad)

    assert code == 2
    assert [item["target"] for item in data] == [good, bad]
    assert [item["error"] and item["error"]["kind"] for item in data] == [None, "http-status"]


def test_exchanges_are_in_the_json(capsys, spec_peer):
    _, data = run_json(capsys, "discover", spec_peer.base_url)
    assert data["exchanges"][0] == {
        "method": "GET",
        "url": f"{spec_peer.base_url}/.well-known/ocm",
        "status": 200,
        "elapsed_ms": data["exchanges"][0]["elapsed_ms"],
        "truncated": False,
    }


def test_human_output_is_a_short_report(capsys, peer_factory):
    peer = peer_factory("legacy")
    assert main(["discover", peer.base_url]) == 0
    out = capsys.readouterr().out

    assert f"{peer.base_url}/ocm-provider  (legacy path)" in out
    assert "invites (as '/invite-accepted')" in out
    assert "legacy-path" in out
    assert len(out.splitlines()) < 30


def test_human_output_for_a_failure_names_the_error(capsys, peer_factory):
    peer = peer_factory("spec", faults=["redirect-loop"])
    assert main(["discover", peer.base_url]) == 2
    out = capsys.readouterr().out
    assert "no discovery document" in out and "redirect: Redirect loop" in out


def test_a_ca_bundle_makes_an_https_peer_trusted(capsys, peer_factory):
    peer = peer_factory("spec", tls=True)
    assert main(["discover", peer.base_url, "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "tls"

    code, data = run_json(capsys, "discover", peer.base_url, "--ca-bundle", peer.ca_file)
    assert code == 0 and data["error"] is None


def test_insecure_skips_verification(capsys, peer_factory):
    peer = peer_factory("spec", tls=True)
    code, _ = run_json(capsys, "discover", peer.base_url, "--insecure")
    assert code == 0


def test_a_missing_ca_bundle_file_is_a_one_line_error(capsys, spec_peer, tmp_path):
    code = main(["discover", spec_peer.base_url, "--ca-bundle", str(tmp_path / "no.pem")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_timeout_applies_to_each_answer(capsys, peer_factory):
    peer = peer_factory("spec", faults=["slow"])
    code, data = run_json(capsys, "discover", peer.base_url, "--timeout", "0.2")
    assert code == 2 and data["error"]["kind"] == "timeout"


def test_all_checks_saved_servers_with_their_tls_options_and_records_the_outcome(
    capsys, peer_factory
):
    secure = peer_factory("spec", tls=True)
    legacy = peer_factory("legacy")
    broken = peer_factory("spec", faults=["missing-fields"])
    gone = peer_factory("spec", faults=["discovery-404"])
    store = ServerStore()
    store.add(secure.base_url, name="secure", ca_bundle=secure.ca_file)
    store.add(legacy.base_url, name="legacy")
    store.add(broken.base_url, name="broken")
    store.add(gone.base_url, name="gone")

    code, data = run_json(capsys, "discover", "--all")

    assert code == 2
    assert [item["status"] for item in data] == ["ok", "warnings", "errors", "unreachable"]
    saved = {s.name: s for s in ServerStore().servers}
    assert {name: s.last_status for name, s in saved.items()} == {
        "secure": "ok",
        "legacy": "warnings",
        "broken": "errors",
        "gone": "unreachable",
    }
    assert all(s.last_checked for s in saved.values())


def test_a_saved_server_can_be_named_instead_of_a_target(capsys, peer_factory):
    peer = peer_factory("spec", tls=True)
    ServerStore().add(peer.base_url, name="Work cloud", ca_bundle=peer.ca_file)

    code, data = run_json(capsys, "discover", "work cloud")

    assert code == 0 and data["server_id"]
    assert ServerStore().find("Work cloud").last_status == "ok"


def test_all_with_no_saved_servers_says_how_to_add_one(capsys):
    assert main(["discover", "--all"]) == 0
    assert "servers add" in capsys.readouterr().out


def test_no_target_is_a_usage_error(capsys):
    assert main(["discover"]) == 2
    assert "--all" in capsys.readouterr().err


def test_an_invalid_target_exits_2(capsys):
    code, data = run_json(capsys, "discover", "alice@")
    assert code == 2 and data["error"]["kind"] == "invalid-target"


def test_the_console_entry_point_runs_discover(spec_peer):
    completed = subprocess.run(
        [sys.executable, "-m", "inspector", "discover", spec_peer.base_url, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["summary"]["api_version"] == "1.4.0"


# --- compare -------------------------------------------------------------------------------


def test_compare_exits_0_when_a_can_share_with_b(capsys, peer_factory):
    a, b = peer_factory("spec").base_url, peer_factory("spec").base_url
    code, data = run_json(capsys, "compare", a, b)

    assert code == 0 and data["can_share"] is True
    assert [d["field"] for d in data["differences"]] == ["end_point", "token_end_point", "jwks_uri"]


def test_compare_exits_1_when_a_preflight_check_fails(capsys, peer_factory):
    reva, spec = peer_factory("reva").base_url, peer_factory("spec").base_url
    assert main(["compare", reva, spec]) == 1
    out = capsys.readouterr().out
    assert "Can A share with B? no" in out
    assert "FAIL  must-use-http-sig" in out


def test_compare_exits_2_when_a_document_is_missing(capsys, peer_factory):
    spec = peer_factory("spec").base_url
    gone = peer_factory("spec", faults=["discovery-404"]).base_url
    code, data = run_json(capsys, "compare", spec, gone)
    assert code == 2 and data["preflight"][0]["code"] == "discovery"


def test_compare_accepts_saved_server_names(capsys, peer_factory):
    nextcloud, legacy = peer_factory("nextcloud").base_url, peer_factory("legacy").base_url
    store = ServerStore()
    store.add(nextcloud, name="nc")
    store.add(legacy, name="old")

    code, data = run_json(capsys, "compare", "nc", "old")

    assert code == 0
    assert (data["a"]["target"], data["b"]["target"]) == (nextcloud, legacy)
    assert data["b"]["legacy_path"] is True
