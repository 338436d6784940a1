#!/usr/bin/env bash
# The project's one test command: formatting, lints, then every test with
# real PostgreSQL and MariaDB databases (scripts/test-databases.sh starts
# private ones, installing them with apt-get, when none answers), and the real
# nats-streaming-server as the oracle (scripts/test-real-server.sh builds it
# from ../shared/upstream, installing golang-go when missing; required
# whenever ../shared/upstream is there), and DuckDB for the Parquet export
# (scripts/test-duckdb.sh installs the PyPI package in a venv under target/).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
if [[ -d ../shared/upstream ]]; then
    export STANCTL_REQUIRE_REAL_SERVER="${STANCTL_REQUIRE_REAL_SERVER:-1}"
fi
scripts/test-databases.sh scripts/test-nats.sh scripts/test-real-server.sh scripts/test-duckdb.sh cargo test --all-targets
# --all-targets leaves the doctests out: src/lib.rs's example opens a
# fixture store through the library alone.
cargo test --doc
