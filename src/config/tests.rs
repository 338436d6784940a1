use super::*;
use crate::model::Limits;

const SEC: i64 = 1_000_000_000;

fn parse(text: &str) -> ServerConfig {
    match parse_config(text, Path::new("test.conf")) {
        Ok(c) => c,
        Err(e) => panic!("parse failed: {e}\n--- input ---\n{text}"),
    }
}

fn parse_err(text: &str) -> String {
    match parse_config(text, Path::new("test.conf")) {
        Ok(c) => panic!("expected an error, got {c:?}\n--- input ---\n{text}"),
        Err(e) => {
            assert!(matches!(e, StoreError::Config { .. }), "{e:?}");
            e.to_string()
        }
    }
}

fn lim(msgs: i64, bytes: i64, age: i64, subs: i64, inact: i64) -> Limits {
    Limits {
        max_msgs: Some(msgs),
        max_bytes: Some(bytes),
        max_age_ns: Some(age),
        max_subs: Some(subs),
        max_inactivity_ns: Some(inact),
    }
}

fn defaults() -> Limits {
    lim(
        DEFAULT_MAX_MSGS,
        DEFAULT_MAX_BYTES,
        DEFAULT_MAX_AGE_NS,
        DEFAULT_MAX_SUBS,
        DEFAULT_MAX_INACTIVITY_NS,
    )
}

fn with(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = defaults();
    f(&mut l);
    l
}

fn manifest(name: &str) -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .join("MANIFEST.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn fixture_file_slices_config() {
    let m = manifest("file-slices-v0.23");
    let text = m["server"]["config_file_contents"]
        .as_str()
        .expect("config text");
    let cfg = parse(text);
    let l = &cfg.limits;
    assert_eq!(l.channels.len(), 3);
    assert_eq!(
        l.for_channel("metrics.cpu"),
        with(|l| l.max_msgs = Some(120))
    );
    assert_eq!(
        l.for_channel("events.ttl"),
        with(|l| l.max_age_ns = Some(10 * SEC))
    );
    assert_eq!(
        l.for_channel("kv.sized"),
        with(|l| l.max_bytes = Some(6000))
    );
    assert_eq!(l.for_channel("logs.app"), defaults());
    assert_eq!(cfg.store_type, None);
    assert_eq!(cfg.encrypt, None);
}

fn collect_configs(v: &serde_json::Value, out: &mut Vec<(String, String)>, path: &str) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = format!("{path}.{k}");
                if k.ends_with("config_file_contents") {
                    if let Some(s) = v.as_str() {
                        out.push((p.clone(), s.to_string()));
                    }
                }
                collect_configs(v, out, &p);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                collect_configs(v, out, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

/// Every configuration text found in any fixture MANIFEST parses, and
/// the limits the MANIFEST says were configured per channel are what
/// `for_channel` computes (defaults elsewhere).
#[test]
fn all_fixture_configs_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut seen = 0;
    let mut checked_channels = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let mpath = entry.path().join("MANIFEST.json");
        let Ok(text) = std::fs::read_to_string(&mpath) else {
            continue;
        };
        let m: serde_json::Value = serde_json::from_str(&text).expect("manifest json");
        let mut configs = Vec::new();
        collect_configs(&m, &mut configs, "");
        for (where_, conf) in &configs {
            let cfg = parse_config(conf, &mpath)
                .unwrap_or_else(|e| panic!("{} {where_}: {e}", mpath.display()));
            seen += 1;
            if where_ != ".server.config_file_contents" {
                continue;
            }
            let Some(channels) = m["channels"].as_array() else {
                continue;
            };
            for ch in channels {
                let name = ch["name"].as_str().expect("channel name");
                let mut expected = defaults();
                if let Some(cl) = ch.get("configured_limits").and_then(|v| v.as_object()) {
                    for (k, v) in cl {
                        match k.as_str() {
                            "max_msgs" => expected.max_msgs = v.as_i64(),
                            "max_bytes" => expected.max_bytes = v.as_i64(),
                            "max_subs" => expected.max_subs = v.as_i64(),
                            "max_age" => {
                                expected.max_age_ns =
                                    parse_duration_ns(v.as_str().expect("duration"))
                            }
                            "max_inactivity" => {
                                expected.max_inactivity_ns =
                                    parse_duration_ns(v.as_str().expect("duration"))
                            }
                            other => panic!("unknown configured limit {other}"),
                        }
                    }
                }
                assert_eq!(
                    cfg.limits.for_channel(name),
                    expected,
                    "{} channel {name}",
                    mpath.display()
                );
                checked_channels += 1;
            }
        }
    }
    assert!(seen >= 3, "expected at least 3 fixture configs, saw {seen}");
    assert!(checked_channels >= 9, "checked {checked_channels} channels");
}

