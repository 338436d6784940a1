//! Which store to open: flags, the server's own flag spellings, or its
//! configuration file.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use stanctl::config::{load_config, ServerConfig};
use stanctl::decrypt::DecryptingReader;
use stanctl::filestore::{FileStore, FileStoreOptions};
use stanctl::model::{Finding, Severity};
use stanctl::raft::node_reader::NodeReader;
use stanctl::raft::{find_raft_dir, read_node_with_store, RaftOptions};
use stanctl::sqlstore::{self, RecoveryLimits, SqlDriver};
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
pub fn parse_u32(s: &str) -> Result<u32, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => s.parse::<u32>(),
    };
    match parsed {
        Ok(0) => Err("the polynomial must not be 0".into()),
        Ok(v) => Ok(v),
        Err(e) => Err(format!("{s:?}: {e}")),
    }
}

/// `--since`, `--until`, `--now`: see `timefmt::parse_time_spec`; a
/// relative time counts back from the current clock.
pub fn parse_time_arg(s: &str) -> Result<i64, String> {
    stanctl::timefmt::parse_time_spec(s, stanctl::timefmt::now_ns())
}

/// A store named by the options, not yet opened.
pub enum StoreLocation {
    File(PathBuf),
    Sql { driver: SqlDriver, source: String },
}

/// What a file store's Raft log gave.
enum NodeLoad {
    Standalone,
    Node(Box<stanctl::raft::NodeState>),
    Unavailable(Finding),
}

/// A key file's bytes, one trailing line ending removed. Never printed.
pub fn read_key_file(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let mut key = std::fs::read(path)
        .with_context(|| format!("reading the encryption key file {}", path.display()))?;
    if key.last() == Some(&b'\n') {
        key.pop();
        if key.last() == Some(&b'\r') {
            key.pop();
        }
    }
    if key.is_empty() {
        bail!("the encryption key file {} is empty", path.display());
    }
    Ok(key)
}

/// The environment variable the server reads its key from.
pub const KEY_ENV: &str = "NATS_STREAMING_ENCRYPTION_KEY";

impl StoreArgs {
    /// The SQL sources named by the flag and the configuration file
    /// (an unreadable configuration names none).
    pub fn sql_sources(&self) -> Vec<String> {
        let configured = self.config().ok().flatten().and_then(|c| c.sql.source);
        self.sql_source.iter().cloned().chain(configured).collect()
    }

    fn config(&self) -> anyhow::Result<Option<ServerConfig>> {
        Ok(match &self.config {
            Some(path) => Some(load_config(path)?),
            None => None,
        })
    }

