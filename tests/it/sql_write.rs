//! The SQL writer against real PostgreSQL and MariaDB databases and SQLite:
//! the real file-store fixture is written through the `StoreWriter` trait,
//! read back with the SQL reader, and compared with the fixture's
//! MANIFEST.json (ground truth recorded while the real server ran); the
//! rows themselves are checked against FORMAT.md 4.4/4.5.
//!
//! Run through `scripts/test-databases.sh cargo test --test it sql_write::`,
//! which exports `STANCTL_TEST_PG_ADMIN` and `STANCTL_TEST_MYSQL_ADMIN`;
//! each test creates its own databases there and drops them. Without them
//! the PostgreSQL/MariaDB parts print a note and pass (the SQLite parts
//! always run), except under CI where they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use prost::Message as _;
use serde_json::Value;
use stanctl::filestore::{FileStore, FileStoreOptions};
use stanctl::model::{
    ChannelCounts, ChannelStats, Client, Limits, Message, MessageRange, ServerInfo, Severity,
    Subscription,
};
use stanctl::proto;
use stanctl::sqlstore::dsn::MysqlDsn;
use stanctl::sqlstore::{self, SqlDriver, SqlWriterOptions};
use stanctl::store::{StoreReader, StoreWriter};

use crate::common::{fixture, sha256_hex, str_of, truth, u64_of};

const FIXTURE: &str = "file-basic-v0.23";

// ------------------------------------------------------------------ databases

/// The admin DSN in `var`, or `None` (with a note) when the databases are
/// not set up; under CI a missing variable is a failure.
fn admin(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "{var} is not set: run the database tests through scripts/test-databases.sh \
                     (e.g. scripts/test-databases.sh cargo test --test it sql_write::)"
                );
            }
            eprintln!(
                "note: {var} not set; skipping (run via scripts/test-databases.sh cargo test --test it sql_write::)"
            );
            None
        }
    }
}

static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "stanctl_w_{}_{}_{:x}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

fn mysql_conn(source: &str) -> mysql::Conn {
    let opts = MysqlDsn::parse(source).unwrap().opts().unwrap();
    mysql::Conn::new(opts).unwrap()
}

/// An empty database (or SQLite path) of its own for one test, dropped at
/// the end.
struct TestDb {
    driver: SqlDriver,
    source: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Pg { admin: String, name: String },
    My { admin: String, name: String },
    Lite(tempfile::TempDir),
}

impl TestDb {
    fn new(driver: SqlDriver) -> Option<TestDb> {
        let name = unique_name();
        match driver {
            SqlDriver::Postgres => {
                let admin = admin("STANCTL_TEST_PG_ADMIN")?;
                let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
                c.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .unwrap();
                let source = if admin.contains("dbname=postgres") {
                    admin.replace("dbname=postgres", &format!("dbname={name}"))
                } else {
                    format!("{admin} dbname={name}")
                };
                Some(TestDb {
                    driver,
                    source,
                    cleanup: Cleanup::Pg { admin, name },
                })
            }
            SqlDriver::Mysql => {
                let admin = admin("STANCTL_TEST_MYSQL_ADMIN")?;
                use mysql::prelude::Queryable;
                mysql_conn(&admin)
                    .query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
                    .unwrap();
                let base = admin.split_once('/').map_or(admin.as_str(), |(b, _)| b);
                Some(TestDb {
                    driver,
                    source: format!("{base}/{name}"),
                    cleanup: Cleanup::My { admin, name },
                })
            }
            SqlDriver::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let source = dir.path().join("stan.db").display().to_string();
                Some(TestDb {
                    driver,
                    source,
                    cleanup: Cleanup::Lite(dir),
                })
            }
        }
    }

    /// The database of a `per_fixture!` case (`sqlite`, `postgres`,
    /// `mysql`), or `None` when the environment does not provide it.
    fn named(driver: &str) -> Option<TestDb> {
        TestDb::new(driver.parse().expect("a SQL driver"))
    }

    fn dir(&self) -> Option<PathBuf> {
        match &self.cleanup {
            Cleanup::Lite(d) => Some(d.path().to_path_buf()),
            _ => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Pg { admin, name } => {
                if let Ok(mut c) = postgres::Client::connect(admin, postgres::NoTls) {
                    let _ = c
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
                }
            }
            Cleanup::My { admin, name } => {
                use mysql::prelude::Queryable;
                let _ = mysql_conn(admin).query_drop(format!("DROP DATABASE IF EXISTS `{name}`"));
            }
            Cleanup::Lite(_) => {}
        }
    }
}

// ------------------------------------------------------------------ raw rows

/// A `SubsPending` row: (subid, row, seq, lastsent, pending, acks).
type PendingRow = (u64, u64, u64, u64, Option<Vec<u8>>, Option<Vec<u8>>);

