//! Connecting to the target server, with the `nats` CLI's options.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::jetstream::{self, response::Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{JetStreamError, Result};

/// Where the target is and how to log in.
#[derive(Debug, Clone)]
pub struct ConnectionOptions {
    /// `nats://HOST:PORT` (`tls://` for TLS); several separated by commas.
    pub server: String,
    /// A credentials file (JWT and NKey seed).
    pub creds: Option<PathBuf>,
    /// A file holding an NKey seed (`SU…`).
    pub nkey: Option<PathBuf>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    /// CA certificate(s) to trust.
    pub tls_ca: Option<PathBuf>,
    /// Client certificate and key.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Connection and request timeout.
    pub timeout: Duration,
}

impl ConnectionOptions {
    pub fn new(server: impl Into<String>) -> Self {
        ConnectionOptions {
            server: server.into(),
            creds: None,
            nkey: None,
            user: None,
            password: None,
            token: None,
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// A natscli context (`nats context save`): where a server is and how to
/// log in, in `$XDG_CONFIG_HOME/nats/context/NAME.json` (`~/.config/nats`
/// without XDG_CONFIG_HOME); the selected one is named in
/// `…/nats/context.txt`. Fields stanctl does not use are ignored.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NatsContext {
    pub url: String,
    pub token: String,
    pub user: String,
    pub password: String,
    pub creds: String,
    pub nkey: String,
    pub cert: String,
    pub key: String,
    pub ca: String,
    /// Not supported yet: a context naming one is refused.
    pub jetstream_domain: String,
    pub jetstream_api_prefix: String,
}

/// natscli's configuration directory.
fn nats_config_dir() -> Result<PathBuf> {
    match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir).join("nats")),
        None => std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|home| PathBuf::from(home).join(".config").join("nats"))
            .ok_or(JetStreamError::NoConfigDir),
    }
}

/// Expand a leading `~/` as natscli does.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

impl NatsContext {
    /// Context `name`, or the selected one (context.txt) when `name` is
    /// `None`; `Ok(None)` when none is named nor selected.
    pub fn load(name: Option<&str>) -> Result<Option<(String, NatsContext)>> {
        let dir = nats_config_dir()?;
        let name = match name {
            Some(n) => n.to_string(),
            None => match std::fs::read_to_string(dir.join("context.txt")) {
                Ok(text) if !text.trim().is_empty() => text.trim().to_string(),
                Ok(_) => return Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(error) => {
                    return Err(JetStreamError::ReadFile {
                        what: "the selected nats context",
                        path: dir.join("context.txt"),
                        error,
                    })
                }
            },
        };
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(JetStreamError::ContextName(name));
        }
        let path = dir.join("context").join(format!("{name}.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                return Err(JetStreamError::Context {
                    name,
                    path,
                    message: format!("cannot be read: {e}"),
                })
            }
        };
        let ctx: NatsContext = match serde_json::from_str(&text) {
            Ok(ctx) => ctx,
            Err(e) => {
                return Err(JetStreamError::Context {
                    name,
                    path,
                    message: format!("is not a context file: {e}"),
                })
            }
        };
        if !ctx.jetstream_domain.is_empty() || !ctx.jetstream_api_prefix.is_empty() {
            return Err(JetStreamError::ContextDomain(name));
        }
        Ok(Some((name, ctx)))
    }

    /// Fill what `o` leaves unset from the context (options and the
    /// environment come first, as with the `nats` CLI).
    pub fn fill(&self, o: &mut ConnectionOptions) {
        let text = |v: &str| (!v.is_empty()).then(|| v.to_string());
        let path = |v: &str| (!v.is_empty()).then(|| expand_home(v));
        if o.server.is_empty() {
            o.server = self.url.clone();
        }
        // One way of logging in: the context's only when none is given.
        let login_given = o.creds.is_some()
            || o.nkey.is_some()
            || o.user.is_some()
            || o.password.is_some()
            || o.token.is_some();
        if !login_given {
            o.creds = path(&self.creds);
            o.nkey = path(&self.nkey);
            o.user = text(&self.user);
            o.password = text(&self.password);
            o.token = text(&self.token);
        }
        o.tls_ca = o.tls_ca.take().or_else(|| path(&self.ca));
        if o.tls_cert.is_none() && o.tls_key.is_none() {
            o.tls_cert = path(&self.cert);
            o.tls_key = path(&self.key);
        }
    }
}