#[test]
fn cluster_fixture_config() {
    let m = manifest("cluster-3node-v0.23");
    let cfg = parse(m["server"]["config_file_contents"].as_str().expect("text"));
    assert_eq!(cfg.limits.for_channel("tlm.raw").max_msgs, Some(400));
    assert_eq!(cfg.limits.for_channel("tlm.agg").max_msgs, Some(400));
    assert_eq!(cfg.limits.for_channel("shop.orders"), defaults());
}

#[test]
fn full_config_with_aliases() {
    let cfg = parse(
        r#"
        # a full streaming configuration
        streaming {
          cid: "my-cluster"
          st = "SQL"
          datastore: "/data/stan"
          encrypt: off
          encryption_cipher: "CHACHA"
          encryption_key: "s3cret"
          file {
            do_crc: false
            slice_count: 100
            slice_size: 64MB
            slice_time_limit: "1h"
            buffer_size: 2mb
            compact_enabled: no
            compact_fragmentation: 40
            compact_interval: 60
            compact_min_size: 1KB
            do_sync: yes
            fds_limit: 5
            parallel_recovery: 4
            read_buffer_size: 1k
            auto_sync: "2s"
            slice_script: "/bin/archive.sh"
          }
          sql {
            driver: "postgres"
            source: "dbname=stan user=u password=hunter2"
            no_caching: true
            max_conns: 10
            bulk_insert_limit: 1000
          }
          cluster {
            node_id: "a"
            log_path: "/data/raft/a"
            peers: ["b", "c"]
          }
          limits {
            mc: 10
            msu: 5
            mm: 1000
            mb: 1gb
            ma: "24h"
            mi: "1h30m"
          }
        }
        "#,
    );
    assert_eq!(cfg.cluster_id.as_deref(), Some("my-cluster"));
    assert_eq!(cfg.store_type.as_deref(), Some("sql"));
    assert_eq!(cfg.dir, Some(PathBuf::from("/data/stan")));
    assert_eq!(cfg.encrypt, Some(true), "a key turns encryption on");
    assert!(cfg.encryption_enabled());
    assert_eq!(cfg.encryption_cipher.as_deref(), Some("CHACHA"));
    assert_eq!(cfg.encryption_key.as_deref(), Some("s3cret"));
    let f = &cfg.file;
    assert_eq!(f.crc, Some(false));
    assert_eq!(f.slice_max_msgs, Some(100));
    assert_eq!(f.slice_max_bytes, Some(64 << 20));
    assert_eq!(f.slice_max_age_ns, Some(3600 * SEC));
    assert_eq!(f.buffer_size, Some(2 << 20));
    assert_eq!(f.compact, Some(false));
    assert_eq!(f.compact_frag, Some(40));
    assert_eq!(f.compact_interval_s, Some(60));
    assert_eq!(f.compact_min_size, Some(1024));
    assert_eq!(f.sync, Some(true));
    assert_eq!(f.fds_limit, Some(5));
    assert_eq!(f.parallel_recovery, Some(4));
    assert_eq!(f.read_buffer_size, Some(1000));
    assert_eq!(f.auto_sync_ns, Some(2 * SEC));
    assert_eq!(f.slice_archive_script.as_deref(), Some("/bin/archive.sh"));
    let s = &cfg.sql;
    assert_eq!(s.driver.as_deref(), Some("postgres"));
    assert_eq!(
        s.source.as_deref(),
        Some("dbname=stan user=u password=hunter2")
    );
    assert_eq!(s.no_caching, Some(true));
    assert_eq!(s.max_open_conns, Some(10));
    assert_eq!(s.bulk_insert_limit, Some(1000));
    assert!(cfg.clustered);
    assert_eq!(cfg.cluster_node_id.as_deref(), Some("a"));
    assert_eq!(cfg.cluster_log_path, Some(PathBuf::from("/data/raft/a")));
    assert_eq!(
        cfg.cluster_peers,
        Some(vec!["b".to_string(), "c".to_string()])
    );
    let l = &cfg.limits;
    assert_eq!(l.max_channels, Some(10));
    assert_eq!(
        l.global_effective(),
        lim(1000, 1 << 30, 24 * 3600 * SEC, 5, 5400 * SEC)
    );
    assert_eq!(l.for_channel("any"), l.global_effective());
}

