#!/usr/bin/env bash
# Takes the web UI screenshots of docs/operating.md into docs/images/: installs Debian's
# Chromium when it is missing, then runs the examples' `ui-screenshot` program, which starts a
# dev server with its UI, runs a scheduled workflow and photographs its pages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v chromium >/dev/null; then
    echo "== installing Debian's chromium"
    sudo_if_needed=""
    [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
    $sudo_if_needed apt-get install -y --no-install-recommends chromium
fi
cargo run -q -p examples --bin ui-screenshot -- docs/images "$(command -v chromium)"
