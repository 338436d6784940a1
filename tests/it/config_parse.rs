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

/// The library opens the store a configuration file names and lists its
/// channels as the fixture's MANIFEST.json records them.
#[test]
fn store_spec_opens_the_store_a_config_names() {
    use stanctl::open::{StoreLocation, StoreOptions, StoreSpec};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/file-basic-v0.23");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("MANIFEST.json")).expect("manifest"))
            .expect("json");
    let mut expected: Vec<String> = manifest["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_string())
        .collect();
    expected.sort();
    let tmp = tempfile::tempdir().expect("tempdir");
    let conf = tmp.path().join("stan.conf");
    let store = root.join("store");
    std::fs::write(
        &conf,
        format!("store: file\ndir: {:?}\n", store.display().to_string()),
    )
    .expect("write");
    let spec = StoreSpec::resolve(StoreOptions {
        config: Some(conf),
        ..Default::default()
    })
    .expect("resolve");
    assert_eq!(spec.location, StoreLocation::File(store));
    let mut reader = spec.open_reader().expect("open");
    assert_eq!(reader.channel_names().expect("channels"), expected);
}

/// The key's precedence is the server's: a key file, the environment, the
/// explicit key, the configuration file.
#[test]
fn store_spec_key_precedence() {
    use stanctl::open::{KeySources, OpenError, StoreOptions, StoreSpec};
    let tmp = tempfile::tempdir().expect("tempdir");
    let conf = tmp.path().join("stan.conf");
    std::fs::write(&conf, "dir: /nonexistent\nencryption_key: from-config\n").expect("write");
    let key_file = tmp.path().join("key");
    std::fs::write(&key_file, "from-file\r\n").expect("write");
    let key = |key: KeySources| {
        StoreSpec::resolve(StoreOptions {
            config: Some(conf.clone()),
            key,
            ..Default::default()
        })
        .expect("resolve")
        .encryption_key()
        .expect("key")
        .map(|k| String::from_utf8(k).expect("utf-8"))
    };
    let all = KeySources {
        file: Some(key_file.clone()),
        env: Some(b"from-env".to_vec()),
        key: Some("from-flag".into()),
    };
    assert_eq!(key(all.clone()).as_deref(), Some("from-file"));
    let no_file = KeySources { file: None, ..all };
    assert_eq!(key(no_file.clone()).as_deref(), Some("from-env"));
    let no_env = KeySources {
        env: None,
        ..no_file
    };
    assert_eq!(key(no_env).as_deref(), Some("from-flag"));
    assert_eq!(key(KeySources::default()).as_deref(), Some("from-config"));
    // An empty key file is an error naming the file, not an absent key.
    std::fs::write(&key_file, "\n").expect("write");
    let empty = StoreSpec::resolve(StoreOptions {
        key: KeySources {
            file: Some(key_file.clone()),
            ..Default::default()
        },
        dir: Some(tmp.path().to_path_buf()),
        ..Default::default()
    })
    .expect("resolve")
    .encryption_key();
    assert!(
        matches!(empty, Err(OpenError::EmptyKeyFile { .. })),
        "{empty:?}"
    );
    // No store named: a typed error that names no option.
    let none = StoreSpec::resolve(StoreOptions::default())
        .err()
        .expect("no store");
    assert!(matches!(none, OpenError::NoStore));
    assert!(!none.to_string().contains("--"), "{none}");
}
