//! Command-line behaviour on real fixtures: dump ranges and formats,
//! read-only proof, closed pipes, completions.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::common::*;
use base64::Engine as _;
use serde_json::Value;

fn basic() -> String {
    fixture("file-basic-v0.23")
        .join("store")
        .display()
        .to_string()
}

fn manifest_msgs(channel: &str) -> Vec<Value> {
    let m = manifest("file-basic-v0.23");
    m["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["name"] == channel)
        .expect("channel")["messages"]
        .as_array()
        .expect("messages")
        .clone()
}

fn seqs(args: &[&str]) -> Vec<u64> {
    ndjson_with_code(args, 0)
        .iter()
        .map(|v| u64_of(&v["seq"]))
        .collect()
}

#[test]
fn dump_ranges_select_what_the_manifest_says() {
    let dir = basic();
    let base = [
        "--dir",
        dir.as_str(),
        "dump",
        "--channel",
        "orders.eu",
        "--format",
        "ndjson",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        seqs(&a)
    };
    assert_eq!(
        with(&["--from-seq", "5", "--to-seq", "9"]),
        vec![5, 6, 7, 8, 9]
    );
    assert_eq!(with(&["--last", "3"]), vec![33, 34, 35]);
    assert_eq!(with(&["--from-seq", "34", "--last", "10"]), vec![34, 35]);
    assert!(with(&["--from-seq", "36"]).is_empty());
    // Time bounds from the manifest's server timestamps.
    let msgs = manifest_msgs("orders.eu");
    let ts = |seq: usize| {
        msgs[seq - 1]["timestamp_ns"]
            .as_i64()
            .expect("ts")
            .to_string()
    };
    assert_eq!(
        with(&["--since", &ts(10), "--until", &ts(12)]),
        vec![10, 11, 12]
    );
    let want: Vec<u64> = (10..=35).collect();
    assert_eq!(with(&["--since", &ts(10)]), want);
}

#[test]
fn dump_json_is_one_array_of_the_same_objects() {
    let dir = basic();
    let arr = json(&[
        "--dir",
        &dir,
        "dump",
        "--channel",
        "payments",
        "--format",
        "json",
    ]);
    let lines = ndjson_with_code(
        &[
            "--dir",
            &dir,
            "dump",
            "--channel",
            "payments",
            "--format",
            "ndjson",
        ],
        0,
    );
    assert_eq!(arr.as_array().expect("array"), &lines);
    let msgs = manifest_msgs("payments");
    assert_eq!(lines.len(), msgs.len());
    for (g, w) in lines.iter().zip(&msgs) {
        let data = match str_of(&g["encoding"]) {
            "utf8" => str_of(&g["payload"]).as_bytes().to_vec(),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(str_of(&g["payload"]))
                .expect("b64"),
            other => panic!("encoding {other}"),
        };
        assert_eq!(sha256_hex(&data), str_of(&w["payload_sha256"]));
    }
}

#[test]
fn dump_payload_encodings() {
    let dir = basic();
    let msgs = manifest_msgs("bin.data");
    for (how, decode) in [
        (
            "hex",
            (|s: &str| hex::decode(s).expect("hex")) as fn(&str) -> Vec<u8>,
        ),
        ("base64", |s: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .expect("b64")
        }),
    ] {
        let got = ndjson_with_code(
            &[
                "--dir",
                &dir,
                "dump",
                "--channel",
                "bin.data",
                "--format",
                "ndjson",
                "--payload",
                how,
            ],
            0,
        );
        for (g, w) in got.iter().zip(&msgs) {
            assert_eq!(g["encoding"], how);
            assert_eq!(
                sha256_hex(&decode(str_of(&g["payload"]))),
                str_of(&w["payload_sha256"])
            );
        }
    }
}

#[test]
fn dump_raw_writes_payload_bytes_only() {
    let dir = basic();
    let msgs = manifest_msgs("bin.data");
    for w in &msgs {
        let seq = w["seq"].to_string();
        let out = stanctl()
            .args([
                "--dir",
                &dir,
                "dump",
                "--channel",
                "bin.data",
                "--format",
                "raw",
                "--from-seq",
                &seq,
                "--to-seq",
                &seq,
            ])
            .output()
            .expect("run");
        assert!(out.status.success());
        assert_eq!(
            sha256_hex(&out.stdout),
            str_of(&w["payload_sha256"]),
            "seq {seq}"
        );
    }
}

