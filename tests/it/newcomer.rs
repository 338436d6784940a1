//! What a newcomer trips on (issue 18): versions that never existed,
//! wrong keys, unknown counts shown as 0, empty or backwards ranges, typos.
//! Each answer is checked against the fixtures' MANIFEST.json.

use crate::common::*;

/// Run with `args`, expect `code`, return (stdout, stderr).
fn run(args: &[&str], code: i32) -> (String, String) {
    let out = stanctl().args(args).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

fn encryption_key(name: &str) -> String {
    str_of(&manifest(name)["store"]["encryption"]["key"]).to_string()
}

#[test]
fn server_versions_that_never_existed_are_usage_errors() {
    let dir = store_dir("file-basic-v0.23");
    for never in ["0.30.0", "1.2", "0.13.0", "v0.25.7"] {
        let (_, err) = run(&["--dir", &dir, "check", "--server-version", never], 2);
        assert!(err.contains("not a released"), "{never}: {err}");
        assert!(err.contains("v0.1.0 to v0.25.6"), "{never}: {err}");
    }
    // A real release is answered.
    let report = json(&[
        "--dir",
        &dir,
        "check",
        "--format",
        "json",
        "--server-version",
        "0.23.2",
    ]);
    assert_eq!(report["compatibility"]["server_version"]["opens"], true);
}

fn deep_check_with_a_wrong_key_fails(name: &str) {
    let dir = store_dir(name);
    let key = encryption_key(name);
    let right = json_with_code(
        &[
            "--dir",
            &dir,
            "--encryption-key",
            &key,
            "check",
            "--deep",
            "--format",
            "json",
        ],
        0,
    );
    assert!(findings(&right, "payload.decrypt").is_empty(), "{right:#}");
    let wrong_key = format!("{key}-wrong");
    let wrong = json_with_code(
        &[
            "--dir",
            &dir,
            "--encryption-key",
            &wrong_key,
            "check",
            "--deep",
            "--format",
            "json",
        ],
        1,
    );
    let failed = findings(&wrong, "payload.decrypt");
    // One finding per channel with messages, as in the manifest.
    let with_messages = manifest(name)["channels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| u64_of(&c["msg_count"]) > 0)
        .count();
    assert_eq!(failed.len(), with_messages, "{name}: {wrong:#}");
    assert_eq!(failed[0]["severity"], "error");
    let text = wrong.to_string();
    assert!(!text.contains(&key), "the key is never printed");
}

per_fixture! { [deep_check_with_a_wrong_key_fails]
    file_encrypted_v0_23 => "file-encrypted-v0.23",
    cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
}

#[test]
fn an_encrypted_cluster_node_without_its_key_has_unknown_membership() {
    let name = "cluster-encrypted-v0.23";
    let dir = store_dir(name);
    let info = json(&["--dir", &dir, "info", "--format", "json"]);
    assert!(info["clients"].is_null(), "{info:#}");
    assert!(info["subscriptions"].is_null(), "{info:#}");
    let notes = info["notes"].to_string();
    assert!(notes.contains("key"), "{info:#}");
    // Messages are still counted, as in the manifest.
    let total: u64 = manifest(name)["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| u64_of(&c["msg_count"]))
        .sum();
    assert_eq!(u64_of(&info["msgs"]), total);
    let channels = json(&["--dir", &dir, "channels", "ls", "--format", "json"]);
    assert!(channels[0]["subscriptions"].is_null(), "{channels:#}");
    let (out, table) = run(&["--dir", &dir, "info"], 0);
    assert!(out.contains("unknown"), "{out}");
    assert!(table.contains("give the key"), "{table}");
    for cmd in [["clients", "ls"], ["subs", "ls"]] {
        let mut args = vec!["--dir", dir.as_str()];
        args.extend(cmd);
        let (out, err) = run(&args, 1);
        assert!(out.is_empty(), "no empty list: {out}");
        assert!(err.contains("unknown") && err.contains("key"), "{err}");
    }
    // With the key, the manifest's subscriptions are there.
    let key = encryption_key(name);
    let info = json(&[
        "--dir",
        &dir,
        "--encryption-key",
        &key,
        "info",
        "--format",
        "json",
    ]);
    assert!(u64_of(&info["subscriptions"]) > 0, "{info:#}");
}

#[test]
fn empty_ranges_are_usage_errors() {
    let dir = store_dir("file-basic-v0.23");
    let dump = |extra: &[&str], code: i32| {
        let mut args = vec!["--dir", dir.as_str(), "dump", "--channel", "orders.eu"];
        args.extend_from_slice(extra);
        run(&args, code)
    };
    let (out, err) = dump(&["--from-seq", "20", "--to-seq", "10"], 2);
    assert!(
        out.is_empty() && err.contains("--from-seq 20 is after --to-seq 10"),
        "{err}"
    );
    let (out, err) = dump(
        &[
            "--since",
            "2026-11-26T00:00:00Z",
            "--until",
            "2026-11-25T00:00:00Z",
        ],
        2,
    );
    assert!(out.is_empty() && err.contains("is after --until"), "{err}");
}

#[test]
fn times_take_units_and_refuse_bare_seconds() {
    let name = "file-basic-v0.23";
    let dir = store_dir(name);
    let m = manifest(name);
    let messages = m["channels"][0]["messages"].as_array().unwrap();
    let channel = str_of(&m["channels"][0]["name"]);
    // Bare Unix seconds would be 1970 as nanoseconds: refused, with the fix.
    let (_, err) = run(
        &[
            "--dir",
            &dir,
            "dump",
            "--channel",
            channel,
            "--since",
            "1795570246",
        ],
        2,
    );
    assert!(err.contains("1795570246s"), "{err}");
    // The same instant with a unit selects what the manifest says.
    let since_ns = 1_795_570_246_000_000_000u64;
    let want: Vec<u64> = messages
        .iter()
        .filter(|x| u64_of(&x["timestamp_ns"]) >= since_ns)
        .map(|x| u64_of(&x["seq"]))
        .collect();
    assert!(!want.is_empty() && want.len() < messages.len());
    let seqs_since = |since: &str| -> Vec<u64> {
        let args = [
            "--dir",
            &dir,
            "dump",
            "--channel",
            channel,
            "--format",
            "ndjson",
            "--since",
            since,
        ];
        let lines = ndjson_with_code(&args, 0);
        lines.iter().map(|l| u64_of(&l["seq"])).collect()
    };
    for since in ["1795570246s", "1795570246000ms", "2026-11-25T01:30:46Z"] {
        assert_eq!(seqs_since(since), want, "{since}");
    }
    // Relative, back from now: the fixture is younger than 100000 days and
    // older than an hour.
    assert_eq!(seqs_since("100000d").len(), messages.len());
    assert!(seqs_since("1h ago").is_empty());
}

#[test]
fn expecting_nothing_fails() {
    let dir = store_dir("file-basic-v0.23");
    let empty = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(empty.path(), "{}").unwrap();
    let report = json_with_code(
        &[
            "--dir",
            &dir,
            "check",
            "--format",
            "json",
            "--expect",
            empty.path().to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(report["ok"], false);
    let d = report["expect"]["differences"].to_string();
    assert!(d.contains("nothing to compare"), "{report:#}");
}

#[test]
fn migrate_refuses_options_of_the_other_backend() {
    let dir = store_dir("file-basic-v0.23");
    let tmp = tempfile::tempdir().unwrap();
    let to_dir = tmp.path().join("x");
    let db = tmp.path().join("x.db");
    let (_, err) = run(
        &[
            "--dir",
            &dir,
            "migrate",
            "file-to-sql",
            "--to-sql-source",
            db.to_str().unwrap(),
            "--to-dir",
            to_dir.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains("--to-dir does not apply to a SQL target"),
        "{err}"
    );
    let (_, err) = run(
        &[
            "--dir",
            &dir,
            "migrate",
            "file-to-file",
            "--to-dir",
            to_dir.to_str().unwrap(),
            "--to-sql-source",
            db.to_str().unwrap(),
            "--force",
        ],
        2,
    );
    assert!(
        err.contains("--to-sql-source, --force do not apply to a file store target"),
        "{err}"
    );
    assert!(!to_dir.exists() && !db.exists(), "nothing written");
}

#[test]
fn a_channel_typo_gets_did_you_mean_and_no_table() {
    let dir = store_dir("file-basic-v0.23");
    for cmd in [
        vec!["dump", "--channel", "orders.e"],
        vec!["channels", "show", "order.eu"],
        vec!["subs", "ls", "--channel", "Orders.eu"],
    ] {
        let mut args = vec!["--dir", dir.as_str()];
        args.extend(cmd.iter().copied());
        let (out, err) = run(&args, 2);
        assert!(out.is_empty(), "nothing before the error: {out}");
        assert!(err.contains("did you mean \"orders.eu\""), "{cmd:?}: {err}");
    }
    let (_, err) = run(&["--dir", &dir, "dump", "--channel", "zzzzzzzzzz"], 2);
    assert!(err.contains("channels: "), "{err}");
}

#[test]
fn a_dir_one_level_off_gets_a_hint() {
    let basic = fixture("file-basic-v0.23");
    let store = basic.join("store");
    let cluster = fixture("cluster-3node-v0.23").join("node");
    for (given, want) in [
        (basic.clone(), store.clone()),
        (store.join("orders.eu"), store.clone()),
        (cluster.clone(), cluster.join("store")),
    ] {
        for cmd in ["info", "check"] {
            let (_, err) = run(&["--dir", given.to_str().unwrap(), cmd], 2);
            let hint = format!("try --dir {}", want.display());
            assert!(err.contains(&hint), "{given:?} {cmd}: {err}");
        }
    }
}

#[test]
fn raw_output_to_a_terminal_is_refused_unless_forced() {
    let dir = store_dir("file-basic-v0.23");
    let bin = assert_cmd::cargo::cargo_bin("stanctl");
    // `script` gives the command a pseudo-terminal as stdout.
    let on_a_tty = |extra: &str| {
        let cmd = format!(
            "{} --dir {dir} dump --channel orders.eu --format raw{extra}",
            bin.display()
        );
        let out = std::process::Command::new("/usr/bin/script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("NATS_STREAMING_ENCRYPTION_KEY")
            .output()
            .expect("script");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = on_a_tty("");
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--force"), "{text}");
    let (code, text) = on_a_tty(" --force");
    assert_eq!(code, Some(0), "{text}");
    let first = &manifest("file-basic-v0.23")["channels"][0]["messages"][0];
    let payload = payload_bytes(first).expect("payload");
    assert!(text.contains(&*String::from_utf8_lossy(&payload)), "{text}");
    // Piped, as ever.
    let (out, _) = run(
        &[
            "--dir",
            &dir,
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "raw",
            "--to-seq",
            "1",
        ],
        0,
    );
    assert_eq!(out.as_bytes(), &payload[..]);
}

#[test]
fn quiet_silences_notes() {
    let name = "cluster-encrypted-v0.23";
    let dir = store_dir(name);
    let channel = str_of(&manifest(name)["channels"][0]["name"]).to_string();
    for cmd in [
        vec!["info"],
        vec!["dump", "--channel", channel.as_str()],
        vec!["channels", "ls"],
    ] {
        let mut args = vec!["--dir", dir.as_str()];
        args.extend(cmd.iter().copied());
        let (_, loud) = run(&args, 0);
        assert!(!loud.is_empty(), "{cmd:?}: a note without -q");
        args.push("-q");
        let (_, quiet) = run(&args, 0);
        assert!(quiet.is_empty(), "{cmd:?}: {quiet}");
    }
}

#[test]
fn errors_say_the_os_error_once_and_no_rust_names() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere");
    let (_, err) = run(&["--dir", missing.to_str().unwrap(), "info"], 2);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    let dir = store_dir("file-basic-v0.23");
    let (_, err) = run(
        &[
            "--dir",
            &dir,
            "migrate",
            "sql-to-file",
            "--to-dir",
            tmp.path().join("x").to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains("migrate sql-to-file needs a SQL source"),
        "{err}"
    );
    assert!(!err.contains("SqlToFile"), "{err}");
}

#[test]
fn tables_fit_the_terminal_and_are_whole_when_piped() {
    let name = "file-basic-v0.23";
    let dir = store_dir(name);
    let m = manifest(name);
    let table = |cmd: &[&str], columns: Option<&str>| {
        let mut c = stanctl();
        c.arg("--dir").arg(&dir).args(cmd).env_remove("COLUMNS");
        if let Some(w) = columns {
            c.env("COLUMNS", w);
        }
        let out = c.output().expect("run");
        assert!(out.status.success(), "{cmd:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    for width in [80usize, 120] {
        for cmd in [&["channels", "ls"][..], &["subs", "ls"], &["clients", "ls"]] {
            let text = table(cmd, Some(&width.to_string()));
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{cmd:?} {width}:\n{text}");
            }
        }
        // Every channel keeps its name and message count.
        let text = table(&["channels", "ls"], Some(&width.to_string()));
        for ch in m["channels"].as_array().unwrap() {
            let row = text
                .lines()
                .find(|l| l.contains(str_of(&ch["name"])))
                .unwrap_or_else(|| panic!("{text}"));
            let count = format!(" {} ", u64_of(&ch["msg_count"]));
            assert!(row.contains(&count), "{row}");
        }
    }
    // Piped with no COLUMNS: every column, bytes in human units.
    let text = table(&["channels", "ls"], None);
    for header in ["first time", "max msgs", "max bytes", "max age"] {
        assert!(text.contains(header), "{text}");
    }
    assert!(text.lines().any(|l| l.chars().count() > 120), "{text}");
    assert!(text.contains(" KiB "), "{text}");
}

#[test]
fn colour_is_for_terminals_and_honours_no_color() {
    let dir = store_dir("damaged-crc-flip-v0.23");
    let bin = assert_cmd::cargo::cargo_bin("stanctl");
    let escape = "\x1b[31m";
    // Piped: never coloured unless asked.
    let (plain, _) = run(&["--dir", &dir, "check", "--deep"], 1);
    assert!(!plain.contains(escape) && plain.contains("FAIL"), "{plain}");
    let (always, _) = run(&["--dir", &dir, "check", "--deep", "--color", "always"], 1);
    assert!(always.contains(&format!("{escape}error")), "{always}");
    assert!(always.contains(&format!("{escape}FAIL")), "{always}");
    // On a terminal: coloured, unless NO_COLOR or --color never.
    let on_a_tty = |extra: &str, no_color: bool| {
        let cmd = format!("{} --dir {dir} check --deep{extra}", bin.display());
        let mut c = std::process::Command::new("/usr/bin/script");
        c.args(["-qec", &cmd, "/dev/null"]).env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&c.output().expect("script").stdout).into_owned()
    };
    assert!(on_a_tty("", false).contains(escape));
    assert!(!on_a_tty("", true).contains(escape));
    assert!(!on_a_tty(" --color never", false).contains(escape));
}
