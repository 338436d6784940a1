//! PostgreSQL connection (`postgres` crate, no TLS): the reader's, check's,
//! `sql upgrade`'s and the writer's.

use std::collections::HashMap;

use ::postgres::types::{FromSql, ToSql, Type};
use ::postgres::{Client, NoTls, Statement};

use super::conn::{dollar_placeholders, scrub, Conn, Endpoint, Param, Row, SqlError, Value};
use super::dsn::PgDsn;
use super::SqlDriver;
use crate::error::Result;

pub(crate) struct PgConn {
    /// The writer's `COPY` and advisory lock use the client itself.
    pub(crate) client: Client,
    statements: HashMap<String, Statement>,
    password: Option<String>,
    endpoint: Endpoint,
    in_tx: bool,
}

pub(crate) fn connect(dsn: &PgDsn) -> Result<PgConn> {
    let endpoint = Endpoint::new(SqlDriver::Postgres, &dsn.redacted());
    let cfg = dsn.config()?;
    let client = cfg
        .connect(NoTls)
        .map_err(|e| endpoint.cannot_connect(&error_text(&e), dsn.password.as_deref()))?;
    Ok(PgConn {
        client,
        statements: HashMap::new(),
        password: dsn.password.clone(),
        endpoint,
        in_tx: false,
    })
}

/// The server's message as lib/pq prints it (`pq: ...`), with its detail,
/// context and SQLSTATE when there are.
pub(crate) fn error_text(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("pq: {}", db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            if let Some(w) = db.where_() {
                s.push_str(&format!(" [{w}]"));
            }
            s.push_str(&format!(" (SQLSTATE {})", db.code().code()));
            s
        }
        None => e.to_string(),
    }
}

impl PgConn {
    /// A driver error as text, the password scrubbed.
    pub(crate) fn err(&self, e: &::postgres::Error) -> SqlError {
        SqlError::Database(scrub(error_text(e), self.password.as_deref()))
    }

    /// [`Self::err`] that does not borrow the connection (for errors of
    /// a `COPY` in progress).
    pub(crate) fn err_fn(&self) -> impl Fn(&::postgres::Error) -> SqlError + 'static {
        let password = self.password.clone();
        move |e| SqlError::Database(scrub(error_text(e), password.as_deref()))
    }

    /// Runs `f` under a savepoint inside the snapshot, always rolled back
    /// to: a failed statement aborts a PostgreSQL transaction, and the
    /// snapshot must stay usable.
    fn probe<T>(
        &mut self,
        f: impl FnOnce(&mut Client) -> std::result::Result<T, ::postgres::Error>,
    ) -> Result<T, SqlError> {
        if self.in_tx {
            self.client
                .batch_execute("SAVEPOINT stanctl_probe")
                .map_err(|e| self.err(&e))?;
        }
        let result = f(&mut self.client).map_err(|e| self.err(&e));
        if self.in_tx {
            self.client
                .batch_execute("ROLLBACK TO SAVEPOINT stanctl_probe")
                .map_err(|e| self.err(&e))?;
        }
        result
    }
}

fn to_param(p: &Param, ty: &Type) -> Result<Box<dyn ToSql + Sync>, SqlError> {
    let v: i128 = match p {
        Param::Int(v) => i128::from(*v),
        Param::UInt(v) => i128::from(*v),
    };
    let range = |target: &'static str| SqlError::OutOfRange {
        value: format!("parameter {v}"),
        target,
    };
    Ok(if *ty == Type::INT2 {
        Box::new(i16::try_from(v).map_err(|_| range("smallint"))?)
    } else if *ty == Type::INT4 {
        Box::new(i32::try_from(v).map_err(|_| range("integer"))?)
    } else {
        Box::new(i64::try_from(v).map_err(|_| range("bigint"))?)
    })
}

fn to_value(row: &::postgres::Row, i: usize) -> Result<Value, SqlError> {
    let ty = row.columns()[i].type_();
    if *ty == Type::INT2 {
        column(row, i, |v: i16| Value::Int(v.into()))
    } else if *ty == Type::INT4 {
        column(row, i, |v: i32| Value::Int(v.into()))
    } else if *ty == Type::INT8 {
        column(row, i, Value::Int)
    } else if *ty == Type::BOOL {
        column(row, i, |v: bool| Value::Int(v.into()))
    } else if *ty == Type::BYTEA {
        column(row, i, Value::Bytes)
    } else if *ty == Type::OID {
        column(row, i, |v: u32| Value::Int(v.into()))
    } else {
        // TEXT, VARCHAR, NAME, BPCHAR and anything text-like.
        column(row, i, Value::Text)
    }
}

/// Column `i` read as a `T` and made a `Value` by `to`; NULL as NULL.
fn column<'r, T: FromSql<'r>>(
    row: &'r ::postgres::Row,
    i: usize,
    to: impl FnOnce(T) -> Value,
) -> Result<Value, SqlError> {
    let v = row
        .try_get::<_, Option<T>>(i)
        .map_err(|err| SqlError::Column {
            column: row.columns()[i].name().to_string(),
            message: err.to_string(),
        })?;
    Ok(v.map_or(Value::Null, to))
}

impl Conn for PgConn {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        let stmt = match self.statements.get(sql) {
            Some(s) => s.clone(),
            None => {
                let s = self
                    .client
                    .prepare(&dollar_placeholders(sql))
                    .map_err(|e| self.err(&e))?;
                self.statements.insert(sql.to_string(), s.clone());
                s
            }
        };
        if stmt.params().len() != params.len() {
            return Err(SqlError::Parameters {
                expected: stmt.params().len(),
                got: params.len(),
            });
        }
        let boxed = params
            .iter()
            .zip(stmt.params())
            .map(|(p, ty)| to_param(p, ty))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
        let rows = self.client.query(&stmt, &refs).map_err(|e| self.err(&e))?;
        rows.iter()
            .map(|r| (0..r.len()).map(|i| to_value(r, i)).collect())
            .collect()
    }

    fn try_query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        if !self.in_tx {
            return self.query(sql, params);
        }
        self.client
            .batch_execute("SAVEPOINT stanctl_try")
            .map_err(|e| self.err(&e))?;
        let result = self.query(sql, params);
        let end = match result {
            Ok(_) => "RELEASE SAVEPOINT stanctl_try",
            Err(_) => "ROLLBACK TO SAVEPOINT stanctl_try",
        };
        self.client.batch_execute(end).map_err(|e| self.err(&e))?;
        result
    }

    fn prepare(&mut self, sql: &str) -> Result<(), SqlError> {
        self.probe(|c| c.prepare(sql).map(drop))
    }

    fn catalog_query(&self) -> &'static str {
        "SELECT table_name::text, column_name::text, \
         CASE WHEN character_maximum_length IS NULL THEN data_type::text \
         ELSE data_type::text || '(' || character_maximum_length::text || ')' END, \
         udt_name::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         ORDER BY table_name, ordinal_position"
    }

    fn begin_snapshot(&mut self) -> Result<(), SqlError> {
        self.client
            .batch_execute("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .map_err(|e| self.err(&e))?;
        self.in_tx = true;
        Ok(())
    }

    fn execute(&mut self, sql: &str) -> Result<(), SqlError> {
        self.probe(|c| c.batch_execute(sql))
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        if self.in_tx {
            // Nothing was written; ending the transaction is a courtesy.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}
