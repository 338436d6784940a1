//! `stanctl manifest`: a MANIFEST-shaped JSON description of a store, to
//! pin a fixture and compare it later with `stanctl check --expect`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use stanctl::check::manifest::{build, ManifestOptions};
use stanctl::StoreReader;

use super::output;
use super::{Cli, Outcome};

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Include every message: seq, timestamp, subject, reply, payload length
    /// and SHA-256 (payloads are decrypted when a key is given).
    #[arg(long)]
    pub messages: bool,

    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(
    _cli: &Cli,
    args: &ManifestArgs,
    store: &mut dyn StoreReader,
) -> anyhow::Result<Outcome> {
    let manifest = build(
        store,
        ManifestOptions {
            messages: args.messages,
        },
    )?;
    match &args.output {
        Some(path) => {
            let mut text = serde_json::to_string_pretty(&manifest)?;
            text.push('\n');
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut out = output::stdout();
            serde_json::to_writer_pretty(&mut out, &manifest)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
    }
    Ok(Outcome::default())
}
