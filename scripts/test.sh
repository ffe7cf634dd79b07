#!/usr/bin/env bash
# Lint, then run the whole test suite inside a private D-Bus session with an unlocked
# gnome-keyring (the Secret Service the keyring tests use). Widgets render offscreen; the
# screenshot tests start their own Xvfb. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin

if [ -z "${OCM_INSPECTOR_TEST_SESSION:-}" ] && command -v dbus-run-session >/dev/null; then
    export OCM_INSPECTOR_TEST_SESSION=1
    exec dbus-run-session -- "$0" "$@"
fi

if command -v gnome-keyring-daemon >/dev/null && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    # A throwaway login keyring, created unlocked, that lives only as long as this session.
    XDG_DATA_HOME="$(mktemp -d)"
    export XDG_DATA_HOME
    eval "$(printf 'test-session' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
    export GNOME_KEYRING_CONTROL
fi

echo "== ruff"
$venv/ruff check .
$venv/ruff format --check .

echo "== pytest"
export QT_QPA_PLATFORM=offscreen
exec $venv/python -m pytest -p no:cacheprovider "$@"
