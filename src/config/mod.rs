//! NATS Streaming Server configuration files (docs/FORMAT.md 6.2, 2.12, 3.2, 4.8
//! and 7.1).
//!
//! The syntax is the one of nats-server's `conf` package (which the
//! streaming server uses): `key: value`, `key = value` or `key value`; maps
//! `{ }` (a key may be followed directly by a map), arrays `[ ]` separated by
//! commas or new lines; `#` and `//` comments; double-quoted strings with
//! `\t \n \r \" \\ \xHH` escapes, single-quoted raw strings, bare strings and
//! `( ... )` blocks ended by `)` alone on a line; integers with size suffixes
//! (`k` = 1000, `kb`/`ki`/`kib` = 1024, likewise `m g t p e`; case
//! insensitive); floats; booleans `true false yes no on off`; Zulu
//! date-times; `$name` variable references (an earlier key of an enclosing
//! map, else an environment variable, as the server does). `include` is not
//! supported and reported as an error.
//!
//! Lexer quirks kept from nats-server because they decide what the server
//! accepts: an unquoted `10s` or `1h30m` is a string (so it works as a
//! duration), but an unquoted `1m` is the integer 1 000 000 and `1.5s` is a
//! syntax error; durations should be quoted. Odder ones (a key left without
//! a value before `}` shifting the keys of the enclosing maps, a lone `/`
//! acting as a separator, ...) are kept too: while this module was written
//! its parse trees and per-channel limits were compared with the Go code
//! (nats-server v2.9.24 `conf`, the streaming server's limits inheritance)
//! on thousands of random and mangled files. The one deliberate difference:
//! inside an array `]` ends a number (`[1, 2]`), where nats-server reads
//! `2]` as a string and fails.
//!
//! Semantics follow `server/conf.go` of nats-streaming-server v0.25.6: keys
//! are matched case-insensitively with their aliases; if the file has a
//! `streaming { }` map at the top level, **only** that map is used (keys
//! outside it are ignored, as the server does); unknown keys are ignored;
//! the keys stanctl uses are type-checked like the server does (a duration
//! must be a string, a count an integer, ...). Later occurrences of a key
//! override earlier ones.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// Server default for `max_channels`.
pub const DEFAULT_MAX_CHANNELS: i64 = 100;
/// Server default for the per-channel message count limit.
pub const DEFAULT_MAX_MSGS: i64 = 1_000_000;
/// Server default for the per-channel byte limit (1 000 000 * 1024).
pub const DEFAULT_MAX_BYTES: i64 = 1_024_000_000;
/// Server default for the per-channel message age limit (unlimited).
pub const DEFAULT_MAX_AGE_NS: i64 = 0;
/// Server default for the per-channel subscription limit.
pub const DEFAULT_MAX_SUBS: i64 = 1000;
/// Server default for the channel inactivity limit (none).
pub const DEFAULT_MAX_INACTIVITY_NS: i64 = 0;

/// Maximum nesting of maps and arrays accepted in a configuration file.
const MAX_DEPTH: usize = 64;
/// Maximum chain of environment variables referring to other variables.
const MAX_ENV_DEPTH: usize = 8;
/// Maximum number of value nodes copied by `$variable` expansion.
const MAX_EXPANSION: usize = 1_000_000;

// ---------------------------------------------------------------------------
// Public configuration model
// ---------------------------------------------------------------------------

/// What a nats-streaming-server configuration file says about the store.
/// `None` means "not set in the file" (the server default or a command-line
/// flag applies).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ServerConfig {
    /// `id` / `cid` / `cluster_id`.
    pub cluster_id: Option<String>,
    /// `store` / `store_type` / `st` / `storetype`, lower-cased:
    /// `"file"`, `"sql"` or `"memory"`.
    pub store_type: Option<String>,
    /// `dir` / `datastore`: the file store root, as written (a relative path
    /// is relative to the server's working directory, not to the file).
    pub dir: Option<PathBuf>,
    /// `file_options` / `file` (docs/FORMAT.md 2.12).
    pub file: FileOptions,
    /// `sql_options` / `sql` (docs/FORMAT.md 4.8).
    pub sql: SqlOptions,
    /// `store_limits` / `limits` / `storelimits` (docs/FORMAT.md 6.2).
    pub limits: StoreLimits,
    /// `encrypt`. Set to `Some(true)` whenever `encryption_key` is present,
    /// because the server turns encryption on when a key is configured.
    pub encrypt: Option<bool>,
    /// `encryption_cipher` as written (`AES`, `CHACHA`, empty = auto).
    pub encryption_cipher: Option<String>,
    /// `encryption_key`. Redacted in `Debug` output.
    pub encryption_key: Option<String>,
    /// `cluster { log_path }`: the Raft directory (docs/FORMAT.md 7.1).
    pub cluster_log_path: Option<PathBuf>,
    /// `cluster { node_id }`.
    pub cluster_node_id: Option<String>,
    /// A `cluster { }` map is present (the server then runs clustered).
    pub clustered: bool,
    /// `cluster { peers: [...] }`.
    pub cluster_peers: Option<Vec<String>>,
}

