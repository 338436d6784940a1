//! The one driver layer: a connection per driver ([`super::pg`],
//! [`super::my`], [`super::lite`]) behind [`Conn`], opened read-only (the
//! reader and check, inside one read-only snapshot) or read-write (`sql
//! upgrade`; the writer adds its batched writes on the same connections).
//! It runs queries and returns rows of driver-neutral values, reads the
//! catalog, quotes identifiers and reads `StoreLock`. Everything that knows
//! what the rows mean lives in `reader`, `recovery`, `catalog` and the
//! writer.

use super::dsn::Dsn;
pub(crate) use super::error::SqlError;
use super::{lite, my, pg, SqlDriver};
use crate::error::{Result, StoreError};

/// How a connection may use the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Reads only: SQLite is opened read-only and `query_only`;
    /// PostgreSQL and MySQL read inside [`Conn::begin_snapshot`]'s
    /// read-only transaction.
    ReadOnly,
    /// `sql upgrade --apply` and the writer.
    ReadWrite,
}

/// A column value, as the drivers give it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    UInt(u64),
    Bytes(Vec<u8>),
    Text(String),
}

/// A query parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Int(i64),
    UInt(u64),
}

pub(crate) type Row = Vec<Value>;

/// One column of the current database/schema, as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CatalogColumn {
    /// The table's name as the catalog spells it.
    pub(crate) table: String,
    pub(crate) column: String,
    /// The type as shown to people (`character varying(1024)`, `blob`).
    pub(crate) data_type: String,
    /// The type's short name (PostgreSQL `udt_name`: `int4`, `bytea`).
    pub(crate) udt: String,
}

/// A value too large for a page: `column` of the row of `table` (both as
/// the catalog spells them) that `key_where` (`?` for `key`) selects, `len`
/// bytes long (its `octet_length`).
pub(crate) struct LongValue<'a> {
    pub(crate) table: &'a str,
    pub(crate) column: &'a str,
    pub(crate) key_where: &'a str,
    pub(crate) key: Vec<Param>,
    pub(crate) len: u64,
}

/// Which database a connection reaches: its driver, and the location
/// that names it in errors.
pub(crate) struct Endpoint {
    pub(crate) driver: SqlDriver,
    /// `<driver> <source, password redacted>`.
    pub(crate) location: String,
}

impl Endpoint {
    pub(crate) fn new(driver: SqlDriver, redacted_source: &str) -> Endpoint {
        Endpoint {
            driver,
            location: format!("{driver} {redacted_source}"),
        }
    }

    /// The error for a connection the driver refused (`driver_text`), the
    /// password scrubbed from it.
    pub(crate) fn cannot_connect(&self, driver_text: &str, password: Option<&str>) -> StoreError {
        StoreError::Sql {
            location: self.location.clone(),
            message: scrub(format!("cannot connect: {driver_text}"), password),
        }
    }
}

/// One connection. Errors are the driver's messages, in the form the
/// server's Go drivers print them, secrets scrubbed; the caller adds table
/// and key.
pub(crate) trait Conn {
    /// The database this connection reaches.
    fn endpoint(&self) -> &Endpoint;

    fn driver(&self) -> SqlDriver {
        self.endpoint().driver
    }

    /// `<driver> <source, password redacted>`.
    fn location(&self) -> &str {
        &self.endpoint().location
    }

    /// Runs `sql` (MySQL style: `?` placeholders, identifiers already
    /// quoted with [`Conn::quote`]) and returns every row.
    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError>;

