//! PostgreSQL target. Everything, the `CREATE TABLE`s included (DDL is
//! transactional in PostgreSQL), happens in one transaction committed at
//! the end; rows go in with binary `COPY ... FROM STDIN`, one `COPY` per
//! batch of at most [`MAX_ROWS`] rows / [`MAX_BYTES`] bytes.

use std::collections::HashMap;
use std::io::Write;

use ::postgres::{Client, NoTls};

use super::{
    ensure_empty, inspect, row_location, sql_err, Batch, Existing, Probe, Table, Target, Val,
};
use crate::error::Result;
use crate::sqlstore::conn::scrub;
use crate::sqlstore::dsn::PgDsn;
use crate::sqlstore::schema::POSTGRES_SCHEMA;
use crate::sqlstore::SqlDriver;

/// Rows per `COPY`.
const MAX_ROWS: usize = 10_000;
/// Bytes of COPY data buffered per table before they are sent.
const MAX_BYTES: usize = 8 << 20;
/// Pieces the buffer is handed to the driver in.
const CHUNK: usize = 1 << 20;
/// How long to wait for the table locks (another writer, a running server).
const LOCK_TIMEOUT: &str = "30s";
/// Transaction-level advisory lock a migration holds on its target
/// database: a second concurrent migration into the same database fails
/// at once with a clear message instead of a duplicate-key error from the
/// other's uncommitted `CREATE TABLE`s (pg_type). ASCII "stanctl\0".
pub const MIGRATION_LOCK_KEY: i64 = 0x7374_616e_6374_6c00;

/// Binary COPY header: signature, flags (no OIDs), header extension length.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// Binary COPY trailer: a field count of -1.
const COPY_TRAILER: [u8; 2] = (-1i16).to_be_bytes();

/// The column types binary COPY can write (what the schema scripts use,
/// plus the other integer sizes and text types a tuned schema may have).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PgType {
    Int2,
    Int4,
    Int8,
    Bool,
    Bytea,
    Text,
}

impl PgType {
    fn from_udt(udt: &str) -> Option<PgType> {
        Some(match udt {
            "int2" => PgType::Int2,
            "int4" => PgType::Int4,
            "int8" => PgType::Int8,
            "bool" => PgType::Bool,
            "bytea" => PgType::Bytea,
            "text" | "varchar" | "bpchar" | "name" | "citext" => PgType::Text,
            _ => return None,
        })
    }
}

struct PgTable {
    copy: String,
    types: Vec<PgType>,
    /// Encoded rows (without header and trailer).
    buf: Vec<u8>,
    batch: Batch,
}

pub(crate) struct PgTarget {
    client: Client,
    password: Option<String>,
    target: String,
    tables: HashMap<Table, PgTable>,
    /// `ANALYZE` of the written tables.
    analyze: String,
    in_tx: bool,
}

