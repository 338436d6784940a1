//! The SQL reader against real PostgreSQL and MariaDB databases loaded from
//! the fixture dumps, compared with the fixtures' MANIFEST.json (ground
//! truth recorded while the real server ran), plus a SQLite copy.
//!
//! Run through `scripts/test-databases.sh cargo test --test it sql_read::`,
//! which loads each dump into a fresh database and exports
//! `STANCTL_TEST_PG_SQL_POSTGRES_V0_23`, `..._V0_9`,
//! `STANCTL_TEST_MYSQL_SQL_MYSQL_V0_23`, `..._V0_9`. Without them the
//! database tests print a note and pass, except under CI where they fail.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use stanctl::model::{LimitsSource, MessageRange, Severity};
use stanctl::sqlstore::dsn::{MysqlDsn, PgDsn};
use stanctl::sqlstore::{self, schema, SqlDriver, SqlReader};
use stanctl::StoreReader;

use crate::common::{manifest, sha256_hex, str_of, u64_of};

// ------------------------------------------------------------------ setup

/// The DSN in `var`, or `None` (with a note) when the databases are not
/// set up; under CI a missing variable is a failure.
fn dsn(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "{var} is not set: run the database tests through scripts/test-databases.sh \
                     (e.g. scripts/test-databases.sh cargo test --test it sql_read::)"
                );
            }
            eprintln!(
                "note: {var} not set; skipping (run via scripts/test-databases.sh cargo test --test it sql_read::)"
            );
            None
        }
    }
}

struct Fixture {
    name: &'static str,
    var: &'static str,
    driver: SqlDriver,
    /// Written by v0.9.2: no Clients.proto.
    old: bool,
}

const PG_23: Fixture = Fixture {
    name: "sql-postgres-v0.23",
    var: "STANCTL_TEST_PG_SQL_POSTGRES_V0_23",
    driver: SqlDriver::Postgres,
    old: false,
};
const PG_09: Fixture = Fixture {
    name: "sql-postgres-v0.9",
    var: "STANCTL_TEST_PG_SQL_POSTGRES_V0_9",
    driver: SqlDriver::Postgres,
    old: true,
};
const MY_23: Fixture = Fixture {
    name: "sql-mysql-v0.23",
    var: "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_23",
    driver: SqlDriver::Mysql,
    old: false,
};
const MY_09: Fixture = Fixture {
    name: "sql-mysql-v0.9",
    var: "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_9",
    driver: SqlDriver::Mysql,
    old: true,
};
const PG_08: Fixture = Fixture {
    name: "sql-postgres-v0.8",
    var: "STANCTL_TEST_PG_SQL_POSTGRES_V0_8",
    driver: SqlDriver::Postgres,
    old: true,
};
const PG_DELETED: Fixture = Fixture {
    name: "deleted-channels-postgres-v0.23",
    var: "STANCTL_TEST_PG_DELETED_CHANNELS_POSTGRES_V0_23",
    driver: SqlDriver::Postgres,
    old: false,
};
const MY_DELETED: Fixture = Fixture {
    name: "deleted-channels-mysql-v0.23",
    var: "STANCTL_TEST_MYSQL_DELETED_CHANNELS_MYSQL_V0_23",
    driver: SqlDriver::Mysql,
    old: false,
};

fn open(f: &Fixture) -> Option<SqlReader> {
    let source = dsn(f.var)?;
    Some(sqlstore::open_reader(f.driver, &source).unwrap_or_else(|e| panic!("{}: {e}", f.name)))
}

