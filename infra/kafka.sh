#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, no ZooKeeper) for development and tests.
#
#   infra/kafka.sh start    fetch jars if needed, format storage once, start, wait until ready
#   infra/kafka.sh stop     SIGTERM, then SIGKILL after 30 s; fine if not running
#   infra/kafka.sh status   exit 0 if our broker is running, 1 if not
#   infra/kafka.sh fetch    only download the broker jars (Maven Central) into the cache
#
# Environment:
#   KAFKA_BOOTSTRAP_SERVERS          external broker: start/status only check it is reachable
#   SWITCHYARD_KAFKA_PORT            client listener (default 9092)
#   SWITCHYARD_KAFKA_CONTROLLER_PORT KRaft controller listener (default 9093)
#   SWITCHYARD_KAFKA_VERSION         Kafka version to fetch/run (default 4.4.0)
#   SWITCHYARD_DATA_DIR              runtime state (default <repo>/.data); ours is in ./kafka
#   SWITCHYARD_CACHE_DIR             downloaded jars (default ~/.cache/switchyard)
#   KAFKA_HEAP_OPTS                  JVM heap (default -Xms256m -Xmx512m)
#   KAFKA_OPTS                       extra JVM options
set -euo pipefail

LOG_PREFIX=kafka
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST=127.0.0.1
PORT="${SWITCHYARD_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${SWITCHYARD_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_VERSION="${SWITCHYARD_KAFKA_VERSION:-4.4.0}"

POM="$INFRA_DIR/kafka/pom.xml"
TEMPLATE="$INFRA_DIR/kafka/server.properties.tmpl"
LOG4J_CONFIG="$INFRA_DIR/kafka/log4j2.yaml"

DIST_DIR="$CACHE_DIR/kafka-$KAFKA_VERSION"
LIBS="$DIST_DIR/libs"
FETCH_MARKER="$DIST_DIR/.fetched"

KAFKA_DIR="$DATA_DIR/kafka"
PID_FILE="$KAFKA_DIR/kafka.pid"
SERVER_LOG="$KAFKA_DIR/server.log"
PROPS="$KAFKA_DIR/server.properties"
LOG_DIRS="$KAFKA_DIR/data"

START_TIMEOUT=90
STOP_TIMEOUT=30

# The marker records the pom's hash and the version, so editing the pom (or
# changing SWITCHYARD_KAFKA_VERSION) triggers a fresh download.
fetch_stamp() {
    printf '%s %s\n' "$KAFKA_VERSION" "$(sha256sum "$POM" | cut -d' ' -f1)"
}

cmd_fetch() {
    if [ -f "$FETCH_MARKER" ] && [ "$(cat "$FETCH_MARKER")" = "$(fetch_stamp)" ]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found; install Maven (apt-get install -y maven) to fetch Kafka"
    command -v java >/dev/null || die "java not found; Kafka $KAFKA_VERSION needs Java 17+"
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
    mkdir -p "$DIST_DIR"
    # Download into a temp dir and swap it in, so an interrupted fetch never
    # leaves a half-filled libs/ that looks complete.
    local tmp="$DIST_DIR/libs.tmp.$$" mvn_log="$DIST_DIR/fetch.log"
    rm -rf "$tmp"
    if ! mvn -B -q -f "$POM" -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
        rm -rf "$tmp"
        show_log_tail "$mvn_log" 30
        die "could not fetch Kafka $KAFKA_VERSION with Maven (full log: $mvn_log)"
    fi
    ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven finished but no kafka_2.13 jar in $tmp"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    fetch_stamp >"$FETCH_MARKER"
}

# Our broker = the pid in our pid file, alive, and really a Kafka JVM
# (guards against a stale pid file whose pid was reused).
running_pid() {
    local pid
    pid="$(read_pid "$PID_FILE")"
    if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
        echo "$pid"
        return 0
    fi
    return 1
}

# Client port of the running broker, from the config it was started with
# (SWITCHYARD_KAFKA_PORT may differ in the caller's environment).
running_port() {
    sed -n 's|^advertised\.listeners=PLAINTEXT://[^:]*:\([0-9]*\).*|\1|p' "$PROPS" 2>/dev/null | head -n1
}

# Ready = the client port accepts connections AND the broker logged that it
# finished starting (the port opens a little before the broker can serve).
wait_ready() {
    local pid="$1" port="${2:-$PORT}" deadline=$((SECONDS + START_TIMEOUT))
    wait_for_port "$HOST" "$port" "$START_TIMEOUT" "$pid" || return 1
    while ((SECONDS < deadline)); do
        pid_alive "$pid" || return 1
        grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

render_config() {
    sed -e "s|@PORT@|$PORT|g" \
        -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
        -e "s|@LOG_DIRS@|$LOG_DIRS|g" \
        "$TEMPLATE" >"$PROPS"
}

java_opts() {
    # shellcheck disable=SC2206  # word splitting of user-provided option strings is intended
    JAVA_OPTS=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
        -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$LOG4J_CONFIG"
        ${KAFKA_OPTS:-})
}

