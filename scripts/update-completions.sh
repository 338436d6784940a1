#!/usr/bin/env bash
# Regenerate completions/, man/ and the --help snapshot from the clap definitions
# (tests fail when they drift).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/stanctl
"$bin" completions bash > completions/stanctl.bash
"$bin" completions zsh > completions/_stanctl
"$bin" completions fish > completions/stanctl.fish
# One man page per subcommand; stale pages of removed subcommands go too.
rm -f man/*.1
"$bin" man-pages man
# The --help snapshot (tests/it/help.rs) follows the same definitions.
STANCTL_UPDATE_SNAPSHOTS=1 cargo test --quiet --test it help:: >/dev/null
# docs/FINDINGS.md follows the finding registry (src/finding/codes.txt).
STANCTL_UPDATE_SNAPSHOTS=1 cargo test --quiet --test it docs::findings_doc >/dev/null
