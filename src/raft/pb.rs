//! Protobuf messages of the Raft log and snapshots (docs/FORMAT.md 7.5, 7.6.2):
//! `spb.RaftOperation`, `spb.RaftSnapshot` and the client protocol
//! requests they carry, as hand-written prost types. String fields are
//! `bytes` because the Go server never validates UTF-8.

use crate::proto::{ClientInfo, MsgProto, SubState};

/// `RaftOperation.Type`.
pub mod op_type {
    pub const PUBLISH: i32 = 0;
    pub const SUBSCRIBE: i32 = 1;
    pub const REMOVE_SUBSCRIPTION: i32 = 2;
    pub const CLOSE_SUBSCRIPTION: i32 = 3;
    pub const SEND_AND_ACK: i32 = 4;
    pub const CONNECT: i32 = 6;
    pub const DISCONNECT: i32 = 7;
    pub const DELETE_CHANNEL: i32 = 8;

    /// Name of an operation type, as in `spb/protocol.proto`.
    pub fn name(t: i32) -> &'static str {
        match t {
            PUBLISH => "Publish",
            SUBSCRIBE => "Subscribe",
            REMOVE_SUBSCRIPTION => "RemoveSubscription",
            CLOSE_SUBSCRIPTION => "CloseSubscription",
            SEND_AND_ACK => "SendAndAck",
            CONNECT => "Connect",
            DISCONNECT => "Disconnect",
            DELETE_CHANNEL => "DeleteChannel",
            _ => "unknown",
        }
    }
}

/// `pb.StartPosition`.
pub mod start_position {
    pub const NEW_ONLY: i32 = 0;
    pub const LAST_RECEIVED: i32 = 1;
    pub const TIME_DELTA_START: i32 = 2;
    pub const SEQUENCE_START: i32 = 3;
    pub const FIRST: i32 = 4;
}

/// `spb.RaftOperation`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftOperation {
    #[prost(int32, tag = "1")]
    pub op_type: i32,
    #[prost(message, optional, tag = "2")]
    pub publish_batch: Option<Batch>,
    #[prost(message, optional, tag = "3")]
    pub sub: Option<AddSubscription>,
    #[prost(message, optional, tag = "4")]
    pub unsub: Option<UnsubscribeRequest>,
    #[prost(message, optional, tag = "5")]
    pub sub_sent_ack: Option<SubSentAndAck>,
    #[prost(message, optional, tag = "7")]
    pub client_connect: Option<AddClient>,
    #[prost(message, optional, tag = "8")]
    pub client_disconnect: Option<CloseRequest>,
    #[prost(bytes = "vec", tag = "9")]
    pub channel: Vec<u8>,
    #[prost(uint64, tag = "10")]
    pub channel_id: u64,
}

/// `spb.Batch`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Batch {
    #[prost(message, repeated, tag = "1")]
    pub messages: Vec<MsgProto>,
}

/// `spb.AddSubscription`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AddSubscription {
    #[prost(message, optional, tag = "1")]
    pub request: Option<SubscriptionRequest>,
    #[prost(bytes = "vec", tag = "2")]
    pub ack_inbox: Vec<u8>,
    #[prost(uint64, tag = "3")]
    pub id: u64,
}

/// `spb.SubSentAndAck` (prost accepts packed and unpacked repeated fields).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubSentAndAck {
    #[prost(bytes = "vec", tag = "1")]
    pub channel: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub ack_inbox: Vec<u8>,
    #[prost(uint64, repeated, tag = "3")]
    pub sent: Vec<u64>,
    #[prost(uint64, repeated, tag = "4")]
    pub ack: Vec<u64>,
}

/// `spb.AddClient`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AddClient {
    #[prost(message, optional, tag = "1")]
    pub request: Option<ConnectRequest>,
    #[prost(bool, tag = "2")]
    pub refresh: bool,
}

