//! The interface every backend implements, so each command works on every
//! backend and `migrate` is "read from one, write to the other".

use crate::error::{Result, StoreError};
use crate::model::{
    ChannelStats, Client, ClusterInfo, Finding, Limits, LimitsSource, Message, MessageRange,
    MessageRef, ServerInfo, Subscription,
};
use crate::sqlstore::SqlDriver;

/// Which backend a store is: callers match on it instead of comparing
/// names. Displayed as `file` or `sql/<driver>` (the `store` field of
/// `info` and `check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    File,
    Sql(SqlDriver),
}

impl Backend {
    pub fn is_file(self) -> bool {
        self == Backend::File
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::File => f.write_str("file"),
            Backend::Sql(driver) => write!(f, "sql/{driver}"),
        }
    }
}

/// A stream of messages in ascending sequence order.
pub type MessageIter<'a> = Box<dyn Iterator<Item = Result<Message>> + 'a>;

/// What [`StoreReader::walk`] hands each message to, borrowed. An error of
/// the visitor (its output failed) ends the walk.
pub enum Visit<'v> {
    /// Only the payload: a backend may find it without decoding the rest of
    /// the message (`dump --format raw`, `check --keys`).
    Payloads(&'v mut dyn FnMut(Result<&[u8]>) -> std::io::Result<()>),
    /// The whole message.
    Messages(&'v mut dyn FnMut(Result<MessageRef<'_>>) -> std::io::Result<()>),
}

impl Visit<'_> {
    /// Hand over a message, or only its payload.
    pub fn message(&mut self, m: Result<MessageRef<'_>>) -> std::io::Result<()> {
        match self {
            Visit::Payloads(visit) => visit(m.map(|m| m.data)),
            Visit::Messages(visit) => visit(m),
        }
    }
}

/// Read-only access to a store. Implementations never modify the store.
pub trait StoreReader {
    /// The backend the store is read from.
    fn backend(&self) -> Backend;

    /// `None` when the store holds no server information yet.
    fn server_info(&mut self) -> Result<Option<ServerInfo>>;

    /// Channel names, sorted.
    fn channel_names(&mut self) -> Result<Vec<String>>;

    /// Counts and ranges of one channel as the server would recover them.
    fn channel_stats(&mut self, channel: &str) -> Result<ChannelStats>;

    /// Limits the store knows for a channel, and where they came from.
    fn channel_limits(&mut self, channel: &str) -> Result<(Limits, LimitsSource)>;

    /// Messages of a channel within `range`, ascending, streamed.
    fn messages<'a>(&'a mut self, channel: &str, range: MessageRange) -> Result<MessageIter<'a>>;

    /// Clients the server would recover.
    fn clients(&mut self) -> Result<Vec<Client>>;

    /// Subscriptions of one channel the server would recover, by id.
    fn subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>>;

    /// Problems and notable states met so far.
    fn findings(&self) -> Vec<Finding>;

    /// Hand each message (or only its payload) of a channel within `range`
    /// to `visit`, borrowed, in order, as `messages` would yield it (an
    /// `Err` for a message that cannot be read; the walk goes on). Backends
    /// may do it without building messages: `dump` uses it. An error of
    /// `visit` ends the walk and is returned. One method for both kinds, so
    /// a wrapper that forwards it cannot forward one and miss the other.
    fn walk(&mut self, channel: &str, range: MessageRange, visit: Visit<'_>) -> Result<()> {
        walk_messages(self, channel, range, visit)
    }

    /// For a channel whose every message was removed by limits (first =
    /// last + 1): the record of its last sequence when the store still holds
    /// it. The server's file store never deletes its last slice's records,
    /// so a restart recovers the sequence from them and expires them again;
    /// `None` when the store keeps no such record (SQL deletes them).
    fn expired_tail(&mut self, _channel: &str) -> Result<Option<Message>> {
        Ok(None)
    }

    /// The Raft state when the store is a cluster node read with its log.
    fn cluster(&self) -> Option<ClusterInfo> {
        None
    }

    /// Why clients and subscriptions cannot be known (a cluster node whose
    /// Raft log is encrypted or missing): then they are unknown, not none.
    fn membership_unknown(&self) -> Option<String> {
        None
    }
}

