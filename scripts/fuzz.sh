#!/usr/bin/env bash
# Run every fuzz target (fuzz/, cargo-fuzz) for FUZZ_SECONDS each (default
# 60), one at a time, on a copy of its seed corpus, and print a line per
# target: run time, executions, coverage (libFuzzer's cov/ft), corpus size
# (seeds -> at the end), peak RSS and what it found (a crash, timeout or
# out-of-memory input is saved under fuzz/artifacts/TARGET/). Exits 1 if
# any target found one. Long runs: FUZZ_SECONDS=3600 scripts/fuzz.sh [TARGET...]
# Seeds: scripts/fuzz-seeds.py writes fuzz/corpus/ from the fixtures.
# FUZZ_KEEP=DIR keeps each target's grown corpus in DIR/TARGET/ (to go on
# from it in a later run: copy it into the seeds, or merge with -merge=1).
#
# Needs only the machine's stable toolchain and cargo-fuzz (installed from
# crates.io when missing): without a sanitizer cargo-fuzz passes only stable
# -C flags (sancov-module pass, coverage LLVM arguments, --cfg fuzzing), so
# no nightly is needed. The code is safe Rust; what the targets look for is
# panics, hangs (-timeout) and memory blow-ups (-rss_limit_mb,
# -malloc_limit_mb). The binaries are built once, then run directly.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# 16 codegen units: the instrumented release build of every dependency
# (parquet, arrow, SQL drivers) takes minutes instead of much longer on
# two cores, for somewhat slower runs.
target_dir="$PWD/target/fuzz"
nice cargo fuzz build --sanitizer none --codegen-units 16 --target-dir "$target_dir"
bin="$target_dir/$(rustc -vV | sed -n 's/^host: //p')/release"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
row='%-20s %7s %11s %6s %6s %13s %7s %s\n'
# shellcheck disable=SC2059
printf "$row" target seconds execs cov ft corpus rss_mb result
for t in "${targets[@]}"; do
    mkdir -p "$work/$t/corpus" "$work/$t/tmp" "fuzz/artifacts/$t"
    cp fuzz/corpus/"$t"/* "$work/$t/corpus/"
    seeds=$(find "$work/$t/corpus" -type f | wc -l)
    start=$(date +%s)
    set +e
    # TMPDIR: the file-store targets' scratch stores (src/fuzzing.rs).
    TMPDIR="$work/$t/tmp" nice "$bin/$t" "$work/$t/corpus" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" >"$work/$t/log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - start ))
    stat() { grep -o "stat::$1: *[0-9]*" "$work/$t/log" | grep -o '[0-9]*$' || true; }
    last=$(grep -E '^#[0-9]+' "$work/$t/log" | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    grown=$(find "$work/$t/corpus" -type f | wc -l)
    result=ok
    if [ $rc -ne 0 ]; then
        # libFuzzer names the input it saved after what it found:
        # crash-*, timeout-*, oom-*, slow-unit-*.
        unit=$(grep -o 'Test unit written to [^ ]*' "$work/$t/log" | tail -1 | sed 's/.* //')
        result="FOUND (exit $rc): ${unit:-no input saved}"
        failed=1
        tail -40 "$work/$t/log" >&2
    fi
    if [ -n "${FUZZ_KEEP:-}" ]; then
        mkdir -p "$FUZZ_KEEP/$t"
        cp "$work/$t/corpus"/* "$FUZZ_KEEP/$t/"
    fi
    # shellcheck disable=SC2059
    printf "$row" "$t" "$took" "$(stat number_of_executed_units)" "${cov:-?}" "${ft:-?}" \
        "$seeds -> $grown" "$(stat peak_rss_mb)" "$result"
done
exit $failed
