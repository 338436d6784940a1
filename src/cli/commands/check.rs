//! `stanctl check`: integrity and compatibility of a store, and its
//! comparison with an expected description (`--expect`).
//!
//! Exit status: 0 clean, 1 findings at or above `--fail-on` (or a
//! difference with `--expect`, or a `--server-version` that cannot open
//! the store), 2 the store cannot be opened or bad usage.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, ValueEnum};

use stanctl::check::compat::{self, Verdict, Version};
use stanctl::check::{severity_name, CheckError, CheckOptions, Report, Severity};

use super::output::{self, Format};
use super::store_args::open_error;
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

/// Run every check and build the report (no output).
fn build_report(cli: &Cli, args: &CheckArgs) -> anyhow::Result<Report> {
    let spec = cli.store.spec()?;
    let opts = CheckOptions {
        deep: args.deep,
        fail_on: args.fail_on.severity(),
        server_version: args.server_version.clone(),
        expect: args.expect.clone(),
    };
    stanctl::check::run(&spec, &opts).map_err(|e| match e {
        CheckError::Open(e) => open_error(e),
        other => other.into(),
    })
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
                output::message_with_hint(f),
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
