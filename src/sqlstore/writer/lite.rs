//! SQLite target: the database is built in a temporary file next to the
//! target, in one transaction, and renamed into place by `commit`; a
//! writer dropped before that removes its file and leaves the target
//! untouched.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, DatabaseName, OpenFlags};

use super::{row_location, sql_err, statements, Table, Target, Val, LONG_VALUE};
use crate::error::{Result, StoreError};
use crate::partial;
use crate::safe_fs;
use crate::sqlstore::catalog::Catalog;
use crate::sqlstore::conn::{Access, Conn};
use crate::sqlstore::dsn::{percent_decode, DsnError, SqliteDsn};
use crate::sqlstore::error::SqlError;
use crate::sqlstore::schema::SQLITE_SCHEMA;
use crate::sqlstore::{lite, SqlDriver};

/// Tells apart the temporary files of writers in one process.
static NEXT_TMP: AtomicU64 = AtomicU64::new(0);

pub(crate) struct LiteTarget {
    /// `None` once closed.
    conn: Option<Connection>,
    target: PathBuf,
    tmp: PathBuf,
    force: bool,
    location: String,
    inserts: HashMap<Table, String>,
    committed: bool,
}

/// The file a SQLite source names: a path, or the path of a `file:` URI
/// (`file:data.db?mode=rwc`, `file:///var/lib/stan.db`).
pub(crate) fn file_path(dsn: &SqliteDsn) -> std::result::Result<PathBuf, DsnError> {
    if !dsn.uri {
        if dsn.path == ":memory:" {
            return Err(DsnError::SqliteInMemory);
        }
        return Ok(PathBuf::from(&dsn.path));
    }
    let rest = dsn.path.strip_prefix("file:").unwrap_or(&dsn.path);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.split_once('#').map_or(path, |(p, _)| p);
    if query.split('&').any(|kv| kv == "mode=memory") {
        return Err(DsnError::SqliteInMemory);
    }
    let path = match path.strip_prefix("//") {
        Some(r) => {
            let (host, p) = r.split_at(r.find('/').unwrap_or(r.len()));
            if !host.is_empty() && host != "localhost" {
                return Err(DsnError::SqliteUriAuthority(host.to_string()));
            }
            p
        }
        None => path,
    };
    let decoded = percent_decode(path)?;
    if decoded.is_empty() || decoded == ":memory:" {
        return Err(DsnError::SqliteInMemory);
    }
    Ok(PathBuf::from(decoded))
}

/// A target that is not there, or an empty file, may be written.
fn occupied(path: &Path) -> Result<bool> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(StoreError::Invalid(format!(
            "{}: is a directory, not a SQLite file",
            path.display()
        ))),
        Ok(m) => Ok(m.len() > 0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// Refuses to replace `path` unless it is absent, an empty file, or a
/// SQLite database holding the STAN tables: `force` must never turn a
/// system file into a database.
fn ensure_replaceable(path: &Path, location: &str) -> Result<()> {
    if !safe_fs::is_present(path)? {
        return Ok(());
    }
    let looks = safe_fs::describe(path)?;
    let refuse = |what: &str| {
        sql_err(
            location,
            format!(
                "{} is {what}; force replaces only a SQLite database holding the STAN tables, or an empty \
                 file",
                path.display()
            ),
        )
    };
    match looks.as_str() {
        "an empty file" => Ok(()),
        "a SQLite database" => {
            let dsn = SqliteDsn {
                path: path.to_string_lossy().into_owned(),
                uri: false,
            };
            let mut conn = lite::connect(&dsn, Access::ReadOnly)
                .map_err(|_| refuse("a SQLite database that cannot be opened"))?;
            let columns = conn
                .catalog()
                .map_err(|_| refuse("a SQLite database that cannot be read"))?;
            if Catalog::resolve(SqlDriver::Sqlite, &columns).complete() {
                Ok(())
            } else {
                Err(refuse("a SQLite database without the STAN tables"))
            }
        }
        other => Err(refuse(other)),
    }
}
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn to_sql<'a>(v: &Val<'a>) -> std::result::Result<ToSqlOutput<'a>, SqlError> {
    Ok(ToSqlOutput::Borrowed(match *v {
        Val::Null => ValueRef::Null,
        Val::Int(i) => ValueRef::Integer(i),
        Val::UInt(u) => ValueRef::Integer(i64::try_from(u).map_err(|_| SqlError::OutOfRange {
            value: u.to_string(),
            target: "SQLite's 64-bit integers",
        })?),
        Val::Bool(b) => ValueRef::Integer(i64::from(b)),
        Val::Bytes(b) => ValueRef::Blob(b),
        Val::Text(t) => ValueRef::Text(t.as_bytes()),
    }))
}

