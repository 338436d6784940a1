//! `stanctl migrate file-to-sql | sql-to-file | file-to-file | sql-to-sql`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::{Args, Subcommand};
use serde::Serialize;

use stanctl::check::compat::{self, Version};
use stanctl::crypto::{Cipher, MasterKey};
use stanctl::decrypt::DecryptingReader;
use stanctl::filestore::writer::{FileWriterOptions, SliceLimits};
use stanctl::migrate::{self, MigrateReport, PayloadCrypto, Progress, Selection, VerifyReport};
use stanctl::open::TargetSpec;
use stanctl::sqlstore::{SqlDriver, SqlWriterOptions};

use super::output::{self, Format};
use super::progress::bars_for;
use super::range::StartArgs;
use super::store_args::{open_error, parse_duration, parse_u32, read_key_file};
use super::{Cli, Outcome};

/// Source and target backends of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    FileToSql,
    SqlToFile,
    FileToFile,
    SqlToSql,
}

impl Direction {
    /// The subcommand's name.
    fn name(self) -> &'static str {
        match self {
            Direction::FileToSql => "file-to-sql",
            Direction::SqlToFile => "sql-to-file",
            Direction::FileToFile => "file-to-file",
            Direction::SqlToSql => "sql-to-sql",
        }
    }
    fn source_is_file(self) -> bool {
        matches!(self, Direction::FileToSql | Direction::FileToFile)
    }
    fn target_is_file(self) -> bool {
        matches!(self, Direction::SqlToFile | Direction::FileToFile)
    }
}

/// `stanctl migrate ...`: the source is given with the global store options
/// (--dir, --sql-driver/--sql-source, -c).
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// File store to SQL (SQLite by default, PostgreSQL, MySQL/MariaDB).
    #[command(after_help = super::examples::FILE_TO_SQL)]
    FileToSql(MigrateArgs),
    /// SQL store to file store.
    #[command(after_help = super::examples::SQL_TO_FILE)]
    SqlToFile(MigrateArgs),
    /// File store to a new file store (re-slice, change CRC polynomial or encryption).
    #[command(after_help = super::examples::FILE_TO_FILE)]
    FileToFile(MigrateArgs),
    /// SQL store to another SQL store.
    #[command(after_help = super::examples::SQL_TO_SQL)]
    SqlToSql(MigrateArgs),
    /// Any store to NATS JetStream: channels become streams, durables consumers.
    #[command(after_help = super::examples::TO_JETSTREAM)]
    ToJetstream(super::jetstream::JetStreamArgs),
}

impl MigrateCommand {
    /// The `--to-sql-source` given, if any.
    pub fn target_source(&self) -> Option<&str> {
        self.parts()?.1.to_sql_source.as_deref()
    }

    fn parts(&self) -> Option<(Direction, &MigrateArgs)> {
        match self {
            MigrateCommand::FileToSql(a) => Some((Direction::FileToSql, a)),
            MigrateCommand::SqlToFile(a) => Some((Direction::SqlToFile, a)),
            MigrateCommand::FileToFile(a) => Some((Direction::FileToFile, a)),
            MigrateCommand::SqlToSql(a) => Some((Direction::SqlToSql, a)),
            MigrateCommand::ToJetstream(_) => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Target file store directory (must not exist, or be empty).
    #[arg(long, value_name = "PATH", help_heading = "Target")]
    pub to_dir: Option<PathBuf>,

    /// Target SQL driver: sqlite (default), postgres or mysql.
    #[arg(
        long,
        value_name = "DRIVER",
        default_value = "sqlite",
        help_heading = "Target"
    )]
    pub to_sql_driver: String,

    /// Target SQL data source (a file path for SQLite).
    #[arg(long, value_name = "DSN", help_heading = "Target")]
    pub to_sql_source: Option<String>,

    /// Write SubsPending in the server's no_caching style (one row per
    /// unacknowledged message); it must match the server's sql no_caching.
    #[arg(long, alias = "no-caching", help_heading = "Target")]
    pub to_sql_no_caching: bool,

    /// Replace the content of a non-empty SQL target.
    #[arg(long, help_heading = "Target")]
    pub force: bool,

    /// Target slices: at most this many messages (0 = unchecked).
    #[arg(long, value_name = "N", help_heading = "Target")]
    pub slice_max_msgs: Option<u64>,

