#!/usr/bin/env bash
#
# test-real-server.sh: run a command with the real nats-streaming-server
# binaries and a stan.go reader, for tests/it/real_server.rs (the oracle: the
# real server started on every store stanctl writes).
#
# Usage:
#   scripts/test-real-server.sh CMD [ARGS...]
#   scripts/test-real-server.sh cargo test --test it real_server::
#   STANCTL_REAL_SERVER=/path/to/nats-streaming-server scripts/test-real-server.sh cargo test --test it real_server::
#
# What it does:
#   1. Finds `go`; when it is missing, installs Debian's golang-go with
#      apt-get (as root, or through sudo -n).
#   2. Builds, from the unmodified upstream archives in ../shared/upstream/
#      (see its README), in a temporary directory:
#        - nats-streaming-server v0.23.2 (module mode, vendored, offline);
#        - v0.9.2 and v0.4.0 (GOPATH mode, offline);
#        - tests/real-server/reader/main.go (this project's reader), copied
#          into the v0.23.2 tree, which vendors the stan.go client.
#      The servers are cached in target/real-server/servers-<hash>/, keyed by
#      the SHA-256 of the archives and `go version`, the reader in
#      target/real-server/reader-<hash>/ (v0.23.2's archive, the reader's
#      source, `go version`), so a second run builds nothing and a changed
#      reader rebuilds only the reader.
#      STANCTL_REAL_SERVER=/path names an operator's own v0.23.x binary
#      instead of the built one (the reader and older servers are still
#      built when Go and the archives are there).
#   3. Runs CMD with these variables exported (only those it could provide):
#        STANCTL_REAL_SERVER          nats-streaming-server v0.23.x
#        STANCTL_REAL_SERVER_V0_9     nats-streaming-server v0.9.2
#        STANCTL_REAL_SERVER_V0_4     nats-streaming-server v0.4.0
#        STANCTL_REAL_SERVER_READER   the stan.go reader
#        STANCTL_REAL_SERVER_REPORT   a directory where each oracle case
#                                     writes its one-line result
#      and prints the table of those results (fixture x backend) after CMD.
#   4. When Go or ../shared is missing and the real server is not required,
#      it says why and runs CMD without the variables: the tests then skip,
#      saying so. With CI or STANCTL_REQUIRE_REAL_SERVER=1 in the
#      environment, a missing piece is an error (exit 1, before CMD).
#   5. The exit status is CMD's. Its temporary directories are removed on
#      exit (normal, error, Ctrl-C, SIGTERM).
#
set -euo pipefail