/// What the writer put in the tables, read without stanctl.
#[derive(Debug, Default)]
struct Raw {
    /// (channel id, subid, lastsent, proto)
    subs: Vec<(i64, u64, u64, Vec<u8>)>,
    /// By subid and row.
    pending: Vec<PendingRow>,
    /// (uniquerow, id, version)
    server_info: Vec<(i64, String, i64)>,
    /// (id, name, maxseq, maxmsgs, maxbytes, maxage), by id
    channels: Vec<(i64, String, u64, i64, i64, i64)>,
    /// Messages whose size column is not the length of data.
    bad_sizes: i64,
}

const SQL_SUBS: &str = "SELECT id, subid, lastsent, proto FROM Subscriptions ORDER BY subid";
const SQL_SERVER: &str = "SELECT uniquerow, id, version FROM ServerInfo";
const SQL_CHANNELS: &str =
    "SELECT id, name, maxseq, maxmsgs, maxbytes, maxage FROM Channels ORDER BY id";
const SQL_SIZES: &str = "SELECT COUNT(*) FROM Messages WHERE size <> LENGTH(data)";

fn sql_pending(q: &str) -> String {
    format!("SELECT subid, {q}, seq, lastsent, pending, acks FROM SubsPending ORDER BY subid, {q}")
}

fn raw(db: &TestDb) -> Raw {
    match db.driver {
        SqlDriver::Postgres => {
            let mut c = postgres::Client::connect(&db.source, postgres::NoTls).unwrap();
            let u = |v: i64| u64::try_from(v).unwrap();
            Raw {
                subs: c
                    .query(SQL_SUBS, &[])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            i64::from(r.get::<_, i32>(0)),
                            u(r.get(1)),
                            u(r.get(2)),
                            r.get(3),
                        )
                    })
                    .collect(),
                pending: c
                    .query(&sql_pending("row"), &[])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            u(r.get(0)),
                            u(r.get(1)),
                            u(r.get(2)),
                            u(r.get(3)),
                            r.get(4),
                            r.get(5),
                        )
                    })
                    .collect(),
                server_info: c
                    .query(SQL_SERVER, &[])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            i64::from(r.get::<_, i32>(0)),
                            r.get(1),
                            i64::from(r.get::<_, i32>(2)),
                        )
                    })
                    .collect(),
                channels: c
                    .query(SQL_CHANNELS, &[])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            i64::from(r.get::<_, i32>(0)),
                            r.get(1),
                            u(r.get(2)),
                            i64::from(r.get::<_, i32>(3)),
                            r.get(4),
                            r.get(5),
                        )
                    })
                    .collect(),
                bad_sizes: c.query_one(SQL_SIZES, &[]).unwrap().get(0),
            }
        }
        SqlDriver::Mysql => {
            use mysql::prelude::Queryable;
            let mut c = mysql_conn(&db.source);
            Raw {
                subs: c.query(SQL_SUBS).unwrap(),
                pending: c.query(sql_pending("`row`")).unwrap(),
                server_info: c.query(SQL_SERVER).unwrap(),
                channels: c.query(SQL_CHANNELS).unwrap(),
                bad_sizes: c.query_first(SQL_SIZES).unwrap().unwrap(),
            }
        }
        SqlDriver::Sqlite => {
            let c = rusqlite::Connection::open(&db.source).unwrap();
            fn all<T>(
                c: &rusqlite::Connection,
                sql: &str,
                f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
            ) -> Vec<T> {
                let mut st = c.prepare(sql).unwrap();
                let rows = st.query_map([], f).unwrap();
                rows.map(|r| r.unwrap()).collect()
            }
            Raw {
                subs: all(&c, SQL_SUBS, |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                }),
                pending: all(&c, &sql_pending("\"row\""), |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                }),
                server_info: all(&c, SQL_SERVER, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))),
                channels: all(&c, SQL_CHANNELS, |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                }),
                bad_sizes: c.query_row(SQL_SIZES, [], |r| r.get(0)).unwrap(),
            }
        }
    }
}

