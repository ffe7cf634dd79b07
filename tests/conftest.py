"""Fixtures shared by every test folder."""

from __future__ import annotations

import os

import pytest

# Widgets render offscreen unless a test run sets a real display on purpose (screenshots).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """Every test gets its own, empty configuration folder."""
    path = tmp_path / "config"
    monkeypatch.setenv("OCM_INSPECTOR_CONFIG_DIR", str(path))
    return path