/// The server's message with its detail, context and SQLSTATE.
fn pg_error(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = db.message().to_string();
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

impl PgTarget {
    pub(crate) fn open(dsn: &PgDsn, force: bool) -> Result<PgTarget> {
        let target = format!("postgres {}", dsn.redacted());
        let cfg = dsn.config()?;
        let client = cfg.connect(NoTls).map_err(|e| {
            sql_err(
                &target,
                scrub(
                    format!("cannot connect: {}", pg_error(&e)),
                    dsn.password.as_deref(),
                ),
            )
        })?;
        let mut t = PgTarget {
            client,
            password: dsn.password.clone(),
            target,
            tables: HashMap::new(),
            analyze: String::new(),
            in_tx: false,
        };
        t.run("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        t.in_tx = true;
        t.claim()?;
        let mut catalog = t.catalog()?;
        let mut existing = inspect(SqlDriver::Postgres, &pairs(&catalog), &t.target)?;
        if !existing.complete() {
            // Inside the transaction: rolled back with everything else.
            t.run(POSTGRES_SCHEMA)?;
            catalog = t.catalog()?;
            existing = inspect(SqlDriver::Postgres, &pairs(&catalog), &t.target)?;
        }
        t.lock(&existing)?;
        ensure_empty(&mut t, &existing, force)?;
        let mut analyzed = Vec::new();
        for table in Table::ALL {
            let name = existing
                .name(table)
                .ok_or_else(|| sql_err(&t.target, format!("table {} not found", table.name())))?
                .to_string();
            let mut types = Vec::new();
            for col in table.columns() {
                let udt = catalog
                    .iter()
                    .find(|(tb, c, _)| *tb == name && c.eq_ignore_ascii_case(col))
                    .map(|(_, _, u)| u.as_str())
                    .unwrap_or("");
                let ty = PgType::from_udt(udt).ok_or_else(|| {
                    sql_err(
                        format!("{}: table {name}", t.target),
                        format!(
                            "column {col} has type {udt:?}, which stanctl does not write (expected an integer, \
                             boolean, bytea or text type)"
                        ),
                    )
                })?;
                types.push(ty);
            }
            let cols: Vec<String> = table.columns().iter().map(|c| quote(c)).collect();
            analyzed.push(quote(&name));
            t.tables.insert(
                table,
                PgTable {
                    copy: format!(
                        "COPY {} ({}) FROM STDIN (FORMAT binary)",
                        quote(&name),
                        cols.join(", ")
                    ),
                    types,
                    buf: Vec::new(),
                    batch: Batch::default(),
                },
            );
        }
        t.analyze = format!("ANALYZE {}", analyzed.join(", "));
        Ok(t)
    }

    fn err(&self, e: &::postgres::Error) -> String {
        scrub(pg_error(e), self.password.as_deref())
    }

    fn run(&mut self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .map_err(|e| sql_err(&self.target, self.err(&e)))
    }

    /// `(table, column, type name)` of the current schema.
    fn catalog(&mut self) -> Result<Vec<(String, String, String)>> {
        let rows = self
            .client
            .query(
                "SELECT table_name::text, column_name::text, udt_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
                &[],
            )
            .map_err(|e| {
                sql_err(
                    &self.target,
                    format!("cannot list the tables: {}", self.err(&e)),
                )
            })?;
        rows.iter()
            .map(|r| {
                let get = |i: usize| -> Result<String> {
                    r.try_get::<_, Option<String>>(i)
                        .map(Option::unwrap_or_default)
                        .map_err(|e| sql_err(&self.target, format!("catalog: {e}")))
                };
                Ok((get(0)?, get(1)?, get(2)?))
            })
            .collect()
    }

    /// Takes [`MIGRATION_LOCK_KEY`] for this transaction, or fails if
    /// another migration holds it.
    fn claim(&mut self) -> Result<()> {
        let row = self
            .client
            .query_one(
                "SELECT pg_try_advisory_xact_lock($1)",
                &[&MIGRATION_LOCK_KEY],
            )
            .map_err(|e| sql_err(&self.target, self.err(&e)))?;
        let got: bool = row
            .try_get(0)
            .map_err(|e| sql_err(&self.target, self.err(&e)))?;
        if !got {
            return Err(sql_err(
                &self.target,
                "another migration is writing this database (it holds stanctl's advisory lock until it \
                 commits or stops); wait for it, or choose another database",
            ));
        }
        Ok(())
    }

    /// Keeps other writers (a running server, another migration) out of
    /// the data tables until the commit; readers are not blocked.
    fn lock(&mut self, existing: &Existing) -> Result<()> {
        let names: Vec<String> = Table::ALL
            .iter()
            .filter_map(|t| existing.name(*t))
            .map(quote)
            .collect();
        self.run(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))?;
        self.client
            .batch_execute(&format!(
                "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
                names.join(", ")
            ))
            .map_err(|e| {
                sql_err(
                    &self.target,
                    format!(
                        "cannot lock the STAN tables within {LOCK_TIMEOUT} (is a server or another migration \
                         using them?): {}",
                        self.err(&e)
                    ),
                )
            })
    }

    fn send(&mut self, table: Table) -> Result<()> {
        let PgTarget {
            client,
            password,
            target,
            tables,
            ..
        } = self;
        let Some(tb) = tables.get_mut(&table) else {
            return Ok(());
        };
        if tb.batch.rows == 0 {
            return Ok(());
        }
        let location = tb.batch.location(target, table);
        let fail = |e: String| sql_err(location.clone(), scrub(e, password.as_deref()));
        let mut w = client.copy_in(&tb.copy).map_err(|e| fail(pg_error(&e)))?;
        let mut written = w.write_all(COPY_HEADER);
        for chunk in tb.buf.chunks(CHUNK) {
            if written.is_err() {
                break;
            }
            written = w.write_all(chunk);
        }
        if written.is_ok() {
            written = w.write_all(&COPY_TRAILER);
        }
        // The server's own error (a duplicate key, a type) arrives with
        // `finish`; a write error is only the symptom.
        let finished = w.finish();
        match (written, finished) {
            (_, Err(e)) => return Err(fail(pg_error(&e))),
            (Err(e), Ok(_)) => return Err(fail(e.to_string())),
            (Ok(()), Ok(n)) if n != tb.batch.rows as u64 => {
                return Err(fail(format!(
                    "COPY stored {n} rows instead of {}",
                    tb.batch.rows
                )))
            }
            _ => {}
        }
        tb.buf.clear();
        tb.batch.clear();
        Ok(())
    }
}

fn pairs(catalog: &[(String, String, String)]) -> Vec<(String, String)> {
    catalog
        .iter()
        .map(|(t, c, _)| (t.clone(), c.clone()))
        .collect()
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// A length-prefixed field.
fn put(buf: &mut Vec<u8>, bytes: &[u8]) -> Result<(), String> {
    let n = i32::try_from(bytes.len())
        .map_err(|_| format!("{} bytes do not fit one PostgreSQL field", bytes.len()))?;
    buf.extend_from_slice(&n.to_be_bytes());
    buf.extend_from_slice(bytes);
    Ok(())
}

fn kind(v: &Val<'_>) -> &'static str {
    match v {
        Val::Null => "NULL",
        Val::Int(_) | Val::UInt(_) => "an integer",
        Val::Bool(_) => "a boolean",
        Val::Bytes(_) => "bytes",
        Val::Text(_) => "text",
    }
}

/// Appends one field in binary COPY format for a column of type `ty`.
fn encode(buf: &mut Vec<u8>, ty: PgType, v: &Val<'_>) -> Result<(), String> {
    let int = |what: &str| -> Result<i128, String> {
        v.as_i128()
            .ok_or_else(|| format!("cannot write {} into a {what} column", kind(v)))
    };
    let range = |n: i128, what: &str| format!("value {n} out of range for {what}");
    match (ty, v) {
        (_, Val::Null) => buf.extend_from_slice(&(-1i32).to_be_bytes()),
        (PgType::Int2, _) => {
            let n = int("smallint")?;
            let x = i16::try_from(n).map_err(|_| range(n, "smallint"))?;
            put(buf, &x.to_be_bytes())?;
        }
        (PgType::Int4, _) => {
            let n = int("integer")?;
            let x = i32::try_from(n).map_err(|_| range(n, "integer"))?;
            put(buf, &x.to_be_bytes())?;
        }
        (PgType::Int8, _) => {
            let n = int("bigint")?;
            let x = i64::try_from(n).map_err(|_| range(n, "bigint"))?;
            put(buf, &x.to_be_bytes())?;
        }
        (PgType::Bool, _) => {
            let n = int("boolean")?;
            if !(0..=1).contains(&n) {
                return Err(range(n, "boolean"));
            }
            put(buf, &[n as u8])?;
        }
        (PgType::Bytea, Val::Bytes(b)) => put(buf, b)?,
        (PgType::Bytea, Val::Text(t)) => put(buf, t.as_bytes())?,
        (PgType::Text, Val::Text(t)) => put(buf, t.as_bytes())?,
        (PgType::Text, Val::Bytes(b)) => {
            let t = std::str::from_utf8(b)
                .map_err(|_| "binary data is not valid UTF-8 for a text column".to_string())?;
            put(buf, t.as_bytes())?;
        }
        (_, _) => return Err(format!("cannot write {} into a {ty:?} column", kind(v))),
    }
    Ok(())
}

impl Probe for PgTarget {
    fn target(&self) -> String {
        self.target.clone()
    }

    fn quote(&self, ident: &str) -> String {
        quote(ident)
    }

    fn has_rows(&mut self, quoted_table: &str) -> Result<bool, String> {
        self.client
            .query(&format!("SELECT 1 FROM {quoted_table} LIMIT 1"), &[])
            .map(|rows| !rows.is_empty())
            .map_err(|e| self.err(&e))
    }

    fn exec(&mut self, sql: &str) -> Result<(), String> {
        self.client.batch_execute(sql).map_err(|e| self.err(&e))
    }

    fn lock_owners(&mut self, quoted_table: &str) -> Result<Vec<String>, String> {
        let rows = self
            .client
            .query(
                &format!("SELECT id::text FROM {quoted_table} WHERE id IS NOT NULL AND id <> ''"),
                &[],
            )
            .map_err(|e| self.err(&e))?;
        rows.iter()
            .map(|r| {
                r.try_get::<_, Option<String>>(0)
                    .map(Option::unwrap_or_default)
                    .map_err(|e| e.to_string())
            })
            .collect()
    }
}

impl Target for PgTarget {
    fn empty_list(&self) -> Val<'static> {
        // lib/pq sends an empty []byte as an empty bytea, not NULL.
        Val::Bytes(&[])
    }

    fn insert(&mut self, table: Table, row: &[Val<'_>]) -> Result<()> {
        let target = self.target.clone();
        let Some(tb) = self.tables.get_mut(&table) else {
            return Err(sql_err(
                row_location(&target, table, row),
                "table not prepared",
            ));
        };
        if row.len() != tb.types.len() {
            return Err(sql_err(
                row_location(&target, table, row),
                format!("{} values for {} columns", row.len(), tb.types.len()),
            ));
        }
        let start = tb.buf.len();
        // Field count: at most 7 columns.
        tb.buf.extend_from_slice(&(row.len() as i16).to_be_bytes());
        for ((v, ty), col) in row.iter().zip(&tb.types).zip(table.columns()) {
            if let Err(e) = encode(&mut tb.buf, *ty, v) {
                tb.buf.truncate(start);
                return Err(sql_err(
                    row_location(&target, table, row),
                    format!("column {col}: {e}"),
                ));
            }
        }
        let n = tb.buf.len() - start;
        tb.batch.note(table, row, n);
        if tb.batch.rows >= MAX_ROWS || tb.buf.len() >= MAX_BYTES {
            self.send(table)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        for table in Table::ALL {
            self.send(table)?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.flush()?;
        // Statistics in the same transaction: the first reader (the server
        // at start-up, stanctl) gets index plans, not guesses for a table
        // it believes empty.
        let analyze = self.analyze.clone();
        self.run(&analyze)?;
        self.run("COMMIT")
            .map_err(|e| sql_err(&self.target, format!("commit failed: {e}")))?;
        self.in_tx = false;
        Ok(())
    }
}

impl Drop for PgTarget {
    fn drop(&mut self) {
        if self.in_tx {
            // Not committed: nothing of it (tables created included) stays.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_fields() {
        let mut b = Vec::new();
        encode(&mut b, PgType::Int4, &Val::Int(1)).unwrap();
        encode(&mut b, PgType::Int8, &Val::UInt(2)).unwrap();
        encode(&mut b, PgType::Bool, &Val::Bool(true)).unwrap();
        encode(&mut b, PgType::Bytea, &Val::Bytes(b"ab")).unwrap();
        encode(&mut b, PgType::Text, &Val::Text("c")).unwrap();
        encode(&mut b, PgType::Bytea, &Val::Null).unwrap();
        assert_eq!(
            hex::encode(&b),
            concat!(
                "00000004",
                "00000001",
                "00000008",
                "0000000000000002",
                "00000001",
                "01",
                "00000002",
                "6162",
                "00000001",
                "63",
                "ffffffff"
            )
        );
        assert!(encode(&mut b, PgType::Int4, &Val::UInt(u64::MAX)).is_err());
        assert!(encode(&mut b, PgType::Int8, &Val::UInt(u64::MAX)).is_err());
        assert!(encode(&mut b, PgType::Text, &Val::Bytes(&[0xff])).is_err());
        assert!(encode(&mut b, PgType::Int4, &Val::Text("1")).is_err());
        assert_eq!(COPY_HEADER.len(), 19);
    }
}
