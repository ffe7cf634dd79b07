"""The Tokens page, driven as a support engineer would: paste a token, read it, verify it."""

from __future__ import annotations

import base64
import json
import logging

import httpx
import jwt
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from inspector.core.keys import generate_key, jwks
from inspector.core.store import ServerStore
from inspector.ui.pages import AppContext, AppSignals
from inspector.ui.tasks import TaskRunner
from inspector.ui.tokens import TokensPage
from inspector.ui.tokens.paste_box import SEGMENT_COLOURS

NOW = 1_800_000_000  # a fixed "now" for the fake clock: 2027-01-15 08:00:00 UTC


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tokens_page(qtbot):
    """A Tokens page on its own, with its own task runner and a fake clock."""
    tasks = TaskRunner()
    page = TokensPage(AppContext(ServerStore(), tasks, AppSignals()))
    page.clock = FakeClock()
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitExposed(page)
    yield page
    tasks.cancel_all()
    tasks.wait_for_done(5000)


@pytest.fixture(scope="module")
def es256_key():
    return generate_key("p256", "key-2026")


def sign(claims: dict, key, *, headers: dict | None = None) -> str:
    return jwt.encode(
        claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})}
    )


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def ocm_claims(**changes) -> dict:
    claims = {
        "iss": "https://cloud.example.org",
        "sub": "alice",
        "aud": "bob@remote.example",
        "iat": NOW - 60,
        "exp": NOW + 300,
        "jti": "Xq3b9Tz0PLm1WcRa",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def paste(qtbot, page: TokensPage, text: str) -> None:
    """Paste ``text`` into the box and wait for the decode that follows the pause."""
    with qtbot.waitSignals([page.token_decoded], timeout=3000):
        page.token_edit.setPlainText(text)


def paste_garbage(qtbot, page: TokensPage, text: str) -> str:
    with qtbot.waitSignal(page.decode_failed, timeout=3000) as blocker:
        page.token_edit.setPlainText(text)
    return blocker.args[0]


def claim_rows(page: TokensPage) -> dict[str, list[str]]:
    model = page.claims_model
    return {
        model.index(row, 0).data(): [
            model.index(row, column).data() for column in range(model.columnCount())
        ]
        for row in range(model.rowCount())
    }


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def verify_and_wait(qtbot, page: TokensPage, timeout: int = 10000):
    with qtbot.waitSignal(page.verification_finished, timeout=timeout) as blocker:
        click(qtbot, page.signature_panel.verify_button)
    return blocker.args[0]


def use_pasted_keys(qtbot, page: TokensPage, text: str) -> None:
    page.signature_panel.set_kind("pasted")
    page.signature_panel.pasted_edit.setPlainText(text)


# -- decoding ----------------------------------------------------------------------------------


def test_the_three_segments_are_coloured_where_they_are_in_the_box(qtbot, tokens_page, es256_key):
    token = sign(ocm_claims(), es256_key)
    header, payload, signature = token.split(".")
    paste(qtbot, tokens_page, f"  Bearer {token}\n")

    block = tokens_page.token_edit.document().firstBlock()
    ranges = [
        (f.start, f.length, f.format.foreground().color().name()) for f in block.layout().formats()
    ]
    start = len("  Bearer ")
    light = {role: colours[0] for role, colours in SEGMENT_COLOURS.items()}
    assert ranges == [
        (start, len(header), light["header"]),
        (start + len(header) + 1, len(payload), light["payload"]),
        (start + len(header) + len(payload) + 2, len(signature), light["signature"]),
    ]


def test_segment_colours_follow_a_dark_palette(qtbot, tokens_page, es256_key):
    dark = QPalette(tokens_page.token_edit.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    tokens_page.token_edit.setPalette(dark)
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))

    block = tokens_page.token_edit.document().firstBlock()
    colours = [f.format.foreground().color().name() for f in block.layout().formats()]
    assert colours == [SEGMENT_COLOURS[role][1] for role in ("header", "payload", "signature")]