impl LiteTarget {
    pub(crate) fn open(dsn: &SqliteDsn, force: bool) -> Result<LiteTarget> {
        let location = format!("sqlite {}", dsn.redacted());
        let target = file_path(dsn).map_err(|e| sql_err(&location, e))?;
        if occupied(&target)? && !force {
            return Err(sql_err(
                &location,
                format!(
                    "the target file exists and is not empty ({}); refusing to replace it without force",
                    safe_fs::describe(&target)?
                ),
            ));
        }
        if force {
            ensure_replaceable(&target, &location)?;
        }
        // A journal or WAL left next to the target would be applied to the
        // new file by the next opener.
        for suffix in ["-journal", "-wal"] {
            let side = with_suffix(&target, suffix);
            if occupied(&side)? {
                return Err(sql_err(
                    &location,
                    format!(
                        "{} exists: a process may have the database open, or it was not closed cleanly; \
                         open it once with sqlite3 (or remove the file) first",
                        side.display()
                    ),
                ));
            }
        }
        partial::remove_dead(&target);
        let tmp = partial::partial_path(&target, Some(NEXT_TMP.fetch_add(1, Ordering::Relaxed)));
        partial::register(&tmp);
        match fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&tmp, e)),
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&tmp, flags).map_err(|e| {
            sql_err(
                format!("{location} (temporary file {})", tmp.display()),
                format!("cannot create: {e}"),
            )
        })?;
        let mut t = LiteTarget {
            conn: Some(conn),
            target,
            tmp,
            force,
            location,
            inserts: HashMap::new(),
            committed: false,
        };
        t.setup()?;
        Ok(t)
    }

    fn conn(&self) -> Result<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| sql_err(&self.location, "connection already closed"))
    }

    fn setup(&mut self) -> Result<()> {
        let loc = self.location.clone();
        let conn = self.conn()?;
        // The file is thrown away on failure, so it needs no journal; it
        // is synced once before the rename.
        conn.pragma_update_and_check(None, "journal_mode", "OFF", |r| r.get::<_, String>(0))
            .map_err(|e| sql_err(&loc, format!("PRAGMA journal_mode: {e}")))?;
        conn.pragma_update(None, "synchronous", "OFF")
            .map_err(|e| sql_err(&loc, format!("PRAGMA synchronous: {e}")))?;
        conn.execute_batch("BEGIN EXCLUSIVE")
            .map_err(|e| sql_err(&loc, format!("BEGIN: {e}")))?;
        for stmt in statements(SQLITE_SCHEMA) {
            conn.execute_batch(stmt)
                .map_err(|e| sql_err(&loc, format!("{stmt}: {e}")))?;
        }
        for table in Table::ALL {
            let cols: Vec<String> = table.columns().iter().map(|c| format!("\"{c}\"")).collect();
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            self.inserts.insert(
                table,
                format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    table.name(),
                    cols.join(", "),
                    marks.join(", ")
                ),
            );
        }
        Ok(())
    }
}

