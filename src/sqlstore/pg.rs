//! PostgreSQL connection (`postgres` crate, no TLS).

use std::collections::HashMap;

use ::postgres::types::{ToSql, Type};
use ::postgres::{Client, NoTls, Statement};

use super::conn::{dollar_placeholders, scrub, text_pair, Conn, Param, Row, Value};
use super::dsn::PgDsn;
use super::SqlDriver;
use crate::error::{Result, StoreError};

pub(crate) struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
    password: Option<String>,
    in_tx: bool,
}

pub(crate) fn connect(dsn: &PgDsn) -> Result<PgConn> {
    let cfg = dsn.config()?;
    let client = cfg.connect(NoTls).map_err(|e| StoreError::Sql {
        location: format!("postgres {}", dsn.redacted()),
        message: scrub(
            format!("cannot connect: {}", error_text(&e)),
            dsn.password.as_deref(),
        ),
    })?;
    Ok(PgConn {
        client,
        statements: HashMap::new(),
        password: dsn.password.clone(),
        in_tx: false,
    })
}

/// The server's message (with SQLSTATE) when there is one.
fn error_text(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl PgConn {
    fn err(&self, e: ::postgres::Error) -> String {
        scrub(error_text(&e), self.password.as_deref())
    }
}

fn to_param(p: &Param, ty: &Type) -> Result<Box<dyn ToSql + Sync>, String> {
    let v: i128 = match p {
        Param::Int(v) => i128::from(*v),
        Param::UInt(v) => i128::from(*v),
    };
    let range = |what: &str| format!("parameter {v} out of range for {what}");
    Ok(if *ty == Type::INT2 {
        Box::new(i16::try_from(v).map_err(|_| range("smallint"))?)
    } else if *ty == Type::INT4 {
        Box::new(i32::try_from(v).map_err(|_| range("integer"))?)
    } else {
        Box::new(i64::try_from(v).map_err(|_| range("bigint"))?)
    })
}

fn to_value(row: &::postgres::Row, i: usize) -> Result<Value, String> {
    let ty = row.columns()[i].type_().clone();
    let e = |err: ::postgres::Error| format!("column {}: {err}", row.columns()[i].name());
    Ok(if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)
            .map_err(e)?
            .map_or(Value::Null, |v| Value::Int(v.into()))
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)
            .map_err(e)?
            .map_or(Value::Null, |v| Value::Int(v.into()))
    } else if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)
            .map_err(e)?
            .map_or(Value::Null, Value::Int)
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)
            .map_err(e)?
            .map_or(Value::Null, |v| Value::Int(v.into()))
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)
            .map_err(e)?
            .map_or(Value::Null, Value::Bytes)
    } else if ty == Type::OID {
        row.try_get::<_, Option<u32>>(i)
            .map_err(e)?
            .map_or(Value::Null, |v| Value::Int(v.into()))
    } else {
        // TEXT, VARCHAR, NAME, BPCHAR and anything text-like.
        row.try_get::<_, Option<String>>(i)
            .map_err(e)?
            .map_or(Value::Null, Value::Text)
    })
}

impl Conn for PgConn {
    fn driver(&self) -> SqlDriver {
        SqlDriver::Postgres
    }

    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, String> {
        let stmt = match self.statements.get(sql) {
            Some(s) => s.clone(),
            None => {
                let s = self
                    .client
                    .prepare(&dollar_placeholders(sql))
                    .map_err(|e| self.err(e))?;
                self.statements.insert(sql.to_string(), s.clone());
                s
            }
        };
        if stmt.params().len() != params.len() {
            return Err(format!(
                "statement expects {} parameters, got {}",
                stmt.params().len(),
                params.len()
            ));
        }
        let boxed = params
            .iter()
            .zip(stmt.params())
            .map(|(p, ty)| to_param(p, ty))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
        let rows = self.client.query(&stmt, &refs).map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| (0..r.len()).map(|i| to_value(r, i)).collect())
            .collect()
    }

    fn columns(&mut self) -> Result<Vec<(String, String)>, String> {
        let rows = self.query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
            &[],
        )?;
        rows.into_iter().map(text_pair).collect()
    }

    fn quote(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    fn begin_snapshot(&mut self) -> Result<(), String> {
        self.client
            .batch_execute("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .map_err(|e| self.err(e))?;
        self.in_tx = true;
        Ok(())
    }

    fn execute(&mut self, sql: &str) -> Result<(), String> {
        // A failed statement aborts a PostgreSQL transaction: run it under a
        // savepoint and always roll back to it, so the snapshot stays usable.
        if self.in_tx {
            self.client
                .batch_execute("SAVEPOINT stanctl_probe")
                .map_err(|e| self.err(e))?;
        }
        let result = self.client.batch_execute(sql).map_err(|e| self.err(e));
        if self.in_tx {
            self.client
                .batch_execute("ROLLBACK TO SAVEPOINT stanctl_probe")
                .map_err(|e| self.err(e))?;
        }
        result
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
