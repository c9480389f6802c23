#!/usr/bin/env bash
# Local PostgreSQL cluster for development and tests, separate from any
# system-wide PostgreSQL service (own data dir, own port, own socket dir).
#
#   infra/postgres.sh start    install server binaries if missing, initdb once, start, wait until ready
#   infra/postgres.sh stop     fast shutdown; fine if not running
#   infra/postgres.sh status   exit 0 if our cluster is running, 1 if not
#   infra/postgres.sh url      print the DATABASE_URL to use
#
# Environment:
#   DATABASE_URL          external database: start/status only check it is reachable, url prints it
#   SWITCHYARD_PG_PORT    TCP port on 127.0.0.1 (default 55432)
#   SWITCHYARD_PG_HOST    the address to listen on instead of 127.0.0.1 (the cluster test's own host)
#   SWITCHYARD_PG_NETNS   a network namespace (made by the caller) to run the server in
#   SWITCHYARD_PG_TRUST_NET  a network (CIDR) whose clients are trusted like loopback ones (pg_hba.conf)
#   SWITCHYARD_DATA_DIR   runtime state (default <repo>/.data); ours is in ./postgres
#   SWITCHYARD_PG_BINDIR  directory with pg_ctl/initdb/postgres (default: auto-detect)
#
# As root, the server runs as the `postgres` system user (PostgreSQL refuses
# to run as root): the script creates that user if needed, hands it
# <data>/postgres and makes sure it can traverse the parent directories.
set -euo pipefail

LOG_PREFIX=postgres
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST="${SWITCHYARD_PG_HOST:-127.0.0.1}"
NETNS="${SWITCHYARD_PG_NETNS:-}"
TRUST_NET="${SWITCHYARD_PG_TRUST_NET:-}"
PORT="${SWITCHYARD_PG_PORT:-55432}"
DB_USER=switchyard
DB_NAME=switchyard
URL="postgresql://$DB_USER@$HOST:$PORT/$DB_NAME"

PG_ROOT="$DATA_DIR/postgres"
PGDATA_DIR="$PG_ROOT/pgdata"
SERVER_LOG="$PG_ROOT/server.log"
START_TIMEOUT=60
PG_OS_USER=postgres

PG_BIN=""

# --- binaries -----------------------------------------------------------------

has_server_bins() {
    local d="$1" b
    for b in pg_ctl initdb postgres pg_isready psql createdb; do
        [ -x "$d/$b" ] || return 1
    done
}

# Debian keeps server binaries off PATH in /usr/lib/postgresql/<ver>/bin.
# Prefer the version that created an existing cluster (a cluster can't be
# started by a different major version), else the newest installed.
find_server_bins() {
    if [ -n "${SWITCHYARD_PG_BINDIR:-}" ]; then
        has_server_bins "$SWITCHYARD_PG_BINDIR" ||
            die "SWITCHYARD_PG_BINDIR=$SWITCHYARD_PG_BINDIR lacks pg_ctl/initdb/postgres/pg_isready/psql/createdb"
        PG_BIN="$SWITCHYARD_PG_BINDIR"
        return 0
    fi
    local d candidates=()
    if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
        candidates+=("/usr/lib/postgresql/$(cat "$PGDATA_DIR/PG_VERSION")/bin")
    fi
    # shellcheck disable=SC2012  # fixed, well-known directory names
    while IFS= read -r d; do
        candidates+=("$d")
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -V -r)
    if command -v pg_ctl >/dev/null; then
        candidates+=("$(dirname "$(command -v pg_ctl)")")
    fi
    for d in "${candidates[@]}"; do
        if has_server_bins "$d"; then
            PG_BIN="$d"
            return 0
        fi
    done
    return 1
}

install_server_bins() {
    is_root || die "PostgreSQL server binaries not found; install them (e.g. sudo apt-get install -y postgresql) or set SWITCHYARD_PG_BINDIR"
    command -v apt-get >/dev/null || die "PostgreSQL server binaries not found and apt-get is unavailable; install PostgreSQL and set SWITCHYARD_PG_BINDIR"
    log "server binaries not found; installing Debian's postgresql package (one-time)"
    local apt_log
    apt_log="$(mktemp -t switchyard-apt.XXXXXX)"
    # Debian's package may create and start its own 'main' cluster on 5432;
    # we leave that alone and run our own cluster next to it.
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >"$apt_log" 2>&1; then
        show_log_tail "$apt_log" 30
        die "apt-get install postgresql failed (full log: $apt_log)"
    fi
    rm -f "$apt_log"
}

ensure_server_bins() {
    find_server_bins && return 0
    install_server_bins
    find_server_bins || die "postgresql installed, but no pg_ctl found under /usr/lib/postgresql/*/bin"
}

