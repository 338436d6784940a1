//! Schemas of the SQL store for the current server versions (v0.10.0 and
//! later, docs/FORMAT.md 4.2): the server's table and column names, created by
//! the administrator (the server itself never creates tables).
//!
//! Only table and column names matter to the server (its statements name
//! them; `INSERT INTO Messages VALUES (?, ?, ?, ?, ?)` also needs the five
//! `Messages` columns in this order); types may be tuned.

use super::conn::{LongValue, Param};
use super::SqlDriver;

/// The SQLite schema: same tables and columns as the server's
/// PostgreSQL/MySQL scripts, SQLite types. `Clients.proto` is part of the
/// `CREATE TABLE` (the upstream scripts add it with `ALTER TABLE`). The
/// names are unquoted except `row`, a keyword in SQLite as in MySQL 8.
pub const SQLITE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS ServerInfo (uniquerow INTEGER DEFAULT 1 NOT NULL, id VARCHAR(1024), proto BLOB, version INTEGER, PRIMARY KEY (uniquerow));
CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024) NOT NULL, hbinbox TEXT, proto BLOB, PRIMARY KEY (id));
CREATE TABLE IF NOT EXISTS Channels (id INTEGER NOT NULL, name VARCHAR(1024) NOT NULL, maxseq BIGINT DEFAULT 0, maxmsgs INTEGER DEFAULT 0, maxbytes BIGINT DEFAULT 0, maxage BIGINT DEFAULT 0, deleted BOOL DEFAULT FALSE, PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS Idx_ChannelsName ON Channels (name);
CREATE TABLE IF NOT EXISTS Messages (id INTEGER NOT NULL, seq BIGINT NOT NULL, timestamp BIGINT, size INTEGER, data BLOB, CONSTRAINT PK_MsgKey PRIMARY KEY (id, seq));
CREATE INDEX IF NOT EXISTS Idx_MsgsTimestamp ON Messages (timestamp);
CREATE TABLE IF NOT EXISTS Subscriptions (id INTEGER NOT NULL, subid BIGINT NOT NULL, lastsent BIGINT DEFAULT 0, proto BLOB, deleted BOOL DEFAULT FALSE, CONSTRAINT PK_SubKey PRIMARY KEY (id, subid));
CREATE TABLE IF NOT EXISTS SubsPending (subid BIGINT NOT NULL, "row" BIGINT NOT NULL, seq BIGINT DEFAULT 0, lastsent BIGINT DEFAULT 0, pending BLOB, acks BLOB, CONSTRAINT PK_MsgPendingKey PRIMARY KEY (subid, "row"));
CREATE INDEX IF NOT EXISTS Idx_SubsPendingSeq ON SubsPending (seq);
CREATE TABLE IF NOT EXISTS StoreLock (id VARCHAR(30), tick BIGINT DEFAULT 0);
"#;

/// PostgreSQL, as `scripts/postgres.db.sql` (v0.10.0 - v0.25.6) with the
/// `ALTER TABLE Clients ADD proto BYTEA` folded into `CREATE TABLE`.
/// Unquoted names fold to lower case, as with the server's statements.
/// `Idx_ChannelsName` is on `(name)`: upstream's `(name(256))` is parsed by
/// PostgreSQL as an index on the constant `256::name` (docs/FORMAT.md 4.2).
pub const POSTGRES_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS ServerInfo (uniquerow INTEGER DEFAULT 1, id VARCHAR(1024), proto BYTEA, version INTEGER, PRIMARY KEY (uniquerow));
CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024), hbinbox TEXT, proto BYTEA, PRIMARY KEY (id));
CREATE TABLE IF NOT EXISTS Channels (id INTEGER, name VARCHAR(1024) NOT NULL, maxseq BIGINT DEFAULT 0, maxmsgs INTEGER DEFAULT 0, maxbytes BIGINT DEFAULT 0, maxage BIGINT DEFAULT 0, deleted BOOL DEFAULT FALSE, PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS Idx_ChannelsName ON Channels (name);
CREATE TABLE IF NOT EXISTS Messages (id INTEGER, seq BIGINT, timestamp BIGINT, size INTEGER, data BYTEA, CONSTRAINT PK_MsgKey PRIMARY KEY(id, seq));
CREATE INDEX IF NOT EXISTS Idx_MsgsTimestamp ON Messages (timestamp);
CREATE TABLE IF NOT EXISTS Subscriptions (id INTEGER, subid BIGINT, lastsent BIGINT DEFAULT 0, proto BYTEA, deleted BOOL DEFAULT FALSE, CONSTRAINT PK_SubKey PRIMARY KEY(id, subid));
CREATE TABLE IF NOT EXISTS SubsPending (subid BIGINT, row BIGINT, seq BIGINT DEFAULT 0, lastsent BIGINT DEFAULT 0, pending BYTEA, acks BYTEA, CONSTRAINT PK_MsgPendingKey PRIMARY KEY(subid, row));
CREATE INDEX IF NOT EXISTS Idx_SubsPendingSeq ON SubsPending (seq);
CREATE TABLE IF NOT EXISTS StoreLock (id VARCHAR(30), tick BIGINT DEFAULT 0);
"#;

/// MySQL / MariaDB, as `scripts/mysql.db.sql` (v0.10.0 - v0.25.6) with
/// `Clients.proto` folded into `CREATE TABLE` and two wider blob types:
///
/// * `Messages.data` is `LONGBLOB`: it holds the whole marshaled MsgProto
///   (payload + subject + reply + ~20 bytes). Upstream's `BLOB` stops at
///   65 535 bytes and `MEDIUMBLOB` at 16 MiB - 1, while NATS lets
///   `max_payload` be raised up to 64 MB; `LONGBLOB` (4 GiB) fits any
///   message for one more length byte per row. (Inserting large rows also
///   needs `max_allowed_packet` above the largest message.)
/// * `SubsPending.pending`/`acks` are `MEDIUMBLOB`: a migration writes the
///   whole pending set of a subscription as one JSON list (up to 21 bytes
///   per sequence), which can exceed 64 KiB for a few thousand pending
///   messages.
///
/// Table names are case-sensitive on Linux servers: keep this case.
/// What a MySQL / MariaDB `Messages.data` column must hold: NATS' default
/// max_payload (1 MiB); a message is its payload plus subject, reply and a
/// few bytes of protobuf.
pub const MYSQL_DATA_MIN: u64 = 1 << 20;

/// The statement that widens a narrow `Messages.data` (the upstream
/// schema's `BLOB` holds 65 535 bytes).
pub const MYSQL_WIDEN_DATA: &str = "ALTER TABLE Messages MODIFY data LONGBLOB";

/// Bytes a MySQL / MariaDB column of type `ty` holds, for the blob types.
pub fn mysql_blob_capacity(ty: &str) -> Option<u64> {
    let t = ty.to_ascii_lowercase();
    if t.starts_with("tinyblob") {
        Some(255)
    } else if t.starts_with("mediumblob") {
        Some(16_777_215)
    } else if t.starts_with("longblob") {
        Some(4_294_967_295)
    } else if t.starts_with("blob") {
        Some(65_535)
    } else if let Some(rest) = t.strip_prefix("varbinary(") {
        rest.trim_end_matches(')').parse().ok()
    } else {
        None
    }
}

pub const MYSQL_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS ServerInfo (uniquerow INT DEFAULT 1, id VARCHAR(1024), proto BLOB, version INTEGER, PRIMARY KEY (uniquerow));
CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024), hbinbox TEXT, proto BLOB, PRIMARY KEY (id(256)));
CREATE TABLE IF NOT EXISTS Channels (id INTEGER, name VARCHAR(1024) NOT NULL, maxseq BIGINT UNSIGNED DEFAULT 0, maxmsgs INTEGER DEFAULT 0, maxbytes BIGINT DEFAULT 0, maxage BIGINT DEFAULT 0, deleted BOOL DEFAULT FALSE, PRIMARY KEY (id), INDEX Idx_ChannelsName (name(256)));
CREATE TABLE IF NOT EXISTS Messages (id INTEGER, seq BIGINT UNSIGNED, timestamp BIGINT, size INTEGER, data LONGBLOB, CONSTRAINT PK_MsgKey PRIMARY KEY(id, seq), INDEX Idx_MsgsTimestamp (timestamp));
CREATE TABLE IF NOT EXISTS Subscriptions (id INTEGER, subid BIGINT UNSIGNED, lastsent BIGINT UNSIGNED DEFAULT 0, proto BLOB, deleted BOOL DEFAULT FALSE, CONSTRAINT PK_SubKey PRIMARY KEY(id, subid));
CREATE TABLE IF NOT EXISTS SubsPending (subid BIGINT UNSIGNED, `row` BIGINT UNSIGNED, seq BIGINT UNSIGNED DEFAULT 0, lastsent BIGINT UNSIGNED DEFAULT 0, pending MEDIUMBLOB, acks MEDIUMBLOB, CONSTRAINT PK_MsgPendingKey PRIMARY KEY(subid, `row`), INDEX Idx_SubsPendingSeq(seq));
CREATE TABLE IF NOT EXISTS StoreLock (id VARCHAR(30), tick BIGINT UNSIGNED DEFAULT 0);
"#;