    /// The encryption key, if any: a key file first, then the environment
    /// (which the server prefers over its configured key), then the flag,
    /// then the config file. Never printed.
    pub fn encryption_key(&self) -> anyhow::Result<Option<Vec<u8>>> {
        if let Some(path) = &self.encryption_key_file {
            return Ok(Some(read_key_file(path)?));
        }
        if let Some(env) = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty()) {
            return Ok(Some(env.as_encoded_bytes().to_vec()));
        }
        if let Some(key) = self.encryption_key.as_ref().filter(|k| !k.is_empty()) {
            return Ok(Some(key.clone().into_bytes()));
        }
        let config = self.config()?;
        Ok(config
            .and_then(|c| c.encryption_key)
            .filter(|k| !k.is_empty())
            .map(String::into_bytes))
    }

    /// Open the store these options name, read-only, decrypting payloads
    /// when a key is given.
    pub fn open(&self) -> anyhow::Result<Box<dyn StoreReader>> {
        let store = self.open_raw()?;
        Ok(match self.encryption_key()? {
            Some(key) => Box::new(DecryptingReader::new(store, &key)),
            None => store,
        })
    }

    /// Open the store without decrypting anything.
    pub fn open_raw(&self) -> anyhow::Result<Box<dyn StoreReader>> {
        let config = self.config()?;
        let conf = config.as_ref();
        match self.locate(conf)? {
            StoreLocation::File(dir) => {
                let opts = self.file_options(conf);
                let store = FileStore::open(&dir, opts)
                    .with_context(|| format!("opening file store {}", dir.display()))?;
                let log_path = self
                    .cluster_log_path
                    .clone()
                    .or_else(|| conf.and_then(|c| c.cluster_log_path.clone()));
                self.with_raft_log(store, &dir, log_path)
            }
            StoreLocation::Sql { driver, source } => {
                let reader = sqlstore::open_reader(driver, &source)?;
                // With -c, show what a server started with that config recovers.
                Ok(Box::new(match self.file_options(conf) {
                    FileStoreOptions {
                        limits: Some(limits),
                        now_ns,
                        ..
                    } => reader.with_recovery_limits(RecoveryLimits { limits, now_ns }),
                    _ => reader,
                }))
            }
        }
    }

    /// Which store the options name (flags first, then the config file),
    /// without opening it.
    pub fn location(&self) -> anyhow::Result<StoreLocation> {
        let config = self.config()?;
        self.locate(config.as_ref())
    }

    fn locate(&self, conf: Option<&ServerConfig>) -> anyhow::Result<StoreLocation> {
        let sql_driver = self
            .sql_driver
            .clone()
            .or_else(|| conf.and_then(|c| c.sql.driver.clone()));
        let sql_source = self
            .sql_source
            .clone()
            .or_else(|| conf.and_then(|c| c.sql.source.clone()));
        let dir = self
            .dir
            .clone()
            .or_else(|| conf.and_then(|c| c.dir.clone()));
        let store_type = match self.store {
            Some(t) => t,
            None => match conf.and_then(|c| c.store_type.as_deref()) {
                Some(t) if t.eq_ignore_ascii_case("sql") => StoreType::Sql,
                Some(t) if t.eq_ignore_ascii_case("file") => StoreType::File,
                Some(t) => bail!("store type {t:?} in the configuration has nothing on disk to read"),
                None if dir.is_some() => StoreType::File,
                None if sql_source.is_some() => StoreType::Sql,
                None => bail!("no store given: use --dir PATH, or --sql-driver and --sql-source, or -c CONFIG"),
            },
        };
        match store_type {
            StoreType::File => match dir {
                Some(dir) => Ok(StoreLocation::File(dir)),
                None => bail!("a file store needs --dir PATH (or dir in the configuration)"),
            },
            StoreType::Sql => {
                let (Some(driver), Some(source)) = (sql_driver, sql_source) else {
                    bail!("a SQL store needs --sql-driver and --sql-source (or sql_options in the configuration)");
                };
                Ok(StoreLocation::Sql {
                    driver: driver.parse()?,
                    source,
                })
            }
        }
    }

    /// How a file store is read: CRC polynomial and verification, limits.
    pub fn read_options(&self) -> anyhow::Result<FileStoreOptions> {
        let config = self.config()?;
        Ok(self.file_options(config.as_ref()))
    }

    /// A cluster node keeps its clients and subscriptions in the Raft log:
    /// read them from there when the store is clustered (FORMAT.md 2.11).
    fn with_raft_log(
        &self,
        mut store: FileStore,
        dir: &std::path::Path,
        log_path: Option<PathBuf>,
    ) -> anyhow::Result<Box<dyn StoreReader>> {
        Ok(match self.load_node(&mut store, dir, log_path)? {
            NodeLoad::Standalone => Box::new(store),
            NodeLoad::Node(node) => Box::new(NodeReader::new(Box::new(store), *node)),
            NodeLoad::Unavailable(finding) => {
                // Messages are still readable from the store: say what is
                // missing and why, and go on; clients and subscriptions
                // are unknown, not none.
                store.set_membership_unknown(finding.message.clone());
                store.add_finding(finding);
                Box::new(store)
            }
        })
    }

    fn load_node(
        &self,
        store: &mut FileStore,
        dir: &std::path::Path,
        log_path: Option<PathBuf>,
    ) -> anyhow::Result<NodeLoad> {
        let info = store.server_info()?;
        let node_id = info.as_ref().and_then(|i| i.node_id.clone());
        if node_id.is_none() && log_path.is_none() {
            return Ok(NodeLoad::Standalone);
        }
        let cluster_id = info.map(|i| i.cluster_id).unwrap_or_default();
        let Some(raft_dir) = find_raft_dir(dir, &cluster_id, log_path.as_deref()) else {
            if let Some(path) = &log_path {
                bail!(
                    "no raft.log under {} (expected <log_path>/{cluster_id}/raft.log)",
                    path.display()
                );
            }
            return Ok(NodeLoad::Unavailable(Finding {
                severity: Severity::Warning,
                location: dir.join("server.dat").display().to_string(),
                message: format!(
                    "cluster node {:?}: its clients and subscriptions live in the Raft log, which was not found next to the store; give --cluster-log-path",
                    node_id.unwrap_or_default()
                ),
                server_behaviour: "recovers them from the Raft log and snapshots".into(),
            }));
        };
        let opts = RaftOptions {
            encryption_key: self.encryption_key()?,
            strict_commit: self.strict_commit,
        };
        Ok(match read_node_with_store(&raft_dir, &opts, Some(store)) {
            Ok(node) => NodeLoad::Node(Box::new(node)),
            // A Raft file that is there but unusable (a dangling link, a
            // FIFO) is an error for every command, not a missing view.
            Err(e @ stanctl::StoreError::File { .. }) => return Err(e.into()),
            // Without a key an encrypted log is expected to stay closed.
            Err(e @ stanctl::StoreError::NeedsKey { .. }) => NodeLoad::Unavailable(Finding {
                severity: Severity::Warning,
                location: raft_dir.display().to_string(),
                message: format!("clients and subscriptions of this cluster node are unknown: its Raft log is encrypted; give the key (--encryption-key-file or {KEY_ENV}) ({e})"),
                server_behaviour: "recovers them from the Raft log and snapshots".into(),
            }),
            // Anything else is damage.
            Err(e) => NodeLoad::Unavailable(Finding {
                severity: Severity::Error,
                location: raft_dir.display().to_string(),
                message: format!("clients and subscriptions of this cluster node are not shown: {e}"),
                server_behaviour: "recovers them from the Raft log and snapshots".into(),
            }),
        })
    }

    /// For `check`: what reading a cluster node's Raft log found (a torn or
    /// unreadable log, disagreements with the message store); nothing for a
    /// standalone store.
    pub fn raft_log_findings(&self, dir: &std::path::Path) -> anyhow::Result<Vec<Finding>> {
        let config = self.config()?;
        let conf = config.as_ref();
        // A store that does not open has its own findings from the file
        // check; there is then no node to read.
        let Ok(mut store) = FileStore::open(dir, self.file_options(conf)) else {
            return Ok(Vec::new());
        };
        let log_path = self
            .cluster_log_path
            .clone()
            .or_else(|| conf.and_then(|c| c.cluster_log_path.clone()));
        Ok(match self.load_node(&mut store, dir, log_path)? {
            NodeLoad::Standalone => Vec::new(),
            NodeLoad::Node(node) => node.findings,
            NodeLoad::Unavailable(finding) => vec![finding],
        })
    }

    fn file_options(&self, conf: Option<&ServerConfig>) -> FileStoreOptions {
        let mut opts = FileStoreOptions::default();
        if let Some(poly) = self
            .file_crc_poly
            .or_else(|| conf.and_then(|c| c.file.crc_poly))
        {
            opts.crc_poly = poly;
        }
        if let Some(crc) = self.file_crc.or_else(|| conf.and_then(|c| c.file.crc)) {
            opts.verify_crc = crc;
        }
        if let Some(now) = self.now {
            opts.now_ns = now;
        }
        if let Some(conf) = conf {
            let limits = conf.limits.clone();
            opts.limits = Some(Arc::new(move |channel: &str| limits.for_channel(channel)));
        }
        opts
    }
}
