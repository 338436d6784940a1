//! The command line: arguments in, library calls, text or JSON out.

mod commands;
mod examples;
mod print;
mod range;
mod store_args;

use commands::{
    channels, check, clients, completions, dump, export, info, manifest, migrate, salvage, sql,
    stats, subs,
};
use print::{output, progress};

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::Format;
use stanctl::sqlstore::dsn::{mask_secrets, secrets_in};
use stanctl::StoreError;
pub use store_args::StoreArgs;

/// Exit codes: 0 ok, 1 the store has problems, 2 usage or I/O error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_PROBLEMS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// `stanctl --version`: what it reads and writes (`-V`: the version alone).
/// The server range is `check::compat::TAGS` (a test holds them in step).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nserver versions: nats-streaming-server v0.1.0 to v0.25.6 (check --server-version; compatibility for every release)",
    "\nreads: file store (.dat/.idx, encrypted, cluster node with its Raft log), SQL store on PostgreSQL, MySQL/MariaDB, SQLite",
    "\nwrites (migrate, salvage): file store, PostgreSQL, MySQL/MariaDB, SQLite; NATS JetStream (migrate to-jetstream)"
);

#[derive(Debug, Parser)]
#[command(
    name = "stanctl",
    version,
    long_version = LONG_VERSION,
    about = "Inspect, dump and check NATS Streaming (STAN) stores, read-only and without a server"
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table, help_heading = "Output")]
    pub format: Format,

    /// Also print informational findings.
    #[arg(short, long, global = true, help_heading = "Output")]
    pub verbose: bool,

    /// Print no findings, notes or progress (exit codes still tell).
    #[arg(short, long, global = true, help_heading = "Output")]
    pub quiet: bool,

    /// Colour check severities: auto (a terminal, unless NO_COLOR is set),
    /// always or never.
    #[arg(long, global = true, value_enum, default_value_t = output::ColorChoice::Auto, help_heading = "Output")]
    pub color: output::ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cluster id, node id, store type, totals and disk size.
    #[command(after_help = examples::INFO)]
    Info,
    /// Channels with counts, bytes, first/last sequence and time, limits.
    #[command(subcommand)]
    Channels(channels::ChannelsCommand),
    /// Messages of a channel by sequence or time range.
    #[command(after_help = examples::DUMP)]
    Dump(dump::DumpArgs),
    /// Messages over time (bar chart), payload size percentiles, top
    /// subjects, reply use and subscription lag, for a store or channels.
    #[command(after_help = examples::STATS)]
    Stats(stats::StatsArgs),
    /// Clients recorded in the store.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// Subscriptions with last sent, lag and unacknowledged messages.
    #[command(subcommand)]
    Subs(subs::SubsCommand),
    /// Export a store to another format (the source is never modified).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Copy a store to another backend (the source is never modified).
    #[command(subcommand)]
    Migrate(Box<migrate::MigrateCommand>),
    /// Integrity and compatibility check: exit 0 clean, 1 problems, 2 cannot open.
    #[command(after_help = examples::CHECK)]
    Check(check::CheckArgs),
    /// Write a MANIFEST-shaped JSON description of the store (for check --expect).
    ///
    /// Exit status: 0, also when the store has only warnings; 1 when it has
    /// errors: the manifest is still written, of what stanctl reads (the
    /// server's view after its recovery), and the errors are on standard
    /// error; 2 when the store cannot be read or the manifest cannot be
    /// written (then -o leaves no file, or the old one as it was).
    #[command(after_help = examples::MANIFEST)]
    Manifest(manifest::ManifestArgs),
    /// SQL store schema upgrade (the one command that writes, with --apply).
    #[command(subcommand)]
    Sql(sql::SqlCommand),
    /// Copy what is recoverable from a damaged file store into a new one.
    #[command(after_help = examples::SALVAGE)]
    Salvage(salvage::SalvageArgs),
    /// Print a shell completion script.
    #[command(after_help = examples::COMPLETIONS)]
    Completions(completions::CompletionsArgs),
    /// Write the man pages (stanctl.1, one per subcommand) into a directory.
    #[command(after_help = examples::MAN_PAGES)]
    ManPages(completions::ManPagesArgs),
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
            let text = error_text(&e);
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

/// The error and its causes. Each is said once: the library's errors put
/// the OS error they wrap in their message and do not return it again as
/// `source()` (see `StoreError::Io`).
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = format!("{e:#}");
    if let Some(hint) = e
        .chain()
        .find_map(|cause| cause.downcast_ref::<StoreError>().and_then(flag_hint))
    {
        text.push_str(&hint);
    }
    text
}

/// The option that answers a library error (the library names no flags).
fn flag_hint(e: &StoreError) -> Option<String> {
    match e {
        StoreError::NotAStore {
            nearby: Some(store),
            ..
        } => Some(format!(": try --dir {}", store.dir().display())),
        StoreError::CrcPolynomial { suggested, .. } => {
            Some(format!(": use --file-crc-poly 0x{suggested:08X}"))
        }
        StoreError::NotForServer { version, .. } => {
            Some(format!(" (--for-server-version {version})"))
        }
        StoreError::SequenceReset { .. } => {
            Some(": pass --allow-sequence-reset to accept it".into())
        }
        _ => None,
    }
}

fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::ManPages(args) => return completions::run_man_pages(args),
        Command::Migrate(args) => return migrate::run(cli, args),
        Command::Export(cmd) => return export::run(cli, cmd),
        Command::Check(args) => return check::run(cli, args),
        Command::Sql(cmd) => return sql::run(cli, cmd),
        Command::Salvage(args) => return salvage::run(cli, args),
        _ => {}
    }
    // Resolved once: the configuration file is read once per command.
    let spec = cli.store.spec()?;
    let mut store = spec.open_reader().map_err(store_args::open_error)?;
    let result = match &cli.command {
        Command::Info => info::run(cli, &spec.location, store.as_mut()),
        Command::Channels(cmd) => channels::run(cli, cmd, store.as_mut()),
        Command::Dump(args) => dump::run(cli, args, store.as_mut()),
        Command::Stats(args) => stats::run(cli, args, store.as_mut()),
        Command::Clients(cmd) => clients::run(cli, cmd, store.as_mut()),
        Command::Subs(cmd) => subs::run(cli, cmd, store.as_mut()),
        Command::Manifest(args) => manifest::run(cli, args, store.as_mut()),
        Command::Completions(_)
        | Command::ManPages(_)
        | Command::Migrate(_)
        | Command::Export(_)
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
