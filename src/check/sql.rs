//! Check of a SQL store (FORMAT.md section 4): the actual tables, columns
//! and types against the statements every server version prepares at
//! start-up (4.9-4.10), rows no server ever reads again (orphans), and the
//! recovery the server would do (through [`crate::sqlstore::SqlReader`]).
//!
//! Compatibility is decided the way the server decides it: each version's
//! statements are prepared (never executed) on the database, and the first
//! one that fails is the error that version would stop with. The column
//! analysis then names the missing column and the statement that adds it.
//!
//! `stanctl sql upgrade` ([`upgrade_plan`], [`apply_upgrade`]) is the one
//! place that writes: it adds what the current schema lacks.

use std::collections::BTreeMap;
use std::time::Duration;

use prost::Message as _;
use serde::Serialize;

use super::compat::{v, Constraint, Verdict, Version};
use super::statements::{eras, statements, Dialect, Statement};
use super::{Finding, Severity, Stats};
use crate::crypto::likely_envelope;
use crate::error::{Result, StoreError};
use crate::proto::{self, MsgProto};
use crate::sqlstore::dsn::Dsn;
use crate::sqlstore::schema::{COLUMNS, TABLES};
use crate::sqlstore::SqlDriver;
use crate::store::StoreReader;

/// Rows per page when reading messages (`--deep`).
const PAGE: u64 = 1000;
/// Rows listed per orphan query.
const SAMPLE: u64 = 20;
/// How long to wait to see whether the StoreLock tick moves.
const LOCK_RECHECK: Duration = Duration::from_millis(1500);

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
}

/// A table as found in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSchema {
    /// The server's name for it.
    pub table: String,
    /// The name in the database (case may differ).
    pub actual: String,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone)]
pub struct SqlCheckOptions {
    pub deep: bool,
    /// The version `--server-version` asks about; schema problems that
    /// stop it are errors.
    pub target: Option<Version>,
}

#[derive(Debug, Clone, Default)]
pub struct SqlCheck {
    pub findings: Vec<Finding>,
    pub constraints: Vec<Constraint>,
    pub notes: Vec<String>,
    pub stats: Stats,
    pub schema: Vec<TableSchema>,
    pub source: String,
    pub cluster_id: Option<String>,
}

// ------------------------------------------------------------ connection

/// A value as the drivers give it.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Int(i128),
    Bytes(Vec<u8>),
}

impl Val {
    fn int(&self) -> Option<i128> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
            Val::Null => None,
        }
    }

    fn u64(&self) -> u64 {
        self.int().and_then(|i| u64::try_from(i).ok()).unwrap_or(0)
    }

    fn text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Int(i) => i.to_string(),
            Val::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        }
    }

    fn bytes(self) -> Vec<u8> {
        match self {
            Val::Bytes(b) => b,
            Val::Int(i) => i.to_string().into_bytes(),
            Val::Null => Vec::new(),
        }
    }
}

/// One connection, per driver. Errors are formatted as the Go drivers
/// format them (`Error 1054: ...`, `pq: ...`), as they appear in the
/// server's log.
pub(crate) enum Db {
    Pg(Box<postgres::Client>),
    My(Box<mysql::Conn>),
    Lite(Box<rusqlite::Connection>),
}

fn my_err(e: mysql::Error) -> String {
    crate::sqlstore::my::error_text(&e)
}

fn pg_err(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("pq: {}", db.message()),
        None => e.to_string(),
    }
}

fn pg_val(row: &postgres::Row, i: usize) -> Val {
    use postgres::types::Type;
    let ty = row.columns()[i].type_().clone();
    let int = |v: Option<i128>| v.map_or(Val::Null, Val::Int);
    if ty == Type::INT2 {
        int(row
            .try_get::<_, Option<i16>>(i)
            .ok()
            .flatten()
            .map(i128::from))
    } else if ty == Type::INT4 {
        int(row
            .try_get::<_, Option<i32>>(i)
            .ok()
            .flatten()
            .map(i128::from))
    } else if ty == Type::INT8 {
        int(row
            .try_get::<_, Option<i64>>(i)
            .ok()
            .flatten()
            .map(i128::from))
    } else if ty == Type::BOOL {
        int(row
            .try_get::<_, Option<bool>>(i)
            .ok()
            .flatten()
            .map(i128::from))
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)
            .ok()
            .flatten()
            .map_or(Val::Null, Val::Bytes)
    } else {
        row.try_get::<_, Option<String>>(i)
            .ok()
            .flatten()
            .map_or(Val::Null, |s| Val::Bytes(s.into_bytes()))
    }
}

impl Db {
    /// Connect. `writable` only for `sql upgrade --apply`.
    pub(crate) fn connect(driver: SqlDriver, source: &str, writable: bool) -> Result<(Db, String)> {
        let dsn = Dsn::parse(driver, source)?;
        let shown = dsn.redacted();
        let fail = |m: String| StoreError::Sql {
            location: format!("{driver} {shown}"),
            message: match dsn.password() {
                Some(p) if p.len() >= 3 => m.replace(p, "***"),
                _ => m,
            },
        };
        let db = match &dsn {
            Dsn::Postgres(d) => {
                let client = d
                    .config()?
                    .connect(postgres::NoTls)
                    .map_err(|e| fail(format!("cannot connect: {}", pg_err(&e))))?;
                Db::Pg(Box::new(client))
            }
            Dsn::Mysql(d) => {
                let conn = mysql::Conn::new(d.opts()?)
                    .map_err(|e| fail(format!("cannot connect: {}", my_err(e))))?;
                Db::My(Box::new(conn))
            }
            Dsn::Sqlite(d) => {
                use rusqlite::OpenFlags;
                let mut flags = if writable {
                    OpenFlags::SQLITE_OPEN_READ_WRITE
                } else {
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                };
                flags |= OpenFlags::SQLITE_OPEN_NO_MUTEX;
                if d.uri {
                    flags |= OpenFlags::SQLITE_OPEN_URI;
                }
                if !d.uri && !std::path::Path::new(&d.path).is_file() {
                    return Err(fail("no such file".into()));
                }
                let conn = rusqlite::Connection::open_with_flags(&d.path, flags)
                    .map_err(|e| fail(format!("cannot open: {e}")))?;
                if !writable {
                    conn.pragma_update(None, "query_only", true)
                        .map_err(|e| fail(format!("cannot set query_only: {e}")))?;
                }
                Db::Lite(Box::new(conn))
            }
        };
        Ok((db, shown))
    }