def test_ctrl_shift_v_replaces_the_token_with_the_clipboard(qtbot, tokens_page, es256_key):
    QGuiApplication.clipboard().setText(sign(ocm_claims(), es256_key))
    tokens_page.token_edit.setFocus()

    with qtbot.waitSignal(tokens_page.token_decoded, timeout=3000):
        qtbot.keyClick(
            tokens_page.token_edit,
            Qt.Key.Key_V,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )

    assert tokens_page.claims_model.rowCount() == 6


def test_typing_a_token_decodes_it_once_typing_pauses(qtbot, tokens_page, es256_key):
    token = sign({"iss": "https://cloud.example.org", "exp": NOW + 300}, es256_key)
    with qtbot.waitSignal(tokens_page.token_decoded, timeout=5000) as blocker:
        qtbot.keyClicks(tokens_page.token_edit, token)

    assert blocker.args[0].token.kind == "jwt"
    assert "JWT" in tokens_page.status_label.text() and "ES256" in tokens_page.status_label.text()
    assert list(claim_rows(tokens_page)) == ["iss", "exp"]


def test_claims_table_spells_out_names_and_shows_times_readably(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(custom={"team": "ops"}), es256_key))

    rows = claim_rows(tokens_page)
    assert list(rows) == ["iss", "sub", "aud", "iat", "exp", "jti", "custom"]
    assert rows["iss"][:3] == ["iss", "Issuer", "https://cloud.example.org"]
    assert rows["aud"][1] == "Audience"
    assert rows["exp"][1:4] == ["Expiration time", str(NOW + 300), "2027-01-15 08:05:00 UTC"]
    assert rows["exp"][4]  # local time, whatever the zone of the machine
    assert rows["exp"][5] == "expires in 5 min"
    assert rows["iat"][5] == "issued 60 s ago"
    assert rows["custom"][1:3] == ["", '{"team": "ops"}']


def test_countdown_to_exp_ticks_every_second(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    assert tokens_page.countdown_text() == "Expires in 5 min 0 s, at 2027-01-15 08:05:00 UTC."

    tokens_page.clock.now += 2
    with qtbot.waitSignal(tokens_page.countdown_timer.timeout, timeout=3000):
        pass
    assert tokens_page.countdown_text().startswith("Expires in 4 min 58 s")


def test_a_token_that_expires_while_shown_raises_the_expired_banner(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(exp=NOW + 5), es256_key))
    assert "expired" not in tokens_page.banner.codes()

    tokens_page.clock.now += 30  # past exp, inside the 60 s leeway
    with qtbot.waitSignal(tokens_page.countdown_timer.timeout, timeout=3000):
        pass
    assert "still accepted for 35 s" in tokens_page.countdown_text()
    assert "expired" not in tokens_page.banner.codes()

    tokens_page.clock.now += 60
    with qtbot.waitSignal(tokens_page.token_decoded, timeout=3000):
        pass  # the next tick notices the flip and judges the token again
    assert "Expired 1 min 25 s ago" in tokens_page.countdown_text()
    assert "expired" in tokens_page.banner.codes()
    assert tokens_page.banner.severity == "errors"
    assert claim_rows(tokens_page)["exp"][5] == "expired 85 s ago"


def test_header_and_claims_are_shown_as_json_and_copied(qtbot, tokens_page, es256_key):
    claims = ocm_claims()
    paste(qtbot, tokens_page, sign(claims, es256_key))
    tokens_page.inner_tabs.setCurrentIndex(1)

    assert json.loads(tokens_page.header_json.text.toPlainText())["kid"] == "key-2026"
    click(qtbot, tokens_page.claims_json.copy_button)
    assert json.loads(QGuiApplication.clipboard().text()) == claims
    click(qtbot, tokens_page.header_json.copy_button)
    assert json.loads(QGuiApplication.clipboard().text()) == {
        "alg": "ES256",
        "kid": "key-2026",
        "typ": "JWT",
    }


