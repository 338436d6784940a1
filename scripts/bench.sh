#!/usr/bin/env bash
# Reproducible benchmark of stanctl against baselines on the same data in
# the same run (cat of the same files, cp -r of the same store). Writes
# BENCHMARKS.md. Usage: scripts/bench.sh [WORKDIR]   (BENCH_SCALE=small for a quick run)
#
# Needs: cargo, /usr/bin/time; PostgreSQL and MariaDB on 127.0.0.1 for the
# SQL rows (run through scripts/test-databases.sh to get them anywhere:
#   scripts/test-databases.sh scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:-$(mktemp -d /tmp/stanctl-bench.XXXXXX)}
mkdir -p "$work"
runs=${BENCH_RUNS:-5}
scale=${BENCH_SCALE:-full}
log() { echo "bench: $*" >&2; }

cargo build --release --quiet --bin stanctl --example gen-store
bin=$root/target/release/stanctl
gen=$root/target/release/examples/gen-store

if [ "$scale" = small ]; then
  main_msgs=50000; ls_sizes="10000 100000"
else
  main_msgs=1000000; ls_sizes="10000 1000000 10000000"
fi

# The main store: 4 channels x main_msgs x 256 random bytes (~1.2 GB at full scale).
main=$work/main
[ -d "$main" ] || { log "generating $main"; "$gen" --dir "$main" --channels 4 --msgs "$main_msgs" --size 256 --subs 4; }
# The SQL rate target is for 100-byte payloads: a second store of those.
small=$work/small-100
small_msgs=$(( main_msgs / 2 ))
[ -d "$small" ] || { log "generating $small"; "$gen" --dir "$small" --channels 4 --msgs "$small_msgs" --size 100 --subs 4; }
for n in $ls_sizes; do
  d=$work/ls-$n
  [ -d "$d" ] || { log "generating $d"; "$gen" --dir "$d" --channels 1 --msgs "$n" --size 16 --subs 1; }
done

# median_s CMD...: median wall time of $runs runs, in seconds.
median_s() {
  local times=() t0 t1
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N); "$@" > /dev/null; t1=$(date +%s%N)
    times+=("$(( t1 - t0 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.4f", a[int((NR+1)/2)]/1e9}'
}
# peak_rss_mb CMD...: peak resident set of one run, in MiB.
peak_rss_mb() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {printf "%.1f", $2/1024}'
}
data_bytes=$(find "$main" -name 'msgs.*.dat' -printf '%s\n' | awk '{s+=$1} END {print s}')
store_bytes=$(du -sb "$main" | cut -f1)
total_msgs=$(( main_msgs * 4 ))
mb() { awk -v b="$1" 'BEGIN {printf "%.0f", b/1048576}'; }
rate() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.0f", b/1048576/s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

cat_all() { find "$main" -name 'msgs.*.dat' -exec cat {} + > /dev/null; }
dump_all() { for c in 0 1 2 3; do "$bin" --dir "$main" dump --channel "gen.channel.$c" --format "$1"; done; }
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); }

log "baseline: cat of the .dat files"
cat_s=$(median_s cat_all)
row "cat of the msgs.*.dat files (baseline)" "$cat_s" "$(rate "$data_bytes" "$cat_s") MB/s" "1.00" "-"

for fmt in raw ndjson; do
  log "dump --format $fmt"
  s=$(median_s dump_all "$fmt")
  rss=$(peak_rss_mb "$bin" --dir "$main" dump --channel gen.channel.0 --format "$fmt")
  row "dump --format $fmt (4 channels)" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cat_s" "$s")" "$rss"
done

for n in $ls_sizes; do
  log "channels ls on $n messages"
  s=$(median_s "$bin" --dir "$work/ls-$n" channels ls)
  rss=$(peak_rss_mb "$bin" --dir "$work/ls-$n" channels ls)
  row "channels ls, $n messages" "$s" "-" "-" "$rss"
done

if "$bin" check --help > /dev/null 2>&1; then
  for deep in "" "--deep"; do
    log "check $deep"
    s=$(median_s "$bin" --dir "$main" check $deep)
    rss=$(peak_rss_mb "$bin" --dir "$main" check $deep)
    row "check ${deep:-(default)}" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cat_s" "$s")" "$rss"
  done
fi

