#!/usr/bin/env bash
# A three-broker Apache Kafka cluster (KRaft: each node a broker and a controller) from the jars infra/kafka.sh
# fetches, for the cluster test: topics replicated three times, min.insync.replicas=2.
#
#   infra/kafka-cluster.sh start          format each node once (one cluster id), start the three, wait until ready
#   infra/kafka-cluster.sh stop           SIGTERM each, SIGKILL after 30 s; fine if not running
#   infra/kafka-cluster.sh status         exit 0 if all three run, 1 if not
#   infra/kafka-cluster.sh start-node N   start node N (1-3) again, wait until ready
#   infra/kafka-cluster.sh kill-node N    SIGKILL node N (no clean shutdown)
#   infra/kafka-cluster.sh bootstrap      print the bootstrap servers (host:port,host:port,host:port)
#
# Environment:
#   SWITCHYARD_KAFKA_CLUSTER_HOSTS   the nodes' addresses, comma separated (default 127.0.0.1 three times)
#   SWITCHYARD_KAFKA_CLUSTER_NETNS   network namespaces (made by the caller) to run nodes 1-3 in, comma separated
#   SWITCHYARD_KAFKA_CLUSTER_PORT    client port of node 1 (default 19092); node N listens on +10*(N-1), its
#                                    controller one above
#   SWITCHYARD_KAFKA_VERSION, SWITCHYARD_DATA_DIR (ours in ./kafka-cluster), SWITCHYARD_CACHE_DIR, KAFKA_HEAP_OPTS
set -euo pipefail

