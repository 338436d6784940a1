#!/usr/bin/env bash
# Regenerate completions/ from the clap definitions (a test fails when they drift).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/stanctl
"$bin" completions bash > completions/stanctl.bash
"$bin" completions zsh > completions/_stanctl
"$bin" completions fish > completions/stanctl.fish
