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
//!   an offline durable is closed (docs/FORMAT.md 2.8.4);
//! * a clustered store keeps clients and subscriptions in its Raft log:
//!   they are not compared (noted in `skipped`);
//! * payloads that are still encrypted (no key given) are not compared
//!   (noted in `skipped`).
//!
//! The file is read twice, as a stream, so that memory stays flat however
//! many messages it lists: once for everything but the message lists (the
//! outline), then again while each channel's list is compared with the
//! store's messages, both in sequence order. A list not in ascending
//! sequence order is gathered in memory for its channel.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize as _, Serialize};
use serde_json::{json, Map, Value};

use super::manifest::sha256_hex;
use crate::crypto::likely_envelope;
use crate::error::{Result, StoreError};
use crate::model::{Message, MessageRange, Subscription};
use crate::store::MessageIter;
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

/// Ranges of consecutive numbers, in the order pushed; no more are kept
/// than a report can list.
#[derive(Debug, Default, PartialEq)]
struct Ranges(Vec<(u64, u64)>);

impl Ranges {
    fn push(&mut self, s: u64) {
        let full = self.0.len() > MAX_LISTED;
        match self.0.last_mut() {
            Some(last) if last.1.checked_add(1) == Some(s) => last.1 = s,
            _ if full => {}
            _ => self.0.push((s, s)),
        }
    }
}

fn range_text(r: (u64, u64)) -> String {
    if r.0 == r.1 {
        r.0.to_string()
    } else {
        format!("{}-{}", r.0, r.1)
    }
}

/// An expected description (a fixture's MANIFEST.json or a `stanctl
/// manifest`), read as a stream: everything but the message lists is
/// kept, the lists are read again while comparing.
pub struct Expected {
    path: PathBuf,
    /// The document with each channel's `messages` array taken out.
    outline: Value,
    /// Per element of `channels`: how its `messages` array is ordered, or
    /// `None` when it has none.
    lists: Vec<Option<ListOrder>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListOrder {
    /// Strictly ascending sequences: compared as they are read.
    Ascending,
    /// Gathered in memory for the channel first.
    Other,
}

/// Why an expected file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ExpectedFileError {
    #[error(transparent)]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

fn open_json(
    path: &Path,
) -> std::io::Result<serde_json::Deserializer<serde_json::de::IoRead<BufReader<File>>>> {
    let file = File::open(path)?;
    Ok(serde_json::Deserializer::from_reader(
        BufReader::with_capacity(1 << 16, file),
    ))
}

impl Expected {
    /// Reads the outline of `path` (first pass).
    pub fn read(path: &Path) -> std::result::Result<Expected, ExpectedFileError> {
        let mut de = open_json(path)?;
        let mut lists = Vec::new();
        let outline = OutlineTop { lists: &mut lists }.deserialize(&mut de)?;
        de.end()?;
        Ok(Expected {
            path: path.to_path_buf(),
            outline,
            lists,
        })
    }
}

/// The `(seq, entry)` of a listed message the store must hold.
fn expected_entry(m: Value) -> Option<(u64, Value)> {
    if bool_field(&m, "in_server_view_at_shutdown") == Some(false) {
        return None;
    }
    Some((m.get("seq").and_then(Value::as_u64)?, m))
}

#[derive(Default)]
struct OrderTally {
    last: Option<u64>,
    ascending: bool,
    seen_any: bool,
}

impl OrderTally {
    fn note(&mut self, m: &Value) {
        if bool_field(m, "in_server_view_at_shutdown") == Some(false) {
            return;
        }
        let Some(seq) = m.get("seq").and_then(Value::as_u64) else {
            return;
        };
        if !self.seen_any {
            self.seen_any = true;
            self.ascending = true;
        } else if self.last.is_some_and(|l| seq <= l) {
            self.ascending = false;
        }
        self.last = Some(seq);
    }

