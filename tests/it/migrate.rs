//! Migrations between every pair of backends, checked against the
//! fixtures' MANIFEST.json: source → target → back, each result must read
//! exactly as the real server's ground truth.

use std::path::Path;

use crate::common::expect::*;
use crate::common::*;
use serde_json::Value;

/// Run `stanctl <source> migrate <args> --verify --format json`; expect a
/// clean verification.
fn migrate(source: &Subject, args: &[&str]) -> Value {
    let mut all = source.args(&["migrate"]);
    all.extend_from_slice(args);
    all.extend_from_slice(&["--verify", "--format", "json"]);
    let out = json_with_code(&all, 0);
    assert_eq!(out["verify"]["ok"], true, "verification failed: {out:#}");
    out
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

fn file_to_file(name: &str) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dst = tmp.path().join("store");
    let src = fixture_file_store(name);
    // Small slices, so the target is re-sliced.
    migrate(
        &src,
        &[
            "file-to-file",
            "--to-dir",
            path_str(&dst),
            "--slice-max-msgs",
            "7",
        ],
    );
    written_file_store(&dst, key_options(name)).check_all(name);
    assert!(dst.join("server.dat").exists());
}

fn file_to_sqlite_and_back(name: &str) {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("store.db");
    let src = fixture_file_store(name);
    migrate(&src, &["file-to-sql", "--to-sql-source", path_str(&db)]);
    let sql = sql_store("sqlite", path_str(&db), key_options(name), false);
    sql.check_all(name);
    let back = tmp.path().join("back");
    migrate(&sql, &["sql-to-file", "--to-dir", path_str(&back)]);
    written_file_store(&back, key_options(name)).check_all(name);
}

// File-store fixtures whose content (as the server recovered it) is whole.
with_whole_stores!(per_fixture![file_to_file, file_to_sqlite_and_back]);

#[test]
fn file_to_sqlite_no_caching_style() {
    let name = "file-basic-v0.23";
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("store.db");
    migrate(
        &fixture_file_store(name),
        &[
            "file-to-sql",
            "--to-sql-source",
            path_str(&db),
            "--to-sql-no-caching",
        ],
    );
    sql_store("sqlite", path_str(&db), vec![], false).check_all(name);
}

fn file_to_server_db(driver: &'static str, name: &str) {
    let Some(db) = TempDb::create(driver, name) else {
        return;
    };
    let src = fixture_file_store(name);
    migrate(
        &src,
        &[
            "file-to-sql",
            "--to-sql-driver",
            driver,
            "--to-sql-source",
            &db.dsn,
        ],
    );
    let sql = sql_store(driver, &db.dsn, key_options(name), false);
    sql.check_all(name);
    // And back to a file store.
    let tmp = tempfile::tempdir().expect("tmp");
    let back = tmp.path().join("back");
    migrate(&sql, &["sql-to-file", "--to-dir", path_str(&back)]);
    written_file_store(&back, key_options(name)).check_all(name);
}

fn file_to_postgres_and_back(name: &str) {
    file_to_server_db("postgres", name);
}

fn file_to_mysql_and_back(name: &str) {
    file_to_server_db("mysql", name);
}

per_fixture! { [file_to_postgres_and_back, file_to_mysql_and_back]
    file_basic_v0_23 => "file-basic-v0.23",
    file_slices_v0_23 => "file-slices-v0.23",
    file_encrypted_v0_23 => "file-encrypted-v0.23",
    file_basic_v0_9 => "file-basic-v0.9",
}

