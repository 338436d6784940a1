//! Data source names in the forms the server accepts (`-sql_source`), parsed
//! without the drivers so that every message can show them redacted.
//!
//! * PostgreSQL (lib/pq): `key=value` pairs (`host=... port=... user=...
//!   password=... dbname=... sslmode=disable`, values optionally in single
//!   quotes with `\'` and `\\` escapes) or a URL
//!   `postgres://user:pass@host:port/db?sslmode=disable`.
//! * MySQL (go-sql-driver): `[user[:password]@][net[(addr)]]/dbname[?params]`,
//!   e.g. `user:pass@tcp(host:3306)/db`, `user@unix(/run/mysqld.sock)/db`,
//!   `user@/db` (TCP to 127.0.0.1:3306).
//! * SQLite: a file path, or a `file:` URI.
//!
//! [`Dsn::redacted`] never shows a password; parse errors show the source
//! with anything that looks like a password masked.

use std::fmt;
use std::time::Duration;

use crate::error::{Result, StoreError};

use super::SqlDriver;

const MASK: &str = "***";

/// Why a data source does not parse. Messages never quote a value that
/// may be a secret (positions only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsnError {
    #[error("port {0:?} is not a TCP port number")]
    Port(String),
    #[error("connect_timeout {0:?} is not a number of seconds")]
    ConnectTimeout(String),
    #[error("missing \"=\" after the word at character {0} of a key=value source")]
    MissingEquals(usize),
    #[error("empty key in a key=value source")]
    EmptyKey,
    #[error("unterminated quoted value after character {0} of a key=value source")]
    UnterminatedQuote(usize),
    /// `place`: "the URL host" or "the address".
    #[error("unterminated \"[\" in {0}")]
    UnterminatedBracket(&'static str),
    #[error("unexpected {0:?} after the URL host")]
    AfterHost(String),
    #[error("several hosts in one URL are not supported")]
    SeveralHosts,
    #[error("invalid percent escape")]
    PercentEscape,
    #[error("percent escapes do not form UTF-8")]
    NotUtf8,
    #[error("expected a Go MySQL DSN such as user:pass@tcp(host:3306)/db, not a URL")]
    MysqlUrl,
    #[error("missing \"/\" before the database name (expected user:pass@tcp(host:port)/db)")]
    NoDatabaseSlash,
    #[error("the address in net(addr) is not closed by \")\"")]
    AddressNotClosed,
    #[error("unsupported network {0:?} (expected tcp or unix)")]
    UnsupportedNetwork(String),
    #[error("a ?parameter has no \"=\" (expected key=value)")]
    ParameterWithoutEquals,
    #[error("empty SQLite path")]
    EmptySqlitePath,
    #[error("an in-memory SQLite database cannot be written to")]
    SqliteInMemory,
    #[error("URI authority {0:?} is not supported")]
    SqliteUriAuthority(String),
}

type DsnResult<T> = std::result::Result<T, DsnError>;

/// A parsed `-sql_source`.
#[derive(Clone, PartialEq, Eq)]
pub enum Dsn {
    Postgres(PgDsn),
    Mysql(MysqlDsn),
    Sqlite(SqliteDsn),
}

/// PostgreSQL connection settings. Fields not given are `None`; defaults
/// (environment `PG*` variables, then lib/pq's defaults) are applied by
/// [`PgDsn::config`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PgDsn {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub application_name: Option<String>,
    /// Other keys, kept for display (lib/pq options such as `readTimeout`
    /// that do not matter to a reader).
    pub other: Vec<(String, String)>,
}

/// How to reach a MySQL server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MysqlNet {
    Tcp { host: String, port: u16 },
    Unix { path: String },
}

/// MySQL / MariaDB connection settings (go-sql-driver DSN).
#[derive(Clone, PartialEq, Eq)]
pub struct MysqlDsn {
    pub user: String,
    pub password: Option<String>,
    pub net: MysqlNet,
    pub dbname: String,
    /// `?key=value` parameters, unescaped, in order.
    pub params: Vec<(String, String)>,
}

/// A SQLite database file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteDsn {
    /// The path, or the whole URI when `uri` is true.
    pub path: String,
    pub uri: bool,
}