readonly LOG_PREFIX="test-real-server:"
log() { printf '%s %s\n' "$LOG_PREFIX" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
    sed -n '2,/^set -euo pipefail$/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

if [[ $# -ge 1 && "$1" == "--" ]]; then
    shift
fi
if [[ $# -eq 0 ]]; then
    usage
    exit 2
fi
if [[ "$1" == "-h" || "$1" == "--help" ]]; then
    usage
    exit 0
fi

SCRIPT_PATH="$(readlink -f -- "${BASH_SOURCE[0]}" 2>/dev/null || printf '%s' "${BASH_SOURCE[0]}")"
SCRIPT_DIR="$(cd -- "$(dirname -- "$SCRIPT_PATH")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
UPSTREAM="${STANCTL_UPSTREAM_DIR:-$REPO_ROOT/../shared/upstream}"
READER_SRC="$REPO_ROOT/tests/real-server/reader/main.go"
CACHE_ROOT="$REPO_ROOT/target/real-server"

REQUIRED=0
if [[ -n "${CI:-}" || "${STANCTL_REQUIRE_REAL_SERVER:-0}" == "1" ]]; then
    REQUIRED=1
fi

TMP_DIR=""
cleanup() {
    local rc=$?
    if [[ -n "$TMP_DIR" && -d "$TMP_DIR" ]]; then
        chmod -R u+w -- "$TMP_DIR" 2>/dev/null || true # Go's module cache is read-only
        rm -rf -- "$TMP_DIR"
    fi
    return "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'log "hangup"; exit 129' HUP

TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/stanctl-realserver.XXXXXX")"

# A piece is missing: fatal when required, else the tests skip.
missing() {
    if ((REQUIRED)); then
        die "$* (required: CI or STANCTL_REQUIRE_REAL_SERVER=1 is set)"
    fi
    log "NOTE: $*; the real-server tests will skip"
}

# ---------------------------------------------------------------------------
# 1. go

install_go() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    log "go not found: apt-get install -y golang-go"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >&2 || true
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y golang-go >&2
}

have_go() {
    command -v go >/dev/null 2>&1 && return 0
    [[ -x /usr/lib/go/bin/go ]] && PATH="/usr/lib/go/bin:$PATH" && return 0
    return 1
}

GO_OK=0
if [[ ! -d "$UPSTREAM" ]]; then
    missing "no upstream sources at $UPSTREAM (a clone without ../shared)"
elif have_go || { install_go && have_go; }; then
    GO_OK=1
else
    missing "no go and golang-go cannot be installed (needs apt-get as root or passwordless sudo)"
fi

# ---------------------------------------------------------------------------
# 2. build (or take from the cache)

archive() { printf '%s/nats-streaming-server-v%s.tar.gz' "$UPSTREAM" "$1"; }

# Go needs a cache directory; give it one when HOME is not set (CI).
if [[ -z "${GOCACHE:-}" && -z "${HOME:-}" && -z "${XDG_CACHE_HOME:-}" ]]; then
    export GOCACHE="$TMP_DIR/go-cache"
fi
export GOPROXY=off GOFLAGS= GOTOOLCHAIN=local

# extract_v023 DIR: the v0.23.2 tree in DIR (once).
extract_v023() {
    [[ -f "$1/go.mod" ]] && return 0
    mkdir -p "$1"
    tar xzf "$(archive 0.23.2)" -C "$1" --strip-components=1
}

build_v023() { # OUT_DIR
    local src="$TMP_DIR/v0.23.2"
    extract_v023 "$src"
    log "building nats-streaming-server v0.23.2 (a few minutes the first time)"
    (cd "$src" && GOFLAGS=-mod=vendor GO111MODULE=on go build -o "$1/nss-v0.23.2" .) >&2
}

build_reader() { # OUT_DIR: the reader, inside the v0.23.2 tree (vendored stan.go)
    local src="$TMP_DIR/v0.23.2"
    extract_v023 "$src"
    mkdir -p "$src/cmd/stanctl-oracle-reader"
    cp -- "$READER_SRC" "$src/cmd/stanctl-oracle-reader/main.go"
    log "building the reader"
    (cd "$src" && GOFLAGS=-mod=vendor GO111MODULE=on go build -o "$1/stanctl-oracle-reader" ./cmd/stanctl-oracle-reader) >&2
}

build_gopath() { # VERSION OUT_DIR
    local gopath="$TMP_DIR/gopath-$1"
    local src="$gopath/src/github.com/nats-io/nats-streaming-server"
    mkdir -p "$src"
    tar xzf "$(archive "$1")" -C "$src" --strip-components=1
    log "building nats-streaming-server v$1 (GOPATH mode)"
    (cd "$src" && GOPATH="$gopath" GO111MODULE=off go build -o "$2/nss-v$1" .) >&2
}

if ((GO_OK)); then
    for v in 0.23.2 0.9.2 0.4.0; do
        [[ -f "$(archive "$v")" ]] || die "missing $(archive "$v")"
    done
    GO_VERSION="$(go version)"
    SERVERS_KEY="$({
        sha256sum "$(archive 0.23.2)" "$(archive 0.9.2)" "$(archive 0.4.0)" | cut -d' ' -f1
        printf '%s\n' "$GO_VERSION"
    } | sha256sum | cut -c1-16)"
    READER_KEY="$({
        sha256sum "$(archive 0.23.2)" "$READER_SRC" | cut -d' ' -f1
        printf '%s\n' "$GO_VERSION"
    } | sha256sum | cut -c1-16)"
    SERVERS="$CACHE_ROOT/servers-$SERVERS_KEY"
    READER="$CACHE_ROOT/reader-$READER_KEY"
    mkdir -p "$CACHE_ROOT"
    if [[ -x "$SERVERS/nss-v0.23.2" && -x "$SERVERS/nss-v0.9.2" && -x "$SERVERS/nss-v0.4.0" ]]; then
        log "cached servers: $SERVERS"
    else
        BUILD="$TMP_DIR/servers"
        mkdir -p "$BUILD"
        build_v023 "$BUILD" || die "building v0.23.2 failed"
        build_gopath 0.9.2 "$BUILD" || die "building v0.9.2 failed"
        build_gopath 0.4.0 "$BUILD" || die "building v0.4.0 failed"
        # Entries of other archives or go versions (and older layouts) are dropped.
        find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 ! -name 'reader-*' -exec rm -rf -- {} +
        mv -- "$BUILD" "$SERVERS"
        log "built into $SERVERS"
    fi
    if [[ -x "$READER/stanctl-oracle-reader" ]]; then
        log "cached reader: $READER"
    else
        BUILD="$TMP_DIR/reader"
        mkdir -p "$BUILD"
        build_reader "$BUILD" || die "building the reader failed"
        find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -name 'reader-*' -exec rm -rf -- {} +
        mv -- "$BUILD" "$READER"
        log "built into $READER"
    fi
    export STANCTL_REAL_SERVER="${STANCTL_REAL_SERVER:-$SERVERS/nss-v0.23.2}"
    export STANCTL_REAL_SERVER_V0_9="$SERVERS/nss-v0.9.2"
    export STANCTL_REAL_SERVER_V0_4="$SERVERS/nss-v0.4.0"
    export STANCTL_REAL_SERVER_READER="$READER/stanctl-oracle-reader"
fi
if [[ -n "${STANCTL_REAL_SERVER:-}" ]]; then
    [[ -x "$STANCTL_REAL_SERVER" ]] || die "STANCTL_REAL_SERVER=$STANCTL_REAL_SERVER is not an executable"
    log "real server: $STANCTL_REAL_SERVER ($("$STANCTL_REAL_SERVER" --version 2>&1 | head -n 1))"
fi
REPORT="$TMP_DIR/report"
mkdir -p "$REPORT"
export STANCTL_REAL_SERVER_REPORT="$REPORT"
((REQUIRED)) && export STANCTL_REQUIRE_REAL_SERVER=1

# ---------------------------------------------------------------------------
# 3. run the command, then the table

log "running: $*"
set +e
"$@"
status=$?
set -e
if compgen -G "$REPORT/*" >/dev/null; then
    {
        printf '\nReal server oracle (fixture x backend -> result):\n'
        cat "$REPORT"/* | sort | awk -F'\t' '{ printf "  %-32s %-9s %s\n", $1, $2, $3 }'
    } >&2
fi
log "command exited with status $status"
exit "$status"
