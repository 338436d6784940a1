//! NATS Streaming Server configuration files (FORMAT.md 6.2, 2.12, 3.2, 4.8
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
use crate::model::Limits;

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
    /// `file_options` / `file` (FORMAT.md 2.12).
    pub file: FileOptions,
    /// `sql_options` / `sql` (FORMAT.md 4.8).
    pub sql: SqlOptions,
    /// `store_limits` / `limits` / `storelimits` (FORMAT.md 6.2).
    pub limits: StoreLimits,
    /// `encrypt`. Set to `Some(true)` whenever `encryption_key` is present,
    /// because the server turns encryption on when a key is configured.
    pub encrypt: Option<bool>,
    /// `encryption_cipher` as written (`AES`, `CHACHA`, empty = auto).
    pub encryption_cipher: Option<String>,
    /// `encryption_key`. Redacted in `Debug` output.
    pub encryption_key: Option<String>,
    /// `cluster { log_path }`: the Raft directory (FORMAT.md 7.1).
    pub cluster_log_path: Option<PathBuf>,
    /// `cluster { node_id }`.
    pub cluster_node_id: Option<String>,
    /// A `cluster { }` map is present (the server then runs clustered).
    pub clustered: bool,
    /// `cluster { peers: [...] }`.
    pub cluster_peers: Option<Vec<String>>,
}

impl ServerConfig {
    /// Whether the server encrypts new data (FORMAT.md 3.2): `encrypt` is
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

/// `file_options { }` (FORMAT.md 2.12). Durations are in nanoseconds.
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

/// `sql_options { }` (FORMAT.md 4.8).
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

/// Limits as written in one place of the configuration. `None` = key
/// omitted. Durations in nanoseconds. In a per-channel entry `Some(0)` (or
/// a negative value) means "unlimited"; in the global limits `Some(0)` is
/// also unlimited (negative global values are rejected by the parser).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitsSpec {
    pub max_msgs: Option<i64>,
    pub max_bytes: Option<i64>,
    pub max_age_ns: Option<i64>,
    pub max_subs: Option<i64>,
    pub max_inactivity_ns: Option<i64>,
}

/// `store_limits { }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreLimits {
    /// `max_channels` (`None` = server default 100; 0 = unlimited).
    pub max_channels: Option<i64>,
    /// Global per-channel limits (`None` fields = server defaults).
    pub global: LimitsSpec,
    /// Per-channel entries in file order; names may hold `*` / `>`
    /// wildcards. A name given twice keeps its last definition.
    pub channels: Vec<(String, LimitsSpec)>,
}

/// Effective limit values: 0 = unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Effective {
    msgs: i64,
    bytes: i64,
    age: i64,
    subs: i64,
    inactivity: i64,
}

impl Effective {
    fn to_limits(self) -> Limits {
        Limits {
            max_msgs: Some(self.msgs),
            max_bytes: Some(self.bytes),
            max_age_ns: Some(self.age),
            max_subs: Some(self.subs),
            max_inactivity_ns: Some(self.inactivity),
        }
    }

    /// The server's `inheritLimits`: an omitted value takes the parent's,
    /// an explicit 0 (or negative) is unlimited.
    fn inherit(spec: &LimitsSpec, parent: &Effective) -> Effective {
        fn one(v: Option<i64>, parent: i64) -> i64 {
            match v {
                None => parent,
                Some(v) if v <= 0 => 0,
                Some(v) => v,
            }
        }
        Effective {
            msgs: one(spec.max_msgs, parent.msgs),
            bytes: one(spec.max_bytes, parent.bytes),
            age: one(spec.max_age_ns, parent.age),
            subs: one(spec.max_subs, parent.subs),
            inactivity: one(spec.max_inactivity_ns, parent.inactivity),
        }
    }
}

/// Per-channel limits with inheritance applied once, for looking up many
/// channels (see [`StoreLimits::resolve`]).
#[derive(Debug, Clone)]
pub struct ResolvedLimits {
    global: Effective,
    /// Entries sorted widest first, with their effective limits.
    entries: Vec<(Vec<String>, Effective)>,
}

impl ResolvedLimits {
    /// Same as [`StoreLimits::for_channel`].
    pub fn for_channel(&self, channel: &str) -> Limits {
        let query: Vec<&str> = channel.split('.').collect();
        // `entries` is sorted in the subject trie's match order, so the last
        // matching entry is the one the server's `getChannelLimits` uses.
        self.entries
            .iter()
            .rev()
            .find(|(tokens, _)| pattern_matches(tokens, &query))
            .map(|(_, eff)| *eff)
            .unwrap_or(self.global)
            .to_limits()
    }

    /// The global limits with server defaults filled in.
    pub fn global(&self) -> Limits {
        self.global.to_limits()
    }
}

impl StoreLimits {
    /// Effective `max_channels` (0 = unlimited).
    pub fn effective_max_channels(&self) -> i64 {
        self.max_channels.unwrap_or(DEFAULT_MAX_CHANNELS)
    }

    /// The global limits with server defaults for anything not set.
    pub fn global_effective(&self) -> Limits {
        self.global_eff().to_limits()
    }

    fn global_eff(&self) -> Effective {
        let g = &self.global;
        Effective {
            msgs: g.max_msgs.unwrap_or(DEFAULT_MAX_MSGS),
            bytes: g.max_bytes.unwrap_or(DEFAULT_MAX_BYTES),
            age: g.max_age_ns.unwrap_or(DEFAULT_MAX_AGE_NS),
            subs: g.max_subs.unwrap_or(DEFAULT_MAX_SUBS),
            inactivity: g.max_inactivity_ns.unwrap_or(DEFAULT_MAX_INACTIVITY_NS),
        }
    }

    /// Applies inheritance to every per-channel entry the way the server's
    /// `StoreLimits.Build` / `applyInheritance` does (stores/limits.go).
    ///
    /// The server puts the entries in a subject trie. Its match order is:
    /// at the first token where two matching patterns differ, `>` comes
    /// before `*`, which comes before a literal token. An entry inherits
    /// omitted values from the entry just before it in the trie's match of
    /// the entry's own name (global limits if none), and a channel gets the
    /// limits of the last entry matching it. Consequences kept on purpose:
    /// for `a.b`, `a.*` wins over `*.b`; and `foo.>` inherits from `*.*`
    /// when both exist (the trie matches the `>` token of `foo.>` with
    /// `*`), even for channels `*.*` does not match.
    pub fn resolve(&self) -> ResolvedLimits {
        let global = self.global_eff();
        // Last definition of a name wins.
        let mut unique: Vec<(&str, &LimitsSpec)> = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (name, spec) in &self.channels {
            match seen.get(name.as_str()).and_then(|&i| unique.get_mut(i)) {
                Some(slot) => slot.1 = spec,
                None => {
                    seen.insert(name.as_str(), unique.len());
                    unique.push((name.as_str(), spec));
                }
            }
        }
        let mut sorted: Vec<(Vec<&str>, &LimitsSpec)> = unique
            .into_iter()
            .map(|(name, spec)| (name.split('.').collect(), spec))
            .collect();
        sorted.sort_by(|a, b| trie_order(&a.0, &b.0));

        let mut resolved: Vec<(Vec<String>, Effective)> = Vec::with_capacity(sorted.len());
        for (tokens, spec) in &sorted {
            // Entries before this one (in trie order) that the trie returns
            // when matching this entry's own name; the last one is the
            // parent. It always precedes this entry in `sorted`, so it is
            // already resolved.
            let parent = resolved
                .iter()
                .rev()
                .find(|(t, _)| {
                    let t: Vec<&str> = t.iter().map(String::as_str).collect();
                    pattern_matches(&t, tokens)
                })
                .map(|(_, eff)| *eff)
                .unwrap_or(global);
            let eff = Effective::inherit(spec, &parent);
            resolved.push((tokens.iter().map(|s| s.to_string()).collect(), eff));
        }
        ResolvedLimits {
            global,
            entries: resolved,
        }
    }

    /// Effective limits of a channel as the server computes them (FORMAT.md
    /// 6.2): global values (server defaults for anything not set globally),
    /// then matching wildcard entries from widest to most specific, then
    /// the literal entry; in a per-channel entry an explicit 0 means
    /// unlimited (result `Some(0)`), an omitted key inherits. All fields of
    /// the result are `Some`. To look up many channels, call
    /// [`StoreLimits::resolve`] once instead.
    pub fn for_channel(&self, channel: &str) -> Limits {
        self.resolve().for_channel(channel)
    }
}

/// Rank of a token in the server's subject trie order.
fn token_rank(t: &str) -> u8 {
    match t {
        ">" => 0,
        "*" => 1,
        _ => 2,
    }
}

/// Order of the trie walk: token by token, `>` < `*` < literal (literals by
/// name, which the server leaves random but never matters for the result),
/// a name before the longer names it prefixes.
fn trie_order(a: &[&str], b: &[&str]) -> std::cmp::Ordering {
    let ka = a.iter().map(|t| (token_rank(t), *t));
    let kb = b.iter().map(|t| (token_rank(t), *t));
    ka.cmp(kb)
}

/// Whether the trie returns `pattern` when matched against `query` (whose
/// tokens may themselves be `*` / `>` when the query is an entry name: the
/// trie then matches them only with wildcard patterns).
fn pattern_matches<S: AsRef<str>>(pattern: &[S], query: &[&str]) -> bool {
    for (i, p) in pattern.iter().enumerate() {
        let p = p.as_ref();
        let Some(q) = query.get(i) else {
            return false;
        };
        match p {
            ">" => return true,
            "*" => {}
            lit => {
                if lit != *q {
                    return false;
                }
            }
        }
    }
    pattern.len() == query.len()
}

/// The server's `IsChannelNameValid(name, wildcardsAllowed=true)`.
fn channel_name_valid(name: &str) -> bool {
    if name.is_empty() || name.starts_with('.') || name.contains('/') {
        return false;
    }
    let tokens: Vec<&str> = name.split('.').collect();
    let last = tokens.len().saturating_sub(1);
    for (i, t) in tokens.iter().enumerate() {
        if t.is_empty() {
            return false;
        }
        if t.contains(['*', '>']) {
            if *t != "*" && *t != ">" {
                return false;
            }
            if *t == ">" && i != last {
                return false;
            }
        }
    }
    true
}

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

