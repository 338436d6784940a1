#!/usr/bin/env bash
#
# test-duckdb.sh: run a command with DuckDB's Python package available, for
# the `export parquet` tests (tests/it/parquet.rs), which read the exported
# datasets back through DuckDB.
#
# Usage:
#   scripts/test-duckdb.sh CMD [ARGS...]
#   scripts/test-duckdb.sh cargo test --test it parquet::
#
# What it does:
#   1. Uses $STANCTL_TEST_DUCKDB_PYTHON when set and it imports duckdb; else
#      the venv target/test-tools/duckdb made by an earlier run; else makes
#      that venv (python3 -m venv; as root, apt-get installs python3-venv
#      when it is missing) and installs the PyPI package `duckdb` into it.
#   2. Runs CMD with STANCTL_TEST_DUCKDB_PYTHON set to that venv's python.
#      The exit status is CMD's (1 when the setup fails).
#
set -euo pipefail

log() { echo "test-duckdb: $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

[[ $# -gt 0 ]] || die "usage: scripts/test-duckdb.sh CMD [ARGS...]"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/target/test-tools/duckdb"

has_duckdb() {
    [[ -x "$1" ]] && "$1" -c 'import duckdb' 2>/dev/null
}

install_venv() {
    local py
    py="$(type -P python3 2>/dev/null || true)"
    if [[ -z "$py" ]] && [[ $EUID -eq 0 ]]; then
        log "installing python3 with apt-get"
        apt-get update -qq >&2 && apt-get install -y -qq python3 python3-venv >&2 ||
            die "apt-get install python3 failed"
        py="$(type -P python3 2>/dev/null || true)"
    fi
    [[ -n "$py" ]] || die "no python3 to install the PyPI package duckdb"
    rm -rf -- "$VENV"
    mkdir -p "$(dirname -- "$VENV")"
    if ! "$py" -m venv "$VENV" >&2 2>/dev/null || [[ ! -x "$VENV/bin/pip" ]]; then
        rm -rf -- "$VENV"
        [[ $EUID -eq 0 ]] || die "python3 -m venv failed (install python3-venv)"
        log "installing python3-venv with apt-get"
        apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2 ||
            die "apt-get install python3-venv failed"
        "$py" -m venv "$VENV" >&2 || die "python3 -m venv $VENV failed"
    fi
    log "installing duckdb into the venv $VENV"
    "$VENV/bin/pip" install --disable-pip-version-check -q duckdb >&2 ||
        die "pip install duckdb failed"
}

if [[ -n "${STANCTL_TEST_DUCKDB_PYTHON:-}" ]] && has_duckdb "$STANCTL_TEST_DUCKDB_PYTHON"; then
    :
elif has_duckdb "$VENV/bin/python"; then
    STANCTL_TEST_DUCKDB_PYTHON="$VENV/bin/python"
else
    install_venv
    has_duckdb "$VENV/bin/python" || die "duckdb does not import after installing it"
    STANCTL_TEST_DUCKDB_PYTHON="$VENV/bin/python"
fi
export STANCTL_TEST_DUCKDB_PYTHON
log "using $("$STANCTL_TEST_DUCKDB_PYTHON" -c 'import duckdb; print("duckdb", duckdb.__version__)')"
exec "$@"