// ------------------------------------------------------------------ manifest checks

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// Compares everything the reader gives with the manifest's ground truth.
fn check_against_manifest(r: &mut dyn StoreReader, fixture: &str, old: bool) {
    let m = manifest(fixture);
    let ctx = |what: &str| format!("{fixture}: {what}");

    // Server.
    let info = r.server_info().unwrap().expect("server info row");
    assert_eq!(
        info.cluster_id,
        str_of(&m["cluster_id"]),
        "{}",
        ctx("cluster id")
    );
    assert_eq!(info.node_id, None);

    // Channels.
    let mut want_names: Vec<String> = arr(&m["channels"])
        .iter()
        .map(|c| str_of(&c["name"]).to_string())
        .collect();
    want_names.sort();
    assert_eq!(
        r.channel_names().unwrap(),
        want_names,
        "{}",
        ctx("channel names")
    );
    // Subscriptions per channel after a real restart; v0.9.2's monitoring
    // has no subs_count, so for the old fixtures take what v0.23.2
    // recovered from the same rows (after adding Clients.proto).
    let subs_count: BTreeMap<String, u64> = [
        &m["real_server_recovery_check"]["channels"],
        &m["upgrade_check"]["after_alter"]["channels"],
    ]
    .into_iter()
    .filter_map(|v| v.as_array())
    .flatten()
    .filter_map(|c| Some((str_of(&c["name"]).to_string(), c["subs_count"].as_u64()?)))
    .collect();

    for c in arr(&m["channels"]) {
        let name = str_of(&c["name"]);
        let ctx = |what: &str| format!("{fixture} channel {name}: {what}");
        let stats = r.channel_stats(name).unwrap();
        assert_eq!(stats.name, name);
        let st = stats.counts;
        assert_eq!(
            st.first_seq,
            u64_of(&c["first_seq"]),
            "{}",
            ctx("first_seq")
        );
        assert_eq!(st.last_seq, u64_of(&c["last_seq"]), "{}", ctx("last_seq"));
        assert_eq!(st.msgs, u64_of(&c["msg_count"]), "{}", ctx("msg_count"));
        // The SQL store's own accounting, as its monitoring reported it.
        assert_eq!(
            st.bytes,
            u64_of(&c["server_reported_at_shutdown"]["bytes"]),
            "{}",
            ctx("bytes")
        );

        let want: Vec<&Value> = arr(&c["messages"])
            .iter()
            .filter(|msg| msg["in_server_view_at_shutdown"].as_bool().unwrap_or(true))
            .collect();
        assert_eq!(
            st.first_timestamp,
            want.first().map(|w| w["timestamp_ns"].as_i64().unwrap()),
            "{}",
            ctx("first timestamp")
        );
        assert_eq!(
            st.last_timestamp,
            want.last().map(|w| w["timestamp_ns"].as_i64().unwrap()),
            "{}",
            ctx("last timestamp")
        );

        // Limits: Channels columns = the server's defaults (no limit flags
        // in the fixture's argv): 1 000 000 msgs, 1 024 000 000 bytes, no age.
        let (limits, source) = r.channel_limits(name).unwrap();
        assert_eq!(source, LimitsSource::Store);
        assert_eq!(
            (limits.max_msgs, limits.max_bytes, limits.max_age_ns),
            (Some(1_000_000), Some(1_024_000_000), Some(0)),
            "{}",
            ctx("limits")
        );

        // Every message.
        let got: Vec<_> = r
            .messages(name, MessageRange::default())
            .unwrap()
            .map(|m| m.unwrap_or_else(|e| panic!("{}: {e}", ctx("message"))))
            .collect();
        assert_eq!(got.len(), want.len(), "{}", ctx("message count"));
        for (g, w) in got.iter().zip(&want) {
            let seq = u64_of(&w["seq"]);
            let ctx = |what: &str| format!("{fixture} {name} seq {seq}: {what}");
            assert_eq!(g.seq, seq, "{}", ctx("seq"));
            assert_eq!(g.subject, str_of(&w["subject"]), "{}", ctx("subject"));
            assert_eq!(
                g.timestamp,
                w["timestamp_ns"].as_i64().unwrap(),
                "{}",
                ctx("timestamp")
            );
            assert_eq!(
                sha256_hex(&g.data),
                str_of(&w["payload_sha256"]),
                "{}",
                ctx("payload")
            );
            assert_eq!(
                g.data.len() as u64,
                u64_of(&w["payload_len"]),
                "{}",
                ctx("payload length")
            );
            assert_eq!(g.reply, str_of(&w["reply"]), "{}", ctx("reply"));
        }

        // Sequence and time windows.
        if want.len() >= 6 {
            let (s2, s5) = (u64_of(&want[1]["seq"]), u64_of(&want[4]["seq"]));
            let range = MessageRange {
                from_seq: Some(s2),
                to_seq: Some(s5),
                ..MessageRange::default()
            };
            let seqs: Vec<u64> = r
                .messages(name, range)
                .unwrap()
                .map(|m| m.unwrap().seq)
                .collect();
            assert_eq!(seqs, (s2..=s5).collect::<Vec<_>>(), "{}", ctx("seq window"));
            let t3 = want[2]["timestamp_ns"].as_i64().unwrap();
            let t5 = want[4]["timestamp_ns"].as_i64().unwrap();
            let range = MessageRange {
                since_ns: Some(t3),
                until_ns: Some(t5),
                ..MessageRange::default()
            };
            let seqs: Vec<u64> = r
                .messages(name, range)
                .unwrap()
                .map(|m| m.unwrap().seq)
                .collect();
            let expect: Vec<u64> = want
                .iter()
                .filter(|w| (t3..=t5).contains(&w["timestamp_ns"].as_i64().unwrap()))
                .map(|w| u64_of(&w["seq"]))
                .collect();
            assert_eq!(seqs, expect, "{}", ctx("time window"));
        }

        // Subscriptions: those the manifest expects in the store, by inbox.
        let subs = r.subscriptions(name).unwrap();
        let expected: Vec<&Value> = arr(&m["subscriptions"])
            .iter()
            .filter(|s| {
                str_of(&s["subject"]) == name
                    && s["expected_in_store_at_shutdown"].as_bool() == Some(true)
            })
            .collect();
        assert_eq!(
            subs.len(),
            expected.len(),
            "{}: {subs:#?}",
            ctx("subscription count")
        );
        if let Some(n) = subs_count.get(name) {
            assert_eq!(subs.len() as u64, *n, "{}", ctx("subs_count after restart"));
        }
        let ids: Vec<u64> = subs.iter().map(|s| s.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{}", ctx("subscriptions by id"));
        for w in expected {
            let inbox = str_of(&w["inbox"]);
            let s = subs.iter().find(|s| s.inbox == inbox).unwrap_or_else(|| {
                panic!("{}", ctx(&format!("no subscription with inbox {inbox}")))
            });
            let ctx = |what: &str| format!("{fixture} {name} sub {}: {what}", str_of(&w["name"]));
            let queue = w
                .get("queue_group_as_stored_by_server")
                .or_else(|| w.get("queue_group"))
                .map(str_of)
                .unwrap_or("");
            let shadow = w["is_durable"].as_bool() == Some(true)
                && w["is_queue"].as_bool() == Some(true)
                && str_of(&w["state_at_shutdown"]) == "client_closed";
            assert_eq!(s.channel, name);
            assert_eq!(s.queue_group, queue, "{}", ctx("queue group"));
            // A durable queue member stores its durable name only in the
            // queue group ("durable:group").
            let durable = if w["is_queue"].as_bool() == Some(true) {
                ""
            } else {
                str_of(&w["durable_name"])
            };
            assert_eq!(s.durable_name, durable, "{}", ctx("durable name"));
            assert_eq!(
                s.is_durable,
                w["is_durable"].as_bool().unwrap(),
                "{}",
                ctx("durable")
            );
            assert_eq!(s.is_shadow(), shadow, "{}", ctx("shadow"));
            let client = if shadow { "" } else { str_of(&w["client_id"]) };
            assert_eq!(s.client_id, client, "{}", ctx("client id"));
            assert_eq!(s.ack_inbox, str_of(&w["ack_inbox"]), "{}", ctx("ack inbox"));
            assert_eq!(
                s.max_in_flight as u64,
                u64_of(&w["max_inflight"]),
                "{}",
                ctx("max in flight")
            );
            assert_eq!(
                s.ack_wait_s as u64,
                u64_of(&w["ack_wait_sec"]),
                "{}",
                ctx("ack wait")
            );
            assert_eq!(
                s.last_sent,
                u64_of(&w["last_received_seq"]),
                "{}",
                ctx("last sent")
            );
            let mut pending: Vec<u64> = arr(&w["pending_unacked_seqs_at_shutdown"])
                .iter()
                .map(u64_of)
                .collect();
            pending.sort();
            assert_eq!(s.pending, pending, "{}", ctx("pending"));
            if !old && !shadow {
                // v0.10+ marks offline durables closed.
                let closed = s.is_durable && str_of(&w["state_at_shutdown"]) != "active";
                assert_eq!(s.is_closed, closed, "{}", ctx("closed"));
            }
        }
    }
    assert!(r.channel_stats("no.such.channel").is_err());

    // Clients: connected at shutdown.
    let clients = r.clients().unwrap();
    let mut want: Vec<&Value> = arr(&m["clients"])
        .iter()
        .filter(|c| str_of(&c["state_at_shutdown"]) == "connected")
        .collect();
    want.sort_by_key(|c| str_of(&c["id"]).to_string());
    assert_eq!(
        clients.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        want.iter().map(|c| str_of(&c["id"])).collect::<Vec<_>>(),
        "{}",
        ctx("client ids")
    );
    for (c, w) in clients.iter().zip(&want) {
        let ctx = |what: &str| format!("{fixture} client {}: {what}", c.id);
        assert_eq!(c.hb_inbox, str_of(&w["hb_inbox"]), "{}", ctx("hb inbox"));
        if old {
            assert_eq!(
                (&c.conn_id, c.protocol, c.ping_interval, c.ping_max_out),
                (&None, None, None, None),
                "{}",
                ctx("v0.9 clients record only id and hbinbox")
            );
        } else {
            assert_eq!(
                c.conn_id.as_deref().map(hex::encode).as_deref(),
                Some(str_of(&w["conn_id_hex"]))
            );
            assert_eq!(
                c.protocol.map(i64::from),
                w["protocol_sent"].as_i64(),
                "{}",
                ctx("protocol")
            );
            assert_eq!(
                c.ping_interval.map(i64::from),
                w["ping_interval_sent"].as_i64(),
                "{}",
                ctx("ping")
            );
            assert_eq!(
                c.ping_max_out.map(i64::from),
                w["ping_max_out_sent"].as_i64(),
                "{}",
                ctx("max out")
            );
        }
    }

    // Findings: none on a clean store, except the pre-0.10 schema note.
    let findings = r.findings();
    let serious: Vec<_> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    if old {
        assert_eq!(serious.len(), 1, "{}: {findings:#?}", ctx("findings"));
        assert_eq!(serious[0].location, "table Clients");
        assert!(serious[0]
            .server_behaviour
            .contains("ALTER TABLE Clients ADD proto"));
    } else {
        assert!(serious.is_empty(), "{}: {findings:#?}", ctx("findings"));
    }
}

fn manifest_test(f: &Fixture) {
    let Some(mut r) = open(f) else { return };
    assert_eq!(r.backend().to_string(), format!("sql/{}", f.driver));
    assert_eq!(r.has_client_proto(), !f.old);
    check_against_manifest(&mut r, f.name, f.old);
    // Also through the boxed trait object `open` returns.
    let source = dsn(f.var).unwrap_or_default();
    let mut boxed = sqlstore::open(f.driver, &source).unwrap();
    check_against_manifest(boxed.as_mut(), f.name, f.old);
}

#[test]
fn postgres_v0_23_matches_manifest() {
    manifest_test(&PG_23);
}

#[test]
fn postgres_v0_9_matches_manifest() {
    manifest_test(&PG_09);
}

#[test]
fn mysql_v0_23_matches_manifest() {
    manifest_test(&MY_23);
}

#[test]
fn mysql_v0_9_matches_manifest() {
    manifest_test(&MY_09);
}

#[test]
fn postgres_v0_8_matches_manifest() {
    manifest_test(&PG_08);
}

#[test]
fn postgres_deleted_channels_matches_manifest() {
    manifest_test(&PG_DELETED);
}

#[test]
fn mysql_deleted_channels_matches_manifest() {
    manifest_test(&MY_DELETED);
}

// ------------------------------------------------------------------ read-only

/// Row count and content checksum of every table, read on a separate
/// connection.
fn pg_fingerprint(source: &str) -> BTreeMap<String, String> {
    let mut c = PgDsn::parse(source)
        .unwrap()
        .config()
        .unwrap()
        .connect(postgres::NoTls)
        .unwrap();
    let mut out = BTreeMap::new();
    for t in schema::TABLES {
        let t = t.to_lowercase();
        let row = c
            .query_one(
                &format!(
                    "SELECT COUNT(*)::text || ' ' || md5(COALESCE(string_agg(x::text, '|' ORDER BY x::text), '')) \
                     FROM {t} x"
                ),
                &[],
            )
            .unwrap();
        out.insert(t, row.get::<_, String>(0));
    }
    out
}

fn mysql_fingerprint(source: &str) -> BTreeMap<String, String> {
    use mysql::prelude::Queryable;
    let mut c = mysql::Conn::new(MysqlDsn::parse(source).unwrap().opts().unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for t in schema::TABLES {
        let count: Option<u64> = c
            .query_first(format!("SELECT COUNT(*) FROM `{t}`"))
            .unwrap();
        let sum: Option<(String, Option<u64>)> = c
            .query_first(format!("CHECKSUM TABLE `{t}` EXTENDED"))
            .unwrap();
        out.insert(t.to_string(), format!("{count:?} {sum:?}"));
    }
    out
}

fn read_everything(r: &mut dyn StoreReader) {
    r.server_info().unwrap();
    r.clients().unwrap();
    for name in r.channel_names().unwrap() {
        r.channel_stats(&name).unwrap();
        r.channel_limits(&name).unwrap();
        r.subscriptions(&name).unwrap();
        for m in r.messages(&name, MessageRange::default()).unwrap() {
            m.unwrap();
        }
    }
}

fn read_only_test(f: &Fixture, fingerprint: fn(&str) -> BTreeMap<String, String>) {
    let Some(source) = dsn(f.var) else { return };
    let before = fingerprint(&source);
    {
        let mut r = sqlstore::open_reader(f.driver, &source).unwrap();
        read_everything(&mut r);
        let e = r
            .try_write_for_test()
            .expect_err("a write inside the reader's transaction must fail");
        let msg = e.to_string();
        assert!(
            msg.contains("read-only") || msg.contains("READ ONLY") || msg.contains("1792"),
            "{}: unexpected write error: {msg}",
            f.name
        );
        // The snapshot is still usable after the refused write.
        read_everything(&mut r);
    }
    assert_eq!(
        fingerprint(&source),
        before,
        "{}: the database changed",
        f.name
    );
}

#[test]
fn postgres_reader_is_read_only() {
    read_only_test(&PG_23, pg_fingerprint);
    read_only_test(&PG_09, pg_fingerprint);
}

#[test]
fn mysql_reader_is_read_only() {
    read_only_test(&MY_23, mysql_fingerprint);
    read_only_test(&MY_09, mysql_fingerprint);
}

// ------------------------------------------------------------------ passwords

#[test]
fn connection_errors_never_show_the_password() {
    const SECRET: &str = "Hunter2-not-the-password";
    if let Some(source) = dsn(PG_23.var) {
        let mut d = PgDsn::parse(&source).unwrap();
        d.password = Some(SECRET.into());
        d.dbname = Some("stanctl_no_such_database_for_sure".into());
        let s = format!(
            "host={} port={} user={} password={SECRET} dbname={} sslmode=disable",
            d.host.as_deref().unwrap_or("127.0.0.1"),
            d.port.unwrap_or(5432),
            d.user.as_deref().unwrap_or("postgres"),
            d.dbname.as_deref().unwrap_or_default()
        );
        let e = sqlstore::open(SqlDriver::Postgres, &s)
            .err()
            .expect("no such database")
            .to_string();
        assert!(!e.contains(SECRET), "{e}");
        assert!(e.contains("password=***"), "{e}");
    }
    if let Some(source) = dsn(MY_23.var) {
        let d = MysqlDsn::parse(&source).unwrap();
        let addr = match &d.net {
            sqlstore::dsn::MysqlNet::Tcp { host, port } => format!("tcp({host}:{port})"),
            sqlstore::dsn::MysqlNet::Unix { path } => format!("unix({path})"),
        };
        let s = format!("stanctl_nobody:{SECRET}@{addr}/{}", d.dbname);
        let e = sqlstore::open(SqlDriver::Mysql, &s)
            .err()
            .expect("access denied")
            .to_string();
        assert!(!e.contains(SECRET), "{e}");
        assert!(e.contains(":***@"), "{e}");
    }
}

// ------------------------------------------------------------------ SQLite

/// Copies every table of the PostgreSQL v0.23 fixture database into a new
/// SQLite file made from `SQLITE_SCHEMA`, keeping NULL and empty blobs
/// apart.
fn copy_postgres_to_sqlite(source: &str, path: &std::path::Path) {
    use postgres::types::Type;
    use rusqlite::types::Value as L;
    let mut pg = PgDsn::parse(source)
        .unwrap()
        .config()
        .unwrap()
        .connect(postgres::NoTls)
        .unwrap();
    let mut db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(schema::SQLITE_SCHEMA).unwrap();
    let tx = db.transaction().unwrap();
    for (table, cols) in schema::COLUMNS {
        let list = cols
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = pg
            .query(&format!("SELECT {list} FROM {}", table.to_lowercase()), &[])
            .unwrap();
        let marks = vec!["?"; cols.len()].join(", ");
        let mut ins = tx
            .prepare(&format!("INSERT INTO {table} ({list}) VALUES ({marks})"))
            .unwrap();
        for row in rows {
            let vals: Vec<L> = (0..cols.len())
                .map(|i| {
                    let ty = row.columns()[i].type_().clone();
                    if ty == Type::INT4 {
                        row.get::<_, Option<i32>>(i)
                            .map_or(L::Null, |v| L::Integer(v.into()))
                    } else if ty == Type::INT8 {
                        row.get::<_, Option<i64>>(i).map_or(L::Null, L::Integer)
                    } else if ty == Type::BOOL {
                        row.get::<_, Option<bool>>(i)
                            .map_or(L::Null, |v| L::Integer(v.into()))
                    } else if ty == Type::BYTEA {
                        row.get::<_, Option<Vec<u8>>>(i).map_or(L::Null, L::Blob)
                    } else {
                        row.get::<_, Option<String>>(i).map_or(L::Null, L::Text)
                    }
                })
                .collect();
            ins.execute(rusqlite::params_from_iter(vals)).unwrap();
        }
    }
    tx.commit().unwrap();
}

#[test]
fn sqlite_copy_of_postgres_v0_23_matches_manifest() {
    let Some(source) = dsn(PG_23.var) else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    copy_postgres_to_sqlite(&source, &path);
    // Empty-bytea acks stay empty (not NULL) in the copy.
    let empties: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM SubsPending WHERE acks = x''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(empties > 0);

    let before = std::fs::read(&path).unwrap();
    let mut r = sqlstore::open_reader(SqlDriver::Sqlite, path.to_str().unwrap()).unwrap();
    assert_eq!(r.backend().to_string(), "sql/sqlite");
    check_against_manifest(&mut r, PG_23.name, false);
    assert!(r.try_write_for_test().is_err());
    read_everything(&mut r);
    drop(r);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the SQLite file changed"
    );

    // A `file:` URI works too.
    let uri = format!("file:{}?mode=ro", path.display());
    let mut r = sqlstore::open(SqlDriver::Sqlite, &uri).unwrap();
    assert_eq!(r.channel_names().unwrap().len(), 5);
}

// ------------------------------------------------------------------ store lock (no database needed)

fn sqlite_store_with_lock(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("lock.db");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(schema::SQLITE_SCHEMA).unwrap();
    db.execute_batch("INSERT INTO StoreLock (id, tick) VALUES ('iAxwJ7bS9hOp3z1kYqL0Qw', 41);")
        .unwrap();
    path
}

#[test]
fn moving_store_lock_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = sqlite_store_with_lock(&dir);
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (stop, path) = (stop.clone(), path.clone());
        std::thread::spawn(move || {
            let db = rusqlite::Connection::open(&path).unwrap();
            while !stop.load(Ordering::Relaxed) {
                // Busy while the reader holds its snapshot: ignore, retry.
                let _ = db.execute("UPDATE StoreLock SET tick = tick + 1", []);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let r = sqlstore::open_reader(SqlDriver::Sqlite, path.to_str().unwrap());
    stop.store(true, Ordering::Relaxed);
    ticker.join().unwrap();
    let r = r.unwrap();
    let f = r.findings();
    assert!(
        f.iter().any(|f| f.severity == Severity::Warning
            && f.location == "table StoreLock"
            && f.message.contains("a live server may hold the store lock")),
        "{f:#?}"
    );
}

#[test]
fn stale_store_lock_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = sqlite_store_with_lock(&dir);
    let r = sqlstore::open_reader(SqlDriver::Sqlite, path.to_str().unwrap()).unwrap();
    let f = r.findings();
    assert!(
        f.iter()
            .any(|f| f.location == "table StoreLock" && f.message.contains("did not move")),
        "{f:#?}"
    );
    assert!(
        !f.iter().any(|f| f.message.contains("live server")),
        "{f:#?}"
    );
}

#[test]
fn released_store_lock_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("released.db");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(schema::SQLITE_SCHEMA).unwrap();
    db.execute_batch("INSERT INTO StoreLock (id, tick) VALUES ('', 0);")
        .unwrap();
    drop(db);
    let started = std::time::Instant::now();
    let r = sqlstore::open_reader(SqlDriver::Sqlite, path.to_str().unwrap()).unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "no wait for a released lock"
    );
    assert!(r.findings().is_empty(), "{:#?}", r.findings());
}

