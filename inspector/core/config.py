"""Where the inspector keeps its files."""

from __future__ import annotations

import os
from pathlib import Path

from inspector import APP_NAME

CONFIG_DIR_ENV = "OCM_INSPECTOR_CONFIG_DIR"


def config_dir() -> Path:
    """The configuration folder: ``$OCM_INSPECTOR_CONFIG_DIR`` or the platform's user config folder."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))
