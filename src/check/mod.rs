//! `stanctl check`: is a store intact, and which server versions can open
//! it? Read-only, for every backend.
//!
//! * [`file`] walks a file store byte by byte (docs/FORMAT.md sections 1-2) and
//!   replays what the server's recovery would do with it.
//! * [`sql`] compares the tables of a SQL store with the statements every
//!   server version prepares at start-up (docs/FORMAT.md 4.9-4.10) and looks for
//!   orphan rows.
//! * [`compat`] turns what is on disk into a verdict per server version
//!   (docs/FORMAT.md section 8).
//! * [`manifest`] and [`expect`] write and compare a MANIFEST-shaped
//!   description of a store (CI fixture checks).
//! * [`keys`] decrypts every payload with the given key (`--deep`).
//!
//! Salvage (which writes) lives in [`crate::salvage`].
//!
//! Every finding says where (file and byte offset, or table and key), what
//! was expected, what was found and what the server would do with it.

pub mod compat;
pub mod expect;
pub mod file;
pub mod keys;
pub mod manifest;
mod run;
pub mod sql;
pub mod statements;

pub use run::{run, CheckError, CheckOptions};

use serde::Serialize;

pub use crate::finding::{Code, Finding, Need, Severity, Truncation};

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
    s.name()
}