#[test]
fn crc_poly_and_hex_like_values() {
    let cfg = parse("file { crc_poly: 3988292384 }");
    assert_eq!(cfg.file.crc_poly, Some(0xEDB8_8320));
    // `0x82f63b78` is a string in this syntax, not a number.
    let e = parse_err("file { crc_poly: 0x82f63b78 }");
    assert!(
        e.contains("line 1") && e.contains("crc_poly") && e.contains("integer"),
        "{e}"
    );
    let e = parse_err("file { crc_poly: 4294967296 }");
    assert!(e.contains("32-bit"), "{e}");
}

#[test]
fn debug_redacts_secrets() {
    let cfg =
        parse("encryption_key: \"topsecretkey\"\nsql_options { source: \"user:pw@tcp(h)/db\" }");
    let dbg = format!("{cfg:?}");
    assert!(!dbg.contains("topsecretkey"), "{dbg}");
    assert!(!dbg.contains("user:pw"), "{dbg}");
    assert!(dbg.contains("<redacted>"), "{dbg}");
    let dbg = format!("{:#?}", cfg.sql);
    assert!(!dbg.contains("user:pw"), "{dbg}");
    let none = format!("{:?}", ServerConfig::default());
    assert!(!none.contains("<redacted>"), "{none}");
}

#[test]
fn separators_and_comments() {
    let cfg = parse(
        "// slash comment\n\
         id: a   # trailing comment\n\
         dir = \"/x\" // another\n\
         store file\n\
         store_limits\n\
         {\n\
           max_msgs 10; max_subs: 3, max_bytes = 7\n\
           # comment line inside a map\n\
           // and another\n\
         }\n",
    );
    assert_eq!(cfg.cluster_id.as_deref(), Some("a"));
    assert_eq!(cfg.dir, Some(PathBuf::from("/x")));
    assert_eq!(cfg.store_type.as_deref(), Some("file"));
    assert_eq!(cfg.limits.global.max_msgs, Some(10));
    assert_eq!(cfg.limits.global.max_subs, Some(3));
    assert_eq!(cfg.limits.global.max_bytes, Some(7));
}

#[test]
fn json_like_document() {
    let cfg = parse(
        r#"{
          "streaming": {
            "cluster_id": "j",
            "store_limits": {"channels": {"a.b": {"max_msgs": 5}, "c": {"max_age": "1s"}}}
          }
        }"#,
    );
    assert_eq!(cfg.cluster_id.as_deref(), Some("j"));
    assert_eq!(cfg.limits.for_channel("a.b").max_msgs, Some(5));
    assert_eq!(cfg.limits.for_channel("c").max_age_ns, Some(SEC));
}

#[test]
fn case_insensitive_keys() {
    let cfg =
        parse("STREAMING { Store_Limits { MAX_MSGS: 9, Channels { Foo: { MaxAge: \"2s\" } } } }");
    assert_eq!(cfg.limits.global.max_msgs, Some(9));
    // Channel names keep their case.
    assert_eq!(cfg.limits.channels[0].0, "Foo");
    assert_eq!(cfg.limits.for_channel("Foo").max_age_ns, Some(2 * SEC));
    assert_eq!(cfg.limits.for_channel("foo").max_age_ns, Some(0));
    assert_eq!(cfg.limits.for_channel("Foo").max_msgs, Some(9));
}

#[test]
fn streaming_block_replaces_top_level() {
    // As in the server, keys outside `streaming {}` are then ignored.
    let cfg = parse("id: outside\nport: 4222\nstreaming { dir: \"/in\" }\n");
    assert_eq!(cfg.cluster_id, None);
    assert_eq!(cfg.dir, Some(PathBuf::from("/in")));
    // Without a streaming block, top-level keys count; nats-server keys
    // (port, max_payload, ...) are ignored.
    let cfg = parse("id: top\nport: 4222\nmax_payload: 16777216\n");
    assert_eq!(cfg.cluster_id.as_deref(), Some("top"));
    let e = parse_err("streaming: 5");
    assert!(e.contains("streaming") && e.contains("map"), "{e}");
}