/// Parses a Go `time.ParseDuration` string ("10s", "1h30m", "500ms",
/// "1.5h", "-2us", "0") into nanoseconds. `None` if invalid or out of range.
pub fn parse_duration_ns(s: &str) -> Option<i64> {
    const LIMIT: u64 = 1 << 63;
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes().first().copied()?;
        if !(first == b'.' || first.is_ascii_digit()) {
            return None;
        }
        // Integer part.
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_str, r) = rest.split_at(int_len);
        rest = r;
        let mut v: u64 = 0;
        for b in int_str.bytes() {
            if v > LIMIT / 10 {
                return None;
            }
            v = v * 10 + u64::from(b - b'0');
            if v > LIMIT {
                return None;
            }
        }
        let pre = int_len > 0;
        // Fraction.
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if let Some(r) = rest.strip_prefix('.') {
            let frac_len = r.bytes().take_while(u8::is_ascii_digit).count();
            let (frac_str, r2) = r.split_at(frac_len);
            rest = r2;
            post = frac_len > 0;
            let mut overflow = false;
            for b in frac_str.bytes() {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(b - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
        }
        if !pre && !post {
            return None;
        }
        // Unit.
        let unit_len = rest
            .bytes()
            .take_while(|b| !(*b == b'.' || b.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return None;
        }
        let (unit_str, r) = rest.split_at(unit_len);
        rest = r;
        let unit: u64 = match unit_str {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        if v > LIMIT / unit {
            return None;
        }
        v *= unit;
        if f > 0 {
            // Same float arithmetic as Go; the cast saturates.
            v = v.checked_add((f as f64 * (unit as f64 / scale)) as u64)?;
            if v > LIMIT {
                return None;
            }
        }
        total = total.checked_add(v)?;
        if total > LIMIT {
            return None;
        }
    }
    if neg {
        if total == LIMIT {
            Some(i64::MIN)
        } else {
            i64::try_from(total).ok().map(|t| -t)
        }
    } else {
        i64::try_from(total).ok()
    }
}

// ---------------------------------------------------------------------------
// Generic value tree
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(String),
    Array(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
struct Node {
    value: Value,
    /// Line where the value starts (1-based).
    line: usize,
    /// Nesting height: 0 for scalars.
    height: usize,
    /// Number of nodes in this value, itself included.
    size: usize,
}

impl Node {
    fn scalar(value: Value, line: usize) -> Node {
        Node {
            value,
            line,
            height: 0,
            size: 1,
        }
    }

    fn array(items: Vec<Node>, line: usize) -> Node {
        let height = 1 + items.iter().map(|n| n.height).max().unwrap_or(0);
        let size = 1 + items.iter().map(|n| n.size).sum::<usize>();
        Node {
            value: Value::Array(items),
            line,
            height,
            size,
        }
    }

    fn map(entries: Vec<Entry>, line: usize) -> Node {
        let height = 1 + entries.iter().map(|e| e.node.height).max().unwrap_or(0);
        let size = 1 + entries.iter().map(|e| e.node.size).sum::<usize>();
        Node {
            value: Value::Map(entries),
            line,
            height,
            size,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    key: String,
    node: Node,
}

// ---------------------------------------------------------------------------
// Parser (nats-server conf syntax)
// ---------------------------------------------------------------------------

/// A map being built: entries in file order, a later duplicate key
/// replacing the earlier value.
#[derive(Debug, Default)]
struct Scope {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl Scope {
    fn set(&mut self, key: String, node: Node) {
        match self.index.get(&key).and_then(|&i| self.entries.get_mut(i)) {
            Some(e) => e.node = node,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push(Entry { key, node });
            }
        }
    }

    fn get(&self, key: &str) -> Option<&Node> {
        self.index
            .get(key)
            .and_then(|&i| self.entries.get(i))
            .map(|e| &e.node)
    }
}

#[derive(Debug)]
struct SyntaxError {
    line: usize,
    msg: String,
}

type PResult<T> = std::result::Result<T, SyntaxError>;

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    depth: usize,
    env_depth: usize,
    /// Maps being built, outermost first (for `$variable` lookups).
    scopes: Vec<Scope>,
    /// Keys waiting for their value (see `set`).
    keys: Vec<String>,
    /// The value being read is an array element.
    in_array: bool,
    /// The next map key starts with whatever character comes next.
    force_key_char: bool,
    expanded: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_nl(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Ends a number: nats-server's list, plus `]` inside an array so that
/// `[1, 2]` works (nats-server reads `2]` as a string there and fails).
fn is_number_end(b: Option<u8>, in_array: bool) -> bool {
    match b {
        None => true,
        Some(b']') => in_array,
        Some(b) => is_nl(b) || is_blank(b) || matches!(b, b'}' | b';' | b','),
    }
}

/// Range checks of Go's `time.Parse("2006-01-02T15:04:05Z", s)` on a string
/// already known to have that shape.
fn zulu_date_valid(s: &str) -> bool {
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && h < 24 && mi < 60 && sec < 60
}

fn is_size_suffix(b: u8) -> bool {
    matches!(
        b,
        b'k' | b'K' | b'm' | b'M' | b'g' | b'G' | b't' | b'T' | b'p' | b'P' | b'e' | b'E'
    )
}

/// Ends a bare key: as in nats-server, only white space and separators do
/// (`name{` is the key "name{", which the server rejects too).
fn ends_bare_key(b: u8) -> bool {
    is_space(b) || b == b':' || b == b'='
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, env_depth: usize) -> Parser<'a> {
        Parser {
            src: text.as_bytes(),
            text,
            pos: 0,
            line: 1,
            depth: 0,
            env_depth,
            scopes: Vec::new(),
            keys: Vec::new(),
            in_array: false,
            force_key_char: false,
            expanded: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        self.src.get(start..end).unwrap_or_default()
    }

    fn err<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(SyntaxError {
            line: self.line,
            msg: msg.into(),
        })
    }

    fn err_at<T>(&self, line: usize, msg: impl Into<String>) -> PResult<T> {
        Err(SyntaxError {
            line,
            msg: msg.into(),
        })
    }

    /// Human description of what is at the current position.
    fn found(&self) -> String {
        match self.peek() {
            None => "end of file".to_string(),
            Some(b'\n') | Some(b'\r') => "end of line".to_string(),
            Some(_) => match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
                Some(c) => format!("{:?}", c),
                None => "an invalid character".to_string(),
            },
        }
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.bump();
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.bump();
        }
    }

    /// Skips a `#` or `//` comment if one starts here (up to, not
    /// including, the end of line). Returns whether it did.
    fn skip_comment(&mut self) -> bool {
        let starts = match self.peek() {
            Some(b'#') => true,
            Some(b'/') => self.peek_at(1) == Some(b'/'),
            _ => false,
        };
        if starts {
            while self.peek().is_some_and(|b| !is_nl(b)) {
                self.bump();
            }
        }
        starts
    }

    fn skip_spaces_and_comments(&mut self) {
        loop {
            self.skip_spaces();
            if !self.skip_comment() {
                break;
            }
        }
    }

    fn enter(&mut self, what: &str) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return self.err(format!(
                "{what} nested more than {MAX_DEPTH} levels deep; expected a shallower configuration"
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Stores a value in the current map under the most recently read key
    /// that has no value yet. Like nats-server, keys are kept on a stack:
    /// a key left without a value (`{ a: 1, k }`) makes the enclosing map
    /// land under `k`, and shifts the keys of the maps around it.
    fn set(&mut self, node: Node) -> PResult<()> {
        let Some(key) = self.keys.pop() else {
            return self.err_at(node.line, "a value has no key");
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.set(key, node);
        }
        Ok(())
    }

    fn parse_document(mut self) -> PResult<Vec<Entry>> {
        self.scopes.push(Scope::default());
        loop {
            // Top level: blanks, new lines, comments and '{' (JSON-like
            // files) are skipped. A '}' is read as a key, as nats-server
            // does; a final `}` is thus accepted.
            loop {
                self.skip_spaces_and_comments();
                match self.peek() {
                    Some(b'{') => {
                        self.bump();
                    }
                    _ => break,
                }
            }
            // nats-server also ends quietly on a lone quote at the very end.
            if self.peek().is_none() || matches!(self.src.get(self.pos..), Some(b"\"" | b"'")) {
                break;
            }
            if self.peek() == Some(b'/') {
                return self.err("expected a key, found '/'");
            }
            let key = self.parse_entry(true)?;
            // End of a top-level value. A lone '/' is skipped like a blank
            // (nats-server quirk).
            loop {
                self.skip_blanks();
                if self.peek() == Some(b'/') && self.peek_at(1) != Some(b'/') {
                    self.bump();
                } else {
                    break;
                }
            }
            if self.skip_comment() {
                continue;
            }
            match self.peek() {
                None => break,
                Some(b) if is_nl(b) || matches!(b, b';' | b',' | b'}') => {
                    self.bump();
                }
                Some(_) => {
                    return self.err(format!(
                        "expected a new line, ';', ',' or a comment after the value of {key:?}, found {}",
                        self.found()
                    ));
                }
            }
        }
        Ok(self.scopes.pop().unwrap_or_default().entries)
    }

    /// Parses `key [sep] value` and stores it in the current scope. Returns
    /// the key (for messages).
    fn parse_entry(&mut self, top: bool) -> PResult<String> {
        let key_line = self.line;
        let (key, bare) = self.parse_key()?;
        if bare && key.eq_ignore_ascii_case("include") && self.peek().is_some_and(is_space) {
            return self.err_at(
                key_line,
                "'include' is not supported by stanctl; expected the included file's content inline",
            );
        }
        self.skip_spaces();
        let mut had_sep = false;
        if matches!(self.peek(), Some(b':') | Some(b'=')) {
            self.bump();
            had_sep = true;
            if top {
                self.skip_blanks();
                if self.peek().is_some_and(is_nl) {
                    return self.err(format!(
                        "expected a value for {key:?} on the same line as its separator, found end of line"
                    ));
                }
            } else {
                self.skip_spaces();
            }
        }
        self.keys.push(key.clone());
        let node = match self.peek() {
            None if had_sep && top => Node::scalar(Value::Str(String::new()), self.line),
            // nats-server accepts a final key `}` without value.
            None if top && key == "}" => return Ok(key),
            None => return self.err(format!("expected a value for {key:?}, found end of file")),
            // nats-server reads an empty string there.
            Some(b'}' | b']' | b',' | b';') if top => {
                Node::scalar(Value::Str(String::new()), self.line)
            }
            Some(b']' | b';') => Node::scalar(Value::Str(String::new()), self.line),
            // `{ ..., key }`: the map ends, the key stays pending (see `set`).
            Some(b'}') => return Ok(key),
            Some(b',') => {
                return self.err(format!("expected a value for {key:?}, found ','"));
            }
            Some(_) => {
                self.in_array = false;
                self.parse_value()?
            }
        };
        self.set(node)?;
        Ok(key)
    }

    fn parse_key(&mut self) -> PResult<(String, bool)> {
        let line = self.line;
        let forced = std::mem::take(&mut self.force_key_char);
        match self.peek() {
            _ if forced => {
                let start = self.pos;
                self.bump();
                while self.peek().is_some_and(|b| !ends_bare_key(b)) {
                    self.bump();
                }
                let key = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                Ok((key, true))
            }
            Some(q @ (b'"' | b'\'')) => {
                self.bump();
                let start = self.pos;
                loop {
                    match self.peek() {
                        None => {
                            return self.err_at(
                                line,
                                format!(
                                    "unterminated quoted key: expected a closing {:?}",
                                    char::from(q)
                                ),
                            )
                        }
                        Some(b) if b == q => break,
                        Some(_) => {
                            self.bump();
                        }
                    }
                }
                let key = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                self.bump();
                Ok((key, false))
            }
            Some(b':') | Some(b'=') => self.err(format!(
                "expected a key before the separator, found {}",
                self.found()
            )),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|b| !ends_bare_key(b)) {
                    self.bump();
                }
                if self.pos == start {
                    return self.err(format!("expected a key, found {}", self.found()));
                }
                let key = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                Ok((key, true))
            }
        }
    }

    fn parse_value(&mut self) -> PResult<Node> {
        let line = self.line;
        let Some(c) = self.peek() else {
            return self.err("expected a value, found end of file");
        };
        match c {
            b'[' => {
                self.bump();
                self.parse_array(line)
            }
            b'{' => {
                self.bump();
                self.parse_map(line)
            }
            b'\'' => {
                self.bump();
                let start = self.pos;
                while self.peek().is_some_and(|b| b != b'\'') {
                    self.bump();
                }
                if self.peek().is_none() {
                    return self.err_at(
                        line,
                        "unterminated single-quoted string: expected a closing '",
                    );
                }
                let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                self.bump();
                Ok(Node::scalar(Value::Str(s), line))
            }
            b'"' => {
                self.bump();
                self.parse_dq_string(line)
            }
            b'(' => {
                self.bump();
                self.parse_block(line)
            }
            b'-' => {
                self.bump();
                self.parse_negative(line)
            }
            b'0'..=b'9' => self.parse_number(line),
            b'.' => self.err("floats must start with a digit, found '.'"),
            b if is_nl(b) => self.err("expected a value, found end of line"),
            _ => self.parse_bare(self.pos, line),
        }
    }

    fn parse_map(&mut self, open_line: usize) -> PResult<Node> {
        self.enter("map")?;
        self.scopes.push(Scope::default());
        loop {
            self.skip_spaces_and_comments();
            match self.peek() {
                None => {
                    return self.err(format!(
                        "unexpected end of file: expected '}}' to close the map opened on line {open_line}"
                    ))
                }
                Some(b'}') => {
                    self.bump();
                    break;
                }
                Some(b']') => return self.err("expected a key or '}' in a map, found ']'"),
                _ => {}
            }
            if self.peek() == Some(b'/') {
                // A lone '/' is dropped and the next character, whatever
                // it is, starts the key (nats-server quirk).
                self.bump();
                self.force_key_char = true;
            }
            let key = self.parse_entry(false)?;
            self.skip_blanks();
            if self.skip_comment() {
                continue;
            }
            match self.peek() {
                // A lone '/' ends the value like ',' (nats-server quirk).
                Some(b) if is_nl(b) || matches!(b, b',' | b';' | b'/') => {
                    self.bump();
                }
                Some(b'}') => {
                    self.bump();
                    break;
                }
                None => {
                    return self.err(format!(
                        "unexpected end of file: expected '}}' to close the map opened on line {open_line}"
                    ))
                }
                Some(_) => {
                    return self.err(format!(
                        "expected ',', ';', a new line or '}}' after the value of {key:?}, found {}",
                        self.found()
                    ))
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
        let entries = self.scopes.pop().unwrap_or_default().entries;
        Ok(Node::map(entries, open_line))
    }

    fn parse_array(&mut self, open_line: usize) -> PResult<Node> {
        self.enter("array")?;
        let mut items = Vec::new();
        loop {
            self.skip_spaces_and_comments();
            match self.peek() {
                None => {
                    return self.err(format!(
                        "unexpected end of file: expected ']' to close the array opened on line {open_line}"
                    ))
                }
                Some(b']') => {
                    self.bump();
                    break;
                }
                Some(b',') => return self.err("expected an array value, found ','"),
                Some(b'}') => return self.err("expected an array value or ']', found '}'"),
                _ => {}
            }
            self.in_array = true;
            items.push(self.parse_value()?);
            self.skip_blanks();
            if self.skip_comment() {
                continue;
            }
            match self.peek() {
                // A lone '/' separates values like ',' (nats-server quirk).
                Some(b) if is_nl(b) || b == b',' || b == b'/' => {
                    self.bump();
                }
                Some(b']') => {
                    self.bump();
                    break;
                }
                None => {
                    return self.err(format!(
                        "unexpected end of file: expected ']' to close the array opened on line {open_line}"
                    ))
                }
                Some(_) => {
                    return self.err(format!(
                        "expected ',', a new line or ']' after an array value, found {}",
                        self.found()
                    ))
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Ok(Node::array(items, open_line))
    }

    /// After a `\` in a double-quoted or bare string.
    fn parse_escape(&mut self, buf: &mut Vec<u8>) -> PResult<()> {
        let Some(c) = self.bump() else {
            return self.err("expected an escape character after '\\', found end of file");
        };
        match c {
            b't' => buf.push(b'\t'),
            b'n' => buf.push(b'\n'),
            b'r' => buf.push(b'\r'),
            b'"' => buf.push(b'"'),
            b'\\' => buf.push(b'\\'),
            b'x' => {
                let hi = self.bump();
                let lo = self.bump();
                let digit = |b: Option<u8>| b.and_then(|b| char::from(b).to_digit(16));
                match (digit(hi), digit(lo)) {
                    (Some(h), Some(l)) => buf.push((h * 16 + l) as u8),
                    _ => return self.err("expected two hexadecimal digits after '\\x'"),
                }
            }
            other => {
                return self.err(format!(
                    "invalid escape '\\{}'; expected one of \\xXX, \\t, \\n, \\r, \\\", \\\\",
                    char::from(other).escape_default()
                ))
            }
        }
        Ok(())
    }

    fn utf8(&self, buf: Vec<u8>, line: usize) -> PResult<String> {
        String::from_utf8(buf).or_else(|_| {
            self.err_at(
                line,
                "string is not valid UTF-8 (after \\x escapes); expected UTF-8 text",
            )
        })
    }

    fn parse_dq_string(&mut self, line: usize) -> PResult<Node> {
        let mut buf = Vec::new();
        loop {
            match self.peek() {
                None => {
                    return self.err_at(
                        line,
                        "unterminated double-quoted string: expected a closing '\"'",
                    )
                }
                Some(b'"') => {
                    self.bump();
                    break;
                }
                Some(b'\\') => {
                    self.bump();
                    self.parse_escape(&mut buf)?;
                }
                Some(b) => {
                    buf.push(b);
                    self.bump();
                }
            }
        }
        let s = self.utf8(buf, line)?;
        Ok(Node::scalar(Value::Str(s), line))
    }

    /// `( ... )` block: everything up to a `)` alone on its line.
    fn parse_block(&mut self, line: usize) -> PResult<Node> {
        let start = self.pos;
        loop {
            match self.peek() {
                None => {
                    return self
                        .err_at(line, "unterminated '(' block: expected ')' alone on a line")
                }
                Some(b')')
                    if self.pos > start
                        && self.src.get(self.pos - 1) == Some(&b'\n')
                        && matches!(self.peek_at(1), None | Some(b'\n')) =>
                {
                    let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                    self.bump();
                    return Ok(Node::scalar(Value::Str(s), line));
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
    }

    /// Bare string starting at `start` (the scan continues from the current
    /// position). Becomes a boolean or a variable reference when it spells
    /// one and has no escapes.
    fn parse_bare(&mut self, start: usize, line: usize) -> PResult<Node> {
        let mut buf: Vec<u8> = Vec::new();
        let mut seg = start;
        let mut escaped = false;
        let mut quote_ended = false;
        loop {
            match self.peek() {
                None => break,
                Some(b) if is_nl(b) || is_blank(b) || matches!(b, b';' | b',' | b']' | b'}') => {
                    break
                }
                Some(b'\'') => {
                    quote_ended = true;
                    break;
                }
                Some(b'\\') => {
                    buf.extend_from_slice(self.slice(seg, self.pos));
                    self.bump();
                    self.parse_escape(&mut buf)?;
                    escaped = true;
                    seg = self.pos;
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
        buf.extend_from_slice(self.slice(seg, self.pos));
        if quote_ended {
            self.bump();
        }
        let s = self.utf8(buf, line)?;
        if escaped || quote_ended {
            return Ok(Node::scalar(Value::Str(s), line));
        }
        match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => return Ok(Node::scalar(Value::Bool(true), line)),
            "false" | "no" | "off" => return Ok(Node::scalar(Value::Bool(false), line)),
            _ => {}
        }
        if let Some(name) = s.strip_prefix('$') {
            return self.lookup_variable(name, line);
        }
        Ok(Node::scalar(Value::Str(s), line))
    }

    fn consume_digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
        }
    }

    /// A value starting with a digit: integer (with optional size suffix),
    /// float, date-time, IP address or a bare string such as `10s`.
    fn parse_number(&mut self, line: usize) -> PResult<Node> {
        let start = self.pos;
        self.consume_digits();
        match self.peek() {
            Some(b'-') => {
                if self.pos - start != 4 {
                    return self.err(
                        "expected a full ISO8601 Zulu date-time (YYYY-MM-DDTHH:MM:SSZ) or a quoted string",
                    );
                }
                self.bump();
                self.parse_date(start, line)
            }
            Some(b'.') => {
                self.bump();
                self.parse_fraction(start, line)
            }
            Some(b) if is_size_suffix(b) => self.parse_suffix(start, line),
            b if is_number_end(b, self.in_array) => self.make_int(start, line),
            _ => {
                // e.g. `10s`: a string. The first non-digit is taken as is
                // (even a quote or a backslash), as nats-server does.
                self.bump();
                self.parse_bare(start, line)
            }
        }
    }

    fn parse_negative(&mut self, line: usize) -> PResult<Node> {
        let start = self.pos - 1;
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return self.err(format!(
                "expected a digit after '-', found {}",
                self.found()
            ));
        }
        self.consume_digits();
        match self.peek() {
            Some(b'.') => {
                self.bump();
                self.parse_fraction(start, line)
            }
            Some(b) if is_size_suffix(b) => self.parse_suffix(start, line),
            _ => self.make_int(start, line),
        }
    }

    /// After `digits.`: a float, or an IP address (`127.0.0.1:4222`) which
    /// is a string.
    fn parse_fraction(&mut self, start: usize, line: usize) -> PResult<Node> {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return self.err(format!(
                "expected a digit after the '.' of a float, found {}",
                self.found()
            ));
        }
        self.consume_digits();
        if self.peek() == Some(b'.') {
            while self
                .peek()
                .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'.' | b':' | b'-'))
            {
                self.bump();
            }
            let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
            return Ok(Node::scalar(Value::Str(s), line));
        }
        let text = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Node::scalar(Value::Float(f), line)),
            _ => self.err_at(line, format!("float {text:?} is out of range")),
        }
    }

    /// After digits followed by a size suffix letter.
    fn parse_suffix(&mut self, start: usize, line: usize) -> PResult<Node> {
        self.bump();
        while matches!(self.peek(), Some(b'b' | b'B' | b'i' | b'I')) {
            self.bump();
        }
        // nats-server also ends the number before a digit (`1k5` is then
        // a syntax error).
        if is_number_end(self.peek(), self.in_array)
            || self.peek().is_some_and(|b| b.is_ascii_digit())
        {
            self.make_int(start, line)
        } else {
            // e.g. `10ms`, `5min`: a string.
            self.parse_bare(start, line)
        }
    }

    fn make_int(&mut self, start: usize, line: usize) -> PResult<Node> {
        let text = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
        let split = text
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'-'))
            .unwrap_or(text.len());
        let (num, suffix) = text.split_at(split);
        let n: i64 = match num.parse() {
            Ok(n) => n,
            Err(_) => {
                return self.err_at(line, format!("integer {text:?} is out of range"));
            }
        };
        let mult: i64 = match suffix.to_ascii_lowercase().as_str() {
            "" => 1,
            "k" => 1_000,
            "kb" | "ki" | "kib" => 1 << 10,
            "m" => 1_000_000,
            "mb" | "mi" | "mib" => 1 << 20,
            "g" => 1_000_000_000,
            "gb" | "gi" | "gib" => 1 << 30,
            "t" => 1_000_000_000_000,
            "tb" | "ti" | "tib" => 1 << 40,
            "p" => 1_000_000_000_000_000,
            "pb" | "pi" | "pib" => 1 << 50,
            "e" => 1_000_000_000_000_000_000,
            "eb" | "ei" | "eib" => 1 << 60,
            other => {
                return self.err_at(
                    line,
                    format!(
                        "unknown size suffix {other:?} in {text:?}; expected k, kb, m, mb, g, gb, t, tb, p, pb, e or eb"
                    ),
                )
            }
        };
        match n.checked_mul(mult) {
            Some(v) => Ok(Node::scalar(Value::Int(v), line)),
            None => self.err_at(line, format!("integer {text:?} is out of range")),
        }
    }

    /// After `YYYY-`: the rest of `YYYY-MM-DDTHH:MM:SSZ`.
    fn parse_date(&mut self, start: usize, line: usize) -> PResult<Node> {
        const FORMAT: &[u8] = b"00-00T00:00:00Z";
        for &f in FORMAT {
            let b = self.peek();
            let ok = match b {
                Some(b) if f == b'0' => b.is_ascii_digit(),
                Some(b) => b == f,
                None => false,
            };
            if !ok {
                return self.err(format!(
                    "expected a full ISO8601 Zulu date-time (YYYY-MM-DDTHH:MM:SSZ), found {}",
                    self.found()
                ));
            }
            self.bump();
        }
        let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
        if !zulu_date_valid(&s) {
            return self.err_at(
                line,
                format!("invalid date-time {s:?}; expected a real YYYY-MM-DDTHH:MM:SSZ"),
            );
        }
        Ok(Node::scalar(Value::Date(s), line))
    }

    fn lookup_variable(&mut self, name: &str, line: usize) -> PResult<Node> {
        if name.starts_with("2a$") {
            // A bcrypt hash, kept as written.
            return Ok(Node::scalar(Value::Str(format!("${name}")), line));
        }
        let found = self
            .scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name))
            .cloned();
        let mut node = match found {
            Some(n) => n,
            None => match std::env::var(name) {
                Ok(v) => self.env_variable(name, &v, line)?,
                Err(std::env::VarError::NotUnicode(_)) => {
                    return self.err_at(
                        line,
                        format!("environment variable {name:?} (referenced as ${name}) is not valid UTF-8"),
                    )
                }
                Err(std::env::VarError::NotPresent) => {
                    return self.err_at(
                        line,
                        format!(
                            "variable reference ${name} can not be found: expected an earlier key or an environment variable named {name:?}"
                        ),
                    )
                }
            },
        };
        if self.depth + node.height > MAX_DEPTH {
            return self.err_at(
                line,
                format!(
                    "variable ${name} expands to values nested more than {MAX_DEPTH} levels deep"
                ),
            );
        }
        self.expanded = self.expanded.saturating_add(node.size);
        if self.expanded > MAX_EXPANSION {
            return self.err_at(
                line,
                format!("variable references expand to more than {MAX_EXPANSION} values"),
            );
        }
        node.line = line;
        Ok(node)
    }

    /// The server parses an environment variable's value as `pk=<value>`.
    fn env_variable(&self, name: &str, value: &str, line: usize) -> PResult<Node> {
        if self.env_depth >= MAX_ENV_DEPTH {
            return self.err_at(
                line,
                format!("environment variable ${name} refers to variables more than {MAX_ENV_DEPTH} levels deep"),
            );
        }
        let text = format!("pk={value}");
        let doc = Parser::new(&text, self.env_depth + 1)
            .parse_document()
            .or_else(|e| {
                self.err_at(
                    line,
                    format!(
                        "environment variable {name:?} (referenced as ${name}) could not be parsed: {}",
                        e.msg
                    ),
                )
            })?;
        match doc.into_iter().find(|e| e.key == "pk") {
            Some(e) => Ok(e.node),
            None => self.err_at(
                line,
                format!("environment variable {name:?} (referenced as ${name}) has no value"),
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Interpretation (server/conf.go)
// ---------------------------------------------------------------------------

struct Interp<'p> {
    path: &'p Path,
}

/// Line and key that last set each global limit.
type GlobalSetters = [Option<(usize, String)>; 6];

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Str(_) => "a string",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Bool(_) => "a boolean",
        Value::Date(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let mut t: String = s.chars().take(40).collect();
            if t.len() < s.len() {
                t.push_str("...");
            }
            format!("the string {t:?}")
        }
        Value::Int(i) => format!("the integer {i}"),
        Value::Float(f) => format!("the float {f}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Date(d) => format!("the date-time {d}"),
        other => type_name(other).to_string(),
    }
}

impl Interp<'_> {
    fn err(&self, line: usize, msg: impl fmt::Display) -> StoreError {
        config_error(self.path, line, msg)
    }

    fn wrong_type(&self, key: &str, node: &Node, expected: &str) -> StoreError {
        self.err(
            node.line,
            format!("{key:?} must be {expected}, got {}", describe(&node.value)),
        )
    }

    fn string(&self, key: &str, node: &Node) -> Result<String> {
        match &node.value {
            Value::Str(s) => Ok(s.clone()),
            _ => Err(self.wrong_type(key, node, "a string")),
        }
    }

    fn int(&self, key: &str, node: &Node) -> Result<i64> {
        match &node.value {
            Value::Int(i) => Ok(*i),
            _ => Err(self.wrong_type(key, node, "an integer")),
        }
    }

    fn boolean(&self, key: &str, node: &Node) -> Result<bool> {
        match &node.value {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.wrong_type(key, node, "a boolean (true/false)")),
        }
    }

    fn duration(&self, key: &str, node: &Node) -> Result<i64> {
        match &node.value {
            Value::Str(s) => parse_duration_ns(s).ok_or_else(|| {
                self.err(
                    node.line,
                    format!(
                        "{key:?}: invalid duration {s:?}; expected a Go duration such as \"10s\", \"1h30m\" or \"500ms\""
                    ),
                )
            }),
            _ => Err(self.wrong_type(
                key,
                node,
                "a duration string such as \"10s\" (quote it: unquoted 1m is the integer 1000000)",
            )),
        }
    }

    fn map<'n>(&self, key: &str, node: &'n Node) -> Result<&'n [Entry]> {
        match &node.value {
            Value::Map(entries) => Ok(entries),
            _ => Err(self.wrong_type(key, node, "a map { ... }")),
        }
    }

    fn server_config(&self, doc: &[Entry]) -> Result<ServerConfig> {
        // A top-level `streaming` map replaces everything else.
        let mut top = doc;
        if let Some(e) = doc
            .iter()
            .rev()
            .find(|e| e.key.to_lowercase() == "streaming")
        {
            top = self.map(&e.key, &e.node)?;
        }
        let mut cfg = ServerConfig::default();
        let mut setters = GlobalSetters::default();
        for e in top {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "id" | "cid" | "cluster_id" => cfg.cluster_id = Some(self.string(k, n)?),
                "st" | "store_type" | "store" | "storetype" => {
                    let s = self.string(k, n)?;
                    let lower = s.to_lowercase();
                    if !matches!(lower.as_str(), "file" | "sql" | "memory") {
                        return Err(self.err(
                            n.line,
                            format!("unknown store type {s:?}; expected file, sql or memory"),
                        ));
                    }
                    cfg.store_type = Some(lower);
                }
                "dir" | "datastore" => cfg.dir = Some(PathBuf::from(self.string(k, n)?)),
                "limits" | "store_limits" | "storelimits" => {
                    self.store_limits(k, n, &mut cfg.limits, &mut setters)?
                }
                "file" | "file_options" => self.file_options(k, n, &mut cfg.file)?,
                "sql" | "sql_options" => self.sql_options(k, n, &mut cfg.sql)?,
                "cluster" => self.cluster(k, n, &mut cfg)?,
                "encrypt" => cfg.encrypt = Some(self.boolean(k, n)?),
                "encryption_cipher" => cfg.encryption_cipher = Some(self.string(k, n)?),
                "encryption_key" => cfg.encryption_key = Some(self.string(k, n)?),
                _ => {}
            }
        }
        self.check_global_limits(&cfg.limits, &setters)?;
        if cfg.encryption_key.is_some() {
            cfg.encrypt = Some(true);
        }
        Ok(cfg)
    }

    fn cluster(&self, key: &str, node: &Node, cfg: &mut ServerConfig) -> Result<()> {
        let entries = self.map(key, node)?;
        cfg.clustered = true;
        for e in entries {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "node_id" => cfg.cluster_node_id = Some(self.string(k, n)?),
                "log_path" => cfg.cluster_log_path = Some(PathBuf::from(self.string(k, n)?)),
                "peers" => {
                    let Value::Array(items) = &n.value else {
                        return Err(self.wrong_type(k, n, "an array of node ids"));
                    };
                    let peers = items
                        .iter()
                        .map(|item| self.string("peers", item))
                        .collect::<Result<Vec<_>>>()?;
                    cfg.cluster_peers = Some(peers);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn file_options(&self, key: &str, node: &Node, fo: &mut FileOptions) -> Result<()> {
        for e in self.map(key, node)? {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "compact" | "compact_enabled" => fo.compact = Some(self.boolean(k, n)?),
                "compact_frag" | "compact_fragmentation" => fo.compact_frag = Some(self.int(k, n)?),
                "compact_interval" => fo.compact_interval_s = Some(self.int(k, n)?),
                "compact_min_size" => fo.compact_min_size = Some(self.int(k, n)?),
                "buffer_size" => fo.buffer_size = Some(self.int(k, n)?),
                "crc" | "do_crc" => fo.crc = Some(self.boolean(k, n)?),
                "crc_poly" => {
                    let v = self.int(k, n)?;
                    let poly = u32::try_from(v).map_err(|_| {
                        self.err(
                            n.line,
                            format!("{k:?} must be a 32-bit polynomial (0 to 4294967295), got {v}"),
                        )
                    })?;
                    fo.crc_poly = Some(poly);
                }
                "sync" | "do_sync" | "sync_on_flush" => fo.sync = Some(self.boolean(k, n)?),
                "slice_max_msgs" | "slice_max_count" | "slice_msgs" | "slice_count" => {
                    fo.slice_max_msgs = Some(self.int(k, n)?)
                }
                "slice_max_bytes" | "slice_max_size" | "slice_bytes" | "slice_size" => {
                    fo.slice_max_bytes = Some(self.int(k, n)?)
                }
                "slice_max_age" | "slice_age" | "slice_max_time" | "slice_time_limit" => {
                    fo.slice_max_age_ns = Some(self.duration(k, n)?)
                }
                "slice_archive_script" | "slice_archive" | "slice_script" => {
                    fo.slice_archive_script = Some(self.string(k, n)?)
                }
                "file_descriptors_limit" | "fds_limit" => fo.fds_limit = Some(self.int(k, n)?),
                "parallel_recovery" => fo.parallel_recovery = Some(self.int(k, n)?),
                "file_read_buffer_size" | "read_buffer_size" => {
                    fo.read_buffer_size = Some(self.int(k, n)?)
                }
                "file_auto_sync" | "auto_sync" => fo.auto_sync_ns = Some(self.duration(k, n)?),
                _ => {}
            }
        }
        Ok(())
    }

    fn sql_options(&self, key: &str, node: &Node, so: &mut SqlOptions) -> Result<()> {
        for e in self.map(key, node)? {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "driver" => so.driver = Some(self.string(k, n)?),
                "source" => so.source = Some(self.string(k, n)?),
                "no_caching" => so.no_caching = Some(self.boolean(k, n)?),
                "max_open_conns" | "max_conns" => so.max_open_conns = Some(self.int(k, n)?),
                "bulk_insert_limit" => so.bulk_insert_limit = Some(self.int(k, n)?),
                _ => {}
            }
        }
        Ok(())
    }

    /// Parses one `store_limits` map into `sl`. `setters` records where
    /// each global value (msgs, bytes, age, subs, inactivity, channels) was
    /// last set, for [`Interp::check_global_limits`].
    fn store_limits(
        &self,
        key: &str,
        node: &Node,
        sl: &mut StoreLimits,
        setters: &mut GlobalSetters,
    ) -> Result<()> {
        let mut index: HashMap<String, usize> = sl
            .channels
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        for e in self.map(key, node)? {
            let (k, n) = (e.key.as_str(), &e.node);
            let name = e.key.to_lowercase();
            match name.as_str() {
                "mc" | "max_channels" | "maxchannels" => {
                    sl.max_channels = Some(self.int(k, n)?);
                    setters[5] = Some((n.line, k.to_string()));
                }
                "channels" | "channels_limits" | "channelslimits" | "per_channel"
                | "per_channel_limits" => {
                    for ch in self.map(k, n)? {
                        if !channel_name_valid(&ch.key) {
                            return Err(self.err(
                                ch.node.line,
                                format!(
                                    "invalid channel name {:?}; expected dot-separated non-empty tokens, '*' and '>' only as whole tokens, '>' last, no '/'",
                                    ch.key
                                ),
                            ));
                        }
                        let mut spec = LimitsSpec::default();
                        for le in self.map(&ch.key, &ch.node)? {
                            self.limit_key(&le.key, &le.node, &mut spec)?;
                        }
                        match index.get(&ch.key).and_then(|&i| sl.channels.get_mut(i)) {
                            Some(slot) => slot.1 = spec,
                            None => {
                                index.insert(ch.key.clone(), sl.channels.len());
                                sl.channels.push((ch.key.clone(), spec));
                            }
                        }
                    }
                }
                _ => {
                    if let Some(field) = self.limit_key(k, n, &mut sl.global)? {
                        if let Some(slot) = setters.get_mut(field) {
                            *slot = Some((n.line, k.to_string()));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// One limit key (global or per channel). Returns which field it set
    /// (0 msgs, 1 bytes, 2 age, 3 subs, 4 inactivity), `None` if the key is
    /// not a limit.
    fn limit_key(&self, k: &str, n: &Node, spec: &mut LimitsSpec) -> Result<Option<usize>> {
        let field = match k.to_lowercase().as_str() {
            "mm" | "max_msgs" | "maxmsgs" | "max_count" | "maxcount" => {
                spec.max_msgs = Some(self.int(k, n)?);
                0
            }
            "mb" | "max_bytes" | "maxbytes" => {
                spec.max_bytes = Some(self.int(k, n)?);
                1
            }
            "ma" | "max_age" | "maxage" => {
                spec.max_age_ns = Some(self.duration(k, n)?);
                2
            }
            "msu" | "max_subs" | "max_subscriptions" | "maxsubscriptions" => {
                spec.max_subs = Some(self.int(k, n)?);
                3
            }
            "mi" | "max_inactivity" | "maxinactivity" => {
                spec.max_inactivity_ns = Some(self.duration(k, n)?);
                4
            }
            _ => return Ok(None),
        };
        Ok(Some(field))
    }

    /// The server rejects negative global limits (`checkGlobalLimits`),
    /// judged on the final values.
    fn check_global_limits(&self, sl: &StoreLimits, setters: &GlobalSetters) -> Result<()> {
        let g = &sl.global;
        let values = [
            g.max_msgs,
            g.max_bytes,
            g.max_age_ns,
            g.max_subs,
            g.max_inactivity_ns,
            sl.max_channels,
        ];
        for (value, setter) in values.iter().zip(setters.iter()) {
            if let (Some(v), Some((line, key))) = (value, setter) {
                if *v < 0 {
                    return Err(self.err(
                        *line,
                        format!(
                            "global {key:?} cannot be negative ({v}); expected 0 (unlimited) or more"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000_000;

    fn parse(text: &str) -> ServerConfig {
        match parse_config(text, Path::new("test.conf")) {
            Ok(c) => c,
            Err(e) => panic!("parse failed: {e}\n--- input ---\n{text}"),
        }
    }

    fn parse_err(text: &str) -> String {
        match parse_config(text, Path::new("test.conf")) {
            Ok(c) => panic!("expected an error, got {c:?}\n--- input ---\n{text}"),
            Err(e) => {
                assert!(matches!(e, StoreError::Config { .. }), "{e:?}");
                e.to_string()
            }
        }
    }

    fn lim(msgs: i64, bytes: i64, age: i64, subs: i64, inact: i64) -> Limits {
        Limits {
            max_msgs: Some(msgs),
            max_bytes: Some(bytes),
            max_age_ns: Some(age),
            max_subs: Some(subs),
            max_inactivity_ns: Some(inact),
        }
    }

    fn defaults() -> Limits {
        lim(
            DEFAULT_MAX_MSGS,
            DEFAULT_MAX_BYTES,
            DEFAULT_MAX_AGE_NS,
            DEFAULT_MAX_SUBS,
            DEFAULT_MAX_INACTIVITY_NS,
        )
    }

    fn with(f: impl FnOnce(&mut Limits)) -> Limits {
        let mut l = defaults();
        f(&mut l);
        l
    }

    fn manifest(name: &str) -> serde_json::Value {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name)
            .join("MANIFEST.json");
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn fixture_file_slices_config() {
        let m = manifest("file-slices-v0.23");
        let text = m["server"]["config_file_contents"]
            .as_str()
            .expect("config text");
        let cfg = parse(text);
        let l = &cfg.limits;
        assert_eq!(l.channels.len(), 3);
        assert_eq!(
            l.for_channel("metrics.cpu"),
            with(|l| l.max_msgs = Some(120))
        );
        assert_eq!(
            l.for_channel("events.ttl"),
            with(|l| l.max_age_ns = Some(10 * SEC))
        );
        assert_eq!(
            l.for_channel("kv.sized"),
            with(|l| l.max_bytes = Some(6000))
        );
        assert_eq!(l.for_channel("logs.app"), defaults());
        assert_eq!(cfg.store_type, None);
        assert_eq!(cfg.encrypt, None);
    }

    fn collect_configs(v: &serde_json::Value, out: &mut Vec<(String, String)>, path: &str) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let p = format!("{path}.{k}");
                    if k.ends_with("config_file_contents") {
                        if let Some(s) = v.as_str() {
                            out.push((p.clone(), s.to_string()));
                        }
                    }
                    collect_configs(v, out, &p);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    collect_configs(v, out, &format!("{path}[{i}]"));
                }
            }
            _ => {}
        }
    }

    /// Every configuration text found in any fixture MANIFEST parses, and
    /// the limits the MANIFEST says were configured per channel are what
    /// `for_channel` computes (defaults elsewhere).
    #[test]
    fn all_fixture_configs_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut seen = 0;
        let mut checked_channels = 0;
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixtures dir")
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let mpath = entry.path().join("MANIFEST.json");
            let Ok(text) = std::fs::read_to_string(&mpath) else {
                continue;
            };
            let m: serde_json::Value = serde_json::from_str(&text).expect("manifest json");
            let mut configs = Vec::new();
            collect_configs(&m, &mut configs, "");
            for (where_, conf) in &configs {
                let cfg = parse_config(conf, &mpath)
                    .unwrap_or_else(|e| panic!("{} {where_}: {e}", mpath.display()));
                seen += 1;
                if where_ != ".server.config_file_contents" {
                    continue;
                }
                let Some(channels) = m["channels"].as_array() else {
                    continue;
                };
                for ch in channels {
                    let name = ch["name"].as_str().expect("channel name");
                    let mut expected = defaults();
                    if let Some(cl) = ch.get("configured_limits").and_then(|v| v.as_object()) {
                        for (k, v) in cl {
                            match k.as_str() {
                                "max_msgs" => expected.max_msgs = v.as_i64(),
                                "max_bytes" => expected.max_bytes = v.as_i64(),
                                "max_subs" => expected.max_subs = v.as_i64(),
                                "max_age" => {
                                    expected.max_age_ns =
                                        parse_duration_ns(v.as_str().expect("duration"))
                                }
                                "max_inactivity" => {
                                    expected.max_inactivity_ns =
                                        parse_duration_ns(v.as_str().expect("duration"))
                                }
                                other => panic!("unknown configured limit {other}"),
                            }
                        }
                    }
                    assert_eq!(
                        cfg.limits.for_channel(name),
                        expected,
                        "{} channel {name}",
                        mpath.display()
                    );
                    checked_channels += 1;
                }
            }
        }
        assert!(seen >= 3, "expected at least 3 fixture configs, saw {seen}");
        assert!(checked_channels >= 9, "checked {checked_channels} channels");
    }

    #[test]
    fn cluster_fixture_config() {
        let m = manifest("cluster-3node-v0.23");
        let cfg = parse(m["server"]["config_file_contents"].as_str().expect("text"));
        assert_eq!(cfg.limits.for_channel("tlm.raw").max_msgs, Some(400));
        assert_eq!(cfg.limits.for_channel("tlm.agg").max_msgs, Some(400));
        assert_eq!(cfg.limits.for_channel("shop.orders"), defaults());
    }

    #[test]
    fn full_config_with_aliases() {
        let cfg = parse(
            r#"
            # a full streaming configuration
            streaming {
              cid: "my-cluster"
              st = "SQL"
              datastore: "/data/stan"
              encrypt: off
              encryption_cipher: "CHACHA"
              encryption_key: "s3cret"
              file {
                do_crc: false
                slice_count: 100
                slice_size: 64MB
                slice_time_limit: "1h"
                buffer_size: 2mb
                compact_enabled: no
                compact_fragmentation: 40
                compact_interval: 60
                compact_min_size: 1KB
                do_sync: yes
                fds_limit: 5
                parallel_recovery: 4
                read_buffer_size: 1k
                auto_sync: "2s"
                slice_script: "/bin/archive.sh"
              }
              sql {
                driver: "postgres"
                source: "dbname=stan user=u password=hunter2"
                no_caching: true
                max_conns: 10
                bulk_insert_limit: 1000
              }
              cluster {
                node_id: "a"
                log_path: "/data/raft/a"
                peers: ["b", "c"]
              }
              limits {
                mc: 10
                msu: 5
                mm: 1000
                mb: 1gb
                ma: "24h"
                mi: "1h30m"
              }
            }
            "#,
        );
        assert_eq!(cfg.cluster_id.as_deref(), Some("my-cluster"));
        assert_eq!(cfg.store_type.as_deref(), Some("sql"));
        assert_eq!(cfg.dir, Some(PathBuf::from("/data/stan")));
        assert_eq!(cfg.encrypt, Some(true), "a key turns encryption on");
        assert!(cfg.encryption_enabled());
        assert_eq!(cfg.encryption_cipher.as_deref(), Some("CHACHA"));
        assert_eq!(cfg.encryption_key.as_deref(), Some("s3cret"));
        let f = &cfg.file;
        assert_eq!(f.crc, Some(false));
        assert_eq!(f.slice_max_msgs, Some(100));
        assert_eq!(f.slice_max_bytes, Some(64 << 20));
        assert_eq!(f.slice_max_age_ns, Some(3600 * SEC));
        assert_eq!(f.buffer_size, Some(2 << 20));
        assert_eq!(f.compact, Some(false));
        assert_eq!(f.compact_frag, Some(40));
        assert_eq!(f.compact_interval_s, Some(60));
        assert_eq!(f.compact_min_size, Some(1024));
        assert_eq!(f.sync, Some(true));
        assert_eq!(f.fds_limit, Some(5));
        assert_eq!(f.parallel_recovery, Some(4));
        assert_eq!(f.read_buffer_size, Some(1000));
        assert_eq!(f.auto_sync_ns, Some(2 * SEC));
        assert_eq!(f.slice_archive_script.as_deref(), Some("/bin/archive.sh"));
        let s = &cfg.sql;
        assert_eq!(s.driver.as_deref(), Some("postgres"));
        assert_eq!(
            s.source.as_deref(),
            Some("dbname=stan user=u password=hunter2")
        );
        assert_eq!(s.no_caching, Some(true));
        assert_eq!(s.max_open_conns, Some(10));
        assert_eq!(s.bulk_insert_limit, Some(1000));
        assert!(cfg.clustered);
        assert_eq!(cfg.cluster_node_id.as_deref(), Some("a"));
        assert_eq!(cfg.cluster_log_path, Some(PathBuf::from("/data/raft/a")));
        assert_eq!(
            cfg.cluster_peers,
            Some(vec!["b".to_string(), "c".to_string()])
        );
        let l = &cfg.limits;
        assert_eq!(l.max_channels, Some(10));
        assert_eq!(
            l.global_effective(),
            lim(1000, 1 << 30, 24 * 3600 * SEC, 5, 5400 * SEC)
        );
        assert_eq!(l.for_channel("any"), l.global_effective());
    }

    #[test]
    fn crc_poly_and_hex_like_values() {
        let cfg = parse("file { crc_poly: 3988292384 }");
        assert_eq!(cfg.file.crc_poly, Some(0xEDB8_8320));
        // `0x82f63b78` is a string in this syntax, not a number.
        let e = parse_err("file { crc_poly: 0x82f63b78 }");
        assert!(
            e.contains("line 1") && e.contains("crc_poly") && e.contains("integer"),
            "{e}"
        );
        let e = parse_err("file { crc_poly: 4294967296 }");
        assert!(e.contains("32-bit"), "{e}");
    }

    #[test]
    fn debug_redacts_secrets() {
        let cfg = parse(
            "encryption_key: \"topsecretkey\"\nsql_options { source: \"user:pw@tcp(h)/db\" }",
        );
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("topsecretkey"), "{dbg}");
        assert!(!dbg.contains("user:pw"), "{dbg}");
        assert!(dbg.contains("<redacted>"), "{dbg}");
        let dbg = format!("{:#?}", cfg.sql);
        assert!(!dbg.contains("user:pw"), "{dbg}");
        let none = format!("{:?}", ServerConfig::default());
        assert!(!none.contains("<redacted>"), "{none}");
    }

    #[test]
    fn separators_and_comments() {
        let cfg = parse(
            "// slash comment\n\
             id: a   # trailing comment\n\
             dir = \"/x\" // another\n\
             store file\n\
             store_limits\n\
             {\n\
               max_msgs 10; max_subs: 3, max_bytes = 7\n\
               # comment line inside a map\n\
               // and another\n\
             }\n",
        );
        assert_eq!(cfg.cluster_id.as_deref(), Some("a"));
        assert_eq!(cfg.dir, Some(PathBuf::from("/x")));
        assert_eq!(cfg.store_type.as_deref(), Some("file"));
        assert_eq!(cfg.limits.global.max_msgs, Some(10));
        assert_eq!(cfg.limits.global.max_subs, Some(3));
        assert_eq!(cfg.limits.global.max_bytes, Some(7));
    }

    #[test]
    fn json_like_document() {
        let cfg = parse(
            r#"{
              "streaming": {
                "cluster_id": "j",
                "store_limits": {"channels": {"a.b": {"max_msgs": 5}, "c": {"max_age": "1s"}}}
              }
            }"#,
        );
        assert_eq!(cfg.cluster_id.as_deref(), Some("j"));
        assert_eq!(cfg.limits.for_channel("a.b").max_msgs, Some(5));
        assert_eq!(cfg.limits.for_channel("c").max_age_ns, Some(SEC));
    }

    #[test]
    fn case_insensitive_keys() {
        let cfg = parse(
            "STREAMING { Store_Limits { MAX_MSGS: 9, Channels { Foo: { MaxAge: \"2s\" } } } }",
        );
        assert_eq!(cfg.limits.global.max_msgs, Some(9));
        // Channel names keep their case.
        assert_eq!(cfg.limits.channels[0].0, "Foo");
        assert_eq!(cfg.limits.for_channel("Foo").max_age_ns, Some(2 * SEC));
        assert_eq!(cfg.limits.for_channel("foo").max_age_ns, Some(0));
        assert_eq!(cfg.limits.for_channel("Foo").max_msgs, Some(9));
    }

    #[test]
    fn streaming_block_replaces_top_level() {
        // As in the server, keys outside `streaming {}` are then ignored.
        let cfg = parse("id: outside\nport: 4222\nstreaming { dir: \"/in\" }\n");
        assert_eq!(cfg.cluster_id, None);
        assert_eq!(cfg.dir, Some(PathBuf::from("/in")));
        // Without a streaming block, top-level keys count; nats-server keys
        // (port, max_payload, ...) are ignored.
        let cfg = parse("id: top\nport: 4222\nmax_payload: 16777216\n");
        assert_eq!(cfg.cluster_id.as_deref(), Some("top"));
        let e = parse_err("streaming: 5");
        assert!(e.contains("streaming") && e.contains("map"), "{e}");
    }

    #[test]
    fn size_suffixes() {
        let cases: &[(&str, i64)] = &[
            ("1k", 1000),
            ("1K", 1000),
            ("1kb", 1024),
            ("1KB", 1024),
            ("2Ki", 2048),
            ("1kib", 1024),
            ("3m", 3_000_000),
            ("3MB", 3 << 20),
            ("1g", 1_000_000_000),
            ("1Gb", 1 << 30),
            ("1t", 1_000_000_000_000),
            ("1tb", 1 << 40),
            ("1p", 1_000_000_000_000_000),
            ("1pb", 1 << 50),
            ("2e", 2_000_000_000_000_000_000),
            ("1eb", 1 << 60),
            ("-2k", -2000),
            ("123", 123),
        ];
        for (text, want) in cases {
            let cfg = parse(&format!("file {{ buffer_size: {text} }}"));
            assert_eq!(cfg.file.buffer_size, Some(*want), "{text}");
        }
        let e = parse_err("file { buffer_size: 10e }");
        assert!(e.contains("out of range"), "{e}");
        let e = parse_err("file { buffer_size: 99999999999999999999 }");
        assert!(e.contains("out of range"), "{e}");
        let e = parse_err("file { buffer_size: 1kbb }");
        assert!(e.contains("suffix"), "{e}");
    }

    #[test]
    fn durations_in_config() {
        let cfg = parse(
            "limits {\n max_age: 10s\n max_inactivity: '1h30m'\n channels {\n a: { ma: \"500ms\" }\n b: { ma: 10ms }\n }\n}",
        );
        assert_eq!(cfg.limits.global.max_age_ns, Some(10 * SEC));
        assert_eq!(cfg.limits.global.max_inactivity_ns, Some(5400 * SEC));
        assert_eq!(cfg.limits.for_channel("a").max_age_ns, Some(500_000_000));
        assert_eq!(cfg.limits.for_channel("b").max_age_ns, Some(10_000_000));
        // Unquoted `1m` is the integer 1000000 for nats-server, which the
        // streaming server rejects for a duration.
        let e = parse_err("limits {\n max_age: 1m\n}");
        assert!(e.contains("line 2") && e.contains("duration"), "{e}");
        let e = parse_err("limits { max_age: \"10 parsecs\" }");
        assert!(e.contains("invalid duration"), "{e}");
        // `1.5s` unquoted is a syntax error (a float followed by `s`).
        let e = parse_err("limits { max_age: 1.5s }");
        assert!(e.contains("line 1"), "{e}");
        assert_eq!(
            parse("limits { max_age: \"1.5s\" }")
                .limits
                .global
                .max_age_ns,
            Some(1_500_000_000)
        );
    }

    #[test]
    fn go_duration_syntax() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("+0", 0),
            ("0s", 0),
            ("1ns", 1),
            ("1us", 1_000),
            ("1\u{b5}s", 1_000),
            ("1\u{3bc}s", 1_000),
            ("500ms", 500_000_000),
            ("10s", 10 * SEC),
            ("1m", 60 * SEC),
            ("1h30m", 5400 * SEC),
            ("1.5h", 5400 * SEC),
            (".5s", SEC / 2),
            ("1.s", SEC),
            ("-1.5s", -1_500_000_000),
            ("+2m3s", 123 * SEC),
            ("1h1m1s1ms1us1ns", 3_661_001_001_001),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.000000001s", 1),
        ];
        for (s, want) in ok {
            assert_eq!(parse_duration_ns(s), Some(*want), "{s}");
        }
        for bad in [
            "",
            "-",
            "s",
            "1",
            "10",
            "1x",
            "1.5",
            ".s",
            "1hh",
            "1 h",
            "h1",
            "1h 2m",
            "2562047h47m16.854775808s",
            "9999999999999999999ns",
            "1e3s",
            "--1s",
        ] {
            assert_eq!(parse_duration_ns(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn strings_quotes_and_escapes() {
        let cfg =
            parse("id: \"a\\tb\\\"c\\\\d\\x41\"\nencryption_cipher: 'raw\\n'\ndir: bare/path.x\n");
        assert_eq!(cfg.cluster_id.as_deref(), Some("a\tb\"c\\dA"));
        assert_eq!(cfg.encryption_cipher.as_deref(), Some("raw\\n"));
        assert_eq!(cfg.dir, Some(PathBuf::from("bare/path.x")));
        // Keys and values may be quoted; a bare value containing '#' keeps it.
        let cfg = parse("'id' = ab#cd\n\"dir\": \"with spaces # not a comment\"");
        assert_eq!(cfg.cluster_id.as_deref(), Some("ab#cd"));
        assert_eq!(cfg.dir, Some(PathBuf::from("with spaces # not a comment")));
        let e = parse_err("id: \"abc\\q\"");
        assert!(e.contains("escape"), "{e}");
        let e = parse_err("id: \"\\xff\"");
        assert!(e.contains("UTF-8"), "{e}");
        // A block string.
        let cfg = parse("id: (\nmulti\nline\n)\ndir: x\n");
        assert_eq!(cfg.cluster_id.as_deref(), Some("\nmulti\nline\n"));
        assert_eq!(cfg.dir, Some(PathBuf::from("x")));
    }

    #[test]
    fn booleans() {
        for (text, want) in [
            ("true", true),
            ("TRUE", true),
            ("yes", true),
            ("On", true),
            ("false", false),
            ("no", false),
            ("OFF", false),
        ] {
            assert_eq!(
                parse(&format!("encrypt: {text}")).encrypt,
                Some(want),
                "{text}"
            );
        }
        // A quoted "true" is a string, which the server rejects for a bool.
        let e = parse_err("encrypt: \"true\"");
        assert!(e.contains("boolean"), "{e}");
    }

    #[test]
    fn arrays_and_other_values() {
        let cfg = parse(
            "cluster {\n peers: [\n  a # comment\n  b, c\n  'd'\n ]\n}\nx: 2020-01-02T03:04:05Z\ny: 1.5\nz: 127.0.0.1:4222\nw: []\n",
        );
        assert_eq!(
            cfg.cluster_peers,
            Some(vec!["a".into(), "b".into(), "c".into(), "d".into()])
        );
        let e = parse_err("cluster { peers: [a, 1] }");
        assert!(e.contains("peers") && e.contains("string"), "{e}");
        let e = parse_err("cluster { peers: [a,, b] }");
        assert!(e.contains("','"), "{e}");
        let e = parse_err("x: 2020-01-02\n");
        assert!(e.contains("ISO8601"), "{e}");
    }

    #[test]
    fn variables() {
        let cfg = parse("KEY: \"abc\"\nencryption_key: $KEY\nstreaming_dir = /d\n");
        assert_eq!(cfg.encryption_key.as_deref(), Some("abc"));
        // Inner maps see outer keys.
        let cfg = parse("N: 42\nlimits { max_msgs: $N, channels { a: { mm: $N } } }");
        assert_eq!(cfg.limits.global.max_msgs, Some(42));
        assert_eq!(cfg.limits.for_channel("a").max_msgs, Some(42));
        let var = "STANCTL_CONFIG_TEST_VAR_7f3a";
        std::env::set_var(var, "1kb");
        let cfg = parse(&format!("file {{ buffer_size: ${var} }}"));
        assert_eq!(cfg.file.buffer_size, Some(1024));
        let e = parse_err("\n\nid: $STANCTL_SURELY_UNDEFINED_VARIABLE_x9");
        assert!(
            e.contains("line 3") && e.contains("can not be found"),
            "{e}"
        );
    }

    #[test]
    fn variable_expansion_is_bounded() {
        // Exponential expansion ("billion laughs") must fail cleanly.
        let mut text = String::from("a0: [1,1,1,1,1,1,1,1,1,1]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: [$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p}]\n"
            ));
        }
        let e = parse_err(&text);
        assert!(e.contains("expand") || e.contains("nested"), "{e}");
        // Depth through chained variables is bounded too.
        let mut text = String::from("v0: 1\n");
        for i in 1..200 {
            text.push_str(&format!("v{i}: [[$v{}]]\n", i - 1));
        }
        let e = parse_err(&text);
        assert!(e.contains("nested"), "{e}");
    }

    #[test]
    fn include_is_reported() {
        let e = parse_err("id: x\ninclude ./other.conf\n");
        assert!(e.contains("line 2") && e.contains("include"), "{e}");
        let e = parse_err("streaming {\n  include 'limits.conf'\n}\n");
        assert!(e.contains("line 2") && e.contains("include"), "{e}");
    }

    #[test]
    fn wildcard_inheritance() {
        let cfg = parse(
            r#"
            store_limits {
              max_msgs: 1000
              max_age: "1h"
              channels {
                "foo.>":   { max_msgs: 100, max_subs: 7 }
                "foo.*":   { max_bytes: 5000 }
                "foo.bar": { max_msgs: 0, max_inactivity: "10m" }
                "foo.*.baz": { max_age: "0" }
                ">":       { max_subs: 50 }
              }
            }
            "#,
        );
        let l = &cfg.limits;
        let h = 3600 * SEC;
        // Global: max_msgs 1000, max_age 1h, defaults otherwise; ">" covers
        // everything with one token or more.
        assert_eq!(
            l.for_channel("other"),
            lim(1000, DEFAULT_MAX_BYTES, h, 50, 0)
        );
        assert_eq!(
            l.for_channel("foo.x.y"),
            lim(100, DEFAULT_MAX_BYTES, h, 7, 0)
        );
        assert_eq!(l.for_channel("foo.x"), lim(100, 5000, h, 7, 0));
        assert_eq!(l.for_channel("foo.bar"), lim(0, 5000, h, 7, 600 * SEC));
        // `foo.*.baz` inherits from `foo.>`, not from `foo.*` (which has two
        // tokens and does not match it).
        assert_eq!(
            l.for_channel("foo.q.baz"),
            lim(100, DEFAULT_MAX_BYTES, 0, 7, 0)
        );
        assert_eq!(l.for_channel("foo"), lim(1000, DEFAULT_MAX_BYTES, h, 50, 0));
        // Resolved once, same answers.
        let r = l.resolve();
        for ch in ["other", "foo.x.y", "foo.x", "foo.bar", "foo.q.baz", "foo"] {
            assert_eq!(r.for_channel(ch), l.for_channel(ch), "{ch}");
        }
        assert_eq!(r.global(), l.global_effective());
    }

    #[test]
    fn explicit_zero_and_negative_per_channel_mean_unlimited() {
        let cfg = parse(
            "limits { mm: 10, mb: 20, ma: \"1s\", msu: 30, mi: \"2s\"\n channels { a: { mm: 0, mb: -1, ma: \"0s\", msu: 0, mi: \"0\" }, b: {} } }",
        );
        assert_eq!(cfg.limits.for_channel("a"), lim(0, 0, 0, 0, 0));
        assert_eq!(cfg.limits.for_channel("b"), lim(10, 20, SEC, 30, 2 * SEC));
        // Global 0 = unlimited; negative global values are rejected.
        let cfg = parse("limits { max_msgs: 0 }");
        assert_eq!(cfg.limits.for_channel("x").max_msgs, Some(0));
        let e = parse_err("limits {\n max_msgs: -5\n}");
        assert!(e.contains("line 2") && e.contains("negative"), "{e}");
        let e = parse_err("limits { max_channels: -1 }");
        assert!(e.contains("negative"), "{e}");
    }

    #[test]
    fn tie_break_and_trie_quirks() {
        // For `a.b`, the server's trie returns `*.b` before `a.*`, so `a.*`
        // decides; `a.*` does not inherit from `*.b`.
        let cfg = parse("limits { channels { \"*.b\": { mm: 2, mb: 99 }, \"a.*\": { mm: 1 } } }");
        assert_eq!(
            cfg.limits.for_channel("a.b"),
            with(|l| l.max_msgs = Some(1))
        );
        assert_eq!(
            cfg.limits.for_channel("z.b"),
            with(|l| {
                l.max_msgs = Some(2);
                l.max_bytes = Some(99)
            })
        );
        // `foo.>` inherits from `*.*` (trie quirk), even for channels `*.*`
        // does not match.
        let cfg = parse("limits { channels { \"*.*\": { mm: 5 }, \"foo.>\": { mb: 6 } } }");
        let want = with(|l| {
            l.max_msgs = Some(5);
            l.max_bytes = Some(6)
        });
        assert_eq!(cfg.limits.for_channel("foo.a.b"), want);
        assert_eq!(cfg.limits.for_channel("foo.a"), want);
        assert_eq!(
            cfg.limits.for_channel("x.y"),
            with(|l| l.max_msgs = Some(5))
        );
        assert_eq!(cfg.limits.for_channel("x.y.z"), defaults());
    }

    #[test]
    fn duplicate_channel_entries_last_wins() {
        let cfg =
            parse("limits { channels { a: { mm: 1 } } }\nlimits { channels { a: { mb: 2 } } }");
        // Two `limits` blocks merge; the same channel is replaced.
        assert_eq!(cfg.limits.channels.len(), 1);
        assert_eq!(cfg.limits.for_channel("a"), with(|l| l.max_bytes = Some(2)));
        let cfg = parse("limits { channels { a: { mm: 1 }\n a: { mm: 3 } } }");
        assert_eq!(cfg.limits.for_channel("a").max_msgs, Some(3));
    }

    #[test]
    fn invalid_channel_names() {
        for bad in [
            "foo..bar",
            ".foo",
            "foo.",
            "foo.>.bar",
            "fo*.bar",
            "a/b",
            "a.b>",
        ] {
            let e = parse_err(&format!(
                "limits {{ channels {{ \"{bad}\": {{ mm: 1 }} }} }}"
            ));
            assert!(e.contains("invalid channel name"), "{bad}: {e}");
        }
        let e = parse_err("limits { channels { a: 5 } }");
        assert!(e.contains("map"), "{e}");
    }

    #[test]
    fn wrong_types_name_key_and_line() {
        let e = parse_err("id: x\nstore_limits {\n  max_msgs: \"many\"\n}\n");
        assert!(e.contains("test.conf"), "{e}");
        assert!(
            e.contains("line 3") && e.contains("max_msgs") && e.contains("integer"),
            "{e}"
        );
        let e = parse_err("store: disk");
        assert!(e.contains("unknown store type"), "{e}");
        let e = parse_err("dir: 5");
        assert!(e.contains("string"), "{e}");
        let e = parse_err("file: [1]");
        assert!(e.contains("map"), "{e}");
    }

    #[test]
    fn syntax_errors_name_line() {
        let cases: &[(&str, &str)] = &[
            ("id: x\nlimits {\n max_msgs: 5\n", "line 4"),
            ("a: \"unterminated\n\n", "line 1"),
            ("a: 'unterminated", "line 1"),
            ("a: [1, 2", "line 1"),
            ("a:\n5", "line 1"),
            ("a: 5 6", "line 1"),
            ("\n\n: 5", "line 3"),
            ("a { b: 1 c }", "line 1"),
            ("a: .5", "line 1"),
            ("a: -x", "line 1"),
            ("a: {\n b: , }\n", "line 2"),
            ("a {\n ] }\n", "line 2"),
            ("/ x: 1", "line 1"),
            ("a: 2021-02-29T00:00:00Z", "line 1"),
            ("a: 2020-01-01T24:00:00Z", "line 1"),
            ("key_without_value", "line 1"),
            ("a: (\nunterminated block", "line 1"),
        ];
        for (text, line) in cases {
            let e = parse_err(text);
            assert!(e.contains(line), "{text:?}: {e}");
        }
    }

    /// Quirks of the nats-server lexer/parser kept on purpose (checked
    /// against the Go code on random inputs while writing this module).
    #[test]
    fn nats_parser_quirks() {
        // A key left without value before '}' stays pending: the enclosing
        // map lands under it, and the key of that map under the next
        // pending key.
        let cfg = parse("limits { channels { a: { mm: 1 }, dangling } }");
        assert!(cfg.limits.channels.is_empty(), "{cfg:?}");
        let cfg = parse("store_limits { max_msgs: 7, mm }");
        assert_eq!(cfg.limits.global.max_msgs, None);
        // Empty values.
        let cfg = parse("id: ;dir: \"/d\"");
        assert_eq!(cfg.cluster_id.as_deref(), Some(""));
        assert_eq!(cfg.dir, Some(PathBuf::from("/d")));
        // A lone '/' after a value in a map acts like ','.
        let cfg = parse("limits { mm: 5 / mb: 6 }");
        assert_eq!(cfg.limits.global.max_msgs, Some(5));
        assert_eq!(cfg.limits.global.max_bytes, Some(6));
        // A number followed by other characters is a string (the first
        // one taken as is), so `1'x` is the string "1'x".
        let cfg = parse("id: 1'x");
        assert_eq!(cfg.cluster_id.as_deref(), Some("1'x"));
        // Keys end only at blanks and separators.
        let cfg = parse("store_limits{mm: 5}");
        assert_eq!(cfg.limits.global.max_msgs, None, "{cfg:?}");
        // A final '}' (JSON-like file) and a final lone quote are accepted.
        assert_eq!(parse("id: x\n}\n").cluster_id.as_deref(), Some("x"));
        assert_eq!(parse("id: x\n'").cluster_id.as_deref(), Some("x"));
        // Key with a separator at end of file: empty string.
        assert_eq!(parse("id:").cluster_id.as_deref(), Some(""));
        // A size suffix followed by a digit ends the number: error.
        let e = parse_err("file { buffer_size: 1k5 }");
        assert!(e.contains("line 1"), "{e}");
        // Inside arrays `]` ends a number (nats-server would fail there).
        let cfg = parse("cluster { peers: [a, b] }\nx: [1, 2]");
        assert_eq!(cfg.cluster_peers, Some(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn nesting_is_capped() {
        let deep = format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = parse_err(&deep);
        assert!(e.contains("nested"), "{e}");
        let deep = format!("{}{}", "a { ".repeat(10_000), "} ".repeat(10_000));
        let e = parse_err(&deep);
        assert!(e.contains("nested"), "{e}");
        let ok = format!("a: {}{}", "[".repeat(60), "]".repeat(60));
        parse(&ok);
    }

    #[test]
    fn empty_and_comment_only() {
        assert_eq!(parse(""), ServerConfig::default());
        assert_eq!(parse("# nothing\n// here\n\n"), ServerConfig::default());
        assert_eq!(parse("\u{feff}id: x").cluster_id.as_deref(), Some("x"));
    }

    /// Garbage never panics: every prefix and many byte mutations of a
    /// realistic file either parse or give a Config error.
    #[test]
    fn garbage_does_not_panic() {
        let base = r#"streaming { id: "c" store: file dir: '/d' # c
 file_options { crc: true, slice_max_bytes: 64MB, slice_max_age: "1h" }
 sql { driver: mysql, source: "u:p@/db" } cluster { peers: [a, b] log_path: x }
 store_limits { max_msgs: 1k, channels { "a.*": { max_age: 10s }, "a.b": { mm: 0 } } }
 x: $id y: (
block
)
 z: 2020-01-01T00:00:00Z w: 1.5 v: -3kb u: 127.0.0.1:4222 t: "\x41\t" }
"#;
        let check = |t: &str| match parse_config(t, Path::new("g.conf")) {
            Ok(_) | Err(StoreError::Config { .. }) => {}
            Err(other) => panic!("unexpected error kind {other:?}"),
        };
        check(base);
        for end in 0..=base.len() {
            if let Some(prefix) = base.get(..end) {
                check(prefix);
                if let Some(suffix) = base.get(end..) {
                    check(suffix);
                }
            }
        }
        let specials = [
            "{", "}", "[", "]", "\"", "'", "$", "\\", "\n", ":", "=", "#", "//", "(", ")", "-",
            ".", ",", ";", "\u{e9}", "9", "k", "\0",
        ];
        let bytes: Vec<char> = base.chars().collect();
        for i in 0..bytes.len() {
            for s in specials {
                let mut t: String = bytes.iter().take(i).collect();
                t.push_str(s);
                t.extend(bytes.iter().skip(i + 1));
                check(&t);
            }
        }
        for junk in [
            "\u{0}\u{1}\u{2}",
            "}}}}",
            "]]]",
            "{{{{",
            "=:=:",
            "$",
            "a: $",
            "a: \"\\",
            "a: \\",
            "a: 1\\",
            "a: 2020-",
            "a: 99999999999999999999999999k",
            "a: 1.7976931348623157e309",
            "a: 1.99999999999999999999999999999999999999999999",
            "include",
            "include ",
            "\"",
            "'",
            "a: (",
            "a: (\n)",
            "\u{feff}\u{feff}",
            "🦀: 🦀",
        ] {
            check(junk);
        }
    }
}
