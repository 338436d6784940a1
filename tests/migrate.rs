//! Migrations between every pair of backends, checked against the
//! fixtures' MANIFEST.json: source → target → back, each result must read
//! exactly as the real server's ground truth.

mod common;

use std::path::Path;

use common::expect::*;
use common::*;
use serde_json::Value;

/// File-store fixtures whose content (as the server recovered it) is whole.
const FILE_FIXTURES: &[&str] = &[
    "file-basic-v0.23",
    "file-basic-v0.9",
    "file-nocrc-v0.23",
    "file-encrypted-v0.23",
    "file-slices-v0.23",
    "file-kill9-v0.23",
    "file-torn-tail-kill9-v0.23",
    "cluster-3node-v0.23",
    "cluster-encrypted-v0.23",
];

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

#[test]
fn file_to_file_keeps_every_fixture() {
    for name in FILE_FIXTURES {
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
}

#[test]
fn file_to_sqlite_and_back() {
    for name in FILE_FIXTURES {
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
}

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

fn file_to_server_db(driver: &'static str) {
    for name in [
        "file-basic-v0.23",
        "file-slices-v0.23",
        "file-encrypted-v0.23",
        "file-basic-v0.9",
    ] {
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
}

#[test]
fn file_to_postgres_and_back() {
    file_to_server_db("postgres");
}

#[test]
fn file_to_mysql_and_back() {
    file_to_server_db("mysql");
}

/// The SQL fixtures (written by the real server into PostgreSQL and
/// MariaDB) migrate to every other backend.
#[test]
fn sql_fixtures_to_every_backend() {
    for (name, driver, var) in [
        (
            "sql-postgres-v0.23",
            "postgres",
            "STANCTL_TEST_PG_SQL_POSTGRES_V0_23",
        ),
        (
            "sql-mysql-v0.23",
            "mysql",
            "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_23",
        ),
        (
            "sql-postgres-v0.9",
            "postgres",
            "STANCTL_TEST_PG_SQL_POSTGRES_V0_9",
        ),
        (
            "sql-mysql-v0.9",
            "mysql",
            "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_9",
        ),
    ] {
        let Ok(dsn) = std::env::var(var) else {
            assert!(std::env::var_os("CI").is_none(), "{var} missing under CI");
            eprintln!("note: {var} not set; run through scripts/test-databases.sh");
            continue;
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
