//! The protobuf messages the stores persist (docs/FORMAT.md section 5), as prost
//! types written by hand so no `protoc` is needed at build time.
//!
//! String fields are declared as `bytes`: the Go server never validates
//! UTF-8, so neither may we when decoding; the wire format is identical.

use bytes::Bytes;

/// `pb.MsgProto` (stan.go `pb/protocol.proto`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MsgProto {
    #[prost(uint64, tag = "1")]
    pub sequence: u64,
    #[prost(bytes = "vec", tag = "2")]
    pub subject: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub reply: Vec<u8>,
    #[prost(bytes = "bytes", tag = "4")]
    pub data: Bytes,
    #[prost(int64, tag = "5")]
    pub timestamp: i64,
    #[prost(bool, tag = "6")]
    pub redelivered: bool,
    #[prost(uint32, tag = "7")]
    pub redelivery_count: u32,
    #[prost(uint32, tag = "10")]
    pub crc32: u32,
}

/// `spb.ServerInfo`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ServerInfo {
    #[prost(bytes = "vec", tag = "1")]
    pub cluster_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub discovery: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub publish: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub subscribe: Vec<u8>,
    #[prost(bytes = "vec", tag = "5")]
    pub unsubscribe: Vec<u8>,
    #[prost(bytes = "vec", tag = "6")]
    pub close: Vec<u8>,
    #[prost(bytes = "vec", tag = "7")]
    pub sub_close: Vec<u8>,
    #[prost(bytes = "vec", tag = "8")]
    pub acks_subs: Vec<u8>,
    #[prost(bytes = "vec", tag = "9")]
    pub node_id: Vec<u8>,
}

/// `spb.ClientInfo` (fields 3-6 since v0.10.0).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ClientInfo {
    #[prost(bytes = "vec", tag = "1")]
    pub id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub hb_inbox: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub conn_id: Vec<u8>,
    #[prost(int32, tag = "4")]
    pub protocol: i32,
    #[prost(int32, tag = "5")]
    pub ping_interval: i32,
    #[prost(int32, tag = "6")]
    pub ping_max_out: i32,
}

/// `spb.ClientDelete`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ClientDelete {
    #[prost(bytes = "vec", tag = "1")]
    pub id: Vec<u8>,
}

/// `spb.SubState`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubState {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(bytes = "vec", tag = "2")]
    pub client_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub q_group: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub inbox: Vec<u8>,
    #[prost(bytes = "vec", tag = "5")]
    pub ack_inbox: Vec<u8>,
    #[prost(int32, tag = "6")]
    pub max_in_flight: i32,
    #[prost(int32, tag = "7")]
    pub ack_wait_in_secs: i32,
    #[prost(bytes = "vec", tag = "8")]
    pub durable_name: Vec<u8>,
    #[prost(uint64, tag = "9")]
    pub last_sent: u64,
    #[prost(bool, tag = "10")]
    pub is_durable: bool,
    #[prost(bool, tag = "11")]
    pub is_closed: bool,
}

/// `spb.SubStateDelete`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubStateDelete {
    #[prost(uint64, tag = "1")]
    pub id: u64,
}

/// `spb.SubStateUpdate` (ack and message-sent records).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubStateUpdate {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub seqno: u64,
}

/// Lossy text for a string field: the server stores raw bytes.
pub fn text(bytes: &[u8]) -> String {
    text_ref(bytes).into_owned()
}

