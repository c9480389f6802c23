# shellcheck shell=bash
# Shared helpers for infra/kafka.sh and infra/postgres.sh. Source it, don't run it.
# Expects the caller to have `set -euo pipefail` and to set LOG_PREFIX (e.g. "kafka").

# Repo root = parent of the directory holding this file, whatever the caller's cwd.
INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/.." && pwd)"

# Runtime state (data, pid files, logs) lives in the repo by default so that
# `rm -rf .data` (servers stopped) is a full reset; downloads live in a per-user cache so that
# fresh clones don't re-download.
# shellcheck disable=SC2034  # used by the sourcing scripts
DATA_DIR="${SWITCHYARD_DATA_DIR:-$REPO_ROOT/.data}"
# shellcheck disable=SC2034
CACHE_DIR="${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}"

LOG_PREFIX="${LOG_PREFIX:-infra}"

log() { printf '%s: %s\n' "$LOG_PREFIX" "$*"; }
warn() { printf '%s: %s\n' "$LOG_PREFIX" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$LOG_PREFIX" "$*" >&2
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# port_open HOST PORT: true if something accepts TCP connections there.
# Uses bash's /dev/tcp (no nc needed); `timeout` guards against a
# black-holed remote host hanging the connect.
port_open() {
    # shellcheck disable=SC2016  # $1/$2 are expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# pid_alive PID: true if the process exists (and isn't a zombie).
pid_alive() {
    local pid="$1"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    # A zombie still answers kill -0; treat it as dead.
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]
}

# read_pid FILE: print the pid stored in FILE, or nothing.
read_pid() {
    if [ -f "$1" ]; then tr -dc '0-9' <"$1"; fi
}

# wait_for_port HOST PORT TIMEOUT_S [PID]: poll until the port accepts
# connections. Gives up early (returns 1) if PID is given and dies.
wait_for_port() {
    local host="$1" port="$2" timeout_s="$3" pid="${4:-}"
    local deadline=$((SECONDS + timeout_s))
    while ((SECONDS < deadline)); do
        if [ -n "$pid" ] && ! pid_alive "$pid"; then
            return 1
        fi
        port_open "$host" "$port" && return 0
        sleep 0.2
    done
    return 1
}

# show_log_tail FILE [N]: print the last lines of a server log to stderr,
# so a failed start explains itself.
show_log_tail() {
    local file="$1" n="${2:-40}"
    if [ -s "$file" ]; then
        printf -- '--- last %s lines of %s ---\n' "$n" "$file" >&2
        tail -n "$n" "$file" >&2
        printf -- '---\n' >&2
    else
        printf '(no log output in %s)\n' "$file" >&2
    fi
}

# reachable_any "host1:port1,host2:port2": true if any of them answers.
reachable_any() {
    local item host port
    local IFS=','
    for item in $1; do
        item="${item#*://}" # tolerate PLAINTEXT://host:port
        host="${item%:*}"
        port="${item##*:}"
        host="${host#[}"
        host="${host%]}"
        [ -n "$host" ] && [ -n "$port" ] && port_open "$host" "$port" && return 0
    done
    return 1
}

# take_lock FILE: serialise concurrent `start`s (e.g. parallel CI steps) so
# they don't race to initialise/launch the same server. Held until exit.
take_lock() {
    command -v flock >/dev/null || return 0
    mkdir -p "$(dirname "$1")"
    exec 9>"$1"
    flock -w 120 9 || die "timed out waiting for another start holding $1"
}

usage_exit() {
    printf 'usage: %s {%s}\n' "$(basename "$0")" "$1" >&2
    exit 2
}
