//! Which store to open and how: the options a user gives (the server's own
//! flags, or its configuration file) resolved into a [`StoreSpec`], then
//! opened. Every command opens its store through here, so they all read
//! the same store the same way.
//!
//! Precedence is the server's: an option given explicitly wins over the
//! configuration file; for the encryption key, a key file first, then the
//! environment (which the server prefers over its configured key), then
//! the explicit key, then the configuration file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{load_config, ServerConfig};
use crate::decrypt::DecryptingReader;
use crate::error::StoreError;
use crate::filestore::writer::{FileStoreWriter, FileWriterOptions};
use crate::filestore::{FileStore, FileStoreOptions};
use crate::finding::{Code, Finding, Need, Severity};
use crate::raft::node_reader::NodeReader;
use crate::raft::{find_raft_dir, read_node_with_store, NodeState, RaftOptions};
use crate::sqlstore::SqlWriterOptions;
use crate::sqlstore::{self, RecoveryLimits, SqlDriver};
use crate::store::{Backend, StoreReader, StoreWriter};

/// The environment variable the server reads its encryption key from.
pub const KEY_ENV: &str = "NATS_STREAMING_ENCRYPTION_KEY";

/// Why a store cannot be named or opened. The messages name no command-line
/// option: a front end adds its own spelling when it prints them.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("no store given")]
    NoStore,

    #[error("a file store needs a directory (dir in the configuration)")]
    NeedsDir,

    #[error("a SQL store needs a driver and a data source (sql_options in the configuration)")]
    NeedsSqlSource,

    #[error("store type {0:?} in the configuration has nothing on disk to read")]
    UnknownStoreType(String),

    /// The OS error is part of the message, not a `source()` (said once).
    #[error("reading the encryption key file {}: {error}", path.display())]
    KeyFile {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("the encryption key file {} is empty", path.display())]
    EmptyKeyFile { path: PathBuf },

    /// A Raft log directory was given and holds no log for this cluster.
    #[error("no raft.log under {} (expected <log_path>/{cluster_id}/raft.log)", log_path.display())]
    NoRaftLog {
        log_path: PathBuf,
        cluster_id: String,
    },

    #[error("opening file store {}", dir.display())]
    FileStore {
        dir: PathBuf,
        #[source]
        error: StoreError,
    },

    /// A migration whose target is its source's database.
    #[error("the target database is the source database; choose another target")]
    SameDatabase,

    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The server's `-store` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreType {
    File,
    Sql,
}

/// Where the encryption key may come from, by precedence.
#[derive(Debug, Clone, Default)]
pub struct KeySources {
    /// A file holding the key (the whole file, one trailing line ending removed).
    pub file: Option<PathBuf>,
    /// The value of [`KEY_ENV`], if set.
    pub env: Option<Vec<u8>>,
    /// A key given explicitly.
    pub key: Option<String>,
}

impl KeySources {
    /// [`KEY_ENV`] from the process environment (empty counts as unset).
    pub fn env_key() -> Option<Vec<u8>> {
        std::env::var_os(KEY_ENV)
            .filter(|v| !v.is_empty())
            .map(|v| v.as_encoded_bytes().to_vec())
    }
}

/// What the user asked for, before the configuration file is read. Unset
/// fields fall back to the configuration file, then to the server's
/// defaults.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// File store root directory (the server's `-dir`).
    pub dir: Option<PathBuf>,
    /// The server's `-store`; guessed from the other options when unset.
    pub store_type: Option<StoreType>,
    /// SQL driver name, as the server spells it.
    pub sql_driver: Option<String>,
    /// SQL data source, in the server's own form.
    pub sql_source: Option<String>,
    /// The server's configuration file.
    pub config: Option<PathBuf>,
    /// The server's `-file_crc_poly`.
    pub crc_poly: Option<u32>,
    /// The server's `-file_crc`.
    pub verify_crc: Option<bool>,
    pub key: KeySources,
    /// The server's `-cluster_log_path`; found next to the store when unset.
    pub cluster_log_path: Option<PathBuf>,
    /// Stop a cluster node's Raft log replay at the last entry known to be
    /// committed.
    pub strict_commit: bool,
    /// "Now" for age limits, ns since the epoch; unset: the current time.
    pub now_ns: Option<i64>,
}

/// A store named by the options, not yet opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    File(PathBuf),
    Sql { driver: SqlDriver, source: String },
}

