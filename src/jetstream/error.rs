//! Why an export to JetStream stopped. Every message says what was being
//! done (stream, consumer, channel and sequence) and names no command-line
//! option: the front end adds its own spelling (see [`JetStreamError::hint`]).
//!
//! Errors of the NATS client are kept as text: async-nats prints an error's
//! cause in its message and returns it again as `source()`, so printing the
//! chain would say it twice (`request timed out: deadline has elapsed:
//! deadline has elapsed`). [`client_message`] says each cause once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::StoreError;
use crate::open::OpenError;

use super::names::NameClash;

#[derive(Debug, thiserror::Error)]
pub enum JetStreamError {
    #[error(transparent)]
    Store(#[from] StoreError),

    /// A reader thread could not open its own reader of the store (said to
    /// every channel it is asked for, hence shared).
    #[error("opening the store: {0}")]
    OpenStore(Arc<OpenError>),

    #[error("the store readers have stopped")]
    ReadersStopped,

    #[error("{what}: no answer from the server within {limit:?}")]
    Timeout { what: String, limit: Duration },

    /// The NATS client failed; `message` holds each of its causes once.
    #[error("{what}: {message}")]
    Client { what: String, message: String },

    /// The server refused a JetStream API request.
    #[error("{what}: {error}")]
    Api {
        what: String,
        error: async_nats::jetstream::Error,
    },

    #[error("{server}: JetStream is not available: {error}")]
    NoJetStream {
        server: String,
        error: async_nats::jetstream::Error,
    },

    #[error("server address {servers:?}: {message}")]
    ServerAddress { servers: String, message: String },

    /// A login or TLS setting given without its pair.
    #[error("{given} given without {missing}")]
    Unpaired {
        given: &'static str,
        missing: &'static str,
    },

    #[error("reading {what} {}: {error}", path.display())]
    ReadFile {
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{}: no NKey seed (a line starting with S)", path.display())]
    NoSeed { path: PathBuf },

    /// natscli contexts.
    #[error("no HOME (or XDG_CONFIG_HOME) to find the nats contexts in")]
    NoConfigDir,

    #[error("{0:?} is not a context name")]
    ContextName(String),

    #[error("context {name:?}: {} {message}", path.display())]
    Context {
        name: String,
        path: PathBuf,
        message: String,
    },

    #[error(
        "context {0:?} sets a JetStream domain or API prefix, which stanctl does not support yet"
    )]
    ContextDomain(String),

    /// The plan.
    #[error("stream name {name:?} for channel {channel:?}: {reason}")]
    StreamName {
        channel: String,
        name: String,
        reason: &'static str,
    },

    #[error("stream prefix {0:?}: not allowed in stream names")]
    StreamPrefix(String),

    #[error("channel {channel:?}: {subject:?} is not a valid subject")]
    Subject { channel: String, subject: String },

    #[error("stream names: {0}")]
    StreamNames(NameClash),

    #[error("consumer names on channel {channel:?}: {clash}")]
    ConsumerNames { channel: String, clash: NameClash },

    #[error("channel {channel:?}: deliver subject {subject:?} of consumer {consumer} {reason}")]
    DeliverSubject {
        channel: String,
        consumer: String,
        subject: String,
        reason: &'static str,
    },

    #[error("channel {channel:?}: queue group {group:?} is not a valid deliver group (NATS queue names have no whitespace)")]
    DeliverGroup { channel: String, group: String },

    /// A complete consumer of a previous run delivers otherwise than asked
    /// (pull vs push, another deliver subject or group): JetStream cannot
    /// change that in place.
    #[error("consumer {consumer} of stream {stream} exists as {found}, not as {wanted}; JetStream cannot change that: delete the consumer, or migrate it as it is")]
    ConsumerDelivery {
        consumer: String,
        stream: String,
        found: String,
        wanted: String,
    },

    /// The stream holds something that is not this channel's: another
    /// stream name must be chosen.
    #[error("stream {stream} {message}; choose another stream name")]
    ForeignStream { stream: String, message: String },

    /// The stream holds a prefix of a different channel than the store's.
    #[error("stream {stream}: {message}: the source is not the one migrated before")]
    SourceMismatch { stream: String, message: String },

    /// Something else publishes to the stream's subject.
    #[error("channel {channel:?} seq {stan}: stored as stream {stream} seq {got} instead of {expected} (is something else publishing to {subject}?)")]
    Interleaved {
        channel: String,
        stan: u64,
        stream: String,
        got: u64,
        expected: u64,
        subject: String,
    },

    /// A consumer could not be positioned as STAN left it.
    #[error("consumer {consumer} of stream {stream}: {message}")]
    Consumer {
        consumer: String,
        stream: String,
        message: String,
    },

    /// Retries ran out; `last` is why the last attempt stopped.
    #[error("{what}: gave up after {attempts} attempts (a rerun {rerun}): {last}")]
    GaveUp {
        what: String,
        attempts: u32,
        rerun: &'static str,
        last: Box<JetStreamError>,
    },

    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl JetStreamError {
    /// A failure of the NATS client while doing `what`.
    pub fn client(what: impl Into<String>, e: &dyn std::error::Error) -> Self {
        JetStreamError::Client {
            what: what.into(),
            message: client_message(e),
        }
    }
}

/// `e` and its causes, each said once. An async-nats error prints its
/// cause after its own text, and its kinds repeat one another (`timed
/// out: request timed out: deadline has elapsed`): each error's own text is
/// taken (its cause cut off), and a text that a deeper one holds is left out.
pub fn client_message(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        next = err.source();
        let own = match next {
            Some(cause) => text
                .strip_suffix(&format!(": {cause}"))
                .map(str::to_string)
                .unwrap_or(text),
            None => text,
        };
        parts.push(own);
    }
    let kept: Vec<&str> = parts
        .iter()
        .enumerate()
        .filter(|(i, p)| !p.is_empty() && !parts[i + 1..].iter().any(|deeper| deeper.contains(*p)))
        .map(|(_, p)| p.as_str())
        .collect();
    kept.join(": ")
}

pub type Result<T, E = JetStreamError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that prints its cause and returns it again, as async-nats's do.
    #[derive(Debug)]
    struct Repeats(std::io::Error);

    impl std::fmt::Display for Repeats {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "request timed out: {}", self.0)
        }
    }

    impl std::error::Error for Repeats {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn client_causes_are_said_once() {
        let plain = std::io::Error::other("connection refused");
        assert_eq!(client_message(&plain), "connection refused");
        let e = Repeats(std::io::Error::other("deadline has elapsed"));
        let err = JetStreamError::client("JetStream request STREAM.INFO.s", &e);
        assert_eq!(
            err.to_string(),
            "JetStream request STREAM.INFO.s: request timed out: deadline has elapsed"
        );
        assert!(std::error::Error::source(&err).is_none());
        let nats = async_nats::RequestError::with_source(
            async_nats::RequestErrorKind::TimedOut,
            std::io::Error::other("deadline has elapsed"),
        );
        assert_eq!(
            client_message(&nats),
            "request timed out: deadline has elapsed"
        );
        // The JetStream context wraps it again, as its own kind.
        let js = async_nats::jetstream::context::RequestError::with_source(
            async_nats::jetstream::context::RequestErrorKind::TimedOut,
            nats,
        );
        assert_eq!(
            js.to_string(),
            "timed out: request timed out: deadline has elapsed"
        );
        assert_eq!(
            client_message(&js),
            "request timed out: deadline has elapsed"
        );
    }
}