#[test]
fn size_suffixes() {
    let cases: &[(&str, i64)] = &[
        ("1k", 1000),
        ("1K", 1000),
        ("1kb", 1024),
        ("1KB", 1024),
        ("2Ki", 2048),
        ("1kib", 1024),
        ("3m", 3_000_000),
        ("3MB", 3 << 20),
        ("1g", 1_000_000_000),
        ("1Gb", 1 << 30),
        ("1t", 1_000_000_000_000),
        ("1tb", 1 << 40),
        ("1p", 1_000_000_000_000_000),
        ("1pb", 1 << 50),
        ("2e", 2_000_000_000_000_000_000),
        ("1eb", 1 << 60),
        ("-2k", -2000),
        ("123", 123),
    ];
    for (text, want) in cases {
        let cfg = parse(&format!("file {{ buffer_size: {text} }}"));
        assert_eq!(cfg.file.buffer_size, Some(*want), "{text}");
    }
    let e = parse_err("file { buffer_size: 10e }");
    assert!(e.contains("out of range"), "{e}");
    let e = parse_err("file { buffer_size: 99999999999999999999 }");
    assert!(e.contains("out of range"), "{e}");
    let e = parse_err("file { buffer_size: 1kbb }");
    assert!(e.contains("suffix"), "{e}");
}

#[test]
fn durations_in_config() {
    let cfg = parse(
        "limits {\n max_age: 10s\n max_inactivity: '1h30m'\n channels {\n a: { ma: \"500ms\" }\n b: { ma: 10ms }\n }\n}",
    );
    assert_eq!(cfg.limits.global.max_age_ns, Some(10 * SEC));
    assert_eq!(cfg.limits.global.max_inactivity_ns, Some(5400 * SEC));
    assert_eq!(cfg.limits.for_channel("a").max_age_ns, Some(500_000_000));
    assert_eq!(cfg.limits.for_channel("b").max_age_ns, Some(10_000_000));
    // Unquoted `1m` is the integer 1000000 for nats-server, which the
    // streaming server rejects for a duration.
    let e = parse_err("limits {\n max_age: 1m\n}");
    assert!(e.contains("line 2") && e.contains("duration"), "{e}");
    let e = parse_err("limits { max_age: \"10 parsecs\" }");
    assert!(e.contains("invalid duration"), "{e}");
    // `1.5s` unquoted is a syntax error (a float followed by `s`).
    let e = parse_err("limits { max_age: 1.5s }");
    assert!(e.contains("line 1"), "{e}");
    assert_eq!(
        parse("limits { max_age: \"1.5s\" }")
            .limits
            .global
            .max_age_ns,
        Some(1_500_000_000)
    );
}

#[test]
fn go_duration_syntax() {
    let ok: &[(&str, i64)] = &[
        ("0", 0),
        ("-0", 0),
        ("+0", 0),
        ("0s", 0),
        ("1ns", 1),
        ("1us", 1_000),
        ("1\u{b5}s", 1_000),
        ("1\u{3bc}s", 1_000),
        ("500ms", 500_000_000),
        ("10s", 10 * SEC),
        ("1m", 60 * SEC),
        ("1h30m", 5400 * SEC),
        ("1.5h", 5400 * SEC),
        (".5s", SEC / 2),
        ("1.s", SEC),
        ("-1.5s", -1_500_000_000),
        ("+2m3s", 123 * SEC),
        ("1h1m1s1ms1us1ns", 3_661_001_001_001),
        ("2562047h47m16.854775807s", i64::MAX),
        ("-2562047h47m16.854775808s", i64::MIN),
        ("0.000000001s", 1),
    ];
    for (s, want) in ok {
        assert_eq!(parse_duration_ns(s), Some(*want), "{s}");
    }
    for bad in [
        "",
        "-",
        "s",
        "1",
        "10",
        "1x",
        "1.5",
        ".s",
        "1hh",
        "1 h",
        "h1",
        "1h 2m",
        "2562047h47m16.854775808s",
        "9999999999999999999ns",
        "1e3s",
        "--1s",
    ] {
        assert_eq!(parse_duration_ns(bad), None, "{bad:?}");
    }
}