# Any pg_isready for reachability checks of an external DATABASE_URL; client
# tools are on PATH on Debian even when server binaries are not.
find_pg_isready() {
    if command -v pg_isready >/dev/null; then
        command -v pg_isready
        return 0
    fi
    # shellcheck disable=SC2012
    ls /usr/lib/postgresql/*/bin/pg_isready 2>/dev/null | sort -V -r | head -n1 || true
}

# --- running as the postgres OS user when we are root ---------------------------

# Run a server-side command (initdb, pg_ctl) as the cluster owner. From "/" so
# the postgres user isn't stuck in an unreadable cwd such as /root.
as_owner() {
    if is_root; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

# pg_ctl start, in the server's network namespace when it has one (the postmaster inherits it; root only).
start_server() {
    if [ -z "$NETNS" ]; then
        as_owner "$@"
        return
    fi
    is_root || die "SWITCHYARD_PG_NETNS needs root (ip netns exec)"
    (cd / && ip netns exec "$NETNS" runuser -u "$PG_OS_USER" -- "$@")
}

ensure_os_user() {
    is_root || return 0
    id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
    log "creating system user '$PG_OS_USER' to run the server (PostgreSQL refuses to run as root)"
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
}

# Create <data>/postgres, owned by the cluster owner. As root, also make sure
# the postgres user can reach it: every parent directory needs o+x (search
# only, not read). Repos under e.g. /root (mode 700) need this.
prepare_dirs() {
    mkdir -p "$PG_ROOT"
    is_root || return 0

    if [ "$(stat -c %U "$PG_ROOT")" != "$PG_OS_USER" ]; then
        chown -R "$PG_OS_USER:" "$PG_ROOT"
    fi
    chmod 700 "$PG_ROOT"

    local real d parents=()
    real="$(cd -P "$PG_ROOT" && pwd)"
    d="$real"
    while [ "$d" != "/" ]; do
        d="$(dirname "$d")"
        parents=("$d" "${parents[@]}")
    done
    for d in "${parents[@]}"; do
        if ! runuser -u "$PG_OS_USER" -- test -x "$d" 2>/dev/null; then
            chmod o+x "$d"
            log "note: ran chmod o+x $d so user '$PG_OS_USER' can reach $real"
        fi
    done
    runuser -u "$PG_OS_USER" -- test -w "$real" ||
        die "user '$PG_OS_USER' cannot write $real; set SWITCHYARD_DATA_DIR to a directory it can reach"
}

# --- cluster ------------------------------------------------------------------

init_cluster() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] && return 0
    if [ -e "$PGDATA_DIR" ]; then
        # initdb cleans up after itself on failure; a leftover dir without
        # PG_VERSION means it was killed halfway. Nothing in it is worth keeping.
        warn "removing incomplete cluster directory $PGDATA_DIR"
        rm -rf "$PGDATA_DIR"
    fi
    log "initialising a new cluster in $PGDATA_DIR"
    local init_log="$PG_ROOT/initdb.log"
    # trust auth: a loopback-only dev cluster with no passwords to manage.
    # --no-locale: C collation, available everywhere and fast; UTF8 encoding.
    # --no-sync: don't fsync the fresh cluster (dev/test only).
    if ! as_owner "$PG_BIN/initdb" -D "$PGDATA_DIR" -U "$DB_USER" -A trust -E UTF8 \
        --no-locale --no-sync >"$init_log" 2>&1; then
        show_log_tail "$init_log" 30
        die "initdb failed (full log: $init_log)"
    fi
}

# Settings live in an include file that is rewritten on every start, so
# changing SWITCHYARD_PG_PORT or this script takes effect without initdb.
write_config() {
    local conf="$PGDATA_DIR/switchyard.conf" sockdir="$PG_ROOT"
    # Unix socket paths are limited to ~107 bytes; with a deep repo path we
    # skip the socket (every client here uses TCP on 127.0.0.1 anyway).
    if [ $(( ${#sockdir} + ${#PORT} + 12 )) -gt 100 ]; then
        sockdir=""
    fi
    cat >"$conf" <<EOF
# Written by infra/postgres.sh on every start: edit the script, not this file.
port = $PORT
listen_addresses = '$HOST'
unix_socket_directories = '$sockdir'
max_connections = 200

# Dev/test cluster: durability is traded for speed. fsync, synchronous commit
# and full-page writes are off, so a crash of the machine (not of postgres)
# can lose or corrupt recent data. Never copy these settings to production.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    is_root && chown "$PG_OS_USER:" "$conf"
    if [ -n "$TRUST_NET" ] && ! grep -q "^host all all $TRUST_NET trust" "$PGDATA_DIR/pg_hba.conf"; then
        printf "host all all %s trust\n" "$TRUST_NET" >>"$PGDATA_DIR/pg_hba.conf"
    fi
    if ! grep -q "^include_if_exists = 'switchyard.conf'" "$PGDATA_DIR/postgresql.conf"; then
        printf "\n# Local overrides for the Switchyard dev cluster.\ninclude_if_exists = 'switchyard.conf'\n" \
            >>"$PGDATA_DIR/postgresql.conf"
    fi
}

cluster_running() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] || return 1
    as_owner "$PG_BIN/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1
}

# Port the running postmaster listens on (4th line of postmaster.pid).
running_port() {
    sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true
}

wait_ready() {
    local port="$1" deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        "$PG_BIN/pg_isready" -q -h "$HOST" -p "$port" -U "$DB_USER" -d postgres -t 2 && return 0
        sleep 0.2
    done
    return 1
}

ensure_database() {
    local port="$1"
    local psql=("$PG_BIN/psql" -X -q -h "$HOST" -p "$port" -U "$DB_USER")
    if [ "$("${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname = '$DB_NAME'")" != "1" ]; then
        "$PG_BIN/createdb" -h "$HOST" -p "$port" -U "$DB_USER" "$DB_NAME"
    fi
}

# --- commands -----------------------------------------------------------------

check_external() {
    local isready
    isready="$(find_pg_isready)"
    if [ -n "$isready" ]; then
        "$isready" -q -d "$DATABASE_URL" -t 5
        return
    fi
    # No client tools: fall back to a TCP check of host:port from the URL.
    local rest="${DATABASE_URL#*://}"
    rest="${rest#*@}"
    rest="${rest%%/*}"
    rest="${rest%%\?*}"
    local host="${rest%%:*}" port=5432
    [[ "$rest" == *:* ]] && port="${rest##*:}"
    port_open "${host:-localhost}" "$port"
}

cmd_start() {
    if [ -n "${DATABASE_URL:-}" ]; then
        check_external || die "DATABASE_URL is set but the database is not reachable (unset it to run a local cluster)"
        log "using external database DATABASE_URL=$DATABASE_URL"
        return 0
    fi

    take_lock "$DATA_DIR/postgres.lock"
    ensure_server_bins
    ensure_os_user

    if cluster_running; then
        local port
        port="$(running_port)"
        port="${port:-$PORT}"
        wait_ready "$port" || { show_log_tail "$SERVER_LOG"; die "cluster in $PGDATA_DIR is running but not accepting connections"; }
        ensure_database "$port"
        log "already running, DATABASE_URL=postgresql://$DB_USER@$HOST:$port/$DB_NAME"
        [ "$port" = "$PORT" ] || warn "note: it listens on $port, not SWITCHYARD_PG_PORT=$PORT; stop it first to change ports"
        return 0
    fi

    port_open "$HOST" "$PORT" &&
        die "port $PORT on $HOST is already in use by another process; stop it or set SWITCHYARD_PG_PORT to a free port"

    prepare_dirs
    init_cluster
    write_config

    # Keep the previous run's log for post-mortems, start a fresh one.
    [ -f "$SERVER_LOG" ] && mv -f "$SERVER_LOG" "$SERVER_LOG.1"
    # 9>&-: the postmaster must not inherit (and so hold forever) the start lock.
    if ! start_server "$PG_BIN/pg_ctl" start -D "$PGDATA_DIR" -l "$SERVER_LOG" -w -t "$START_TIMEOUT" -s 9>&-; then
        show_log_tail "$SERVER_LOG"
        die "could not start the cluster in $PGDATA_DIR (log: $SERVER_LOG)"
    fi
    if ! wait_ready "$PORT"; then
        show_log_tail "$SERVER_LOG"
        die "cluster started but $HOST:$PORT does not accept connections (log: $SERVER_LOG)"
    fi
    ensure_database "$PORT"
    log "ready, DATABASE_URL=$URL"
}

cmd_stop() {
    if [ -n "${DATABASE_URL:-}" ]; then
        log "DATABASE_URL is set: external database, nothing to stop"
        return 0
    fi
    # Without binaries we can't have started anything; don't install just to stop.
    if ! find_server_bins || ! cluster_running; then
        log "not running"
        return 0
    fi
    as_owner "$PG_BIN/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t 60 -s
    log "stopped"
}

cmd_status() {
    if [ -n "${DATABASE_URL:-}" ]; then
        if check_external; then
            log "external database DATABASE_URL=$DATABASE_URL is reachable"
            return 0
        fi
        log "external database DATABASE_URL=$DATABASE_URL is NOT reachable"
        return 1
    fi
    if find_server_bins && cluster_running; then
        log "running on $HOST:$(running_port) (data $PGDATA_DIR)"
        return 0
    fi
    log "not running"
    return 1
}

cmd_url() {
    printf '%s\n' "${DATABASE_URL:-$URL}"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) cmd_url ;;
*) usage_exit "start|stop|status|url" ;;
esac