#[test]
fn sqlite_missing_file_is_an_error_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    let e = sqlstore::open(SqlDriver::Sqlite, path.to_str().unwrap())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("no such file"), "{e}");
    assert!(!path.exists());
}

#[test]
fn sqlite_reader_keeps_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer.pragma_update(None, "journal_mode", "WAL").unwrap();
    writer.execute_batch(schema::SQLITE_SCHEMA).unwrap();
    writer
        .execute_batch(
            "INSERT INTO Channels (id, name) VALUES (1, 'a');
             INSERT INTO Messages VALUES (1, 1, 5, 4, x'08011201612805');",
        )
        .unwrap();
    let mut r = sqlstore::open_reader(SqlDriver::Sqlite, path.to_str().unwrap()).unwrap();
    // Changes committed after the reader opened are not seen.
    writer
        .execute_batch(
            "INSERT INTO Channels (id, name) VALUES (2, 'b');
             INSERT INTO Messages VALUES (1, 2, 6, 4, x'08021201612806');",
        )
        .unwrap();
    assert_eq!(r.channel_names().unwrap(), vec!["a".to_string()]);
    let st = r.channel_stats("a").unwrap().counts;
    assert_eq!((st.first_seq, st.last_seq, st.msgs), (1, 1, 1));
    let seqs: Vec<u64> = r
        .messages("a", MessageRange::default())
        .unwrap()
        .map(|m| m.unwrap().seq)
        .collect();
    assert_eq!(seqs, vec![1]);
    drop(r);
    let mut r = sqlstore::open_reader(SqlDriver::Sqlite, path.to_str().unwrap()).unwrap();
    assert_eq!(r.channel_names().unwrap().len(), 2);
    assert_eq!(r.channel_stats("a").unwrap().counts.msgs, 2);
}

