"""The saved server list: shared by GUI and CLI, written atomically, never lost."""

from __future__ import annotations

import json
import os

import pytest

from inspector.core.errors import ConfigError, InvalidTarget
from inspector.core.store import ServerStore


def test_servers_round_trip_through_the_file(config_dir):
    store = ServerStore()
    first = store.add("alice@cloud.example.org", name="Alice's cloud")
    second = store.add("localhost:8443", verify_tls=False)

    again = ServerStore()
    assert [s.id for s in again.servers] == [first.id, second.id]
    assert again.find(first.id).name == "Alice's cloud"
    assert again.find(second.id).verify_tls is False
    assert json.loads((config_dir / "servers.json").read_text())["version"] == 1


def test_default_name_is_the_host(config_dir):
    server = ServerStore().add("https://cloud.example.org:8443/nc")
    assert server.name == "cloud.example.org:8443/nc"


def test_a_server_is_found_by_unique_name_case_insensitively():
    store = ServerStore()
    server = store.add("cloud.example.org", name="Prod")
    assert store.find("prod").id == server.id


def test_ambiguous_names_ask_for_an_id():
    store = ServerStore()
    store.add("a.example.org", name="Same")
    store.add("b.example.org", name="Same")
    with pytest.raises(ConfigError, match="use an id"):
        store.find("Same")


def test_the_same_server_cannot_be_added_twice():
    store = ServerStore()
    store.add("cloud.example.org")
    with pytest.raises(ConfigError, match="already saved"):
        store.add("https://cloud.example.org/")


def test_invalid_target_is_not_saved(config_dir):
    store = ServerStore()
    with pytest.raises(InvalidTarget):
        store.add("not a host")
    assert not (config_dir / "servers.json").exists()


def test_missing_ca_bundle_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        ServerStore().add("cloud.example.org", ca_bundle=str(tmp_path / "none.pem"))


def test_rename_and_remove():
    store = ServerStore()
    server = store.add("cloud.example.org")
    store.rename(server.id, "Renamed")
    assert ServerStore().find(server.id).name == "Renamed"
    store.remove("Renamed")
    assert ServerStore().servers == []


def test_changes_from_another_process_are_not_undone():
    gui = ServerStore()
    gui.add("a.example.org")
    cli = ServerStore()
    cli.add("b.example.org")
    gui.add("c.example.org")
    assert [s.target for s in ServerStore().servers] == [
        "a.example.org",
        "b.example.org",
        "c.example.org",
    ]


def test_write_is_atomic_and_leaves_no_temporary_files(config_dir, monkeypatch):
    store = ServerStore()
    store.add("a.example.org")
    before = (config_dir / "servers.json").read_bytes()

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ConfigError, match="No space left"):
        store.add("b.example.org")
    assert (config_dir / "servers.json").read_bytes() == before
    assert sorted(p.name for p in config_dir.iterdir()) == ["servers.json"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"servers": [{"name": "no id"}]}', b"\xff\xfe\x00", b""],
)
def test_unreadable_file_is_kept_as_backup_and_the_list_starts_empty(config_dir, content):
    config_dir.mkdir(parents=True)
    (config_dir / "servers.json").write_bytes(content)

    store = ServerStore()

    assert store.servers == []
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes() == content
    store.add("cloud.example.org")
    assert store.recovered_from.exists()
    assert len(ServerStore().servers) == 1


def test_unknown_fields_from_a_newer_version_are_ignored(config_dir):
    config_dir.mkdir(parents=True)
    entry = {"id": "abc12345", "name": "N", "target": "cloud.example.org", "future": 1}
    (config_dir / "servers.json").write_text(json.dumps({"version": 2, "servers": [entry]}))
    assert ServerStore().find("abc12345").name == "N"
