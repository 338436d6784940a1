//! `stanctl check`: is a store intact, and which server versions can open
//! it? Read-only, for every backend.
//!
//! * [`file`] walks a file store byte by byte (FORMAT.md sections 1-2) and
//!   replays what the server's recovery would do with it.
//! * [`sql`] compares the tables of a SQL store with the statements every
//!   server version prepares at start-up (FORMAT.md 4.9-4.10) and looks for
//!   orphan rows.
//! * [`compat`] turns what is on disk into a verdict per server version
//!   (FORMAT.md section 8).
//! * [`manifest`] and [`expect`] write and compare a MANIFEST-shaped
//!   description of a store (CI fixture checks).
//! * [`keys`] decrypts every payload with the given key (`--deep`).
//! * [`salvage`] copies what is recoverable from a damaged file store into
//!   a new one.
//!
//! Every finding says where (file and byte offset, or table and key), what
//! was expected, what was found and what the server would do with it.

pub mod compat;
pub mod expect;
pub mod file;
pub mod keys;
pub mod manifest;
mod run;
pub mod salvage;
pub mod sql;
pub mod statements;

pub use run::{run, CheckError, CheckOptions};

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::model::Severity;

/// What `file_truncate_bad_eof` would do with a torn record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truncation {
    /// The file would be truncated to this size (= `ok_up_to`).
    pub truncate_to: u64,
    /// Bytes cut off.
    pub drops_bytes: u64,
    /// Sequences lost with them, when known (first, last).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drops_seqs: Option<(u64, u64)>,
}

/// One problem or notable state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable identifier of the kind of finding, e.g. `record.torn`.
    pub code: &'static str,
    /// Human-readable place: `<file> at offset <n>` or `table T, key (k)`.
    pub location: String,
    /// File, relative to the store root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Byte offset in `file` (of the record header for record findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Length in bytes of the record or range at `offset`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// Message sequence concerned, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub message: String,
    pub expected: String,
    pub found: String,
    /// What the real server does with it.
    pub server_behaviour: String,
    /// The last good offset: everything before it is intact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok_up_to: Option<u64>,
    /// What `-file_truncate_bad_eof` would drop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncate_bad_eof: Option<Truncation>,
    /// Statements that fix it, by driver (`mysql`, `postgres`, `sqlite`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fix: BTreeMap<String, String>,
}

impl Finding {
    pub fn new(severity: Severity, code: &'static str, location: impl Into<String>) -> Self {
        Finding {
            severity,
            code,
            location: location.into(),
            file: None,
            offset: None,
            length: None,
            seq: None,
            table: None,
            key: None,
            message: String::new(),
            expected: String::new(),
            found: String::new(),
            server_behaviour: String::new(),
            ok_up_to: None,
            truncate_bad_eof: None,
            fix: BTreeMap::new(),
        }
    }

    /// A finding about `file` (relative to the store root), at `offset`.
    pub fn at_file(
        severity: Severity,
        code: &'static str,
        file: &str,
        offset: Option<u64>,
    ) -> Self {
        let location = match offset {
            Some(o) => format!("{file} at offset {o}"),
            None => file.to_string(),
        };
        let mut f = Finding::new(severity, code, location);
        f.file = Some(file.to_string());
        f.offset = offset;
        f
    }

    /// A finding about a SQL table, optionally one row.
    pub fn at_table(
        severity: Severity,
        code: &'static str,
        table: &str,
        key: Option<String>,
    ) -> Self {
        let location = match &key {
            Some(k) => format!("table {table}, key ({k})"),
            None => format!("table {table}"),
        };
        let mut f = Finding::new(severity, code, location);
        f.table = Some(table.to_string());
        f.key = key;
        f
    }

    pub fn msg(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = expected.into();
        self
    }

    pub fn found(mut self, found: impl Into<String>) -> Self {
        self.found = found.into();
        self
    }

    pub fn server(mut self, behaviour: impl Into<String>) -> Self {
        self.server_behaviour = behaviour.into();
        self
    }

    pub fn length(mut self, length: u64) -> Self {
        self.length = Some(length);
        self
    }

    pub fn seq(mut self, seq: Option<u64>) -> Self {
        self.seq = seq;
        self
    }

    pub fn ok_up_to(mut self, offset: u64) -> Self {
        self.ok_up_to = Some(offset);
        self
    }

    pub fn truncation(mut self, t: Truncation) -> Self {
        self.truncate_bad_eof = Some(t);
        self
    }

    pub fn fix(mut self, driver: &str, statement: impl Into<String>) -> Self {
        self.fix.insert(driver.to_string(), statement.into());
        self
    }
}

/// Number of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }
}

/// How much was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub channels: u64,
    /// Records walked in every file (framing checked).
    pub records: u64,
    /// Records whose payload CRC was verified.
    pub crc_verified: u64,
    /// Index records read (each CRC-checked).
    pub index_records: u64,
    /// Messages decoded and compared with their index entry.
    pub messages_decoded: u64,
}

/// The outcome of `stanctl check`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// No finding at or above the `--fail-on` severity, no difference with
    /// `--expect`, and the `--server-version` (if any) opens the store.
    pub ok: bool,
    /// `file` or `sql/<driver>`.
    pub store: String,
    /// Directory, or data source with the password masked.
    pub source: String,
    pub deep: bool,
    pub findings: Vec<Finding>,
    pub counts: Counts,
    pub compatibility: compat::Compatibility,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<expect::ExpectReport>,
    /// SQL stores: the tables and columns found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schema: Vec<sql::TableSchema>,
    pub stats: Stats,
}

impl Report {
    /// Sort findings (most severe first, then by place) and compute `ok`.
    pub fn finish(&mut self, fail_on: Severity) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.file.cmp(&b.file))
                .then_with(|| a.table.cmp(&b.table))
                .then_with(|| a.offset.cmp(&b.offset))
                .then_with(|| a.location.cmp(&b.location))
        });
        self.counts = Counts::of(&self.findings);
        let failing = self.findings.iter().any(|f| f.severity >= fail_on);
        let differences = self
            .expect
            .as_ref()
            .is_some_and(|e| !e.differences.is_empty());
        let version_refused = self
            .compatibility
            .server_version
            .as_ref()
            .is_some_and(|v| v.verdict == compat::Verdict::Incompatible);
        self.ok = !failing && !differences && !version_refused;
    }
}

/// Parse a `--fail-on` value.
pub fn parse_severity(s: &str) -> Option<Severity> {
    match s.to_ascii_lowercase().as_str() {
        "error" => Some(Severity::Error),
        "warning" | "warn" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}
