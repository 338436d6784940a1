//! A reader that decrypts message payloads on the way out, over any
//! backend: the envelope and the per-channel key are the same for the file
//! and the SQL store (docs/FORMAT.md 3.3).

use std::collections::HashMap;

use bytes::Bytes;

use crate::crypto::{decrypt_payload, ChannelKey, MasterKey};
use crate::error::StoreError;
use crate::store::{MessageMap, ReaderLayer, StoreReader};

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

impl ReaderLayer for DecryptingReader {
    fn inner(&self) -> &dyn StoreReader {
        self.inner.as_ref()
    }

    fn inner_mut(&mut self) -> &mut dyn StoreReader {
        self.inner.as_mut()
    }

    fn message_map(&mut self, channel: &str) -> Option<MessageMap> {
        let key = self
            .keys
            .entry(channel.to_string())
            .or_insert_with(|| self.master.channel_key(channel))
            .clone();
        let name = channel.to_string();
        Some(Box::new(move |mut msg| {
            let plain = decrypt_payload(&key, &msg.data).map_err(|e| StoreError::Decrypt {
                channel: name.clone(),
                seq: msg.seq,
                message: e.to_string(),
            })?;
            msg.data = Bytes::from(plain);
            Ok(msg)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{encrypt_payload, Cipher, NonceSequence};
    use crate::error::Result;
    use crate::model::{Message, MessageRange};
    use crate::store::Visit;
    use crate::test_util::StubReader;

    const USER_KEY: &[u8] = b"secret";

    fn sealed(seq: u64) -> Message {
        let key = MasterKey::from_user_key(USER_KEY).channel_key("c");
        let mut nonces = NonceSequence::new([1, 2, 3, 4], 0);
        let data = encrypt_payload(&key, Cipher::ChaCha, &mut nonces, b"plain");
        Message {
            seq,
            data: Bytes::from(data.unwrap_or_default()),
            ..Message::default()
        }
    }

    #[test]
    fn messages_walk_and_expired_tail_are_all_decrypted() -> Result<()> {
        // An encrypted store whose borrowed walk fails: a decrypting layer
        // must walk the decrypted messages, never the stored bytes.
        let sealed_store = StubReader {
            messages: Some(vec![sealed(1)]),
            walk_works: false,
            expired_tail: Some(sealed(7)),
        };
        let mut reader = DecryptingReader::new(Box::new(sealed_store), USER_KEY);
        let read: Vec<Message> = reader
            .messages("c", MessageRange::default())?
            .collect::<Result<_>>()?;
        assert_eq!(read.len(), 1);
        assert_eq!(&read[0].data[..], b"plain");

        let mut walked = Vec::new();
        reader.walk(
            "c",
            MessageRange::default(),
            Visit::Payloads(&mut |data| {
                walked.push(data.map(<[u8]>::to_vec).map_err(std::io::Error::other)?);
                Ok(())
            }),
        )?;
        assert_eq!(walked, vec![b"plain".to_vec()]);

        let tail = reader.expired_tail("c")?.map(|m| (m.seq, m.data));
        assert_eq!(tail, Some((7, Bytes::from_static(b"plain"))));
        Ok(())
    }
}