impl Dsn {
    /// Parses `source` in the form `driver` expects.
    pub fn parse(driver: SqlDriver, source: &str) -> Result<Dsn> {
        let parsed = match driver {
            SqlDriver::Postgres => PgDsn::parse(source).map(Dsn::Postgres),
            SqlDriver::Mysql => MysqlDsn::parse(source).map(Dsn::Mysql),
            SqlDriver::Sqlite => SqliteDsn::parse(source).map(Dsn::Sqlite),
        };
        parsed.map_err(|e| StoreError::Sql {
            location: format!("{} source {}", driver, redact_raw(driver, source)),
            message: e.to_string(),
        })
    }

    /// The source with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Dsn::Postgres(d) => d.redacted(),
            Dsn::Mysql(d) => d.redacted(),
            Dsn::Sqlite(d) => d.redacted(),
        }
    }

    /// The password, if the source holds one (to scrub driver messages).
    pub fn password(&self) -> Option<&str> {
        match self {
            Dsn::Postgres(d) => d.password.as_deref(),
            Dsn::Mysql(d) => d.password.as_deref(),
            Dsn::Sqlite(_) => None,
        }
    }
}

impl fmt::Display for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dsn({})", self.redacted())
    }
}

impl fmt::Debug for PgDsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgDsn({})", self.redacted())
    }
}

impl fmt::Debug for MysqlDsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MysqlDsn({})", self.redacted())
    }
}

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("pass") || k.contains("secret")
}

// ---------------------------------------------------------------- Postgres

impl PgDsn {
    /// Parses a lib/pq source: a URL (`postgres://` or `postgresql://`) or
    /// `key=value` pairs.
    pub fn parse(source: &str) -> DsnResult<PgDsn> {
        let trimmed = source.trim();
        let pairs = if let Some(rest) = trimmed
            .strip_prefix("postgres://")
            .or_else(|| trimmed.strip_prefix("postgresql://"))
        {
            parse_pg_url(rest)?
        } else {
            parse_pg_keywords(trimmed)?
        };
        let mut d = PgDsn::default();
        for (key, value) in pairs {
            d.set(&key, value)?;
        }
        Ok(d)
    }

    fn set(&mut self, key: &str, value: String) -> DsnResult<()> {
        match key {
            "host" => self.host = Some(value),
            "port" => {
                let port = value
                    .parse::<u16>()
                    .map_err(|_| DsnError::Port(value.clone()))?;
                self.port = Some(port);
            }
            "user" => self.user = Some(value),
            "password" => self.password = Some(value),
            "dbname" => self.dbname = Some(value),
            "sslmode" => self.sslmode = Some(value),
            "connect_timeout" => {
                let secs = value
                    .parse::<u64>()
                    .map_err(|_| DsnError::ConnectTimeout(value.clone()))?;
                self.connect_timeout = (secs > 0).then(|| Duration::from_secs(secs));
            }
            "application_name" | "fallback_application_name" => {
                if key == "application_name" || self.application_name.is_none() {
                    self.application_name = Some(value);
                }
            }
            _ => self.other.push((key.to_string(), value)),
        }
        Ok(())
    }

    /// `key=value` display with the password masked.
    pub fn redacted(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |k: &str, v: &str| parts.push(format!("{k}={}", quote_pg_value(v)));
        if let Some(v) = &self.host {
            push("host", v);
        }
        if let Some(v) = self.port {
            push("port", &v.to_string());
        }
        if let Some(v) = &self.user {
            push("user", v);
        }
        if self.password.is_some() {
            push("password", MASK);
        }
        if let Some(v) = &self.dbname {
            push("dbname", v);
        }
        if let Some(v) = &self.sslmode {
            push("sslmode", v);
        }
        if let Some(v) = self.connect_timeout {
            push("connect_timeout", &v.as_secs().to_string());
        }
        if let Some(v) = &self.application_name {
            push("application_name", v);
        }
        for (k, v) in &self.other {
            if is_secret_key(k) {
                push(k, MASK);
            } else {
                push(k, v);
            }
        }
        // lib/pq takes any word as a key: `u:pw@tcp(h)/db?x=1` given to
        // the postgres driver is a key holding a password.
        let shown = parts.join(" ");
        let keys: Vec<String> = self.other.iter().flat_map(|(k, _)| secrets_in(k)).collect();
        mask_secrets(&shown, &keys)
    }

