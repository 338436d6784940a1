//! One table renderer and one JSON writer for every command.

use std::io::{self, BufWriter, Write};

use clap::ValueEnum;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;

use stanctl::model::{Finding, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable table.
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Payload bytes only (dump).
    Raw,
}

/// Buffered, locked stdout.
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    t
}

pub fn print_table(t: &Table) -> anyhow::Result<()> {
    let mut out = stdout();
    writeln!(out, "{t}")?;
    out.flush()?;
    Ok(())
}

/// Print `items` as a JSON array (json) or one per line (ndjson).
pub fn print_json_list<T: Serialize>(format: Format, items: &[T]) -> anyhow::Result<()> {
    let mut out = stdout();
    match format {
        Format::Ndjson => {
            for item in items {
                serde_json::to_writer(&mut out, item)?;
                out.write_all(b"\n")?;
            }
        }
        _ => {
            serde_json::to_writer_pretty(&mut out, items)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

pub fn print_json<T: Serialize>(item: &T) -> anyhow::Result<()> {
    let mut out = stdout();
    serde_json::to_writer_pretty(&mut out, item)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Print findings on stderr. Returns whether any is an error.
pub fn report_findings(findings: &[Finding], verbose: bool, quiet: bool) -> bool {
    let mut stderr = io::stderr().lock();
    for f in findings {
        if quiet || (f.severity == Severity::Info && !verbose) {
            continue;
        }
        let label = match f.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let _ = writeln!(
            stderr,
            "stanctl: {label}: {}: {} (server: {})",
            f.location, f.message, f.server_behaviour
        );
    }
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// `12.5 MiB`, `512 B`: binary units, one decimal.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A note for the user on stderr, unless `-q`.
pub fn note(quiet: bool, text: &str) {
    if !quiet {
        eprintln!("stanctl: note: {text}");
    }
}

pub fn opt_time(ns: Option<i64>) -> String {
    ns.map(stanctl::timefmt::format_ns)
        .unwrap_or_else(|| "-".into())
}

pub fn opt_num(v: Option<i64>) -> String {
    match v {
        None => "unknown".into(),
        Some(0) => "unlimited".into(),
        Some(v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_binary_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(13_107_200), "12.5 MiB");
        assert_eq!(human_bytes(u64::MAX), "16.0 EiB");
    }
}