    /// Target slices: at most this many bytes (default 64 MiB, as the server).
    #[arg(long, value_name = "BYTES", help_heading = "Target")]
    pub slice_max_bytes: Option<u64>,

    /// Target slices: at most this age span (e.g. 1h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Target")]
    pub slice_max_age: Option<i64>,

    /// CRC-32 polynomial of the target file store (default IEEE), decimal or 0x hex.
    #[arg(long, value_name = "POLY", value_parser = parse_u32, help_heading = "Target")]
    pub to_file_crc_poly: Option<u32>,

    /// Only these channels (repeatable; subject wildcards allowed).
    #[arg(long = "channel", value_name = "NAME", help_heading = "Selection")]
    pub channels: Vec<String>,

    #[command(flatten)]
    pub start: StartArgs,

    /// Re-read the target and compare everything with the source.
    #[arg(long)]
    pub verify: bool,

    /// Encrypt the target's payloads with the key in this file.
    #[arg(long, value_name = "PATH", help_heading = "Target")]
    pub to_encryption_key_file: Option<PathBuf>,

    /// Cipher for --to-encryption-key-file: AES or CHACHA.
    #[arg(
        long,
        value_name = "CIPHER",
        default_value = "AES",
        help_heading = "Target"
    )]
    pub to_encryption_cipher: String,

    /// Write decrypted payloads (needs the source key).
    #[arg(long, help_heading = "Target")]
    pub to_plaintext: bool,

    /// Accept that a file target restarts at 1 the sequence of a channel
    /// whose messages were all removed and whose last record the source no
    /// longer holds (without it, such a migration is refused).
    #[arg(long, help_heading = "Target")]
    pub allow_sequence_reset: bool,

    /// Write what this server version can open (e.g. 0.9.2): plaintext
    /// payloads before v0.12.0 (needs the source key), no sequence gaps
    /// before v0.16.2; refuse what it cannot represent, naming why.
    #[arg(long, value_name = "X.Y.Z", value_parser = compat::released)]
    pub for_server_version: Option<Version>,
}

