//! `stanctl salvage --to-dir NEW`: copy everything recoverable from a file
//! store into a new, clean one (never in place) and report what was
//! dropped.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use stanctl::salvage::{salvage, SalvageOptions};

use super::output::{self, Format};
use super::store_args::StoreLocation;
use super::{Cli, Outcome};

#[derive(Debug, Args)]
pub struct SalvageArgs {
    /// The new store directory (must not exist, or be empty; not inside the source).
    #[arg(long, value_name = "DIR")]
    pub to_dir: PathBuf,
}

pub fn run(cli: &Cli, args: &SalvageArgs) -> anyhow::Result<Outcome> {
    let spec = cli.store.spec()?;
    let StoreLocation::File(dir) = &spec.location else {
        bail!("salvage works on a file store (--dir)");
    };
    let opts = SalvageOptions {
        crc_poly: spec.file_options().crc_poly,
        ..SalvageOptions::default()
    };
    let report = salvage(dir, &args.to_dir, &opts)?;
    let lost = !report.dropped_bytes.is_empty()
        || !report.unreadable_files.is_empty()
        || report.raft_state_not_copied
        || report.channels.iter().any(|c| !c.dropped_seqs.is_empty());
    if matches!(cli.format, Format::Json | Format::Ndjson) {
        output::print_json(&report)?;
    } else {
        let mut out = output::stdout();
        writeln!(out, "salvaged {} into {}", report.source, report.target)?;
        writeln!(out, "clients: {}", report.clients)?;
        for c in &report.channels {
            let kept: Vec<String> = c.kept.iter().map(|r| range(*r)).collect();
            let dropped: Vec<String> = c.dropped_seqs.iter().map(|r| range(*r)).collect();
            writeln!(
                out,
                "{}: kept {} message(s) [{}]{}{}, {} subscription(s)",
                c.name,
                c.kept_messages,
                kept.join(", "),
                if dropped.is_empty() {
                    String::new()
                } else {
                    format!(", dropped seqs [{}]", dropped.join(", "))
                },
                if c.recovered_unindexed > 0 {
                    format!(", {} unindexed record(s) recovered", c.recovered_unindexed)
                } else {
                    String::new()
                },
                c.subscriptions
            )?;
        }
        for d in &report.dropped_bytes {
            writeln!(
                out,
                "dropped {} bytes {}..{}: {}",
                d.file, d.from, d.to, d.reason
            )?;
        }
        for n in &report.notes {
            writeln!(out, "note: {n}")?;
        }
        out.flush()?;
    }
    Ok(Outcome { problems: lost })
}

fn range(r: (u64, u64)) -> String {
    if r.0 == r.1 {
        r.0.to_string()
    } else {
        format!("{}-{}", r.0, r.1)
    }
}