    /// A driver configuration: what the source gives, then the `PGHOST`,
    /// `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE` environment variables,
    /// then lib/pq's defaults (localhost:5432, user = OS user, database =
    /// user). TLS is not available in this build: `sslmode` `disable`,
    /// `allow`, `prefer` or unset connect in clear; `require`/`verify-*`
    /// are refused.
    pub fn config(&self) -> Result<::postgres::Config> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut cfg = ::postgres::Config::new();
        let host = self
            .host
            .clone()
            .or_else(|| env("PGHOST"))
            .unwrap_or_else(|| "localhost".into());
        let port = match self.port {
            Some(p) => p,
            None => env("PGPORT").and_then(|p| p.parse().ok()).unwrap_or(5432),
        };
        let user = self
            .user
            .clone()
            .or_else(|| env("PGUSER"))
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".into());
        let dbname = self
            .dbname
            .clone()
            .or_else(|| env("PGDATABASE"))
            .unwrap_or_else(|| user.clone());
        cfg.host(&host).port(port).user(&user).dbname(&dbname);
        if let Some(p) = self.password.clone().or_else(|| env("PGPASSWORD")) {
            cfg.password(p);
        }
        let sslmode = self.sslmode.clone().or_else(|| env("PGSSLMODE"));
        match sslmode.as_deref() {
            Some("disable") => {
                cfg.ssl_mode(::postgres::config::SslMode::Disable);
            }
            None | Some("allow") | Some("prefer") => {
                cfg.ssl_mode(::postgres::config::SslMode::Prefer);
            }
            Some(other) => {
                return Err(StoreError::Sql {
                    location: format!("postgres source {}", self.redacted()),
                    message: format!(
                        "sslmode={other} needs TLS, which this build of stanctl does not support; \
                         use sslmode=disable (for example through an SSH tunnel)"
                    ),
                })
            }
        }
        if let Some(t) = self.connect_timeout {
            cfg.connect_timeout(t);
        } else {
            cfg.connect_timeout(Duration::from_secs(30));
        }
        cfg.application_name(self.application_name.as_deref().unwrap_or("stanctl"));
        Ok(cfg)
    }
}

fn quote_pg_value(v: &str) -> String {
    if !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '\\')
    {
        return v.to_string();
    }
    let mut out = String::from("'");
    for c in v.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// lib/pq `parseOpts`: whitespace-separated `key=value`, values optionally
/// single-quoted; a backslash escapes the next character.
fn parse_pg_keywords(s: &str) -> DsnResult<Vec<(String, String)>> {
    let (pairs, error) = tokenize_pg_keywords(s);
    match error {
        Some(e) => Err(e),
        None => Ok(pairs),
    }
}

/// The pairs read before the first syntax error, and that error.
fn tokenize_pg_keywords(s: &str) -> (Vec<(String, String)>, Option<DsnError>) {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= chars.len() {
            return (out, None);
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        skip_ws(&mut i);
        if i >= chars.len() || chars[i] != '=' {
            // Positions only: a stray word may be part of a password.
            return (out, Some(DsnError::MissingEquals(start + 1)));
        }
        if key.is_empty() {
            return (out, Some(DsnError::EmptyKey));
        }
        i += 1;
        skip_ws(&mut i);
        let mut value = String::new();
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        value.push(chars[i + 1]);
                        i += 2;
                    }
                    '\'' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
            if !closed {
                return (out, Some(DsnError::UnterminatedQuote(start + 1)));
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    value.push(chars[i + 1]);
                    i += 2;
                } else {
                    value.push(chars[i]);
                    i += 1;
                }
            }
        }
        out.push((key, value));
    }
}

