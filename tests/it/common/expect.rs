//! Comparisons of what stanctl reports for a store with a fixture's
//! MANIFEST.json ground truth, shared by the reader and migration tests.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use super::*;

/// A store to check, as stanctl command-line options.
pub struct Subject {
    /// Store selection and reading options (`--dir D`, `-c`, keys, ...).
    pub args: Vec<String>,
    /// Subscriptions and clients live in the store (not in a Raft log).
    pub has_subs: bool,
    /// Same backend as the fixture: `bytes` must equal the server's number.
    pub same_backend: bool,
    /// Expected `limits_source`, when it is known.
    pub limits_source: Option<&'static str>,
    /// Expected `info` store kind: "file", "sql/postgres", ...
    pub kind: String,
    /// The fixture itself (a migrated copy is standalone: no node id).
    pub original: bool,
}

impl Subject {
    pub fn args<'a>(&'a self, cmd: &[&'a str]) -> Vec<&'a str> {
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.extend_from_slice(cmd);
        args
    }

    /// Run every check against the manifest of fixture `name`.
    pub fn check_all(&self, name: &str) {
        let m = truth(name);
        check_channels(self, name, &m);
        check_messages(self, name, &m);
        check_subscriptions(self, name, &m);
        check_clients(self, name, &m);
        check_info(self, name, &m);
    }
}

/// A temporary file path no other test thread uses.
fn unique_temp(name: &str, ext: &str) -> std::path::PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "stanctl-test-{name}-{}-{n}.{ext}",
        std::process::id()
    ))
}

/// Options the real server ran fixture `name` with: its config file (the
/// limits) with "now" at its shutdown, and its encryption key.
pub fn server_options(name: &str) -> Vec<String> {
    let m = truth(name);
    let mut extra = Vec::new();
    if let Some(conf) = m["server"]["config_file_contents"].as_str() {
        let path = unique_temp(name, "conf");
        std::fs::write(&path, conf).expect("write config");
        extra.push("-c".to_string());
        extra.push(path.display().to_string());
        let now = m["server_monitor_at_shutdown"]["serverz"]["now"]
            .as_str()
            .expect("serverz.now");
        extra.push("--now".to_string());
        extra.push(now.to_string());
    }
    extra.extend(key_options(name));
    extra
}

/// `--encryption-key-file F` for an encrypted fixture, else nothing.
pub fn key_options(name: &str) -> Vec<String> {
    let m = truth(name);
    match m["store"]["encryption"]["key"].as_str() {
        Some(key) => {
            let path = unique_temp(name, "key");
            std::fs::write(&path, key).expect("write key");
            vec![
                "--encryption-key-file".to_string(),
                path.display().to_string(),
            ]
        }
        None => Vec::new(),
    }
}

/// The file store of fixture `name` as the server ran it.
pub fn fixture_file_store(name: &str) -> Subject {
    let clustered = name.starts_with("cluster-");
    let store = if clustered {
        fixture(name).join("node/store")
    } else {
        fixture(name).join("store")
    };
    let extra = server_options(name);
    let limits_source = Some(if extra.iter().any(|a| a == "-c") {
        "config"
    } else {
        "unknown"
    });
    let mut args = vec!["--dir".to_string(), store.display().to_string()];
    args.extend(extra);
    Subject {
        args,
        has_subs: true,
        same_backend: true,
        limits_source,
        kind: "file".into(),
        original: true,
    }
}

/// A file store stanctl wrote at `dir` from fixture `name`.
pub fn written_file_store(dir: &Path, keys: Vec<String>) -> Subject {
    let mut args = vec!["--dir".to_string(), dir.display().to_string()];
    args.extend(keys);
    Subject {
        args,
        has_subs: true,
        same_backend: false,
        limits_source: Some("unknown"),
        kind: "file".into(),
        original: false,
    }
}

/// A SQL store at `source`, holding fixture `name`'s content.
pub fn sql_store(driver: &str, source: &str, keys: Vec<String>, same_backend: bool) -> Subject {
    let mut args = vec![
        "--sql-driver".to_string(),
        driver.to_string(),
        "--sql-source".to_string(),
        source.to_string(),
    ];
    args.extend(keys);
    Subject {
        args,
        has_subs: true,
        same_backend,
        limits_source: None,
        kind: format!("sql/{driver}"),
        original: same_backend,
    }
}