impl StoreLocation {
    pub fn backend(&self) -> Backend {
        match self {
            StoreLocation::File(_) => Backend::File,
            StoreLocation::Sql { driver, .. } => Backend::Sql(*driver),
        }
    }
}

/// The store to open, resolved from [`StoreOptions`] and the configuration
/// file (read once).
pub struct StoreSpec {
    pub location: StoreLocation,
    options: StoreOptions,
    config: Option<ServerConfig>,
}

/// What a file store's Raft log gave.
enum NodeLoad {
    Standalone,
    Node(Box<NodeState>),
    Unavailable(Box<Finding>),
}

/// A key file's bytes, one trailing line ending removed. Never printed.
pub fn read_key_file(path: &Path) -> Result<Vec<u8>, OpenError> {
    let mut key = std::fs::read(path).map_err(|error| OpenError::KeyFile {
        path: path.to_path_buf(),
        error,
    })?;
    if key.last() == Some(&b'\n') {
        key.pop();
        if key.last() == Some(&b'\r') {
            key.pop();
        }
    }
    if key.is_empty() {
        return Err(OpenError::EmptyKeyFile {
            path: path.to_path_buf(),
        });
    }
    Ok(key)
}

impl StoreSpec {
    /// Read the configuration file, if any, and decide which store the
    /// options name (explicit options first, then the configuration).
    pub fn resolve(options: StoreOptions) -> Result<Self, OpenError> {
        let config = match &options.config {
            Some(path) => Some(load_config(path)?),
            None => None,
        };
        let location = locate(&options, config.as_ref())?;
        Ok(StoreSpec {
            location,
            options,
            config,
        })
    }

    pub fn backend(&self) -> Backend {
        self.location.backend()
    }

    /// The server configuration read, if one was given.
    pub fn config(&self) -> Option<&ServerConfig> {
        self.config.as_ref()
    }

    /// The encryption key, if any, by the server's precedence (module
    /// documentation). Never printed.
    pub fn encryption_key(&self) -> Result<Option<Vec<u8>>, OpenError> {
        let sources = &self.options.key;
        if let Some(path) = &sources.file {
            return Ok(Some(read_key_file(path)?));
        }
        if let Some(env) = sources.env.as_ref().filter(|v| !v.is_empty()) {
            return Ok(Some(env.clone()));
        }
        if let Some(key) = sources.key.as_ref().filter(|k| !k.is_empty()) {
            return Ok(Some(key.clone().into_bytes()));
        }
        Ok(self
            .config
            .as_ref()
            .and_then(|c| c.encryption_key.clone())
            .filter(|k| !k.is_empty())
            .map(String::into_bytes))
    }

    /// How a file store is read: CRC polynomial and verification, "now",
    /// and the configured limits when a configuration was given.
    pub fn file_options(&self) -> FileStoreOptions {
        let conf = self.config.as_ref();
        let mut opts = FileStoreOptions::default();
        if let Some(poly) = self
            .options
            .crc_poly
            .or_else(|| conf.and_then(|c| c.file.crc_poly))
        {
            opts.crc_poly = poly;
        }
        if let Some(crc) = self
            .options
            .verify_crc
            .or_else(|| conf.and_then(|c| c.file.crc))
        {
            opts.verify_crc = crc;
        }
        if let Some(now) = self.options.now_ns {
            opts.now_ns = now;
        }
        if let Some(conf) = conf {
            let limits = conf.limits.clone();
            opts.limits = Some(Arc::new(move |channel: &str| limits.for_channel(channel)));
        }
        opts
    }

    /// Open the store read-only, decrypting payloads when a key is given.
    pub fn open_reader(&self) -> Result<Box<dyn StoreReader>, OpenError> {
        let store = self.open_raw()?;
        Ok(match self.encryption_key()? {
            Some(key) => Box::new(DecryptingReader::new(store, &key)),
            None => store,
        })
    }

