#!/usr/bin/env bash
# Command-line tools the benchmarks use, from Debian's packages when absent.
#
#   infra/tools.sh hey       the HTTP load generator of benchmarks/api_load.py
#   infra/tools.sh chromium  the browser tests/e2e/test_console.py drives (Playwright, never its own download)
set -euo pipefail

LOG_PREFIX=tools
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure() {
    local tool=$1 package=$2
    command -v "$tool" >/dev/null && return 0
    is_root || die "$tool not found; install it (e.g. sudo apt-get install -y $package)"
    command -v apt-get >/dev/null || die "$tool not found and apt-get is unavailable; install $package"
    log "installing $package from Debian"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"; } >/dev/null 2>&1 \
        || die "apt-get install $package failed"
}

case "${1:-}" in
    hey) ensure hey hey ;;
    chromium) ensure chromium chromium ;;
    *) die "usage: infra/tools.sh hey|chromium" ;;
esac
