//! Which store to open: flags, the server's own flag spellings, or its
//! configuration file.

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::{Args, ValueEnum};

use stanctl::config::load_config;
use stanctl::open::{KeySources, OpenError, StoreOptions, StoreSpec};
pub use stanctl::open::{StoreLocation, KEY_ENV};
use stanctl::StoreReader;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreType {
    File,
    Sql,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Store")]
pub struct StoreArgs {
    /// File store root directory (the server's -dir).
    #[arg(long, global = true, alias = "datastore", value_name = "PATH")]
    pub dir: Option<PathBuf>,

    /// Store type (the server's -store); guessed from the other options when omitted.
    #[arg(long, global = true, value_enum, alias = "store_type")]
    pub store: Option<StoreType>,

    /// SQL driver: postgres, mysql or sqlite.
    #[arg(long, global = true, alias = "sql_driver", value_name = "DRIVER")]
    pub sql_driver: Option<String>,

    /// SQL data source, in the server's own form (Go MySQL DSN, Postgres key=value or URL, SQLite path).
    #[arg(long, global = true, alias = "sql_source", value_name = "DSN")]
    pub sql_source: Option<String>,

    /// nats-streaming-server configuration file: store, dir, file and SQL options, limits.
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// CRC-32 polynomial the store was written with (the server's -file_crc_poly), decimal or 0x hex.
    #[arg(long, global = true, alias = "file_crc_poly", value_name = "POLY", value_parser = parse_u32)]
    pub file_crc_poly: Option<u32>,

    /// Verify CRCs when reading (the server's -file_crc).
    #[arg(long, global = true, alias = "file_crc", value_name = "BOOL")]
    pub file_crc: Option<bool>,

    /// File holding the encryption key (the whole file, one trailing newline removed).
    #[arg(long, global = true, value_name = "PATH")]
    pub encryption_key_file: Option<PathBuf>,

    /// Encryption key (visible in the process list: prefer --encryption-key-file or
    /// NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server).
    #[arg(
        long,
        global = true,
        alias = "encryption_key",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub encryption_key: Option<String>,

    /// Raft log directory of a cluster node (the server's -cluster_log_path); found
    /// next to the store when omitted.
    #[arg(long, global = true, alias = "cluster_log_path", value_name = "PATH")]
    pub cluster_log_path: Option<PathBuf>,

    /// Cluster node: stop the Raft log replay at the last entry known to be committed.
    #[arg(long, global = true)]
    pub strict_commit: bool,

    /// "Now" for age limits (RFC 3339, epoch time with a unit like
    /// 1795570246s, or ns since the epoch); default: the current time.
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_time_arg)]
    pub now: Option<i64>,
}

/// A CRC polynomial: decimal or 0x hex, not 0.
pub fn parse_u32(s: &str) -> anyhow::Result<u32> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => s.parse::<u32>(),
    };
    match parsed {
        Ok(0) => bail!("the polynomial must not be 0"),
        Ok(v) => Ok(v),
        Err(e) => bail!("{s:?}: {e}"),
    }
}

/// A duration argument (`90s`, `1m`, `500ms`), in nanoseconds.
pub fn parse_duration(s: &str) -> anyhow::Result<i64> {
    stanctl::config::parse_duration_ns(s)
        .ok_or_else(|| anyhow!("{s:?}: expected a duration (90s, 1m, 500ms)"))
}

/// `--since`, `--until`, `--now`: see `timefmt::parse_time_spec`; a
/// relative time counts back from the current clock.
pub fn parse_time_arg(s: &str) -> anyhow::Result<i64> {
    Ok(stanctl::timefmt::parse_time_spec(
        s,
        stanctl::timefmt::now_ns(),
    )?)
}

/// A key file's bytes, one trailing line ending removed. Never printed.
pub fn read_key_file(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    stanctl::open::read_key_file(path).map_err(open_error)
}

/// The library's error, with this command line's options where one is
/// the answer (the library names none).
pub fn open_error(e: OpenError) -> anyhow::Error {
    match e {
        OpenError::NoStore => anyhow::anyhow!(
            "no store given: use --dir PATH, or --sql-driver and --sql-source, or -c CONFIG"
        ),
        OpenError::NeedsDir => {
            anyhow::anyhow!("a file store needs --dir PATH (or dir in the configuration)")
        }
        OpenError::NeedsSqlSource => anyhow::anyhow!(
            "a SQL store needs --sql-driver and --sql-source (or sql_options in the configuration)"
        ),
        other => other.into(),
    }
}

impl StoreArgs {
    /// The options as the library takes them; the key from the
    /// environment is read here.
    pub fn options(&self) -> StoreOptions {
        StoreOptions {
            dir: self.dir.clone(),
            store_type: self.store.map(|t| match t {
                StoreType::File => stanctl::open::StoreType::File,
                StoreType::Sql => stanctl::open::StoreType::Sql,
            }),
            sql_driver: self.sql_driver.clone(),
            sql_source: self.sql_source.clone(),
            config: self.config.clone(),
            crc_poly: self.file_crc_poly,
            verify_crc: self.file_crc,
            key: KeySources {
                file: self.encryption_key_file.clone(),
                env: KeySources::env_key(),
                key: self.encryption_key.clone(),
            },
            cluster_log_path: self.cluster_log_path.clone(),
            strict_commit: self.strict_commit,
            now_ns: self.now,
        }
    }

    /// The store these options name, with the configuration file read.
    pub fn spec(&self) -> anyhow::Result<StoreSpec> {
        StoreSpec::resolve(self.options()).map_err(open_error)
    }

    /// The SQL sources named by the flag and the configuration file
    /// (an unreadable configuration names none).
    pub fn sql_sources(&self) -> Vec<String> {
        let configured = self
            .config
            .as_deref()
            .and_then(|path| load_config(path).ok())
            .and_then(|c| c.sql.source);
        self.sql_source.iter().cloned().chain(configured).collect()
    }

    /// The encryption key, if any (see `stanctl::open`). Never printed.
    pub fn encryption_key(&self) -> anyhow::Result<Option<Vec<u8>>> {
        self.spec()?.encryption_key().map_err(open_error)
    }

    /// Open the store these options name, read-only, decrypting payloads
    /// when a key is given.
    pub fn open(&self) -> anyhow::Result<Box<dyn StoreReader>> {
        self.spec()?.open_reader().map_err(open_error)
    }

    /// Open the store without decrypting anything.
    pub fn open_raw(&self) -> anyhow::Result<Box<dyn StoreReader>> {
        self.spec()?.open_raw().map_err(open_error)
    }

    /// Which store the options name (flags first, then the config file),
    /// without opening it.
    pub fn location(&self) -> anyhow::Result<StoreLocation> {
        Ok(self.spec()?.location)
    }
}