#[test]
fn closed_pipe_ends_quietly() {
    let dir = basic();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("stanctl"))
        .args([
            "--dir",
            &dir,
            "dump",
            "--channel",
            "bin.data",
            "--format",
            "raw",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).expect("read");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn table_output_names_every_channel() {
    let out = stanctl()
        .args(["--dir", &basic(), "channels", "ls"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for ch in [
        "orders.eu",
        "orders.us",
        "payments",
        "audit.log",
        "bin.data",
    ] {
        assert!(text.contains(ch), "{text}");
    }
    assert!(
        text.contains("unknown"),
        "limits are unknown without -c: {text}"
    );
}

#[test]
fn server_flag_spellings_are_accepted() {
    let dir = basic();
    let a = json(&[
        "--store",
        "file",
        "--dir",
        &dir,
        "--file_crc_poly",
        "0xEDB88320",
        "channels",
        "ls",
        "--format",
        "json",
    ]);
    let b = json(&["--dir", &dir, "channels", "ls", "--format", "json"]);
    assert_eq!(a, b);
}

/// Every fixture file, hashed before and after every command on the store
/// `name`, is unchanged, and no lock or index file was created.
fn commands_never_modify_the_store(name: &str) {
    let root = fixtures_dir();
    let before = hash_tree(&root);
    let dir = store_dir(name);
    for cmd in [
        vec!["info"],
        vec!["channels", "ls"],
        vec!["clients", "ls"],
        vec!["subs", "ls"],
    ] {
        let mut args = vec!["--dir", dir.as_str()];
        args.extend(cmd);
        let out = stanctl().args(&args).output().expect("run");
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for ch in std::fs::read_dir(&dir).expect("store") {
        let ch = ch.expect("entry");
        if ch.path().is_dir() {
            let name = ch.file_name().to_string_lossy().into_owned();
            let out = stanctl()
                .args(["--dir", &dir, "dump", "--channel", &name, "--format", "raw"])
                .output()
                .expect("run");
            assert!(matches!(out.status.code(), Some(0) | Some(1)));
        }
    }
    assert_eq!(hash_tree(&root), before, "a fixture changed");
}

// Every fixture holding a file store.
with_file_stores!(per_fixture![commands_never_modify_the_store]);

#[test]
fn completions_are_up_to_date() {
    for (shell, file) in [
        ("bash", "stanctl.bash"),
        ("zsh", "_stanctl"),
        ("fish", "stanctl.fish"),
    ] {
        let out = stanctl()
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(out.status.success());
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("completions")
            .join(file);
        let checked_in = std::fs::read(&path).unwrap_or_default();
        assert!(
            checked_in == out.stdout,
            "{} is stale: run scripts/update-completions.sh",
            path.display()
        );
    }
}

#[test]
fn man_pages_are_up_to_date() {
    let fresh = tempfile::tempdir().expect("tempdir");
    let out = stanctl()
        .arg("man-pages")
        .arg(fresh.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checked_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let names = |dir: &std::path::Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map(|entries| entries.map(|e| e.expect("entry").file_name()).collect())
            .unwrap_or_default();
        names.sort();
        names
    };
    let generated = names(fresh.path());
    // A page per subcommand, named as man(1) finds them.
    for page in ["stanctl.1", "stanctl-dump.1", "stanctl-channels-ls.1"] {
        assert!(generated.iter().any(|n| n == page), "no {page}");
    }
    assert_eq!(
        names(&checked_in),
        generated,
        "man/ holds other pages than the clap definitions give: run scripts/update-completions.sh"
    );
    for name in &generated {
        assert!(
            std::fs::read(checked_in.join(name)).ok()
                == std::fs::read(fresh.path().join(name)).ok(),
            "man/{} is stale: run scripts/update-completions.sh",
            name.to_string_lossy()
        );
    }
}

#[test]
fn readme_holds_the_sqlite_schema() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README");
    for line in stanctl::sqlstore::schema::SQLITE_SCHEMA
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        assert!(
            readme.contains(line.trim()),
            "README.md lacks the schema line {line:?}"
        );
    }
}

#[test]
fn raw_dump_of_a_channel_is_its_payloads_in_order() {
    for channel in ["orders.eu", "orders.us", "payments", "audit.log"] {
        let msgs = manifest_msgs(channel);
        let Some(want) = msgs.iter().map(payload_bytes).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let out = stanctl()
            .args([
                "--dir",
                &basic(),
                "dump",
                "--channel",
                channel,
                "--format",
                "raw",
            ])
            .output()
            .expect("run");
        assert!(out.status.success());
        assert_eq!(out.stdout, want.concat(), "{channel}");
        let part = stanctl()
            .args([
                "--dir",
                &basic(),
                "dump",
                "--channel",
                channel,
                "--format",
                "raw",
                "--from-seq",
                "3",
                "--to-seq",
                "5",
            ])
            .output()
            .expect("run");
        assert_eq!(part.stdout, want[2..5].concat(), "{channel} 3..5");
    }
}

/// Bytes of every file under `root`, counted here (not by stanctl).
fn bytes_on_disk(root: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(root).expect("read_dir") {
        let entry = entry.expect("entry");
        let meta = entry.metadata().expect("metadata");
        total += if meta.is_dir() {
            bytes_on_disk(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// `info` reports the store's disk size whether the store is named by
/// `--dir` or by the `dir` of a configuration file.
#[test]
fn info_disk_bytes_with_a_config_file() {
    let store = fixture("file-basic-v0.23").join("store");
    let expected = bytes_on_disk(&store);
    let tmp = tempfile::tempdir().expect("tmp");
    let conf = tmp.path().join("server.conf");
    std::fs::write(
        &conf,
        format!(
            "streaming {{ store: file, dir: {:?} }}\n",
            store.display().to_string()
        ),
    )
    .expect("write config");
    let by_dir = json(&["--dir", &basic(), "info", "--format", "json"]);
    assert_eq!(u64_of(&by_dir["disk_bytes"]), expected, "{by_dir:#}");
    let by_config = json(&[
        "-c",
        conf.to_str().expect("utf-8"),
        "info",
        "--format",
        "json",
    ]);
    assert_eq!(
        by_config["disk_bytes"], by_dir["disk_bytes"],
        "{by_config:#}"
    );
}

/// `dump` over several channels: names, `*` and `>` patterns and repeated
/// `--channel` select the channels the manifest has; merged output is in
/// (timestamp, channel name, seq) order, `--by-channel` channel after
/// channel; json and ndjson say the same; the table names the channel.
#[test]
fn dump_of_several_channels_merges_by_timestamp() {
    let dir = basic();
    let dump = |extra: &[&str]| {
        let mut args = vec!["--dir", dir.as_str(), "dump", "--format", "ndjson"];
        args.extend_from_slice(extra);
        dumped_messages(&ndjson_with_code(&args, 0))
    };
    let all = [
        "audit.log",
        "bin.data",
        "orders.eu",
        "orders.us",
        "payments",
    ];
    let want = manifest_dump("file-basic-v0.23", &all, true);
    assert_eq!(want.len(), 108);
    // The merge interleaves channels: a plain concatenation would not do.
    assert_ne!(want, manifest_dump("file-basic-v0.23", &all, false));
    assert_eq!(dump(&["--channel", ">"]), want);
    let picked = ["orders.eu", "orders.us", "audit.log"];
    let want = manifest_dump("file-basic-v0.23", &picked, true);
    assert_eq!(
        dump(&["--channel", "orders.*", "--channel", "audit.log"]),
        want
    );
    // A name and a pattern that select the same channel give it once.
    assert_eq!(
        dump(&[
            "--channel",
            "orders.*",
            "--channel",
            "orders.eu",
            "--channel",
            "audit.>"
        ]),
        want
    );
    assert_eq!(
        dump(&[
            "--channel",
            "orders.*",
            "--channel",
            "audit.log",
            "--by-channel"
        ]),
        manifest_dump("file-basic-v0.23", &picked, false)
    );
    // --last counts per channel.
    let last: Vec<(String, u64)> = dump(&["--channel", "orders.*", "--last", "2"])
        .into_iter()
        .map(|m| (m.0, m.1))
        .collect();
    let want_last: Vec<_> = manifest_dump("file-basic-v0.23", &["orders.eu", "orders.us"], true)
        .into_iter()
        .filter(|m| (m.0 == "orders.eu" && m.1 >= 34) || (m.0 == "orders.us" && m.1 >= 19))
        .map(|m| (m.0, m.1))
        .collect();
    assert_eq!(last, want_last);

    let array = json(&["--dir", &dir, "dump", "--channel", ">", "--format", "json"]);
    assert_eq!(
        dumped_messages(array.as_array().expect("array")),
        manifest_dump("file-basic-v0.23", &all, true)
    );

    let out = stanctl()
        .args(["--dir", &dir, "dump", "--channel", "orders.*"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("channel "));
    let rows: Vec<(String, u64)> = lines
        .map(|l| {
            let mut cells = l.split_whitespace();
            let channel = cells.next().unwrap().to_string();
            (channel, cells.next().unwrap().parse().unwrap())
        })
        .collect();
    let want: Vec<(String, u64)> =
        manifest_dump("file-basic-v0.23", &["orders.eu", "orders.us"], true)
            .into_iter()
            .map(|m| (m.0, m.1))
            .collect();
    assert_eq!(rows, want);
}

/// Channels larger than what a merge cursor holds at a time (400
/// messages each, cluster node fixture) still merge in manifest order.
#[test]
fn dump_merge_refills_its_cursors() {
    let dir = store_dir("cluster-3node-v0.23");
    let got = dumped_messages(&ndjson_with_code(
        &[
            "--dir",
            &dir,
            "dump",
            "--channel",
            "tlm.*",
            "--format",
            "ndjson",
        ],
        0,
    ));
    let want = manifest_dump("cluster-3node-v0.23", &["tlm.raw", "tlm.agg"], true);
    assert_eq!(want.len(), 800);
    assert_eq!(got, want);
}

/// Patterns that select nothing, or are not subjects, are errors before
/// any output; raw output cannot say the channel, so it takes one.
#[test]
fn dump_channel_patterns_refuse_mistakes() {
    let dir = basic();
    for (pattern, says) in [
        ("ordrs.*", "matches no channel"),
        ("orders.>.x", "'>' must be the last token"),
        ("orders..eu", "empty token"),
        ("ordrs.eu", "did you mean \"orders.eu\""),
    ] {
        let out = stanctl()
            .args(["--dir", &dir, "dump", "--channel", pattern])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{pattern}");
        assert!(out.stdout.is_empty(), "{pattern}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{pattern}: {err}");
    }
    let out = stanctl()
        .args([
            "--dir",
            &dir,
            "dump",
            "--channel",
            "orders.*",
            "--format",
            "raw",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot say the channel"));
}