/// The SQL fixtures (written by the real server into PostgreSQL and
/// MariaDB) migrate to every other backend.
fn sql_fixture_to_every_backend(name: &str, driver: &str, var: &str) {
    let Ok(dsn) = std::env::var(var) else {
        assert!(std::env::var_os("CI").is_none(), "{var} missing under CI");
        eprintln!("note: {var} not set; run through scripts/test-databases.sh");
        return;
    };
    let src = sql_store(driver, &dsn, vec![], true);
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    migrate(&src, &["sql-to-file", "--to-dir", path_str(&dir)]);
    written_file_store(&dir, vec![]).check_all(name);
    let db = tmp.path().join("store.db");
    migrate(&src, &["sql-to-sql", "--to-sql-source", path_str(&db)]);
    sql_store("sqlite", path_str(&db), vec![], false).check_all(name);
    let other = if driver == "postgres" {
        "mysql"
    } else {
        "postgres"
    };
    if let Some(target) = TempDb::create(other, name) {
        migrate(
            &src,
            &[
                "sql-to-sql",
                "--to-sql-driver",
                other,
                "--to-sql-source",
                &target.dsn,
            ],
        );
        sql_store(other, &target.dsn, vec![], false).check_all(name);
    }
}

#[test]
fn sql_postgres_v0_23_to_every_backend() {
    sql_fixture_to_every_backend(
        "sql-postgres-v0.23",
        "postgres",
        "STANCTL_TEST_PG_SQL_POSTGRES_V0_23",
    );
}

#[test]
fn sql_mysql_v0_23_to_every_backend() {
    sql_fixture_to_every_backend(
        "sql-mysql-v0.23",
        "mysql",
        "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_23",
    );
}

#[test]
fn sql_postgres_v0_9_to_every_backend() {
    sql_fixture_to_every_backend(
        "sql-postgres-v0.9",
        "postgres",
        "STANCTL_TEST_PG_SQL_POSTGRES_V0_9",
    );
}

#[test]
fn sql_mysql_v0_9_to_every_backend() {
    sql_fixture_to_every_backend(
        "sql-mysql-v0.9",
        "mysql",
        "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_9",
    );
}

#[test]
fn a_non_empty_target_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dst = tmp.path().join("store");
    std::fs::create_dir(&dst).expect("mkdir");
    std::fs::write(dst.join("keep.txt"), "mine").expect("write");
    let src = fixture_file_store("file-basic-v0.23");
    let out = stanctl()
        .args(src.args(&["migrate", "file-to-file", "--to-dir", path_str(&dst)]))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(dst.join("keep.txt")).expect("read"),
        "mine"
    );

    let db = tmp.path().join("store.db");
    migrate(&src, &["file-to-sql", "--to-sql-source", path_str(&db)]);
    let again = stanctl()
        .args(src.args(&["migrate", "file-to-sql", "--to-sql-source", path_str(&db)]))
        .output()
        .expect("run");
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    migrate(
        &src,
        &["file-to-sql", "--to-sql-source", path_str(&db), "--force"],
    );
}

#[test]
fn re_encrypt_and_decrypt_keep_every_payload() {
    let name = "file-encrypted-v0.23";
    let tmp = tempfile::tempdir().expect("tmp");
    let new_key = tmp.path().join("new.key");
    std::fs::write(&new_key, "a-brand-new-key").expect("write");
    let src = fixture_file_store(name);
    // AES → ChaCha with another key, into SQLite.
    let db = tmp.path().join("chacha.db");
    migrate(
        &src,
        &[
            "file-to-sql",
            "--to-sql-source",
            path_str(&db),
            "--to-encryption-key-file",
            path_str(&new_key),
            "--to-encryption-cipher",
            "CHACHA",
        ],
    );
    let new_keys = vec![
        "--encryption-key-file".to_string(),
        path_str(&new_key).to_string(),
    ];
    sql_store("sqlite", path_str(&db), new_keys.clone(), false).check_all(name);
    let raw = ndjson_with_code(
        &[
            "--sql-driver",
            "sqlite",
            "--sql-source",
            path_str(&db),
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "ndjson",
        ],
        0,
    );
    assert!(
        raw.iter()
            .all(|m| m["size"] == 0 || m["cipher"] == "CHACHA"),
        "ChaCha envelopes"
    );
    // ChaCha → plaintext file store.
    let sql = sql_store("sqlite", path_str(&db), new_keys, false);
    let plain = tmp.path().join("plain");
    migrate(
        &sql,
        &[
            "sql-to-file",
            "--to-dir",
            path_str(&plain),
            "--to-plaintext",
        ],
    );
    written_file_store(&plain, vec![]).check_all(name);
    // Plaintext → AES again.
    let back = tmp.path().join("aes");
    let plain_src = written_file_store(&plain, vec![]);
    migrate(
        &plain_src,
        &[
            "file-to-file",
            "--to-dir",
            path_str(&back),
            "--to-encryption-key-file",
            path_str(&new_key),
        ],
    );
    written_file_store(
        &back,
        vec!["--encryption-key-file".into(), path_str(&new_key).into()],
    )
    .check_all(name);
}