#[test]
fn strings_quotes_and_escapes() {
    let cfg =
        parse("id: \"a\\tb\\\"c\\\\d\\x41\"\nencryption_cipher: 'raw\\n'\ndir: bare/path.x\n");
    assert_eq!(cfg.cluster_id.as_deref(), Some("a\tb\"c\\dA"));
    assert_eq!(cfg.encryption_cipher.as_deref(), Some("raw\\n"));
    assert_eq!(cfg.dir, Some(PathBuf::from("bare/path.x")));
    // Keys and values may be quoted; a bare value containing '#' keeps it.
    let cfg = parse("'id' = ab#cd\n\"dir\": \"with spaces # not a comment\"");
    assert_eq!(cfg.cluster_id.as_deref(), Some("ab#cd"));
    assert_eq!(cfg.dir, Some(PathBuf::from("with spaces # not a comment")));
    let e = parse_err("id: \"abc\\q\"");
    assert!(e.contains("escape"), "{e}");
    let e = parse_err("id: \"\\xff\"");
    assert!(e.contains("UTF-8"), "{e}");
    // A block string.
    let cfg = parse("id: (\nmulti\nline\n)\ndir: x\n");
    assert_eq!(cfg.cluster_id.as_deref(), Some("\nmulti\nline\n"));
    assert_eq!(cfg.dir, Some(PathBuf::from("x")));
}

#[test]
fn booleans() {
    for (text, want) in [
        ("true", true),
        ("TRUE", true),
        ("yes", true),
        ("On", true),
        ("false", false),
        ("no", false),
        ("OFF", false),
    ] {
        assert_eq!(
            parse(&format!("encrypt: {text}")).encrypt,
            Some(want),
            "{text}"
        );
    }
    // A quoted "true" is a string, which the server rejects for a bool.
    let e = parse_err("encrypt: \"true\"");
    assert!(e.contains("boolean"), "{e}");
}

#[test]
fn arrays_and_other_values() {
    let cfg = parse(
        "cluster {\n peers: [\n  a # comment\n  b, c\n  'd'\n ]\n}\nx: 2020-01-02T03:04:05Z\ny: 1.5\nz: 127.0.0.1:4222\nw: []\n",
    );
    assert_eq!(
        cfg.cluster_peers,
        Some(vec!["a".into(), "b".into(), "c".into(), "d".into()])
    );
    let e = parse_err("cluster { peers: [a, 1] }");
    assert!(e.contains("peers") && e.contains("string"), "{e}");
    let e = parse_err("cluster { peers: [a,, b] }");
    assert!(e.contains("','"), "{e}");
    let e = parse_err("x: 2020-01-02\n");
    assert!(e.contains("ISO8601"), "{e}");
}

#[test]
fn variables() {
    let cfg = parse("KEY: \"abc\"\nencryption_key: $KEY\nstreaming_dir = /d\n");
    assert_eq!(cfg.encryption_key.as_deref(), Some("abc"));
    // Inner maps see outer keys.
    let cfg = parse("N: 42\nlimits { max_msgs: $N, channels { a: { mm: $N } } }");
    assert_eq!(cfg.limits.global.max_msgs, Some(42));
    assert_eq!(cfg.limits.for_channel("a").max_msgs, Some(42));
    let var = "STANCTL_CONFIG_TEST_VAR_7f3a";
    std::env::set_var(var, "1kb");
    let cfg = parse(&format!("file {{ buffer_size: ${var} }}"));
    assert_eq!(cfg.file.buffer_size, Some(1024));
    let e = parse_err("\n\nid: $STANCTL_SURELY_UNDEFINED_VARIABLE_x9");
    assert!(
        e.contains("line 3") && e.contains("can not be found"),
        "{e}"
    );
}

#[test]
fn variable_expansion_is_bounded() {
    // Exponential expansion ("billion laughs") must fail cleanly.
    let mut text = String::from("a0: [1,1,1,1,1,1,1,1,1,1]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: [$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p},$a{p}]\n"
        ));
    }
    let e = parse_err(&text);
    assert!(e.contains("expand") || e.contains("nested"), "{e}");
    // Depth through chained variables is bounded too.
    let mut text = String::from("v0: 1\n");
    for i in 1..200 {
        text.push_str(&format!("v{i}: [[$v{}]]\n", i - 1));
    }
    let e = parse_err(&text);
    assert!(e.contains("nested"), "{e}");
}

#[test]
fn include_is_reported() {
    let e = parse_err("id: x\ninclude ./other.conf\n");
    assert!(e.contains("line 2") && e.contains("include"), "{e}");
    let e = parse_err("streaming {\n  include 'limits.conf'\n}\n");
    assert!(e.contains("line 2") && e.contains("include"), "{e}");
}

