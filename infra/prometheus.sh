#!/usr/bin/env bash
# Local Prometheus (Debian's `prometheus` package) for the stack's metrics, like infra/postgres.sh for the database.
#
#   infra/prometheus.sh start [CONFIG]   install if missing, start with CONFIG (default
#                                        infra/observability/prometheus.yml), wait until ready
#   infra/prometheus.sh stop             fine if not running
#   infra/prometheus.sh status           exit 0 if ours is running, 1 if not
#   infra/prometheus.sh check            promtool: the scrape configuration and the alert rules are valid
#
# Environment:
#   SWITCHYARD_PROMETHEUS_PORT   TCP port on 127.0.0.1 (default 9090)
#   SWITCHYARD_DATA_DIR          runtime state (default <repo>/.data); ours is in ./prometheus
set -euo pipefail

LOG_PREFIX=prometheus
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST=127.0.0.1
PORT="${SWITCHYARD_PROMETHEUS_PORT:-9090}"
PROM_ROOT="$DATA_DIR/prometheus"
PID_FILE="$PROM_ROOT/prometheus.pid"
SERVER_LOG="$PROM_ROOT/server.log"
OBSERVABILITY="$INFRA_DIR/observability"
START_TIMEOUT=60

ensure_installed() {
    command -v prometheus >/dev/null && command -v promtool >/dev/null && return 0
    is_root || die "prometheus not found; install it (sudo apt-get install -y prometheus)"
    command -v apt-get >/dev/null || die "prometheus not found and apt-get is unavailable"
    log "installing Debian's prometheus package"
    # Debian's package would start a system service; there is none to start here, and ours runs on its own.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null ||
        { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends prometheus >/dev/null; } || die "apt-get install prometheus failed"
}

running() { [ -f "$PID_FILE" ] && pid_alive "$(cat "$PID_FILE")"; }

start() {
    local config="${1:-$OBSERVABILITY/prometheus.yml}"
    ensure_installed
    if running; then
        log "already running on $HOST:$PORT"
        return 0
    fi
    mkdir -p "$PROM_ROOT/data"
    # --web.enable-lifecycle: the tests reload a configuration written for their own stack's ports.
    setsid prometheus --config.file="$config" --storage.tsdb.path="$PROM_ROOT/data" \
        --web.listen-address="$HOST:$PORT" --web.enable-lifecycle --log.level=warn \
        >"$SERVER_LOG" 2>&1 < /dev/null &
    echo $! > "$PID_FILE"
    local waited=0
    until curl -fsS "http://$HOST:$PORT/-/ready" >/dev/null 2>&1; do
        running || die "exited at start; see $SERVER_LOG"
        [ "$waited" -lt "$START_TIMEOUT" ] || die "not ready after ${START_TIMEOUT}s; see $SERVER_LOG"
        sleep 1
        waited=$((waited + 1))
    done
    log "ready on http://$HOST:$PORT"
}

stop() {
    running || { rm -f "$PID_FILE"; return 0; }
    local pid
    pid="$(cat "$PID_FILE")"
    kill "$pid"
    for _ in $(seq 1 30); do
        pid_alive "$pid" || break
        sleep 0.5
    done
    pid_alive "$pid" && kill -9 "$pid"
    rm -f "$PID_FILE"
    log "stopped"
}

check() {
    ensure_installed
    promtool check config "$OBSERVABILITY/prometheus.yml"
    promtool check rules "$OBSERVABILITY/alerts.yml"
}

case "${1:-}" in
    start) start "${2:-}" ;;
    stop) stop ;;
    status) running ;;
    check) check ;;
    *) die "usage: $0 start [CONFIG]|stop|status|check" ;;
esac
