//! The command line: arguments in, library calls, text or JSON out.

mod channels;
mod check;
mod clients;
mod completions;
mod dump;
mod info;
mod jetstream;
mod manifest;
mod migrate;
mod output;
mod progress;
mod salvage;
mod sql;
mod store_args;
mod subs;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::Format;
use stanctl::sqlstore::dsn::{mask_secrets, secrets_in};
pub use store_args::StoreArgs;

/// Exit codes: 0 ok, 1 the store has problems, 2 usage or I/O error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_PROBLEMS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "stanctl",
    version,
    about = "Inspect, dump and check NATS Streaming (STAN) stores, read-only and without a server"
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also print informational findings.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print no findings (exit codes still tell).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cluster id, node id, store type, totals and disk size.
    Info,
    /// Channels with counts, bytes, first/last sequence and time, limits.
    #[command(subcommand)]
    Channels(channels::ChannelsCommand),
    /// Messages of a channel by sequence or time range.
    Dump(dump::DumpArgs),
    /// Clients recorded in the store.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// Subscriptions with last sent, lag and unacknowledged messages.
    #[command(subcommand)]
    Subs(subs::SubsCommand),
    /// Copy a store to another backend (the source is never modified).
    #[command(subcommand)]
    Migrate(Box<migrate::MigrateCommand>),
    /// Integrity and compatibility check: exit 0 clean, 1 problems, 2 cannot open.
    Check(check::CheckArgs),
    /// Write a MANIFEST-shaped JSON description of the store (for check --expect).
    Manifest(manifest::ManifestArgs),
    /// SQL store schema upgrade (the one command that writes, with --apply).
    #[command(subcommand)]
    Sql(sql::SqlCommand),
    /// Copy what is recoverable from a damaged file store into a new one.
    Salvage(salvage::SalvageArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
}

/// What a command found, for the exit code.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub problems: bool,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(&cli) {
        Ok(outcome) => ExitCode::from(if outcome.problems {
            EXIT_PROBLEMS
        } else {
            EXIT_OK
        }),
        Err(e) if output::is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            // Last guard for secrets: driver and OS messages may quote a
            // data source (or a path derived from it) whole.
            let text = format!("{e:#}");
            eprintln!(
                "stanctl: error: {}",
                mask_secrets(&text, &source_secrets(&cli))
            );
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// What may be secret in every data source the command was given: the
/// store's (flag or configuration file) and a migration target's.
fn source_secrets(cli: &Cli) -> Vec<String> {
    let mut sources = cli.store.sql_sources();
    if let Command::Migrate(cmd) = &cli.command {
        sources.extend(cmd.target_source().map(str::to_string));
    }
    sources.iter().flat_map(|s| secrets_in(s)).collect()
}

fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::Migrate(args) => return migrate::run(cli, args),
        Command::Check(args) => return check::run(cli, args),
        Command::Sql(cmd) => return sql::run(cli, cmd),
        Command::Salvage(args) => return salvage::run(cli, args),
        _ => {}
    }
    let mut store = cli.store.open()?;
    let result = match &cli.command {
        Command::Info => info::run(cli, store.as_mut()),
        Command::Channels(cmd) => channels::run(cli, cmd, store.as_mut()),
        Command::Dump(args) => dump::run(cli, args, store.as_mut()),
        Command::Clients(cmd) => clients::run(cli, cmd, store.as_mut()),
        Command::Subs(cmd) => subs::run(cli, cmd, store.as_mut()),
        Command::Manifest(args) => manifest::run(cli, args, store.as_mut()),
        Command::Completions(_)
        | Command::Migrate(_)
        | Command::Check(_)
        | Command::Sql(_)
        | Command::Salvage(_) => Ok(Outcome::default()),
    };
    let findings = store.findings();
    let store_problems = output::report_findings(&findings, cli.verbose, cli.quiet);
    let outcome = result?;
    Ok(Outcome {
        problems: outcome.problems || store_problems,
    })
}