# Migrations: one run each (they write), baseline cp -r.
# Each write is timed up to durable storage (a final sync), since stanctl
# fsyncs what it writes and cp does not.
one_s() { local t0 t1; sync; t0=$(date +%s%N); "$@" > /dev/null; sync; t1=$(date +%s%N); awk -v d=$((t1 - t0)) 'BEGIN {printf "%.3f", d/1e9}'; }
log "cp -r baseline"
rm -rf "$work/cp"; cp_s=$(one_s cp -r "$main" "$work/cp"); rm -rf "$work/cp"
row "cp -r of the store + sync (baseline)" "$cp_s" "$(rate "$store_bytes" "$cp_s") MB/s" "1.00" "-"
# migrate_row LABEL MSGS BYTES CMD...: one timed run of a migration.
migrate_row() {
  local label=$1 msgs=$2 bytes=$3; shift 3
  local s r=-
  s=$(one_s "$@")
  [ -n "${BASE_S:-}" ] && r=$(ratio "$BASE_S" "$s")
  row "$label" "$s" "$(rate "$bytes" "$s") MB/s, $(awk -v n="$msgs" -v s="$s" 'BEGIN {printf "%.0f", n/s}') msgs/s" "$r" "${RSS:--}"
}
log "migrate file-to-file"
rm -rf "$work/ff"
RSS=$(peak_rss_mb "$bin" --dir "$main" migrate file-to-file --to-dir "$work/ff" --quiet); rm -rf "$work/ff"
BASE_S=$cp_s migrate_row "migrate file-to-file" "$total_msgs" "$data_bytes" "$bin" --dir "$main" migrate file-to-file --to-dir "$work/ff" --quiet
rm -rf "$work/ff"

pg_admin=${STANCTL_TEST_PG_ADMIN:-host=127.0.0.1 port=5432 user=postgres dbname=postgres sslmode=disable}
my_admin=${STANCTL_TEST_MYSQL_ADMIN:-root@tcp(127.0.0.1:3306)/}
my_hostport=$(echo "$my_admin" | sed -E 's/.*tcp\(([^)]*)\).*/\1/')
my() { mariadb -h "${my_hostport%:*}" -P "${my_hostport#*:}" -uroot "$@"; }
# sql_rows STORE MSGS BYTES WHAT: file-to-sql into SQLite, PostgreSQL and
# MariaDB (the last two when they answer).
sql_rows() {
  local store=$1 msgs=$2 bytes=$3 what=$4 db pg_dsn
  log "migrate file-to-sql (SQLite, $what)"
  rm -f "$work/s.db"
  RSS=$(peak_rss_mb "$bin" --dir "$store" migrate file-to-sql --to-sql-source "$work/s.db" --quiet); rm -f "$work/s.db"
  migrate_row "migrate file-to-sql (SQLite), $what" "$msgs" "$bytes" "$bin" --dir "$store" migrate file-to-sql --to-sql-source "$work/s.db" --quiet
  rm -f "$work/s.db"
  if psql "$pg_admin" -qc 'select 1' > /dev/null 2>&1; then
    log "migrate file-to-sql (PostgreSQL, $what)"
    db=stanctl_bench_$$
    pg_dsn=$(echo "$pg_admin" | sed "s/dbname=[^ ]*/dbname=$db/")
    psql "$pg_admin" -qc "create database $db"
    RSS="" migrate_row "migrate file-to-sql (PostgreSQL), $what" "$msgs" "$bytes" "$bin" --dir "$store" migrate file-to-sql --to-sql-driver postgres --to-sql-source "$pg_dsn" --quiet
    psql "$pg_admin" -qc "drop database $db"
  fi
  if my -e 'select 1' > /dev/null 2>&1; then
    log "migrate file-to-sql (MariaDB, $what)"
    db=stanctl_bench_$$
    my -e "create database $db"
    RSS="" migrate_row "migrate file-to-sql (MariaDB), $what" "$msgs" "$bytes" "$bin" --dir "$store" migrate file-to-sql --to-sql-driver mysql --to-sql-source "${my_admin%/}/$db" --quiet
    my -e "drop database $db"
  fi
}
sql_rows "$main" "$total_msgs" "$data_bytes" "256-byte payloads"
small_bytes=$(find "$small" -name 'msgs.*.dat' -printf '%s\n' | awk '{s+=$1} END {print s}')
sql_rows "$small" "$(( small_msgs * 4 ))" "$small_bytes" "100-byte payloads"

{
  echo "# Benchmarks"
  echo
  echo "Rerun: \`scripts/test-databases.sh scripts/bench.sh\` (or \`scripts/bench.sh\` without the SQL rows when no database answers)."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
  echo "- data: $total_msgs messages of 256 random bytes in 4 channels ($(mb "$data_bytes") MiB of .dat files, $(mb "$store_bytes") MiB store), generated by examples/gen-store.rs; for the SQL rows also $(( small_msgs * 4 )) messages of 100 bytes in 4 channels; channels ls stores of $ls_sizes messages"
  echo "- times: median of $runs runs; migrations one run each, timed until a final sync, as is the cp -r baseline; the page cache is warm for every row alike"
  echo
  echo "| what | seconds | throughput | ratio to baseline (baseline time / time; 1.00 = as fast) | peak RSS MiB |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$work/BENCHMARKS.table.md"
cat "$work/BENCHMARKS.table.md"
if [ "$scale" = full ]; then
  # Keep the hand-written profile notes below the generated table.
  notes=""
  [ -f BENCHMARKS.md ] && notes=$(sed -n '/^## Profile/,$p' BENCHMARKS.md)
  { cat "$work/BENCHMARKS.table.md"; [ -n "$notes" ] && { echo; echo "$notes"; }; } > BENCHMARKS.md
fi
[ -z "${1:-}" ] && [ -z "${BENCH_KEEP:-}" ] && rm -rf "$work"
exit 0
