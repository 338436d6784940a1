//! The library's error type. Every message names where (file and byte
//! offset, or table and key) and what was expected.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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

    #[error("{path}: unsupported file version {found} (expected 1)")]
    UnsupportedVersion { path: PathBuf, found: u32 },

    #[error("{0}: not a STAN file store (no server.dat)")]
    NotAStore(PathBuf),

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
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
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

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