    /// As [`Conn::query`], but a failure leaves the snapshot usable
    /// (PostgreSQL aborts a transaction on any error): for check, which
    /// reports a failed query and goes on.
    fn try_query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        self.query(sql, params)
    }

    /// Prepares `sql` as the server does at start-up, and discards it
    /// (outside the snapshot: MySQL refuses to prepare a write in a
    /// read-only transaction).
    fn prepare(&mut self, sql: &str) -> Result<(), SqlError>;

    /// The query of [`Conn::catalog`]: `(table, column, data type, short
    /// type)` text columns.
    fn catalog_query(&self) -> &'static str;

    /// Every column of the current database/schema, in table and column
    /// order.
    fn catalog(&mut self) -> Result<Vec<CatalogColumn>, SqlError> {
        let rows = self.query(self.catalog_query(), &[])?;
        catalog_rows(rows)
    }

    /// Quotes an identifier: SQL's double quotes (MySQL's backticks are
    /// its own).
    fn quote(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    /// Starts the read-only, repeatable-read transaction a reader keeps
    /// for its whole life.
    fn begin_snapshot(&mut self) -> Result<(), SqlError>;

    /// Runs a statement that returns nothing (inside the snapshot, a
    /// failure leaves the snapshot usable).
    fn execute(&mut self, sql: &str) -> Result<(), SqlError>;

    /// Reads one value into a buffer of exactly its length, so that a
    /// value too large for a page is held once. Pieces of
    /// [`PIECE_BYTES`], one query each.
    fn read_long(&mut self, value: &LongValue<'_>) -> Result<Vec<u8>, SqlError> {
        let sql = format!(
            "SELECT substr({}, ?, ?) FROM {} WHERE {}",
            self.quote(value.column),
            self.quote(value.table),
            value.key_where
        );
        read_in_pieces(self, &sql, &value.key, value.len)
    }

    /// Whether `quoted_table` holds at least one row.
    fn has_rows(&mut self, quoted_table: &str) -> Result<bool, SqlError> {
        let rows = self.query(&format!("SELECT 1 FROM {quoted_table} LIMIT 1"), &[])?;
        Ok(!rows.is_empty())
    }

    /// `(id, tick)` of every `StoreLock` row (`quoted_table`): who holds
    /// the store and its heartbeat.
    fn lock_rows(&mut self, quoted_table: &str) -> Result<Vec<(String, u64)>, SqlError> {
        let rows = self.query(&format!("SELECT id, tick FROM {quoted_table}"), &[])?;
        rows.into_iter()
            .map(|mut r| {
                let tick = r.get(1).unwrap_or(&Value::Null).as_u64()?.unwrap_or(0);
                let id = r
                    .get_mut(0)
                    .map_or(Value::Null, |v| std::mem::replace(v, Value::Null))
                    .into_text()?
                    .unwrap_or_default();
                Ok((id, tick))
            })
            .collect()
    }
}

/// Bytes of `Messages.data` one page of rows holds at most, inline.
pub(crate) const PAGE_BYTES: u64 = 16 << 20;
/// Rows one page asks for at most.
pub(crate) const PAGE_ROWS: u64 = 1000;
/// Pieces a value too large for its page is read in, one query each.
pub(crate) const PIECE_BYTES: u64 = 8 << 20;

/// How many rows the next page of a large column asks for, and the largest
/// value it takes inline: rows × inline ≤ [`PAGE_BYTES`]. A larger value
/// comes back as NULL with its length and is read alone with
/// [`read_in_pieces`], so that memory holds a page or one value, never a
/// page of large values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageSize {
    rows: u64,
}

impl PageSize {
    pub(crate) fn new() -> Self {
        PageSize { rows: PAGE_ROWS }
    }

    pub(crate) fn rows(self) -> u64 {
        self.rows
    }

    /// The largest value the page takes inline.
    pub(crate) fn inline_limit(self) -> u64 {
        PAGE_BYTES / self.rows
    }

    /// Fits the next page to the largest value of the last one, with room
    /// to spare, so that values of that size come inline again.
    pub(crate) fn fit(&mut self, largest: u64) {
        self.rows = (PAGE_BYTES / largest.saturating_mul(2).max(1)).clamp(1, PAGE_ROWS);
    }
}

/// An empty buffer with room for exactly `len` bytes, or an error when
/// memory refuses it (rather than an abort).
pub(crate) fn buffer_for(len: u64) -> Result<Vec<u8>, SqlError> {
    let mut out = Vec::new();
    usize::try_from(len)
        .ok()
        .and_then(|n| out.try_reserve_exact(n).ok())
        .ok_or(SqlError::TooLarge { len })?;
    Ok(out)
}

/// Reads a value of `len` bytes in pieces of [`PIECE_BYTES`] into one
/// buffer of exactly that size (so the value is held once). `sql` selects
/// `substr(column, ?, ?)` of one row; `key` are its parameters after the
/// piece's start and length.
/// The first column of the first row; NULL when there is none.
pub(crate) fn first_value(rows: Vec<Row>) -> Value {
    rows.into_iter()
        .next()
        .and_then(|r| r.into_iter().next())
        .unwrap_or(Value::Null)
}