/// The tables every SQL store has, in the server's spelling.
pub const TABLES: [&str; 7] = [
    "ServerInfo",
    "Clients",
    "Channels",
    "Messages",
    "Subscriptions",
    "SubsPending",
    "StoreLock",
];

/// Columns per table, as the server's statements reference them
/// (`Clients.proto` since v0.10.0).
pub const COLUMNS: [(&str, &[&str]); 7] = [
    ("ServerInfo", &["uniquerow", "id", "proto", "version"]),
    ("Clients", &["id", "hbinbox", "proto"]),
    (
        "Channels",
        &[
            "id", "name", "maxseq", "maxmsgs", "maxbytes", "maxage", "deleted",
        ],
    ),
    ("Messages", &["id", "seq", "timestamp", "size", "data"]),
    (
        "Subscriptions",
        &["id", "subid", "lastsent", "proto", "deleted"],
    ),
    (
        "SubsPending",
        &["subid", "row", "seq", "lastsent", "pending", "acks"],
    ),
    ("StoreLock", &["id", "tick"]),
];

/// Column types of the current upstream scripts (for `ALTER TABLE ... ADD`).
pub(crate) fn column_type(driver: SqlDriver, table: &str, column: &str) -> &'static str {
    let blob = match driver {
        SqlDriver::Postgres => "BYTEA",
        _ => "BLOB",
    };
    let ubig = match driver {
        SqlDriver::Mysql => "BIGINT UNSIGNED",
        _ => "BIGINT",
    };
    match (table, column) {
        (_, "proto") | (_, "data") | (_, "pending") | (_, "acks") => blob,
        ("ServerInfo", "id") | ("Clients", "id") | ("Channels", "name") => "VARCHAR(1024)",
        ("StoreLock", "id") => "VARCHAR(30)",
        ("Clients", "hbinbox") => "TEXT",
        ("Channels", "deleted") | ("Subscriptions", "deleted") => "BOOL DEFAULT FALSE",
        ("Channels", "maxseq") => match driver {
            SqlDriver::Mysql => "BIGINT UNSIGNED DEFAULT 0",
            _ => "BIGINT DEFAULT 0",
        },
        ("Channels", "maxmsgs") => "INTEGER DEFAULT 0",
        ("Channels", "maxbytes") | ("Channels", "maxage") => "BIGINT DEFAULT 0",
        ("Messages", "timestamp") => "BIGINT",
        ("Messages", "seq")
        | ("Subscriptions", "subid")
        | ("SubsPending", "subid")
        | ("SubsPending", "row") => ubig,
        ("Subscriptions", "lastsent")
        | ("SubsPending", "seq")
        | ("SubsPending", "lastsent")
        | ("StoreLock", "tick") => match driver {
            SqlDriver::Mysql => "BIGINT UNSIGNED DEFAULT 0",
            _ => "BIGINT DEFAULT 0",
        },
        ("ServerInfo", "uniquerow") => "INTEGER DEFAULT 1",
        _ => "INTEGER",
    }
}