/// `pb.ConnectRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConnectRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub client_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub heartbeat_inbox: Vec<u8>,
    #[prost(int32, tag = "3")]
    pub protocol: i32,
    #[prost(bytes = "vec", tag = "4")]
    pub conn_id: Vec<u8>,
    #[prost(int32, tag = "5")]
    pub ping_interval: i32,
    #[prost(int32, tag = "6")]
    pub ping_max_out: i32,
}

/// `pb.SubscriptionRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubscriptionRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub client_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub subject: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub q_group: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub inbox: Vec<u8>,
    #[prost(int32, tag = "5")]
    pub max_in_flight: i32,
    #[prost(int32, tag = "6")]
    pub ack_wait_in_secs: i32,
    #[prost(bytes = "vec", tag = "7")]
    pub durable_name: Vec<u8>,
    #[prost(int32, tag = "10")]
    pub start_position: i32,
    #[prost(uint64, tag = "11")]
    pub start_sequence: u64,
    #[prost(int64, tag = "12")]
    pub start_time_delta: i64,
}

/// `pb.UnsubscribeRequest` (`inbox` carries the subscription's ack inbox).
#[derive(Clone, PartialEq, prost::Message)]
pub struct UnsubscribeRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub client_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub subject: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub inbox: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub durable_name: Vec<u8>,
}

/// `pb.CloseRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CloseRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub client_id: Vec<u8>,
}

/// `spb.RaftSnapshot` (the payload of `state.bin`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftSnapshot {
    #[prost(message, repeated, tag = "1")]
    pub clients: Vec<ClientInfo>,
    #[prost(message, repeated, tag = "2")]
    pub channels: Vec<ChannelSnapshot>,
    #[prost(bytes = "vec", tag = "3")]
    pub padding: Vec<u8>,
}

/// `spb.ChannelSnapshot`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ChannelSnapshot {
    #[prost(bytes = "vec", tag = "1")]
    pub channel: Vec<u8>,
    #[prost(uint64, tag = "2")]
    pub first: u64,
    #[prost(uint64, tag = "3")]
    pub last: u64,
    #[prost(message, repeated, tag = "4")]
    pub subscriptions: Vec<SubscriptionSnapshot>,
    #[prost(uint64, tag = "5")]
    pub next_sub_id: u64,
    #[prost(uint64, tag = "6")]
    pub channel_id: u64,
}

/// `spb.SubscriptionSnapshot`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubscriptionSnapshot {
    #[prost(message, optional, tag = "1")]
    pub state: Option<SubState>,
    #[prost(uint64, repeated, tag = "2")]
    pub acks_pending: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;
    use prost::Message;

    /// docs/FORMAT.md 7.10: the decrypted Publish of index 5.
    #[test]
    fn publish_test_vector() {
        let op = RaftOperation::decode(
            &hex("121e0a1c0801120463682e612208782d63682e612d3028d3c7a794d9f3c9f5185004")[..],
        )
        .unwrap();
        assert_eq!(op.op_type, op_type::PUBLISH);
        assert_eq!(op.channel_id, 4);
        let batch = op.publish_batch.unwrap();
        assert_eq!(batch.messages.len(), 1);
        let m = &batch.messages[0];
        assert_eq!(m.sequence, 1);
        assert_eq!(m.subject, b"ch.a");
        assert_eq!(&m.data[..], b"x-ch.a-0");
        assert_eq!(m.timestamp, 1795572434159133651);
    }

    /// docs/FORMAT.md 7.10: `Disconnect` of client `w2`.
    #[test]
    fn disconnect_test_vector() {
        let op = RaftOperation::decode(&hex("080742040a027732")[..]).unwrap();
        assert_eq!(op.op_type, op_type::DISCONNECT);
        assert_eq!(op.client_disconnect.unwrap().client_id, b"w2");
    }

    #[test]
    fn sent_and_ack_packed_and_unpacked() {
        // Packed: 1a 02 05 06 ; unpacked: 20 07 20 08.
        let ssa = SubSentAndAck::decode(&hex("0a01631a02050620072008")[..]).unwrap();
        assert_eq!(ssa.sent, vec![5, 6]);
        assert_eq!(ssa.ack, vec![7, 8]);
    }
}