pub fn expected_messages(channel: &Value) -> Vec<&Value> {
    channel["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["in_server_view_at_shutdown"].as_bool().unwrap_or(true))
        .collect()
}

pub fn check_channels(c: &Subject, name: &str, m: &Value) {
    {
        let got = json(&c.args(&["channels", "ls", "--format", "json"]));
        let got: BTreeMap<&str, &Value> = got
            .as_array()
            .expect("array")
            .iter()
            .map(|ch| (str_of(&ch["name"]), ch))
            .collect();
        let want = m["channels"].as_array().expect("channels");
        assert_eq!(got.len(), want.len(), "{name}: channel count");
        for w in want {
            let cname = str_of(&w["name"]);
            let g = got
                .get(cname)
                .unwrap_or_else(|| panic!("{name}: channel {cname} missing"));
            let ctx = format!("{name}/{cname}");
            assert_eq!(g["first_seq"], w["first_seq"], "{ctx}: first_seq");
            assert_eq!(g["last_seq"], w["last_seq"], "{ctx}: last_seq");
            assert_eq!(g["msgs"], w["msg_count"], "{ctx}: msgs");
            let reported = &w["server_reported_at_shutdown"];
            // Killed servers reported nothing at shutdown; another backend
            // accounts bytes its own way.
            if c.same_backend && !reported["bytes"].is_null() {
                assert_eq!(
                    g["bytes"], reported["bytes"],
                    "{ctx}: bytes (server accounting)"
                );
            }
            let msgs = expected_messages(w);
            if let (Some(first), Some(last)) = (msgs.first(), msgs.last()) {
                assert_eq!(
                    g["first_timestamp"], first["timestamp_ns"],
                    "{ctx}: first_timestamp"
                );
                assert_eq!(
                    g["last_timestamp"], last["timestamp_ns"],
                    "{ctx}: last_timestamp"
                );
            }
            if c.has_subs {
                let in_store = m["subscriptions"]
                    .as_array()
                    .expect("subscriptions")
                    .iter()
                    .filter(|s| s["subject"] == w["name"])
                    .filter(|s| s["expected_in_store_at_shutdown"].as_bool() == Some(true))
                    .count() as u64;
                assert_eq!(
                    u64_of(&g["subscriptions"]),
                    in_store,
                    "{ctx}: subscriptions"
                );
                if !reported["subs_count"].is_null() {
                    assert_eq!(
                        g["subscriptions"], reported["subs_count"],
                        "{ctx}: subs_count"
                    );
                }
            }
            if let Some(source) = c.limits_source {
                assert_eq!(g["limits_source"], source, "{ctx}: limits source");
            }
        }
    }
}

pub fn check_messages(c: &Subject, name: &str, m: &Value) {
    {
        for w in m["channels"].as_array().expect("channels") {
            let cname = str_of(&w["name"]);
            let got = ndjson_with_code(
                &c.args(&[
                    "dump",
                    "--channel",
                    cname,
                    "--format",
                    "ndjson",
                    "--payload",
                    "base64",
                ]),
                0,
            );
            let want = expected_messages(w);
            let ctx = format!("{name}/{cname}");
            assert_eq!(got.len(), want.len(), "{ctx}: message count");
            for (g, w) in got.iter().zip(want) {
                let seq = u64_of(&w["seq"]);
                assert_eq!(u64_of(&g["seq"]), seq, "{ctx}: seq");
                assert_eq!(g["channel"], cname, "{ctx}#{seq}: channel");
                assert_eq!(g["timestamp"], w["timestamp_ns"], "{ctx}#{seq}: timestamp");
                assert_eq!(g["subject"], w["subject"], "{ctx}#{seq}: subject");
                assert_eq!(
                    str_of(&g["reply"]),
                    str_of(&w["reply"]),
                    "{ctx}#{seq}: reply"
                );
                assert_eq!(g["encoding"], "base64");
                let payload = base64::engine::general_purpose::STANDARD
                    .decode(str_of(&g["payload"]))
                    .expect("base64");
                assert_eq!(
                    payload.len() as u64,
                    u64_of(&w["payload_len"]),
                    "{ctx}#{seq}: size"
                );
                assert_eq!(
                    u64_of(&g["size"]),
                    payload.len() as u64,
                    "{ctx}#{seq}: size field"
                );
                assert_eq!(
                    sha256_hex(&payload),
                    str_of(&w["payload_sha256"]),
                    "{ctx}#{seq}: payload"
                );
            }
        }
    }
}

/// The subscription as the server stores it, derived from what the
/// generator did (FORMAT.md 2.8.4).
/// The last sent sequence the real server recovered for a subscription:
/// the last sequence the subscriber received, except for a queue member,
/// which a snapshot raises to its group's last sent (fixtures/README.md):
/// for those, the server's own view after its restart.
pub fn expected_last_sent(m: &Value, sub: &Value) -> u64 {
    if sub["is_queue"].as_bool() != Some(true) {
        return u64_of(&sub["last_received_seq"]);
    }
    let check = &m["real_server_recovery_check"];
    let mut views = Vec::new();
    for client in check["clientsz"]["clients"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for list in client["subscriptions"]
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
        {
            views.extend(list.as_array().into_iter().flatten());
        }
    }
    for channel in check["channelsz"]["channels"]
        .as_array()
        .into_iter()
        .flatten()
    {
        views.extend(channel["subscriptions"].as_array().into_iter().flatten());
    }
    views
        .iter()
        .find(|v| v["inbox"] == sub["inbox"] && !v["last_sent"].is_null())
        .map(|v| u64_of(&v["last_sent"]))
        .unwrap_or_else(|| u64_of(&sub["last_received_seq"]))
}

pub fn stored_sub(s: &Value) -> (String, String, String, bool, bool) {
    let state = str_of(&s["state_at_shutdown"]);
    let durable = s["is_durable"].as_bool().unwrap_or(false);
    let queue = s["is_queue"].as_bool().unwrap_or(false);
    // The server stores a durable queue group as `durable:group` (FORMAT.md,
    // README); the v0.4 manifest does not spell that field out.
    let group = match s["queue_group_as_stored_by_server"].as_str() {
        Some(g) => g.to_string(),
        None if durable && queue => {
            format!(
                "{}:{}",
                str_of(&s["durable_name"]),
                str_of(&s["queue_group"])
            )
        }
        None => s["queue_group"].as_str().unwrap_or("").to_string(),
    };
    let shadow = durable && queue && state == "client_closed";
    let client = if shadow {
        String::new()
    } else {
        str_of(&s["client_id"]).to_string()
    };
    // The server moves a durable queue's name into the group name.
    let durable_name = if queue {
        String::new()
    } else {
        str_of(&s["durable_name"]).to_string()
    };
    let closed = durable && !queue && (state == "sub_closed" || state == "client_closed");
    (client, durable_name, group, durable, closed)
}

pub fn check_subscriptions(c: &Subject, name: &str, m: &Value) {
    if !c.has_subs {
        return;
    }
    let got = json(&c.args(&["subs", "ls", "--format", "json"]));
    check_subscription_rows(name, m, got.as_array().expect("array"), true);
}

/// Compare subscription rows shaped as `subs ls --format json` prints them
/// (`lag` only when `with_lag`) with the manifest.
pub fn check_subscription_rows(name: &str, m: &Value, got: &[Value], with_lag: bool) {
    {
        let want: Vec<&Value> = m["subscriptions"]
            .as_array()
            .expect("subscriptions")
            .iter()
            .filter(|s| s["expected_in_store_at_shutdown"].as_bool() == Some(true))
            .collect();
        assert_eq!(
            got.len(),
            want.len(),
            "{name}: subscription count: {got:#?}"
        );
        for w in want {
            let ctx = format!("{name}/{}", str_of(&w["name"]));
            let g = got
                .iter()
                .find(|g| g["inbox"] == w["inbox"] && g["channel"] == w["subject"])
                .unwrap_or_else(|| panic!("{ctx}: not found"));
            let (client, durable_name, group, durable, closed) = stored_sub(w);
            // v0.4.0 writes no subs.dat update when a durable goes offline
            // (fixtures README), so its store never marks one closed.
            let closed = closed && !str_of(&m["server"]["version"]).starts_with("0.4.");
            assert_eq!(str_of(&g["client_id"]), client, "{ctx}: client_id");
            assert_eq!(
                str_of(&g["durable_name"]),
                durable_name,
                "{ctx}: durable_name"
            );
            assert_eq!(str_of(&g["queue_group"]), group, "{ctx}: queue_group");
            assert_eq!(g["is_durable"], durable, "{ctx}: is_durable");
            assert_eq!(g["is_closed"], closed, "{ctx}: is_closed");
            assert_eq!(g["ack_inbox"], w["ack_inbox"], "{ctx}: ack_inbox");
            assert_eq!(
                g["max_in_flight"], w["max_inflight"],
                "{ctx}: max_in_flight"
            );
            assert_eq!(g["ack_wait_s"], w["ack_wait_sec"], "{ctx}: ack_wait_s");
            let last_sent = expected_last_sent(m, w);
            assert_eq!(u64_of(&g["last_sent"]), last_sent, "{ctx}: last_sent");
            assert_eq!(
                g["pending"], w["pending_unacked_seqs_at_shutdown"],
                "{ctx}: pending"
            );
            if !with_lag {
                continue;
            }
            let last = m["channels"]
                .as_array()
                .expect("channels")
                .iter()
                .find(|ch| ch["name"] == w["subject"])
                .map(|ch| u64_of(&ch["last_seq"]))
                .expect("channel of sub");
            assert_eq!(u64_of(&g["lag"]), last - last_sent, "{ctx}: lag");
        }
    }
}

pub fn check_clients(c: &Subject, name: &str, m: &Value) {
    if !c.has_subs {
        return;
    }
    let got = json(&c.args(&["clients", "ls", "--format", "json"]));
    check_client_rows(name, m, got.as_array().expect("array"));
}

/// Compare client rows shaped as `clients ls --format json` prints them
/// with the manifest.
pub fn check_client_rows(name: &str, m: &Value, got: &[Value]) {
    {
        // Servers older than 0.10 record only the id and heartbeat inbox.
        let old = m["server"]["version"].as_str().is_some_and(|v| {
            ["0.4", "0.6", "0.8", "0.9"]
                .iter()
                .any(|p| v.starts_with(&format!("{p}.")))
        });
        let want: Vec<&Value> = m["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .filter(|cl| str_of(&cl["state_at_shutdown"]).starts_with("connected"))
            .collect();
        assert_eq!(got.len(), want.len(), "{name}: client count");
        for w in want {
            let id = str_of(&w["id"]);
            let g = got
                .iter()
                .find(|g| g["id"] == w["id"])
                .unwrap_or_else(|| panic!("{name}: client {id} missing"));
            assert_eq!(g["hb_inbox"], w["hb_inbox"], "{name}/{id}: hb_inbox");
            if old {
                // v0.9 records only the id and heartbeat inbox.
                for field in ["protocol", "conn_id", "ping_interval", "ping_max_out"] {
                    assert!(g[field].is_null(), "{name}/{id}: {field} should be null");
                }
            } else {
                assert_eq!(g["protocol"], w["protocol_sent"], "{name}/{id}: protocol");
                assert_eq!(g["conn_id"], w["conn_id_ascii"], "{name}/{id}: conn_id");
                assert_eq!(
                    g["conn_id_hex"], w["conn_id_hex"],
                    "{name}/{id}: conn_id_hex"
                );
                assert_eq!(
                    g["ping_interval"], w["ping_interval_sent"],
                    "{name}/{id}: ping_interval"
                );
                assert_eq!(
                    g["ping_max_out"], w["ping_max_out_sent"],
                    "{name}/{id}: ping_max_out"
                );
            }
        }
    }
}

pub fn check_info(c: &Subject, name: &str, m: &Value) {
    {
        let got = json(&c.args(&["info", "--format", "json"]));
        assert_eq!(got["store"], c.kind.as_str(), "{name}: store kind");
        assert_eq!(got["cluster_id"], m["cluster_id"], "{name}: cluster_id");
        let node = m["store"]["node_id"].as_str().filter(|_| c.original);
        assert_eq!(got["node_id"].as_str(), node, "{name}: node_id");
        let channels = m["channels"].as_array().expect("channels");
        assert_eq!(
            u64_of(&got["channels"]),
            channels.len() as u64,
            "{name}: channels"
        );
        let msgs: u64 = channels.iter().map(|ch| u64_of(&ch["msg_count"])).sum();
        assert_eq!(u64_of(&got["msgs"]), msgs, "{name}: msgs");
    }
}
