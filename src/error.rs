//! The library's error type. Every message names where (file and byte
//! offset, or table and key) and what was expected.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The OS error is part of the message and not also a `source()`, so
    /// that printing the error chain says it once.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    /// A file the store needs that cannot be used as it is (not a regular
    /// file, a dangling symbolic link, ...).
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },

    #[error("{path} at offset {offset}: {message}")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        message: String,
    },

    /// A message record that is not what its index entry says (the
    /// server fails on it too when asked for it).
    #[error("{path} at offset {offset}: {}", .problem.describe(*.seq))]
    BadRecord {
        path: PathBuf,
        offset: u64,
        seq: u64,
        problem: crate::filestore::problem::RecordProblem,
    },

    /// server.dat's CRC does not match with the polynomial given, but does
    /// with `suggested` (the polynomial is stored nowhere: the server's
    /// `file_crc_poly` must be given again).
    #[error("{path} at offset {offset}: corrupted data, expected crc to be 0x{stored:08x}, got 0x{actual:08x}; the store was written with the {name} CRC polynomial")]
    CrcPolynomial {
        path: PathBuf,
        offset: u64,
        stored: u32,
        actual: u32,
        suggested: u32,
        name: &'static str,
    },

    /// Something is encrypted and cannot be read without a key.
    #[error("{location}: {message}")]
    NeedsKey { location: String, message: String },

    /// A migration written for a server version that cannot open it.
    #[error("server {version}: {reasons}; {remedy}")]
    NotForServer {
        version: String,
        reasons: String,
        remedy: &'static str,
    },

    /// A file target would restart a channel's sequence at 1: every
    /// message was removed by limits and the source holds no record of the
    /// last one (a file store keeps a sequence only in records).
    #[error("channel {channel:?}: every message was removed by limits (last sequence {last_seq}) and the source holds no record of it; a file store keeps a sequence only in records, so the server would restart this channel at 1 instead of {next}. Migrate to a SQL target (Channels.maxseq keeps it), or accept the reset", next = last_seq + 1)]
    SequenceReset { channel: String, last_seq: u64 },

    #[error("{path}: unsupported file version {found} (expected 1)")]
    UnsupportedVersion { path: PathBuf, found: u32 },

    /// No server.dat at `path`; `nearby` when the store is one level off.
    #[error("{}: not a STAN file store (no server.dat){}", path.display(), nearby.as_ref().map(|n| format!("; {n}")).unwrap_or_default())]
    NotAStore {
        path: PathBuf,
        nearby: Option<NearbyStore>,
    },

    #[error("no channel named {0:?}")]
    NoSuchChannel(String),

    #[error("no client with id {0:?}")]
    NoSuchClient(String),

    #[error("{location}: {message}")]
    Sql { location: String, message: String },

    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error("channel {channel:?} seq {seq}: {message}")]
    Decrypt {
        channel: String,
        seq: u64,
        message: String,
    },

    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// `root` has no server.dat: say where the store is when the directory
    /// is one level off (a fixture's directory above `store/`, a cluster
    /// node's root, a channel directory).
    pub fn not_a_store(root: &std::path::Path) -> Self {
        let found = |dir: PathBuf| dir.join("server.dat").is_file().then_some(dir);
        let below = ["store", "node/store", "datastore"]
            .into_iter()
            .find_map(|sub| found(root.join(sub)));
        let above = root.parent().and_then(|p| found(p.to_path_buf()));
        let nearby = match (below, above) {
            (Some(dir), _) => Some(NearbyStore::Below(dir)),
            (None, Some(dir)) => Some(NearbyStore::Above(dir)),
            (None, None) => None,
        };
        StoreError::NotAStore {
            path: root.to_path_buf(),
            nearby,
        }
    }

    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            error,
        }
    }

    /// The OS error of an [`StoreError::Io`] (not exposed as `source()`).
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            StoreError::Io { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The file the error is about, where it names one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            StoreError::Io { path, .. }
            | StoreError::File { path, .. }
            | StoreError::Corrupt { path, .. }
            | StoreError::BadRecord { path, .. }
            | StoreError::CrcPolynomial { path, .. } => Some(path),
            _ => None,
        }
    }

    pub fn corrupt(path: impl Into<PathBuf>, offset: u64, message: impl Into<String>) -> Self {
        StoreError::Corrupt {
            path: path.into(),
            offset,
            message: message.into(),
        }
    }
}

/// A store one level away from the directory given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NearbyStore {
    /// In a subdirectory (a fixture's `store/`, a cluster node's root).
    Below(PathBuf),
    /// In the parent: the directory given is one of its channels.
    Above(PathBuf),
}

impl NearbyStore {
    /// The store's root directory.
    pub fn dir(&self) -> &std::path::Path {
        match self {
            NearbyStore::Below(dir) | NearbyStore::Above(dir) => dir,
        }
    }
}

impl std::fmt::Display for NearbyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NearbyStore::Below(dir) => write!(f, "the store is in {}", dir.display()),
            NearbyStore::Above(dir) => write!(
                f,
                "this looks like a channel directory of the store in {}",
                dir.display()
            ),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