/// Rewrites each message a [`ReaderLayer`] hands out (decryption).
pub type MessageMap = Box<dyn FnMut(Message) -> Result<Message>>;

/// A reader over another reader that changes only part of it: every
/// [`StoreReader`] method it does not override is the inner reader's, so a
/// layer states only what it changes and none can forget to forward a
/// method. A new `StoreReader` method gets its forwarding line here.
pub trait ReaderLayer {
    fn inner(&self) -> &dyn StoreReader;

    fn inner_mut(&mut self) -> &mut dyn StoreReader;

    /// How the layer rewrites the messages of `channel`. One hook for the
    /// messages, the walk and the expired tail, so they cannot disagree;
    /// `None` (the default) leaves all three to the inner reader, with its
    /// borrowed walk.
    fn message_map(&mut self, _channel: &str) -> Option<MessageMap> {
        None
    }

    fn server_info(&mut self) -> Result<Option<ServerInfo>> {
        self.inner_mut().server_info()
    }

    fn channel_names(&mut self) -> Result<Vec<String>> {
        self.inner_mut().channel_names()
    }

    fn channel_stats(&mut self, channel: &str) -> Result<ChannelStats> {
        self.inner_mut().channel_stats(channel)
    }

    fn channel_limits(&mut self, channel: &str) -> Result<(Limits, LimitsSource)> {
        self.inner_mut().channel_limits(channel)
    }

    fn clients(&mut self) -> Result<Vec<Client>> {
        self.inner_mut().clients()
    }

    fn subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>> {
        self.inner_mut().subscriptions(channel)
    }

    fn findings(&self) -> Vec<Finding> {
        self.inner().findings()
    }

    fn cluster(&self) -> Option<ClusterInfo> {
        self.inner().cluster()
    }

    fn membership_unknown(&self) -> Option<String> {
        self.inner().membership_unknown()
    }
}

impl<L: ReaderLayer> StoreReader for L {
    fn backend(&self) -> Backend {
        self.inner().backend()
    }

    fn server_info(&mut self) -> Result<Option<ServerInfo>> {
        ReaderLayer::server_info(self)
    }

    fn channel_names(&mut self) -> Result<Vec<String>> {
        ReaderLayer::channel_names(self)
    }

    fn channel_stats(&mut self, channel: &str) -> Result<ChannelStats> {
        ReaderLayer::channel_stats(self, channel)
    }

    fn channel_limits(&mut self, channel: &str) -> Result<(Limits, LimitsSource)> {
        ReaderLayer::channel_limits(self, channel)
    }

    fn messages<'a>(&'a mut self, channel: &str, range: MessageRange) -> Result<MessageIter<'a>> {
        match self.message_map(channel) {
            None => self.inner_mut().messages(channel, range),
            Some(mut map) => {
                let inner = self.inner_mut().messages(channel, range)?;
                Ok(Box::new(inner.map(move |item| item.and_then(&mut map))))
            }
        }
    }

    fn walk(&mut self, channel: &str, range: MessageRange, visit: Visit<'_>) -> Result<()> {
        match self.message_map(channel) {
            None => self.inner_mut().walk(channel, range, visit),
            // The inner walk hands out messages unchanged: walk the
            // rewritten ones.
            Some(_) => walk_messages(self, channel, range, visit),
        }
    }

    fn expired_tail(&mut self, channel: &str) -> Result<Option<Message>> {
        let tail = self.inner_mut().expired_tail(channel)?;
        match self.message_map(channel) {
            None => Ok(tail),
            Some(map) => tail.map(map).transpose(),
        }
    }

    fn clients(&mut self) -> Result<Vec<Client>> {
        ReaderLayer::clients(self)
    }

    fn subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>> {
        ReaderLayer::subscriptions(self, channel)
    }

    fn findings(&self) -> Vec<Finding> {
        ReaderLayer::findings(self)
    }

    fn cluster(&self) -> Option<ClusterInfo> {
        ReaderLayer::cluster(self)
    }

    fn membership_unknown(&self) -> Option<String> {
        ReaderLayer::membership_unknown(self)
    }
}