/// `[user[:password]@][host][:port][/dbname][?key=value&...]` (after the
/// scheme), percent-decoded.
fn parse_pg_url(rest: &str) -> DsnResult<Vec<(String, String)>> {
    let (main, query) = match rest.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match main.find('/') {
        Some(i) => (&main[..i], Some(&main[i + 1..])),
        None => (main, None),
    };
    let mut out = Vec::new();
    let hostport = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((u, p)) => {
                    if !u.is_empty() {
                        out.push(("user".into(), percent_decode(u)?));
                    }
                    out.push(("password".into(), percent_decode(p)?));
                }
                None if !userinfo.is_empty() => {
                    out.push(("user".into(), percent_decode(userinfo)?))
                }
                None => {}
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    if !hostport.is_empty() {
        let (host, port) = if let Some(r) = hostport.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or(DsnError::UnterminatedBracket("the URL host"))?;
            let after = &r[end + 1..];
            let port = after.strip_prefix(':');
            if port.is_none() && !after.is_empty() {
                return Err(DsnError::AfterHost(after.to_string()));
            }
            (r[..end].to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (percent_decode(h)?, Some(p)),
                None => (percent_decode(hostport)?, None),
            }
        };
        if host.contains(',') {
            return Err(DsnError::SeveralHosts);
        }
        if !host.is_empty() {
            out.push(("host".into(), host));
        }
        if let Some(p) = port.filter(|p| !p.is_empty()) {
            out.push(("port".into(), p.to_string()));
        }
    }
    if let Some(db) = path.filter(|p| !p.is_empty()) {
        out.push(("dbname".into(), percent_decode(db)?));
    }
    if let Some(q) = query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.push((percent_decode(k)?, percent_decode(v)?));
        }
    }
    Ok(out)
}

pub(crate) fn percent_decode(s: &str) -> DsnResult<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(DsnError::PercentEscape)?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DsnError::NotUtf8)
}

fn query_unescape(s: &str) -> DsnResult<String> {
    percent_decode(&s.replace('+', " "))
}

// ---------------------------------------------------------------- MySQL