/// The columns that hold protobufs or JSON lists must be binary-safe.
pub(crate) fn is_blob_column(column: &str) -> bool {
    matches!(column, "proto" | "data" | "pending" | "acks")
}

pub(crate) fn is_binary_type(ty: &str) -> bool {
    let t = ty.to_ascii_lowercase();
    t.contains("blob") || t.contains("bytea") || t.contains("binary")
}

/// The `CREATE TABLE` of `table` (and its indexes) in stanctl's schema for
/// `driver`.
pub(crate) fn create_statements(driver: SqlDriver, table: &str) -> Vec<String> {
    let script = match driver {
        SqlDriver::Postgres => POSTGRES_SCHEMA,
        SqlDriver::Mysql => MYSQL_SCHEMA,
        SqlDriver::Sqlite => SQLITE_SCHEMA,
    };
    let create = format!("CREATE TABLE IF NOT EXISTS {table} (");
    let index = format!(" ON {table} (");
    script
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(&create) || (l.starts_with("CREATE INDEX") && l.contains(&index)))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

/// `Messages.data` of message `seq` of channel `id`, `len` bytes long;
/// `table` is `Messages` as the catalog spells it.
pub(crate) fn message_data(table: &str, id: i64, seq: u64, len: u64) -> LongValue<'_> {
    LongValue {
        table,
        column: "data",
        key_where: "id=? AND seq=?",
        key: vec![Param::Int(id), Param::UInt(seq)],
        len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_schema_creates_every_table_and_column() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(SQLITE_SCHEMA).unwrap();
        // Idempotent, like the upstream scripts.
        db.execute_batch(SQLITE_SCHEMA).unwrap();
        for (table, cols) in COLUMNS {
            let mut stmt = db
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap();
            let got: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            assert_eq!(
                got,
                cols.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
                "{table}"
            );
        }
        // The server's unlisted insert and its boolean literals work.
        db.execute("INSERT INTO Messages VALUES (1, 1, 5, 3, x'0801')", [])
            .unwrap();
        db.execute(
            "INSERT INTO Channels (id, name, maxmsgs, maxbytes, maxage) VALUES (1, 'a', 0, 0, 0)",
            [],
        )
        .unwrap();
        let n: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM Channels WHERE deleted=FALSE",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn schemas_name_every_table() {
        for schema in [SQLITE_SCHEMA, POSTGRES_SCHEMA, MYSQL_SCHEMA] {
            for t in TABLES {
                assert!(
                    schema.contains(&format!("CREATE TABLE IF NOT EXISTS {t} (")),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn capacities() {
        assert_eq!(mysql_blob_capacity("blob"), Some(65535));
        assert_eq!(mysql_blob_capacity("mediumblob"), Some(16_777_215));
        assert_eq!(mysql_blob_capacity("varbinary(100)"), Some(100));
        assert_eq!(mysql_blob_capacity("text"), None);
    }

    #[test]
    fn create_statements_per_driver() {
        let pg = create_statements(SqlDriver::Postgres, "Messages");
        assert_eq!(pg.len(), 2, "{pg:?}");
        assert!(pg[0].starts_with("CREATE TABLE IF NOT EXISTS Messages ("));
        let my = create_statements(SqlDriver::Mysql, "Clients");
        assert_eq!(my.len(), 1);
    }
}