#[test]
fn channel_filter_copies_only_those_channels() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dst = tmp.path().join("store");
    let src = fixture_file_store("file-basic-v0.23");
    migrate(
        &src,
        &[
            "file-to-file",
            "--to-dir",
            path_str(&dst),
            "--channel",
            "orders.*",
        ],
    );
    let got = json(&[
        "--dir",
        path_str(&dst),
        "channels",
        "ls",
        "--format",
        "json",
    ]);
    let names: Vec<&str> = got
        .as_array()
        .expect("array")
        .iter()
        .map(|c| str_of(&c["name"]))
        .collect();
    assert_eq!(names, vec!["orders.eu", "orders.us"]);
}

/// The fixture's config (its limits) with "now" left at the current time,
/// when every message of events.ttl has expired (max_age 10s).
fn slices_config_now() -> Vec<String> {
    let mut opts = server_options("file-slices-v0.23");
    if let Some(at) = opts.iter().position(|a| a == "--now") {
        opts.drain(at..at + 2);
    }
    opts
}

fn channel_row<'a>(channels: &'a Value, name: &str) -> &'a Value {
    channels
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no channel {name} in {channels:#}"))
}

/// The real server keeps its last slice's records when limits remove every
/// message, and recovers the sequence from them (it then continues events.ttl
/// at 61: checked with nats-streaming-server v0.23.2). A file target must do
/// the same: keep the record of the last sequence, as the manifest has it.
#[test]
fn file_target_keeps_the_sequence_of_a_channel_whose_messages_all_expired() {
    let name = "file-slices-v0.23";
    let m = truth(name);
    let expected = m["channels"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "events.ttl"))
        .expect("events.ttl in manifest");
    let last = expected["messages"]
        .as_array()
        .and_then(|a| a.last())
        .expect("messages");
    let last_seq = u64_of(&expected["last_seq"]);
    let conf = slices_config_now();
    let store = fixture(name).join("store");
    let tmp = tempfile::tempdir().expect("tmp");
    let dst = tmp.path().join("store");
    let mut args: Vec<&str> = vec!["--dir", path_str(&store)];
    args.extend(conf.iter().map(String::as_str));
    args.extend_from_slice(&["migrate", "file-to-file", "--to-dir", path_str(&dst)]);
    args.extend_from_slice(&["--verify", "--format", "json"]);
    let out = json_with_code(&args, 0);
    assert_eq!(out["verify"]["ok"], true, "{out:#}");
    let report = channel_row(&out["migration"]["channels"], "events.ttl");
    assert_eq!(report["msgs"], 0);
    assert_eq!(u64_of(&report["first_seq"]), last_seq + 1);
    assert!(report["empty_sequence"].as_str().is_some(), "{report:#}");

    // Read as the server recovers it with the same config: no message, and
    // the next sequence is last + 1.
    let mut with_conf: Vec<&str> = vec!["--dir", path_str(&dst)];
    with_conf.extend(conf.iter().map(String::as_str));
    with_conf.extend_from_slice(&["--format", "json", "channels", "ls"]);
    let row = channel_row(&json(&with_conf), "events.ttl").clone();
    assert_eq!(row["msgs"], 0);
    assert_eq!(u64_of(&row["last_seq"]), last_seq);
    assert_eq!(u64_of(&row["first_seq"]), last_seq + 1);

    // On disk: the record of the last sequence, as the server published it.
    let raw = json(&[
        "--dir",
        path_str(&dst),
        "--format",
        "json",
        "dump",
        "--channel",
        "events.ttl",
    ]);
    let msgs = raw.as_array().expect("dump array");
    assert_eq!(msgs.len(), 1, "{raw:#}");
    assert_eq!(u64_of(&msgs[0]["seq"]), u64_of(&last["seq"]));
    assert_eq!(msgs[0]["timestamp"], last["timestamp_ns"]);
}

