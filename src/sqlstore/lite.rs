//! SQLite connection: read-only (`SQLITE_OPEN_READ_ONLY` and `query_only`)
//! for the reader and check, read-write for `sql upgrade`.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, DatabaseName, OpenFlags};

use super::conn::{
    buffer_for, first_value, Access, Conn, Endpoint, LongValue, Param, Row, SqlError, Value,
};
use super::dsn::SqliteDsn;
use super::SqlDriver;
use crate::error::{Result, StoreError};

pub(crate) struct LiteConn {
    conn: Connection,
    endpoint: Endpoint,
    in_tx: bool,
}

pub(crate) fn connect(dsn: &SqliteDsn, access: Access) -> Result<LiteConn> {
    let mut flags = match access {
        Access::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
        Access::ReadWrite => OpenFlags::SQLITE_OPEN_READ_WRITE,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if dsn.uri {
        flags |= OpenFlags::SQLITE_OPEN_URI;
    }
    let endpoint = Endpoint::new(SqlDriver::Sqlite, &dsn.redacted());
    let err = |message: String| StoreError::Sql {
        location: endpoint.location.clone(),
        message,
    };
    if !dsn.uri && !std::path::Path::new(&dsn.path).is_file() {
        return Err(err("no such file".into()));
    }
    let conn = Connection::open_with_flags(&dsn.path, flags)
        .map_err(|e| err(format!("cannot open: {e}")))?;
    if access == Access::ReadOnly {
        // Belt and braces: refuse any write even through a writable URI.
        conn.pragma_update(None, "query_only", true)
            .map_err(|e| err(format!("cannot set query_only: {e}")))?;
    }
    Ok(LiteConn {
        conn,
        endpoint,
        in_tx: false,
    })
}

fn db_err(e: rusqlite::Error) -> SqlError {
    SqlError::Database(e.to_string())
}

fn from_ref(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        // REAL in an integer column: keep it visible as text so the caller
        // reports it.
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl Conn for LiteConn {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db_err)?;
        let n = stmt.column_count();
        let values: Vec<rusqlite::types::Value> = params
            .iter()
            .map(|p| match p {
                Param::Int(v) => Ok(rusqlite::types::Value::Integer(*v)),
                Param::UInt(v) => i64::try_from(*v)
                    .map(rusqlite::types::Value::Integer)
                    .map_err(|_| SqlError::OutOfRange {
                        value: format!("parameter {v}"),
                        target: "SQLite's 64-bit integers",
                    }),
            })
            .collect::<Result<_, SqlError>>()?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .map_err(db_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db_err)? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(from_ref(r.get_ref(i).map_err(db_err)?));
            }
            out.push(row);
        }
        Ok(out)
    }

    /// SQLite's `substr` loads the whole value for every piece; its
    /// incremental blob I/O reads the pages straight into the buffer.
    fn read_long(&mut self, value: &LongValue<'_>) -> Result<Vec<u8>, SqlError> {
        let LongValue {
            table,
            column,
            key_where,
            ref key,
            len,
        } = *value;
        let sql = format!("SELECT rowid FROM {} WHERE {key_where}", self.quote(table));
        let rowid = first_value(self.query(&sql, key)?)
            .as_i64()?
            .ok_or_else(|| SqlError::Database("the row is gone".into()))?;
        let blob = self
            .conn
            .blob_open(DatabaseName::Main, table, column, rowid, true)
            .map_err(db_err)?;
        if blob.len() as u64 != len {
            return Err(SqlError::Value {
                expected: "a value of the length the database reported",
                found: format!("{} bytes instead of {len}", blob.len()),
            });
        }
        let mut out = buffer_for(len)?;
        out.resize(blob.len(), 0);
        blob.read_at_exact(&mut out, 0).map_err(db_err)?;
        Ok(out)
    }

    fn prepare(&mut self, sql: &str) -> Result<(), SqlError> {
        self.conn.prepare(sql).map(drop).map_err(db_err)
    }

    fn catalog_query(&self) -> &'static str {
        "SELECT m.name, p.name, p.type, p.type FROM sqlite_schema AS m, pragma_table_info(m.name) AS p \
         WHERE m.type = 'table' ORDER BY m.name, p.cid"
    }

    fn begin_snapshot(&mut self) -> Result<(), SqlError> {
        // A deferred transaction takes its snapshot at the first read and
        // keeps it until it ends.
        self.conn.execute_batch("BEGIN DEFERRED").map_err(db_err)?;
        self.in_tx = true;
        Ok(())
    }

    fn execute(&mut self, sql: &str) -> Result<(), SqlError> {
        self.conn.execute_batch(sql).map_err(db_err)
    }
}

impl Drop for LiteConn {
    fn drop(&mut self) {
        if self.in_tx {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
