#!/usr/bin/env bash
# Runs a command with Kafka and PostgreSQL up: starts whichever is not running, and stops afterwards only what
# it started (a developer's running infra stays up).
#
#   infra/with-infra.sh COMMAND [ARGS...]
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
started=()
for server in postgres kafka; do
    if ! bash "$here/$server.sh" status >/dev/null 2>&1; then
        bash "$here/$server.sh" start
        started+=("$server")
    fi
done
stop_started() {
    for server in "${started[@]}"; do
        bash "$here/$server.sh" stop || true
    done
}
trap stop_started EXIT
"$@"