# Format the KRaft storage once; later starts reuse it (meta.properties exists).
format_storage() {
    [ -f "$LOG_DIRS/meta.properties" ] && return 0
    # Same shape as `kafka-storage random-uuid` (16 random bytes, base64url,
    # unpadded) without paying for another JVM start. A leading '-' would be
    # parsed as an option, so Kafka never generates one; neither do we.
    local cluster_id="-"
    while [ "${cluster_id:0:1}" = "-" ]; do
        cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    if ! java -cp "$LIBS/*" "${JAVA_OPTS[@]}" kafka.tools.StorageTool format \
        --config "$PROPS" --cluster-id "$cluster_id" --ignore-formatted >>"$SERVER_LOG" 2>&1; then
        show_log_tail "$SERVER_LOG"
        die "formatting the KRaft storage in $LOG_DIRS failed"
    fi
}

cmd_start() {
    if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
        reachable_any "$KAFKA_BOOTSTRAP_SERVERS" ||
            die "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS is set but not reachable (unset it to run a local broker)"
        log "using external broker KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS"
        return 0
    fi

    take_lock "$DATA_DIR/kafka.lock"
    local pid
    if pid="$(running_pid)"; then
        local port
        port="$(running_port)"
        port="${port:-$PORT}"
        wait_ready "$pid" "$port" || { show_log_tail "$SERVER_LOG"; die "broker (pid $pid) is running but not ready"; }
        log "already running on $HOST:$port (pid $pid)"
        [ "$port" = "$PORT" ] || warn "note: it listens on $port, not SWITCHYARD_KAFKA_PORT=$PORT; stop it first to change ports"
        return 0
    fi

    # Not ours but listening: refuse rather than "succeed" against a stranger.
    port_open "$HOST" "$PORT" &&
        die "port $PORT on $HOST is already in use by another process; stop it or set SWITCHYARD_KAFKA_PORT to a free port"
    port_open "$HOST" "$CONTROLLER_PORT" &&
        die "controller port $CONTROLLER_PORT on $HOST is already in use by another process; stop it or set SWITCHYARD_KAFKA_CONTROLLER_PORT to a free port"

    cmd_fetch
    command -v java >/dev/null || die "java not found; Kafka $KAFKA_VERSION needs Java 17+"
    mkdir -p "$KAFKA_DIR"
    # Keep the previous run's log for post-mortems, start a fresh one.
    [ -f "$SERVER_LOG" ] && mv -f "$SERVER_LOG" "$SERVER_LOG.1"
    : >"$SERVER_LOG"
    rm -f "$PID_FILE"
    render_config
    java_opts
    format_storage

    # setsid: own session, so the broker survives the caller's shell/CI step
    # ending and isn't hit by signals sent to the caller's process group.
    # The inner shell writes its own pid, which `exec` hands over to java.
    # 9>&-: the broker must not inherit (and so hold forever) the start lock.
    # shellcheck disable=SC2016  # $$/$1/$@ belong to the inner bash
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
        java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$PROPS" \
        </dev/null >>"$SERVER_LOG" 2>&1 9>&- &

    # The pid file appears within milliseconds.
    local _
    for _ in $(seq 50); do
        [ -s "$PID_FILE" ] && break
        sleep 0.1
    done
    pid="$(read_pid "$PID_FILE")"

    if ! wait_ready "$pid"; then
        show_log_tail "$SERVER_LOG"
        if pid_alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            rm -f "$PID_FILE"
            die "broker did not become ready on $HOST:$PORT within ${START_TIMEOUT}s; killed it (log: $SERVER_LOG)"
        fi
        rm -f "$PID_FILE"
        die "broker exited during startup (log: $SERVER_LOG)"
    fi
    log "ready on $HOST:$PORT"
}

cmd_stop() {
    if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
        log "KAFKA_BOOTSTRAP_SERVERS is set: external broker, nothing to stop"
        return 0
    fi
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid" && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if pid_alive "$pid"; then
        warn "broker (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
        if reachable_any "$KAFKA_BOOTSTRAP_SERVERS"; then
            log "external broker $KAFKA_BOOTSTRAP_SERVERS is reachable"
            return 0
        fi
        log "external broker $KAFKA_BOOTSTRAP_SERVERS is NOT reachable"
        return 1
    fi
    local pid
    if pid="$(running_pid)"; then
        log "running on $HOST:$(running_port) (pid $pid, data $KAFKA_DIR)"
        return 0
    fi
    log "not running"
    return 1
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
fetch) cmd_fetch ;;
*) usage_exit "start|stop|status|fetch" ;;
esac
