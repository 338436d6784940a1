//! SQL stores (`-store sql`): PostgreSQL and MySQL/MariaDB as the server
//! writes them, plus SQLite with the same tables (a `stanctl` extension,
//! see [`schema::SQLITE_SCHEMA`]).
//!
//! [`open`] connects with the server's `-sql_source` and reads inside one
//! read-only, repeatable-read transaction (a consistent snapshot) for the
//! reader's whole life. The recovery rules are shared by every driver
//! (`reader`, `recovery`). One driver layer (`conn` with `pg`, `my`,
//! `lite`; tables resolved by `catalog`) serves the reader, the writer,
//! `check` and `sql upgrade` ([`upgrade`]).

use std::fmt;
use std::str::FromStr;

use crate::error::{Result, StoreError};
use crate::store::StoreReader;

pub(crate) mod catalog;
pub(crate) mod conn;
pub mod dsn;
pub mod error;
mod lite;
mod my;
mod pg;
mod reader;
mod recovery;
pub mod schema;
pub mod upgrade;
mod writer;

pub use reader::{RecoveryLimits, SqlReader};
pub use writer::{create_writer, SqlWriter, SqlWriterOptions, MIGRATION_LOCK_KEY};

/// The database behind a SQL store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlDriver {
    Postgres,
    Mysql,
    Sqlite,
}

impl SqlDriver {
    /// The canonical name (`postgres`, `mysql`, `sqlite`).
    pub fn name(self) -> &'static str {
        match self {
            SqlDriver::Postgres => "postgres",
            SqlDriver::Mysql => "mysql",
            SqlDriver::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for SqlDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SqlDriver {
    type Err = StoreError;

    /// `postgres`, `postgresql`, `pgx`; `mysql`, `mariadb`; `sqlite`,
    /// `sqlite3` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pgx" => Ok(SqlDriver::Postgres),
            "mysql" | "mariadb" => Ok(SqlDriver::Mysql),
            "sqlite" | "sqlite3" => Ok(SqlDriver::Sqlite),
            _ => Err(StoreError::Invalid(format!(
                "unknown SQL driver {s:?} (expected postgres, mysql or sqlite)"
            ))),
        }
    }
}

/// The file a SQLite source (a path or a `file:` URI) names.
pub fn sqlite_file(source: &str) -> Result<std::path::PathBuf> {
    let dsn = dsn::SqliteDsn::parse(source).map_err(|e| StoreError::Invalid(e.to_string()))?;
    writer::sqlite_file_path(&dsn).map_err(|e| StoreError::Invalid(format!("sqlite {source}: {e}")))
}

/// What identifies the database `source` reaches, asked of its server, so
/// that two spellings of one database (`host=localhost` and
/// `host=127.0.0.1`, a URL and key=value) compare equal: PostgreSQL's
/// postmaster start time, port and database OID; MySQL/MariaDB's host
/// name, port, data directory and schema. `None` for SQLite (a file,
/// compared by its resolved path).
pub fn database_identity(driver: SqlDriver, source: &str) -> Result<Option<String>> {
    let sql = match driver {
        SqlDriver::Postgres => {
            "SELECT CAST(pg_postmaster_start_time() AS text), current_setting('port'), \
             CAST(d.oid AS text) FROM pg_database d WHERE d.datname = current_database()"
        }
        SqlDriver::Mysql => "SELECT @@hostname, CAST(@@port AS CHAR), @@datadir, DATABASE()",
        SqlDriver::Sqlite => return Ok(None),
    };
    let dsn = dsn::Dsn::parse(driver, source)?;
    let mut conn = conn::connect(&dsn, conn::Access::ReadOnly)?;
    let fail = |e: String| {
        StoreError::Invalid(format!(
            "{}: cannot identify the database: {e}",
            dsn.redacted()
        ))
    };
    let rows = conn.query(sql, &[]).map_err(|e| fail(e.to_string()))?;
    let row = rows
        .into_iter()
        .next()
        .ok_or_else(|| fail("no row".into()))?;
    let mut parts = Vec::new();
    for v in row {
        parts.push(
            v.into_text()
                .map_err(|e| fail(e.to_string()))?
                .unwrap_or_default(),
        );
    }
    Ok(Some(format!("{driver} {}", parts.join("|"))))
}

/// Opens a SQL store read-only. `source` is the server's `-sql_source`
/// (see [`dsn`]); for SQLite a file path or `file:` URI.
pub fn open(driver: SqlDriver, source: &str) -> Result<Box<dyn StoreReader>> {
    Ok(Box::new(open_reader(driver, source)?))
}

/// As [`open`], returning the concrete reader.
pub fn open_reader(driver: SqlDriver, source: &str) -> Result<SqlReader> {
    SqlReader::open(driver, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_names() {
        for (s, d) in [
            ("postgres", SqlDriver::Postgres),
            ("PostgreSQL", SqlDriver::Postgres),
            ("pgx", SqlDriver::Postgres),
            ("mysql", SqlDriver::Mysql),
            ("mariadb", SqlDriver::Mysql),
            ("sqlite", SqlDriver::Sqlite),
            ("sqlite3", SqlDriver::Sqlite),
        ] {
            assert_eq!(s.parse::<SqlDriver>().unwrap(), d);
        }
        assert!("oracle".parse::<SqlDriver>().is_err());
        assert_eq!(SqlDriver::Mysql.to_string(), "mysql");
    }
}
