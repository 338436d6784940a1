//! PostgreSQL target. Everything, the `CREATE TABLE`s included (DDL is
//! transactional in PostgreSQL), happens in one transaction committed at
//! the end; rows go in with binary `COPY ... FROM STDIN`, one `COPY` per
//! batch of at most [`MAX_ROWS`] rows / [`MAX_BYTES`] bytes.

use std::collections::HashMap;
use std::io::Write;

use super::{
    ensure_empty, read_catalog, row_location, sql_err, to_send, Batch, Batched, Table, Target, Val,
    LONG_VALUE,
};
use crate::error::Result;
use crate::sqlstore::catalog::Catalog;
use crate::sqlstore::conn::{Conn, SqlError};
use crate::sqlstore::dsn::PgDsn;
use crate::sqlstore::pg::{self, PgConn};
use crate::sqlstore::schema::POSTGRES_SCHEMA;

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

impl Batched for PgTable {
    fn batch(&self) -> &Batch {
        &self.batch
    }
}

pub(crate) struct PgTarget {
    db: PgConn,
    target: String,
    tables: HashMap<Table, PgTable>,
    /// `ANALYZE` of the written tables.
    analyze: String,
    in_tx: bool,
}

impl PgTarget {
    pub(crate) fn open(dsn: &PgDsn, force: bool) -> Result<PgTarget> {
        let db = pg::connect(dsn)?;
        let mut t = PgTarget {
            target: db.location().to_string(),
            db,
            tables: HashMap::new(),
            analyze: String::new(),
            in_tx: false,
        };
        t.run("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        t.in_tx = true;
        t.claim()?;
        let mut catalog = read_catalog(&mut t.db)?;
        if !catalog.complete() {
            // Inside the transaction: rolled back with everything else.
            t.run(POSTGRES_SCHEMA)?;
            catalog = read_catalog(&mut t.db)?;
        }
        t.lock(&catalog)?;
        ensure_empty(&mut t.db, &catalog, force)?;
        let mut analyzed = Vec::new();
        for table in Table::ALL {
            let name = catalog
                .actual(table.name())
                .ok_or_else(|| sql_err(&t.target, format!("table {} not found", table.name())))?
                .to_string();
            let mut types = Vec::new();
            for col in table.columns() {
                let udt = catalog
                    .column(table.name(), col)
                    .map_or("", |c| c.udt.as_str());
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
            let cols: Vec<String> = table.columns().iter().map(|c| t.db.quote(c)).collect();
            let quoted = t.db.quote(&name);
            analyzed.push(quoted.clone());
            t.tables.insert(
                table,
                PgTable {
                    copy: format!(
                        "COPY {quoted} ({}) FROM STDIN (FORMAT binary)",
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

    fn run(&mut self, sql: &str) -> Result<()> {
        self.db
            .client
            .batch_execute(sql)
            .map_err(|e| sql_err(&self.target, self.db.err(&e)))
    }

    /// Takes [`MIGRATION_LOCK_KEY`] for this transaction, or fails if
    /// another migration holds it.
    fn claim(&mut self) -> Result<()> {
        let row = self
            .db
            .client
            .query_one(
                "SELECT pg_try_advisory_xact_lock($1)",
                &[&MIGRATION_LOCK_KEY],
            )
            .map_err(|e| sql_err(&self.target, self.db.err(&e)))?;
        let got: bool = row
            .try_get(0)
            .map_err(|e| sql_err(&self.target, self.db.err(&e)))?;
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
    fn lock(&mut self, catalog: &Catalog) -> Result<()> {
        let names: Vec<String> = Table::ALL
            .iter()
            .filter_map(|t| catalog.actual(t.name()))
            .map(|n| self.db.quote(n))
            .collect();
        self.run(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))?;
        self.db
            .client
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
                        self.db.err(&e)
                    ),
                )
            })
    }

    /// Sends a row holding a large value in a `COPY` of its own, the
    /// value straight from its buffer: encoded into the batch it would be
    /// held twice.
    fn send_alone(&mut self, table: Table, row: &[Val<'_>]) -> Result<()> {
        self.send(table)?;
        let location = row_location(&self.target, table, row);
        let Some(tb) = self.tables.get(&table) else {
            return Err(sql_err(location, "table not prepared"));
        };
        // Everything but the large values is encoded first, so that a bad
        // value is reported before the COPY starts.
        let mut small = Vec::new();
        let mut parts: Vec<(usize, usize, &[u8])> = Vec::new();
        small.extend_from_slice(&(row.len() as i16).to_be_bytes());
        for ((v, ty), col) in row.iter().zip(&tb.types).zip(table.columns()) {
            match (ty, v) {
                (PgType::Bytea, Val::Bytes(b)) if b.len() > LONG_VALUE => {
                    let n = i32::try_from(b.len()).map_err(|_| {
                        sql_err(
                            location.clone(),
                            format!(
                                "column {col}: {} bytes, more than one PostgreSQL field",
                                b.len()
                            ),
                        )
                    })?;
                    small.extend_from_slice(&n.to_be_bytes());
                    // The small bytes so far, then the value.
                    parts.push((parts.last().map_or(0, |p| p.1), small.len(), b));
                }
                _ => encode(&mut small, *ty, v)
                    .map_err(|e| sql_err(location.clone(), format!("column {col}: {e}")))?,
            }
        }
        let mut pieces: Vec<&[u8]> = Vec::new();
        for (from, to, value) in &parts {
            pieces.push(small.get(*from..*to).unwrap_or_default());
            pieces.push(value);
        }
        pieces.push(
            small
                .get(parts.last().map_or(0, |p| p.1)..)
                .unwrap_or_default(),
        );
        copy_in(&mut self.db, &tb.copy, &location, 1, &pieces)
    }
}

/// Runs `copy` (binary `COPY ... FROM STDIN`) with `pieces` between the
/// header and the trailer, handed to the driver in [`CHUNK`]s, and checks
/// that it stored `rows` rows.
fn copy_in(
    db: &mut PgConn,
    copy: &str,
    location: &str,
    rows: usize,
    pieces: &[&[u8]],
) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| sql_err(location, e);
    let err = db.err_fn();
    let mut w = db.client.copy_in(copy).map_err(|e| fail(&err(&e)))?;
    let mut written = w.write_all(COPY_HEADER);
    for chunk in pieces.iter().flat_map(|p| p.chunks(CHUNK)) {
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
        (_, Err(e)) => Err(fail(&err(&e))),
        (Err(e), Ok(_)) => Err(fail(&e)),
        (Ok(()), Ok(n)) if n != rows as u64 => {
            Err(fail(&format!("COPY stored {n} rows instead of {rows}")))
        }
        _ => Ok(()),
    }
}

/// A length-prefixed field.
fn put(buf: &mut Vec<u8>, bytes: &[u8]) -> Result<(), SqlError> {
    let n = i32::try_from(bytes.len()).map_err(|_| SqlError::OutOfRange {
        value: format!("{} bytes", bytes.len()),
        target: "one PostgreSQL field",
    })?;
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

fn type_name(ty: PgType) -> &'static str {
    match ty {
        PgType::Int2 => "smallint",
        PgType::Int4 => "integer",
        PgType::Int8 => "bigint",
        PgType::Bool => "boolean",
        PgType::Bytea => "bytea",
        PgType::Text => "text",
    }
}

/// Appends one field in binary COPY format for a column of type `ty`.
fn encode(buf: &mut Vec<u8>, ty: PgType, v: &Val<'_>) -> Result<(), SqlError> {
    let target = type_name(ty);
    let mismatch = || SqlError::Mismatch {
        value: kind(v),
        target,
    };
    let int = || v.as_i128().ok_or_else(mismatch);
    let range = |n: i128| SqlError::OutOfRange {
        value: format!("value {n}"),
        target,
    };
    match (ty, v) {
        (_, Val::Null) => buf.extend_from_slice(&(-1i32).to_be_bytes()),
        (PgType::Int2, _) => {
            let n = int()?;
            let x = i16::try_from(n).map_err(|_| range(n))?;
            put(buf, &x.to_be_bytes())?;
        }
        (PgType::Int4, _) => {
            let n = int()?;
            let x = i32::try_from(n).map_err(|_| range(n))?;
            put(buf, &x.to_be_bytes())?;
        }
        (PgType::Int8, _) => {
            let n = int()?;
            let x = i64::try_from(n).map_err(|_| range(n))?;
            put(buf, &x.to_be_bytes())?;
        }
        (PgType::Bool, _) => {
            let n = int()?;
            if !(0..=1).contains(&n) {
                return Err(range(n));
            }
            put(buf, &[n as u8])?;
        }
        (PgType::Bytea, Val::Bytes(b)) => put(buf, b)?,
        (PgType::Bytea, Val::Text(t)) => put(buf, t.as_bytes())?,
        (PgType::Text, Val::Text(t)) => put(buf, t.as_bytes())?,
        (PgType::Text, Val::Bytes(b)) => {
            let t = std::str::from_utf8(b).map_err(|_| SqlError::Value {
                expected: "UTF-8 for a text column",
                found: "binary data".into(),
            })?;
            put(buf, t.as_bytes())?;
        }
        (_, _) => return Err(mismatch()),
    }
    Ok(())
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
        if row
            .iter()
            .any(|v| matches!(v, Val::Bytes(b) if b.len() > LONG_VALUE))
        {
            return self.send_alone(table, row);
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

    fn send(&mut self, table: Table) -> Result<()> {
        let Some(tb) = to_send(&mut self.tables, table) else {
            return Ok(());
        };
        let location = tb.batch.location(&self.target, table);
        copy_in(&mut self.db, &tb.copy, &location, tb.batch.rows, &[&tb.buf])?;
        tb.buf.clear();
        tb.batch.clear();
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
            let _ = self.db.client.batch_execute("ROLLBACK");
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
