//! The protobuf messages the stores persist (FORMAT.md section 5), as prost
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
    String::from_utf8_lossy(bytes).into_owned()
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
