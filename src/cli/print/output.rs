//! One table renderer and one JSON writer for every command.

use std::io::{self, BufWriter, Write};

use clap::ValueEnum;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ColumnConstraint, ContentArrangement, Table};
use serde::Serialize;

use stanctl::check::manifest::WriteError;
use stanctl::error::StoreError;
use stanctl::finding::Need;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout: `always`, or `auto` on a terminal without
    /// `NO_COLOR` (no-color.org: any non-empty value).
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::IsTerminal::is_terminal(&io::stdout())
            }
        }
    }
}

/// `text` in the colour of a severity (red error, yellow warning), when
/// colour is on.
pub fn severity_colored(text: &str, severity: Severity, color: bool) -> String {
    let code = match severity {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Info => return text.to_string(),
    };
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Buffered, locked stdout.
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

/// A closed stdout anywhere in the chain. Library errors carry their OS
/// error inside (it is part of their message, not a `source()`), so they are
/// looked into as well.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let io = cause
            .downcast_ref::<io::Error>()
            .or_else(|| cause.downcast_ref::<StoreError>()?.io_error())
            .or_else(|| match cause.downcast_ref::<WriteError>()? {
                WriteError::Output(io) => Some(io),
                WriteError::Store(store) => store.io_error(),
            });
        io.is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
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

/// The width tables must fit: `COLUMNS` when set, else the terminal's;
/// none when stdout is piped (full width for scripts and files).
pub fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns);
    }
    if !io::IsTerminal::is_terminal(&io::stdout()) {
        return None;
    }
    let (terminal_size::Width(columns), _) = terminal_size::terminal_size_of(io::stdout())?;
    (columns > 0).then_some(usize::from(columns))
}

/// Print a listing that fits `terminal_width()`: columns are hidden in
/// `drop_order` until the table fits, then cells wrap; full width when
/// there is no width to fit.
pub fn print_fitted(t: &mut Table, drop_order: &[usize]) -> anyhow::Result<()> {
    if let Some(width) = terminal_width() {
        let widths = t.column_max_content_widths();
        // "│ a │ b │": each column adds its padding and one border.
        let shown = |hidden: &[usize]| -> usize {
            widths
                .iter()
                .enumerate()
                .filter(|(i, _)| !hidden.contains(i))
                .map(|(_, w)| usize::from(*w) + 3)
                .sum::<usize>()
                + 1
        };
        let mut hidden: Vec<usize> = Vec::new();
        for &column in drop_order {
            if shown(&hidden) <= width {
                break;
            }
            hidden.push(column);
        }
        for &column in &hidden {
            if let Some(c) = t.column_mut(column) {
                c.set_constraint(ColumnConstraint::Hidden);
            }
        }
        t.set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(width).unwrap_or(u16::MAX));
    }
    print_table(t)
}

/// `3d4h`, `90s`, `250ms`: the two largest units.
pub fn human_duration(ns: i64) -> String {
    const UNITS: [(&str, i64); 7] = [
        ("d", 86_400_000_000_000),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        // Without it a width of 26.36 ms printed as "26ms363501ns".
        ("µs", 1_000),
        ("ns", 1),
    ];
    let mut rest = ns.max(0);
    let mut parts = Vec::new();
    for (name, size) in UNITS {
        if rest >= size && parts.len() < 2 {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            break;
        }
    }
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.concat()
    }
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

/// The option (or variable) that supplies what a finding needs.
pub fn need_hint(need: Need) -> String {
    match need {
        Need::EncryptionKey => format!(
            "give the key (--encryption-key-file or {})",
            crate::cli::store_args::KEY_ENV
        ),
        Need::RaftLogPath => "give --cluster-log-path".into(),
        Need::CrcPolynomial(poly) => format!("use --file-crc-poly 0x{poly:08X} here"),
    }
}

/// A finding's message with the hint of what it needs, if any.
pub fn message_with_hint(f: &Finding) -> String {
    match f.needs {
        Some(need) => format!("{}; {}", f.message, need_hint(need)),
        None => f.message.clone(),
    }
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
            f.location,
            message_with_hint(f),
            f.server_behaviour
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
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(90_000_000_000), "1m30s");
        assert_eq!(
            human_duration(3 * 86_400_000_000_000 + 4 * 3_600_000_000_000),
            "3d4h"
        );
        assert_eq!(human_duration(86_400_000_000_000 + 1), "1d");
        assert_eq!(human_duration(250_000_000), "250ms");
        assert_eq!(human_duration(26_363_501), "26ms363µs");
        assert_eq!(human_duration(1_500), "1µs500ns");
    }
}