fn read_in_pieces<C: Conn + ?Sized>(
    conn: &mut C,
    sql: &str,
    key: &[Param],
    len: u64,
) -> Result<Vec<u8>, SqlError> {
    let mut out = buffer_for(len)?;
    while (out.len() as u64) < len {
        let start = out.len() as u64;
        let count = PIECE_BYTES.min(len - start);
        let mut params = vec![Param::UInt(start + 1), Param::UInt(count)];
        params.extend_from_slice(key);
        let piece = first_value(conn.query(sql, &params)?)
            .into_bytes()?
            .unwrap_or_default();
        if piece.len() as u64 != count {
            return Err(SqlError::Value {
                expected: "a piece of the length the database reported",
                found: format!("{} bytes at offset {start} of {len}", piece.len()),
            });
        }
        out.extend_from_slice(&piece);
    }
    Ok(out)
}

/// How long to wait before reading `StoreLock` a second time to see whether
/// its tick moves (the owner increments it every second).
pub(crate) const LOCK_RECHECK: std::time::Duration = std::time::Duration::from_millis(1500);

/// `StoreLock` read twice, [`LOCK_RECHECK`] apart, because someone holds
/// it. A server in fault-tolerance mode bumps the tick every second; a
/// clean shutdown resets the row to `('', 0)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeldLock {
    pub(crate) first: Vec<(String, u64)>,
    pub(crate) second: Vec<(String, u64)>,
}

impl HeldLock {
    /// The tick moved: a live server owns the store.
    pub(crate) fn live(&self) -> bool {
        self.first != self.second
    }

    /// The owner named by the lock.
    pub(crate) fn owner(&self) -> String {
        self.second
            .first()
            .or(self.first.first())
            .map(|(id, _)| id.clone())
            .unwrap_or_default()
    }
}

/// Reads `StoreLock` (`quoted_table`); `None` when nobody holds it. Run it
/// outside a snapshot: a repeatable read would never see the tick move.
pub(crate) fn probe_store_lock(
    conn: &mut dyn Conn,
    quoted_table: &str,
) -> Result<Option<HeldLock>, SqlError> {
    let first = conn.lock_rows(quoted_table)?;
    if !first.iter().any(|(id, tick)| !id.is_empty() || *tick != 0) {
        return Ok(None);
    }
    std::thread::sleep(LOCK_RECHECK);
    let second = conn.lock_rows(quoted_table)?;
    Ok(Some(HeldLock { first, second }))
}

/// Connects to the database `dsn` names.
pub(crate) fn connect(dsn: &Dsn, access: Access) -> Result<Box<dyn Conn>> {
    Ok(match dsn {
        Dsn::Postgres(d) => Box::new(pg::connect(d)?),
        Dsn::Mysql(d) => Box::new(my::connect(d)?),
        Dsn::Sqlite(d) => Box::new(lite::connect(d, access)?),
    })
}

impl Value {
    /// An integer column; MySQL may send DECIMAL sums as text.
    pub(crate) fn as_i128(&self) -> Result<Option<i128>, SqlError> {
        match self {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(i128::from(*v))),
            Value::UInt(v) => Ok(Some(i128::from(*v))),
            Value::Text(s) => parse_int(s.as_bytes()).map(Some),
            Value::Bytes(b) => parse_int(b).map(Some),
        }
    }

    pub(crate) fn as_u64(&self) -> Result<Option<u64>, SqlError> {
        self.as_int("an unsigned 64-bit integer")
    }

    pub(crate) fn as_i64(&self) -> Result<Option<i64>, SqlError> {
        self.as_int("a signed 64-bit integer")
    }

    /// [`Value::as_i128`] narrowed to `T` (`expected` names it in the
    /// error for a value out of its range).
    fn as_int<T: TryFrom<i128>>(&self, expected: &'static str) -> Result<Option<T>, SqlError> {
        let Some(v) = self.as_i128()? else {
            return Ok(None);
        };
        T::try_from(v).map(Some).map_err(|_| SqlError::Value {
            expected,
            found: v.to_string(),
        })
    }

    /// A blob column (text columns are accepted as their bytes).
    pub(crate) fn into_bytes(self) -> Result<Option<Vec<u8>>, SqlError> {
        match self {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b)),
            Value::Text(s) => Ok(Some(s.into_bytes())),
            Value::Int(_) | Value::UInt(_) => Err(SqlError::Value {
                expected: "bytes",
                found: "an integer".into(),
            }),
        }
    }

    /// A text column; invalid UTF-8 is replaced, as the server's strings are
    /// raw bytes.
    pub(crate) fn into_text(self) -> Result<Option<String>, SqlError> {
        match self {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s)),
            Value::Bytes(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
            Value::Int(v) => Ok(Some(v.to_string())),
            Value::UInt(v) => Ok(Some(v.to_string())),
        }
    }
}