def test_opaque_token_is_explained(qtbot, tokens_page):
    paste(qtbot, tokens_page, "Bearer 7Hk2pQ9xZm4LrT8vWc1NbY6sJd3FgA5e")

    assert "Opaque token" in tokens_page.status_label.text()
    assert "nothing to decode" in tokens_page.status_label.text()
    assert "Core OCM treats access tokens as opaque" in tokens_page.banner.text()
    assert tokens_page.banner.severity == "info"
    assert tokens_page.claims_empty.isVisible() and not tokens_page.claims_view.isVisible()


def test_milliseconds_timestamps_are_flagged(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(exp=(NOW + 300) * 1000), es256_key))

    assert "milliseconds-timestamp" in tokens_page.banner.codes()
    assert claim_rows(tokens_page)["exp"][5].startswith("⚠ looks like milliseconds")
    assert "looks like milliseconds" in tokens_page.countdown_text()


def test_alg_none_is_a_red_banner_and_an_invalid_signature(qtbot, tokens_page):
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(ocm_claims())}."
    paste(qtbot, tokens_page, unsigned)

    assert tokens_page.banner.severity == "errors"
    assert "alg-none" in tokens_page.banner.codes()
    assert "not signed" in tokens_page.banner.text()
    assert "Invalid" in tokens_page.signature_panel.verdict_text()


def test_hs256_token_is_unverifiable_from_outside_not_invalid(qtbot, tokens_page, es256_key):
    token = jwt.encode(ocm_claims(), "reva-internal-secret-0123456789abcdef", algorithm="HS256")
    paste(qtbot, tokens_page, token)
    assert "symmetric-alg" in tokens_page.banner.codes()
    assert tokens_page.banner.severity == "warnings"

    use_pasted_keys(qtbot, tokens_page, json.dumps(jwks(es256_key)))
    report = verify_and_wait(qtbot, tokens_page)

    assert report.signature.status == "unverifiable"
    verdict = tokens_page.signature_panel.verdict_text()
    assert "Unverifiable from outside" in verdict
    assert "cannot be verified from outside" in verdict


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.sig.extra", "4 dot-separated segments"),
        ("eyJhbGciOiJFUzI1NiJ9.a+b.c2ln", "payload (segment 2 of 3) is not base64url"),
        ("eyJhbGciOiJFUzI1NiJ9.%%%.c2ln", "contains '%' at position 22"),
        ("eyJhbGciOiJFUzI1NiJ9.e30.sig nature", "whitespace"),
        ("x" * (65 * 1024), "over 64 KiB"),
        ("e30.e30.e30", "no 'alg'"),
    ],
)
def test_garbage_gives_a_one_line_message_and_the_page_goes_on(
    qtbot, tokens_page, es256_key, text, expected
):
    message = paste_garbage(qtbot, tokens_page, text)

    assert expected in message
    assert "\n" not in message
    assert "Not a token this inspector can read" in tokens_page.status_label.text()
    assert tokens_page.claims_model.rowCount() == 0

    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    assert tokens_page.claims_model.rowCount() == 6


