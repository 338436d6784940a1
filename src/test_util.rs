//! Helpers shared by the library's unit tests.

/// Bytes from hex digits; anything else (spaces, line breaks) is skipped,
/// so test vectors can be laid out as dumps.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A SQLite store made by running `sql` (the directory lives as long as
/// the returned guard) and its path.
pub(crate) fn sqlite_store(sql: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    // Without this each INSERT is a transaction of its own, synced to disk:
    // thousands of rows took the tests tens of seconds.
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    conn.execute_batch(sql).unwrap();
    (dir, path.display().to_string())
}

/// The SQL that stores message `seq` of channel 1 (subject `foo`) as the
/// server does: its `MsgProto` in `data`, the proto's length in `size`.
pub(crate) fn message_row(seq: u64, timestamp: i64, data: &[u8]) -> String {
    use prost::Message as _;
    let m = crate::proto::MsgProto {
        sequence: seq,
        subject: b"foo".to_vec(),
        data: bytes::Bytes::copy_from_slice(data),
        timestamp,
        ..Default::default()
    };
    let b = m.encode_to_vec();
    format!(
        "INSERT INTO Messages VALUES (1, {seq}, {timestamp}, {}, x'{}');",
        b.len(),
        hex::encode(&b)
    )
}

/// A store of channel `c` for the tests of reader wrappers: which of its
/// two message paths works shows which one a wrapper took.
pub(crate) struct StubReader {
    /// What `messages` yields; `None`: it fails.
    pub messages: Option<Vec<crate::model::Message>>,
    /// Whether the borrowed walk works (visiting nothing) or fails.
    pub walk_works: bool,
    pub expired_tail: Option<crate::model::Message>,
}

mod stub_reader {
    use super::StubReader;
    use crate::error::{Result, StoreError};
    use crate::model::{
        ChannelStats, Client, Finding, Limits, LimitsSource, Message, MessageRange, ServerInfo,
        Subscription,
    };
    use crate::store::{Backend, MessageIter, StoreReader, Visit};

    fn not_here(what: &str) -> StoreError {
        StoreError::Invalid(format!("stub store: {what} taken"))
    }

    impl StoreReader for StubReader {
        fn backend(&self) -> Backend {
            Backend::File
        }
        fn server_info(&mut self) -> Result<Option<ServerInfo>> {
            Ok(None)
        }
        fn channel_names(&mut self) -> Result<Vec<String>> {
            Ok(vec!["c".into()])
        }
        fn channel_stats(&mut self, _: &str) -> Result<ChannelStats> {
            Err(not_here("channel_stats"))
        }
        fn channel_limits(&mut self, _: &str) -> Result<(Limits, LimitsSource)> {
            Err(not_here("channel_limits"))
        }
        fn messages<'a>(&'a mut self, _: &str, _: MessageRange) -> Result<MessageIter<'a>> {
            let messages = self.messages.clone().ok_or_else(|| not_here("messages"))?;
            Ok(Box::new(messages.into_iter().map(Ok)))
        }
        fn walk(&mut self, _: &str, _: MessageRange, _: Visit<'_>) -> Result<()> {
            match self.walk_works {
                true => Ok(()),
                false => Err(not_here("the borrowed walk")),
            }
        }
        fn expired_tail(&mut self, _: &str) -> Result<Option<Message>> {
            Ok(self.expired_tail.clone())
        }
        fn clients(&mut self) -> Result<Vec<Client>> {
            Ok(Vec::new())
        }
        fn subscriptions(&mut self, _: &str) -> Result<Vec<Subscription>> {
            Ok(Vec::new())
        }
        fn findings(&self) -> Vec<Finding> {
            Vec::new()
        }
    }
}