/// A SQL store keeps an empty channel's sequence in Channels.maxseq but not
/// its records: a file target cannot express it, so the migration is refused
/// naming the channel, unless the reset is explicitly accepted.
#[test]
fn sql_to_file_refuses_an_empty_channel_it_cannot_keep() {
    let conf = slices_config_now();
    let store = fixture("file-slices-v0.23").join("store");
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("store.db");
    let mut args: Vec<&str> = vec!["--dir", path_str(&store)];
    args.extend(conf.iter().map(String::as_str));
    args.extend_from_slice(&["migrate", "file-to-sql", "--to-sql-source", path_str(&db)]);
    stanctl().args(&args).assert().success();

    let dst = tmp.path().join("back");
    let sql = ["--sql-driver", "sqlite", "--sql-source", path_str(&db)];
    let mut back: Vec<&str> = sql.to_vec();
    back.extend_from_slice(&["migrate", "sql-to-file", "--to-dir", path_str(&dst)]);
    let out = stanctl().args(&back).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("\"events.ttl\""), "{stderr}");
    assert!(stderr.contains("--allow-sequence-reset"), "{stderr}");
    assert!(!dst.exists(), "a refused migration leaves no target");

    back.push("--allow-sequence-reset");
    back.extend_from_slice(&["--format", "json"]);
    let out = json_with_code(&back, 0);
    let report = channel_row(&out["migration"]["channels"], "events.ttl");
    assert!(
        str_of(&report["empty_sequence"]).contains("restarts the sequence at 1"),
        "{report:#}"
    );
}

/// file-slices-v0.23 migrated to SQL without its config holds every message
/// of events.ttl; read with the config, it shows what the real server
/// recovers from that database: all expired by max_age, 61..60 (issue 13).
#[test]
fn config_limits_apply_to_a_sql_store_as_the_servers_recovery() {
    let name = "file-slices-v0.23";
    let last_seq = u64_of(
        &truth(name)["channels"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["name"] == "events.ttl"))
            .expect("events.ttl")["last_seq"],
    );
    let store = fixture(name).join("store");
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("store.db");
    let args = [
        "--dir",
        path_str(&store),
        "migrate",
        "file-to-sql",
        "--to-sql-source",
        path_str(&db),
    ];
    stanctl().args(args).assert().success();
    let sql = ["--sql-driver", "sqlite", "--sql-source", path_str(&db)];
    let mut plain: Vec<&str> = sql.to_vec();
    plain.extend_from_slice(&["--format", "json", "channels", "ls"]);
    let stored = channel_row(&json(&plain), "events.ttl").clone();
    assert_eq!(u64_of(&stored["msgs"]), last_seq, "{stored:#}");

    let conf = slices_config_now();
    let mut with_conf: Vec<&str> = sql.to_vec();
    with_conf.extend(conf.iter().map(String::as_str));
    with_conf.extend_from_slice(&["--format", "json", "channels", "ls"]);
    let got = json(&with_conf);
    let row = channel_row(&got, "events.ttl");
    assert_eq!(u64_of(&row["msgs"]), 0, "{row:#}");
    assert_eq!(u64_of(&row["first_seq"]), last_seq + 1, "{row:#}");
    assert_eq!(u64_of(&row["last_seq"]), last_seq, "{row:#}");
    assert_eq!(row["limits_source"], "config");
}

