#!/usr/bin/env bash
# Install ocm-inspector into .venv on a Debian-like machine.
#   scripts/install.sh          the application
#   scripts/install.sh --test   the application, the test tools and what the tests need
# System packages come from apt-get (through sudo when not run as root); Python packages from pip.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

lists=(packaging/debian-packages.txt)
[ "$with_tests" = 1 ] && lists+=(packaging/debian-test-packages.txt)
packages=$(grep -hv '^\s*#' "${lists[@]}" | tr '\n' ' ')

missing=()
for pkg in $packages; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null; then
        sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        echo "Installing Debian packages: ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "warning: no apt-get; make sure these are installed: ${missing[*]}" >&2
    fi
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "ocm-inspector needs Python 3.11 or newer ($python is older)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$with_tests" = 1 ]; then
    .venv/bin/python -m pip install --quiet -e ".[test]"
else
    .venv/bin/python -m pip install --quiet .
fi
echo "Installed ocm-inspector into .venv"