impl MysqlDsn {
    /// go-sql-driver `ParseDSN`: the last `/` separates the database name,
    /// the last `@` before it the credentials, the first `:` the password.
    pub fn parse(source: &str) -> DsnResult<MysqlDsn> {
        if source.contains("://") {
            return Err(DsnError::MysqlUrl);
        }
        let slash = source.rfind('/').ok_or(DsnError::NoDatabaseSlash)?;
        let left = &source[..slash];
        let (user, password, netaddr) = match left.rfind('@') {
            Some(at) => {
                let cred = &left[..at];
                match cred.split_once(':') {
                    Some((u, p)) => (u.to_string(), Some(p.to_string()), &left[at + 1..]),
                    None => (cred.to_string(), None, &left[at + 1..]),
                }
            }
            None => (String::new(), None, left),
        };
        let (net, addr) = match netaddr.find('(') {
            Some(open) => {
                if !netaddr.ends_with(')') {
                    return Err(DsnError::AddressNotClosed);
                }
                (
                    &netaddr[..open],
                    Some(&netaddr[open + 1..netaddr.len() - 1]),
                )
            }
            None => (netaddr, None),
        };
        let net = match net {
            "" | "tcp" | "tcp4" | "tcp6" => {
                let addr = addr.filter(|a| !a.is_empty()).unwrap_or("127.0.0.1:3306");
                let (host, port) = split_host_port(addr)?;
                MysqlNet::Tcp { host, port }
            }
            "unix" => MysqlNet::Unix {
                path: addr
                    .filter(|a| !a.is_empty())
                    .unwrap_or("/tmp/mysql.sock")
                    .to_string(),
            },
            other => return Err(DsnError::UnsupportedNetwork(other.to_string())),
        };
        let after = &source[slash + 1..];
        let (db, query) = match after.split_once('?') {
            Some((d, q)) => (d, Some(q)),
            None => (after, None),
        };
        let mut params = Vec::new();
        if let Some(q) = query {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or(DsnError::ParameterWithoutEquals)?;
                params.push((k.to_string(), query_unescape(v)?));
            }
        }
        Ok(MysqlDsn {
            user,
            password,
            net,
            dbname: percent_decode(db)?,
            params,
        })
    }

    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Go-DSN display with the password masked.
    pub fn redacted(&self) -> String {
        let mut s = String::new();
        if !self.user.is_empty() || self.password.is_some() {
            s.push_str(&self.user);
            if self.password.is_some() {
                s.push(':');
                s.push_str(MASK);
            }
            s.push('@');
        }
        match &self.net {
            MysqlNet::Tcp { host, port } => {
                if host.contains(':') {
                    s.push_str(&format!("tcp([{host}]:{port})"));
                } else {
                    s.push_str(&format!("tcp({host}:{port})"));
                }
            }
            MysqlNet::Unix { path } => s.push_str(&format!("unix({path})")),
        }
        s.push('/');
        s.push_str(&self.dbname);
        if !self.params.is_empty() {
            let ps: Vec<String> = self
                .params
                .iter()
                .map(|(k, v)| {
                    if is_secret_key(k) {
                        format!("{k}={MASK}")
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            s.push('?');
            s.push_str(&ps.join("&"));
        }
        s
    }

    /// Driver options. TLS (`tls=true|skip-verify|<name>`) is not available
    /// in this build and is refused; `tls=false|preferred` connect in clear.
    /// `timeout`, `readTimeout` and `writeTimeout` (Go durations) are honoured.
    pub fn opts(&self) -> Result<::mysql::OptsBuilder> {
        let err = |message: String| StoreError::Sql {
            location: format!("mysql source {}", self.redacted()),
            message,
        };
        match self.param("tls") {
            None | Some("false") | Some("preferred") => {}
            Some(other) => {
                return Err(err(format!(
                    "tls={other} needs TLS, which this build of stanctl does not support"
                )))
            }
        }
        let duration = |key: &str| -> Result<Option<Duration>> {
            match self.param(key) {
                None => Ok(None),
                Some(v) => parse_go_duration(v)
                    .map(Some)
                    .ok_or_else(|| err(format!("{key}={v} is not a Go duration (e.g. 30s)"))),
            }
        };
        let mut b = ::mysql::OptsBuilder::new()
            .user((!self.user.is_empty()).then(|| self.user.clone()))
            .pass(self.password.clone())
            .db_name((!self.dbname.is_empty()).then(|| self.dbname.clone()))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(
                duration("timeout")?.unwrap_or(Duration::from_secs(30)),
            ))
            .read_timeout(duration("readTimeout")?)
            .write_timeout(duration("writeTimeout")?);
        b = match &self.net {
            MysqlNet::Tcp { host, port } => b.ip_or_hostname(Some(host.clone())).tcp_port(*port),
            MysqlNet::Unix { path } => b.socket(Some(path.clone())),
        };
        Ok(b)
    }
}

fn split_host_port(addr: &str) -> DsnResult<(String, u16)> {
    let parse_port = |p: &str| p.parse::<u16>().map_err(|_| DsnError::Port(p.to_string()));
    if let Some(r) = addr.strip_prefix('[') {
        let end = r
            .find(']')
            .ok_or(DsnError::UnterminatedBracket("the address"))?;
        let port = match r[end + 1..].strip_prefix(':') {
            Some(p) => parse_port(p)?,
            None => 3306,
        };
        return Ok((r[..end].to_string(), port));
    }
    match addr.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_string(), parse_port(p)?)),
        // A bare IPv6 address without a port.
        Some(_) => Ok((addr.to_string(), 3306)),
        None => Ok((addr.to_string(), 3306)),
    }
}

/// Go `time.ParseDuration` for the simple forms (`30s`, `1m30s`, `500ms`).
fn parse_go_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += n * factor;
        rest = &rest[unit_end..];
    }
    Some(Duration::from_secs_f64(total))
}

// ---------------------------------------------------------------- SQLite

impl SqliteDsn {
    /// The path, with anything that looks like credentials masked (a
    /// server DSN given to the SQLite driver by mistake).
    pub fn redacted(&self) -> String {
        redact_raw(SqlDriver::Sqlite, &self.path)
    }

    pub fn parse(source: &str) -> DsnResult<SqliteDsn> {
        if source.is_empty() {
            return Err(DsnError::EmptySqlitePath);
        }
        Ok(SqliteDsn {
            path: source.to_string(),
            uri: source.starts_with("file:"),
        })
    }
}

// ---------------------------------------------------------------- raw