/// `(maxmsgs, maxbytes, maxage)` of every Channels row of a SQLite store.
fn sqlite_channel_limits(db: &Path) -> std::collections::BTreeMap<String, (i64, i64, i64)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open sqlite");
    let mut stmt = conn
        .prepare("SELECT name, maxmsgs, maxbytes, maxage FROM Channels")
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

/// file → SQL writes the Channels limits the real server writes when it
/// creates a channel: without -c its defaults (read from the rows the real
/// server wrote in sql-postgres-v0.23's dump), with -c the configuration's
/// (the real server's /streaming/storez of file-slices-v0.23). Limits of 0
/// would let a later config never trim (issue 13).
#[test]
fn file_to_sql_writes_the_limits_the_server_writes() {
    let dump =
        std::fs::read_to_string(fixture("sql-postgres-v0.23").join("sql-postgres-v0.23.sql"))
            .expect("dump");
    let server_rows: Vec<(i64, i64, i64)> = dump
        .lines()
        .skip_while(|l| !l.starts_with("COPY public.channels"))
        .skip(1)
        .take_while(|l| *l != "\\.")
        .map(|l| {
            let f: Vec<i64> = l
                .split('\t')
                .skip(3)
                .take(3)
                .map(|v| v.parse().expect("int"))
                .collect();
            (f[0], f[1], f[2])
        })
        .collect();
    assert!(!server_rows.is_empty());
    let defaults = server_rows[0];
    assert!(
        server_rows.iter().all(|r| *r == defaults),
        "{server_rows:?}"
    );

    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("plain.db");
    let src = fixture_file_store("file-basic-v0.23");
    let out = migrate(&src, &["file-to-sql", "--to-sql-source", path_str(&db)]);
    let written = sqlite_channel_limits(&db);
    assert!(!written.is_empty());
    for (name, limits) in &written {
        assert_eq!(*limits, defaults, "{name}");
    }
    let first = &out["migration"]["channels"][0];
    assert!(
        str_of(&first["limits_from"]).contains("defaults"),
        "{first:#}"
    );

    let name = "file-slices-v0.23";
    let storez = &truth(name)["server_monitor_at_shutdown"]["storez"]["limits"];
    let db = tmp.path().join("configured.db");
    let out = migrate(
        &fixture_file_store(name),
        &["file-to-sql", "--to-sql-source", path_str(&db)],
    );
    let written = sqlite_channel_limits(&db);
    assert_eq!(written.len(), 4);
    for (channel, limits) in &written {
        let server = match storez["channels"].get(channel.as_str()) {
            Some(l) => l,
            None => storez,
        };
        let want = (
            server["max_msgs"].as_i64().expect("max_msgs"),
            server["max_bytes"].as_i64().expect("max_bytes"),
            server["max_age"].as_i64().expect("max_age"),
        );
        assert_eq!(*limits, want, "{channel}");
    }
    let first = &out["migration"]["channels"][0];
    assert!(str_of(&first["limits_from"]).contains("-c"), "{first:#}");
}

/// A MariaDB target holding the upstream schema, whose Messages.data is a
/// BLOB (65 535 bytes): refused before anything is written, naming the
/// ALTER TABLE that fixes it (the fact check reports as
/// schema.data_too_narrow), instead of a raw "Data too long" at the end.
#[test]
fn mysql_target_with_a_narrow_data_column_is_refused_first() {
    use mysql::prelude::Queryable;
    let Some(db) = TempDb::create("mysql", "narrow") else {
        return;
    };
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&mysql_url(&db.dsn)).expect("url"))
        .expect("connect");
    let upstream = stanctl::sqlstore::schema::MYSQL_SCHEMA.replace("data LONGBLOB", "data BLOB");
    assert_ne!(upstream, stanctl::sqlstore::schema::MYSQL_SCHEMA);
    for stmt in upstream.split(';').filter(|s| !s.trim().is_empty()) {
        conn.query_drop(stmt).expect("schema");
    }
    let src = fixture_file_store("file-basic-v0.23");
    let mut args = src.args(&["migrate", "file-to-sql", "--to-sql-driver", "mysql"]);
    args.extend_from_slice(&["--to-sql-source", &db.dsn]);
    let out = stanctl().args(&args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("ALTER TABLE Messages MODIFY data LONGBLOB"),
        "{stderr}"
    );
    assert!(stderr.contains("blob"), "{stderr}");
    for table in ["Channels", "Messages", "Clients", "ServerInfo"] {
        let n: Option<u64> = conn
            .query_first(format!("SELECT COUNT(*) FROM {table}"))
            .expect("count");
        assert_eq!(n, Some(0), "{table} was written");
    }
    // Widened as told, the same migration goes through.
    conn.query_drop("ALTER TABLE Messages MODIFY data LONGBLOB")
        .expect("alter");
    drop(conn);
    migrate(&src, &args[src.args.len() + 1..]);
}