// ------------------------------------------------------------------ -c limits

/// The config the real server v0.23.2 was started with on sql-postgres-v0.23
/// (issue 13), and what it recovered: orders.eu 26..35 (10 msgs), orders.us
/// 14..20 (7), payments 25..24 (0). Its recovery (applyLimitsOnRecovery)
/// always applies max_age, and max_msgs / max_bytes only when lower than
/// the limits stored in Channels (here the defaults).
const RECOVERY_CONFIG: &str = r#"streaming {
  store_limits {
    channels {
      "orders.eu": { max_msgs: 10 }
      "orders.us": { max_bytes: 500 }
      "payments":  { max_age: "1h" }
    }
  }
}
"#;

fn config_limits_match_the_servers_recovery(f: &Fixture) {
    let Some(source) = dsn(f.var) else { return };
    let m = manifest(f.name);
    let last_of = |name: &str| {
        arr(&m["channels"])
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| u64_of(&c["last_seq"]))
            .unwrap_or_else(|| panic!("{name} not in the manifest"))
    };
    let dir = tempfile::tempdir().expect("tmp");
    let conf = dir.path().join("limits.conf");
    std::fs::write(&conf, RECOVERY_CONFIG).expect("write config");
    let driver = f.driver.to_string();
    let args = [
        "--sql-driver",
        driver.as_str(),
        "--sql-source",
        source.as_str(),
        "-c",
        conf.to_str().expect("utf8"),
        "--format",
        "json",
        "channels",
        "ls",
    ];
    let got = crate::common::json(&args);
    let row = |name: &str| {
        arr(&got)
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing: {got:#}"))
    };
    // (channel, first, last, msgs) as the real server recovered them.
    let eu = last_of("orders.eu");
    let pay = last_of("payments");
    for (name, first, last, msgs) in [
        ("orders.eu", eu - 9, eu, 10),
        ("orders.us", 14, last_of("orders.us"), 7),
        ("payments", pay + 1, pay, 0),
    ] {
        let r = row(name);
        let ctx = format!("{}/{name}: {r:#}", f.name);
        assert_eq!(u64_of(&r["first_seq"]), first, "{ctx}");
        assert_eq!(u64_of(&r["last_seq"]), last, "{ctx}");
        assert_eq!(u64_of(&r["msgs"]), msgs, "{ctx}");
        assert_eq!(r["limits_source"], "config", "{ctx}");
    }
    // Channels the config leaves at the defaults keep every message.
    let audit = row("audit.log");
    assert_eq!(u64_of(&audit["first_seq"]), 1);
    assert_eq!(u64_of(&audit["last_seq"]), last_of("audit.log"));
    // And dump serves exactly the kept messages.
    let mut dump: Vec<&str> = args[..8].to_vec();
    dump.extend_from_slice(&["dump", "--channel", "orders.eu"]);
    let msgs = crate::common::json(&dump);
    let seqs: Vec<u64> = arr(&msgs).iter().map(|m| u64_of(&m["seq"])).collect();
    assert_eq!(seqs, (eu - 9..=eu).collect::<Vec<_>>());
}