/// Masks secrets in a source that may not parse, for error messages:
/// values of keys containing "pass" or "secret" in a key=value source (and
/// everything after a syntax error), the password of a URL's or Go DSN's
/// credentials, and secret `?key=value` parameters.
/// Whatever the driver, the result is also passed through [`mask_secrets`]
/// with [`secrets_in`]: a source in another driver's form (a PostgreSQL
/// `key=value` source or `user:pass` given to the MySQL driver) still
/// holds a password.
pub fn redact_raw(driver: SqlDriver, source: &str) -> String {
    mask_secrets(&redact_for_driver(driver, source), &secrets_in(source))
}

/// Substrings of `source` that may be secrets, whichever form it is in:
/// values of secret keys (`password=...`, quoted or not, in `key=value`
/// lists and `?a=b&c=d` parameters), the password of `user:pass@` (up to
/// the last `@`, so a password holding `@` is covered), and `pass` in a
/// bare `user:pass`. Percent-decoded forms are included, as drivers show
/// them decoded.
pub fn secrets_in(source: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let (pairs, _) = tokenize_pg_keywords(source);
    found.extend(
        pairs
            .into_iter()
            .filter(|(k, _)| is_secret_key(k))
            .map(|(_, v)| v),
    );
    for part in source.split(|c: char| matches!(c, '?' | '&' | ';') || c.is_whitespace()) {
        if let Some((k, v)) = part.split_once('=') {
            if is_secret_key(k) {
                found.push(v.trim_matches('\'').to_string());
            }
        }
    }
    let body = source.split_once("://").map_or(source, |(_, b)| b);
    match body.rfind('@') {
        Some(at) => {
            if let Some(colon) = body[..at].find(':') {
                found.push(body[colon + 1..at].to_string());
            }
        }
        None if !body.contains(['/', '=', '(']) && !body.contains(char::is_whitespace) => {
            if let Some((user, pass)) = body.split_once(':') {
                // `file:name.db` is a SQLite URI, not credentials.
                if user != "file" {
                    found.push(pass.to_string());
                }
            }
        }
        None => {}
    }
    let decoded: Vec<String> = found
        .iter()
        .filter_map(|s| percent_decode(s).ok())
        .collect();
    found.extend(decoded);
    found.retain(|s| !s.is_empty());
    found
}

/// `text` with every occurrence of each secret replaced by `***`.
pub fn mask_secrets(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    // Longest first, so a secret that holds another is masked whole.
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for secret in sorted {
        out = out.replace(secret.as_str(), MASK);
    }
    out
}

