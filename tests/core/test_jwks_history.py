"""The per-server key history: which kids appeared, vanished or were replaced between fetches."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from inspector.core.errors import ConfigError
from inspector.core.jwks import KeySource
from inspector.core.jwks_history import HISTORY_EVENTS_KEPT, jwks_history, record_jwks
from inspector.core.keys import generate_key, jwks
from inspector.core.store import ServerStore

EARLIER = datetime(2026, 1, 1, tzinfo=UTC)
LATER = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.fixture
def server():
    return ServerStore().add("cloud.example.org")


@pytest.fixture(scope="module")
def keys():
    return {name: generate_key("p256", name) for name in ("a", "b", "c")}


def test_the_first_record_lists_every_key_as_appeared(server, keys):
    change = record_jwks(server.id, jwks(keys["a"], keys["b"]), now=EARLIER)

    assert change.first_fetch
    assert change.appeared == ("a", "b")
    assert change.previous_fetch is None


def test_a_rotation_shows_which_kids_appeared_and_vanished(server, keys):
    record_jwks(server.id, jwks(keys["a"], keys["b"]), now=EARLIER)

    change = record_jwks(server.id, jwks(keys["b"], keys["c"]), now=LATER)

    assert not change.first_fetch
    assert change.appeared == ("c",)
    assert change.vanished == ("a",)
    assert change.unchanged == ("b",)
    assert change.previous_fetch == "2026-01-01T00:00:00+00:00"


def test_new_material_under_an_old_kid_is_reported_as_replaced(server, keys):
    record_jwks(server.id, jwks(keys["a"]), now=EARLIER)

    change = record_jwks(server.id, jwks(generate_key("p256", "a")), now=LATER)

    assert change.replaced == ("a",)
    assert change.appeared == () and change.vanished == ()


def test_an_unchanged_set_records_no_event(server, keys):
    record_jwks(server.id, jwks(keys["a"]), now=EARLIER)

    change = record_jwks(server.id, jwks(keys["a"]), now=LATER)

    assert not change.changed
    assert len(jwks_history(ServerStore().find(server.id))["events"]) == 1


def test_the_history_is_kept_with_the_saved_server_and_holds_public_data_only(server, keys):
    leaky = {**keys["a"].public_jwk(), "d": "c2VjcmV0"}
    record_jwks(server.id, {"keys": [leaky]}, now=EARLIER)

    saved = ServerStore().find(server.id)
    history = jwks_history(saved)
    assert history["keys"][0]["kid"] == "a"
    assert history["keys"][0]["thumbprint"] is None  # unusable key: no thumbprint taken
    assert "c2VjcmV0" not in json.dumps(saved.to_dict())


def test_keys_without_kid_are_named_by_thumbprint(server):
    jwk = {k: v for k, v in generate_key("ed25519", "x").public_jwk().items() if k != "kid"}

    change = record_jwks(server.id, {"keys": [jwk]}, now=EARLIER)

    assert change.appeared[0].startswith("thumbprint:")


def test_only_the_latest_events_are_kept(server):
    for index in range(HISTORY_EVENTS_KEPT + 5):
        record_jwks(server.id, jwks(generate_key("p256", f"k{index}")))

    assert len(jwks_history(ServerStore().find(server.id))["events"]) == HISTORY_EVENTS_KEPT


def test_other_extra_data_of_the_server_is_kept(server, keys):
    ServerStore().update(server.id, extra={"note": "keep me"})

    record_jwks(server.id, jwks(keys["a"]))

    assert ServerStore().find(server.id).extra["note"] == "keep me"


def test_an_unknown_server_is_a_config_error(keys):
    with pytest.raises(ConfigError):
        record_jwks("nope", jwks(keys["a"]))


def test_a_rotating_peer_shows_its_rotation_between_two_fetches(peer_factory):
    peer = peer_factory("nextcloud", faults=("rotated-keys",))
    server = ServerStore().add(peer.base_url)

    first = record_jwks(server.id, KeySource.from_server(peer.base_url), now=EARLIER)
    second = record_jwks(server.id, KeySource.from_server(peer.base_url), now=LATER)

    assert first.first_fetch
    assert second.appeared and second.vanished
    assert set(second.vanished) <= set(first.appeared)


def test_a_server_that_is_never_saved_keeps_its_history_in_memory(config_dir, keys):
    from inspector.core.jwks_history import record_jwks_in_memory
    from inspector.core.store import Server

    demo = Server(id="demo-spec", name="Demo", target="https://127.0.0.1:9", extra={"demo": True})
    record_jwks_in_memory(demo, jwks(keys["a"]), now=EARLIER)
    change = record_jwks_in_memory(demo, jwks(keys["b"]), now=LATER)

    assert (change.appeared, change.vanished) == (("b",), ("a",))
    assert [key["id"] for key in jwks_history(demo)["keys"]] == ["b"]
    assert not (config_dir / "servers.json").exists()
