//! `check` as a whole: the store's own checks (file or SQL), a cluster
//! node's Raft log, the keys, the compatibility verdict and the comparison
//! with an expected description, assembled into one [`Report`].

use std::path::PathBuf;

use super::compat::{Compatibility, Verdict, Version};
use super::file::FileCheckOptions;
use super::sql::SqlCheckOptions;
use super::{expect, file, sql, Code, Finding, Report, Severity};
use crate::open::{OpenError, StoreLocation, StoreSpec};

/// What to check and how strictly.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Read and verify every message, not only what the server reads at
    /// start-up.
    pub deep: bool,
    /// The report is not ok when a finding is at least this severe.
    pub fail_on: Severity,
    /// Also answer whether this server version opens the store.
    pub server_version: Option<Version>,
    /// Compare the store with this expected description (a MANIFEST.json).
    pub expect: Option<PathBuf>,
}

/// Why a check could not run at all (problems in the store are findings).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Open(#[from] OpenError),

    #[error(transparent)]
    Store(#[from] crate::error::StoreError),

    /// The OS error is part of the message (said once).
    #[error("reading {}: {error}", path.display())]
    ExpectRead {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{}: not JSON: {error}", path.display())]
    ExpectJson {
        path: PathBuf,
        error: serde_json::Error,
    },
}

/// Run every check on the store `spec` names and build the report.
pub fn run(spec: &StoreSpec, opts: &CheckOptions) -> Result<Report, CheckError> {
    let (source, findings, compatibility, schema, stats) = match &spec.location {
        StoreLocation::File(dir) => {
            let read = spec.file_options();
            let file_opts = FileCheckOptions {
                crc_poly: read.crc_poly,
                verify_crc: read.verify_crc,
                deep: opts.deep,
            };
            let mut out = file::check(dir, &file_opts).map_err(|error| OpenError::FileStore {
                dir: dir.clone(),
                error,
            })?;
            // A cluster node's clients and subscriptions are in its Raft log.
            out.findings.extend(spec.raft_log_findings()?);
            let compatibility =
                Compatibility::compute(&out.constraints, opts.server_version.as_ref(), out.notes);
            let source = dir.display().to_string();
            (source, out.findings, compatibility, Vec::new(), out.stats)
        }
        StoreLocation::Sql { driver, source } => {
            let sql_opts = SqlCheckOptions {
                deep: opts.deep,
                target: opts.server_version.clone(),
            };
            let out = sql::check(*driver, source, &sql_opts)?;
            let compatibility =
                Compatibility::compute(&out.constraints, opts.server_version.as_ref(), out.notes);
            (
                out.source,
                out.findings,
                compatibility,
                out.schema,
                out.stats,
            )
        }
    };
    let mut report = Report {
        ok: false,
        store: spec.backend().to_string(),
        source,
        deep: opts.deep,
        findings,
        counts: Default::default(),
        compatibility,
        expect: None,
        schema,
        stats,
    };
    if opts.deep && spec.encryption_key()?.is_some() {
        // Deep means every payload is readable: with a key, that it decrypts.
        let mut store = spec.open_reader()?;
        let keys = super::keys::check_decryption(store.as_mut())?;
        report.findings.extend(keys.findings);
    }
    if let Some(f) = version_refusal(&report) {
        report.findings.push(f);
    }
    if let Some(path) = &opts.expect {
        report.expect = Some(compare_with(spec, path)?);
    }
    report.finish(opts.fail_on);
    Ok(report)
}

/// The error finding for a server version that cannot open the store,
/// carrying the fix of the schema finding that explains it.
fn version_refusal(report: &Report) -> Option<Finding> {
    let v = report.compatibility.server_version.as_ref()?;
    if v.verdict != Verdict::Incompatible {
        return None;
    }
    let mut f = Finding::new(
        Severity::Error,
        Code::CompatServerVersion,
        format!("server {}", v.version),
    )
    .msg(format!(
        "server {} cannot open this store: {}",
        v.version,
        v.reasons.join("; ")
    ))
    .expected(format!("a store {} opens", v.version))
    .found(v.reasons.first().cloned().unwrap_or_default())
    .server("refuses to start, or loses or garbles data");
    if let Some(fix) = report
        .findings
        .iter()
        .find(|f| !f.fix.is_empty() && f.code.as_str().starts_with("schema."))
        .map(|f| f.fix.clone())
    {
        f.fix = fix;
    }
    Some(f)
}

/// Compare the store with the expected description at `path`; a store that
/// cannot be read is one difference, not an error.
fn compare_with(
    spec: &StoreSpec,
    path: &std::path::Path,
) -> Result<expect::ExpectReport, CheckError> {
    let expected = expect::Expected::read(path).map_err(|e| match e {
        expect::ExpectedFileError::Read(error) => CheckError::ExpectRead {
            path: path.to_path_buf(),
            error,
        },
        expect::ExpectedFileError::Json(error) => CheckError::ExpectJson {
            path: path.to_path_buf(),
            error,
        },
    })?;
    let file = path.display().to_string();
    let result = spec
        .open_reader()
        .map_err(|e| error_chain(&e))
        .and_then(|mut store| {
            expect::compare(store.as_mut(), &expected, &file).map_err(|e| error_chain(&e))
        });
    Ok(match result {
        Ok(r) => r,
        Err(e) => expect::ExpectReport {
            file,
            differences: vec![expect::Difference {
                path: "store".into(),
                expected: serde_json::Value::String("a readable store".into()),
                found: serde_json::Value::String(e.clone()),
                message: format!("the store cannot be read to compare it: {e}"),
            }],
            ..Default::default()
        },
    })
}

/// An error and its causes, each said once, joined by ": ".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