/// [`text`] borrowed when the bytes are valid UTF-8. `str::from_utf8`
/// checks ASCII a word at a time; `from_utf8_lossy` walks byte by byte,
/// which was 3.5% of an export's instructions for its subjects alone.
pub fn text_ref(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(valid) => std::borrow::Cow::Borrowed(valid),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// [`text`] taking ownership: no copy when the bytes are valid UTF-8.
pub fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl From<ServerInfo> for crate::model::ServerInfo {
    fn from(p: ServerInfo) -> Self {
        crate::model::ServerInfo {
            cluster_id: text(&p.cluster_id),
            node_id: (!p.node_id.is_empty()).then(|| text(&p.node_id)),
            discovery: text(&p.discovery),
            publish: text(&p.publish),
            subscribe: text(&p.subscribe),
            unsubscribe: text(&p.unsubscribe),
            close: text(&p.close),
            sub_close: text(&p.sub_close),
            acks_subs: text(&p.acks_subs),
        }
    }
}

/// The record the server writes for a [`crate::model::ServerInfo`].
impl From<&crate::model::ServerInfo> for ServerInfo {
    fn from(info: &crate::model::ServerInfo) -> Self {
        ServerInfo {
            cluster_id: info.cluster_id.clone().into_bytes(),
            discovery: info.discovery.clone().into_bytes(),
            publish: info.publish.clone().into_bytes(),
            subscribe: info.subscribe.clone().into_bytes(),
            unsubscribe: info.unsubscribe.clone().into_bytes(),
            close: info.close.clone().into_bytes(),
            sub_close: info.sub_close.clone().into_bytes(),
            acks_subs: info.acks_subs.clone().into_bytes(),
            node_id: info.node_id.clone().unwrap_or_default().into_bytes(),
        }
    }
}

/// The record the server stores for a [`crate::model::Message`]; `data`
/// is kept as it is (it may be an encryption envelope, docs/FORMAT.md 3.3).
impl From<&crate::model::Message> for MsgProto {
    fn from(msg: &crate::model::Message) -> Self {
        MsgProto {
            sequence: msg.seq,
            subject: msg.subject.clone().into_bytes(),
            reply: msg.reply.clone().into_bytes(),
            data: msg.data.clone(),
            timestamp: msg.timestamp,
            ..Default::default()
        }
    }
}

impl From<ClientInfo> for crate::model::Client {
    fn from(p: ClientInfo) -> Self {
        // Servers before v0.10.0 wrote only ID and HbInbox; a v0.10.0+
        // server always sets the protocol, so zeros there mean "not recorded".
        let recorded = p.protocol != 0 || !p.conn_id.is_empty();
        crate::model::Client {
            id: text(&p.id),
            hb_inbox: text(&p.hb_inbox),
            conn_id: recorded.then_some(p.conn_id),
            protocol: recorded.then_some(p.protocol),
            ping_interval: recorded.then_some(p.ping_interval),
            ping_max_out: recorded.then_some(p.ping_max_out),
        }
    }
}

impl crate::model::Subscription {
    pub fn from_state(channel: &str, s: &SubState) -> Self {
        crate::model::Subscription {
            channel: channel.to_string(),
            id: s.id,
            client_id: text(&s.client_id),
            inbox: text(&s.inbox),
            ack_inbox: text(&s.ack_inbox),
            durable_name: text(&s.durable_name),
            queue_group: text(&s.q_group),
            max_in_flight: s.max_in_flight,
            ack_wait_s: s.ack_wait_in_secs,
            last_sent: s.last_sent,
            pending: Vec::new(),
            // Records before v0.3.0 lack IsDurable; the server infers it.
            is_durable: s.is_durable || !s.durable_name.is_empty(),
            is_closed: s.is_closed,
        }
    }
}

impl From<&crate::model::Client> for ClientInfo {
    fn from(c: &crate::model::Client) -> Self {
        ClientInfo {
            id: c.id.clone().into_bytes(),
            hb_inbox: c.hb_inbox.clone().into_bytes(),
            conn_id: c.conn_id.clone().unwrap_or_default(),
            protocol: c.protocol.unwrap_or(0),
            ping_interval: c.ping_interval.unwrap_or(0),
            ping_max_out: c.ping_max_out.unwrap_or(0),
        }
    }
}

impl From<&crate::model::Subscription> for SubState {
    fn from(s: &crate::model::Subscription) -> Self {
        SubState {
            id: s.id,
            client_id: s.client_id.clone().into_bytes(),
            q_group: s.queue_group.clone().into_bytes(),
            inbox: s.inbox.clone().into_bytes(),
            ack_inbox: s.ack_inbox.clone().into_bytes(),
            max_in_flight: s.max_in_flight,
            ack_wait_in_secs: s.ack_wait_s,
            durable_name: s.durable_name.clone().into_bytes(),
            last_sent: s.last_sent,
            is_durable: s.is_durable,
            is_closed: s.is_closed,
        }
    }
}

/// A `MsgProto` read in place, borrowing its byte fields from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsgView<'a> {
    pub sequence: u64,
    pub subject: &'a [u8],
    pub reply: &'a [u8],
    pub data: &'a [u8],
    pub timestamp: i64,
    pub redelivered: bool,
    pub redelivery_count: u32,
    pub crc32: u32,
}

