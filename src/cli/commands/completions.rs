//! `stanctl completions SHELL` and the man pages: generated from the clap
//! definitions the binary parses with, so they cannot drift from it.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Outcome};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut cmd = Cli::command();
    let mut out = super::output::stdout();
    clap_complete::generate(args.shell, &mut cmd, "stanctl", &mut out);
    std::io::Write::flush(&mut out)?;
    Ok(Outcome::default())
}

/// Also how scripts/update-completions.sh refreshes man/ (a test compares).
#[derive(Debug, Args)]
pub struct ManPagesArgs {
    /// Directory to write stanctl.1, stanctl-dump.1, ... into (created if missing).
    pub out_dir: PathBuf,
}

/// One page per visible subcommand (stanctl-channels-ls.1 for `channels ls`).
pub fn run_man_pages(args: &ManPagesArgs) -> anyhow::Result<Outcome> {
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
    Ok(Outcome::default())
}
