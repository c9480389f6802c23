#!/usr/bin/env bash
# `make up`: bring up Kafka and PostgreSQL (when not already running), migrate, create topics, then run
# every service and the four vendor simulators under honcho in the foreground. Ctrl-C stops the services
# and whatever infrastructure this script started; infrastructure that was already running stays up.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

started=()
cleanup() {
    trap - EXIT INT TERM
    for ((i=${#started[@]}-1; i>=0; i--)); do bash "infra/${started[i]}.sh" stop || true; done
}
trap cleanup EXIT INT TERM

for piece in postgres kafka; do
    if ! bash "infra/$piece.sh" status >/dev/null 2>&1; then
        bash "infra/$piece.sh" start
        started+=("$piece")
    fi
done

source infra/lib.sh
LOG_PREFIX=up
for port in "${SWITCHYARD_GATEWAY_PORT:-8000}" 8101 8102 8103 18001 18002 18003 18004; do
    if port_open 127.0.0.1 "$port"; then
        die "port $port is already in use (another 'make up' running?). Stop that process first."
    fi
done

switchyard dev migrate
switchyard dev kafka-topics
# The dev stack delivers webhooks to local receivers (off by default outside it).
export SWITCHYARD_WEBHOOK_ALLOW_PRIVATE="${SWITCHYARD_WEBHOOK_ALLOW_PRIVATE:-true}"
echo "switchyard: gateway on http://127.0.0.1:${SWITCHYARD_GATEWAY_PORT:-8000} (admin token: ${SWITCHYARD_ADMIN_TOKEN:-dev-admin-token}); Ctrl-C stops everything"
honcho -f Procfile start