    fn order(&self) -> ListOrder {
        if self.ascending || !self.seen_any {
            ListOrder::Ascending
        } else {
            ListOrder::Other
        }
    }
}

/// The `visit_*` of a visitor that takes any JSON value other than the
/// array or object it handles itself, as a `Value`.
macro_rules! other_values {
    ($wrap:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Self::Value, E> {
            Ok(($wrap)(Value::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
            Ok(($wrap)(json!(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
            Ok(($wrap)(json!(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
            Ok(($wrap)(json!(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
            Ok(($wrap)(Value::String(v.to_string())))
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(($wrap)(Value::Null))
        }
    };
}

/// The `DeserializeSeed` of a visitor: the deserializer drives it itself.
macro_rules! seed_of_visitor {
    ($ty:ty, $how:ident) => {
        impl<'de> DeserializeSeed<'de> for $ty {
            type Value = <Self as Visitor<'de>>::Value;
            fn deserialize<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> std::result::Result<Self::Value, D::Error> {
                d.$how(self)
            }
        }
    };
}

/// Any value but an object, as a `Value`, for the visitors' `visit_seq`.
fn seq_value<'de, A: SeqAccess<'de>>(seq: A) -> std::result::Result<Value, A::Error> {
    Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
}

fn map_value<'de, A: MapAccess<'de>>(map: A) -> std::result::Result<Value, A::Error> {
    Value::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// The part of a first-pass visitor that is not the one kind of value
/// (`map` or `seq`) it looks into: its `Value`, what it expects, and every
/// other JSON value taken whole as a `Value`, through `$wrap`.
macro_rules! first_pass {
    ($de:lifetime, $value:ty, $wrap:expr, $what:literal, looks_into_map) => {
        first_pass!(@common $value, $wrap, $what);
        fn visit_seq<A: SeqAccess<$de>>(self, seq: A) -> std::result::Result<Self::Value, A::Error> {
            Ok(($wrap)(seq_value(seq)?))
        }
    };
    ($de:lifetime, $value:ty, $wrap:expr, $what:literal, looks_into_seq) => {
        first_pass!(@common $value, $wrap, $what);
        fn visit_map<A: MapAccess<$de>>(self, map: A) -> std::result::Result<Self::Value, A::Error> {
            Ok(($wrap)(map_value(map)?))
        }
    };
    (@common $value:ty, $wrap:expr, $what:literal) => {
        type Value = $value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str($what)
        }
        other_values!($wrap);
    };
}

/// First pass, the document: `channels` through [`OutlineChannels`].
struct OutlineTop<'l> {
    lists: &'l mut Vec<Option<ListOrder>>,
}

seed_of_visitor!(OutlineTop<'_>, deserialize_any);

impl<'de> Visitor<'de> for OutlineTop<'_> {
    first_pass!('de, Value, std::convert::identity, "a JSON document", looks_into_map);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let v = if key == "channels" {
                self.lists.clear();
                map.next_value_seed(OutlineChannels {
                    lists: &mut *self.lists,
                })?
            } else {
                map.next_value::<Value>()?
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// First pass, `channels`: each channel through [`OutlineChannel`].
struct OutlineChannels<'l> {
    lists: &'l mut Vec<Option<ListOrder>>,
}

seed_of_visitor!(OutlineChannels<'_>, deserialize_any);

impl<'de> Visitor<'de> for OutlineChannels<'_> {
    first_pass!('de, Value, std::convert::identity, "a list of channels", looks_into_seq);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let mut order = None;
            match seq.next_element_seed(OutlineChannel { order: &mut order })? {
                Some(ch) => {
                    out.push(ch);
                    self.lists.push(order);
                }
                None => break,
            }
        }
        Ok(Value::Array(out))
    }
}

/// First pass, one channel: all but a `messages` array, whose order is
/// noted.
struct OutlineChannel<'o> {
    order: &'o mut Option<ListOrder>,
}

seed_of_visitor!(OutlineChannel<'_>, deserialize_any);

impl<'de> Visitor<'de> for OutlineChannel<'_> {
    first_pass!('de, Value, std::convert::identity, "a channel", looks_into_map);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "messages" {
                match map.next_value_seed(ListScan)? {
                    Ok(order) => {
                        *self.order = Some(order);
                        out.remove(&key);
                    }
                    Err(other) => {
                        *self.order = None;
                        out.insert(key, other);
                    }
                }
            } else {
                out.insert(key, map.next_value::<Value>()?);
            }
        }
        Ok(Value::Object(out))
    }
}

/// First pass, a `messages` value: the order of an array (its entries are
/// dropped as read), or any other value as it is.
struct ListScan;

seed_of_visitor!(ListScan, deserialize_any);

impl<'de> Visitor<'de> for ListScan {
    first_pass!('de, std::result::Result<ListOrder, Value>, Err, "a list of messages", looks_into_seq);
    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut tally = OrderTally::default();
        while let Some(m) = seq.next_element::<Value>()? {
            tally.note(&m);
        }
        Ok(Ok(tally.order()))
    }
}

/// Compare `store` with `expected`. `file` is only for the report.
pub fn compare(
    store: &mut dyn StoreReader,
    expected: &Expected,
    file: &str,
) -> Result<ExpectReport> {
    let mut c = Cmp {
        report: ExpectReport {
            file: file.to_string(),
            ..ExpectReport::default()
        },
    };
    let outline = &expected.outline;
    // Comparing nothing must not pass: `{}` or a file of other keys is a
    // difference, not an OK.
    const COMPARED_KEYS: [&str; 4] = ["cluster_id", "channels", "subscriptions", "clients"];
    if !COMPARED_KEYS.iter().any(|k| outline.get(k).is_some()) {
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
    if let Some(want) = outline.get("cluster_id").and_then(Value::as_str) {
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
    if let Some(channels) = outline.get("channels").and_then(Value::as_array) {
        let have: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let wanted: BTreeSet<&str> = channels.iter().map(|ch| str_field(ch, "name")).collect();
        for extra in have.difference(&wanted) {
            c.diff(
                format!("channels[{extra}]"),
                Value::Null,
                json!(extra),
                format!("unexpected channel {extra:?} in the store"),
            );
        }
        let mut pass = ChannelPass {
            c: &mut c,
            store,
            channels,
            lists: &expected.lists,
            have,
            next: 0,
            error: None,
        };
        if expected.lists.iter().any(Option::is_some) {
            // Second pass over the file for the message lists.
            let bad = |e: &dyn fmt::Display| {
                StoreError::Invalid(format!("{}: {e}", expected.path.display()))
            };
            let mut de = open_json(&expected.path).map_err(|e| bad(&e))?;
            let read = ListsTop { pass: &mut pass }
                .deserialize(&mut de)
                .and_then(|()| de.end());
            if let Some(e) = pass.error.take() {
                return Err(e);
            }
            read.map_err(|e| bad(&e))?;
        }
        // Channels the second pass did not reach (all of them without one).
        while pass.next < channels.len() {
            pass.channel(None)?;
        }
    }
    let clustered = info.node_id.is_some();
    if clustered {
        c.report.skipped.push(format!(
            "subscriptions and clients: clustered store (node {}), they live in the Raft log",
            info.node_id.clone().unwrap_or_default()
        ));
    } else {
        if let Some(subs) = outline.get("subscriptions").and_then(Value::as_array) {
            compare_subscriptions(&mut c, store, subs, &names)?;
        }
        if let Some(clients) = outline.get("clients").and_then(Value::as_array) {
            compare_clients(&mut c, store, clients)?;
        }
    }
    Ok(c.report)
}

/// The second pass: channel after channel in the order listed, each
/// compared when its element of `channels` is read.
struct ChannelPass<'p, 's> {
    c: &'p mut Cmp,
    store: &'s mut dyn StoreReader,
    channels: &'p [Value],
    lists: &'p [Option<ListOrder>],
    have: BTreeSet<&'p str>,
    /// Index of the next channel to compare.
    next: usize,
    /// The store's error, kept whole (serde only carries text).
    error: Option<StoreError>,
}

impl ChannelPass<'_, '_> {
    /// Compares the next channel; `list` is its message list when the
    /// file is being read, `None` to take no list.
    fn channel(&mut self, list: Option<&mut dyn Iterator<Item = (u64, Value)>>) -> Result<()> {
        let i = self.next;
        self.next += 1;
        let channels = self.channels;
        let ch = &channels[i];
        let name = str_field(ch, "name");
        if !self.have.contains(name) {
            self.c.diff(
                format!("channels[{name}]"),
                json!(name),
                Value::Null,
                format!("channel {name:?} missing from the store"),
            );
            return Ok(());
        }
        self.c.report.compared.channels += 1;
        let listed = self.lists.get(i).copied().flatten().is_some();
        match list {
            Some(l) => compare_channel(self.c, self.store, ch, name, Some(l)),
            // Listed, but the list was not reached: nothing expected.
            None if listed => {
                compare_channel(self.c, self.store, ch, name, Some(&mut std::iter::empty()))
            }
            None => compare_channel(self.c, self.store, ch, name, None),
        }
    }
}

/// Reads a map, the value of the first `key` with `read` and every other
/// value not at all; whether `key` was there.
fn only_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    read: impl FnOnce(&mut A) -> std::result::Result<(), A::Error>,
) -> std::result::Result<bool, A::Error> {
    let mut read = Some(read);
    while let Some(k) = map.next_key::<String>()? {
        match read.take_if(|_| k == key) {
            Some(r) => r(map)?,
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(read.is_none())
}

/// A second-pass visitor over one level of the document: a struct holding
/// the pass, its own seed (`$how` tells the deserializer what comes), what
/// it expects, and its one `visit_*` (written with `'de`).
macro_rules! second_pass {
    ($(#[$doc:meta])* $name:ident, $how:ident, $what:literal, $($visit:tt)*) => {
        $(#[$doc])*
        struct $name<'a, 'p, 's> {
            pass: &'a mut ChannelPass<'p, 's>,
        }

        seed_of_visitor!($name<'_, '_, '_>, $how);

        impl<'de> Visitor<'de> for $name<'_, '_, '_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($what)
            }
            $($visit)*
        }
    };
}

second_pass! {
    /// Second pass, the document: only `channels` is read.
    ListsTop, deserialize_map, "the same document as the first pass",
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        only_key(&mut map, "channels", |map| {
            map.next_value_seed(ListsChannels { pass: self.pass })
        })?;
        Ok(())
    }
}

second_pass! {
    /// Second pass, `channels`.
    ListsChannels, deserialize_seq, "the same list of channels as the first pass",
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while self.pass.next < self.pass.channels.len() {
            let i = self.pass.next;
            if self.pass.lists[i].is_none() {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    break;
                }
                self.pass.channel(None).map_err(|e| fail(self.pass, e))?;
                continue;
            }
            if seq
                .next_element_seed(ListsChannel {
                    pass: &mut *self.pass,
                })?
                .is_none()
            {
                break;
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

/// Keeps the store's error and gives serde its text.
fn fail<E: de::Error>(pass: &mut ChannelPass<'_, '_>, e: StoreError) -> E {
    let text = e.to_string();
    pass.error.get_or_insert(e);
    E::custom(text)
}

second_pass! {
    /// Second pass, one channel with a message list.
    ListsChannel, deserialize_map, "the same channel as the first pass",
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let found = only_key(&mut map, "messages", |map| {
            map.next_value_seed(ListsMessages {
                pass: &mut *self.pass,
            })
        })?;
        if !found {
            self.pass.channel(None).map_err(|e| fail(self.pass, e))?;
        }
        Ok(())
    }
}

second_pass! {
    /// Second pass, a message list: compared with the store as it is read.
    ListsMessages, deserialize_seq, "the same list of messages as the first pass",
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let order = self.pass.lists[self.pass.next];
        let mut json_error = None;
        let compared = if order == Some(ListOrder::Ascending) {
            let mut list = std::iter::from_fn(|| match seq.next_element::<Value>() {
                Ok(v) => v,
                Err(e) => {
                    json_error = Some(e);
                    None
                }
            })
            .filter_map(expected_entry);
            let compared = self.pass.channel(Some(&mut list));
            // What the comparison did not read (a channel missing from
            // the store) is still part of the document.
            list.for_each(drop);
            compared
        } else {
            // Out of order: this channel's list in memory.
            let mut all: BTreeMap<u64, Value> = BTreeMap::new();
            while let Some(m) = seq.next_element::<Value>()? {
                if let Some((seq, m)) = expected_entry(m) {
                    all.insert(seq, m);
                }
            }
            self.pass.channel(Some(&mut all.into_iter()))
        };
        if let Some(e) = json_error {
            return Err(e);
        }
        compared.map_err(|e| fail(self.pass, e))
    }
}

/// What reading one channel's messages found.
#[derive(Default)]
struct Tally {
    total: u64,
    encrypted_noted: bool,
    read_error: Option<String>,
    missing: Ranges,
    unexpected: Ranges,
}

/// `list`: the expected messages in ascending sequence order, when the
/// channel lists them.
fn compare_channel(
    c: &mut Cmp,
    store: &mut dyn StoreReader,
    ch: &Value,
    name: &str,
    list: Option<&mut dyn Iterator<Item = (u64, Value)>>,
) -> Result<()> {
    let path = format!("channels[{name}]");
    let stats = store.channel_stats(name)?;
    c.field(&path, ch, "first_seq", json!(stats.counts.first_seq));
    c.field(&path, ch, "last_seq", json!(stats.counts.last_seq));
    c.field(&path, ch, "msg_count", json!(stats.counts.msgs));
    let want_total = ch.get("total_payload_bytes").and_then(Value::as_u64);
    if list.is_none() && want_total.is_none() {
        return Ok(());
    }
    let listed = list.is_some();
    let mut t = Tally::default();
    let found = store.messages(name, MessageRange::default())?;
    merge(c, &path, found, list, &mut t);
    if let Some(e) = t.read_error {
        c.diff(
            format!("{path}.messages"),
            json!("readable messages"),
            json!(e),
            format!("cannot read every message of {name}: {e}"),
        );
    }
    if listed {
        for &r in &t.missing.0 {
            c.diff(
                format!("{path}.messages[{}]", range_text(r)),
                json!(range_text(r)),
                Value::Null,
                format!("message seq {} missing from the store", range_text(r)),
            );
        }
        for &r in &t.unexpected.0 {
            c.diff(
                format!("{path}.messages[{}]", range_text(r)),
                Value::Null,
                json!(range_text(r)),
                format!("unexpected message seq {} in the store", range_text(r)),
            );
        }
    }
    if let Some(want) = want_total {
        if !t.encrypted_noted && want != t.total {
            c.diff(
                format!("{path}.total_payload_bytes"),
                json!(want),
                json!(t.total),
                format!("total payload bytes: expected {want}, found {}", t.total),
            );
        }
    }
    Ok(())
}

/// Walks the store's messages (ascending) beside the expected ones.
fn merge(
    c: &mut Cmp,
    path: &str,
    found: MessageIter<'_>,
    mut list: Option<&mut dyn Iterator<Item = (u64, Value)>>,
    t: &mut Tally,
) {
    let mut want = list.as_mut().and_then(|l| l.next());
    for item in found {
        let m = match item {
            Ok(m) => m,
            Err(e) => {
                t.read_error.get_or_insert(e.to_string());
                continue;
            }
        };
        t.total += m.data.len() as u64;
        let Some(l) = list.as_mut() else { continue };
        while let Some(seq) = want.as_ref().map(|w| w.0).filter(|&s| s < m.seq) {
            t.missing.push(seq);
            want = l.next();
        }
        match want.take() {
            Some((seq, w)) if seq == m.seq => {
                compare_message(c, path, &w, &m, &mut t.encrypted_noted);
                want = l.next();
            }
            other => {
                t.unexpected.push(m.seq);
                want = other;
            }
        }
    }
    if let Some(l) = list {
        while let Some((seq, _)) = want {
            t.missing.push(seq);
            want = l.next();
        }
    }
}

fn compare_message(c: &mut Cmp, path: &str, want: &Value, m: &Message, encrypted_noted: &mut bool) {
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
                "{path}: payloads are encrypted and were not compared (no encryption key)"
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
        let mut r = Ranges::default();
        [1, 2, 3, 5, 7, 8].into_iter().for_each(|s| r.push(s));
        assert_eq!(r.0, vec![(1, 3), (5, 5), (7, 8)]);
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