/// `Ok` when the store has channel `name`; else an error that names the
/// closest channel names ("did you mean"), before anything is printed.
pub fn require_channel(store: &mut dyn StoreReader, name: &str) -> Result<()> {
    let names = store.channel_names()?;
    if names.iter().any(|n| n == name) {
        return Ok(());
    }
    Err(StoreError::Invalid(format!(
        "no channel named {name:?}{}",
        did_you_mean(name, &names)
    )))
}

/// "; did you mean "orders.eu"?" for the names close to `name`, or the
/// list of channels when there are few and none is close.
fn did_you_mean(name: &str, names: &[String]) -> String {
    let allowed = (name.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &String)> = names
        .iter()
        .map(|n| {
            let distance = if n.eq_ignore_ascii_case(name) {
                0
            } else {
                strsim::levenshtein(n, name)
            };
            (distance, n)
        })
        .filter(|(d, _)| *d <= allowed)
        .collect();
    close.sort();
    let quoted = |v: &mut dyn Iterator<Item = &String>| {
        v.map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
    };
    if !close.is_empty() {
        let list = quoted(&mut close.iter().take(3).map(|(_, n)| *n));
        return format!("; did you mean {list}?");
    }
    match names.len() {
        0 => "; the store has no channels".into(),
        1..=10 => format!("; channels: {}", quoted(&mut names.iter())),
        n => format!("; {n} channels (stanctl channels ls)"),
    }
}

/// The walk over `messages`, for a reader without a borrowed one.
fn walk_messages<R: StoreReader + ?Sized>(
    reader: &mut R,
    channel: &str,
    range: MessageRange,
    mut visit: Visit<'_>,
) -> Result<()> {
    for item in reader.messages(channel, range)? {
        match item {
            Ok(m) => visit.message(Ok(MessageRef::from(&m))),
            Err(e) => visit.message(Err(e)),
        }
        .map_err(|e| StoreError::io("<output>", e))?;
    }
    Ok(())
}

/// Builds a new store. Nothing is visible at the target until `finish`
/// succeeds: a writer that fails or is dropped leaves no store that looks
/// valid.
pub trait StoreWriter {
    /// Write the server's identity. Called once, first.
    fn server_info(&mut self, info: &ServerInfo) -> Result<()>;

    fn add_client(&mut self, client: &Client) -> Result<()>;

    /// Start a channel; its messages follow in ascending sequence order.
    /// `stats` is the source's view (first/last sequence), `limits` what the
    /// target records where it can.
    fn begin_channel(&mut self, stats: &ChannelStats, limits: &Limits) -> Result<()>;

    /// Whether the target records channel limits (SQL `Channels`); a file
    /// store takes them from the server's configuration at each start.
    fn keeps_limits(&self) -> bool {
        true
    }

    /// Whether the target keeps the sequence of a channel without messages
    /// (SQL: `Channels.maxseq`). A file store keeps it only in records.
    fn keeps_empty_sequence(&self) -> bool {
        true
    }

    fn append_message(&mut self, msg: &Message) -> Result<()>;

    /// Add a subscription of the current channel. Returns the id it got in
    /// the target (SQL ids are unique across channels).
    fn add_subscription(&mut self, sub: &Subscription) -> Result<u64>;

    /// End the current channel.
    fn end_channel(&mut self) -> Result<()>;

    /// Make the store visible at its target.
    fn finish(self: Box<Self>) -> Result<()>;
}
