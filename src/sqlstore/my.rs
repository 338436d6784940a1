//! MySQL / MariaDB connection (`mysql` crate, no TLS): the reader's,
//! check's, `sql upgrade`'s and the writer's. Statements go
//! through the binary protocol (prepared), so integers arrive typed.

use ::mysql::prelude::Queryable;
use ::mysql::{Conn as MyConnection, Params};

use super::conn::{scrub, Conn, Endpoint, Param, Row, SqlError, Value};
use super::dsn::MysqlDsn;
use super::SqlDriver;
use crate::error::Result;

pub(crate) struct MyConn {
    /// The writer's batched inserts use the connection itself.
    pub(crate) conn: MyConnection,
    password: Option<String>,
    endpoint: Endpoint,
    in_tx: bool,
}

pub(crate) fn connect(dsn: &MysqlDsn) -> Result<MyConn> {
    let endpoint = Endpoint::new(SqlDriver::Mysql, &dsn.redacted());
    let opts = dsn.opts()?;
    let conn = MyConnection::new(opts)
        .map_err(|e| endpoint.cannot_connect(&error_text(&e), dsn.password.as_deref()))?;
    Ok(MyConn {
        conn,
        password: dsn.password.clone(),
        endpoint,
        in_tx: false,
    })
}

impl MyConn {
    /// A driver error as text, the password scrubbed.
    pub(crate) fn err(&self, e: &::mysql::Error) -> SqlError {
        SqlError::Database(scrub(error_text(e), self.password.as_deref()))
    }
}

/// A MySQL error as Go's driver prints it (`Error 1045: Access denied ...`),
/// in the server's log, not the crate's `MySqlError { ... }` debug form.
fn error_text(e: &::mysql::Error) -> String {
    match e {
        ::mysql::Error::MySqlError(m) => format!("Error {}: {}", m.code, m.message),
        other => other.to_string(),
    }
}

fn from_mysql(v: ::mysql::Value) -> Result<Value, SqlError> {
    use ::mysql::Value as M;
    Ok(match v {
        M::NULL => Value::Null,
        M::Bytes(b) => Value::Bytes(b),
        M::Int(i) => Value::Int(i),
        M::UInt(u) => Value::UInt(u),
        other => {
            return Err(SqlError::Value {
                expected: "an integer, bytes or NULL",
                found: format!("{other:?}"),
            })
        }
    })
}

impl Conn for MyConn {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        let params = if params.is_empty() {
            Params::Empty
        } else {
            Params::Positional(
                params
                    .iter()
                    .map(|p| match p {
                        Param::Int(v) => ::mysql::Value::Int(*v),
                        Param::UInt(v) => ::mysql::Value::UInt(*v),
                    })
                    .collect(),
            )
        };
        let rows: Vec<::mysql::Row> = self.conn.exec(sql, params).map_err(|e| self.err(&e))?;
        rows.into_iter()
            .map(|mut r| {
                (0..r.len())
                    .map(|i| {
                        from_mysql(
                            r.take::<::mysql::Value, _>(i)
                                .unwrap_or(::mysql::Value::NULL),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    fn prepare(&mut self, sql: &str) -> Result<(), SqlError> {
        let stmt = self.conn.prep(sql).map_err(|e| self.err(&e))?;
        self.conn.close(stmt).map_err(|e| self.err(&e))
    }

    fn catalog_query(&self) -> &'static str {
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION"
    }

    fn quote(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn begin_snapshot(&mut self) -> Result<(), SqlError> {
        // MySQL 5.6+ and MariaDB 10.0+ accept both; the first sets the
        // isolation level of the next transaction, the second opens it with
        // its snapshot taken now (InnoDB) and refuses writes (error 1792).
        self.conn
            .query_drop("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .map_err(|e| self.err(&e))?;
        self.conn
            .query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .map_err(|e| self.err(&e))?;
        self.in_tx = true;
        Ok(())
    }

    fn execute(&mut self, sql: &str) -> Result<(), SqlError> {
        self.conn.query_drop(sql).map_err(|e| self.err(&e))
    }
}

impl Drop for MyConn {
    fn drop(&mut self) {
        if self.in_tx {
            let _ = self.conn.query_drop("ROLLBACK");
        }
    }
}