#[test]
fn wildcard_inheritance() {
    let cfg = parse(
        r#"
        store_limits {
          max_msgs: 1000
          max_age: "1h"
          channels {
            "foo.>":   { max_msgs: 100, max_subs: 7 }
            "foo.*":   { max_bytes: 5000 }
            "foo.bar": { max_msgs: 0, max_inactivity: "10m" }
            "foo.*.baz": { max_age: "0" }
            ">":       { max_subs: 50 }
          }
        }
        "#,
    );
    let l = &cfg.limits;
    let h = 3600 * SEC;
    // Global: max_msgs 1000, max_age 1h, defaults otherwise; ">" covers
    // everything with one token or more.
    assert_eq!(
        l.for_channel("other"),
        lim(1000, DEFAULT_MAX_BYTES, h, 50, 0)
    );
    assert_eq!(
        l.for_channel("foo.x.y"),
        lim(100, DEFAULT_MAX_BYTES, h, 7, 0)
    );
    assert_eq!(l.for_channel("foo.x"), lim(100, 5000, h, 7, 0));
    assert_eq!(l.for_channel("foo.bar"), lim(0, 5000, h, 7, 600 * SEC));
    // `foo.*.baz` inherits from `foo.>`, not from `foo.*` (which has two
    // tokens and does not match it).
    assert_eq!(
        l.for_channel("foo.q.baz"),
        lim(100, DEFAULT_MAX_BYTES, 0, 7, 0)
    );
    assert_eq!(l.for_channel("foo"), lim(1000, DEFAULT_MAX_BYTES, h, 50, 0));
    // Resolved once, same answers.
    let r = l.resolve();
    for ch in ["other", "foo.x.y", "foo.x", "foo.bar", "foo.q.baz", "foo"] {
        assert_eq!(r.for_channel(ch), l.for_channel(ch), "{ch}");
    }
    assert_eq!(r.global(), l.global_effective());
}

#[test]
fn explicit_zero_and_negative_per_channel_mean_unlimited() {
    let cfg = parse(
        "limits { mm: 10, mb: 20, ma: \"1s\", msu: 30, mi: \"2s\"\n channels { a: { mm: 0, mb: -1, ma: \"0s\", msu: 0, mi: \"0\" }, b: {} } }",
    );
    assert_eq!(cfg.limits.for_channel("a"), lim(0, 0, 0, 0, 0));
    assert_eq!(cfg.limits.for_channel("b"), lim(10, 20, SEC, 30, 2 * SEC));
    // Global 0 = unlimited; negative global values are rejected.
    let cfg = parse("limits { max_msgs: 0 }");
    assert_eq!(cfg.limits.for_channel("x").max_msgs, Some(0));
    let e = parse_err("limits {\n max_msgs: -5\n}");
    assert!(e.contains("line 2") && e.contains("negative"), "{e}");
    let e = parse_err("limits { max_channels: -1 }");
    assert!(e.contains("negative"), "{e}");
}

#[test]
fn tie_break_and_trie_quirks() {
    // For `a.b`, the server's trie returns `*.b` before `a.*`, so `a.*`
    // decides; `a.*` does not inherit from `*.b`.
    let cfg = parse("limits { channels { \"*.b\": { mm: 2, mb: 99 }, \"a.*\": { mm: 1 } } }");
    assert_eq!(
        cfg.limits.for_channel("a.b"),
        with(|l| l.max_msgs = Some(1))
    );
    assert_eq!(
        cfg.limits.for_channel("z.b"),
        with(|l| {
            l.max_msgs = Some(2);
            l.max_bytes = Some(99)
        })
    );
    // `foo.>` inherits from `*.*` (trie quirk), even for channels `*.*`
    // does not match.
    let cfg = parse("limits { channels { \"*.*\": { mm: 5 }, \"foo.>\": { mb: 6 } } }");
    let want = with(|l| {
        l.max_msgs = Some(5);
        l.max_bytes = Some(6)
    });
    assert_eq!(cfg.limits.for_channel("foo.a.b"), want);
    assert_eq!(cfg.limits.for_channel("foo.a"), want);
    assert_eq!(
        cfg.limits.for_channel("x.y"),
        with(|l| l.max_msgs = Some(5))
    );
    assert_eq!(cfg.limits.for_channel("x.y.z"), defaults());
}

#[test]
fn duplicate_channel_entries_last_wins() {
    let cfg = parse("limits { channels { a: { mm: 1 } } }\nlimits { channels { a: { mb: 2 } } }");
    // Two `limits` blocks merge; the same channel is replaced.
    assert_eq!(cfg.limits.channels.len(), 1);
    assert_eq!(cfg.limits.for_channel("a"), with(|l| l.max_bytes = Some(2)));
    let cfg = parse("limits { channels { a: { mm: 1 }\n a: { mm: 3 } } }");
    assert_eq!(cfg.limits.for_channel("a").max_msgs, Some(3));
}