LOG_PREFIX=kafka-cluster
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODES=3
KAFKA_VERSION="${SWITCHYARD_KAFKA_VERSION:-4.4.0}"
BASE_PORT="${SWITCHYARD_KAFKA_CLUSTER_PORT:-19092}"
IFS=',' read -r -a HOSTS <<<"${SWITCHYARD_KAFKA_CLUSTER_HOSTS:-127.0.0.1,127.0.0.1,127.0.0.1}"
IFS=',' read -r -a NETNS <<<"${SWITCHYARD_KAFKA_CLUSTER_NETNS:-}"
((${#HOSTS[@]} == NODES)) || die "SWITCHYARD_KAFKA_CLUSTER_HOSTS names ${#HOSTS[@]} addresses, not $NODES"
((${#NETNS[@]} == 0 || ${#NETNS[@]} == NODES)) || die "SWITCHYARD_KAFKA_CLUSTER_NETNS names ${#NETNS[@]} namespaces, not $NODES"

TEMPLATE="$INFRA_DIR/kafka/cluster.properties.tmpl"
LOG4J_CONFIG="$INFRA_DIR/kafka/log4j2.yaml"
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
CLUSTER_DIR="$DATA_DIR/kafka-cluster"
START_TIMEOUT=120
STOP_TIMEOUT=30

host() { echo "${HOSTS[$(($1 - 1))]}"; }
port() { echo $((BASE_PORT + 10 * ($1 - 1))); }
controller_port() { echo $(($(port "$1") + 1)); }
node_dir() { echo "$CLUSTER_DIR/node-$1"; }
pid_file() { echo "$(node_dir "$1")/kafka.pid"; }
server_log() { echo "$(node_dir "$1")/server.log"; }

# The command prefix that runs a program in node N's namespace (nothing when the nodes share this one).
in_netns() {
    if ((${#NETNS[@]})); then
        echo ip netns exec "${NETNS[$(($1 - 1))]}"
    fi
}

voters() {
    local n out=()
    for n in $(seq "$NODES"); do out+=("$n@$(host "$n"):$(controller_port "$n")"); done
    (IFS=','; echo "${out[*]}")
}

bootstrap() {
    local n out=()
    for n in $(seq "$NODES"); do out+=("$(host "$n"):$(port "$n")"); done
    (IFS=','; echo "${out[*]}")
}

running_pid() {
    local pid
    pid="$(read_pid "$(pid_file "$1")")"
    if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
        echo "$pid"
        return 0
    fi
    return 1
}

render_config() {
    local n="$1"
    sed -e "s|@NODE_ID@|$n|g" -e "s|@HOST@|$(host "$n")|g" -e "s|@PORT@|$(port "$n")|g" \
        -e "s|@CONTROLLER_PORT@|$(controller_port "$n")|g" -e "s|@VOTERS@|$(voters)|g" \
        -e "s|@LOG_DIRS@|$(node_dir "$n")/data|g" "$TEMPLATE" >"$(node_dir "$n")/server.properties"
}

java_opts() {
    # shellcheck disable=SC2206  # word splitting of user-provided option strings is intended
    JAVA_OPTS=(${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m}
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1
        -Djava.awt.headless=true "-Dlog4j2.configurationFile=$LOG4J_CONFIG")
}

# Every node formatted once, with the cluster id of the first start.
format_node() {
    local n="$1" dir
    dir="$(node_dir "$n")"
    [ -f "$dir/data/meta.properties" ] && return 0
    if ! java -cp "$LIBS/*" "${JAVA_OPTS[@]}" kafka.tools.StorageTool format --config "$dir/server.properties" \
        --cluster-id "$(cat "$CLUSTER_DIR/cluster.id")" --ignore-formatted >>"$(server_log "$n")" 2>&1; then
        show_log_tail "$(server_log "$n")"
        die "formatting node $n's storage failed"
    fi
}

launch_node() {
    local n="$1" log
    log="$(server_log "$n")"
    mkdir -p "$(node_dir "$n")"
    [ -f "$log" ] && mv -f "$log" "$log.1"
    : >"$log"
    rm -f "$(pid_file "$n")"
    render_config "$n"
    format_node "$n"
    # setsid: a session of its own (signals to the caller's group miss it); `ip netns exec` and then java replace
    # the inner shell, so the pid written is the broker's.
    # shellcheck disable=SC2016,SC2046  # $$/$1/$@ belong to the inner bash; in_netns is meant to split
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$(pid_file "$n")" $(in_netns "$n") \
        java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$(node_dir "$n")/server.properties" \
        </dev/null >>"$log" 2>&1 9>&- &
}

wait_node_ready() {
    local n="$1" pid deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        pid="$(read_pid "$(pid_file "$n")")"
        if [ -n "$pid" ]; then
            pid_alive "$pid" || { show_log_tail "$(server_log "$n")"; die "node $n exited during startup"; }
            if grep -q 'Kafka Server started' "$(server_log "$n")" 2>/dev/null &&
                port_open "$(host "$n")" "$(port "$n")"; then
                return 0
            fi
        fi
        sleep 0.2
    done
    show_log_tail "$(server_log "$n")"
    die "node $n not ready on $(host "$n"):$(port "$n") within ${START_TIMEOUT}s (log: $(server_log "$n"))"
}

cmd_start() {
    take_lock "$DATA_DIR/kafka-cluster.lock"
    bash "$INFRA_DIR/kafka.sh" fetch
    command -v java >/dev/null || die "java not found; Kafka $KAFKA_VERSION needs Java 17+"
    mkdir -p "$CLUSTER_DIR"
    if [ ! -s "$CLUSTER_DIR/cluster.id" ]; then
        local id="-"  # the shape of `kafka-storage random-uuid`, never starting with '-' (see infra/kafka.sh)
        while [ "${id:0:1}" = "-" ]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; done
        echo "$id" >"$CLUSTER_DIR/cluster.id"
    fi
    java_opts
    local n
    # All three at once: a controller quorum needs two voters up before any node finishes starting.
    for n in $(seq "$NODES"); do
        running_pid "$n" >/dev/null || launch_node "$n"
    done
    for n in $(seq "$NODES"); do wait_node_ready "$n"; done
    log "ready: $(bootstrap)"
}

cmd_start_node() {
    local n="${1:?node number}"
    running_pid "$n" >/dev/null && { log "node $n already running"; return 0; }
    java_opts
    launch_node "$n"
    wait_node_ready "$n"
    log "node $n ready on $(host "$n"):$(port "$n")"
}

cmd_kill_node() {
    local n="${1:?node number}" pid
    pid="$(running_pid "$n")" || { log "node $n not running"; return 0; }
    kill -KILL "$pid"
    while pid_alive "$pid"; do sleep 0.1; done
    rm -f "$(pid_file "$n")"
    log "node $n killed"
}

cmd_stop() {
    local n pid pids=()
    for n in $(seq "$NODES"); do
        if pid="$(running_pid "$n")"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    local deadline=$((SECONDS + STOP_TIMEOUT))
    for pid in "${pids[@]}"; do
        while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
        pid_alive "$pid" && { warn "node (pid $pid) ignored SIGTERM; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
    done
    for n in $(seq "$NODES"); do rm -f "$(pid_file "$n")"; done
    log "stopped"
}

cmd_status() {
    local n up=0
    for n in $(seq "$NODES"); do
        if running_pid "$n" >/dev/null; then up=$((up + 1)); fi
    done
    log "$up of $NODES nodes running ($(bootstrap))"
    ((up == NODES))
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
start-node) cmd_start_node "${2:-}" ;;
kill-node) cmd_kill_node "${2:-}" ;;
bootstrap) bootstrap ;;
*) usage_exit "start|stop|status|start-node N|kill-node N|bootstrap" ;;
esac