    fn query(&mut self, sql: &str) -> std::result::Result<Vec<Vec<Val>>, String> {
        match self {
            Db::Pg(c) => {
                let rows = c.query(sql, &[]).map_err(|e| pg_err(&e))?;
                Ok(rows
                    .iter()
                    .map(|r| (0..r.len()).map(|i| pg_val(r, i)).collect())
                    .collect())
            }
            Db::My(c) => {
                use mysql::prelude::Queryable;
                let rows: Vec<mysql::Row> = c.exec(sql, ()).map_err(my_err)?;
                Ok(rows
                    .into_iter()
                    .map(|mut r| {
                        (0..r.len())
                            .map(|i| match r.take::<mysql::Value, _>(i) {
                                Some(mysql::Value::Int(v)) => Val::Int(i128::from(v)),
                                Some(mysql::Value::UInt(v)) => Val::Int(i128::from(v)),
                                Some(mysql::Value::Bytes(b)) => Val::Bytes(b),
                                Some(mysql::Value::NULL) | None => Val::Null,
                                Some(other) => Val::Bytes(format!("{other:?}").into_bytes()),
                            })
                            .collect()
                    })
                    .collect())
            }
            Db::Lite(c) => {
                use rusqlite::types::ValueRef;
                let mut stmt = c.prepare(sql).map_err(|e| e.to_string())?;
                let n = stmt.column_count();
                let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
                let mut out = Vec::new();
                while let Some(r) = rows.next().map_err(|e| e.to_string())? {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        row.push(match r.get_ref(i).map_err(|e| e.to_string())? {
                            ValueRef::Null => Val::Null,
                            ValueRef::Integer(v) => Val::Int(i128::from(v)),
                            ValueRef::Real(f) => Val::Bytes(f.to_string().into_bytes()),
                            ValueRef::Text(t) | ValueRef::Blob(t) => Val::Bytes(t.to_vec()),
                        });
                    }
                    out.push(row);
                }
                Ok(out)
            }
        }
    }

    /// Prepare `sql` as the server does at start-up, and discard it.
    fn prepare(&mut self, sql: &str) -> std::result::Result<(), String> {
        match self {
            Db::Pg(c) => c.prepare(sql).map(drop).map_err(|e| pg_err(&e)),
            Db::My(c) => {
                use mysql::prelude::Queryable;
                let stmt = c.prep(sql).map_err(my_err)?;
                c.close(stmt).map_err(my_err)
            }
            Db::Lite(c) => c.prepare(sql).map(drop).map_err(|e| e.to_string()),
        }
    }

    pub(crate) fn execute(&mut self, sql: &str) -> std::result::Result<(), String> {
        match self {
            Db::Pg(c) => c.batch_execute(sql).map_err(|e| pg_err(&e)),
            Db::My(c) => {
                use mysql::prelude::Queryable;
                c.query_drop(sql).map_err(my_err)
            }
            Db::Lite(c) => c.execute_batch(sql).map_err(|e| e.to_string()),
        }
    }

    /// Every column of the current database/schema: (table, column, type).
    fn columns(&mut self) -> std::result::Result<Vec<(String, String, String)>, String> {
        let sql = match self {
            Db::Pg(_) => "SELECT table_name::text, column_name::text, \
                 CASE WHEN character_maximum_length IS NULL THEN data_type::text \
                 ELSE data_type::text || '(' || character_maximum_length::text || ')' END \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 ORDER BY table_name, ordinal_position",
            Db::My(_) => "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
            Db::Lite(_) => "SELECT m.name, p.name, p.type FROM sqlite_schema AS m, pragma_table_info(m.name) AS p \
                 WHERE m.type = 'table' ORDER BY m.name, p.cid",
        };
        Ok(self
            .query(sql)?
            .into_iter()
            .map(|r| {
                let mut it = r.into_iter();
                let mut next = || it.next().unwrap_or(Val::Null).text();
                let t = next();
                let c = next();
                let ty = next();
                (t, c, ty)
            })
            .collect())
    }

    fn quote(&self, ident: &str) -> String {
        match self {
            Db::My(_) => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// `(id, tick)` rows of StoreLock.
    fn lock_rows(&mut self, table: &str) -> std::result::Result<Vec<(String, u64)>, String> {
        let sql = format!("SELECT id, tick FROM {}", self.quote(table));
        Ok(self
            .query(&sql)?
            .into_iter()
            .map(|r| {
                let id = r.first().map(Val::text).unwrap_or_default();
                let tick = r.get(1).map_or(0, Val::u64);
                (id, tick)
            })
            .collect())
    }
}

// ------------------------------------------------------------ schema model

/// Column types of the current upstream scripts (for `ALTER TABLE ... ADD`).
fn column_type(driver: SqlDriver, table: &str, column: &str) -> &'static str {
    let blob = match driver {
        SqlDriver::Postgres => "BYTEA",
        _ => "BLOB",
    };
    let ubig = match driver {
        SqlDriver::Mysql => "BIGINT UNSIGNED",
        _ => "BIGINT",
    };
    match (table, column) {
        (_, "proto") | (_, "data") | (_, "pending") | (_, "acks") => blob,
        ("ServerInfo", "id") | ("Clients", "id") | ("Channels", "name") => "VARCHAR(1024)",
        ("StoreLock", "id") => "VARCHAR(30)",
        ("Clients", "hbinbox") => "TEXT",
        ("Channels", "deleted") | ("Subscriptions", "deleted") => "BOOL DEFAULT FALSE",
        ("Channels", "maxseq") => match driver {
            SqlDriver::Mysql => "BIGINT UNSIGNED DEFAULT 0",
            _ => "BIGINT DEFAULT 0",
        },
        ("Channels", "maxmsgs") => "INTEGER DEFAULT 0",
        ("Channels", "maxbytes") | ("Channels", "maxage") => "BIGINT DEFAULT 0",
        ("Messages", "timestamp") => "BIGINT",
        ("Messages", "seq")
        | ("Subscriptions", "subid")
        | ("SubsPending", "subid")
        | ("SubsPending", "row") => ubig,
        ("Subscriptions", "lastsent")
        | ("SubsPending", "seq")
        | ("SubsPending", "lastsent")
        | ("StoreLock", "tick") => match driver {
            SqlDriver::Mysql => "BIGINT UNSIGNED DEFAULT 0",
            _ => "BIGINT DEFAULT 0",
        },
        ("ServerInfo", "uniquerow") => "INTEGER DEFAULT 1",
        _ => "INTEGER",
    }
}

/// The columns that hold protobufs or JSON lists must be binary-safe.
fn is_blob_column(column: &str) -> bool {
    matches!(column, "proto" | "data" | "pending" | "acks")
}

