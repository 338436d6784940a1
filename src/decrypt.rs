//! A reader that decrypts message payloads on the way out, over any
//! backend: the envelope and the per-channel key are the same for the file
//! and the SQL store (docs/FORMAT.md 3.3).

use std::collections::HashMap;

use bytes::Bytes;

use crate::crypto::{decrypt_payload, ChannelKey, MasterKey};
use crate::error::{Result, StoreError};
use crate::model::{
    ChannelStats, Client, ClusterInfo, Finding, Limits, LimitsSource, MessageRange, ServerInfo,
    Subscription,
};
use crate::store::{MessageIter, StoreReader};

pub struct DecryptingReader {
    inner: Box<dyn StoreReader>,
    master: MasterKey,
    keys: HashMap<String, ChannelKey>,
}

impl DecryptingReader {
    pub fn new(inner: Box<dyn StoreReader>, user_key: &[u8]) -> Self {
        DecryptingReader {
            inner,
            master: MasterKey::from_user_key(user_key),
            keys: HashMap::new(),
        }
    }
}

impl StoreReader for DecryptingReader {
    fn backend(&self) -> crate::store::Backend {
        self.inner.backend()
    }

    fn server_info(&mut self) -> Result<Option<ServerInfo>> {
        self.inner.server_info()
    }

    fn channel_names(&mut self) -> Result<Vec<String>> {
        self.inner.channel_names()
    }

    fn channel_stats(&mut self, channel: &str) -> Result<ChannelStats> {
        self.inner.channel_stats(channel)
    }

    fn channel_limits(&mut self, channel: &str) -> Result<(Limits, LimitsSource)> {
        self.inner.channel_limits(channel)
    }

    fn messages<'a>(&'a mut self, channel: &str, range: MessageRange) -> Result<MessageIter<'a>> {
        let key = self
            .keys
            .entry(channel.to_string())
            .or_insert_with(|| self.master.channel_key(channel))
            .clone();
        let name = channel.to_string();
        let inner = self.inner.messages(channel, range)?;
        Ok(Box::new(inner.map(move |item| {
            let mut msg = item?;
            let plain = decrypt_payload(&key, &msg.data).map_err(|e| StoreError::Decrypt {
                channel: name.clone(),
                seq: msg.seq,
                message: e.to_string(),
            })?;
            msg.data = Bytes::from(plain);
            Ok(msg)
        })))
    }

    fn clients(&mut self) -> Result<Vec<Client>> {
        self.inner.clients()
    }

    fn subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>> {
        self.inner.subscriptions(channel)
    }

    fn findings(&self) -> Vec<Finding> {
        self.inner.findings()
    }

    fn cluster(&self) -> Option<ClusterInfo> {
        self.inner.cluster()
    }

    fn membership_unknown(&self) -> Option<String> {
        self.inner.membership_unknown()
    }
}
