//! stanctl: read, check and convert NATS Streaming Server (STAN) stores
//! without a running server.

pub mod check;
pub mod config;
pub mod crc;
pub mod crypto;
pub mod decrypt;
pub mod error;
pub mod export;
pub mod filestore;
#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
pub mod jetstream;
pub mod migrate;
pub mod model;
pub mod partial;
pub mod proto;
pub mod raft;
pub mod safe_fs;
pub mod sqlstore;
pub mod staging;
pub mod store;
pub mod timefmt;

pub use error::{Result, StoreError};
pub use store::StoreReader;