fn is_binary_type(ty: &str) -> bool {
    let t = ty.to_ascii_lowercase();
    t.contains("blob") || t.contains("bytea") || t.contains("binary")
}

/// The `CREATE TABLE` of `table` (and its indexes) in stanctl's schema for
/// `driver`.
fn create_statements(driver: SqlDriver, table: &str) -> Vec<String> {
    use crate::sqlstore::schema::{MYSQL_SCHEMA, POSTGRES_SCHEMA, SQLITE_SCHEMA};
    let script = match driver {
        SqlDriver::Postgres => POSTGRES_SCHEMA,
        SqlDriver::Mysql => MYSQL_SCHEMA,
        SqlDriver::Sqlite => SQLITE_SCHEMA,
    };
    let create = format!("CREATE TABLE IF NOT EXISTS {table} (");
    let index = format!(" ON {table} (");
    script
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(&create) || (l.starts_with("CREATE INDEX") && l.contains(&index)))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

/// `(column lower-cased, type)` of a table.
type Columns = Vec<(String, String)>;

/// The server's table names resolved against the catalog.
struct Catalog {
    /// server name -> (actual name, columns)
    tables: BTreeMap<&'static str, (String, Columns)>,
}

impl Catalog {
    fn build(columns: &[(String, String, String)]) -> Catalog {
        let mut by_table: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (t, c, ty) in columns {
            by_table
                .entry(t.clone())
                .or_default()
                .push((c.to_ascii_lowercase(), ty.clone()));
        }
        let mut tables = BTreeMap::new();
        for want in TABLES {
            let found = by_table
                .keys()
                .find(|t| t.as_str() == want)
                .or_else(|| by_table.keys().find(|t| t.eq_ignore_ascii_case(want)))
                .cloned();
            if let Some(actual) = found {
                let cols = by_table.get(&actual).cloned().unwrap_or_default();
                tables.insert(want, (actual, cols));
            }
        }
        Catalog { tables }
    }

    fn has(&self, table: &str, column: &str) -> bool {
        self.tables
            .get(table)
            .is_some_and(|(_, cols)| cols.iter().any(|(c, _)| c == column))
    }

    fn column_type(&self, table: &str, column: &str) -> Option<&str> {
        self.tables.get(table).and_then(|(_, cols)| {
            cols.iter()
                .find(|(c, _)| c == column)
                .map(|(_, t)| t.as_str())
        })
    }

    fn actual(&self, table: &str) -> Option<&str> {
        self.tables.get(table).map(|(a, _)| a.as_str())
    }
}

/// What the current schema (v0.10.0+) lacks, as statements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpgradePlan {
    pub driver: String,
    pub source: String,
    pub statements: Vec<String>,
    /// Problems an ALTER cannot fix.
    pub manual: Vec<String>,
    /// Whether the statements run in one transaction.
    pub transactional: bool,
}

fn plan_from(catalog: &Catalog, driver: SqlDriver) -> (Vec<String>, Vec<String>) {
    let mut stmts = Vec::new();
    let mut manual = Vec::new();
    for (table, cols) in COLUMNS {
        if catalog.actual(table).is_none() {
            stmts.extend(create_statements(driver, table));
            continue;
        }
        for col in cols.iter() {
            if catalog.has(table, col) {
                continue;
            }
            if table == "Messages" {
                manual.push(format!(
                    "Messages lacks column {col}: the server inserts without a column list, so the table must be \
                     recreated with exactly (id, seq, timestamp, size, data)"
                ));
                continue;
            }
            let name = if *col == "row" && driver == SqlDriver::Mysql {
                "`row`".to_string()
            } else {
                col.to_string()
            };
            stmts.push(format!(
                "ALTER TABLE {table} ADD {name} {}",
                column_type(driver, table, col)
            ));
        }
    }
    if let Some((_, cols)) = catalog.tables.get("Messages") {
        let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
        if names.len() == 5 && names != ["id", "seq", "timestamp", "size", "data"] {
            manual.push(format!(
                "Messages columns are ({}): the server's INSERT INTO Messages VALUES (?, ?, ?, ?, ?) needs \
                 (id, seq, timestamp, size, data) in this order",
                names.join(", ")
            ));
        }
    }
    (stmts, manual)
}

// ------------------------------------------------------------ check

struct Checker {
    db: Db,
    driver: SqlDriver,
    dialect: Option<Dialect>,
    catalog: Catalog,
    opts: SqlCheckOptions,
    out: SqlCheck,
}

/// Check the SQL store `source`. Errors when it cannot be reached or holds
/// no STAN table at all.
pub fn check(driver: SqlDriver, source: &str, opts: &SqlCheckOptions) -> Result<SqlCheck> {
    let (mut db, shown) = Db::connect(driver, source, false)?;
    let columns = db.columns().map_err(|e| StoreError::Sql {
        location: format!("{driver} {shown}"),
        message: format!("cannot list the tables: {e}"),
    })?;
    let catalog = Catalog::build(&columns);
    if catalog.tables.is_empty() {
        return Err(StoreError::Sql {
            location: format!("{driver} {shown}"),
            message: format!(
                "not a STAN SQL store: none of the tables {} exists",
                TABLES.join(", ")
            ),
        });
    }
    let dialect = match driver {
        SqlDriver::Postgres => Some(Dialect::Postgres),
        SqlDriver::Mysql => Some(Dialect::Mysql),
        SqlDriver::Sqlite => None,
    };
    let mut c = Checker {
        db,
        driver,
        dialect,
        catalog,
        opts: opts.clone(),
        out: SqlCheck {
            source: shown,
            ..SqlCheck::default()
        },
    };
    c.schema();
    c.versions();
    c.data();
    if opts.deep {
        c.deep();
    }
    c.recovery(source);
    Ok(c.out)
}

impl Checker {
    fn push(&mut self, f: Finding) {
        self.out.findings.push(f);
    }

    /// Severity of a schema problem that stops versions `[from, until)`.
    fn schema_severity(&self, from: &Version, until: Option<&Version>) -> Severity {
        match &self.opts.target {
            Some(t) if t >= from && until.is_none_or(|u| t < u) => Severity::Error,
            _ => Severity::Warning,
        }
    }