/// `--for-server-version 0.9.2` on an encrypted store: v0.9.2 has no
/// encryption, so the payloads are written in plaintext (the target then
/// reads, without any key, exactly as the manifest); an encrypted target
/// or a SQLite one is refused, naming why (the rules check uses).
#[test]
fn for_server_version_writes_what_that_version_opens() {
    let name = "file-encrypted-v0.23";
    let src = fixture_file_store(name);
    let tmp = tempfile::tempdir().expect("tmp");
    let dst = tmp.path().join("store");
    migrate(
        &src,
        &[
            "file-to-file",
            "--to-dir",
            path_str(&dst),
            "--for-server-version",
            "0.9.2",
        ],
    );
    written_file_store(&dst, vec![]).check_all(name);

    let key = tmp.path().join("key");
    std::fs::write(&key, "another key").expect("key");
    let refused = tmp.path().join("refused");
    let args = src.args(&[
        "migrate",
        "file-to-file",
        "--to-dir",
        path_str(&refused),
        "--to-encryption-key-file",
        path_str(&key),
        "--for-server-version",
        "0.9.2",
    ]);
    let out = stanctl().args(&args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("before v0.12.0"), "{stderr}");
    assert!(!refused.exists());

    // Without the key the envelopes would be copied as payloads: refused.
    let store = fixture(name).join("store");
    let out = stanctl()
        .args([
            "--dir",
            path_str(&store),
            "migrate",
            "file-to-file",
            "--to-dir",
            path_str(&refused),
            "--for-server-version",
            "0.9.2",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("source key"), "{stderr}");

    let db = tmp.path().join("x.db");
    let args = src.args(&[
        "migrate",
        "file-to-sql",
        "--to-sql-source",
        path_str(&db),
        "--for-server-version",
        "0.9.2",
    ]);
    let out = stanctl().args(&args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("SQLite"), "{stderr}");

    let out = stanctl()
        .args([
            "migrate",
            "file-to-file",
            "--to-dir",
            "x",
            "--for-server-version",
            "0.9.3",
        ])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a released"));
}

/// A sequence gap (a SQL store with a message row removed, in a scratch
/// copy): servers before v0.16.2 assume none, so a target for v0.9.2 is
/// refused naming the channel and the missing sequence; v0.16.2 takes it.
#[test]
fn for_server_version_refuses_gaps_before_0_16_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("gap.db");
    let src = fixture_file_store("file-basic-v0.23");
    migrate(&src, &["file-to-sql", "--to-sql-source", path_str(&db)]);
    let conn = rusqlite::Connection::open(&db).expect("open");
    let removed = conn
        .execute(
            "DELETE FROM Messages WHERE seq = 5 AND id = (SELECT id FROM Channels WHERE name = 'orders.eu')",
            [],
        )
        .expect("delete");
    assert_eq!(removed, 1);
    drop(conn);
    let sql = ["--sql-driver", "sqlite", "--sql-source", path_str(&db)];
    let old = tmp.path().join("old");
    let mut args: Vec<&str> = sql.to_vec();
    args.extend_from_slice(&[
        "migrate",
        "sql-to-file",
        "--to-dir",
        path_str(&old),
        "--for-server-version",
        "0.9.2",
    ]);
    let out = stanctl().args(&args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("orders.eu") && stderr.contains("seq 5 to 5 missing"),
        "{stderr}"
    );
    assert!(stderr.contains("v0.16.2"), "{stderr}");
    assert!(!old.exists());

    let new = tmp.path().join("new");
    let mut args: Vec<&str> = sql.to_vec();
    args.extend_from_slice(&[
        "migrate",
        "sql-to-file",
        "--to-dir",
        path_str(&new),
        "--for-server-version",
        "0.16.2",
    ]);
    stanctl().args(&args).assert().success();
}

