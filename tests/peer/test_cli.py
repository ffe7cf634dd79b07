"""``ocm-inspector peer`` as a user runs it: a foreground process that prints JSON first."""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from inspector.cli import main


def read_line(process: subprocess.Popen, timeout: float = 20) -> str:
    """The next stdout line, failing the test instead of hanging when none comes."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            pytest.fail(f"no output within {timeout} s; stderr: {process.stderr.read()}")
    return process.stdout.readline()


@pytest.fixture
def run_peer():
    processes = []

    def start(*args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "inspector", "peer", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_first_line_is_the_peer_info_as_json_then_one_line_per_request(run_peer):
    process = run_peer("--profile", "nextcloud", "--fault", "clock-skew")

    info = json.loads(read_line(process))
    response = httpx.get(info["base_url"] + "/ocm-provider")

    assert set(info) >= {"base_url", "share", "client_id", "ca_file"}
    assert info["share"]["secret"] and info["share"]["uri"].startswith(info["base_url"])
    assert info["ca_file"] is None
    assert info["profile"] == "nextcloud" and info["faults"] == ["clock-skew"]
    assert response.status_code == 200
    assert read_line(process).strip() == "GET /ocm-provider 200"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert "loopback only" in process.stderr.read()


def test_tls_peer_reports_its_ca_file_and_removes_it_on_interrupt(run_peer):
    process = run_peer("--tls")

    info = json.loads(read_line(process))
    ca_file = Path(info["ca_file"])
    assert "BEGIN CERTIFICATE" in ca_file.read_text()

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert not ca_file.exists()


@pytest.mark.parametrize(("option", "value"), [("--fault", "wobbly"), ("--profile", "owncloud")])
def test_unknown_fault_or_profile_is_a_one_line_usage_error(capsys, option, value):
    with pytest.raises(SystemExit) as exit_info:
        main(["peer", option, value])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "invalid choice" in error and value in error
