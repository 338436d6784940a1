//! `stanctl completions SHELL`: generated from the clap definitions.

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
