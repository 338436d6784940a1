#!/usr/bin/env bash
# Run every fuzz target (fuzz/, cargo fuzz on nightly) for FUZZ_SECONDS each
# (default 60) on a copy of its seed corpus, and print a line per target:
# run time, executions, coverage (libFuzzer's cov/ft), and whether it found
# a crash (saved under fuzz/artifacts/TARGET/). Exits 1 if any target found
# one. Long runs: FUZZ_SECONDS=3600 scripts/fuzz.sh [TARGET...]
# Seeds: scripts/fuzz-seeds.py writes fuzz/corpus/ from the fixtures.
# Needs: rustup nightly toolchain and cargo-fuzz (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
cargo +nightly fuzz --version >/dev/null 2>&1 || cargo +nightly install cargo-fuzz --locked
# No sanitizer: the code is safe Rust; this keeps the instrumented build of
# every dependency affordable. Panics, hangs (-timeout) and memory blow-ups
# (-rss_limit_mb, -malloc_limit_mb) are what the targets look for.
build=(--sanitizer none --target-dir "$PWD/target/fuzz")
cargo +nightly fuzz build "${build[@]}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
printf '%-20s %8s %12s %8s %8s %s\n' target seconds execs cov ft result
for t in "${targets[@]}"; do
    mkdir -p "$work/$t/corpus" "$work/$t/tmp" "fuzz/artifacts/$t"
    cp fuzz/corpus/"$t"/* "$work/$t/corpus/"
    start=$(date +%s)
    set +e
    TMPDIR="$work/$t/tmp" cargo +nightly fuzz run "${build[@]}" "$t" "$work/$t/corpus" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" >"$work/$t/log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t/log" | grep -o '[0-9]*$' || true)
    last=$(grep -E '^#[0-9]+' "$work/$t/log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    result=ok
    if [ $rc -ne 0 ]; then
        result="FOUND (exit $rc): $(ls -t fuzz/artifacts/"$t" | head -1)"
        failed=1
        tail -40 "$work/$t/log" >&2
    fi
    printf '%-20s %8s %12s %8s %8s %s\n' "$t" "$took" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit $failed
