//! Connecting to the target server, with the `nats` CLI's options.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context as _};
use async_nats::jetstream::{self, response::Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Where the target is and how to log in.
#[derive(Debug, Clone)]
pub struct ConnectionOptions {
    /// `nats://HOST:PORT` (`tls://` for TLS); several separated by commas.
    pub server: String,
    /// A credentials file (JWT and NKey seed).
    pub creds: Option<PathBuf>,
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
    ) -> anyhow::Result<Result<V, jetstream::Error>>
    where
        T: ?Sized + Serialize,
        V: DeserializeOwned,
    {
        let response: Response<V> =
            bounded(self.timeout * 2, self.js.request(subject.clone(), payload))
                .await?
                .with_context(|| format!("JetStream request {subject}"))?;
        Ok(match response {
            Response::Ok(v) => Ok(v),
            Response::Err { error } => Err(error),
        })
    }
}

/// Await `fut` at most `limit`.
pub async fn bounded<F: std::future::Future>(limit: Duration, fut: F) -> anyhow::Result<F::Output> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| anyhow::anyhow!("no answer from the server within {limit:?}"))
}

pub async fn connect(o: &ConnectionOptions) -> anyhow::Result<Server> {
    let mut opts = async_nats::ConnectOptions::new()
        .name("stanctl migrate to-jetstream")
        .connection_timeout(o.timeout)
        .request_timeout(Some(o.timeout))
        .max_reconnects(Some(5));
    if let Some(path) = &o.creds {
        opts = opts
            .credentials_file(path)
            .await
            .with_context(|| format!("reading credentials {}", path.display()))?;
    }
    match (&o.user, &o.password) {
        (Some(u), Some(p)) => opts = opts.user_and_password(u.clone(), p.clone()),
        (Some(_), None) | (None, Some(_)) => bail!("--user and --password go together"),
        (None, None) => {}
    }
    if let Some(token) = &o.token {
        opts = opts.token(token.clone());
    }
    let mut tls = o.server.split(',').any(|s| s.trim().starts_with("tls://"));
    if let Some(ca) = &o.tls_ca {
        opts = opts.add_root_certificates(ca.clone());
        tls = true;
    }
    match (&o.tls_cert, &o.tls_key) {
        (Some(cert), Some(key)) => {
            opts = opts.add_client_certificate(cert.clone(), key.clone());
            tls = true;
        }
        (Some(_), None) | (None, Some(_)) => bail!("--tls-cert and --tls-key go together"),
        (None, None) => {}
    }
    if tls {
        opts = opts.require_tls(true);
    }
    let servers: Vec<async_nats::ServerAddr> = o
        .server
        .split(',')
        .map(|s| s.trim().parse::<async_nats::ServerAddr>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--server {:?}", o.server))?;
    let client = bounded(o.timeout * 2, opts.connect(servers))
        .await?
        .with_context(|| format!("connecting to {}", o.server))?;
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
    let account: Result<serde_json::Value, _> =
        server.api("INFO".into(), &serde_json::json!({})).await?;
    if let Err(e) = account {
        bail!("{}: JetStream is not available: {e}", o.server);
    }
    Ok(server)
}
