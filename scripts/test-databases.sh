#!/usr/bin/env bash
#
# test-databases.sh: run a command against real PostgreSQL and MariaDB
# servers that hold the SQL fixtures.
#
# Usage:
#   scripts/test-databases.sh CMD [ARGS...]
#   scripts/test-databases.sh cargo test
#   scripts/test-databases.sh env | grep STANCTL
#   STANCTL_TEST_DB_PRIVATE=1 scripts/test-databases.sh cargo test
#
# What it does:
#   1. Finds the servers.
#      - It uses PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and
#        MariaDB on 127.0.0.1:3306 (user root, empty password) when they answer.
#      - Otherwise it starts PRIVATE instances in a temp directory, on
#        127.0.0.1 and free ports (from 55432 / 53306 upwards). It runs
#        initdb as the `postgres` user when run as root, and mariadb-install-db
#        with a root user that has no password. If binaries are missing and
#        the script runs as root, it runs `apt-get update` once and
#        `apt-get install -y` for the missing packages. It never runs apt-get
#        when both services already answer.
#      - STANCTL_TEST_DB_PRIVATE=1 always starts private instances.
#   2. For each fixtures/*/ directory holding a *.sql dump, loads the dump (<dir>/<dir>.sql,
#      or the only *.sql file there) into a new database named
#      stanctl_<fixture_with_underscores>_<pid>_<random>. PostgreSQL dumps
#      are loaded with psql -v ON_ERROR_STOP=1 after lines starting with
#      \restrict / \unrestrict are removed. MariaDB dumps are loaded with the
#      mariadb client. The engine comes from the directory name
#      (postgres|pg / mysql|maria), else from MANIFEST.json's sql_driver,
#      else from the dump's header.
#      It also creates one empty database on each server,
#      stanctl_scratch_<pid>_<random>, for tests that write.
#   3. Runs CMD with these variables exported:
#        STANCTL_TEST_DATABASES=1
#        STANCTL_TEST_PG_<FIXTURE>     e.g. STANCTL_TEST_PG_SQL_POSTGRES_V0_23
#            host=127.0.0.1 port=5432 user=postgres dbname=<db> sslmode=disable
#        STANCTL_TEST_MYSQL_<FIXTURE>  e.g. STANCTL_TEST_MYSQL_SQL_MYSQL_V0_9
#            root@tcp(127.0.0.1:3306)/<db>
#        STANCTL_TEST_PG_SCRATCH, STANCTL_TEST_MYSQL_SCRATCH   (empty databases)
#        STANCTL_TEST_PG_ADMIN     DSN for the `postgres` database
#        STANCTL_TEST_MYSQL_ADMIN  root@tcp(127.0.0.1:PORT)/
#      <FIXTURE> is the directory name, upper-cased, with every character
#      that is not a letter or digit replaced by `_`. A new fixture
#      directory with a dump therefore needs no change here.
#   4. On exit (normal, error, Ctrl-C, SIGTERM), drops the databases it
#      created (and only those), stops the private servers it started, and
#      removes its temp directory. The exit status is CMD's (or 1 when the
#      setup fails, 130 after Ctrl-C, 143 after SIGTERM). Ctrl-C reaches CMD
#      and this script together; a SIGTERM sent to this script alone is
#      acted on when CMD exits (bash waits for its foreground command).
#      Loading failures print the client's error and stop before CMD runs.
#
# Optional environment:
#   STANCTL_TEST_DB_PRIVATE=1     always start private instances
#   STANCTL_TEST_DB_TIMEOUT=SECS  how long to wait for a server (default 60)
#
set -euo pipefail

readonly LOG_PREFIX="test-databases:"
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
FIXTURES_DIR="$REPO_ROOT/fixtures"

