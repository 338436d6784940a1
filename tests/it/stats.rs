//! `stats --format json` against MANIFEST.json: counts, payload bytes,
//! messages per time bucket, payload size percentiles (from the manifest's
//! per-message lengths), subjects, replies and subscriptions.

use serde_json::Value;

use crate::common::*;

/// The manifest's messages of `channels`: (timestamp, length, subject, reply).
fn manifest_messages(fixture: &str, channels: &[&str]) -> Vec<(i64, u64, String, bool)> {
    let m = truth(fixture);
    let mut out = Vec::new();
    for c in m["channels"].as_array().unwrap() {
        if !channels.contains(&str_of(&c["name"])) {
            continue;
        }
        for msg in c["messages"].as_array().unwrap() {
            out.push((
                msg["timestamp_ns"].as_i64().unwrap(),
                u64_of(&msg["payload_len"]),
                str_of(&msg["subject"]).to_string(),
                !str_of(&msg["reply"]).is_empty(),
            ));
        }
    }
    out
}

fn check(fixture: &str, args: &[&str], channels: &[&str], buckets: usize) {
    let dir = store_dir(fixture);
    let mut full = vec!["--dir", dir.as_str(), "stats", "--format", "json"];
    full.extend_from_slice(args);
    let got = json(&full);
    let want = manifest_messages(fixture, channels);
    assert_eq!(u64_of(&got["msgs"]), want.len() as u64, "{fixture}");
    assert_eq!(
        u64_of(&got["payload_bytes"]),
        want.iter().map(|m| m.1).sum::<u64>()
    );
    // Buckets: the manifest's timestamps counted over the reported grid.
    let first = want.iter().map(|m| m.0).min().unwrap();
    let last = want.iter().map(|m| m.0).max().unwrap();
    assert_eq!(got["first_timestamp"].as_i64(), Some(first));
    assert_eq!(got["last_timestamp"].as_i64(), Some(last));
    let width = got["bucket_width_ns"].as_i64().unwrap();
    let reported = got["buckets"].as_array().unwrap();
    assert_eq!(reported.len(), buckets);
    assert!(first + width * buckets as i64 > last);
    let mut counts = vec![0u64; buckets];
    for m in &want {
        counts[((m.0 - first) / width) as usize] += 1;
    }
    let got_counts: Vec<u64> = reported.iter().map(|b| u64_of(&b["msgs"])).collect();
    assert_eq!(got_counts, counts);
    // Percentiles by nearest rank: exact below 2048, within 1/256 above.
    let mut sizes: Vec<u64> = want.iter().map(|m| m.1).collect();
    sizes.sort_unstable();
    for (key, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("max", 100.0)] {
        let rank = ((p / 100.0) * sizes.len() as f64).ceil() as usize;
        let exact = sizes[rank - 1];
        let g = u64_of(&got["payload_size"][key]);
        if exact < 2048 {
            assert_eq!(g, exact, "{key}");
        } else {
            assert!(
                g >= exact && g - exact <= exact / 256,
                "{key}: {g} vs {exact}"
            );
        }
    }
    assert_eq!(
        u64_of(&got["msgs_with_reply"]),
        want.iter().filter(|m| m.3).count() as u64
    );
    let mut subjects: Vec<(String, u64)> = Vec::new();
    for m in &want {
        match subjects.iter_mut().find(|s| s.0 == m.2) {
            Some(s) => s.1 += 1,
            None => subjects.push((m.2.clone(), 1)),
        }
    }
    subjects.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    subjects.truncate(10);
    let got_subjects: Vec<(String, u64)> = got["top_subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (str_of(&s["subject"]).to_string(), u64_of(&s["msgs"])))
        .collect();
    assert_eq!(got_subjects, subjects);
    assert_eq!(got["top_subjects_exact"], Value::Bool(true));
}

#[test]
fn stats_of_the_store_and_of_patterns_match_the_manifest() {
    let all = [
        "audit.log",
        "bin.data",
        "orders.eu",
        "orders.us",
        "payments",
    ];
    check("file-basic-v0.23", &[], &all, 20);
    check(
        "file-basic-v0.23",
        &["--channel", "orders.*", "--buckets", "7"],
        &["orders.eu", "orders.us"],
        7,
    );
    check(
        "cluster-3node-v0.23",
        &["--channel", "tlm.>"],
        &["tlm.raw", "tlm.agg"],
        20,
    );
    // Subscriptions the store keeps, each with lag = last seq - last sent.
    let dir = store_dir("file-basic-v0.23");
    let got = json(&["--dir", &dir, "stats", "--format", "json"]);
    let subs = got["subscriptions"].as_array().unwrap();
    let kept = manifest("file-basic-v0.23")["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["expected_in_store_at_shutdown"] == Value::Bool(true))
        .count();
    assert_eq!(subs.len(), kept);
    let last_seq = |name: &str| {
        manifest("file-basic-v0.23")["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| u64_of(&c["last_seq"]))
            .unwrap()
    };
    for s in subs {
        assert_eq!(
            u64_of(&s["lag"]),
            last_seq(str_of(&s["channel"])) - u64_of(&s["last_sent"])
        );
    }
}