/// `url` without the user and password it may hold, for printing.
pub fn redact_url(url: &str) -> String {
    url.split(',')
        .map(|u| {
            let u = u.trim();
            match (u.find("://"), u.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    format!("{}://***@{}", &u[..scheme], &u[at + 1..])
                }
                (None, Some(at)) => format!("***@{}", &u[at + 1..]),
                _ => u.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A connection with its JetStream context.
pub struct Server {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub timeout: Duration,
}

impl Server {
    /// A JetStream API request (`subject` without the `$JS.API.` prefix),
    /// the server's error as `Err(Ok(error))`.
    pub async fn api<T, V>(
        &self,
        subject: String,
        payload: &T,
    ) -> Result<std::result::Result<V, jetstream::Error>>
    where
        T: ?Sized + Serialize,
        V: DeserializeOwned,
    {
        let what = || format!("JetStream request {subject}");
        let response: Response<V> = within(
            self.timeout * 2,
            what,
            self.js.request(subject.clone(), payload),
        )
        .await?;
        Ok(match response {
            Response::Ok(v) => Ok(v),
            Response::Err { error } => Err(error),
        })
    }

    /// An `INFO` request (`subject` as for [`Server::api`]) of what may not
    /// exist: `None` when the server answers `not_found`; its other errors
    /// name `what`.
    pub async fn info_if_any<V: DeserializeOwned>(
        &self,
        subject: String,
        not_found: jetstream::ErrorCode,
        what: impl FnOnce() -> String,
    ) -> Result<Option<V>> {
        match self.api::<_, V>(subject, &serde_json::json!({})).await? {
            Ok(info) => Ok(Some(info)),
            Err(e) if e.error_code() == not_found => Ok(None),
            Err(error) => Err(JetStreamError::Api {
                what: what(),
                error,
            }),
        }
    }
}

/// Await `fut` at most `limit`; `what` names what was awaited.
pub async fn bounded<F: std::future::Future>(
    limit: Duration,
    what: impl FnOnce() -> String,
    fut: F,
) -> Result<F::Output> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| JetStreamError::Timeout {
            what: what(),
            limit,
        })
}

/// Await a request of the NATS client at most `limit`; its failure as
/// [`JetStreamError::Client`], doing `what`.
pub async fn within<T, E, F>(limit: Duration, what: impl Fn() -> String, fut: F) -> Result<T>
where
    F: std::future::Future<Output = std::result::Result<T, E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    bounded(limit, &what, fut).await?.map_err(|e| {
        let e: Box<dyn std::error::Error + Send + Sync> = e.into();
        JetStreamError::client(what(), &*e)
    })
}

/// Settings that only work together (a user name and its password, a
/// client certificate and its key): both, neither, or the error for the
/// one given alone. `alone` is (given, missing) for the first, then for the
/// second.
fn both_or_neither<'o, A, B>(
    first: &'o Option<A>,
    second: &'o Option<B>,
    alone: [(&'static str, &'static str); 2],
) -> Result<Option<(&'o A, &'o B)>> {
    let unpaired = |(given, missing)| Err(JetStreamError::Unpaired { given, missing });
    match (first, second) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (Some(_), None) => unpaired(alone[0]),
        (None, Some(_)) => unpaired(alone[1]),
        (None, None) => Ok(None),
    }
}

pub async fn connect(o: &ConnectionOptions) -> Result<Server> {
    let mut opts = async_nats::ConnectOptions::new()
        .name("stanctl migrate to-jetstream")
        .connection_timeout(o.timeout)
        .request_timeout(Some(o.timeout))
        .max_reconnects(Some(5));
    if let Some(path) = &o.creds {
        opts = opts
            .credentials_file(path)
            .await
            .map_err(|error| JetStreamError::ReadFile {
                what: "the credentials",
                path: path.clone(),
                error,
            })?;
    }
    if let Some(path) = &o.nkey {
        let seed = std::fs::read_to_string(path).map_err(|error| JetStreamError::ReadFile {
            what: "the NKey seed",
            path: path.clone(),
            error,
        })?;
        let seed = seed
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with('S') && !l.is_empty())
            .ok_or_else(|| JetStreamError::NoSeed { path: path.clone() })?;
        opts = opts.nkey(seed.to_string());
    }
    if let Some((user, password)) = both_or_neither(
        &o.user,
        &o.password,
        [("a user name", "a password"), ("a password", "a user name")],
    )? {
        opts = opts.user_and_password(user.clone(), password.clone());
    }
    if let Some(token) = &o.token {
        opts = opts.token(token.clone());
    }
    let mut tls = o.server.split(',').any(|s| s.trim().starts_with("tls://"));
    if let Some(ca) = &o.tls_ca {
        opts = opts.add_root_certificates(ca.clone());
        tls = true;
    }
    if let Some((cert, key)) = both_or_neither(
        &o.tls_cert,
        &o.tls_key,
        [
            ("a client certificate", "its key"),
            ("a client certificate key", "its certificate"),
        ],
    )? {
        opts = opts.add_client_certificate(cert.clone(), key.clone());
        tls = true;
    }
    if tls {
        opts = opts.require_tls(true);
    }
    let servers: Vec<async_nats::ServerAddr> = o
        .server
        .split(',')
        .map(|s| s.trim().parse::<async_nats::ServerAddr>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| JetStreamError::ServerAddress {
            servers: redact_url(&o.server),
            message: super::error::client_message(&e),
        })?;
    let what = || format!("connecting to {}", redact_url(&o.server));
    let client = within(o.timeout * 2, what, opts.connect(servers)).await?;
    let js = jetstream::context::ContextBuilder::new()
        .timeout(o.timeout)
        .ack_timeout(o.timeout)
        .build(client.clone());
    let server = Server {
        client,
        js,
        timeout: o.timeout,
    };
    // Fails early when JetStream is not enabled for this account.
    let account: std::result::Result<serde_json::Value, _> =
        server.api("INFO".into(), &serde_json::json!({})).await?;
    if let Err(error) = account {
        return Err(JetStreamError::NoJetStream {
            server: redact_url(&o.server),
            error,
        });
    }
    Ok(server)
}