impl Target for LiteTarget {
    fn empty_list(&self) -> Val<'static> {
        Val::Null
    }

    fn insert(&mut self, table: Table, row: &[Val<'_>]) -> Result<()> {
        let loc = || row_location(&self.location, table, row);
        let sql = self
            .inserts
            .get(&table)
            .ok_or_else(|| sql_err(loc(), "table not prepared"))?;
        // A large value goes in as a zeroblob and is then written in place
        // with incremental blob I/O: bound as it is, SQLite would copy it
        // and build the record from it, holding it twice more.
        let mut long = Vec::new();
        let mut params = Vec::with_capacity(row.len());
        for (i, v) in row.iter().enumerate() {
            match v {
                Val::Bytes(b) if b.len() > LONG_VALUE => {
                    let n = i32::try_from(b.len()).map_err(|_| {
                        sql_err(
                            loc(),
                            format!("a value of {} bytes, more than SQLite stores", b.len()),
                        )
                    })?;
                    params.push(ToSqlOutput::ZeroBlob(n));
                    long.push((i, *b));
                }
                v => params.push(to_sql(v).map_err(|e| sql_err(loc(), e))?),
            }
        }
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(sql)
            .map_err(|e| sql_err(loc(), e.to_string()))?;
        stmt.execute(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| sql_err(loc(), e.to_string()))?;
        let rowid = conn.last_insert_rowid();
        for (i, bytes) in long {
            let column = table.columns().get(i).copied().unwrap_or_default();
            let mut blob = conn
                .blob_open(DatabaseName::Main, table.name(), column, rowid, false)
                .map_err(|e| sql_err(loc(), format!("column {column}: {e}")))?;
            blob.write_at(bytes, 0)
                .map_err(|e| sql_err(loc(), format!("column {column}: {e}")))?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let loc = self.location.clone();
        let conn = self
            .conn
            .take()
            .ok_or_else(|| sql_err(&loc, "connection already closed"))?;
        // Statistics (sqlite_stat1) for the first reader's plans.
        conn.execute_batch("ANALYZE")
            .map_err(|e| sql_err(&loc, format!("ANALYZE failed: {e}")))?;
        conn.execute_batch("COMMIT")
            .map_err(|e| sql_err(&loc, format!("commit failed: {e}")))?;
        conn.close()
            .map_err(|(_, e)| sql_err(&loc, format!("close failed: {e}")))?;
        File::open(&self.tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io(&self.tmp, e))?;
        // Someone may have created or replaced the target meanwhile.
        if !self.force && occupied(&self.target)? {
            return Err(sql_err(
                &loc,
                "the target file appeared while the store was written; not replacing it without force",
            ));
        }
        if self.force {
            ensure_replaceable(&self.target, &loc)?;
        }
        fs::rename(&self.tmp, &self.target).map_err(|e| StoreError::io(&self.target, e))?;
        partial::forget(&self.tmp);
        self.committed = true;
        if let Some(dir) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Best effort: make the rename itself durable.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for LiteTarget {
    fn drop(&mut self) {
        drop(self.conn.take());
        if !self.committed {
            partial::remove(&self.tmp);
            partial::forget(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(source: &str) -> std::result::Result<PathBuf, DsnError> {
        file_path(&SqliteDsn::parse(source)?)
    }

    #[test]
    fn paths_from_sources() {
        assert_eq!(path_of("a/b.db").unwrap(), PathBuf::from("a/b.db"));
        assert_eq!(
            path_of("file:a%20b.db?mode=rwc").unwrap(),
            PathBuf::from("a b.db")
        );
        assert_eq!(
            path_of("file:///var/x.db").unwrap(),
            PathBuf::from("/var/x.db")
        );
        assert_eq!(
            path_of("file://localhost/var/x.db").unwrap(),
            PathBuf::from("/var/x.db")
        );
        assert_eq!(path_of(":memory:"), Err(DsnError::SqliteInMemory));
        assert_eq!(
            path_of("file:x.db?mode=memory"),
            Err(DsnError::SqliteInMemory)
        );
        assert_eq!(
            path_of("file://host/x.db"),
            Err(DsnError::SqliteUriAuthority("host".into()))
        );
    }
}