/// Target options of the other backend are refused, not ignored: a user
/// who writes `file-to-sql --to-dir X` expects something at X.
fn refuse_inapplicable(direction: Direction, args: &MigrateArgs) -> anyhow::Result<()> {
    let given: Vec<&str> = if direction.target_is_file() {
        [
            ("--to-sql-source", args.to_sql_source.is_some()),
            ("--to-sql-driver", args.to_sql_driver != "sqlite"),
            ("--to-sql-no-caching", args.to_sql_no_caching),
            ("--force", args.force),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    } else {
        [
            ("--to-dir", args.to_dir.is_some()),
            ("--slice-max-msgs", args.slice_max_msgs.is_some()),
            ("--slice-max-bytes", args.slice_max_bytes.is_some()),
            ("--slice-max-age", args.slice_max_age.is_some()),
            ("--to-file-crc-poly", args.to_file_crc_poly.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    };
    if !given.is_empty() {
        bail!(
            "{} {} not apply to a {} target",
            given.join(", "),
            if given.len() == 1 { "does" } else { "do" },
            if direction.target_is_file() {
                "file store"
            } else {
                "SQL"
            }
        );
    }
    Ok(())
}

fn target(direction: Direction, args: &MigrateArgs) -> anyhow::Result<TargetSpec> {
    refuse_inapplicable(direction, args)?;
    if direction.target_is_file() {
        let Some(dir) = args.to_dir.clone() else {
            bail!("a file target needs --to-dir PATH");
        };
        let mut opts = FileWriterOptions::default();
        if let Some(poly) = args.to_file_crc_poly {
            opts.crc_poly = poly;
        }
        let mut slices = SliceLimits::default();
        let any = args.slice_max_msgs.is_some()
            || args.slice_max_bytes.is_some()
            || args.slice_max_age.is_some();
        if any {
            // As the server: once one slice limit is set, unset ones are unchecked.
            slices = SliceLimits {
                max_msgs: args.slice_max_msgs.unwrap_or(0),
                max_bytes: args.slice_max_bytes.unwrap_or(0),
                max_age_ns: args.slice_max_age.unwrap_or(0),
            };
        }
        opts.slices = slices;
        Ok(TargetSpec::File { dir, opts })
    } else {
        let driver: SqlDriver = args.to_sql_driver.parse()?;
        let Some(source) = args.to_sql_source.clone() else {
            bail!("a SQL target needs --to-sql-source (a file path for SQLite)");
        };
        Ok(TargetSpec::Sql {
            driver,
            source,
            opts: SqlWriterOptions {
                no_caching: args.to_sql_no_caching,
                force: args.force,
            },
        })
    }
}

/// What `version` can open, by the rules `check --server-version` uses:
/// payloads decrypted for a version without encryption (the source key is
/// needed), and a refusal naming why for a target it cannot open.
fn for_server(
    version: &Version,
    target: &TargetSpec,
    crypto: PayloadCrypto,
    source_key: Option<&[u8]>,
) -> anyhow::Result<PayloadCrypto> {
    let without_encryption =
        !compat::reasons_against(&compat::encrypted_payloads("", ""), version).is_empty();
    let crypto = match (crypto, source_key) {
        (PayloadCrypto::Keep, Some(key)) if without_encryption => PayloadCrypto::Decrypt {
            source: MasterKey::from_user_key(key),
        },
        (other, _) => other,
    };
    let mut constraints = Vec::new();
    if let TargetSpec::Sql { driver, .. } = target {
        constraints.push(compat::sql_store());
        if *driver == SqlDriver::Sqlite {
            constraints.push(compat::sqlite_store());
        }
    }
    if let PayloadCrypto::Encrypt { cipher, .. } = &crypto {
        constraints.extend(compat::encrypted_payloads(cipher.name(), ""));
    }
    let reasons = compat::reasons_against(&constraints, version);
    if !reasons.is_empty() {
        bail!(
            "--for-server-version {version} cannot open this target: {}",
            reasons.join("; ")
        );
    }
    Ok(crypto)
}

#[derive(Serialize)]
struct Summary<'a> {
    migration: &'a MigrateReport,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<&'a VerifyReport>,
}

pub fn run(cli: &Cli, cmd: &MigrateCommand) -> anyhow::Result<Outcome> {
    if let MigrateCommand::ToJetstream(args) = cmd {
        return super::jetstream::run(cli, args);
    }
    let Some((direction, args)) = cmd.parts() else {
        bail!("not a store-to-store migration");
    };
    if args.to_plaintext && args.to_encryption_key_file.is_some() {
        bail!("--to-plaintext and --to-encryption-key-file exclude each other");
    }
    let target = target(direction, args)?;
    let spec = cli.store.spec()?;
    target.ensure_apart(&spec.location).map_err(open_error)?;
    let mut source = spec.open_raw().map_err(open_error)?;
    if direction.source_is_file() != source.backend().is_file() {
        bail!(
            "migrate {} needs a {} source, but the source options name a {} store",
            direction.name(),
            if direction.source_is_file() {
                "file"
            } else {
                "SQL"
            },
            source.backend()
        );
    }
    let source_key = spec.encryption_key().map_err(open_error)?;
    let target_key = match &args.to_encryption_key_file {
        Some(path) => Some(read_key_file(path)?),
        None => None,
    };
    let mut crypto = match (&target_key, args.to_plaintext) {
        (Some(key), _) => PayloadCrypto::Encrypt {
            source: source_key.as_deref().map(MasterKey::from_user_key),
            target: MasterKey::from_user_key(key),
            cipher: args.to_encryption_cipher.parse::<Cipher>()?,
        },
        (None, true) => match &source_key {
            Some(key) => PayloadCrypto::Decrypt {
                source: MasterKey::from_user_key(key),
            },
            None => bail!("--to-plaintext needs the source key (--encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY)"),
        },
        (None, false) => PayloadCrypto::Keep,
    };
    if let Some(version) = &args.for_server_version {
        crypto = for_server(version, &target, crypto, source_key.as_deref())?;
    }
    let selection = Selection {
        channels: args.channels.clone(),
        from_seq: args.start.from_seq,
        since_ns: args.start.since,
    };
    let started = Instant::now();
    let mut bars = bars_for(source.as_mut(), cli.quiet, |n| selection.wants(n))?;
    let mut silent = migrate::NoProgress;
    let progress: &mut dyn Progress = match bars.as_mut() {
        Some(bars) => bars,
        None => &mut silent,
    };
    // Ctrl-C or SIGTERM removes the hidden partial target (exit 130/143).
    stanctl::partial::remove_on_interrupt()?;
    let writer = target.create_writer().map_err(open_error)?;
    for left in stanctl::partial::take_removed() {
        eprintln!(
            "stanctl: removed {}: partial output of an interrupted migration (process {} is gone)",
            left.path.display(),
            left.pid
        );
    }
    let report = migrate::migrate(
        source.as_mut(),
        writer,
        &selection,
        &crypto,
        &migrate::Policy {
            allow_sequence_reset: args.allow_sequence_reset,
            for_server: args.for_server_version.clone(),
        },
        progress,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    // Damage the source reader worked around was carried over as the
    // server would recover it: say what it was.
    let source_problems = output::report_findings(&source.findings(), cli.verbose, cli.quiet);

    let verify = if args.verify {
        // Compare plaintext when the payload encryption changed, else the
        // stored bytes as they are.
        let mut src = spec.open_raw().map_err(open_error)?;
        let mut dst = target
            .open_reader(spec.file_options())
            .map_err(open_error)?;
        if !matches!(crypto, PayloadCrypto::Keep) {
            if let Some(key) = &source_key {
                src = Box::new(DecryptingReader::new(src, key));
            }
            if let Some(key) = &target_key {
                dst = Box::new(DecryptingReader::new(dst, key));
            }
        }
        Some(migrate::verify(src.as_mut(), dst.as_mut(), &selection)?)
    } else {
        None
    };

    let summary = Summary {
        migration: &report,
        seconds,
        verify: verify.as_ref(),
    };
    match cli.format {
        Format::Json | Format::Ndjson => output::print_json(&summary)?,
        Format::Raw => bail!("--format raw is only for dump"),
        Format::Table => {
            let mut t =
                output::table(&["channel", "msgs", "payload bytes", "first", "last", "subs"]);
            for c in &report.channels {
                t.add_row(vec![
                    c.name.clone(),
                    c.msgs.to_string(),
                    c.payload_bytes.to_string(),
                    c.first_seq.to_string(),
                    c.last_seq.to_string(),
                    c.subscriptions.to_string(),
                ]);
            }
            output::print_table(&t)?;
            let mut sources: Vec<&str> = report
                .channels
                .iter()
                .filter_map(|c| c.limits_from)
                .collect();
            sources.dedup();
            for from in sources {
                println!("limits written to Channels (max_msgs, max_bytes, max_age): from {from}");
                for c in report
                    .channels
                    .iter()
                    .filter(|c| c.limits_from == Some(from))
                {
                    if let Some(l) = &c.limits {
                        println!(
                            "  {}: {} / {} / {}",
                            c.name,
                            l.max_msgs.unwrap_or(0),
                            l.max_bytes.unwrap_or(0),
                            l.max_age_ns.unwrap_or(0)
                        );
                    }
                }
            }
            for c in &report.channels {
                if let Some(note) = &c.empty_sequence {
                    println!("{}: no message left; {note}", c.name);
                }
            }
            let rate = if seconds > 0.0 {
                report.msgs as f64 / seconds
            } else {
                0.0
            };
            println!(
                "migrated cluster {:?}: {} channels, {} messages ({} payload bytes), {} subscriptions, {} clients in {:.2}s ({:.0} msgs/s)",
                report.cluster_id,
                report.channels.len(),
                report.msgs,
                report.payload_bytes,
                report.subscriptions,
                report.clients,
                seconds,
                rate
            );
            if let Some(v) = &verify {
                let mut t = output::table(&[
                    "channel",
                    "source msgs",
                    "target msgs",
                    "source subs",
                    "target subs",
                    "differences",
                ]);
                for c in &v.channels {
                    t.add_row(vec![
                        c.name.clone(),
                        c.source_msgs.to_string(),
                        c.target_msgs.to_string(),
                        c.source_subscriptions.to_string(),
                        c.target_subscriptions.to_string(),
                        c.differences.to_string(),
                    ]);
                }
                output::print_table(&t)?;
                for d in &v.differences {
                    eprintln!(
                        "stanctl: difference: {}: source {} / target {}",
                        d.what, d.source, d.target
                    );
                }
                println!(
                    "verify: {} ({} differences; clients {} / {})",
                    if v.ok { "OK" } else { "FAILED" },
                    v.difference_count,
                    v.clients_source,
                    v.clients_target
                );
            }
        }
    }
    Ok(Outcome {
        problems: source_problems || verify.is_some_and(|v| !v.ok),
    })
}