/// How [`pull_through`] ended.
pub enum Pulled {
    /// Every message up to the last one asked for was taken.
    Reached,
    /// Five pulls in a row brought nothing new after stream seq `after`.
    Stalled { after: u64 },
}

/// Failed pulls in a row before [`pull_through`] gives up (waiting 0.25 s,
/// 0.5 s, … between them: 9 s in all).
const MAX_FAILED_PULLS: u32 = 8;

/// Pulls the messages of `consumer` after stream seq `after` up to `last`,
/// in batches of at most `batch`, and gives each to `take` once, in order,
/// with its stream sequence (redeliveries of earlier ones are skipped).
///
/// A pull fails (503, no responders) while the consumer's leader is being
/// elected or moves on a busy cluster; the consumer keeps its place, so it
/// is pulled again a little later. async-nats gives the status only as
/// text, so every pull that fails before bringing anything is retried.
#[allow(clippy::too_many_arguments)]
pub async fn pull_through(
    consumer: &async_nats::jetstream::consumer::PullConsumer,
    mut after: u64,
    last: u64,
    batch: u64,
    timeout: Duration,
    what: &dyn Fn() -> String,
    mut take: impl AsyncFnMut(async_nats::jetstream::Message, u64) -> Result<()>,
) -> Result<Pulled> {
    use futures::StreamExt as _;
    let mut empty_rounds = 0;
    let mut failed_pulls = 0u32;
    'pulls: while after < last {
        let want = (last - after).min(batch) as usize;
        let mut messages = within(
            timeout,
            what,
            consumer
                .batch()
                .max_messages(want)
                .expires(Duration::from_secs(2))
                .messages(),
        )
        .await?;
        let mut got = 0;
        while let Some(item) = bounded(timeout, what, messages.next()).await? {
            let m = match item {
                Ok(m) => m,
                // Only a pull that brought nothing: messages it did bring
                // may be in flight, and a retry would skip them.
                Err(_) if got == 0 && failed_pulls < MAX_FAILED_PULLS => {
                    failed_pulls += 1;
                    tokio::time::sleep(Duration::from_millis(250) * failed_pulls).await;
                    continue 'pulls;
                }
                Err(e) => return Err(JetStreamError::client(what(), &*e)),
            };
            let seq = m
                .info()
                .map_err(|e| JetStreamError::client(what(), &*e))?
                .stream_sequence;
            if seq <= after {
                continue;
            }
            got += 1;
            failed_pulls = 0;
            after = seq;
            take(m, seq).await?;
        }
        if got == 0 {
            empty_rounds += 1;
            if empty_rounds >= 5 {
                return Ok(Pulled::Stalled { after });
            }
        } else {
            empty_rounds = 0;
        }
    }
    Ok(Pulled::Reached)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_secrets() {
        assert_eq!(
            redact_url("nats://u:p@h:4222, tls://h2:4223"),
            "nats://***@h:4222,tls://h2:4223"
        );
        assert_eq!(redact_url("tok@h:4222"), "***@h:4222");
        assert_eq!(redact_url("nats://h:4222"), "nats://h:4222");
    }

    #[test]
    fn paired_settings_come_both_or_neither() {
        let alone = [("a user name", "a password"), ("a password", "a user name")];
        let (user, password) = (Some("u".to_string()), Some("p".to_string()));
        let both = both_or_neither(&user, &password, alone).map_err(|e| e.to_string());
        assert_eq!(both, Ok(Some((&"u".to_string(), &"p".to_string()))));
        let none: Option<String> = None;
        let neither = both_or_neither(&none, &none, alone).map_err(|e| e.to_string());
        assert_eq!(neither, Ok(None));
        let first = both_or_neither(&user, &none, alone).map_err(|e| e.to_string());
        assert_eq!(
            first,
            Err("a user name given without a password".to_string())
        );
        let second = both_or_neither(&none, &password, alone).map_err(|e| e.to_string());
        assert_eq!(
            second,
            Err("a password given without a user name".to_string())
        );
    }
}
