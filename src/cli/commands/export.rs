//! `stanctl export parquet --to DIR`: the store as a Parquet dataset.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde::Serialize;

use stanctl::export::{self, ExportOptions, ExportReport, ExportVerify};
use stanctl::filestore::problem::RecordProblem;
use stanctl::migrate::{self, Progress};
use stanctl::StoreError;

use super::output::{self, Format};
use super::progress::bars_for;
use super::range::RangeArgs;
use super::{Cli, Outcome};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Apache Parquet dataset: messages/channel=NAME/part-N.parquet (Hive
    /// partitions) plus channels, subscriptions and clients files.
    Parquet(ParquetArgs),
}

#[derive(Debug, Args)]
pub struct ParquetArgs {
    /// Target directory (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Only these channels (repeatable; subject wildcards `*` and `>`).
    #[arg(long = "channel", value_name = "NAME")]
    pub channels: Vec<String>,
    #[command(flatten)]
    pub range: RangeArgs,
    /// zstd compression level (1 fastest to 22 smallest).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub zstd_level: i32,
    /// Close a row group at this encoded size (e.g. 64M).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub row_group_size: u64,
    /// ... or at this many rows.
    #[arg(long, value_name = "N", default_value_t = 1 << 20)]
    pub row_group_rows: usize,
    /// Start a new file of a channel at this size (e.g. 1G); a file exceeds
    /// it by at most one message and its footer.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub split_size: u64,
    /// Write payloads that are encrypted and cannot be decrypted (no key)
    /// as stored, instead of refusing them.
    #[arg(long)]
    pub keep_encrypted: bool,
    /// Re-read the dataset and compare every row with the store.
    #[arg(long)]
    pub verify: bool,
}

/// `123`, `64K`, `64M`, `2G` (powers of 1024).
fn parse_size(s: &str) -> anyhow::Result<u64> {
    let bad = || anyhow::anyhow!("{s:?}: expected a size like 1048576, 64M or 2G");
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 10),
        Some((i, 'm' | 'M')) => (&t[..i], 20),
        Some((i, 'g' | 'G')) => (&t[..i], 30),
        Some((i, 't' | 'T')) => (&t[..i], 40),
        _ => (t, 0),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let size = n.checked_mul(1 << shift).ok_or_else(bad)?;
    if size == 0 {
        anyhow::bail!("{s:?}: must be above 0");
    }
    Ok(size)
}

#[derive(Serialize)]
struct Summary<'a> {
    export: &'a ExportReport,
    target: String,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<&'a ExportVerify>,
}

pub fn run(cli: &Cli, cmd: &ExportCommand) -> anyhow::Result<Outcome> {
    let ExportCommand::Parquet(args) = cmd;
    let key = cli.store.encryption_key()?;
    // With a key payloads are decrypted, unless the ciphertext is wanted.
    let decrypt = key.is_some() && !args.keep_encrypted;
    let mut store = if decrypt {
        cli.store.open()?
    } else {
        cli.store.open_raw()?
    };
    let opts = ExportOptions {
        channels: args.channels.clone(),
        range: args.range.range()?,
        zstd_level: args.zstd_level,
        row_group_bytes: usize::try_from(args.row_group_size).context("--row-group-size")?,
        row_group_rows: args.row_group_rows,
        split_bytes: args.split_size,
        keep_encrypted: args.keep_encrypted || decrypt,
    };
    // A name that selects nothing is a typo, not an empty export.
    stanctl::multichannel::select_channels(store.as_mut(), &opts.channels)?;
    export::keep_freed_memory(&opts);
    let started = Instant::now();
    let result = {
        // Bars live in this block: cleared before the summary is printed.
        let mut bars = bars_for(store.as_mut(), cli.quiet, |n| opts.wants(n))?;
        let mut silent = migrate::NoProgress;
        let progress: &mut dyn Progress = match bars.as_mut() {
            Some(bars) => bars,
            None => &mut silent,
        };
        export::export_parquet(store.as_mut(), &args.to, &opts, progress)
    };
    let report = result.map_err(|e| {
        let hint = match &e {
            StoreError::NeedsKey { .. } => {
                " (--encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY to decrypt, \
                 --keep-encrypted to keep the ciphertext)"
            }
            StoreError::BadRecord {
                problem: RecordProblem::Crc(_),
                ..
            } => {
                " (the server fails on this message too; --file_crc=false exports what \
                 the server with -file_crc=false serves)"
            }
            _ => "",
        };
        anyhow::anyhow!("export to {}: {e}{hint}", args.to.display())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let source_problems = output::report_findings(&store.findings(), cli.verbose, cli.quiet);
    let verify = if args.verify {
        Some(export::verify_parquet(
            store.as_mut(),
            &args.to,
            &opts,
            &report,
        )?)
    } else {
        None
    };
    print_summary(cli, args, &report, seconds, verify.as_ref())?;
    Ok(Outcome {
        problems: source_problems || verify.is_some_and(|v| !v.ok),
    })
}

fn print_summary(
    cli: &Cli,
    args: &ParquetArgs,
    report: &ExportReport,
    seconds: f64,
    verify: Option<&ExportVerify>,
) -> anyhow::Result<()> {
    match cli.format {
        Format::Json | Format::Ndjson => output::print_json(&Summary {
            export: report,
            target: args.to.display().to_string(),
            seconds,
            verify,
        }),
        Format::Raw => bail!("--format raw is only for dump"),
        Format::Table => {
            let mut t = output::table(&[
                "channel",
                "rows",
                "bytes in",
                "bytes out",
                "files",
                "row groups",
            ]);
            for c in &report.channels {
                t.add_row(vec![
                    c.name.clone(),
                    c.rows.to_string(),
                    c.bytes_in.to_string(),
                    c.bytes_out.to_string(),
                    c.files.len().to_string(),
                    c.row_groups.to_string(),
                ]);
            }
            output::print_table(&t)?;
            println!(
                "exported cluster {:?} to {}: {} channels, {} rows ({} payload bytes in, {} bytes out), {} subscriptions, {} clients in {:.2}s",
                report.cluster_id,
                args.to.display(),
                report.channels.len(),
                report.rows,
                report.bytes_in,
                report.bytes_out,
                report.subscriptions,
                report.clients,
                seconds
            );
            if let Some(v) = verify {
                for d in &v.differences {
                    eprintln!("stanctl: difference: {d}");
                }
                println!(
                    "verify: {} ({} rows, {} subscriptions compared; {} differences)",
                    if v.ok { "OK" } else { "FAILED" },
                    v.rows_compared,
                    v.subscriptions_compared,
                    v.difference_count
                );
            }
            Ok(())
        }
    }
}
