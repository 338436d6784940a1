//! The thin per-driver layer: a connection that runs a handful of read
//! queries and returns rows of driver-neutral values. Everything that
//! knows what the rows mean lives in `reader` and `recovery`.

use super::SqlDriver;

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

/// One connection, inside the reader's read-only snapshot once
/// [`Conn::begin_snapshot`] has run. Errors are plain driver messages; the
/// caller adds table and key.
pub(crate) trait Conn {
    fn driver(&self) -> SqlDriver;

    /// Runs `sql` (MySQL style: `?` placeholders, identifiers already
    /// quoted with [`Conn::quote`]) and returns every row.
    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, String>;

    /// `(table, column)` of every column in the current database/schema,
    /// names as the catalog spells them.
    fn columns(&mut self) -> Result<Vec<(String, String)>, String>;

    /// Quotes an identifier.
    fn quote(&self, ident: &str) -> String;

    /// Starts the read-only, repeatable-read transaction the reader keeps
    /// for its whole life.
    fn begin_snapshot(&mut self) -> Result<(), String>;

    /// Runs a statement inside the reader's transaction (tests use it to
    /// show that writes fail).
    fn execute(&mut self, sql: &str) -> Result<(), String>;
}

impl Value {
    /// An integer column; MySQL may send DECIMAL sums as text.
    pub(crate) fn as_i128(&self) -> Result<Option<i128>, String> {
        match self {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(i128::from(*v))),
            Value::UInt(v) => Ok(Some(i128::from(*v))),
            Value::Text(s) => parse_int(s.as_bytes()).map(Some),
            Value::Bytes(b) => parse_int(b).map(Some),
        }
    }

    pub(crate) fn as_u64(&self) -> Result<Option<u64>, String> {
        match self.as_i128()? {
            None => Ok(None),
            Some(v) => u64::try_from(v)
                .map(Some)
                .map_err(|_| format!("{v} is not an unsigned 64-bit value")),
        }
    }

    pub(crate) fn as_i64(&self) -> Result<Option<i64>, String> {
        match self.as_i128()? {
            None => Ok(None),
            Some(v) => i64::try_from(v)
                .map(Some)
                .map_err(|_| format!("{v} does not fit a signed 64-bit value")),
        }
    }

    /// A blob column (text columns are accepted as their bytes).
    pub(crate) fn into_bytes(self) -> Result<Option<Vec<u8>>, String> {
        match self {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b)),
            Value::Text(s) => Ok(Some(s.into_bytes())),
            Value::Int(_) | Value::UInt(_) => Err("expected bytes, found an integer".into()),
        }
    }

    /// A text column; invalid UTF-8 is replaced, as the server's strings are
    /// raw bytes.
    pub(crate) fn into_text(self) -> Result<Option<String>, String> {
        match self {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s)),
            Value::Bytes(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
            Value::Int(v) => Ok(Some(v.to_string())),
            Value::UInt(v) => Ok(Some(v.to_string())),
        }
    }
}

/// The first two columns of a catalog row as text (empty when NULL).
pub(crate) fn text_pair(row: Row) -> Result<(String, String), String> {
    let mut it = row.into_iter();
    let mut next = || -> Result<String, String> {
        Ok(it
            .next()
            .unwrap_or(Value::Null)
            .into_text()?
            .unwrap_or_default())
    };
    let first = next()?;
    let second = next()?;
    Ok((first, second))
}

fn parse_int(b: &[u8]) -> Result<i128, String> {
    let s =
        std::str::from_utf8(b).map_err(|_| "expected an integer, found binary data".to_string())?;
    let t = s.trim();
    // DECIMAL results such as "123" or "123.000".
    let t = match t.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|c| c == b'0') => int,
        _ => t,
    };
    t.parse::<i128>()
        .map_err(|_| format!("expected an integer, found {s:?}"))
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