/// Catalog rows of `(table, column, data type, short type)` text columns.
fn catalog_rows(rows: Vec<Row>) -> Result<Vec<CatalogColumn>, SqlError> {
    rows.into_iter()
        .map(|row| {
            let mut it = row.into_iter();
            let mut next = || -> Result<String, SqlError> {
                Ok(it
                    .next()
                    .unwrap_or(Value::Null)
                    .into_text()?
                    .unwrap_or_default())
            };
            Ok(CatalogColumn {
                table: next()?,
                column: next()?,
                data_type: next()?,
                udt: next()?,
            })
        })
        .collect()
}

fn parse_int(b: &[u8]) -> Result<i128, SqlError> {
    let s = std::str::from_utf8(b).map_err(|_| SqlError::Value {
        expected: "an integer",
        found: "binary data".into(),
    })?;
    let t = s.trim();
    // DECIMAL results such as "123" or "123.000".
    let t = match t.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|c| c == b'0') => int,
        _ => t,
    };
    t.parse::<i128>().map_err(|_| SqlError::Value {
        expected: "an integer",
        found: format!("{s:?}"),
    })
}

/// Rewrites `?` placeholders to `$1, $2, ...` outside quoted text, as the
/// server does for PostgreSQL.
pub(crate) fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// Replaces every occurrence of `secret` in a driver message.
pub(crate) fn scrub(message: String, secret: Option<&str>) -> String {
    match secret {
        Some(s) if s.len() >= 3 && message.contains(s) => message.replace(s, "***"),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NULL is none, text is parsed, and a value out of the target's range
    /// is an error naming the range, for both widths.
    #[test]
    fn integers_narrow_or_say_why_not() {
        assert_eq!(Value::Null.as_u64().unwrap(), None);
        assert_eq!(Value::Text("42".into()).as_u64().unwrap(), Some(42));
        assert_eq!(Value::UInt(7).as_i64().unwrap(), Some(7));
        let out_of_range = |r: Result<Option<i128>, SqlError>| match r {
            Err(SqlError::Value { expected, found }) => format!("{expected}: {found}"),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            out_of_range(Value::Int(-1).as_u64().map(|v| v.map(i128::from))),
            "an unsigned 64-bit integer: -1"
        );
        assert_eq!(
            out_of_range(Value::UInt(u64::MAX).as_i64().map(|v| v.map(i128::from))),
            format!("a signed 64-bit integer: {}", u64::MAX)
        );
    }

    #[test]
    fn placeholders() {
        assert_eq!(
            dollar_placeholders(r#"SELECT "a?" FROM t WHERE x=? AND y='?' AND z=?"#),
            r#"SELECT "a?" FROM t WHERE x=$1 AND y='?' AND z=$2"#
        );
    }

    #[test]
    fn integers() {
        assert_eq!(Value::Bytes(b"123".to_vec()).as_u64().unwrap(), Some(123));
        assert_eq!(Value::Text("42.000".into()).as_i64().unwrap(), Some(42));
        assert_eq!(Value::UInt(u64::MAX).as_u64().unwrap(), Some(u64::MAX));
        assert!(Value::UInt(u64::MAX).as_i64().is_err());
        assert!(Value::Int(-1).as_u64().is_err());
        assert!(Value::Bytes(vec![0xff, 0]).as_u64().is_err());
        assert_eq!(Value::Null.as_u64().unwrap(), None);
    }

    #[test]
    fn scrubbing() {
        assert_eq!(
            scrub("bad pass hunter2".into(), Some("hunter2")),
            "bad pass ***"
        );
        assert_eq!(scrub("a b".into(), Some("a")), "a b");
    }
}
