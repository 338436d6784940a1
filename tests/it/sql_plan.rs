//! SQL reads that do not depend on table statistics, and migrations that
//! leave statistics behind.
//!
//! A database restored from a dump has no statistics until `ANALYZE`. An
//! open-ended page (`seq>a ORDER BY seq LIMIT 1000`) is then planned as a
//! bitmap scan of the rest of the channel plus a sort, once per page: a
//! 1M-message dump took minutes. Each page must read one key window.
//!
//! Run through `scripts/test-databases.sh cargo test --test it sql_plan::`
//! (it exports the admin DSNs); without them the database tests print a
//! note and pass, except under CI.

use crate::common::{fixture, json_with_code, TempDb};
use stanctl::sqlstore::{self, schema, SqlDriver};

/// Messages per channel in the un-analyzed table.
const PER_CHANNEL: u64 = 50_000;
/// The reader's page size.
const PAGE: u64 = 1000;

/// `actual rows=N` of every step of an `EXPLAIN ANALYZE` plan.
fn actual_rows(plan: &[String]) -> Vec<u64> {
    plan.iter()
        .filter_map(|line| {
            let at = line.find("actual rows=")? + "actual rows=".len();
            let digits: String = line[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

fn pg_client(dsn: &str) -> postgres::Client {
    postgres::Client::connect(dsn, postgres::NoTls).expect("connect")
}

/// reltuples of a table: -1 until it is first analyzed (or vacuumed).
fn reltuples(client: &mut postgres::Client, table: &str) -> f32 {
    client
        .query_one(
            "SELECT reltuples FROM pg_class WHERE relname = $1",
            &[&table],
        )
        .expect("pg_class")
        .get(0)
}

#[test]
fn a_page_reads_one_key_window_without_statistics() {
    let Some(db) = TempDb::create("postgres", "plan") else {
        return;
    };
    let mut client = pg_client(&db.dsn);
    client
        .batch_execute(schema::POSTGRES_SCHEMA)
        .expect("schema");
    // Four channels loaded the way a restore does it, and never analyzed
    // (autovacuum could analyze it behind the test's back).
    client
        .batch_execute(&format!(
            "ALTER TABLE messages SET (autovacuum_enabled = false);
             INSERT INTO channels (id, name, maxseq) SELECT c, 'c' || c, {PER_CHANNEL} FROM generate_series(1, 4) c;
             INSERT INTO messages SELECT 1 + g % 4, g / 4 + 1, g, 16, '\\x'::bytea
                 FROM generate_series(0, {} - 1) g;",
            4 * PER_CHANNEL
        ))
        .expect("load");
    assert_eq!(
        reltuples(&mut client, "messages"),
        -1.0,
        "the table must be without statistics for this test"
    );

    let source = db.dsn.clone();
    let mut reader = sqlstore::open_reader(SqlDriver::Postgres, &source).expect("open");
    for after in [0, PER_CHANNEL / 2, PER_CHANNEL - PAGE] {
        let plan = reader
            .explain_message_page_for_test("c2", after)
            .expect("explain");
        let text = plan.join("\n");
        assert!(!text.contains("Seq Scan"), "{text}");
        assert!(
            text.contains("Index Cond") && text.contains("seq >") && text.contains("seq <="),
            "the page must be an index range on (id, seq):\n{text}"
        );
        let rows = actual_rows(&plan);
        assert!(!rows.is_empty(), "no row counts in\n{text}");
        // The page holds PAGE rows, and no step reads more: the old
        // open-ended page read the whole rest of the channel here.
        assert_eq!(rows[0], PAGE, "{text}");
        assert!(rows.iter().all(|&n| n <= PAGE), "{text}");
    }
    drop(reader);
    assert_eq!(reltuples(&mut client, "messages"), -1.0);
}

/// `stanctl migrate file-to-sql` of a fixture into `source`.
fn migrate_fixture(driver: &str, source: &str) -> serde_json::Value {
    let store = fixture("file-basic-v0.23").join("store");
    json_with_code(
        &[
            "--dir",
            store.to_str().expect("utf8"),
            "migrate",
            "file-to-sql",
            "--to-sql-driver",
            driver,
            "--to-sql-source",
            source,
            "--format",
            "json",
        ],
        0,
    )
}

#[test]
fn migrating_into_postgres_leaves_statistics() {
    let Some(db) = TempDb::create("postgres", "analyzed") else {
        return;
    };
    let out = migrate_fixture("postgres", &db.dsn);
    let mut client = pg_client(&db.dsn);
    let count: i64 = client
        .query_one("SELECT COUNT(*) FROM messages", &[])
        .expect("count")
        .get(0);
    assert!(count > 0, "{out:#}");
    // Only ANALYZE (or VACUUM) sets reltuples to the row count.
    assert_eq!(reltuples(&mut client, "messages"), count as f32);
    assert!(reltuples(&mut client, "channels") > 0.0);
}

#[test]
fn migrating_into_sqlite_leaves_statistics() {
    let tmp = tempfile::tempdir().expect("tmp");
    let target = tmp.path().join("stan.db");
    migrate_fixture("sqlite", target.to_str().expect("utf8"));
    let conn = rusqlite::Connection::open(&target).expect("open");
    let stat: String = conn
        .query_row(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'Messages' AND idx IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("sqlite_stat1 holds the Messages index");
    let total: i64 = conn
        .query_row("SELECT COUNT(*) FROM Messages", [], |r| r.get(0))
        .expect("count");
    // sqlite_stat1's first number is the row count of the table.
    assert_eq!(stat.split(' ').next(), Some(total.to_string().as_str()));
}
