"""The servers command, the entry point and its error handling, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from inspector import __version__
from inspector.cli import main


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "inspector", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_version_is_printed():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"ocm-inspector {__version__}"


def test_add_list_rename_remove(capsys):
    assert main(["servers", "add", "alice@cloud.example.org", "--name", "Alice"]) == 0
    assert main(["servers", "add", "localhost:8443", "--insecure"]) == 0
    capsys.readouterr()

    assert main(["servers", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["verify_tls"]) for s in listed] == [
        ("Alice", True),
        ("localhost:8443", False),
    ]

    assert main(["servers", "rename", "Alice", "Alice prod"]) == 0
    assert main(["servers", "remove", listed[1]["id"]]) == 0
    capsys.readouterr()
    assert main(["servers", "list"]) == 0
    out = capsys.readouterr().out
    assert "Alice prod" in out
    assert "localhost" not in out


def test_insecure_server_is_flagged_in_the_listing(capsys):
    main(["servers", "add", "test.example.org", "--insecure"])
    capsys.readouterr()
    main(["servers", "list"])
    assert "NOT VERIFIED" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "invalid choice"),
        (["servers"], "required"),
        (["servers", "add", "bad host"], "spaces"),
        (["servers", "remove", "nothing"], "No saved server"),
        (["servers", "add", "h.example.org", "--ca-bundle", "/no/such.pem"], "does not exist"),
        (["servers", "list", "--bogus"], "unrecognized arguments"),
    ],
)
def test_errors_are_one_line_without_traceback(args, message):
    result = run_cli(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_corrupt_server_file_is_reported_and_kept(config_dir):
    config_dir.mkdir(parents=True)
    (config_dir / "servers.json").write_text("{broken")
    result = run_cli("servers", "list")
    assert result.returncode == 0
    assert "could not be read" in result.stderr
    assert "Traceback" not in result.stderr
    assert any(p.name.startswith("servers.json.corrupt-") for p in config_dir.iterdir())


def test_the_window_without_a_display_is_a_one_line_error():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "inspector"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ocm-inspector: No display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set);"
        " the other commands work without one, see --help"
    ]
