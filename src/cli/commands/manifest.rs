//! `stanctl manifest`: a MANIFEST-shaped JSON description of a store, to
//! pin a fixture and compare it later with `stanctl check --expect`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use stanctl::check::manifest::{prepare, write, ManifestOptions};
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
    // Everything but the messages first: a store that cannot be read
    // fails before any output.
    let plan = prepare(
        store,
        ManifestOptions {
            messages: args.messages,
        },
    )?;
    match &args.output {
        Some(path) => {
            // Written aside and renamed at the end: on any error the
            // temporary file goes and an existing file stays as it was.
            let mut target = stanctl::safe_fs::AtomicOutput::create(path)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, target.file());
            let written = write(store, plan, &mut out)
                .map_err(anyhow::Error::from)
                .and_then(|()| Ok(out.flush()?));
            drop(out);
            if let Err(e) = written {
                return Err(e.context(format!("writing {}", path.display())));
            }
            target.commit()?;
        }
        None => {
            let mut out = output::stdout();
            write(store, plan, &mut out)?;
            out.flush()?;
        }
    }
    Ok(Outcome::default())
}