impl<'a> MsgView<'a> {
    /// Read `buf` in place when it is exactly what prost (and the Go
    /// server) would encode: fields in tag order, each at most once,
    /// defaults omitted, minimal varints. `None` for anything else, which
    /// [`MsgProto::decode`] then judges: so this never changes what a
    /// record means, it only skips the copies for the common case.
    pub fn canonical(buf: &'a [u8]) -> Option<MsgView<'a>> {
        let mut view = MsgView {
            sequence: 0,
            subject: &[],
            reply: &[],
            data: &[],
            timestamp: 0,
            redelivered: false,
            redelivery_count: 0,
            crc32: 0,
        };
        let mut at = 0usize;
        let mut last_tag = 0u8;
        while at < buf.len() {
            // Every MsgProto key fits in one byte.
            let key = buf[at];
            at += 1;
            let tag = key >> 3;
            if tag <= last_tag {
                return None;
            }
            last_tag = tag;
            match key {
                0x08 | 0x28 | 0x30 | 0x38 | 0x50 => {
                    let value = minimal_varint(buf, &mut at)?;
                    match key {
                        0x08 => view.sequence = value,
                        0x28 => view.timestamp = value as i64,
                        0x30 if value == 1 => view.redelivered = true,
                        0x38 => view.redelivery_count = u32::try_from(value).ok()?,
                        0x50 => view.crc32 = u32::try_from(value).ok()?,
                        _ => return None,
                    }
                }
                0x12 | 0x1a | 0x22 => {
                    let len = usize::try_from(minimal_varint(buf, &mut at)?).ok()?;
                    let end = at.checked_add(len).filter(|&e| e <= buf.len())?;
                    let field = &buf[at..end];
                    at = end;
                    match key {
                        0x12 => view.subject = field,
                        0x1a => view.reply = field,
                        _ => view.data = field,
                    }
                }
                _ => return None,
            }
        }
        Some(view)
    }
}

/// A non-zero varint in its shortest encoding (a zero is a default value,
/// which a canonical encoding omits).
fn minimal_varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for (i, &byte) in buf.get(*at..)?.iter().take(10).enumerate() {
        if i == 9 && byte > 1 {
            return None;
        }
        value |= u64::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            // A last byte of zero means a longer encoding than needed
            // (or, alone, the value zero).
            if byte == 0 {
                return None;
            }
            *at += i + 1;
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod msg_view_tests {
    use super::*;
    use prost::Message as _;

    use crate::generate::Rng;

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn bytes(&mut self, max: u64) -> Vec<u8> {
            let n = self.below(max + 1);
            (0..n).map(|_| self.next() as u8).collect()
        }
        /// Zero half the time, small or huge otherwise.
        fn number(&mut self) -> u64 {
            match self.below(4) {
                0 | 1 => 0,
                2 => self.below(300),
                _ => self.next(),
            }
        }
    }

    fn random_msg(rng: &mut Rng) -> MsgProto {
        MsgProto {
            sequence: rng.number(),
            subject: rng.bytes(20),
            reply: if rng.below(2) == 0 {
                Vec::new()
            } else {
                rng.bytes(20)
            },
            data: rng.bytes(300).into(),
            timestamp: rng.number() as i64,
            redelivered: rng.below(2) == 0,
            redelivery_count: rng.number() as u32,
            crc32: rng.number() as u32,
        }
    }

    fn same(view: &MsgView, msg: &MsgProto) -> bool {
        view.sequence == msg.sequence
            && view.subject == msg.subject.as_slice()
            && view.reply == msg.reply.as_slice()
            && view.data == msg.data.as_ref()
            && view.timestamp == msg.timestamp
            && view.redelivered == msg.redelivered
            && view.redelivery_count == msg.redelivery_count
            && view.crc32 == msg.crc32
    }

    #[test]
    fn reads_every_prost_encoding_in_place() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let msg = random_msg(&mut rng);
            let bytes = msg.encode_to_vec();
            let view = MsgView::canonical(&bytes).expect("a prost encoding is canonical");
            assert!(same(&view, &msg), "{msg:?} read as {view:?}");
        }
    }

    /// Whatever the bytes, a view is given only for what prost decodes to
    /// the same fields and re-encodes to the same bytes.
    #[test]
    fn accepts_nothing_prost_would_read_differently() {
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        let (mut accepted, mut refused) = (0, 0);
        for round in 0..200_000 {
            let mut bytes = random_msg(&mut rng).encode_to_vec();
            match round % 4 {
                // Flip one to three bits.
                0 | 1 if !bytes.is_empty() => {
                    for _ in 0..=rng.below(3) {
                        let i = rng.below(bytes.len() as u64) as usize;
                        bytes[i] ^= 1 << rng.below(8);
                    }
                }
                // Cut or extend.
                2 => {
                    let cut = rng.below(bytes.len() as u64 + 1) as usize;
                    bytes.truncate(cut);
                    bytes.extend(rng.bytes(3));
                }
                // Pure noise, often starting with a plausible key.
                _ => {
                    bytes = rng.bytes(12);
                    if let Some(first) = bytes.first_mut() {
                        *first = [0x08, 0x12, 0x22, 0x28, 0x30, 0x50][rng.below(6) as usize];
                    }
                }
            }
            match MsgView::canonical(&bytes) {
                Some(view) => {
                    accepted += 1;
                    let msg = MsgProto::decode(bytes.as_slice()).expect("prost decodes it");
                    assert!(same(&view, &msg), "{bytes:02x?}: {view:?} vs {msg:?}");
                    assert_eq!(msg.encode_to_vec(), bytes, "not canonical: {bytes:02x?}");
                }
                None => {
                    refused += 1;
                    if let Ok(msg) = MsgProto::decode(bytes.as_slice()) {
                        assert_ne!(
                            msg.encode_to_vec(),
                            bytes,
                            "canonical but refused: {bytes:02x?}"
                        );
                    }
                }
            }
        }
        // The mutations must exercise both sides.
        assert!(
            accepted > 10_000 && refused > 10_000,
            "{accepted} / {refused}"
        );
    }
}