#[test]
fn postgres_config_limits_match_the_servers_recovery() {
    config_limits_match_the_servers_recovery(&PG_23);
}

#[test]
fn mysql_config_limits_match_the_servers_recovery() {
    config_limits_match_the_servers_recovery(&MY_23);
}

// ------------------------------------------------------------------ dump of several channels

/// `dump --channel '>'` over a SQL store merges the channels as the
/// manifest orders them (timestamp, channel name, seq), and `--by-channel`
/// gives them one after the other: the same as the file store.
fn merged_dump_matches_manifest(f: &Fixture) {
    let Some(source) = dsn(f.var) else { return };
    let driver = match f.driver {
        SqlDriver::Postgres => "postgres",
        _ => "mysql",
    };
    let names: Vec<String> = manifest(f.name)["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(&c["name"]).to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    for by_channel in [false, true] {
        let mut args = vec![
            "--sql-driver",
            driver,
            "--sql-source",
            source.as_str(),
            "dump",
            "--channel",
            ">",
            "--format",
            "ndjson",
        ];
        if by_channel {
            args.push("--by-channel");
        }
        let got = crate::common::dumped_messages(&crate::common::ndjson_with_code(&args, 0));
        assert_eq!(
            got,
            crate::common::manifest_dump(f.name, &names, !by_channel),
            "{} by_channel={by_channel}",
            f.name
        );
    }
}

#[test]
fn postgres_merged_dump_matches_manifest() {
    merged_dump_matches_manifest(&PG_23);
}

#[test]
fn mysql_merged_dump_matches_manifest() {
    merged_dump_matches_manifest(&MY_23);
}