#[test]
fn invalid_channel_names() {
    for bad in [
        "foo..bar",
        ".foo",
        "foo.",
        "foo.>.bar",
        "fo*.bar",
        "a/b",
        "a.b>",
    ] {
        let e = parse_err(&format!(
            "limits {{ channels {{ \"{bad}\": {{ mm: 1 }} }} }}"
        ));
        assert!(e.contains("invalid channel name"), "{bad}: {e}");
    }
    let e = parse_err("limits { channels { a: 5 } }");
    assert!(e.contains("map"), "{e}");
}

#[test]
fn wrong_types_name_key_and_line() {
    let e = parse_err("id: x\nstore_limits {\n  max_msgs: \"many\"\n}\n");
    assert!(e.contains("test.conf"), "{e}");
    assert!(
        e.contains("line 3") && e.contains("max_msgs") && e.contains("integer"),
        "{e}"
    );
    let e = parse_err("store: disk");
    assert!(e.contains("unknown store type"), "{e}");
    let e = parse_err("dir: 5");
    assert!(e.contains("string"), "{e}");
    let e = parse_err("file: [1]");
    assert!(e.contains("map"), "{e}");
}

#[test]
fn syntax_errors_name_line() {
    let cases: &[(&str, &str)] = &[
        ("id: x\nlimits {\n max_msgs: 5\n", "line 4"),
        ("a: \"unterminated\n\n", "line 1"),
        ("a: 'unterminated", "line 1"),
        ("a: [1, 2", "line 1"),
        ("a:\n5", "line 1"),
        ("a: 5 6", "line 1"),
        ("\n\n: 5", "line 3"),
        ("a { b: 1 c }", "line 1"),
        ("a: .5", "line 1"),
        ("a: -x", "line 1"),
        ("a: {\n b: , }\n", "line 2"),
        ("a {\n ] }\n", "line 2"),
        ("/ x: 1", "line 1"),
        ("a: 2021-02-29T00:00:00Z", "line 1"),
        ("a: 2020-01-01T24:00:00Z", "line 1"),
        ("key_without_value", "line 1"),
        ("a: (\nunterminated block", "line 1"),
    ];
    for (text, line) in cases {
        let e = parse_err(text);
        assert!(e.contains(line), "{text:?}: {e}");
    }
}

/// Maps and arrays say what may follow an element, and which one was
/// left open.
#[test]
fn unclosed_and_unseparated_maps_and_arrays_say_what_was_expected() {
    let cases: &[(&str, &str)] = &[
        (
            "a {\n b: 1",
            "expected '}' to close the map opened on line 1",
        ),
        ("a {\n", "expected '}' to close the map opened on line 1"),
        (
            "x: 1\na: [1, 2",
            "expected ']' to close the array opened on line 2",
        ),
        ("a: [", "expected ']' to close the array opened on line 1"),
        (
            "a { b: 1 ] }",
            "expected ',', ';', a new line or '}' after the value of \"b\", found",
        ),
        (
            "a: [1 }",
            "expected ',', a new line or ']' after an array value, found",
        ),
    ];
    for (text, message) in cases {
        let e = parse_err(text);
        assert!(e.contains(message), "{text:?}: {e}");
    }
    // '/' separates like ',', ';' only in maps.
    assert!(parse_err("a: [1; 2]").contains("after an array value"));
    for text in ["a { b: 1 / c: 2 }", "a { b: 1; c: 2 }", "a: [1 / 2]"] {
        parse(text);
    }
}

