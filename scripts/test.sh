#!/usr/bin/env bash
# The project's one test command: formatting, lints, then every test with
# real PostgreSQL and MariaDB databases (scripts/test-databases.sh starts
# private ones, installing them with apt-get, when none answers).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
exec scripts/test-databases.sh scripts/test-nats.sh cargo test --all-targets