/// Rows per STAN table present in the target (lower-case names); an
/// SQLite target that does not exist has none.
fn table_rows(db: &TestDb) -> BTreeMap<String, i64> {
    let stan = [
        "serverinfo",
        "clients",
        "channels",
        "messages",
        "subscriptions",
        "subspending",
    ];
    let mut out = BTreeMap::new();
    match db.driver {
        SqlDriver::Postgres => {
            let mut c = postgres::Client::connect(&db.source, postgres::NoTls).unwrap();
            let names: Vec<String> = c
                .query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            for n in names.into_iter().filter(|n| stan.contains(&n.as_str())) {
                let count: i64 = c
                    .query_one(&format!("SELECT COUNT(*) FROM \"{n}\""), &[])
                    .unwrap()
                    .get(0);
                out.insert(n, count);
            }
        }
        SqlDriver::Mysql => {
            use mysql::prelude::Queryable;
            let mut c = mysql_conn(&db.source);
            let names: Vec<String> = c
                .query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
                .unwrap();
            for n in names {
                if stan.contains(&n.to_ascii_lowercase().as_str()) {
                    let count: i64 = c
                        .query_first(format!("SELECT COUNT(*) FROM `{n}`"))
                        .unwrap()
                        .unwrap();
                    out.insert(n.to_ascii_lowercase(), count);
                }
            }
        }
        SqlDriver::Sqlite => {
            if !std::path::Path::new(&db.source).exists() {
                return out;
            }
            let c = rusqlite::Connection::open(&db.source).unwrap();
            for n in stan {
                if let Ok(count) =
                    c.query_row(&format!("SELECT COUNT(*) FROM {n}"), [], |r| r.get(0))
                {
                    out.insert(n.to_string(), count);
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------------ migration

/// Where each subscription went: (channel, inbox, id in the source, new id).
type SubIds = Vec<(String, String, u64, u64)>;

fn source_store() -> FileStore {
    FileStore::open(&fixture(FIXTURE).join("store"), FileStoreOptions::default()).unwrap()
}

/// Copies a whole store through the writer trait (everything but `finish`).
fn copy(src: &mut dyn StoreReader, w: &mut dyn StoreWriter) -> stanctl::Result<SubIds> {
    let info = src.server_info()?.expect("source server info");
    w.server_info(&info)?;
    for c in src.clients()? {
        w.add_client(&c)?;
    }
    let mut ids = Vec::new();
    for name in src.channel_names()? {
        let stats = src.channel_stats(&name)?;
        let (limits, _) = src.channel_limits(&name)?;
        w.begin_channel(&stats, &limits)?;
        for m in src.messages(&name, MessageRange::default())? {
            w.append_message(&m?)?;
        }
        for s in src.subscriptions(&name)? {
            let id = w.add_subscription(&s)?;
            ids.push((name.clone(), s.inbox.clone(), s.id, id));
        }
        w.end_channel()?;
    }
    Ok(ids)
}

fn migrate(db: &TestDb, opts: SqlWriterOptions) -> stanctl::Result<SubIds> {
    let mut src = source_store();
    let mut w = sqlstore::create_writer(db.driver, &db.source, opts)?;
    let ids = copy(&mut src, w.as_mut())?;
    w.finish()?;
    Ok(ids)
}

fn opts(no_caching: bool, force: bool) -> SqlWriterOptions {
    SqlWriterOptions { no_caching, force }
}

// ------------------------------------------------------------------ checks

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// The marshaled MsgProto's length (the SQL `size`) of a manifest message.
fn msg_proto_len(w: &Value) -> u64 {
    proto::MsgProto {
        sequence: u64_of(&w["seq"]),
        subject: str_of(&w["subject"]).as_bytes().to_vec(),
        reply: str_of(&w["reply"]).as_bytes().to_vec(),
        data: Bytes::from(vec![0u8; u64_of(&w["payload_len"]) as usize]),
        timestamp: w["timestamp_ns"].as_i64().unwrap(),
        ..Default::default()
    }
    .encoded_len() as u64
}

/// Reads the written store back and compares it with the manifest.
fn check_store(db: &TestDb, ids: &SubIds) {
    let m = truth(FIXTURE);
    let d = db.driver;
    let mut r = sqlstore::open(d, &db.source).unwrap_or_else(|e| panic!("{d}: open: {e}"));
    assert_eq!(r.backend().to_string(), format!("sql/{d}"));

    let info = r.server_info().unwrap().expect("ServerInfo row");
    assert_eq!(info.cluster_id, str_of(&m["cluster_id"]), "{d}: cluster id");
    assert_eq!(
        Some(info),
        source_store().server_info().unwrap(),
        "{d}: server info"
    );

    let mut want_names: Vec<String> = arr(&m["channels"])
        .iter()
        .map(|c| str_of(&c["name"]).to_string())
        .collect();
    want_names.sort();
    assert_eq!(r.channel_names().unwrap(), want_names, "{d}: channels");

    for c in arr(&m["channels"]) {
        let name = str_of(&c["name"]);
        let ctx = |what: &str| format!("{d} channel {name}: {what}");
        let want: Vec<&Value> = arr(&c["messages"])
            .iter()
            .filter(|w| w["in_server_view_at_shutdown"].as_bool().unwrap_or(true))
            .collect();
        let st = r.channel_stats(name).unwrap().counts;
        assert_eq!(st.first_seq, u64_of(&c["first_seq"]), "{}", ctx("first"));
        assert_eq!(st.last_seq, u64_of(&c["last_seq"]), "{}", ctx("last"));
        assert_eq!(st.msgs, u64_of(&c["msg_count"]), "{}", ctx("count"));
        // SQL accounting: the marshaled MsgProto of every message.
        assert_eq!(
            st.bytes,
            want.iter().map(|w| msg_proto_len(w)).sum::<u64>(),
            "{}",
            ctx("bytes")
        );
        assert_eq!(
            st.first_timestamp,
            want.first().map(|w| w["timestamp_ns"].as_i64().unwrap()),
            "{}",
            ctx("first timestamp")
        );
        // The file store knows no limits: the columns say "unlimited".
        let (limits, _) = r.channel_limits(name).unwrap();
        assert_eq!(
            (limits.max_msgs, limits.max_bytes, limits.max_age_ns),
            (Some(0), Some(0), Some(0)),
            "{}",
            ctx("limits")
        );

        let got: Vec<Message> = r
            .messages(name, MessageRange::default())
            .unwrap()
            .map(|x| x.unwrap_or_else(|e| panic!("{}: {e}", ctx("message"))))
            .collect();
        assert_eq!(got.len(), want.len(), "{}", ctx("messages"));
        for (g, w) in got.iter().zip(&want) {
            let ctx = |what: &str| format!("{d} {name} seq {}: {what}", w["seq"]);
            assert_eq!(g.seq, u64_of(&w["seq"]), "{}", ctx("seq"));
            assert_eq!(
                g.timestamp,
                w["timestamp_ns"].as_i64().unwrap(),
                "{}",
                ctx("timestamp")
            );
            assert_eq!(g.subject, str_of(&w["subject"]), "{}", ctx("subject"));
            assert_eq!(g.reply, str_of(&w["reply"]), "{}", ctx("reply"));
            assert_eq!(
                g.data.len() as u64,
                u64_of(&w["payload_len"]),
                "{}",
                ctx("length")
            );
            assert_eq!(
                sha256_hex(&g.data),
                str_of(&w["payload_sha256"]),
                "{}",
                ctx("payload")
            );
        }

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
            ctx("subscriptions")
        );
        for w in expected {
            let inbox = str_of(&w["inbox"]);
            let ctx = |what: &str| format!("{d} {name} sub {}: {what}", str_of(&w["name"]));
            let s = subs
                .iter()
                .find(|s| s.inbox == inbox)
                .unwrap_or_else(|| panic!("{}", ctx("missing")));
            let new_id = ids
                .iter()
                .find(|(ch, ib, _, _)| ch == name && ib == inbox)
                .map(|x| x.3);
            assert_eq!(Some(s.id), new_id, "{}", ctx("renumbered id"));
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
            let is_queue = w["is_queue"].as_bool() == Some(true);
            let shadow = w["is_durable"].as_bool() == Some(true)
                && is_queue
                && str_of(&w["state_at_shutdown"]) == "client_closed";
            let queue = w
                .get("queue_group_as_stored_by_server")
                .map(str_of)
                .unwrap_or("");
            assert_eq!(s.queue_group, queue, "{}", ctx("queue group"));
            let durable = if is_queue {
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
            let client = if shadow { "" } else { str_of(&w["client_id"]) };
            assert_eq!(s.client_id, client, "{}", ctx("client"));
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
            if s.is_durable && !shadow {
                let closed = str_of(&w["state_at_shutdown"]) != "active";
                assert_eq!(s.is_closed, closed, "{}", ctx("closed"));
            }
        }
    }

    let clients = r.clients().unwrap();
    let want: Vec<&Value> = arr(&m["clients"])
        .iter()
        .filter(|c| str_of(&c["state_at_shutdown"]).starts_with("connected"))
        .collect();
    assert_eq!(clients.len(), want.len(), "{d}: clients {clients:#?}");
    for w in want {
        let id = str_of(&w["id"]);
        let g = clients
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{d}: client {id} missing"));
        assert_eq!(g.hb_inbox, str_of(&w["hb_inbox"]), "{d}/{id}: hb inbox");
        assert_eq!(
            g.conn_id.as_deref().map(hex::encode),
            Some(str_of(&w["conn_id_hex"]).to_string()),
            "{d}/{id}: conn id"
        );
        assert_eq!(g.protocol, w["protocol_sent"].as_i64().map(|v| v as i32));
        assert_eq!(
            g.ping_interval,
            w["ping_interval_sent"].as_i64().map(|v| v as i32)
        );
        assert_eq!(
            g.ping_max_out,
            w["ping_max_out_sent"].as_i64().map(|v| v as i32)
        );
    }

    let bad: Vec<_> = r
        .findings()
        .into_iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(bad.is_empty(), "{d}: the reader found problems: {bad:#?}");
}

/// The rows themselves: one ServerInfo row, renumbered subscriptions, and
/// `SubsPending` rows in the chosen style referring to the new ids.
fn check_rows(db: &TestDb, ids: &SubIds, no_caching: bool) {
    let d = db.driver;
    let raw = raw(db);
    let m = truth(FIXTURE);
    assert_eq!(
        raw.server_info,
        vec![(1, str_of(&m["cluster_id"]).to_string(), 1)],
        "{d}: ServerInfo"
    );
    assert_eq!(raw.bad_sizes, 0, "{d}: Messages.size = length(data)");

    // Channels 1..N with maxseq = the last sequence and unlimited limits.
    let mut names: Vec<String> = raw.channels.iter().map(|c| c.1.clone()).collect();
    names.sort();
    assert_eq!(names.len(), arr(&m["channels"]).len());
    for (i, (id, name, maxseq, msgs, bytes, age)) in raw.channels.iter().enumerate() {
        assert_eq!(*id, i as i64 + 1, "{d}: channel ids");
        let c = arr(&m["channels"])
            .iter()
            .find(|c| str_of(&c["name"]) == name)
            .unwrap();
        assert_eq!(*maxseq, u64_of(&c["last_seq"]), "{d} {name}: maxseq");
        assert_eq!((*msgs, *bytes, *age), (0, 0, 0), "{d} {name}: limits");
    }

    // Subscription ids: unique across the database, 1..N in writing order,
    // the same inside the proto; the file store's ids repeat per channel.
    let new_ids: Vec<u64> = ids.iter().map(|x| x.3).collect();
    assert_eq!(
        new_ids,
        (1..=ids.len() as u64).collect::<Vec<_>>(),
        "{d}: returned ids"
    );
    let row_ids: Vec<u64> = raw.subs.iter().map(|s| s.1).collect();
    assert_eq!(row_ids, new_ids, "{d}: Subscriptions.subid");
    let old: BTreeSet<u64> = ids.iter().map(|x| x.2).collect();
    assert!(
        old.len() < ids.len(),
        "the fixture reuses ids across channels: {ids:?}"
    );
    for (channel_id, subid, lastsent, bytes) in &raw.subs {
        let state = proto::SubState::decode(bytes.as_slice()).unwrap();
        assert_eq!(state.id, *subid, "{d}: proto ID of subid {subid}");
        assert_eq!(state.last_sent, *lastsent, "{d}: lastsent of subid {subid}");
        let (channel, ..) = ids.iter().find(|x| x.3 == *subid).unwrap();
        let row = raw.channels.iter().find(|c| c.0 == *channel_id).unwrap();
        assert_eq!(&row.1, channel, "{d}: channel of subid {subid}");
    }

    // Pending rows, by subid, against the manifest.
    let mut by_sub: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    let mut rows_per_sub: BTreeMap<u64, usize> = BTreeMap::new();
    for (subid, _row, seq, lastsent, pending, acks) in &raw.pending {
        assert!(
            row_ids.contains(subid),
            "{d}: SubsPending subid {subid} has no subscription"
        );
        *rows_per_sub.entry(*subid).or_default() += 1;
        let set = by_sub.entry(*subid).or_default();
        if no_caching {
            assert!(*seq > 0, "{d}: no-caching row with seq 0");
            assert_eq!(*lastsent, 0, "{d}: no-caching lastsent");
            assert_eq!((pending, acks), (&None, &None), "{d}: no-caching lists");
            assert!(set.insert(*seq), "{d}: duplicate pending {seq}");
        } else {
            assert_eq!(*seq, 0, "{d}: caching row with a seq");
            let (_, _, _, _, w_last) = sub_truth(ids, *subid);
            assert_eq!(*lastsent, w_last, "{d}: caching row lastsent");
            let list: Vec<u64> = serde_json::from_slice(pending.as_deref().unwrap()).unwrap();
            set.extend(list);
            // What the server's driver writes for an empty list.
            let none = match d {
                SqlDriver::Postgres => Some(Vec::new()),
                _ => None,
            };
            assert_eq!(acks, &none, "{d}: acks of a caching row");
        }
    }
    if !no_caching {
        assert!(
            rows_per_sub.values().all(|n| *n == 1),
            "{d}: one row per sub"
        );
    }
    for (channel, inbox, _, new) in ids {
        let (_, _, want, _, _) = sub_truth(ids, *new);
        assert_eq!(
            by_sub.get(new).cloned().unwrap_or_default(),
            want,
            "{d}: pending of {channel} {inbox}"
        );
    }
}

/// (channel, inbox, pending, is_durable, last sent) of the manifest's
/// subscription written with id `new`.
fn sub_truth(ids: &SubIds, new: u64) -> (String, String, BTreeSet<u64>, bool, u64) {
    let m = truth(FIXTURE);
    let (channel, inbox, ..) = ids.iter().find(|x| x.3 == new).unwrap();
    let w = arr(&m["subscriptions"])
        .iter()
        .find(|s| {
            str_of(&s["inbox"]) == inbox
                && s["expected_in_store_at_shutdown"].as_bool() == Some(true)
        })
        .unwrap_or_else(|| panic!("no manifest subscription with inbox {inbox}"));
    (
        channel.clone(),
        inbox.clone(),
        arr(&w["pending_unacked_seqs_at_shutdown"])
            .iter()
            .map(u64_of)
            .collect(),
        w["is_durable"].as_bool() == Some(true),
        u64_of(&w["last_received_seq"]),
    )
}

// ------------------------------------------------------------------ tests

fn fixture_round_trips_in_both_pending_styles(driver: &str) {
    for no_caching in [false, true] {
        let Some(db) = TestDb::named(driver) else {
            return;
        };
        let ids = migrate(&db, opts(no_caching, false))
            .unwrap_or_else(|e| panic!("{} no_caching={no_caching}: {e}", db.driver));
        check_store(&db, &ids);
        check_rows(&db, &ids, no_caching);
    }
}

fn non_empty_target_is_refused_without_force(driver: &str) {
    let Some(db) = TestDb::named(driver) else {
        return;
    };
    let d = db.driver;
    migrate(&db, opts(false, false)).unwrap();
    let e = migrate(&db, opts(false, false)).unwrap_err().to_string();
    assert!(e.contains("refusing") && e.contains("force"), "{d}: {e}");
    if d != SqlDriver::Sqlite {
        assert!(e.contains("already holds a STAN store"), "{d}: {e}");
        assert!(
            e.contains("ServerInfo") || e.contains("serverinfo"),
            "{d}: {e}"
        );
    }
    // Nothing changed; with force the rows are replaced, not added.
    let ids = migrate(&db, opts(true, true)).unwrap_or_else(|e| panic!("{d}: force: {e}"));
    check_store(&db, &ids);
    check_rows(&db, &ids, true);
}

fn failed_forced_migration_leaves_the_old_store(driver: &str) {
    let Some(db) = TestDb::named(driver) else {
        return;
    };
    let d = db.driver;
    let ids = migrate(&db, opts(false, false)).unwrap();
    // A forced rewrite that fails at the database (a duplicate client
    // key): the old rows must survive, including the deleted ones.
    let attempt = || -> stanctl::Result<()> {
        let mut src = source_store();
        let mut w = sqlstore::create_writer(d, &db.source, opts(true, true))?;
        copy(&mut src, w.as_mut())?;
        for c in src.clients()? {
            w.add_client(&c)?;
        }
        w.finish()
    };
    let e = attempt()
        .expect_err("duplicate clients must fail")
        .to_string();
    assert!(
        e.contains("table Clients") || e.contains("table clients"),
        "{d}: error names the table: {e}"
    );
    assert!(e.contains("id=\""), "{d}: error names the key: {e}");
    check_store(&db, &ids);
    check_rows(&db, &ids, false);
    if let Some(dir) = db.dir() {
        let left: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            vec!["stan.db".to_string()],
            "{d}: temporary files left"
        );
    }
}

fn dropped_writer_leaves_the_target_empty(driver: &str) {
    let Some(db) = TestDb::named(driver) else {
        return;
    };
    let d = db.driver;
    {
        let mut src = source_store();
        let mut w = sqlstore::create_writer(d, &db.source, opts(false, false)).unwrap();
        copy(&mut src, w.as_mut()).unwrap();
        // Enough rows for several batches to have reached the database.
        let stats = ChannelStats {
            name: "bulk".into(),
            counts: ChannelCounts {
                msgs: 25_000,
                first_seq: 1,
                last_seq: 25_000,
                ..ChannelCounts::default()
            },
        };
        w.begin_channel(&stats, &Limits::default()).unwrap();
        for seq in 1..=25_000u64 {
            w.append_message(&synthetic(seq, 100)).unwrap();
        }
        // Dropped here, without finish.
    }
    let rows = table_rows(&db);
    assert!(
        rows.values().all(|n| *n == 0),
        "{d}: rows left by a dropped writer: {rows:?}"
    );
    match d {
        // DDL is transactional: not even the tables remain.
        SqlDriver::Postgres => assert!(rows.is_empty(), "{d}: {rows:?}"),
        SqlDriver::Sqlite => {
            let left: Vec<_> = std::fs::read_dir(db.dir().unwrap()).unwrap().collect();
            assert!(left.is_empty(), "{d}: files left: {left:?}");
        }
        // CREATE TABLE commits implicitly: empty tables remain, and
        // the reader sees no store in them.
        SqlDriver::Mysql => {
            let mut r = sqlstore::open(d, &db.source).unwrap();
            assert_eq!(r.server_info().unwrap(), None);
            assert!(r.channel_names().unwrap().is_empty());
        }
    }
    // The target takes a complete migration afterwards.
    let ids = migrate(&db, opts(false, false)).unwrap();
    check_store(&db, &ids);
}

per_fixture! { [
    fixture_round_trips_in_both_pending_styles,
    non_empty_target_is_refused_without_force,
    failed_forced_migration_leaves_the_old_store,
    dropped_writer_leaves_the_target_empty,
]
    sqlite => "sqlite",
    postgres => "postgres",
    mysql => "mysql",
}

fn old_schema_is_refused_with_the_alter_to_run(name: &str) {
    let driver: SqlDriver = name.parse().expect("a SQL driver");
    let Some(db) = TestDb::new(driver) else {
        return;
    };
    // The schema of a pre-0.10 server: no Clients.proto.
    match driver {
        SqlDriver::Postgres => {
            let mut c = postgres::Client::connect(&db.source, postgres::NoTls).unwrap();
            c.batch_execute(stanctl::sqlstore::schema::POSTGRES_SCHEMA)
                .unwrap();
            c.batch_execute("ALTER TABLE Clients DROP COLUMN proto")
                .unwrap();
        }
        _ => {
            use mysql::prelude::Queryable;
            let mut c = mysql_conn(&db.source);
            for stmt in stanctl::sqlstore::schema::MYSQL_SCHEMA
                .split(';')
                .filter(|s| !s.trim().is_empty())
            {
                c.query_drop(stmt).unwrap();
            }
            c.query_drop("ALTER TABLE Clients DROP COLUMN proto")
                .unwrap();
        }
    }
    for force in [false, true] {
        let e = migrate(&db, opts(false, force)).unwrap_err().to_string();
        let blob = if driver == SqlDriver::Postgres {
            "BYTEA"
        } else {
            "BLOB"
        };
        assert!(e.contains("ADD proto") && e.contains(blob), "{driver}: {e}");
        assert!(
            e.to_ascii_lowercase().contains("alter table clients"),
            "{driver}: {e}"
        );
    }
    assert!(table_rows(&db).values().all(|n| *n == 0));
}

per_fixture! { [old_schema_is_refused_with_the_alter_to_run]
    postgres => "postgres",
    mysql => "mysql",
}

fn synthetic(seq: u64, len: usize) -> Message {
    let data: Vec<u8> = (0..len).map(|i| (i as u64 * 31 + seq) as u8).collect();
    Message {
        seq,
        timestamp: 1_700_000_000_000_000_000 + seq as i64,
        subject: "bulk".into(),
        reply: if seq % 7 == 0 {
            format!("r.{seq}")
        } else {
            String::new()
        },
        data: Bytes::from(data),
    }
}

fn large_channels_are_written_in_bounded_batches(driver: &str) {
    // Message sizes: mostly small, some of several MiB (MySQL batches are
    // cut by bytes), one subscription with more pending sequences than a
    // caching row holds.
    let size = |seq: u64| -> usize {
        match seq {
            s if s % 4000 == 0 => 3 << 20,
            s => (s % 1500) as usize,
        }
    };
    let last = 12_345u64;
    for no_caching in [false, true] {
        let Some(db) = TestDb::named(driver) else {
            return;
        };
        let d = db.driver;
        let mut w = sqlstore::create_writer(d, &db.source, opts(no_caching, false)).unwrap();
        w.server_info(&ServerInfo {
            cluster_id: "bulk-cluster".into(),
            ..ServerInfo::default()
        })
        .unwrap();
        w.add_client(&Client {
            id: "c".into(),
            hb_inbox: "hb".into(),
            ..Client::default()
        })
        .unwrap();
        let stats = ChannelStats {
            name: "bulk".into(),
            counts: ChannelCounts {
                first_seq: 1,
                last_seq: last,
                ..ChannelCounts::default()
            },
        };
        let limits = Limits {
            max_msgs: Some(1_000_000),
            max_bytes: Some(1 << 33),
            max_age_ns: Some(3_600_000_000_000),
            ..Limits::default()
        };
        w.begin_channel(&stats, &limits).unwrap();
        for seq in 1..=last {
            w.append_message(&synthetic(seq, size(seq))).unwrap();
        }
        let pending: Vec<u64> = (1..=last).filter(|s| s % 3 != 0).collect();
        let sub = Subscription {
            channel: "bulk".into(),
            id: 1,
            client_id: "c".into(),
            inbox: "in".into(),
            ack_inbox: "ack".into(),
            durable_name: "dur".into(),
            max_in_flight: 100_000,
            ack_wait_s: 30,
            last_sent: last,
            pending: pending.clone(),
            is_durable: true,
            ..Subscription::default()
        };
        assert_eq!(w.add_subscription(&sub).unwrap(), 1);
        w.end_channel().unwrap();
        w.finish().unwrap_or_else(|e| panic!("{d}: {e}"));

        let mut r = sqlstore::open(d, &db.source).unwrap();
        let st = r.channel_stats("bulk").unwrap().counts;
        assert_eq!((st.first_seq, st.last_seq, st.msgs), (1, last, last), "{d}");
        let (l, _) = r.channel_limits("bulk").unwrap();
        assert_eq!(
            (l.max_msgs, l.max_bytes, l.max_age_ns),
            (limits.max_msgs, limits.max_bytes, limits.max_age_ns),
            "{d}: limits"
        );
        let mut n = 0u64;
        for m in r.messages("bulk", MessageRange::default()).unwrap() {
            let m = m.unwrap();
            n += 1;
            assert_eq!(m, synthetic(n, size(n)), "{d}: message {n}");
        }
        assert_eq!(n, last, "{d}");
        let subs = r.subscriptions("bulk").unwrap();
        assert_eq!(subs.len(), 1);
        assert_eq!(
            (subs[0].last_sent, &subs[0].pending),
            (last, &pending),
            "{d}"
        );
        assert!(
            r.findings().iter().all(|f| f.severity < Severity::Warning),
            "{d}"
        );
        drop(r);
        let rows = table_rows(&db);
        let want_rows = if no_caching {
            pending.len()
        } else {
            // 2000 sequences per caching row, as the server's flushes.
            pending.len().div_ceil(2000)
        };
        assert_eq!(
            rows["subspending"], want_rows as i64,
            "{d}: SubsPending rows"
        );
    }
}

per_fixture! { [large_channels_are_written_in_bounded_batches]
    sqlite => "sqlite",
    postgres => "postgres",
    mysql => "mysql",
}

#[test]
fn a_row_over_max_allowed_packet_names_its_key() {
    let Some(db) = TestDb::new(SqlDriver::Mysql) else {
        return;
    };
    let packet: u64 = {
        use mysql::prelude::Queryable;
        mysql_conn(&db.source)
            .query_first("SELECT @@max_allowed_packet")
            .unwrap()
            .unwrap()
    };
    if packet > 64 << 20 {
        eprintln!("note: max_allowed_packet is {packet}; not allocating a larger message");
        return;
    }
    let mut w = sqlstore::create_writer(db.driver, &db.source, opts(false, false)).unwrap();
    let stats = ChannelStats {
        name: "big".into(),
        ..ChannelStats::default()
    };
    w.begin_channel(&stats, &Limits::default()).unwrap();
    let e = w
        .append_message(&synthetic(1, packet as usize + 1))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("table Messages, key (id=1, seq=1)") && e.contains("max_allowed_packet"),
        "{e}"
    );
    // The writer refuses to go on after an error.
    assert!(w.append_message(&synthetic(2, 1)).is_err());
    drop(w);
    assert!(table_rows(&db).values().all(|n| *n == 0));
}

#[test]
fn passwords_never_appear_in_errors() {
    const SECRET: &str = "Sup3rS3cretPw";
    if let Some(admin) = admin("STANCTL_TEST_PG_ADMIN") {
        let source = admin.replace(
            "dbname=postgres",
            &format!("password={SECRET} dbname=stanctl_no_such_database"),
        );
        let e = sqlstore::create_writer(SqlDriver::Postgres, &source, opts(false, false))
            .err()
            .expect("no such database")
            .to_string();
        assert!(!e.contains(SECRET), "{e}");
        assert!(e.contains("***") || !e.contains("password"), "{e}");
    }
    if let Some(admin) = admin("STANCTL_TEST_MYSQL_ADMIN") {
        // root@tcp(host:port)/ -> root:SECRET@tcp(host:port)/no_such_database
        let base = admin.split_once('/').map_or(admin.as_str(), |(b, _)| b);
        let source = format!(
            "{}/stanctl_no_such_database",
            base.replacen('@', &format!(":{SECRET}@"), 1)
        );
        let e = sqlstore::create_writer(SqlDriver::Mysql, &source, opts(false, false))
            .err()
            .expect("bad password or no such database")
            .to_string();
        assert!(!e.contains(SECRET), "{e}");
    }
}

#[test]
fn writer_checks_its_input() {
    let db = TestDb::new(SqlDriver::Sqlite).unwrap();
    let mut w = sqlstore::create_writer(db.driver, &db.source, opts(false, false)).unwrap();
    assert!(w.append_message(&synthetic(1, 1)).is_err(), "no channel");
    let mut w = sqlstore::create_writer(db.driver, &db.source, opts(false, false)).unwrap();
    let stats = ChannelStats {
        name: "a".into(),
        ..ChannelStats::default()
    };
    w.begin_channel(&stats, &Limits::default()).unwrap();
    w.append_message(&synthetic(2, 1)).unwrap();
    let e = w.append_message(&synthetic(2, 1)).unwrap_err().to_string();
    assert!(e.contains("ascend"), "{e}");
    let mut w = sqlstore::create_writer(db.driver, &db.source, opts(false, false)).unwrap();
    w.begin_channel(&stats, &Limits::default()).unwrap();
    assert!(
        w.begin_channel(&stats, &Limits::default()).is_err(),
        "same channel twice"
    );
    let w = sqlstore::create_writer(db.driver, &db.source, opts(false, false)).unwrap();
    assert!(w.finish().is_err(), "no server info");
    assert!(!std::path::Path::new(&db.source).exists());
    // A non-empty file that is not a store is not replaced without force.
    std::fs::write(&db.source, b"x").unwrap();
    let e = sqlstore::create_writer(db.driver, &db.source, opts(false, false))
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("not empty") && e.contains("force"), "{e}");
}
