//! `stanctl::config` through its public API: loading files from disk.

use std::path::Path;

use stanctl::config::{load_config, parse_config, parse_duration_ns};
use stanctl::StoreError;

#[test]
fn load_config_from_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stan.conf");
    std::fs::write(
        &path,
        "streaming {\n  store: file\n  dir: \"/var/stan\"\n  store_limits {\n    max_age: \"1h\"\n    channels { \"orders.>\": { max_msgs: 50 } }\n  }\n}\n",
    )
    .expect("write");
    let cfg = load_config(&path).expect("load");
    assert_eq!(cfg.store_type.as_deref(), Some("file"));
    assert_eq!(cfg.dir.as_deref(), Some(Path::new("/var/stan")));
    let l = cfg.limits.for_channel("orders.eu");
    assert_eq!(l.max_msgs, Some(50));
    assert_eq!(l.max_age_ns, Some(3_600_000_000_000));
    assert_eq!(l.max_bytes, Some(1_024_000_000));
    let l = cfg.limits.for_channel("other");
    assert_eq!(l.max_msgs, Some(1_000_000));
}

#[test]
fn load_config_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.conf");
    match load_config(&missing) {
        Err(StoreError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an I/O error, got {other:?}"),
    }

    let binary = dir.path().join("binary.conf");
    std::fs::write(&binary, b"id: \xff\xfe\n").expect("write");
    let err = load_config(&binary).expect_err("non-UTF-8 must fail");
    assert!(matches!(err, StoreError::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("binary.conf"), "{err}");

    let bad = dir.path().join("bad.conf");
    std::fs::write(&bad, "id: x\nstore_limits {\n  max_msgs: many\n}\n").expect("write");
    let msg = load_config(&bad).expect_err("type error").to_string();
    assert!(
        msg.contains("bad.conf") && msg.contains("line 3") && msg.contains("max_msgs"),
        "{msg}"
    );
}

#[test]
fn public_helpers() {
    assert_eq!(parse_duration_ns("1h30m"), Some(5_400_000_000_000));
    assert_eq!(parse_duration_ns("nope"), None);
    let cfg = parse_config("encryption_key: k", Path::new("x.conf")).expect("parse");
    assert!(cfg.encryption_enabled());
    assert!(!format!("{cfg:?}").contains("\"k\""));
}