def test_clearing_the_box_forgets_the_token(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    with qtbot.waitSignal(tokens_page.token_cleared):
        tokens_page.clear_action.trigger()

    assert tokens_page.report is None
    assert tokens_page.claims_model.rowCount() == 0
    assert not tokens_page.countdown_timer.isActive()


# -- verification ------------------------------------------------------------------------------


def test_verify_against_pasted_jwks_is_valid(qtbot, tokens_page, es256_key):
    other = generate_key("ed25519", "old-key")
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    use_pasted_keys(qtbot, tokens_page, json.dumps(jwks(other, es256_key)))

    report = verify_and_wait(qtbot, tokens_page)

    assert report.signature.status == "valid"
    verdict = tokens_page.signature_panel.verdict_text()
    assert "Valid · ES256" in verdict
    assert "Key: key-2026, EC P-256, thumbprint " in verdict
    skipped = tokens_page.signature_panel.skipped_model
    assert skipped.rowCount() == 1
    assert skipped.index(0, 0).data() == "old-key"
    assert "not the token's kid" in skipped.index(0, 2).data()
    assert tokens_page.banner.messages == []


def test_verify_with_ctrl_return_against_a_pasted_pem(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    use_pasted_keys(qtbot, tokens_page, es256_key.public_pem())
    tokens_page.token_edit.setFocus()

    with qtbot.waitSignal(tokens_page.verification_finished, timeout=5000) as blocker:
        qtbot.keyClick(
            tokens_page.token_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )

    assert blocker.args[0].signature.status == "valid"
    assert "pasted PEM" in tokens_page.signature_panel.verdict_text()


def test_a_different_key_under_the_same_kid_is_invalid(qtbot, tokens_page, es256_key):
    impostor = generate_key("p256", "key-2026")
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    use_pasted_keys(qtbot, tokens_page, json.dumps(jwks(impostor)))

    report = verify_and_wait(qtbot, tokens_page)

    assert report.signature.status == "invalid"
    assert "Invalid" in tokens_page.signature_panel.verdict_text()
    assert "signature" in tokens_page.banner.codes()


def test_unknown_kid_is_unverified_and_warned_about(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(), generate_key("p256", "rotated-away")))
    use_pasted_keys(qtbot, tokens_page, json.dumps(jwks(es256_key)))

    report = verify_and_wait(qtbot, tokens_page)

    assert report.signature.status == "unverified"
    assert "kid-not-found" in tokens_page.banner.codes()
    assert "No key with kid 'rotated-away'" in tokens_page.signature_panel.verdict_text()


def test_expectations_are_checked_as_they_are_typed(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    tokens_page.inner_tabs.setCurrentWidget(tokens_page.signature_panel)

    with qtbot.waitSignal(tokens_page.token_decoded, timeout=3000):
        qtbot.keyClicks(tokens_page.signature_panel.audience_edit, "carol@remote.example")
    assert "audience" in tokens_page.banner.codes()
    assert "recipient's OCM address" in tokens_page.banner.text()

    tokens_page.signature_panel.audience_edit.clear()
    with qtbot.waitSignal(tokens_page.token_decoded, timeout=3000):
        qtbot.keyClicks(tokens_page.signature_panel.audience_edit, "bob@remote.example")
    assert tokens_page.banner.messages == []
    checks = tokens_page.signature_panel.checks_model
    rows = [
        (checks.index(r, 0).data(), checks.index(r, 1).data()) for r in range(checks.rowCount())
    ]
    assert ("ok", "audience") in rows


def test_changing_the_key_source_drops_the_earlier_verdict(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    use_pasted_keys(qtbot, tokens_page, json.dumps(jwks(es256_key)))
    verify_and_wait(qtbot, tokens_page)

    tokens_page.signature_panel.set_kind("url")

    assert tokens_page.key_source is None
    assert "Not verified yet" in tokens_page.signature_panel.verdict_text()


def test_a_missing_key_source_is_said_in_one_line(qtbot, tokens_page, es256_key):
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    tokens_page.signature_panel.set_kind("url")
    click(qtbot, tokens_page.signature_panel.verify_button)

    assert "Enter the JWKS URL" in tokens_page.signature_panel.verdict_text()
    assert tokens_page.verify_task is None


# -- against the reference peer ----------------------------------------------------------------


def nextcloud_token(peer) -> str:
    """An access token from the peer's token endpoint, as a receiver would get it."""
    with httpx.Client(timeout=10) as client:
        discovery = client.get(f"{peer.base_url}/.well-known/ocm").json()
        answer = client.post(
            discovery["tokenEndPoint"],
            data={"grant_type": "authorization_code", "code": peer.share.secret},
        )
    answer.raise_for_status()
    return answer.json()["access_token"]


def test_verify_with_a_jwks_url_of_the_peer(qtbot, tokens_page, peer_factory):
    peer = peer_factory("nextcloud")
    paste(qtbot, tokens_page, nextcloud_token(peer))
    tokens_page.signature_panel.set_kind("url")
    qtbot.keyClicks(tokens_page.signature_panel.url_edit, f"{peer.base_url}/.well-known/jwks.json")

    report = verify_and_wait(qtbot, tokens_page)

    assert report.signature.status == "valid"
    assert report.signature.alg == "ES256"
    assert f"jwks-url {peer.base_url}/.well-known/jwks.json" in (
        tokens_page.signature_panel.verdict_text()
    )


def test_verify_with_the_selected_server_uses_its_discovery(qtbot, peer_factory, make_window):
    peer = peer_factory("nextcloud")
    ServerStore().add(peer.base_url, name="Nextcloud peer")
    window = make_window()
    token = nextcloud_token(peer)

    window.signals.open_token.emit(token)
    page = window.pages["tokens"]
    assert window.tabs.currentWidget() is page
    report = verify_and_wait(qtbot, page)

    assert report.signature.status == "valid"
    assert report.key_source.used == "jwksUri"
    verdict = page.signature_panel.verdict_text()
    assert "Valid · ES256" in verdict
    assert "ecdsa-p256-sha256" in verdict  # the kid of the matched key
    assert "✔ jwksUri" in verdict
    checks = {check.name: check.ok for check in report.checks}
    assert checks["iss-server"] and checks["signature"]
    # The keys fetched to verify also fill the server's key panel.
    assert page.jwks_panel.keys_model.rowCount() == len(peer.jwks()["keys"])


def test_open_token_brings_the_tokens_page_forward_with_the_token(qtbot, window, es256_key):
    window.tabs.setCurrentIndex(0)
    token = sign(ocm_claims(), es256_key)

    window.signals.open_token.emit(token)

    page = window.pages["tokens"]
    assert window.tabs.currentWidget() is page
    assert page.token_edit.toPlainText() == token
    assert page.report is not None and page.report.token.kind == "jwt"
    assert page.inner_tabs.currentIndex() == 0


def test_verifying_can_be_cancelled(qtbot, tokens_page, peer_factory, es256_key):
    peer = peer_factory("nextcloud", delay=1.0)
    paste(qtbot, tokens_page, sign(ocm_claims(), es256_key))
    tokens_page.signature_panel.set_kind("url")
    tokens_page.signature_panel.url_edit.setText(f"{peer.base_url}/.well-known/jwks.json")

    click(qtbot, tokens_page.signature_panel.verify_button)
    assert tokens_page.signature_panel.cancel_button.isVisible()
    click(qtbot, tokens_page.signature_panel.cancel_button)

    assert tokens_page.verify_task is None
    assert not tokens_page.signature_panel.progress.isVisible()
    assert tokens_page.signature_panel.verify_button.isEnabled()
    assert "Cancelled: the keys were not fetched." in tokens_page.signature_panel.verdict_text()


def test_the_token_is_neither_logged_nor_saved(
    qtbot, peer_factory, make_window, caplog, config_dir
):
    caplog.set_level(logging.DEBUG)
    peer = peer_factory("nextcloud")
    ServerStore().add(peer.base_url, name="Nextcloud peer")
    window = make_window()
    token = nextcloud_token(peer)
    signature = token.rsplit(".", 1)[1]

    window.signals.open_token.emit(token)
    verify_and_wait(qtbot, window.pages["tokens"])
    window.close()

    assert signature not in caplog.text
    assert signature not in window.log_page.text()
    for path in config_dir.rglob("*"):
        if path.is_file():
            assert signature not in path.read_text(errors="replace"), path