    fn schema(&mut self) {
        for (table, cols) in COLUMNS {
            let Some((actual, have)) = self.catalog.tables.get(table).cloned() else {
                let mut f = Finding::at_table(Severity::Error, "schema.table_missing", table, None)
                    .msg(format!("table {table} missing"))
                    .expected(format!("table {table} ({})", cols.join(", ")))
                    .found("no such table")
                    .server("fails to start: unable to prepare statement (every statement is prepared at start-up)");
                for d in [SqlDriver::Mysql, SqlDriver::Postgres] {
                    f = f.fix(d.name(), create_statements(d, table).join(";\n"));
                }
                self.push(f);
                continue;
            };
            self.out.schema.push(TableSchema {
                table: table.to_string(),
                actual: actual.clone(),
                columns: have
                    .iter()
                    .map(|(n, t)| Column {
                        name: n.clone(),
                        data_type: t.clone(),
                    })
                    .collect(),
            });
            if actual != table && self.driver == SqlDriver::Mysql {
                self.push(
                    Finding::at_table(Severity::Warning, "schema.table_case", table, None)
                        .msg(format!("table is named {actual:?}; the server's statements say {table}"))
                        .expected(table.to_string())
                        .found(actual.clone())
                        .server("MySQL table names are case-sensitive on Linux: the server's statements may not find it"),
                );
            }
            for col in cols.iter() {
                let Some(ty) = self.catalog.column_type(table, col).map(str::to_string) else {
                    if table == "Clients" && *col == "proto" {
                        continue; // reported with the version analysis
                    }
                    let mut f =
                        Finding::at_table(Severity::Error, "schema.column_missing", table, None)
                            .msg(format!("column {table}.{col} missing"))
                            .expected(format!("column {col}"))
                            .found(format!(
                                "columns {}",
                                have.iter()
                                    .map(|(c, _)| c.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                            .server("fails to start: unable to prepare statement");
                    if table != "Messages" {
                        for d in [SqlDriver::Mysql, SqlDriver::Postgres] {
                            f = f.fix(
                                d.name(),
                                format!(
                                    "ALTER TABLE {table} ADD {col} {}",
                                    column_type(d, table, col)
                                ),
                            );
                        }
                    }
                    self.push(f);
                    continue;
                };
                if is_blob_column(col) && !is_binary_type(&ty) {
                    self.push(
                        Finding::at_table(Severity::Warning, "schema.column_type", table, None)
                            .msg(format!("{table}.{col} is {ty}, not a binary type"))
                            .expected(format!("{} (binary)", column_type(self.driver, table, col)))
                            .found(ty.clone())
                            .server(
                                "stores protobuf bytes in it: a text type may reject or alter them",
                            ),
                    );
                }
            }
            if table == "Messages" {
                let names: Vec<&str> = have.iter().map(|(c, _)| c.as_str()).collect();
                if names != ["id", "seq", "timestamp", "size", "data"] {
                    self.push(
                        Finding::at_table(Severity::Error, "schema.messages_columns", table, None)
                            .msg("Messages must have exactly five columns in this order")
                            .expected("(id, seq, timestamp, size, data)")
                            .found(format!("({})", names.join(", ")))
                            .server("INSERT INTO Messages VALUES (?, ?, ?, ?, ?) fails to prepare, or fills the wrong columns"),
                    );
                }
            }
        }
        if self.driver == SqlDriver::Sqlite {
            self.out.notes.push(
                "SQLite is a stanctl extension (same tables); no nats-streaming-server version opens it: migrate it to PostgreSQL, MySQL or a file store".into(),
            );
        }
    }

    /// Prepare every statement of every version, as the server would.
    fn versions(&mut self) {
        self.out.constraints.push(super::compat::sql_store());
        let Some(dialect) = self.dialect else {
            self.out.constraints.push(super::compat::sqlite_store());
            return;
        };
        let eras = eras();
        // eras() is newest first: era i covers [start_i, start_{i-1}).
        let mut failures: Vec<(Version, Option<Version>, String, Statement, String)> = Vec::new();
        for (i, (start, label)) in eras.iter().enumerate() {
            let until = if i == 0 {
                None
            } else {
                Some(eras[i - 1].0.clone())
            };
            let list = statements(start, dialect);
            for stmt in list {
                if let Err(e) = self.db.prepare(&stmt.sql) {
                    failures.push((start.clone(), until.clone(), label.to_string(), stmt, e));
                    break; // the server stops at the first failure
                }
            }
        }
        for (start, until, _, stmt, err) in &failures {
            let reason = format!("unable to prepare statement {:?}: {err}", stmt.sql);
            self.out.constraints.push(Constraint {
                from: Some(start.clone()),
                until: until.clone(),
                verdict: Verdict::Incompatible,
                reason,
            });
        }
        // Name the cause: the missing Clients.proto column.
        if !self.catalog.has("Clients", "proto") && self.catalog.actual("Clients").is_some() {
            let failing = statements(&v("0.25.6"), dialect)
                .into_iter()
                .find(|s| s.name == "sqlAddClient")
                .map(|s| s.sql)
                .unwrap_or_default();
            let driver_error = failures
                .iter()
                .find(|f| f.0 >= v("0.10.0"))
                .map(|f| f.4.clone())
                .unwrap_or_default();
            let sev = self.schema_severity(&v("0.10.0"), None);
            self.push(
                Finding::at_table(sev, "schema.clients_proto_missing", "Clients", None)
                    .msg(format!(
                        "column Clients.proto missing (schema created for a server before v0.10.0): v0.10.0 and later \
                         fail to start with: unable to prepare statement {failing:?}: {driver_error}"
                    ))
                    .expected("Clients (id, hbinbox, proto)")
                    .found("Clients (id, hbinbox)")
                    .server(format!(
                        "v0.10.0+ refuse to start (statement #6 sqlAddClient: {failing}); v0.7.0 - v0.9.2 work"
                    ))
                    .fix("mysql", "ALTER TABLE Clients ADD proto BLOB")
                    .fix("postgres", "ALTER TABLE Clients ADD proto BYTEA"),
            );
        }
        // Any other era failure that is not explained above.
        for (start, until, label, stmt, err) in &failures {
            if *start >= v("0.10.0") && !self.catalog.has("Clients", "proto") {
                continue;
            }
            let sev = self.schema_severity(start, until.as_ref());
            self.push(
                Finding::at_table(sev, "schema.statement_fails", stmt_table(&stmt.sql), None)
                    .msg(format!(
                        "servers {label} cannot prepare statement #{} {}: {err}",
                        stmt.index, stmt.name
                    ))
                    .expected(format!("{:?} prepares", stmt.sql))
                    .found(err.clone())
                    .server(format!(
                        "{label}: fail to start: unable to prepare statement {:?}",
                        stmt.sql
                    )),
            );
        }
    }

    /// Runs a check query. A query the database refuses is an error
    /// finding naming the table, what was being checked and the query:
    /// never "no problems found".
    fn rows(&mut self, table: &'static str, what: &str, sql: &str) -> Option<Vec<Vec<Val>>> {
        match self.db.query(sql) {
            Ok(rows) => Some(rows),
            Err(e) => {
                self.push(
                    Finding::at_table(Severity::Error, "sql.query_failed", table, None)
                        .msg(format!("cannot check {what}: {e} (query: {sql})"))
                        .expected("a query the database runs")
                        .found(e)
                        .server("-"),
                );
                None
            }
        }
    }

    /// The first column of the first row of a check query (see [`Self::rows`]).
    fn scalar(&mut self, table: &'static str, what: &str, sql: &str) -> Option<i128> {
        self.rows(table, what, sql)?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .and_then(|v| v.int())
    }

    fn t(&self, table: &str) -> Option<String> {
        self.catalog.actual(table).map(|a| self.db.quote(a))
    }

    fn data(&mut self) {
        let (Some(ch), Some(m), Some(si)) =
            (self.t("Channels"), self.t("Messages"), self.t("ServerInfo"))
        else {
            return;
        };
        let channels = self
            .scalar(
                "Channels",
                "the channels",
                &format!("SELECT COUNT(*) FROM {ch}"),
            )
            .unwrap_or(0);
        let max_id = self
            .scalar(
                "Channels",
                "the channel ids",
                &format!("SELECT COALESCE(MAX(id), 0) FROM {ch}"),
            )
            .unwrap_or(0);
        self.out.stats.channels = u64::try_from(channels).unwrap_or(0);
        let msgs = self
            .scalar(
                "Messages",
                "the messages",
                &format!("SELECT COUNT(*) FROM {m}"),
            )
            .unwrap_or(0);
        self.out.stats.records = u64::try_from(msgs).unwrap_or(0);
        // ServerInfo.
        if let Some(rows) = self.rows(
            "ServerInfo",
            "the server information",
            &format!("SELECT id, proto, version FROM {si}"),
        ) {
            self.server_info(rows, channels, max_id);
        }
        self.orphans();
        self.data_column();
        self.encryption_sample();
    }

    /// The `ServerInfo` rows against what the server requires.
    fn server_info(&mut self, rows: Vec<Vec<Val>>, channels: i128, max_id: i128) {
        if rows.is_empty() {
            if max_id > 0 {
                self.push(
                    Finding::at_table(Severity::Warning, "server.missing_with_channels", "ServerInfo", None)
                        .msg(format!("no ServerInfo row, but Channels has {channels} rows (MAX(id) = {max_id})"))
                        .expected("one row (uniquerow = 1)")
                        .found("no row")
                        .server("v0.25.0+: writes new server information and recovers the channels; before v0.25.0: starts empty, ignoring them"),
                );
                self.out.constraints.push(Constraint::before(
                    "0.25.0",
                    Verdict::Incompatible,
                    "no ServerInfo row but channels exist: servers before v0.25.0 start empty and ignore them",
                ));
                self.out.constraints.push(Constraint::since(
                    "0.25.0",
                    Verdict::Caveats,
                    "no ServerInfo row but channels exist: v0.25.0+ writes new server information and recovers them",
                ));
            }
        } else {
            if rows.len() > 1 {
                self.push(
                    Finding::at_table(Severity::Warning, "server.rows", "ServerInfo", None)
                        .msg(format!("{} rows", rows.len()))
                        .expected("one row")
                        .found(format!("{} rows", rows.len()))
                        .server("reads the row with uniquerow = 1"),
                );
            }
            let mut row = rows.into_iter().next().unwrap_or_default().into_iter();
            let id = row.next().unwrap_or(Val::Null).text();
            let proto_bytes = row.next().unwrap_or(Val::Null).bytes();
            let version = row.next().unwrap_or(Val::Null).int();
            if version != Some(1) {
                self.push(
                    Finding::at_table(
                        Severity::Error,
                        "server.version",
                        "ServerInfo",
                        Some("uniquerow=1".into()),
                    )
                    .msg(format!("version is {version:?}"))
                    .expected("1")
                    .found(format!("{version:?}"))
                    .server("refuses to start (sql: unsupported version)"),
                );
            }
            match proto::ServerInfo::decode(proto_bytes.as_slice()) {
                Ok(info) => {
                    let cluster = proto::text(&info.cluster_id);
                    if cluster != id {
                        self.push(
                            Finding::at_table(Severity::Error, "server.id_mismatch", "ServerInfo", Some("uniquerow=1".into()))
                                .msg(format!("id column {id:?} does not match the cluster id {cluster:?} in proto"))
                                .expected(cluster.clone())
                                .found(id.clone())
                                .server("refuses to start (sql: id in column does not match cluster ID in data)"),
                        );
                    }
                    if !info.node_id.is_empty() {
                        self.out.notes.push(format!(
                            "written by a clustered server (node id {}): clients and subscriptions live in its Raft log",
                            proto::text(&info.node_id)
                        ));
                    }
                    self.out.cluster_id = Some(cluster);
                }
                Err(e) => self.push(
                    Finding::at_table(
                        Severity::Error,
                        "record.decode",
                        "ServerInfo",
                        Some("uniquerow=1".into()),
                    )
                    .msg(format!("proto does not decode: {e}"))
                    .expected("a spb.ServerInfo protobuf")
                    .found(format!("{} bytes", proto_bytes.len()))
                    .server("refuses to start"),
                ),
            }
        }
    }

    fn orphans(&mut self) {
        let (Some(ch), Some(m)) = (self.t("Channels"), self.t("Messages")) else {
            return;
        };
        let q = format!(
            "SELECT m.id, COUNT(*) FROM {m} m LEFT JOIN {ch} c ON c.id = m.id WHERE c.id IS NULL GROUP BY m.id ORDER BY m.id LIMIT {SAMPLE}"
        );
        for r in self
            .rows("Messages", "orphan messages", &q)
            .unwrap_or_default()
        {
            let id = r.first().map_or(0, Val::u64);
            let n = r.get(1).map_or(0, Val::u64);
            self.push(
                Finding::at_table(
                    Severity::Warning,
                    "orphan.messages",
                    "Messages",
                    Some(format!("id={id}")),
                )
                .msg(format!(
                    "{n} messages of channel id {id}, which has no Channels row"
                ))
                .expected(format!("a Channels row with id {id}"))
                .found("none")
                .server("never reads them again (channel deleted while they were being purged?)")
                .fix("mysql", format!("DELETE FROM Messages WHERE id={id}"))
                .fix("postgres", format!("DELETE FROM Messages WHERE id={id}")),
            );
        }
        let q = format!(
            "SELECT c.id, c.name, COUNT(*) FROM {ch} c JOIN {m} m ON m.id = c.id WHERE c.deleted = TRUE GROUP BY c.id, c.name ORDER BY c.id LIMIT {SAMPLE}"
        );
        for r in self
            .rows("Channels", "deleted channels with messages", &q)
            .unwrap_or_default()
        {
            let id = r.first().map_or(0, Val::u64);
            let name = r.get(1).map(Val::text).unwrap_or_default();
            let n = r.get(2).map_or(0, Val::u64);
            self.push(
                Finding::at_table(
                    Severity::Warning,
                    "orphan.deleted_channel",
                    "Channels",
                    Some(format!("id={id}")),
                )
                .msg(format!(
                    "channel {name:?} is flagged deleted but {n} of its messages remain"
                ))
                .expected("no rows left for a deleted channel")
                .found(format!("{n} Messages rows"))
                .server("never recovers the channel and never finishes purging it (FORMAT.md 4.7)"),
            );
        }
        if let Some(s) = self.t("Subscriptions") {
            let q = format!(
                "SELECT s.id, COUNT(*) FROM {s} s LEFT JOIN {ch} c ON c.id = s.id WHERE c.id IS NULL GROUP BY s.id ORDER BY s.id LIMIT {SAMPLE}"
            );
            for r in self
                .rows("Subscriptions", "orphan subscriptions", &q)
                .unwrap_or_default()
            {
                let id = r.first().map_or(0, Val::u64);
                let n = r.get(1).map_or(0, Val::u64);
                self.push(
                    Finding::at_table(
                        Severity::Warning,
                        "orphan.subscriptions",
                        "Subscriptions",
                        Some(format!("id={id}")),
                    )
                    .msg(format!(
                        "{n} subscriptions of channel id {id}, which has no Channels row"
                    ))
                    .expected(format!("a Channels row with id {id}"))
                    .found("none")
                    .server("never reads them again"),
                );
            }
            if let Some(p) = self.t("SubsPending") {
                let q = format!(
                    "SELECT p.subid, COUNT(*) FROM {p} p LEFT JOIN {s} s ON s.subid = p.subid WHERE s.subid IS NULL GROUP BY p.subid ORDER BY p.subid LIMIT {SAMPLE}"
                );
                for r in self
                    .rows("SubsPending", "orphan pending rows", &q)
                    .unwrap_or_default()
                {
                    let subid = r.first().map_or(0, Val::u64);
                    let n = r.get(1).map_or(0, Val::u64);
                    self.push(
                        Finding::at_table(
                            Severity::Warning,
                            "orphan.subs_pending",
                            "SubsPending",
                            Some(format!("subid={subid}")),
                        )
                        .msg(format!(
                            "{n} SubsPending rows of subscription {subid}, which no longer exists"
                        ))
                        .expected(format!("a Subscriptions row with subid {subid}"))
                        .found("none")
                        .server("never reads them again")
                        .fix(
                            "mysql",
                            format!("DELETE FROM SubsPending WHERE subid={subid}"),
                        )
                        .fix(
                            "postgres",
                            format!("DELETE FROM SubsPending WHERE subid={subid}"),
                        ),
                    );
                }
            }
        }
    }

    /// MySQL `Messages.data` capacity against the stored sizes; stored
    /// sizes against the data length (a truncated blob).
    fn data_column(&mut self) {
        let Some(m) = self.t("Messages") else { return };
        let len_fn = match self.driver {
            SqlDriver::Postgres => "octet_length",
            _ => "LENGTH",
        };
        let max_len = self
            .scalar(
                "Messages",
                "the largest message",
                &format!("SELECT COALESCE(MAX({len_fn}(data)), 0) FROM {m}"),
            )
            .unwrap_or(0);
        let q = format!(
            "SELECT id, seq, size, {len_fn}(data) FROM {m} WHERE size <> {len_fn}(data) ORDER BY id, seq LIMIT {SAMPLE}"
        );
        for r in self
            .rows("Messages", "message sizes", &q)
            .unwrap_or_default()
        {
            let id = r.first().map_or(0, Val::u64);
            let seq = r.get(1).map_or(0, Val::u64);
            let size = r.get(2).map_or(0, Val::u64);
            let len = r.get(3).map_or(0, Val::u64);
            self.push(
                Finding::at_table(Severity::Error, "data.size_mismatch", "Messages", Some(format!("id={id}, seq={seq}")))
                    .msg(format!("size column says {size} bytes, data holds {len} (truncated by a narrow column?)"))
                    .expected(format!("{size} bytes"))
                    .found(format!("{len} bytes"))
                    .seq(Some(seq))
                    .server("fails to decode the message when it is looked up"),
            );
        }
        if self.driver != SqlDriver::Mysql {
            return;
        }
        let Some(ty) = self
            .catalog
            .column_type("Messages", "data")
            .map(str::to_string)
        else {
            return;
        };
        let Some(cap) = crate::sqlstore::schema::mysql_blob_capacity(&ty) else {
            return;
        };
        let max_len = u64::try_from(max_len).unwrap_or(0);
        if cap < crate::sqlstore::schema::MYSQL_DATA_MIN {
            let sev = if max_len > cap {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(
                Finding::at_table(sev, "schema.data_too_narrow", "Messages", None)
                    .msg(format!(
                        "Messages.data is {ty} ({cap} bytes at most); the largest stored message is {max_len} bytes ({}% of it)",
                        max_len * 100 / cap.max(1)
                    ))
                    .expected("a column that holds the largest message NATS accepts (max_payload, 1 MiB by default)")
                    .found(format!("{ty}: {cap} bytes"))
                    .server("storing a larger message fails (strict SQL mode: Data too long) or is silently truncated")
                    .fix("mysql", crate::sqlstore::schema::MYSQL_WIDEN_DATA),
            );
        }
    }

    fn encryption_sample(&mut self) {
        let Some(m) = self.t("Messages") else { return };
        let q = format!("SELECT data FROM {m} ORDER BY id, seq LIMIT 50");
        for r in self
            .rows("Messages", "payload encryption", &q)
            .unwrap_or_default()
        {
            let data = r.into_iter().next().unwrap_or(Val::Null).bytes();
            if let Ok(msg) = MsgProto::decode(data.as_slice()) {
                if let Some(cipher) = likely_envelope(&msg.data) {
                    self.add_encryption_constraints(cipher.name());
                    return;
                }
            }
        }
    }

    fn add_encryption_constraints(&mut self, cipher: &str) {
        self.out
            .constraints
            .extend(super::compat::encrypted_payloads(cipher, ""));
    }

    /// Decode every message: columns against the protobuf.
    fn deep(&mut self) {
        let Some(m) = self.t("Messages") else { return };
        let mut last: (i128, i128) = (i128::MIN, i128::MIN);
        let mut reported = 0usize;
        loop {
            let q = if last.0 == i128::MIN {
                format!(
                    "SELECT id, seq, timestamp, size, data FROM {m} ORDER BY id, seq LIMIT {PAGE}"
                )
            } else {
                format!(
                    "SELECT id, seq, timestamp, size, data FROM {m} WHERE id > {a} OR (id = {a} AND seq > {b}) ORDER BY id, seq LIMIT {PAGE}",
                    a = last.0,
                    b = last.1
                )
            };
            let rows = match self.db.query(&q) {
                Ok(r) => r,
                Err(e) => {
                    self.push(
                        Finding::at_table(Severity::Error, "data.unreadable", "Messages", None)
                            .msg(format!("cannot read messages: {e}"))
                            .expected("readable rows")
                            .found(e)
                            .server("-"),
                    );
                    return;
                }
            };
            let n = rows.len() as u64;
            for r in rows {
                let mut it = r.into_iter();
                let id = it.next().and_then(|v| v.int()).unwrap_or(0);
                let seq = it.next().and_then(|v| v.int()).unwrap_or(0);
                let ts = it.next().and_then(|v| v.int());
                let _size = it.next();
                let data = it.next().unwrap_or(Val::Null).bytes();
                last = (id, seq);
                self.out.stats.messages_decoded += 1;
                let key = format!("id={id}, seq={seq}");
                let problem = match MsgProto::decode(data.as_slice()) {
                    Err(e) => Some((
                        "record.decode",
                        format!("data does not decode as a message: {e}"),
                        "a pb.MsgProto".to_string(),
                        format!("{} bytes", data.len()),
                    )),
                    Ok(msg) if i128::from(msg.sequence) != seq => Some((
                        "data.seq_mismatch",
                        format!("the message inside has sequence {}", msg.sequence),
                        format!("seq {seq}"),
                        format!("seq {}", msg.sequence),
                    )),
                    Ok(msg) if ts.is_some_and(|t| t != i128::from(msg.timestamp)) => Some((
                        "data.timestamp_mismatch",
                        format!(
                            "timestamp column {} differs from the message's {}",
                            ts.unwrap_or(0),
                            msg.timestamp
                        ),
                        format!("timestamp {}", msg.timestamp),
                        format!("timestamp {}", ts.unwrap_or(0)),
                    )),
                    Ok(_) => None,
                };
                if let Some((code, msg, expected, found)) = problem {
                    reported += 1;
                    if reported <= 25 {
                        self.push(
                            Finding::at_table(Severity::Error, code, "Messages", Some(key))
                                .msg(msg)
                                .expected(expected)
                                .found(found)
                                .seq(u64::try_from(seq).ok())
                                .server("delivers what the data column holds (it does not cross-check seq); a bad protobuf fails the lookup"),
                        );
                    }
                }
            }
            if n < PAGE {
                break;
            }
        }
    }

    /// The server's recovery, through the reader: its findings are ours.
    fn recovery(&mut self, source: &str) {
        let mut reader = match crate::sqlstore::open_reader(self.driver, source) {
            Ok(r) => r,
            Err(e) => {
                self.push(
                    Finding::new(Severity::Error, "sql.recovery", self.out.source.clone())
                        .msg(format!("recovery fails: {e}"))
                        .expected("a store the server can recover")
                        .found(e.to_string())
                        .server("refuses to start"),
                );
                return;
            }
        };
        let mut errors: Vec<String> = Vec::new();
        match reader.channel_names() {
            Ok(names) => {
                for name in names {
                    if let Err(e) = reader.channel_stats(&name) {
                        errors.push(format!("channel {name}: {e}"));
                    }
                    if let Err(e) = reader.subscriptions(&name) {
                        errors.push(format!("channel {name} subscriptions: {e}"));
                    }
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
        if let Err(e) = reader.clients() {
            errors.push(format!("clients: {e}"));
        }
        for e in errors {
            self.push(
                Finding::new(Severity::Error, "sql.recovery", self.out.source.clone())
                    .msg(e.clone())
                    .expected("rows the server can recover")
                    .found(e)
                    .server("refuses to start"),
            );
        }
        for f in reader.findings() {
            // The schema analysis above reports the Clients.proto problem
            // with its statement and fix.
            if f.message.starts_with("no proto column") {
                continue;
            }
            let mut out = Finding::new(f.severity, "sql.recovery", f.location.clone())
                .msg(f.message.clone())
                .expected("-")
                .found("-")
                .server(f.server_behaviour.clone());
            if let Some(rest) = f.location.strip_prefix("table ") {
                let (table, key) = match rest.split_once(", key (") {
                    Some((t, k)) => (t.to_string(), Some(k.trim_end_matches(')').to_string())),
                    None => (rest.to_string(), None),
                };
                out.table = Some(table);
                out.key = key;
            }
            if f.location.starts_with("table StoreLock") {
                out.code = "store.locked";
            }
            self.push(out);
        }
    }
}

/// The table a statement is about (for the location of a finding).
fn stmt_table(sql: &str) -> &'static str {
    TABLES
        .iter()
        .copied()
        .find(|t| {
            sql.contains(&format!(" {t} "))
                || sql.contains(&format!(" {t}("))
                || sql.ends_with(&format!(" {t}"))
        })
        .unwrap_or("ServerInfo")
}

// ------------------------------------------------------------ upgrade

/// The statements that bring the schema to the current one (v0.10.0+).
pub fn upgrade_plan(driver: SqlDriver, source: &str) -> Result<UpgradePlan> {
    let (mut db, shown) = Db::connect(driver, source, false)?;
    let columns = db.columns().map_err(|e| StoreError::Sql {
        location: format!("{driver} {shown}"),
        message: format!("cannot list the tables: {e}"),
    })?;
    let catalog = Catalog::build(&columns);
    if catalog.tables.is_empty() {
        return Err(StoreError::Sql {
            location: format!("{driver} {shown}"),
            message: "not a STAN SQL store: none of its tables exists".into(),
        });
    }
    let (statements, manual) = plan_from(&catalog, driver);
    Ok(UpgradePlan {
        driver: driver.name().to_string(),
        source: shown,
        statements,
        manual,
        transactional: driver != SqlDriver::Mysql,
    })
}

/// What `--apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpgradeOutcome {
    pub applied: Vec<String>,
    pub notes: Vec<String>,
}

/// Apply `plan` after checking that no live server holds the StoreLock.
/// PostgreSQL and SQLite run it in one transaction; MySQL commits each DDL
/// statement implicitly, so it runs them one by one (each is idempotent to
/// re-plan).
pub fn apply_upgrade(
    driver: SqlDriver,
    source: &str,
    plan: &UpgradePlan,
) -> Result<UpgradeOutcome> {
    let (mut db, shown) = Db::connect(driver, source, true)?;
    let fail = |m: String| StoreError::Sql {
        location: format!("{driver} {shown}"),
        message: m,
    };
    let columns = db
        .columns()
        .map_err(|e| fail(format!("cannot list the tables: {e}")))?;
    let catalog = Catalog::build(&columns);
    let mut notes = Vec::new();
    if let Some(lock) = catalog.actual("StoreLock").map(str::to_string) {
        let first = db
            .lock_rows(&lock)
            .map_err(|e| fail(format!("reading StoreLock: {e}")))?;
        if first.iter().any(|(id, tick)| !id.is_empty() || *tick != 0) {
            std::thread::sleep(LOCK_RECHECK);
            let second = db
                .lock_rows(&lock)
                .map_err(|e| fail(format!("reading StoreLock: {e}")))?;
            if first != second {
                return Err(fail(format!(
                    "a live server holds the StoreLock (owner {:?}, tick moving): stop it first",
                    second.first().map(|r| r.0.clone()).unwrap_or_default()
                )));
            }
            notes.push(format!(
                "StoreLock names owner {:?} but its tick did not move in {} ms: not live",
                second.first().map(|r| r.0.clone()).unwrap_or_default(),
                LOCK_RECHECK.as_millis()
            ));
        }
    }
    // Re-plan against the current state: never apply a stale plan.
    let (statements, _) = plan_from(&catalog, driver);
    if statements != plan.statements {
        return Err(fail(
            "the schema changed since the plan was made; run again".into(),
        ));
    }
    if statements.is_empty() {
        return Ok(UpgradeOutcome {
            applied: Vec::new(),
            notes,
        });
    }
    let transactional = driver != SqlDriver::Mysql;
    if transactional {
        db.execute("BEGIN")
            .map_err(|e| fail(format!("BEGIN: {e}")))?;
    }
    let mut applied = Vec::new();
    for s in &statements {
        if let Err(e) = db.execute(s) {
            if transactional {
                let _ = db.execute("ROLLBACK");
                return Err(fail(format!("{s}: {e} (rolled back, nothing changed)")));
            }
            return Err(fail(format!(
                "{s}: {e} (MySQL commits DDL statement by statement: already applied: {applied:?})"
            )));
        }
        applied.push(s.clone());
    }
    if transactional {
        db.execute("COMMIT")
            .map_err(|e| fail(format!("COMMIT: {e}")))?;
    } else {
        notes.push(
            "MySQL commits each ALTER TABLE implicitly: statements were applied one by one".into(),
        );
    }
    Ok(UpgradeOutcome { applied, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_store(sql: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(sql).unwrap();
        (dir, path.display().to_string())
    }

    #[test]
    fn capacities() {
        assert_eq!(
            crate::sqlstore::schema::mysql_blob_capacity("blob"),
            Some(65535)
        );
        assert_eq!(
            crate::sqlstore::schema::mysql_blob_capacity("mediumblob"),
            Some(16_777_215)
        );
        assert_eq!(
            crate::sqlstore::schema::mysql_blob_capacity("varbinary(100)"),
            Some(100)
        );
        assert_eq!(crate::sqlstore::schema::mysql_blob_capacity("text"), None);
    }

    #[test]
    fn create_statements_per_driver() {
        let pg = create_statements(SqlDriver::Postgres, "Messages");
        assert_eq!(pg.len(), 2, "{pg:?}");
        assert!(pg[0].starts_with("CREATE TABLE IF NOT EXISTS Messages ("));
        let my = create_statements(SqlDriver::Mysql, "Clients");
        assert_eq!(my.len(), 1);
    }

    #[test]
    fn sqlite_upgrade_adds_clients_proto() {
        let old = crate::sqlstore::schema::SQLITE_SCHEMA.replace(
            "CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024) NOT NULL, hbinbox TEXT, proto BLOB, PRIMARY KEY (id));",
            "CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024) NOT NULL, hbinbox TEXT, PRIMARY KEY (id));",
        );
        let (_dir, path) = sqlite_store(&old);
        let plan = upgrade_plan(SqlDriver::Sqlite, &path).unwrap();
        assert_eq!(
            plan.statements,
            vec!["ALTER TABLE Clients ADD proto BLOB".to_string()]
        );
        let done = apply_upgrade(SqlDriver::Sqlite, &path, &plan).unwrap();
        assert_eq!(done.applied.len(), 1);
        let again = upgrade_plan(SqlDriver::Sqlite, &path).unwrap();
        assert!(again.statements.is_empty());
    }

    #[test]
    fn sqlite_server_info_missing_with_channels() {
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO Channels (id, name) VALUES (1, 'a');");
        let (_dir, path) = sqlite_store(&sql);
        let out = check(
            SqlDriver::Sqlite,
            &path,
            &SqlCheckOptions {
                deep: false,
                target: None,
            },
        )
        .unwrap();
        let f = out
            .findings
            .iter()
            .find(|f| f.code == "server.missing_with_channels")
            .unwrap();
        assert_eq!(f.table.as_deref(), Some("ServerInfo"));
        let before = super::super::compat::evaluate(&out.constraints, &v("0.24.6"));
        assert_eq!(before.0, Verdict::Incompatible);
        // SQLite itself is no server's driver.
        assert!(before.1.iter().any(|r| r.contains("SQLite")));
        assert!(before.1.iter().any(|r| r.contains("no ServerInfo row")));
    }

    #[test]
    fn sqlite_check_reports_orphans() {
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO Messages VALUES (7, 1, 5, 2, x'0801');");
        sql.push_str("INSERT INTO SubsPending (subid, \"row\", seq) VALUES (9, 1, 1);");
        let (_dir, path) = sqlite_store(&sql);
        let out = check(
            SqlDriver::Sqlite,
            &path,
            &SqlCheckOptions {
                deep: true,
                target: None,
            },
        )
        .unwrap();
        let codes: Vec<&str> = out.findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"orphan.messages"), "{codes:?}");
        assert!(codes.contains(&"orphan.subs_pending"), "{codes:?}");
    }
}