impl ServerConfig {
    /// Whether the server encrypts new data (docs/FORMAT.md 3.2): `encrypt` is
    /// true or a key is configured.
    pub fn encryption_enabled(&self) -> bool {
        self.encrypt == Some(true) || self.encryption_key.is_some()
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("cluster_id", &self.cluster_id)
            .field("store_type", &self.store_type)
            .field("dir", &self.dir)
            .field("file", &self.file)
            .field("sql", &self.sql)
            .field("limits", &self.limits)
            .field("encrypt", &self.encrypt)
            .field("encryption_cipher", &self.encryption_cipher)
            .field("encryption_key", &redacted(&self.encryption_key))
            .field("cluster_log_path", &self.cluster_log_path)
            .field("cluster_node_id", &self.cluster_node_id)
            .field("clustered", &self.clustered)
            .field("cluster_peers", &self.cluster_peers)
            .finish()
    }
}

/// `file_options { }` (docs/FORMAT.md 2.12). Durations are in nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// `crc` / `do_crc`.
    pub crc: Option<bool>,
    /// `crc_poly`.
    pub crc_poly: Option<u32>,
    /// `slice_max_msgs` / `slice_max_count` / `slice_msgs` / `slice_count`.
    pub slice_max_msgs: Option<i64>,
    /// `slice_max_bytes` / `slice_max_size` / `slice_bytes` / `slice_size`.
    pub slice_max_bytes: Option<i64>,
    /// `slice_max_age` / `slice_age` / `slice_max_time` / `slice_time_limit`.
    pub slice_max_age_ns: Option<i64>,
    /// `slice_archive_script` / `slice_archive` / `slice_script`.
    pub slice_archive_script: Option<String>,
    /// `buffer_size`.
    pub buffer_size: Option<i64>,
    /// `compact` / `compact_enabled`.
    pub compact: Option<bool>,
    /// `compact_frag` / `compact_fragmentation` (percent).
    pub compact_frag: Option<i64>,
    /// `compact_interval` (seconds).
    pub compact_interval_s: Option<i64>,
    /// `compact_min_size` (bytes).
    pub compact_min_size: Option<i64>,
    /// `sync` / `do_sync` / `sync_on_flush`.
    pub sync: Option<bool>,
    /// `file_descriptors_limit` / `fds_limit`.
    pub fds_limit: Option<i64>,
    /// `parallel_recovery`.
    pub parallel_recovery: Option<i64>,
    /// `file_read_buffer_size` / `read_buffer_size`.
    pub read_buffer_size: Option<i64>,
    /// `file_auto_sync` / `auto_sync`.
    pub auto_sync_ns: Option<i64>,
}

/// `sql_options { }` (docs/FORMAT.md 4.8).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SqlOptions {
    /// `driver`: `mysql` or `postgres`.
    pub driver: Option<String>,
    /// `source`: the data source name. Redacted in `Debug` output (it
    /// usually holds a password).
    pub source: Option<String>,
    /// `no_caching`.
    pub no_caching: Option<bool>,
    /// `max_open_conns` / `max_conns`.
    pub max_open_conns: Option<i64>,
    /// `bulk_insert_limit`.
    pub bulk_insert_limit: Option<i64>,
}

impl fmt::Debug for SqlOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlOptions")
            .field("driver", &self.driver)
            .field("source", &redacted(&self.source))
            .field("no_caching", &self.no_caching)
            .field("max_open_conns", &self.max_open_conns)
            .field("bulk_insert_limit", &self.bulk_insert_limit)
            .finish()
    }
}

fn redacted(v: &Option<String>) -> Option<&'static str> {
    v.as_ref().map(|_| "<redacted>")
}

mod duration;
mod interp;
mod limits;
mod syntax;

pub use duration::parse_duration_ns;
use interp::*;
use limits::*;
pub use limits::{LimitsSpec, ResolvedLimits, StoreLimits};
use syntax::*;

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Reads and parses a configuration file.
pub fn load_config(path: &Path) -> Result<ServerConfig> {
    let bytes = std::fs::read(path).map_err(|e| StoreError::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| StoreError::Config {
        path: path.to_path_buf(),
        message: format!(
            "not valid UTF-8 (first bad byte at offset {}); expected a text configuration file",
            e.utf8_error().valid_up_to()
        ),
    })?;
    parse_config(&text, path)
}

/// Parses the text of a configuration file. `path` is only used in error
/// messages.
pub fn parse_config(text: &str, path: &Path) -> Result<ServerConfig> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc = Parser::new(text, 0)
        .parse_document()
        .map_err(|e| config_error(path, e.line, e.msg))?;
    Interp { path }.server_config(&doc)
}

fn config_error(path: &Path, line: usize, msg: impl fmt::Display) -> StoreError {
    StoreError::Config {
        path: path.to_path_buf(),
        message: format!("line {line}: {msg}"),
    }
}

#[cfg(test)]
mod tests;
