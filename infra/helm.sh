#!/usr/bin/env bash
# Helm, built from its Go module into the cache when missing (the chart's test runs it).
#
#   infra/helm.sh path     build helm if needed, print the binary's path
#
# Environment:
#   SWITCHYARD_HELM_VERSION   helm module version (default v4.3.2)
#   SWITCHYARD_CACHE_DIR      where the binary is kept (default ~/.cache/switchyard)
#   GO                        the go command (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

LOG_PREFIX=helm
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM_VERSION="${SWITCHYARD_HELM_VERSION:-v4.3.2}"
HELM_MAJOR="${HELM_VERSION%%.*}"
BIN_DIR="$CACHE_DIR/helm-$HELM_VERSION"
HELM="$BIN_DIR/helm"

go_command() {
    if [ -n "${GO:-}" ]; then echo "$GO"; return; fi
    command -v go 2>/dev/null && return
    [ -x /usr/local/go/bin/go ] && { echo /usr/local/go/bin/go; return; }
    die "go not found; Helm $HELM_VERSION is built from its Go module (install Go, or set GO)"
}

cmd_path() {
    if [ ! -x "$HELM" ]; then
        take_lock "$CACHE_DIR/helm.lock"
        if [ ! -x "$HELM" ]; then
            local go build_log="$CACHE_DIR/helm-build.log"
            go="$(go_command)"
            mkdir -p "$BIN_DIR"
            log "building helm $HELM_VERSION from its Go module (a few minutes, once)" >&2
            if ! GOBIN="$BIN_DIR" GOFLAGS=-mod=mod "$go" install "helm.sh/helm/$HELM_MAJOR/cmd/helm@$HELM_VERSION" \
                >"$build_log" 2>&1; then
                show_log_tail "$build_log" 30
                die "go install helm.sh/helm/$HELM_MAJOR/cmd/helm@$HELM_VERSION failed (log: $build_log)"
            fi
        fi
    fi
    echo "$HELM"
}

case "${1:-}" in
path) cmd_path ;;
*) usage_exit "path" ;;
esac
