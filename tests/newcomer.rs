//! What a newcomer trips on (issue 18): versions that never existed,
//! wrong keys, unknown counts shown as 0, empty or backwards ranges, typos.
//! Each answer is checked against the fixtures' MANIFEST.json.

mod common;

use common::*;

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

#[test]
fn deep_check_with_a_wrong_key_fails() {
    for name in ["file-encrypted-v0.23", "cluster-encrypted-v0.23"] {
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
}
