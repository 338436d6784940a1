//! Check of a SQL store (docs/FORMAT.md section 4): the actual tables, columns
//! and types against the statements every server version prepares at
//! start-up (4.9-4.10), rows no server ever reads again (orphans), and the
//! recovery the server would do (through [`crate::sqlstore::SqlReader`]).
//!
//! Compatibility is decided the way the server decides it: each version's
//! statements are prepared (never executed) on the database, and the first
//! one that fails is the error that version would stop with. The column
//! analysis then names the missing column and the statement that adds it.
//!
//! It reads through the one SQL driver layer (`crate::sqlstore::conn`),
//! read-only, inside a read-only snapshot. A check query the database
//! refuses is an error finding, never "no problems found".

use prost::Message as _;
use serde::Serialize;

use super::compat::{v, Constraint, Verdict, Version};
use super::statements::{eras, statements, Dialect, Statement};
use super::{Code, Finding, Severity, Stats};
use crate::crypto::likely_envelope;
use crate::error::{Result, StoreError};
use crate::proto::{self, MsgProto};
use crate::sqlstore::catalog::Catalog;
use crate::sqlstore::conn::{
    connect, Access, Conn, PageSize, Param, Row, SqlError, Value, PAGE_BYTES,
};
use crate::sqlstore::dsn::Dsn;
use crate::sqlstore::schema::{
    column_type, create_statements, is_binary_type, is_blob_column, message_data, COLUMNS, TABLES,
};
use crate::sqlstore::SqlDriver;
use crate::store::StoreReader;

/// Rows listed per orphan query.
const SAMPLE: u64 = 20;

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

/// An integer cell, 0 when NULL or not an integer (ids and counts of
/// findings; the reader reports bad cells).
fn int_of(v: Option<&Value>) -> i128 {
    v.and_then(|v| v.as_i128().ok().flatten()).unwrap_or(0)
}

fn u64_of(v: Option<&Value>) -> u64 {
    u64::try_from(int_of(v)).unwrap_or(0)
}

/// The one value of a `SELECT MIN(id)`: `None` for NULL (no rows).
fn min_id(rows: Vec<Row>) -> Option<i64> {
    let value = rows.into_iter().next()?.into_iter().next()?;
    let id = value.as_i128().ok().flatten()?;
    i64::try_from(id).ok()
}

fn text_of(v: Option<Value>) -> String {
    v.and_then(|v| v.into_text().ok().flatten())
        .unwrap_or_default()
}

fn bytes_of(v: Option<Value>) -> Vec<u8> {
    v.and_then(|v| v.into_bytes().ok().flatten())
        .unwrap_or_default()
}

// ------------------------------------------------------------ check

struct Checker {
    db: Box<dyn Conn>,
    driver: SqlDriver,
    dialect: Option<Dialect>,
    catalog: Catalog,
    opts: SqlCheckOptions,
    out: SqlCheck,
}

