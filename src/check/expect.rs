//! `stanctl check --expect FILE.json`: compare a store with an expected
//! description (a fixture's MANIFEST.json or the output of `stanctl
//! manifest`) and list every difference.
//!
//! Rules, so that a fixture's own MANIFEST.json passes on its intact store:
//!
//! * only fields present on both sides are compared (a v0.9 store does not
//!   record the protocol a client sent; the manifest does);
//! * messages with `in_server_view_at_shutdown: false`, subscriptions with
//!   `expected_in_store_at_shutdown: false` and clients whose
//!   `state_at_shutdown` is not `connected...` are expected absent;
//! * a subscription is compared in its stored form: a durable queue group
//!   is stored as `durable:group` with no durable name, a shadow queue
//!   subscription (its last member's client closed) has no client id, and
//!   an offline durable is closed (FORMAT.md 2.8.4);
//! * a clustered store keeps clients and subscriptions in its Raft log:
//!   they are not compared (noted in `skipped`);
//! * payloads that are still encrypted (no key given) are not compared
//!   (noted in `skipped`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{json, Value};

use super::manifest::sha256_hex;
use crate::crypto::likely_envelope;
use crate::error::Result;
use crate::model::{Message, MessageRange, Subscription};
use crate::store::StoreReader;

/// Contiguous missing/unexpected sequences are reported as one range.
const MAX_LISTED: usize = 1000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// e.g. `channels[orders.eu].messages[12].payload_sha256`.
    pub path: String,
    pub expected: Value,
    pub found: Value,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Compared {
    pub channels: u64,
    pub messages: u64,
    pub subscriptions: u64,
    pub clients: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExpectReport {
    pub file: String,
    pub compared: Compared,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    pub differences: Vec<Difference>,
}

struct Cmp {
    report: ExpectReport,
}

impl Cmp {
    fn diff(&mut self, path: String, expected: Value, found: Value, message: impl Into<String>) {
        if self.report.differences.len() < MAX_LISTED {
            self.report.differences.push(Difference {
                path,
                expected,
                found,
                message: message.into(),
            });
        } else if self.report.differences.len() == MAX_LISTED {
            self.report.differences.push(Difference {
                path: "...".into(),
                expected: Value::Null,
                found: Value::Null,
                message: format!("more than {MAX_LISTED} differences; the rest are not listed"),
            });
        }
    }

    /// Compare `field` of `exp` (if present) with `found`.
    fn field(&mut self, path: &str, exp: &Value, field: &str, found: Value) {
        let Some(want) = exp.get(field) else { return };
        if want.is_null() {
            return;
        }
        if !same(want, &found) {
            self.diff(
                format!("{path}.{field}"),
                want.clone(),
                found.clone(),
                format!("{field}: expected {want}, found {found}"),
            );
        }
    }
}

/// Numbers compare by value (a JSON 5 and 5.0 are the same number).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        _ => a == b,
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn bool_field(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

/// Ranges of consecutive numbers.
fn ranges(seqs: &[u64]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &s in seqs {
        match out.last_mut() {
            Some(last) if last.1.checked_add(1) == Some(s) => last.1 = s,
            _ => out.push((s, s)),
        }
    }
    out
}

fn range_text(r: (u64, u64)) -> String {
    if r.0 == r.1 {
        r.0.to_string()
    } else {
        format!("{}-{}", r.0, r.1)
    }
}

/// Compare `store` with `expected`. `file` is only for the report.
pub fn compare(store: &mut dyn StoreReader, expected: &Value, file: &str) -> Result<ExpectReport> {
    let mut c = Cmp {
        report: ExpectReport {
            file: file.to_string(),
            ..ExpectReport::default()
        },
    };
    // Comparing nothing must not pass: `{}` or a file of other keys is a
    // difference, not an OK.
    const COMPARED_KEYS: [&str; 4] = ["cluster_id", "channels", "subscriptions", "clients"];
    if !COMPARED_KEYS.iter().any(|k| expected.get(k).is_some()) {
        c.diff(
            "(file)".into(),
            json!(COMPARED_KEYS.join(", ")),
            Value::Null,
            format!(
                "{file} describes nothing to compare (none of {})",
                COMPARED_KEYS.join(", ")
            ),
        );
        return Ok(c.report);
    }
    let info = store.server_info()?.unwrap_or_default();
    if let Some(want) = expected.get("cluster_id").and_then(Value::as_str) {
        if want != info.cluster_id {
            c.diff(
                "cluster_id".into(),
                json!(want),
                json!(info.cluster_id),
                format!("cluster id: expected {want:?}, found {:?}", info.cluster_id),
            );
        }
    }
    let names = store.channel_names()?;
    let have: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    if let Some(channels) = expected.get("channels").and_then(Value::as_array) {
        let wanted: BTreeSet<&str> = channels.iter().map(|ch| str_field(ch, "name")).collect();
        for extra in have.difference(&wanted) {
            c.diff(
                format!("channels[{extra}]"),
                Value::Null,
                json!(extra),
                format!("unexpected channel {extra:?} in the store"),
            );
        }
        for ch in channels {
            let name = str_field(ch, "name");
            if !have.contains(name) {
                c.diff(
                    format!("channels[{name}]"),
                    json!(name),
                    Value::Null,
                    format!("channel {name:?} missing from the store"),
                );
                continue;
            }
            c.report.compared.channels += 1;
            compare_channel(&mut c, store, ch, name)?;
        }
    }
    let clustered = info.node_id.is_some();
    if clustered {
        c.report.skipped.push(format!(
            "subscriptions and clients: clustered store (node {}), they live in the Raft log",
            info.node_id.clone().unwrap_or_default()
        ));
    } else {
        if let Some(subs) = expected.get("subscriptions").and_then(Value::as_array) {
            compare_subscriptions(&mut c, store, subs, &names)?;
        }
        if let Some(clients) = expected.get("clients").and_then(Value::as_array) {
            compare_clients(&mut c, store, clients)?;
        }
    }
    Ok(c.report)
}

fn compare_channel(c: &mut Cmp, store: &mut dyn StoreReader, ch: &Value, name: &str) -> Result<()> {
    let path = format!("channels[{name}]");
    let stats = store.channel_stats(name)?;
    c.field(&path, ch, "first_seq", json!(stats.first_seq));
    c.field(&path, ch, "last_seq", json!(stats.last_seq));
    c.field(&path, ch, "msg_count", json!(stats.msgs));
    let messages = ch.get("messages").and_then(Value::as_array);
    let want_total = ch.get("total_payload_bytes").and_then(Value::as_u64);
    if messages.is_none() && want_total.is_none() {
        return Ok(());
    }
    let mut expected: BTreeMap<u64, &Value> = BTreeMap::new();
    if let Some(list) = messages {
        for m in list {
            if bool_field(m, "in_server_view_at_shutdown") == Some(false) {
                continue;
            }
            if let Some(seq) = m.get("seq").and_then(Value::as_u64) {
                expected.insert(seq, m);
            }
        }
    }
    let mut seen: BTreeSet<u64> = BTreeSet::new();
    let mut unexpected: Vec<u64> = Vec::new();
    let mut total = 0u64;
    let mut encrypted_noted = false;
    let mut read_error: Option<String> = None;
    let iter = store.messages(name, MessageRange::default())?;
    let mut found: Vec<Message> = Vec::new();
    for item in iter {
        match item {
            Ok(m) => {
                total += m.data.len() as u64;
                if messages.is_some() {
                    found.push(m);
                    if found.len() >= 256 {
                        for m in found.drain(..) {
                            compare_message(
                                c,
                                &path,
                                &expected,
                                &m,
                                &mut seen,
                                &mut unexpected,
                                &mut encrypted_noted,
                            );
                        }
                    }
                }
            }
            Err(e) => {
                read_error.get_or_insert(e.to_string());
            }
        }
    }
    for m in found.drain(..) {
        compare_message(
            c,
            &path,
            &expected,
            &m,
            &mut seen,
            &mut unexpected,
            &mut encrypted_noted,
        );
    }
    if let Some(e) = read_error {
        c.diff(
            format!("{path}.messages"),
            json!("readable messages"),
            json!(e),
            format!("cannot read every message of {name}: {e}"),
        );
    }
    if messages.is_some() {
        let missing: Vec<u64> = expected
            .keys()
            .copied()
            .filter(|s| !seen.contains(s))
            .collect();
        for r in ranges(&missing) {
            c.diff(
                format!("{path}.messages[{}]", range_text(r)),
                json!(range_text(r)),
                Value::Null,
                format!("message seq {} missing from the store", range_text(r)),
            );
        }
        for r in ranges(&unexpected) {
            c.diff(
                format!("{path}.messages[{}]", range_text(r)),
                Value::Null,
                json!(range_text(r)),
                format!("unexpected message seq {} in the store", range_text(r)),
            );
        }
    }
    if let Some(want) = want_total {
        if !encrypted_noted && want != total {
            c.diff(
                format!("{path}.total_payload_bytes"),
                json!(want),
                json!(total),
                format!("total payload bytes: expected {want}, found {total}"),
            );
        }
    }
    Ok(())
}

fn compare_message(
    c: &mut Cmp,
    path: &str,
    expected: &BTreeMap<u64, &Value>,
    m: &Message,
    seen: &mut BTreeSet<u64>,
    unexpected: &mut Vec<u64>,
    encrypted_noted: &mut bool,
) {
    let Some(want) = expected.get(&m.seq) else {
        unexpected.push(m.seq);
        return;
    };
    seen.insert(m.seq);
    c.report.compared.messages += 1;
    let mpath = format!("{path}.messages[{}]", m.seq);
    c.field(&mpath, want, "timestamp_ns", json!(m.timestamp));
    c.field(&mpath, want, "subject", json!(m.subject));
    // The fixtures list `reply` only when there is one.
    let want_reply = str_field(want, "reply");
    if want_reply != m.reply {
        c.diff(
            format!("{mpath}.reply"),
            json!(want_reply),
            json!(m.reply),
            format!("reply: expected {want_reply:?}, found {:?}", m.reply),
        );
    }
    let len_differs = want
        .get("payload_len")
        .and_then(Value::as_u64)
        .is_some_and(|l| l != m.data.len() as u64);
    let hash = sha256_hex(&m.data);
    let hash_differs = want
        .get("payload_sha256")
        .and_then(Value::as_str)
        .is_some_and(|h| !h.eq_ignore_ascii_case(&hash));
    if (len_differs || hash_differs) && likely_envelope(&m.data).is_some() {
        if !*encrypted_noted {
            *encrypted_noted = true;
            c.report.skipped.push(format!(
                "{path}: payloads are encrypted; give the key (--encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY) to compare them"
            ));
        }
        return;
    }
    c.field(&mpath, want, "payload_len", json!(m.data.len()));
    if hash_differs {
        c.field(&mpath, want, "payload_sha256", json!(hash));
    }
}

/// The stored form of an expected subscription (see the module doc).
struct StoredSub {
    client_id: String,
    durable_name: String,
    queue_group: String,
    is_durable: bool,
    is_closed: bool,
}

fn stored_form(s: &Value) -> StoredSub {
    let state = str_field(s, "state_at_shutdown");
    let durable = bool_field(s, "is_durable").unwrap_or(false);
    let queue_group = s
        .get("queue_group_as_stored_by_server")
        .and_then(Value::as_str)
        .filter(|g| !g.is_empty())
        .or_else(|| s.get("queue_group").and_then(Value::as_str))
        .unwrap_or("")
        .to_string();
    let queue = bool_field(s, "is_queue").unwrap_or(!queue_group.is_empty());
    let shadow = durable && queue && state == "client_closed";
    StoredSub {
        client_id: if shadow {
            String::new()
        } else {
            str_field(s, "client_id").to_string()
        },
        durable_name: if queue && durable {
            String::new()
        } else {
            str_field(s, "durable_name").to_string()
        },
        queue_group,
        is_durable: durable,
        is_closed: durable && !queue && (state == "sub_closed" || state == "client_closed"),
    }
}

fn compare_subscriptions(
    c: &mut Cmp,
    store: &mut dyn StoreReader,
    subs: &[Value],
    channels: &[String],
) -> Result<()> {
    let mut actual: BTreeMap<(String, String), Subscription> = BTreeMap::new();
    for ch in channels {
        for s in store.subscriptions(ch)? {
            actual.insert((ch.clone(), s.inbox.clone()), s);
        }
    }
    let mut matched: BTreeSet<(String, String)> = BTreeSet::new();
    for s in subs {
        if bool_field(s, "expected_in_store_at_shutdown") == Some(false) {
            continue;
        }
        let key = (
            str_field(s, "subject").to_string(),
            str_field(s, "inbox").to_string(),
        );
        let path = format!("subscriptions[{}/{}]", key.0, key.1);
        let Some(got) = actual.get(&key) else {
            c.diff(
                path,
                json!(str_field(s, "name").to_string()),
                Value::Null,
                format!(
                    "subscription on {} with inbox {} missing from the store",
                    key.0, key.1
                ),
            );
            continue;
        };
        matched.insert(key.clone());
        c.report.compared.subscriptions += 1;
        let want = stored_form(s);
        let pairs: [(&str, Value, Value); 5] = [
            ("client_id", json!(want.client_id), json!(got.client_id)),
            (
                "durable_name",
                json!(want.durable_name),
                json!(got.durable_name),
            ),
            (
                "queue_group",
                json!(want.queue_group),
                json!(got.queue_group),
            ),
            ("is_durable", json!(want.is_durable), json!(got.is_durable)),
            ("is_closed", json!(want.is_closed), json!(got.is_closed)),
        ];
        for (field, w, f) in pairs {
            if w != f {
                c.diff(
                    format!("{path}.{field}"),
                    w.clone(),
                    f.clone(),
                    format!("{field} (as stored): expected {w}, found {f}"),
                );
            }
        }
        c.field(&path, s, "ack_inbox", json!(got.ack_inbox));
        c.field(&path, s, "max_inflight", json!(got.max_in_flight));
        c.field(&path, s, "ack_wait_sec", json!(got.ack_wait_s));
        c.field(&path, s, "last_received_seq", json!(got.last_sent));
        c.field(
            &path,
            s,
            "pending_unacked_seqs_at_shutdown",
            json!(got.pending),
        );
    }
    for (key, got) in &actual {
        if !matched.contains(key) {
            c.diff(
                format!("subscriptions[{}/{}]", key.0, key.1),
                Value::Null,
                json!(format!(
                    "subscription {} of client {:?}",
                    got.id, got.client_id
                )),
                format!(
                    "unexpected subscription on {} with inbox {} in the store",
                    key.0, key.1
                ),
            );
        }
    }
    Ok(())
}

fn compare_clients(c: &mut Cmp, store: &mut dyn StoreReader, clients: &[Value]) -> Result<()> {
    let actual: BTreeMap<String, crate::model::Client> = store
        .clients()?
        .into_iter()
        .map(|cl| (cl.id.clone(), cl))
        .collect();
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for w in clients {
        let state = w
            .get("state_at_shutdown")
            .and_then(Value::as_str)
            .unwrap_or("connected");
        if !state.starts_with("connected") {
            continue;
        }
        let id = str_field(w, "id").to_string();
        let path = format!("clients[{id}]");
        wanted.insert(id.clone());
        let Some(got) = actual.get(&id) else {
            c.diff(
                path,
                json!(id),
                Value::Null,
                format!("client {id:?} missing from the store"),
            );
            continue;
        };
        c.report.compared.clients += 1;
        c.field(&path, w, "hb_inbox", json!(got.hb_inbox));
        // Fields older servers did not record are compared only when the
        // store has them.
        if let Some(conn) = &got.conn_id {
            c.field(&path, w, "conn_id_hex", json!(hex::encode(conn)));
            c.field(
                &path,
                w,
                "conn_id_ascii",
                json!(String::from_utf8_lossy(conn)),
            );
        }
        if let Some(p) = got.protocol {
            c.field(&path, w, "protocol_sent", json!(p));
        }
        if let Some(p) = got.ping_interval {
            c.field(&path, w, "ping_interval_sent", json!(p));
        }
        if let Some(p) = got.ping_max_out {
            c.field(&path, w, "ping_max_out_sent", json!(p));
        }
    }
    for id in actual.keys() {
        if !wanted.contains(id) {
            c.diff(
                format!("clients[{id}]"),
                Value::Null,
                json!(id),
                format!("unexpected client {id:?} in the store"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_coalesce() {
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), vec![(1, 3), (5, 5), (7, 8)]);
        assert_eq!(range_text((4, 4)), "4");
    }

    #[test]
    fn stored_form_of_fixture_subscriptions() {
        let shadow = json!({"client_id": "auditor", "durable_name": "audq", "queue_group": "aud-group",
            "queue_group_as_stored_by_server": "audq:aud-group", "is_durable": true, "is_queue": true,
            "state_at_shutdown": "client_closed"});
        let s = stored_form(&shadow);
        assert_eq!(s.client_id, "");
        assert_eq!(s.durable_name, "");
        assert_eq!(s.queue_group, "audq:aud-group");
        assert!(!s.is_closed);
        let offline = json!({"client_id": "auditor", "durable_name": "audit-dur", "is_durable": true,
            "is_queue": false, "state_at_shutdown": "client_closed"});
        let s = stored_form(&offline);
        assert_eq!(s.client_id, "auditor");
        assert!(s.is_closed);
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&json!(5), &json!(5u64)));
        assert!(!same(&json!(5), &json!(6)));
        assert!(same(&json!("a"), &json!("a")));
    }
}
