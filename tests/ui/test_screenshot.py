"""What a person sees: the main window on a real X server (Xvfb), grabbed as pixels."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

pytestmark = pytest.mark.screenshot

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def xvfb_display():
    """A private Xvfb server. Missing Xvfb fails loudly: CI must install it."""
    binary = shutil.which("Xvfb")
    assert binary, "Xvfb is not installed (Debian package xvfb); screenshot tests need it"
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [binary, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not report a display number"
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


def take_screenshot(
    display: str, out: Path, config_dir: Path, page: str | None = None, demo: str = ""
) -> None:
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "OCM_INSPECTOR_CONFIG_DIR": str(config_dir),
    }
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "screenshot_app.py"),
            str(out),
            *([page or "Discovery"] if page or demo else []),
            *([demo] if demo else []),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert out.exists()


def distinct_colours(image: QImage, step: int = 4) -> int:
    colours = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colours.add(image.pixel(x, y))
    return len(colours)


def test_main_window_is_painted(xvfb_display, tmp_path, config_dir):
    out = tmp_path / "main-window.png"
    take_screenshot(xvfb_display, out, config_dir)

    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600
    # A blank or black frame has one or two colours; a painted window has text, icons, frames.
    assert distinct_colours(image) > 20
    dark = sum(
        1
        for y in range(0, image.height(), 3)
        for x in range(0, image.width(), 3)
        if QColor(image.pixel(x, y)).lightness() < 100
    )
    assert dark > 200, "hardly any text was drawn"

    keep = os.environ.get("OCM_INSPECTOR_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)


def test_tokens_page_with_a_decoded_token_is_painted(xvfb_display, tmp_path, config_dir):
    out = tmp_path / "tokens-page.png"
    take_screenshot(xvfb_display, out, config_dir, page="Tokens")

    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600
    # The segment colours of the pasted token are on screen (header, payload, signature).
    colours = {
        QColor(image.pixel(x, y)).name() for y in range(0, 300, 2) for x in range(0, 1100, 2)
    }
    assert {"#c0263f", "#7b3fb8", "#00809a"} <= colours
    assert distinct_colours(image) > 40

    keep = os.environ.get("OCM_INSPECTOR_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)


def test_discovery_page_on_the_spec_demo_peer_is_painted(xvfb_display, tmp_path, config_dir):
    out = tmp_path / "discovery-page.png"
    take_screenshot(xvfb_display, out, config_dir, page="Discovery", demo="spec")

    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600
    assert distinct_colours(image) > 40
    # The findings' warning icons are drawn: the severity accents are on screen.
    yellowish = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if (c := QColor(image.pixel(x, y))).red() > 180 and c.green() > 140 and c.blue() < 90
    )
    assert yellowish > 20, "no warning icons were painted"

    keep = os.environ.get("OCM_INSPECTOR_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