/// Quirks of the nats-server lexer/parser kept on purpose (checked
/// against the Go code on random inputs while writing this module).
#[test]
fn nats_parser_quirks() {
    // A key left without value before '}' stays pending: the enclosing
    // map lands under it, and the key of that map under the next
    // pending key.
    let cfg = parse("limits { channels { a: { mm: 1 }, dangling } }");
    assert!(cfg.limits.channels.is_empty(), "{cfg:?}");
    let cfg = parse("store_limits { max_msgs: 7, mm }");
    assert_eq!(cfg.limits.global.max_msgs, None);
    // Empty values.
    let cfg = parse("id: ;dir: \"/d\"");
    assert_eq!(cfg.cluster_id.as_deref(), Some(""));
    assert_eq!(cfg.dir, Some(PathBuf::from("/d")));
    // A lone '/' after a value in a map acts like ','.
    let cfg = parse("limits { mm: 5 / mb: 6 }");
    assert_eq!(cfg.limits.global.max_msgs, Some(5));
    assert_eq!(cfg.limits.global.max_bytes, Some(6));
    // A number followed by other characters is a string (the first
    // one taken as is), so `1'x` is the string "1'x".
    let cfg = parse("id: 1'x");
    assert_eq!(cfg.cluster_id.as_deref(), Some("1'x"));
    // Keys end only at blanks and separators.
    let cfg = parse("store_limits{mm: 5}");
    assert_eq!(cfg.limits.global.max_msgs, None, "{cfg:?}");
    // A final '}' (JSON-like file) and a final lone quote are accepted.
    assert_eq!(parse("id: x\n}\n").cluster_id.as_deref(), Some("x"));
    assert_eq!(parse("id: x\n'").cluster_id.as_deref(), Some("x"));
    // Key with a separator at end of file: empty string.
    assert_eq!(parse("id:").cluster_id.as_deref(), Some(""));
    // A size suffix followed by a digit ends the number: error.
    let e = parse_err("file { buffer_size: 1k5 }");
    assert!(e.contains("line 1"), "{e}");
    // Inside arrays `]` ends a number (nats-server would fail there).
    let cfg = parse("cluster { peers: [a, b] }\nx: [1, 2]");
    assert_eq!(cfg.cluster_peers, Some(vec!["a".into(), "b".into()]));
}

#[test]
fn nesting_is_capped() {
    let deep = format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = parse_err(&deep);
    assert!(e.contains("nested"), "{e}");
    let deep = format!("{}{}", "a { ".repeat(10_000), "} ".repeat(10_000));
    let e = parse_err(&deep);
    assert!(e.contains("nested"), "{e}");
    let ok = format!("a: {}{}", "[".repeat(60), "]".repeat(60));
    parse(&ok);
}

#[test]
fn empty_and_comment_only() {
    assert_eq!(parse(""), ServerConfig::default());
    assert_eq!(parse("# nothing\n// here\n\n"), ServerConfig::default());
    assert_eq!(parse("\u{feff}id: x").cluster_id.as_deref(), Some("x"));
}

/// Garbage never panics: every prefix and many byte mutations of a
/// realistic file either parse or give a Config error.
#[test]
fn garbage_does_not_panic() {
    let base = r#"streaming { id: "c" store: file dir: '/d' # c
 file_options { crc: true, slice_max_bytes: 64MB, slice_max_age: "1h" }
 sql { driver: mysql, source: "u:p@/db" } cluster { peers: [a, b] log_path: x }
 store_limits { max_msgs: 1k, channels { "a.*": { max_age: 10s }, "a.b": { mm: 0 } } }
 x: $id y: (
block
)
 z: 2020-01-01T00:00:00Z w: 1.5 v: -3kb u: 127.0.0.1:4222 t: "\x41\t" }
"#;
    let check = |t: &str| match parse_config(t, Path::new("g.conf")) {
        Ok(_) | Err(StoreError::Config { .. }) => {}
        Err(other) => panic!("unexpected error kind {other:?}"),
    };
    check(base);
    for end in 0..=base.len() {
        if let Some(prefix) = base.get(..end) {
            check(prefix);
            if let Some(suffix) = base.get(end..) {
                check(suffix);
            }
        }
    }
    let specials = [
        "{", "}", "[", "]", "\"", "'", "$", "\\", "\n", ":", "=", "#", "//", "(", ")", "-", ".",
        ",", ";", "\u{e9}", "9", "k", "\0",
    ];
    let bytes: Vec<char> = base.chars().collect();
    for i in 0..bytes.len() {
        for s in specials {
            let mut t: String = bytes.iter().take(i).collect();
            t.push_str(s);
            t.extend(bytes.iter().skip(i + 1));
            check(&t);
        }
    }
    for junk in [
        "\u{0}\u{1}\u{2}",
        "}}}}",
        "]]]",
        "{{{{",
        "=:=:",
        "$",
        "a: $",
        "a: \"\\",
        "a: \\",
        "a: 1\\",
        "a: 2020-",
        "a: 99999999999999999999999999k",
        "a: 1.7976931348623157e309",
        "a: 1.99999999999999999999999999999999999999999999",
        "include",
        "include ",
        "\"",
        "'",
        "a: (",
        "a: (\n)",
        "\u{feff}\u{feff}",
        "🦀: 🦀",
    ] {
        check(junk);
    }
}