    /// Open the store read-only without decrypting anything.
    pub fn open_raw(&self) -> Result<Box<dyn StoreReader>, OpenError> {
        match &self.location {
            StoreLocation::File(dir) => {
                let store = FileStore::open(dir, self.file_options()).map_err(|error| {
                    OpenError::FileStore {
                        dir: dir.clone(),
                        error,
                    }
                })?;
                self.with_raft_log(store, dir)
            }
            StoreLocation::Sql { driver, source } => {
                let reader = sqlstore::open_reader(*driver, source)?;
                // With a configuration, show what a server started with it
                // recovers.
                Ok(Box::new(match self.file_options() {
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

    fn cluster_log_path(&self) -> Option<PathBuf> {
        self.options.cluster_log_path.clone().or_else(|| {
            self.config
                .as_ref()
                .and_then(|c| c.cluster_log_path.clone())
        })
    }

    /// A cluster node keeps its clients and subscriptions in the Raft log:
    /// read them from there when the store is clustered (docs/FORMAT.md 2.11).
    fn with_raft_log(
        &self,
        mut store: FileStore,
        dir: &Path,
    ) -> Result<Box<dyn StoreReader>, OpenError> {
        Ok(match self.load_node(&mut store, dir)? {
            NodeLoad::Standalone => Box::new(store),
            NodeLoad::Node(node) => Box::new(NodeReader::new(Box::new(store), *node)),
            NodeLoad::Unavailable(finding) => {
                // Messages are still readable from the store: say what is
                // missing and why, and go on; clients and subscriptions
                // are unknown, not none.
                store.set_membership_unknown(finding.message.clone());
                store.add_finding(*finding);
                Box::new(store)
            }
        })
    }

    fn load_node(&self, store: &mut FileStore, dir: &Path) -> Result<NodeLoad, OpenError> {
        let log_path = self.cluster_log_path();
        let info = store.server_info()?;
        let node_id = info.as_ref().and_then(|i| i.node_id.clone());
        if node_id.is_none() && log_path.is_none() {
            return Ok(NodeLoad::Standalone);
        }
        let cluster_id = info.map(|i| i.cluster_id).unwrap_or_default();
        let Some(raft_dir) = find_raft_dir(dir, &cluster_id, log_path.as_deref()) else {
            if let Some(log_path) = log_path {
                return Err(OpenError::NoRaftLog {
                    log_path,
                    cluster_id,
                });
            }
            return Ok(NodeLoad::Unavailable(Box::new(
                Finding::new(Severity::Warning, Code::RaftLog, dir.join("server.dat").display().to_string())
                    .msg(format!(
                        "cluster node {:?}: its clients and subscriptions live in the Raft log, which was not found next to the store",
                        node_id.unwrap_or_default()
                    ))
                    .server("recovers them from the Raft log and snapshots")
                    .needs(Need::RaftLogPath),
            )));
        };
        let opts = RaftOptions {
            encryption_key: self.encryption_key()?,
            strict_commit: self.options.strict_commit,
        };
        let unavailable = |severity, message: String, need: Option<Need>| {
            let mut f = Finding::new(severity, Code::RaftLog, raft_dir.display().to_string())
                .msg(message)
                .server("recovers them from the Raft log and snapshots");
            f.needs = need;
            NodeLoad::Unavailable(Box::new(f))
        };
        Ok(match read_node_with_store(&raft_dir, &opts, Some(store)) {
            Ok(node) => NodeLoad::Node(Box::new(node)),
            // A Raft file that is there but unusable (a dangling link, a
            // FIFO) is an error for every command, not a missing view.
            Err(e @ StoreError::File { .. }) => return Err(e.into()),
            // Without a key an encrypted log is expected to stay closed.
            Err(e @ StoreError::NeedsKey { .. }) => unavailable(
                Severity::Warning,
                format!("clients and subscriptions of this cluster node are unknown: its Raft log is encrypted ({e})"),
                Some(Need::EncryptionKey),
            ),
            // Anything else is damage.
            Err(e) => unavailable(
                Severity::Error,
                format!("clients and subscriptions of this cluster node are not shown: {e}"),
                None,
            ),
        })
    }

    /// For `check`: what reading a cluster node's Raft log found (a torn or
    /// unreadable log, disagreements with the message store); nothing for a
    /// standalone store or a SQL store.
    pub fn raft_log_findings(&self) -> Result<Vec<Finding>, OpenError> {
        let StoreLocation::File(dir) = &self.location else {
            return Ok(Vec::new());
        };
        // A store that does not open has its own findings from the file
        // check; there is then no node to read.
        let Ok(mut store) = FileStore::open(dir, self.file_options()) else {
            return Ok(Vec::new());
        };
        Ok(match self.load_node(&mut store, dir)? {
            NodeLoad::Standalone => Vec::new(),
            NodeLoad::Node(node) => node.findings,
            NodeLoad::Unavailable(finding) => vec![*finding],
        })
    }
}

/// Which store the options name, flags first, then the configuration file.
fn locate(options: &StoreOptions, conf: Option<&ServerConfig>) -> Result<StoreLocation, OpenError> {
    let sql_driver = options
        .sql_driver
        .clone()
        .or_else(|| conf.and_then(|c| c.sql.driver.clone()));
    let sql_source = options
        .sql_source
        .clone()
        .or_else(|| conf.and_then(|c| c.sql.source.clone()));
    let dir = options
        .dir
        .clone()
        .or_else(|| conf.and_then(|c| c.dir.clone()));
    let store_type = match options.store_type {
        Some(t) => t,
        None => match conf.and_then(|c| c.store_type.as_deref()) {
            Some(t) if t.eq_ignore_ascii_case("sql") => StoreType::Sql,
            Some(t) if t.eq_ignore_ascii_case("file") => StoreType::File,
            Some(t) => return Err(OpenError::UnknownStoreType(t.to_string())),
            None if dir.is_some() => StoreType::File,
            None if sql_source.is_some() => StoreType::Sql,
            None => return Err(OpenError::NoStore),
        },
    };
    match store_type {
        StoreType::File => dir.map(StoreLocation::File).ok_or(OpenError::NeedsDir),
        StoreType::Sql => {
            let (Some(driver), Some(source)) = (sql_driver, sql_source) else {
                return Err(OpenError::NeedsSqlSource);
            };
            Ok(StoreLocation::Sql {
                driver: driver.parse()?,
                source,
            })
        }
    }
}

/// A new store to write (a migration's target), enough to write it and to
/// read it back.
#[derive(Clone)]
pub enum TargetSpec {
    File {
        dir: PathBuf,
        opts: FileWriterOptions,
    },
    Sql {
        driver: SqlDriver,
        source: String,
        opts: SqlWriterOptions,
    },
}

impl TargetSpec {
    pub fn backend(&self) -> Backend {
        match self {
            TargetSpec::File { .. } => Backend::File,
            TargetSpec::Sql { driver, .. } => Backend::Sql(*driver),
        }
    }

    /// Start writing the target; nothing is visible there until the
    /// writer's `finish`.
    pub fn create_writer(&self) -> Result<Box<dyn StoreWriter>, OpenError> {
        Ok(match self {
            TargetSpec::File { dir, opts } => Box::new(FileStoreWriter::create(dir, opts.clone())?),
            TargetSpec::Sql {
                driver,
                source,
                opts,
            } => sqlstore::create_writer(*driver, source, opts.clone())?,
        })
    }

    /// Read the target back; a file target with the source's limits and
    /// "now" (`read`), as the server started with the same config would.
    pub fn open_reader(&self, read: FileStoreOptions) -> Result<Box<dyn StoreReader>, OpenError> {
        Ok(match self {
            TargetSpec::File { dir, opts } => Box::new(FileStore::open(
                dir,
                FileStoreOptions {
                    crc_poly: opts.crc_poly,
                    ..read
                },
            )?),
            TargetSpec::Sql { driver, source, .. } => sqlstore::open(*driver, source)?,
        })
    }

    /// Refuses a target inside the source store, or a source inside the
    /// target, for every pair of backends (symbolic links resolved); the
    /// same server database as source and target is refused too.
    pub fn ensure_apart(&self, source: &StoreLocation) -> Result<(), OpenError> {
        let src = match source {
            StoreLocation::File(dir) => Some(dir.clone()),
            StoreLocation::Sql {
                driver: SqlDriver::Sqlite,
                source,
            } => Some(sqlstore::sqlite_file(source)?),
            StoreLocation::Sql { driver, source } => {
                if let TargetSpec::Sql {
                    driver: to_driver,
                    source: to_source,
                    ..
                } = self
                {
                    // Two spellings of one database are one database: ask
                    // the servers. A failure here is left to the migration
                    // itself, which reports it in full.
                    let same = to_driver == driver
                        && (to_source == source || {
                            let id =
                                |s: &str| sqlstore::database_identity(*driver, s).ok().flatten();
                            matches!((id(source), id(to_source)), (Some(a), Some(b)) if a == b)
                        });
                    if same {
                        return Err(OpenError::SameDatabase);
                    }
                }
                None
            }
        };
        let dst = match self {
            TargetSpec::File { dir, .. } => Some(dir.clone()),
            TargetSpec::Sql {
                driver: SqlDriver::Sqlite,
                source,
                ..
            } => Some(sqlstore::sqlite_file(source)?),
            TargetSpec::Sql { .. } => None,
        };
        if let (Some(src), Some(dst)) = (src, dst) {
            crate::safe_fs::ensure_apart(&src, &dst)?;
        }
        Ok(())
    }
}
