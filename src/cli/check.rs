//! `stanctl check`: integrity and compatibility of a store, and its
//! comparison with an expected description (`--expect`).
//!
//! Exit status: 0 clean, 1 findings at or above `--fail-on` (or a
//! difference with `--expect`, or a `--server-version` that cannot open
//! the store), 2 the store cannot be opened or bad usage.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use stanctl::check::compat::{self, Compatibility, Verdict, Version};
use stanctl::check::file::FileCheckOptions;
use stanctl::check::sql::SqlCheckOptions;
use stanctl::check::{expect, file, severity_name, sql, Finding, Report, Severity};
use stanctl::sqlstore::SqlDriver;

use super::output::{self, Format};
use super::store_args::{StoreArgs, StoreLocation};
use super::{Cli, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Read and verify every message. Default: what the server reads at
    /// start-up (every index record, the last record of each slice, every
    /// subs.dat/clients.dat record) plus the framing of every data record.
    #[arg(long)]
    pub deep: bool,

    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Also answer whether this server version opens the store (exit 1 if
    /// not), e.g. 0.10.0: a released version, v0.1.0 to v0.25.6.
    #[arg(long, value_name = "X.Y.Z", value_parser = compat::released)]
    pub server_version: Option<Version>,

    /// Compare the store with an expected description (a fixture's
    /// MANIFEST.json or `stanctl manifest` output); exit 1 on any difference.
    #[arg(long, value_name = "FILE.json")]
    pub expect: Option<PathBuf>,
}

/// The store the options name, resolved without opening it.
pub enum Target {
    File {
        dir: PathBuf,
        crc_poly: u32,
        verify_crc: bool,
    },
    Sql {
        driver: SqlDriver,
        source: String,
    },
}

/// Resolve `--dir` / `--sql-*` / `-c` exactly as `StoreArgs::open` does.
pub fn resolve(store: &StoreArgs) -> anyhow::Result<Target> {
    Ok(match store.location()? {
        StoreLocation::File(dir) => {
            let opts = store.read_options()?;
            Target::File {
                dir,
                crc_poly: opts.crc_poly,
                verify_crc: opts.verify_crc,
            }
        }
        StoreLocation::Sql { driver, source } => Target::Sql { driver, source },
    })
}

/// Run every check and build the report (no output).
pub fn build_report(cli: &Cli, args: &CheckArgs) -> anyhow::Result<Report> {
    let target = resolve(&cli.store)?;
    let mut report = match &target {
        Target::File {
            dir,
            crc_poly,
            verify_crc,
        } => {
            let opts = FileCheckOptions {
                crc_poly: *crc_poly,
                verify_crc: *verify_crc,
                deep: args.deep,
            };
            let mut out = file::check(dir, &opts)
                .with_context(|| format!("opening file store {}", dir.display()))?;
            // A cluster node's clients and subscriptions are in its Raft log.
            for f in cli.store.raft_log_findings()? {
                let mut finding = Finding::new(f.severity, "raft.log", f.location);
                finding.message = f.message;
                finding.server_behaviour = f.server_behaviour;
                out.findings.push(finding);
            }
            Report {
                ok: false,
                store: "file".into(),
                source: dir.display().to_string(),
                deep: args.deep,
                findings: out.findings,
                counts: Default::default(),
                compatibility: Compatibility::compute(
                    &out.constraints,
                    args.server_version.as_ref(),
                    out.notes,
                ),
                expect: None,
                schema: Vec::new(),
                stats: out.stats,
            }
        }
        Target::Sql { driver, source } => {
            let opts = SqlCheckOptions {
                deep: args.deep,
                target: args.server_version.clone(),
            };
            let out = sql::check(*driver, source, &opts)?;
            Report {
                ok: false,
                store: format!("sql/{driver}"),
                source: out.source.clone(),
                deep: args.deep,
                findings: out.findings,
                counts: Default::default(),
                compatibility: Compatibility::compute(
                    &out.constraints,
                    args.server_version.as_ref(),
                    out.notes,
                ),
                expect: None,
                schema: out.schema,
                stats: out.stats,
            }
        }
    };
    if args.deep && cli.store.encryption_key()?.is_some() {
        // Deep means every payload is readable: with a key, that it decrypts.
        let mut store = cli.store.open()?;
        let keys = stanctl::check::keys::check_decryption(store.as_mut())?;
        report.findings.extend(keys.findings);
    }
    if let Some(v) = &report.compatibility.server_version {
        if v.verdict == Verdict::Incompatible {
            let mut f = Finding::new(
                Severity::Error,
                "compat.server_version",
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
            // Carry the fix of the schema finding that explains it.
            if let Some(fix) = report
                .findings
                .iter()
                .find(|f| !f.fix.is_empty() && f.code.starts_with("schema."))
                .map(|f| f.fix.clone())
            {
                f.fix = fix;
            }
            report.findings.push(f);
        }
    }
    if let Some(path) = &args.expect {
        let expected = expect::Expected::read(path).map_err(|e| match e {
            expect::ExpectedFileError::Read(e) => {
                anyhow::Error::new(e).context(format!("reading {}", path.display()))
            }
            expect::ExpectedFileError::Json(e) => {
                anyhow::Error::new(e).context(format!("{}: not JSON", path.display()))
            }
        })?;
        let file = path.display().to_string();
        let result = cli
            .store
            .open()
            .and_then(|mut store| Ok(expect::compare(store.as_mut(), &expected, &file)?));
        report.expect = Some(match result {
            Ok(r) => r,
            Err(e) => expect::ExpectReport {
                file,
                differences: vec![expect::Difference {
                    path: "store".into(),
                    expected: serde_json::Value::String("a readable store".into()),
                    found: serde_json::Value::String(format!("{e:#}")),
                    message: format!("the store cannot be read to compare it: {e:#}"),
                }],
                ..Default::default()
            },
        });
    }
    report.finish(args.fail_on.severity());
    Ok(report)
}

pub fn run(cli: &Cli, args: &CheckArgs) -> anyhow::Result<Outcome> {
    if cli.format == Format::Raw {
        bail!("check writes table or json output");
    }
    let report = build_report(cli, args)?;
    match cli.format {
        Format::Json => output::print_json(&report)?,
        Format::Ndjson => {
            let mut out = output::stdout();
            serde_json::to_writer(&mut out, &report)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        _ => print_table(&report, cli.verbose, cli.quiet, cli.color.enabled())?,
    }
    Ok(Outcome {
        problems: !report.ok,
    })
}

fn print_table(report: &Report, verbose: bool, quiet: bool, color: bool) -> anyhow::Result<()> {
    let mut out = output::stdout();
    writeln!(
        out,
        "store: {} {}{}",
        report.store,
        report.source,
        if report.deep { " (deep)" } else { "" }
    )?;
    if !quiet {
        for f in &report.findings {
            if f.severity == Severity::Info && !verbose {
                continue;
            }
            writeln!(
                out,
                "{} {}: {} [{}]",
                output::severity_colored(
                    &format!("{:<7}", severity_name(f.severity)),
                    f.severity,
                    color
                ),
                f.location,
                f.message,
                f.code
            )?;
            if !f.expected.is_empty() || !f.found.is_empty() {
                writeln!(out, "        expected: {}; found: {}", f.expected, f.found)?;
            }
            if !f.server_behaviour.is_empty() {
                writeln!(out, "        server: {}", f.server_behaviour)?;
            }
            if let Some(t) = &f.truncate_bad_eof {
                writeln!(
                    out,
                    "        -file_truncate_bad_eof: truncate to {} (drops {} bytes{})",
                    t.truncate_to,
                    t.drops_bytes,
                    t.drops_seqs
                        .map_or(String::new(), |(a, b)| format!(", seqs {a}-{b}"))
                )?;
            }
            for (driver, fix) in &f.fix {
                writeln!(out, "        fix ({driver}): {fix}")?;
            }
        }
    }
    let c = &report.compatibility;
    writeln!(
        out,
        "compatibility: opens with {}",
        if c.opens_with.is_empty() {
            "no release".to_string()
        } else {
            c.opens_with.join(", ")
        }
    )?;
    for r in &c.ranges {
        if r.verdict == Verdict::Compatible && !verbose {
            continue;
        }
        let range = if r.from == r.to {
            r.from.clone()
        } else {
            format!("{} - {}", r.from, r.to)
        };
        writeln!(
            out,
            "  {range}: {}{}",
            verdict_name(r.verdict),
            if r.reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", r.reasons.join("; "))
            }
        )?;
    }
    for n in &c.notes {
        writeln!(out, "  note: {n}")?;
    }
    if let Some(v) = &c.server_version {
        writeln!(
            out,
            "server {}: {}{}",
            v.version,
            if v.opens {
                "opens it"
            } else {
                "does NOT open it"
            },
            if v.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.reasons.join("; "))
            }
        )?;
    }
    if let Some(e) = &report.expect {
        writeln!(
            out,
            "expect {}: {} difference(s) ({} channels, {} messages, {} subscriptions, {} clients compared)",
            e.file,
            e.differences.len(),
            e.compared.channels,
            e.compared.messages,
            e.compared.subscriptions,
            e.compared.clients
        )?;
        for d in &e.differences {
            writeln!(out, "  {}: {}", d.path, d.message)?;
        }
        for s in &e.skipped {
            writeln!(out, "  skipped: {s}")?;
        }
    }
    writeln!(
        out,
        "{}: {} error(s), {} warning(s), {} info; {} files, {} records, {} CRCs verified",
        if report.ok {
            "OK".to_string()
        } else {
            output::severity_colored("FAIL", Severity::Error, color)
        },
        report.counts.error,
        report.counts.warning,
        report.counts.info,
        report.stats.files,
        report.stats.records,
        report.stats.crc_verified
    )?;
    out.flush()?;
    Ok(())
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Compatible => "compatible",
        Verdict::Caveats => "opens, with caveats",
        Verdict::Incompatible => "incompatible",
    }
}