/// An encrypted cluster node read without its key has clients and
/// subscriptions nobody can know (they are in the encrypted Raft log):
/// migrate refuses rather than write a store where they are 0, and leaves
/// no target.
#[test]
fn migrate_refuses_a_node_whose_membership_is_unknown() {
    let tmp = tempfile::tempdir().expect("tmp");
    let target = tmp.path().join("out");
    let dir = store_dir("cluster-encrypted-v0.23");
    let out = stanctl()
        .args(["--dir", &dir, "migrate", "file-to-file", "--to-dir"])
        .arg(&target)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("clients and subscriptions of the source are unknown"),
        "{err}"
    );
    assert!(err.contains("Raft log is encrypted"), "{err}");
    assert!(!target.exists());
}

/// The same database under another spelling of its DSN (PostgreSQL: a URL
/// instead of key=value; MariaDB: an explicit empty password) is the same
/// database: sql-to-sql refuses to write into its own source, as the
/// servers identify it (postmaster start time, port, database OID;
/// host name, port, data directory, schema), not by comparing strings; a
/// different database on the same server is still a valid target.
#[test]
fn sql_to_sql_refuses_its_own_source_under_another_spelling() {
    for driver in ["postgres", "mysql"] {
        let Some(db) = TempDb::create(driver, "selfcopy") else {
            return;
        };
        let src = fixture_file_store("file-basic-v0.23");
        migrate(
            &src,
            &[
                "file-to-sql",
                "--to-sql-driver",
                driver,
                "--to-sql-source",
                &db.dsn,
            ],
        );
        let other = match driver {
            "postgres" => {
                let kv: std::collections::BTreeMap<&str, &str> = db
                    .dsn
                    .split_whitespace()
                    .filter_map(|p| p.split_once('='))
                    .collect();
                format!(
                    "postgres://{}@{}:{}/{}?sslmode=disable",
                    kv["user"], kv["host"], kv["port"], kv["dbname"]
                )
            }
            _ => db.dsn.replacen('@', ":@", 1),
        };
        assert_ne!(other, db.dsn);
        let before = stanctl()
            .args(["--sql-driver", driver, "--sql-source", &db.dsn, "manifest"])
            .output()
            .expect("run");
        let out = stanctl()
            .args(["--sql-driver", driver, "--sql-source", &db.dsn])
            .args([
                "migrate",
                "sql-to-sql",
                "--to-sql-driver",
                driver,
                "--to-sql-source",
                &other,
            ])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{driver}: {stderr}");
        assert!(
            stderr.contains("the target database is the source database"),
            "{driver}: {stderr}"
        );
        let after = stanctl()
            .args(["--sql-driver", driver, "--sql-source", &db.dsn, "manifest"])
            .output()
            .expect("run");
        assert_eq!(before.stdout, after.stdout, "{driver}: the source changed");
        // Another database of the same server is another target.
        let Some(target) = TempDb::create(driver, "selfcopy_other") else {
            return;
        };
        let out = stanctl()
            .args(["--sql-driver", driver, "--sql-source", &db.dsn])
            .args([
                "migrate",
                "sql-to-sql",
                "--to-sql-driver",
                driver,
                "--to-sql-source",
                &target.dsn,
            ])
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{driver}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