fn redact_for_driver(driver: SqlDriver, source: &str) -> String {
    match driver {
        SqlDriver::Sqlite => source.to_string(),
        SqlDriver::Postgres if !source.contains("://") => {
            let (pairs, error) = tokenize_pg_keywords(source);
            let mut parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) { MASK } else { v.as_str() };
                    format!("{k}={}", quote_pg_value(v))
                })
                .collect();
            if error.is_some() {
                parts.push("...".into());
            }
            parts.join(" ")
        }
        _ => {
            let (main, query) = match source.find("://") {
                // URL: the query starts at the first '?'.
                Some(_) => match source.split_once('?') {
                    Some((m, q)) => (m, Some(q)),
                    None => (source, None),
                },
                // Go DSN: at the first '?' after the last '/'.
                None => match source
                    .rfind('/')
                    .and_then(|i| source[i..].find('?').map(|j| i + j))
                {
                    Some(q) => (&source[..q], Some(&source[q + 1..])),
                    None => (source, None),
                },
            };
            let (scheme, body) = match main.find("://") {
                Some(i) => main.split_at(i + 3),
                None => ("", main),
            };
            let end = if scheme.is_empty() {
                body.rfind('/').unwrap_or(body.len())
            } else {
                body.find('/').unwrap_or(body.len())
            };
            let mut out = match body[..end].rfind('@') {
                Some(at) => match body[..at].find(':') {
                    Some(colon) => format!("{scheme}{}{MASK}{}", &body[..=colon], &body[at..]),
                    None => main.to_string(),
                },
                None => main.to_string(),
            };
            if let Some(q) = query {
                let params: Vec<String> = q
                    .split('&')
                    .map(|p| match p.split_once('=') {
                        Some((k, _)) if is_secret_key(k) => format!("{k}={MASK}"),
                        Some(_) => p.to_string(),
                        None => "...".to_string(),
                    })
                    .collect();
                out.push('?');
                out.push_str(&params.join("&"));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_keywords() {
        let d = PgDsn::parse(
            "host=127.0.0.1 port=15432 user=nss password=s3cr3t dbname=nss_pg23 sslmode=disable",
        )
        .unwrap();
        assert_eq!(d.host.as_deref(), Some("127.0.0.1"));
        assert_eq!(d.port, Some(15432));
        assert_eq!(d.user.as_deref(), Some("nss"));
        assert_eq!(d.password.as_deref(), Some("s3cr3t"));
        assert_eq!(d.dbname.as_deref(), Some("nss_pg23"));
        assert_eq!(d.sslmode.as_deref(), Some("disable"));
        let r = d.redacted();
        assert!(!r.contains("s3cr3t"), "{r}");
        assert!(r.contains("password=***"), "{r}");
        assert!(r.contains("dbname=nss_pg23"), "{r}");
    }

    #[test]
    fn pg_keywords_quoted_and_spaces() {
        let d =
            PgDsn::parse(r"host = /var/run/postgresql password='a b\'c' dbname=x readTimeout=5s")
                .unwrap();
        assert_eq!(d.host.as_deref(), Some("/var/run/postgresql"));
        assert_eq!(d.password.as_deref(), Some("a b'c"));
        assert_eq!(d.other, vec![("readTimeout".to_string(), "5s".to_string())]);
        assert!(!d.redacted().contains("a b"));
        assert_eq!(PgDsn::parse("host"), Err(DsnError::MissingEquals(1)));
        assert_eq!(
            PgDsn::parse("password='open"),
            Err(DsnError::UnterminatedQuote(1))
        );
        assert_eq!(
            PgDsn::parse("port=notaport"),
            Err(DsnError::Port("notaport".into()))
        );
    }

    #[test]
    fn pg_url() {
        let d = PgDsn::parse(
            "postgres://nss:p%40ss@db.example:5433/nss_db?sslmode=disable&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(d.user.as_deref(), Some("nss"));
        assert_eq!(d.password.as_deref(), Some("p@ss"));
        assert_eq!(d.host.as_deref(), Some("db.example"));
        assert_eq!(d.port, Some(5433));
        assert_eq!(d.dbname.as_deref(), Some("nss_db"));
        assert_eq!(d.sslmode.as_deref(), Some("disable"));
        assert_eq!(d.connect_timeout, Some(Duration::from_secs(3)));
        assert!(!d.redacted().contains("p@ss"));

        let d = PgDsn::parse("postgresql://[::1]:5432/db").unwrap();
        assert_eq!(d.host.as_deref(), Some("::1"));
        assert_eq!(d.password, None);
        let d = PgDsn::parse("postgres:///db?host=/tmp").unwrap();
        assert_eq!(d.host.as_deref(), Some("/tmp"));
        assert_eq!(d.dbname.as_deref(), Some("db"));
    }

    #[test]
    fn pg_config_refuses_tls() {
        let d = PgDsn::parse("host=h user=u password=pw dbname=d sslmode=require").unwrap();
        let e = d.config().unwrap_err().to_string();
        assert!(e.contains("sslmode=require"), "{e}");
        assert!(!e.contains("pw "), "{e}");
        assert!(PgDsn::parse("host=h user=u sslmode=disable")
            .unwrap()
            .config()
            .is_ok());
    }

    #[test]
    fn mysql_forms() {
        let d = MysqlDsn::parse("nss:nss@tcp(127.0.0.1:13306)/nss_my23").unwrap();
        assert_eq!(d.user, "nss");
        assert_eq!(d.password.as_deref(), Some("nss"));
        assert_eq!(
            d.net,
            MysqlNet::Tcp {
                host: "127.0.0.1".into(),
                port: 13306
            }
        );
        assert_eq!(d.dbname, "nss_my23");
        assert_eq!(d.redacted(), "nss:***@tcp(127.0.0.1:13306)/nss_my23");

        let d = MysqlDsn::parse(
            "root@unix(/run/mysqld/mysqld.sock)/db?charset=utf8mb4&readTimeout=10s",
        )
        .unwrap();
        assert_eq!(d.user, "root");
        assert_eq!(d.password, None);
        assert_eq!(
            d.net,
            MysqlNet::Unix {
                path: "/run/mysqld/mysqld.sock".into()
            }
        );
        assert_eq!(d.params.len(), 2);
        assert!(d.opts().is_ok());

        let d = MysqlDsn::parse("user@/db").unwrap();
        assert_eq!(
            d.net,
            MysqlNet::Tcp {
                host: "127.0.0.1".into(),
                port: 3306
            }
        );
        let d = MysqlDsn::parse("/db").unwrap();
        assert_eq!(d.user, "");
        assert_eq!(d.dbname, "db");

        // Password with '@', ':' and '/' characters: last '@', first ':', last '/'.
        let d = MysqlDsn::parse("u:p@s:s/w@tcp(h)/db").unwrap();
        assert_eq!(d.password.as_deref(), Some("p@s:s/w"));
        assert_eq!(
            d.net,
            MysqlNet::Tcp {
                host: "h".into(),
                port: 3306
            }
        );
        assert!(!d.redacted().contains("p@s"));

        let d = MysqlDsn::parse("u:pw@tcp([::1]:3307)/db").unwrap();
        assert_eq!(
            d.net,
            MysqlNet::Tcp {
                host: "::1".into(),
                port: 3307
            }
        );
        assert_eq!(d.redacted(), "u:***@tcp([::1]:3307)/db");

        assert_eq!(
            MysqlDsn::parse("u:pw@tcp(h:1"),
            Err(DsnError::NoDatabaseSlash)
        );
        assert_eq!(
            MysqlDsn::parse("u:pw@tcp(h:1/db"),
            Err(DsnError::AddressNotClosed)
        );
        assert_eq!(
            MysqlDsn::parse("mysql://u:pw@h/db"),
            Err(DsnError::MysqlUrl)
        );
        assert!(MysqlDsn::parse("u:pw@tcp(h)/db?tls=true")
            .unwrap()
            .opts()
            .is_err());
        assert!(MysqlDsn::parse("u:pw@tcp(h)/db?timeout=1m30s")
            .unwrap()
            .opts()
            .is_ok());
        assert!(MysqlDsn::parse("u:pw@tcp(h)/db?timeout=soon")
            .unwrap()
            .opts()
            .is_err());
    }

    #[test]
    fn sqlite_forms() {
        let d = SqliteDsn::parse("/tmp/x.db").unwrap();
        assert!(!d.uri);
        let d = SqliteDsn::parse("file:/tmp/x.db?mode=ro").unwrap();
        assert!(d.uri);
        assert_eq!(SqliteDsn::parse(""), Err(DsnError::EmptySqlitePath));
    }

    #[test]
    fn parse_errors_never_show_the_password() {
        let cases = [
            (SqlDriver::Postgres, "host=h password=hunter22 port=bad"),
            (
                SqlDriver::Postgres,
                "host=h password = 'hunter22 x' port=bad",
            ),
            (SqlDriver::Postgres, "postgres://u:hunter22@h:notaport/db"),
            (SqlDriver::Mysql, "u:hunter22@tcp(h:1/db"),
            (SqlDriver::Mysql, "u:hunter22@bogus(h)/db"),
            (SqlDriver::Postgres, "host=h sslpassword=hunter22 port=bad"),
            (SqlDriver::Postgres, "host=h port=bad password='hunter22"),
            (
                SqlDriver::Postgres,
                "host=h password=hunter22 hunter22 port=1",
            ),
            (SqlDriver::Mysql, "u:hunter22@tcp(h)/db?hunter22"),
            (SqlDriver::Postgres, "postgres://h:bad/db?password=hunter22"),
            (SqlDriver::Mysql, "u@tcp(h:bad)/db?pass=hunter22&x=1"),
        ];
        for (driver, source) in cases {
            let e = Dsn::parse(driver, source).unwrap_err().to_string();
            assert!(!e.contains("hunter22"), "{e}");
            assert!(e.contains(MASK) || e.contains("..."), "{e}");
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("x"), None);
    }
}
