//! stanctl: read, check and convert NATS Streaming Server (STAN) stores
//! without a running server.
//!
//! The library opens a store read-only and answers through
//! [`StoreReader`]; no command-line code is involved. Listing the channels
//! of a file store written by a real v0.23 server, and comparing them with
//! what the server was told to create (the fixture's `MANIFEST.json`,
//! recorded while the server ran):
//!
//! ```
//! use std::path::Path;
//! use stanctl::filestore::{FileStore, FileStoreOptions};
//! use stanctl::StoreReader;
//!
//! let fixture = Path::new("fixtures/file-basic-v0.23");
//! let mut store = FileStore::open(&fixture.join("store"), FileStoreOptions::default())?;
//! let channels = store.channel_names()?;
//!
//! let manifest: serde_json::Value =
//!     serde_json::from_slice(&std::fs::read(fixture.join("MANIFEST.json"))?)?;
//! let mut expected: Vec<&str> = manifest["channels"]
//!     .as_array()
//!     .into_iter()
//!     .flatten()
//!     .filter_map(|channel| channel["name"].as_str())
//!     .collect();
//! expected.sort();
//! assert!(!expected.is_empty());
//! assert_eq!(channels, expected);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod check;
pub mod config;
pub mod crc;
pub mod crypto;
pub mod decrypt;
pub mod error;
pub mod export;
pub mod filestore;
pub mod finding;
pub mod follow;
#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
pub mod jetstream;
pub mod migrate;
pub mod model;
pub mod multichannel;
pub mod open;
pub mod partial;
pub mod proto;
pub mod raft;
pub mod safe_fs;
pub mod salvage;
pub mod sqlstore;
pub mod staging;
pub mod stats;
pub mod store;
#[cfg(test)]
mod test_util;
pub mod timefmt;

pub use error::{Result, StoreError};
pub use store::StoreReader;