TIMEOUT="${STANCTL_TEST_DB_TIMEOUT:-60}"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "STANCTL_TEST_DB_TIMEOUT must be a number of seconds, got '$TIMEOUT'"
FORCE_PRIVATE="${STANCTL_TEST_DB_PRIVATE:-0}"
case "$FORCE_PRIVATE" in
    "" | 0 | false | no) FORCE_PRIVATE=0 ;;
    *) FORCE_PRIVATE=1 ;;
esac

# Unique part of every database name of this run.
RUN_ID="$$_$(printf '%04x%04x' "$RANDOM" "$RANDOM")"

readonly HOST=127.0.0.1
PG_PORT=5432
MY_PORT=3306
PG_PRIVATE=0
MY_PRIVATE=0

# State used by cleanup.
TMP_DIR=""
PG_DATA=""
PG_CTL=""
PG_STARTED=0
MY_PID=""
PG_CREATED=()   # databases this run created on PostgreSQL
MY_CREATED=()   # databases this run created on MariaDB
CLEANED=0
PG_LAST_ERR=""  # last error of a connection probe
MY_LAST_ERR=""

# ---------------------------------------------------------------------------
# helpers

as_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as the postgres OS user when we are root (initdb and the
# postgres server refuse to run as root), else as ourselves.
as_pg_user() {
    if as_root; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            local q
            q="$(printf '%q ' "$@")"
            su -s /bin/sh postgres -c "$q"
        fi
    else
        "$@"
    fi
}

# First existing executable among: PATH lookups of the given names, then the
# given absolute paths.
find_exe() {
    local c p
    for c in "$@"; do
        if [[ "$c" == /* ]]; then
            p="$c"
        else
            p="$(type -P -- "$c" 2>/dev/null || true)"
        fi
        if [[ -n "$p" && -f "$p" && -x "$p" ]]; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    return 1
}

# /usr/lib/postgresql/N/bin directories, newest version first.
pg_bin_dirs() {
    local dirs
    shopt -s nullglob
    dirs=(/usr/lib/postgresql/*/bin)
    shopt -u nullglob
    if ((${#dirs[@]})); then
        printf '%s\n' "${dirs[@]}" | sort -rV
    fi
}

# Directory with initdb, pg_ctl and postgres (the newest /usr/lib/postgresql/N/bin).
find_pg_bindir() {
    local d best=""
    while IFS= read -r d; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
            best="$d"
            break
        fi
    done < <(pg_bin_dirs)
    if [[ -z "$best" ]] && command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
            best="$d"
        fi
    fi
    if [[ -z "$best" ]]; then
        local p
        for p in initdb pg_ctl; do
            d="$(command -v "$p" 2>/dev/null || true)"
            [[ -n "$d" ]] || continue
            d="$(dirname -- "$(readlink -f -- "$d")")"
            if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
                best="$d"
                break
            fi
        done
    fi
    [[ -n "$best" ]] || return 1
    printf '%s\n' "$best"
}

# A PostgreSQL client tool: from PATH, else from the server's bin directory.
find_pg_tool() {
    local tool="$1" d cands=("$1")
    if [[ -n "${PG_BINDIR:-}" ]]; then
        cands+=("$PG_BINDIR/$tool")
    fi
    while IFS= read -r d; do
        cands+=("$d/$tool")
    done < <(pg_bin_dirs)
    find_exe "${cands[@]}"
}
find_psql() { find_pg_tool psql; }
find_pg_isready() { find_pg_tool pg_isready; }
find_mysql_client() { find_exe mariadb mysql; }
find_mysqld() { find_exe mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld /usr/libexec/mariadbd /usr/libexec/mysqld; }
find_mysql_install_db() { find_exe mariadb-install-db mysql_install_db /usr/bin/mariadb-install-db /usr/bin/mysql_install_db /usr/scripts/mysql_install_db; }

# Is something accepting TCP connections on 127.0.0.1:$1?
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

# psql against database $1 on the chosen PostgreSQL server; more args follow.
pg_psql() {
    local db="$1"
    shift
    PGCONNECT_TIMEOUT=10 "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d "$db" "$@"
}

# mariadb client against the MariaDB server on port $1; extra args follow.
my_client_at() {
    local port="$1"
    shift
    "$MYSQL" --no-defaults --protocol=TCP --connect-timeout=10 -h "$HOST" -P "$port" -u root "$@"
}

# mariadb client against the chosen MariaDB server; extra args follow.
my_client() { my_client_at "$MY_PORT" "$@"; }

pg_answers() {
    local port="$1" isready
    if isready="$(find_pg_isready)"; then
        "$isready" -q -h "$HOST" -p "$port" -t 3 >/dev/null 2>&1 || return 1
    fi
    # pg_isready says the server accepts connections; also check that we can
    # log in as postgres (trust auth) with psql, when psql exists.
    if [[ -n "${PSQL:-}" ]]; then
        PG_LAST_ERR="$(PGCONNECT_TIMEOUT=3 "$PSQL" -X -q -h "$HOST" -p "$port" -U postgres -d postgres \
            -tAc 'select 1' </dev/null 2>&1 >/dev/null)"
    elif [[ -z "${isready:-}" ]]; then
        return 1
    fi
}

my_answers() {
    local port="$1"
    [[ -n "${MYSQL:-}" ]] || return 1
    MY_LAST_ERR="$("$MYSQL" --no-defaults --protocol=TCP --connect-timeout=3 -h "$HOST" -P "$port" -u root \
        -e 'select 1' </dev/null 2>&1 >/dev/null)"
}

# ---------------------------------------------------------------------------
# cleanup

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    set +e
    trap '' INT TERM HUP
    if ((CLEANED)); then
        return "$rc"
    fi
    CLEANED=1

    local db
    if ((${#PG_CREATED[@]})); then
        if ((PG_PRIVATE)); then
            log "private PostgreSQL: its databases go away with it"
        else
            for db in "${PG_CREATED[@]}"; do
                log "dropping PostgreSQL database $db"
                if ! pg_psql postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" </dev/null >/dev/null 2>&1; then
                    # WITH (FORCE) needs PostgreSQL 13+.
                    pg_psql postgres -c "DROP DATABASE IF EXISTS \"$db\"" </dev/null >/dev/null ||
                        log "WARNING: could not drop PostgreSQL database $db"
                fi
            done
        fi
    fi
    if ((${#MY_CREATED[@]})); then
        if ((MY_PRIVATE)); then
            log "private MariaDB: its databases go away with it"
        else
            for db in "${MY_CREATED[@]}"; do
                log "dropping MariaDB database $db"
                my_client -e "DROP DATABASE IF EXISTS \`$db\`" </dev/null ||
                    log "WARNING: could not drop MariaDB database $db"
            done
        fi
    fi

    if ((PG_STARTED)); then
        log "stopping private PostgreSQL (port $PG_PORT)"
        as_pg_user "$PG_CTL" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_pg_user "$PG_CTL" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            log "WARNING: could not stop private PostgreSQL in $PG_DATA"
    fi
    if [[ -n "$MY_PID" ]]; then
        log "stopping private MariaDB (port $MY_PORT, pid $MY_PID)"
        kill -TERM "$MY_PID" 2>/dev/null
        local i
        for ((i = 0; i < 300; i++)); do
            kill -0 "$MY_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$MY_PID" 2>/dev/null; then
            log "WARNING: MariaDB did not stop within 30 s, killing it"
            kill -KILL "$MY_PID" 2>/dev/null
        fi
        wait "$MY_PID" 2>/dev/null
    fi
    if [[ -n "$TMP_DIR" && -d "$TMP_DIR" ]]; then
        rm -rf -- "$TMP_DIR"
    fi
    return "$rc"
}

trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'log "hangup"; exit 129' HUP

make_tmp_dir() {
    [[ -n "$TMP_DIR" ]] && return 0
    local base="${TMPDIR:-/tmp}"
    # Unix socket paths are limited to ~100 bytes.
    if ((${#base} > 60)) || [[ ! -d "$base" ]]; then
        base=/tmp
    fi
    TMP_DIR="$(mktemp -d "$base/stanctl-testdb.XXXXXX")"
    # The postgres user must be able to enter it.
    chmod 755 "$TMP_DIR"
}

# ---------------------------------------------------------------------------
# 1. choose or start servers

PG_BINDIR="$(find_pg_bindir || true)"
PSQL="$(find_psql || true)"
MYSQL="$(find_mysql_client || true)"

use_existing_pg=0
use_existing_my=0
if ((FORCE_PRIVATE)); then
    log "STANCTL_TEST_DB_PRIVATE=1: starting private PostgreSQL and MariaDB"
else
    if pg_answers "$PG_PORT"; then
        use_existing_pg=1
    elif [[ -n "$PSQL" ]] || ! port_in_use "$PG_PORT"; then
        log "no PostgreSQL answering on $HOST:$PG_PORT (user postgres); will start a private one"
    fi
    if my_answers "$MY_PORT"; then
        use_existing_my=1
    elif [[ -n "$MYSQL" ]] || ! port_in_use "$MY_PORT"; then
        log "no MariaDB answering on $HOST:$MY_PORT (user root, no password); will start a private one"
    fi
fi

# Install what is missing (Debian/Ubuntu), with at most one apt-get update.
APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "missing $*, and apt-get is not available; install them by hand"
    as_root || die "missing $*; run as root so the script can apt-get install them, or install them by hand"
    export DEBIAN_FRONTEND=noninteractive
    if ((!APT_UPDATED)); then
        log "apt-get update"
        apt-get update >&2 || die "apt-get update failed"
        APT_UPDATED=1
    fi
    log "apt-get install -y $*"
    apt-get install -y "$@" >&2 || die "apt-get install $* failed"
    PG_BINDIR="$(find_pg_bindir || true)"
    PSQL="$(find_psql || true)"
    MYSQL="$(find_mysql_client || true)"
}

# A server may answer although its client is not installed yet: then install
# only the client first and probe again.
pg_unknown=0
my_unknown=0
if ((!FORCE_PRIVATE)); then
    if [[ -z "$PSQL" ]] && port_in_use "$PG_PORT"; then
        pg_unknown=1
    fi
    if [[ -z "$MYSQL" ]] && port_in_use "$MY_PORT"; then
        my_unknown=1
    fi
fi
missing_pkgs=()
[[ -n "$PSQL" ]] || missing_pkgs+=(postgresql-client)
[[ -n "$MYSQL" ]] || missing_pkgs+=(mariadb-client)
if ((!use_existing_pg && !pg_unknown)) && [[ -z "$PG_BINDIR" ]]; then
    missing_pkgs+=(postgresql)
fi
if ((!use_existing_my && !my_unknown)) && { ! find_mysqld >/dev/null || ! find_mysql_install_db >/dev/null; }; then
    missing_pkgs+=(mariadb-server)
fi
if ((${#missing_pkgs[@]})); then
    apt_install "${missing_pkgs[@]}"
fi
missing_pkgs=()
if ((pg_unknown)); then
    if pg_answers "$PG_PORT"; then
        use_existing_pg=1
    else
        log "no PostgreSQL answering on $HOST:$PG_PORT (user postgres); will start a private one"
        [[ -n "$PG_BINDIR" ]] || missing_pkgs+=(postgresql)
    fi
fi
if ((my_unknown)); then
    if my_answers "$MY_PORT"; then
        use_existing_my=1
    else
        log "no MariaDB answering on $HOST:$MY_PORT (user root, no password); will start a private one"
        { find_mysqld >/dev/null && find_mysql_install_db >/dev/null; } || missing_pkgs+=(mariadb-server)
    fi
fi
if ((${#missing_pkgs[@]})); then
    apt_install "${missing_pkgs[@]}"
fi
[[ -n "$PSQL" ]] || die "psql not found"
[[ -n "$MYSQL" ]] || die "mariadb (or mysql) client not found"

start_private_pg() {
    [[ -n "$PG_BINDIR" ]] || die "initdb/pg_ctl/postgres not found (looked in /usr/lib/postgresql/*/bin)"
    if as_root; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run initdb as"
    fi
    make_tmp_dir
    local pgdir="$TMP_DIR/pg"
    mkdir -p "$pgdir"
    if as_root; then
        chown postgres: "$pgdir"
    fi
    PG_DATA="$pgdir/data"
    PG_CTL="$PG_BINDIR/pg_ctl"
    log "initdb for private PostgreSQL ($PG_BINDIR) in $PG_DATA"
    if ! as_pg_user "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$pgdir/initdb.log" 2>&1; then
        cat "$pgdir/initdb.log" >&2
        die "initdb failed"
    fi
    local port=55431
    for _ in 1 2 3 4 5; do
        port="$(free_port $((port + 1)))" || die "no free port for PostgreSQL"
        log "starting private PostgreSQL on $HOST:$port"
        # pg_ctl -w waits until the server accepts connections or gives up.
        if as_pg_user "$PG_CTL" -D "$PG_DATA" -l "$pgdir/server.log" -w -t "$TIMEOUT" \
            -o "-k $pgdir -h $HOST -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null 2>&1; then
            PG_STARTED=1
            PG_PORT="$port"
            break
        fi
        # If pg_ctl timed out with the server still running, stop it.
        if as_pg_user "$PG_CTL" -D "$PG_DATA" status >/dev/null 2>&1; then
            PG_STARTED=1
            PG_PORT="$port"
            tail -n 20 "$pgdir/server.log" >&2 || true
            die "private PostgreSQL did not accept connections within ${TIMEOUT}s"
        fi
        log "private PostgreSQL failed to start on port $port:"
        tail -n 5 "$pgdir/server.log" >&2 || true
    done
    ((PG_STARTED)) || die "could not start private PostgreSQL (log: see above)"
    local deadline=$((SECONDS + TIMEOUT))
    until pg_answers "$PG_PORT"; do
        ((SECONDS < deadline)) ||
            die "private PostgreSQL on port $PG_PORT did not answer within ${TIMEOUT}s: ${PG_LAST_ERR:-}"
        sleep 0.2
    done
    PG_PRIVATE=1
}

start_private_my() {
    local mysqld install_db
    mysqld="$(find_mysqld)" || die "mariadbd/mysqld not found"
    install_db="$(find_mysql_install_db)" || die "mariadb-install-db/mysql_install_db not found"
    make_tmp_dir
    local mydir="$TMP_DIR/my"
    mkdir -p "$mydir/data" "$mydir/tmp"
    local user_opt=()
    if as_root; then
        user_opt=(--user=root)
    fi
    local auth_opt=()
    local help
    help="$("$install_db" --help 2>&1 || true)"
    if [[ "$help" == *--auth-root-authentication-method* ]]; then
        auth_opt=(--auth-root-authentication-method=normal)
    fi
    log "installing private MariaDB system tables in $mydir/data"
    if ! "$install_db" --no-defaults --datadir="$mydir/data" "${user_opt[@]}" "${auth_opt[@]}" \
        --skip-test-db --skip-name-resolve >"$mydir/install.log" 2>&1; then
        # Older versions do not know --skip-test-db.
        rm -rf "$mydir/data" && mkdir -p "$mydir/data"
        if ! "$install_db" --no-defaults --datadir="$mydir/data" "${user_opt[@]}" "${auth_opt[@]}" \
            >"$mydir/install.log" 2>&1; then
            cat "$mydir/install.log" >&2
            die "mariadb-install-db failed"
        fi
    fi
    local port=53305 deadline ok
    for _ in 1 2 3 4 5; do
        port="$(free_port $((port + 1)))" || die "no free port for MariaDB"
        log "starting private MariaDB on $HOST:$port"
        : >"$mydir/server.log"
        "$mysqld" --no-defaults --datadir="$mydir/data" --tmpdir="$mydir/tmp" \
            --socket="$mydir/mysqld.sock" --pid-file="$mydir/mysqld.pid" \
            --port="$port" --bind-address="$HOST" "${user_opt[@]}" \
            --skip-name-resolve --log-error="$mydir/server.log" \
            --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 \
            --max-allowed-packet=256M \
            </dev/null >/dev/null 2>&1 &
        MY_PID=$!
        MY_PORT="$port"
        deadline=$((SECONDS + TIMEOUT))
        ok=0
        while ((SECONDS < deadline)); do
            if ! kill -0 "$MY_PID" 2>/dev/null; then
                break
            fi
            # Check that the server answering is ours (another one may have
            # taken the port between free_port and our bind).
            if my_answers "$port" &&
                [[ "$(my_client_at "$port" -N -B -e 'select @@socket' </dev/null 2>/dev/null)" == "$mydir/mysqld.sock" ]]; then
                ok=1
                break
            fi
            sleep 0.2
        done
        if ((ok)); then
            MY_PRIVATE=1
            return 0
        fi
        if kill -0 "$MY_PID" 2>/dev/null; then
            tail -n 20 "$mydir/server.log" >&2 || true
            die "private MariaDB on port $port did not answer within ${TIMEOUT}s: ${MY_LAST_ERR:-}"
        fi
        wait "$MY_PID" 2>/dev/null || true
        MY_PID=""
        log "private MariaDB failed to start on port $port:"
        tail -n 5 "$mydir/server.log" >&2 || true
    done
    die "could not start private MariaDB"
}

if ((use_existing_pg)); then
    log "using PostgreSQL on $HOST:$PG_PORT"
else
    start_private_pg
fi
if ((use_existing_my)); then
    log "using MariaDB on $HOST:$MY_PORT"
else
    start_private_my
fi

# ---------------------------------------------------------------------------
# 2. create the databases and load the fixtures

pg_dsn() { printf 'host=%s port=%s user=postgres dbname=%s sslmode=disable' "$HOST" "$PG_PORT" "$1"; }
my_dsn() { printf 'root@tcp(%s:%s)/%s' "$HOST" "$MY_PORT" "$1"; }

# Database name for a fixture: stanctl_<slug>_<run id>, at most 63 bytes.
db_name() {
    local slug
    slug="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9' '_')"
    slug="${slug:0:$((63 - 9 - ${#RUN_ID}))}"
    printf 'stanctl_%s_%s' "$slug" "$RUN_ID"
}

pg_create_db() {
    pg_psql postgres -c "CREATE DATABASE \"$1\"" </dev/null >/dev/null ||
        die "could not create PostgreSQL database $1"
    PG_CREATED+=("$1")
}

my_create_db() {
    my_client -e "CREATE DATABASE \`$1\` CHARACTER SET utf8mb4" </dev/null ||
        die "could not create MariaDB database $1"
    MY_CREATED+=("$1")
}

# Engine (pg|mysql) of a fixture directory.
fixture_engine() {
    local dir="$1" name dump="$2" driver
    name="$(basename -- "$dir")"
    case "$name" in
        *postgres* | *-pg-* | *-pg | *pgsql*) echo pg; return 0 ;;
        *mysql* | *maria*) echo mysql; return 0 ;;
    esac
    if [[ -f "$dir/MANIFEST.json" ]]; then
        driver="$(grep -o '"sql_driver"[[:space:]]*:[[:space:]]*"[A-Za-z]*"' "$dir/MANIFEST.json" | head -n 1 |
            sed 's/.*"\([A-Za-z]*\)"$/\1/' || true)"
        case "$driver" in
            postgres*) echo pg; return 0 ;;
            mysql*) echo mysql; return 0 ;;
        esac
    fi
    local header
    header="$(head -n 20 -- "$dump")"
    case "$header" in
        *"PostgreSQL database dump"*) echo pg ;;
        *"MariaDB dump"* | *"MySQL dump"*) echo mysql ;;
        *) return 1 ;;
    esac
}

fixture_dump() {
    local dir="$1" name
    name="$(basename -- "$dir")"
    if [[ -f "$dir/$name.sql" ]]; then
        printf '%s\n' "$dir/$name.sql"
        return 0
    fi
    local dumps=("$dir"/*.sql)
    if [[ ${#dumps[@]} -eq 1 && -f "${dumps[0]}" ]]; then
        printf '%s\n' "${dumps[0]}"
        return 0
    fi
    return 1
}

exports=()
shopt -s nullglob
# Every fixture directory that holds a SQL dump (sql-*, deleted-channels-*sql*).
fixture_dirs=()
for dir in "$FIXTURES_DIR"/*/; do
    dumps=("$dir"*.sql)
    ((${#dumps[@]})) && fixture_dirs+=("$dir")
done
shopt -u nullglob
((${#fixture_dirs[@]})) || log "WARNING: no fixture directory under $FIXTURES_DIR holds a *.sql dump"

for dir in "${fixture_dirs[@]}"; do
    dir="${dir%/}"
    name="$(basename -- "$dir")"
    dump="$(fixture_dump "$dir")" || die "fixture $name: expected $name.sql or exactly one *.sql file in $dir"
    engine="$(fixture_engine "$dir" "$dump")" || die "fixture $name: cannot tell whether it is PostgreSQL or MySQL"
    var_suffix="$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9' '_')"
    db="$(db_name "$name")"
    case "$engine" in
        pg)
            log "loading $name into PostgreSQL database $db"
            pg_create_db "$db"
            # Newer pg_dump writes \restrict / \unrestrict lines that older
            # psql rejects.
            sed -e '/^\\restrict\b/d' -e '/^\\unrestrict\b/d' -- "$dump" |
                pg_psql "$db" --single-transaction -f - >/dev/null ||
                die "loading $dump into PostgreSQL database $db failed"
            var="STANCTL_TEST_PG_$var_suffix"
            exports+=("$var=$(pg_dsn "$db")")
            ;;
        mysql)
            log "loading $name into MariaDB database $db"
            my_create_db "$db"
            # Drop the "sandbox mode" line of newer mysqldump: older clients
            # reject it.
            sed -e '1{/^\/\*M!999999\\- enable the sandbox mode \*\/[[:space:]]*$/d;}' -- "$dump" |
                my_client --default-character-set=utf8mb4 "$db" ||
                die "loading $dump into MariaDB database $db failed"
            var="STANCTL_TEST_MYSQL_$var_suffix"
            exports+=("$var=$(my_dsn "$db")")
            ;;
    esac
done

scratch="stanctl_scratch_$RUN_ID"
log "creating empty databases $scratch"
pg_create_db "$scratch"
my_create_db "$scratch"

exports+=(
    "STANCTL_TEST_DATABASES=1"
    "STANCTL_TEST_PG_SCRATCH=$(pg_dsn "$scratch")"
    "STANCTL_TEST_MYSQL_SCRATCH=$(my_dsn "$scratch")"
    "STANCTL_TEST_PG_ADMIN=$(pg_dsn postgres)"
    "STANCTL_TEST_MYSQL_ADMIN=$(my_dsn "")"
)
for kv in "${exports[@]}"; do
    export "${kv?}"
done

# ---------------------------------------------------------------------------
# 3. run the command

log "running: $*"
set +e
"$@"
status=$?
set -e
log "command exited with status $status"
exit "$status"