/// Check the SQL store `source`. Errors when it cannot be reached or holds
/// no STAN table at all.
pub fn check(driver: SqlDriver, source: &str, opts: &SqlCheckOptions) -> Result<SqlCheck> {
    let dsn = Dsn::parse(driver, source)?;
    let mut db = connect(&dsn, Access::ReadOnly)?;
    let fail = |db: &dyn Conn, message: String| StoreError::Sql {
        location: db.location().to_string(),
        message,
    };
    let columns = db
        .catalog()
        .map_err(|e| fail(db.as_ref(), format!("cannot list the tables: {e}")))?;
    let catalog = Catalog::resolve(driver, &columns);
    if catalog.is_empty() {
        return Err(StoreError::Sql {
            location: db.location().to_string(),
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
            source: dsn.redacted(),
            ..SqlCheck::default()
        },
    };
    c.schema();
    c.versions();
    c.begin_snapshot()?;
    c.data();
    if opts.deep {
        c.deep();
    }
    c.recovery(source);
    Ok(c.out)
}

impl Checker {
    /// Everything after the prepared statements reads one consistent,
    /// read-only snapshot.
    fn begin_snapshot(&mut self) -> Result<()> {
        self.db.begin_snapshot().map_err(|e| StoreError::Sql {
            location: self.db.location().to_string(),
            message: format!("cannot start a read-only transaction: {e}"),
        })
    }

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
            let Some(found) = self.catalog.get(table).cloned() else {
                let mut f = Finding::at_table(Severity::Error, Code::SchemaTableMissing, table, None)
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
                actual: found.actual.clone(),
                columns: found
                    .columns
                    .iter()
                    .map(|c| Column {
                        name: c.column.clone(),
                        data_type: c.data_type.clone(),
                    })
                    .collect(),
            });
            let actual = found.actual;
            let have: Vec<String> = self
                .catalog
                .column_names(table)
                .into_iter()
                .map(String::from)
                .collect();
            if actual != table && self.driver == SqlDriver::Mysql {
                self.push(
                    Finding::at_table(Severity::Warning, Code::SchemaTableCase, table, None)
                        .msg(format!("table is named {actual:?}; the server's statements say {table}"))
                        .expected(table.to_string())
                        .found(actual.clone())
                        .server("MySQL table names are case-sensitive on Linux: the server's statements may not find it"),
                );
            }
            for col in cols.iter() {
                let Some(ty) = self.catalog.column(table, col).map(|c| c.data_type.clone()) else {
                    if table == "Clients" && *col == "proto" {
                        continue; // reported with the version analysis
                    }
                    let mut f =
                        Finding::at_table(Severity::Error, Code::SchemaColumnMissing, table, None)
                            .msg(format!("column {table}.{col} missing"))
                            .expected(format!("column {col}"))
                            .found(format!(
                                "columns {}",
                                have.iter()
                                    .map(String::as_str)
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
                        Finding::at_table(Severity::Warning, Code::SchemaColumnType, table, None)
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
                let names: Vec<&str> = have.iter().map(String::as_str).collect();
                if names != ["id", "seq", "timestamp", "size", "data"] {
                    self.push(
                        Finding::at_table(Severity::Error, Code::SchemaMessagesColumns, table, None)
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
                    failures.push((
                        start.clone(),
                        until.clone(),
                        label.to_string(),
                        stmt,
                        e.to_string(),
                    ));
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
                Finding::at_table(sev, Code::SchemaClientsProtoMissing, "Clients", None)
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
                Finding::at_table(sev, Code::SchemaStatementFails, stmt_table(&stmt.sql), None)
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
    fn rows(
        &mut self,
        table: &'static str,
        what: &str,
        sql: &str,
        params: &[Param],
    ) -> Option<Vec<Row>> {
        match self.db.try_query(sql, params) {
            Ok(rows) => Some(rows),
            Err(e) => {
                self.query_failed(
                    table,
                    None,
                    format!("cannot check {what}: {e} (query: {sql})"),
                    &e,
                );
                None
            }
        }
    }

    /// A check that could not run is a finding, never silence (exit 1).
    fn query_failed(
        &mut self,
        table: &'static str,
        key: Option<String>,
        msg: String,
        e: &SqlError,
    ) {
        self.push(
            Finding::at_table(Severity::Error, Code::SqlQueryFailed, table, key)
                .msg(msg)
                .expected("a query the database runs")
                .found(e.to_string())
                .server("-"),
        );
    }

    /// The first column of the first row of a check query (see [`Self::rows`]).
    fn scalar(&mut self, table: &'static str, what: &str, sql: &str) -> Option<i128> {
        self.rows(table, what, sql, &[])?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .map(|v| int_of(Some(&v)))
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
            &[],
        ) {
            self.server_info(rows, channels, max_id);
        }
        self.orphans();
        self.data_column();
        self.encryption_sample();
    }

    /// The `ServerInfo` rows against what the server requires.
    fn server_info(&mut self, rows: Vec<Row>, channels: i128, max_id: i128) {
        if rows.is_empty() {
            if max_id > 0 {
                self.push(
                    Finding::at_table(Severity::Warning, Code::ServerMissingWithChannels, "ServerInfo", None)
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
                    Finding::at_table(Severity::Warning, Code::ServerRows, "ServerInfo", None)
                        .msg(format!("{} rows", rows.len()))
                        .expected("one row")
                        .found(format!("{} rows", rows.len()))
                        .server("reads the row with uniquerow = 1"),
                );
            }
            // An error in the row the server reads.
            let row_error = |code| {
                Finding::at_table(
                    Severity::Error,
                    code,
                    "ServerInfo",
                    Some("uniquerow=1".into()),
                )
            };
            let mut row = rows.into_iter().next().unwrap_or_default().into_iter();
            let id = text_of(row.next());
            let proto_bytes = bytes_of(row.next());
            let version = row.next().and_then(|v| v.as_i128().ok().flatten());
            if version != Some(1) {
                self.push(
                    row_error(Code::ServerVersion)
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
                            row_error(Code::ServerIdMismatch)
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
                    row_error(Code::RecordDecode)
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
        self.orphan_rows(
            Orphans {
                table: "Messages",
                key: "id",
                what: "orphan messages",
                code: Code::OrphanMessages,
                server: "never reads them again (channel deleted while they were being purged?)",
                fix: true,
            },
            &format!(
                "SELECT m.id, COUNT(*) FROM {m} m LEFT JOIN {ch} c ON c.id = m.id WHERE c.id IS NULL GROUP BY m.id ORDER BY m.id LIMIT {SAMPLE}"
            ),
            |id, n| {
                (
                    format!("{n} messages of channel id {id}, which has no Channels row"),
                    format!("a Channels row with id {id}"),
                )
            },
        );
        let q = format!(
            "SELECT c.id, c.name, COUNT(*) FROM {ch} c JOIN {m} m ON m.id = c.id WHERE c.deleted = TRUE GROUP BY c.id, c.name ORDER BY c.id LIMIT {SAMPLE}"
        );
        for r in self
            .rows("Channels", "deleted channels with messages", &q, &[])
            .unwrap_or_default()
        {
            let id = u64_of(r.first());
            let name = text_of(r.get(1).cloned());
            let n = u64_of(r.get(2));
            self.push(
                Finding::at_table(
                    Severity::Warning,
                    Code::OrphanDeletedChannel,
                    "Channels",
                    Some(format!("id={id}")),
                )
                .msg(format!(
                    "channel {name:?} is flagged deleted but {n} of its messages remain"
                ))
                .expected("no rows left for a deleted channel")
                .found(format!("{n} Messages rows"))
                .server(
                    "never recovers the channel and never finishes purging it (docs/FORMAT.md 4.7)",
                ),
            );
        }
        let Some(s) = self.t("Subscriptions") else {
            return;
        };
        self.orphan_rows(
            Orphans {
                table: "Subscriptions",
                key: "id",
                what: "orphan subscriptions",
                code: Code::OrphanSubscriptions,
                server: "never reads them again",
                fix: false,
            },
            &format!(
                "SELECT s.id, COUNT(*) FROM {s} s LEFT JOIN {ch} c ON c.id = s.id WHERE c.id IS NULL GROUP BY s.id ORDER BY s.id LIMIT {SAMPLE}"
            ),
            |id, n| {
                (
                    format!("{n} subscriptions of channel id {id}, which has no Channels row"),
                    format!("a Channels row with id {id}"),
                )
            },
        );
        let Some(p) = self.t("SubsPending") else {
            return;
        };
        self.orphan_rows(
            Orphans {
                table: "SubsPending",
                key: "subid",
                what: "orphan pending rows",
                code: Code::OrphanSubsPending,
                server: "never reads them again",
                fix: true,
            },
            &format!(
                "SELECT p.subid, COUNT(*) FROM {p} p LEFT JOIN {s} s ON s.subid = p.subid WHERE s.subid IS NULL GROUP BY p.subid ORDER BY p.subid LIMIT {SAMPLE}"
            ),
            |subid, n| {
                (
                    format!("{n} SubsPending rows of subscription {subid}, which no longer exists"),
                    format!("a Subscriptions row with subid {subid}"),
                )
            },
        );
    }

    /// One warning per parent key that `sql` (key, row count) finds rows
    /// for but no parent row; `describe(key, count)` gives the message and
    /// what was expected.
    fn orphan_rows(
        &mut self,
        o: Orphans,
        sql: &str,
        describe: impl Fn(u64, u64) -> (String, String),
    ) {
        for r in self.rows(o.table, o.what, sql, &[]).unwrap_or_default() {
            let key = u64_of(r.first());
            let (message, expected) = describe(key, u64_of(r.get(1)));
            let mut f = Finding::at_table(
                Severity::Warning,
                o.code,
                o.table,
                Some(format!("{}={key}", o.key)),
            )
            .msg(message)
            .expected(expected)
            .found("none")
            .server(o.server);
            if o.fix {
                let delete = format!("DELETE FROM {} WHERE {}={key}", o.table, o.key);
                f = f.fix("mysql", delete.clone()).fix("postgres", delete);
            }
            self.push(f);
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
            .rows("Messages", "message sizes", &q, &[])
            .unwrap_or_default()
        {
            let id = u64_of(r.first());
            let seq = u64_of(r.get(1));
            let size = u64_of(r.get(2));
            let len = u64_of(r.get(3));
            self.push(
                Finding::at_table(Severity::Error, Code::DataSizeMismatch, "Messages", Some(format!("id={id}, seq={seq}")))
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
            .column("Messages", "data")
            .map(|c| c.data_type.clone())
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
                Finding::at_table(sev, Code::SchemaDataTooNarrow, "Messages", None)
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

    /// Looks at the first messages' payloads for an encryption envelope,
    /// one row in memory at a time (a row may hold a message of hundreds
    /// of MB).
    fn encryption_sample(&mut self) {
        let Some(m) = self.t("Messages") else { return };
        let keys = format!("SELECT id, seq FROM {m} ORDER BY id, seq LIMIT 50");
        let one = format!(
            "SELECT octet_length(data), CASE WHEN octet_length(data)<=? THEN data END FROM {m} WHERE id = ? AND seq = ?"
        );
        let keys = self
            .rows("Messages", "payload encryption", &keys, &[])
            .unwrap_or_default();
        for key in keys {
            let (Ok(Some(id)), Ok(Some(seq))) = (
                key.first().unwrap_or(&Value::Null).as_i64(),
                key.get(1).unwrap_or(&Value::Null).as_u64(),
            ) else {
                continue;
            };
            let Some(rows) = self.rows(
                "Messages",
                "payload encryption",
                &one,
                &[Param::UInt(PAGE_BYTES), Param::Int(id), Param::UInt(seq)],
            ) else {
                return;
            };
            let mut row = rows.into_iter().next().unwrap_or_default();
            let len = u64_of(row.first());
            let data = match row.get_mut(1).map(|v| std::mem::replace(v, Value::Null)) {
                Some(Value::Null) | None if len > PAGE_BYTES => match self.large_data(id, seq, len)
                {
                    Ok(data) => data,
                    Err(e) => {
                        let msg = format!(
                            "cannot check payload encryption: reading {len} bytes of data: {e}"
                        );
                        self.query_failed("Messages", Some(format!("id={id}, seq={seq}")), msg, &e);
                        continue;
                    }
                },
                v => bytes_of(v),
            };
            if let Ok(msg) = MsgProto::decode(bytes::Bytes::from(data)) {
                if let Some(cipher) = likely_envelope(&msg.data) {
                    self.add_encryption_constraints(cipher.name());
                    return;
                }
            }
        }
    }

    /// `Messages.data` of one row too large for a page, held once.
    fn large_data(&mut self, id: i64, seq: u64, len: u64) -> Result<Vec<u8>, SqlError> {
        let table = self
            .catalog
            .actual("Messages")
            .unwrap_or("Messages")
            .to_string();
        self.db.read_long(&message_data(&table, id, seq, len))
    }

    fn add_encryption_constraints(&mut self, cipher: &str) {
        self.out
            .constraints
            .extend(super::compat::encrypted_payloads(cipher, ""));
    }

    /// Decode every message: columns against the protobuf.
    fn deep(&mut self) {
        let Some(m) = self.t("Messages") else { return };
        // Pages bounded in rows and bytes, as the reader's (`PageSize`):
        // data larger than the page's share is read alone.
        let columns = "SELECT id, seq, timestamp, octet_length(data), CASE WHEN octet_length(data)<=? THEN data END";
        // Channel by channel, each in pages on the primary key (id, seq):
        // `id > ? OR (id = ? AND seq > ?)` made SQLite scan a channel from
        // its start for every page (3,000,000 messages: 277 s).
        let first_channel = format!("SELECT MIN(id) FROM {m}");
        let next_channel = format!("SELECT MIN(id) FROM {m} WHERE id > ?");
        let first = format!("{columns} FROM {m} WHERE id = ? ORDER BY seq LIMIT ?");
        let next = format!("{columns} FROM {m} WHERE id = ? AND seq > ? ORDER BY seq LIMIT ?");
        let mut channel = match self.db.try_query(&first_channel, &[]) {
            Ok(rows) => min_id(rows),
            Err(e) => return self.messages_unreadable(&e),
        };
        // The last sequence read in `channel`; `None` before its first page.
        let mut last: Option<u64> = None;
        let mut reported = 0usize;
        let mut size = PageSize::new();
        while let Some(id) = channel {
            let (inline, limit) = (Param::UInt(size.inline_limit()), Param::UInt(size.rows()));
            let rows = match last {
                None => self.db.try_query(&first, &[inline, Param::Int(id), limit]),
                Some(seq) => self
                    .db
                    .query(&next, &[inline, Param::Int(id), Param::UInt(seq), limit]),
            };
            let rows = match rows {
                Ok(r) => r,
                Err(e) => return self.messages_unreadable(&e),
            };
            let n = rows.len() as u64;
            let inline = size.inline_limit();
            let mut largest = 0;
            for r in rows {
                let mut it = r.into_iter();
                let id = int_of(it.next().as_ref());
                let seq = int_of(it.next().as_ref());
                let ts = it.next().and_then(|v| v.as_i128().ok().flatten());
                let len = u64_of(it.next().as_ref());
                largest = largest.max(len);
                let key_id = i64::try_from(id).unwrap_or(i64::MAX);
                let key_seq = u64::try_from(seq).unwrap_or(u64::MAX);
                last = Some(key_seq);
                let key = format!("id={id}, seq={seq}");
                let data = if len > inline {
                    match self.large_data(key_id, key_seq, len) {
                        Ok(data) => data,
                        Err(e) => {
                            self.push(
                                Finding::at_table(
                                    Severity::Error,
                                    Code::DataUnreadable,
                                    "Messages",
                                    Some(key),
                                )
                                .msg(format!("cannot read the data ({len} bytes): {e}"))
                                .expected("a readable row")
                                .found(e.to_string())
                                .seq(Some(key_seq))
                                .server("-"),
                            );
                            continue;
                        }
                    }
                } else {
                    bytes_of(it.next())
                };
                self.out.stats.messages_decoded += 1;
                let data_len = data.len();
                let problem = match MsgProto::decode(bytes::Bytes::from(data)) {
                    Err(e) => Some((
                        Code::RecordDecode,
                        format!("data does not decode as a message: {e}"),
                        "a pb.MsgProto".to_string(),
                        format!("{data_len} bytes"),
                    )),
                    Ok(msg) if i128::from(msg.sequence) != seq => Some((
                        Code::DataSeqMismatch,
                        format!("the message inside has sequence {}", msg.sequence),
                        format!("seq {seq}"),
                        format!("seq {}", msg.sequence),
                    )),
                    Ok(msg) if ts.is_some_and(|t| t != i128::from(msg.timestamp)) => Some((
                        Code::DataTimestampMismatch,
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
            if n < size.rows() {
                channel = match self.db.query(&next_channel, &[Param::Int(id)]) {
                    Ok(rows) => min_id(rows),
                    Err(e) => return self.messages_unreadable(&e),
                };
                last = None;
            } else {
                size.fit(largest);
            }
        }
    }

    fn messages_unreadable(&mut self, e: &SqlError) {
        self.push(
            Finding::at_table(Severity::Error, Code::DataUnreadable, "Messages", None)
                .msg(format!("cannot read messages: {e}"))
                .expected("readable rows")
                .found(e.to_string())
                .server("-"),
        );
    }

    /// The server's recovery, through the reader: its findings are ours.
    fn recovery(&mut self, source: &str) {
        let mut reader = match crate::sqlstore::open_reader(self.driver, source) {
            Ok(r) => r,
            Err(e) => {
                self.push(
                    Finding::new(Severity::Error, Code::SqlRecovery, self.out.source.clone())
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
                Finding::new(Severity::Error, Code::SqlRecovery, self.out.source.clone())
                    .msg(e.clone())
                    .expected("rows the server can recover")
                    .found(e.to_string())
                    .server("refuses to start"),
            );
        }
        for f in reader.findings() {
            // The schema analysis above reports the Clients.proto problem
            // with its statement and fix.
            if f.code == Code::SchemaClientsProtoMissing {
                continue;
            }
            let mut out = Finding::new(f.severity, f.code, f.location.clone())
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

/// Rows whose parent row is gone, as [`Checker::orphan_rows`] reports them.
struct Orphans {
    table: &'static str,
    /// The key column naming the missing parent.
    key: &'static str,
    /// What is being checked, for a query that fails.
    what: &'static str,
    code: Code,
    server: &'static str,
    /// Whether to suggest deleting the rows.
    fix: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::sqlite_store;

    fn check_sqlite(path: &str, deep: bool) -> SqlCheck {
        check(
            SqlDriver::Sqlite,
            path,
            &SqlCheckOptions { deep, target: None },
        )
        .unwrap()
    }

    #[test]
    fn sqlite_server_info_missing_with_channels() {
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO Channels (id, name) VALUES (1, 'a');");
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, false);
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

    /// A sampled payload too large for one query that cannot be read is
    /// a failed check (exit 1), not a payload with nothing in it: here the
    /// table has no rowid, which SQLite's piecewise read needs.
    #[test]
    fn an_unreadable_sampled_payload_is_a_failed_check() {
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str(
            "DROP TABLE Messages;
             CREATE TABLE Messages (id INTEGER NOT NULL, seq BIGINT NOT NULL, timestamp BIGINT, size INTEGER, data BLOB, PRIMARY KEY (id, seq)) WITHOUT ROWID;
             INSERT INTO Channels (id, name) VALUES (1, 'a');",
        );
        sql.push_str(&format!(
            "INSERT INTO Messages VALUES (1, 1, 0, {0}, zeroblob({0}));",
            PAGE_BYTES + 1
        ));
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, false);
        let failed: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.code == Code::SqlQueryFailed)
            .collect();
        assert_eq!(failed.len(), 1, "{:?}", out.findings);
        assert_eq!(failed[0].table.as_deref(), Some("Messages"));
        assert!(
            failed[0].message.contains("payload encryption"),
            "{}",
            failed[0].message
        );
        assert_eq!(failed[0].severity, Severity::Error);
    }

    /// The reader's findings keep their own codes in check: a held
    /// StoreLock is store.locked (not sql.recovery).
    #[test]
    fn sqlite_check_keeps_the_readers_codes() {
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO StoreLock (id, tick) VALUES ('gone-owner', 7);");
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, false);
        let codes: Vec<&str> = out.findings.iter().map(|f| f.code.as_str()).collect();
        let locked: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.code == Code::StoreLocked)
            .collect();
        assert_eq!(locked.len(), 1, "{codes:?}");
        assert_eq!(locked[0].table.as_deref(), Some("StoreLock"));
        assert!(locked[0].message.contains("gone-owner"), "{codes:?}");
        assert!(!codes.contains(&"sql.recovery"), "{codes:?}");
    }

    /// The reader's workarounds have codes of their own, not one
    /// sql.recovery: a NULL maxseq, a NULL subscription proto, a
    /// ServerInfo of another version.
    #[test]
    fn sqlite_reader_findings_have_specific_codes() {
        let info = crate::proto::ServerInfo {
            cluster_id: b"c".to_vec(),
            ..Default::default()
        };
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str(&format!(
            "INSERT INTO ServerInfo (uniquerow, id, proto, version) VALUES (1, 'c', x'{}', 2);",
            hex::encode(info.encode_to_vec())
        ));
        sql.push_str("INSERT INTO Channels (id, name, maxseq) VALUES (1, 'a', NULL);");
        sql.push_str(
            "INSERT INTO Subscriptions (id, subid, lastsent, proto) VALUES (1, 1, 0, NULL);",
        );
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, false);
        let code_of = |text: &str| {
            out.findings
                .iter()
                .find(|f| f.message.contains(text))
                .map(|f| f.code.as_str())
        };
        assert_eq!(code_of("maxseq is NULL"), Some("sql.null_column"));
        assert_eq!(code_of("proto is NULL"), Some("sql.decode"));
        let codes: Vec<&str> = out.findings.iter().map(|f| f.code.as_str()).collect();
        assert!(!codes.contains(&"sql.recovery"), "{codes:?}");
        // The server's identity is read only when asked for.
        let mut reader = crate::sqlstore::open_reader(SqlDriver::Sqlite, &path).unwrap();
        reader.server_info().unwrap();
        let f = reader.findings();
        let version = f.iter().find(|f| f.message.contains("expected 1")).unwrap();
        assert_eq!(version.code, Code::SqlServerInfo);
    }

    /// `--deep` reads every message of every channel, an orphan channel's
    /// too, page after page: each mismatch is found where it is.
    #[test]
    fn sqlite_deep_check_reads_every_channel_across_pages() {
        use prost::Message as _;
        let row = |id: u64, seq: u64, inner: u64| {
            let data = MsgProto {
                sequence: inner,
                subject: b"foo".to_vec(),
                timestamp: 5,
                ..MsgProto::default()
            }
            .encode_to_vec();
            let hex = hex::encode(&data);
            format!(
                "INSERT INTO Messages VALUES ({id}, {seq}, 5, {}, x'{hex}');",
                data.len()
            )
        };
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO Channels (id, name) VALUES (1, 'a'), (3, 'b');");
        let mut total = 0;
        // Channel 3 spans three pages; channel 7 has no Channels row.
        for (id, count, bad) in [(1, 3, 2), (3, 2_500, 2_001), (7, 1, 1)] {
            for seq in 1..=count {
                let inner = if seq == bad { seq + 1000 } else { seq };
                sql.push_str(&row(id, seq, inner));
                total += 1;
            }
        }
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, true);
        assert_eq!(out.stats.messages_decoded, total);
        let keys: Vec<&str> = out
            .findings
            .iter()
            .filter(|f| f.code == Code::DataSeqMismatch)
            .filter_map(|f| f.key.as_deref())
            .collect();
        assert_eq!(keys, ["id=1, seq=2", "id=3, seq=2001", "id=7, seq=1"]);
    }

    #[test]
    fn sqlite_check_reports_orphans() {
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO Messages VALUES (7, 1, 5, 2, x'0801');");
        sql.push_str("INSERT INTO SubsPending (subid, \"row\", seq) VALUES (9, 1, 1);");
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, true);
        let codes: Vec<&str> = out.findings.iter().map(|f| f.code.as_str()).collect();
        assert!(codes.contains(&"orphan.messages"), "{codes:?}");
        assert!(codes.contains(&"orphan.subs_pending"), "{codes:?}");
    }

    #[test]
    fn sqlite_check_finds_encrypted_payloads_past_plain_ones() {
        // An AES envelope (docs/FORMAT.md section 10): code, nonce with a zero
        // high counter, ciphertext.
        let envelope =
            hex::decode("0108cfc7d90000000000000001dc7a6e5a60d9b0b4f5c49e46632fc4c4a3d2c15841fd")
                .unwrap();
        let row = |seq, data| crate::test_util::message_row(seq, 5, data);
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO Channels (id, name) VALUES (1, 'a');");
        sql.push_str(&row(1, b"plain"));
        sql.push_str(&row(2, &envelope));
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, false);
        assert!(
            out.constraints
                .iter()
                .any(|c| c.reason.contains("payloads are encrypted")),
            "{:?}",
            out.constraints
        );
        // Without the encrypted row: no such constraint.
        let mut sql = crate::sqlstore::schema::SQLITE_SCHEMA.to_string();
        sql.push_str("INSERT INTO Channels (id, name) VALUES (1, 'a');");
        sql.push_str(&row(1, b"plain"));
        let (_dir, path) = sqlite_store(&sql);
        let out = check_sqlite(&path, false);
        assert!(!out
            .constraints
            .iter()
            .any(|c| c.reason.contains("payloads are encrypted")));
    }
}
