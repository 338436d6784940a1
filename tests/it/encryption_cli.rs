//! Encrypted stores written by the real server (AES file store, ChaCha
//! cluster node): without a key, with the right key, with a wrong one; and
//! the key never shows up anywhere.

use crate::common::*;

struct Enc {
    dir: String,
    key: String,
    cipher: String,
    channel: String,
}

fn enc(name: &str) -> Enc {
    let m = manifest(name);
    let e = &m["store"]["encryption"];
    let channel = m["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["msg_count"].as_u64().unwrap_or(0) > 0)
        .expect("a channel with messages");
    Enc {
        dir: store_dir(name),
        key: str_of(&e["key"]).to_string(),
        cipher: str_of(&e["cipher"]).to_string(),
        channel: str_of(&channel["name"]).to_string(),
    }
}

fn without_a_key_payloads_are_labelled_encrypted_with_their_cipher(name: &str) {
    let f = enc(name);
    let out = stanctl()
        .args([
            "--dir",
            &f.dir,
            "dump",
            "--channel",
            &f.channel,
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("encrypted") && stderr.contains(&f.cipher),
        "{stderr}"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(!lines.is_empty());
    for l in &lines {
        if u64_of(&l["size"]) > 0 {
            assert_eq!(l["encoding"], "encrypted", "{l}");
            assert_eq!(l["cipher"], f.cipher.as_str(), "{l}");
        }
    }
    // Counts and subscriptions need no key.
    let ch = json(&["--dir", &f.dir, "channels", "ls", "--format", "json"]);
    assert!(!ch.as_array().expect("array").is_empty());

    let raw = stanctl()
        .args([
            "--dir",
            &f.dir,
            "dump",
            "--channel",
            &f.channel,
            "--format",
            "raw",
        ])
        .output()
        .expect("run");
    assert_eq!(raw.status.code(), Some(1), "raw refuses ciphertext");
    assert!(raw.stdout.is_empty());
}

fn a_wrong_key_names_the_channel_and_first_failing_sequence(name: &str) {
    let f = enc(name);
    let first = json(&[
        "--dir", &f.dir, "channels", "show", &f.channel, "--format", "json",
    ])["first_seq"]
        .clone();
    let out = stanctl()
        .args([
            "--dir",
            &f.dir,
            "--encryption-key",
            "not-the-key",
            "dump",
            "--channel",
            &f.channel,
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("channel {:?} seq {first}", f.channel)),
        "{stderr}"
    );
    assert!(stderr.contains("decryption failed"), "{stderr}");
}

fn the_environment_key_wins_over_the_flag_as_for_the_server(name: &str) {
    let f = enc(name);
    let out = stanctl()
        .env("NATS_STREAMING_ENCRYPTION_KEY", &f.key)
        .args([
            "--dir",
            &f.dir,
            "--encryption-key",
            "wrong",
            "dump",
            "--channel",
            &f.channel,
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\"encrypted\""));
}

fn the_key_appears_in_no_output_or_error(name: &str) {
    let f = enc(name);
    let key_file = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(key_file.path(), &f.key).expect("write");
    let key_path = key_file.path().display().to_string();
    let runs: Vec<(Vec<String>, Option<String>)> = vec![
        (vec!["--encryption-key".into(), f.key.clone()], None),
        (vec!["--encryption-key-file".into(), key_path.clone()], None),
        (vec![], Some(f.key.clone())),
        // Wrong keys must not be echoed either.
        (
            vec!["--encryption-key".into(), format!("{}-wrong", f.key)],
            None,
        ),
    ];
    for (extra, env) in runs {
        for cmd in [
            vec![
                "dump",
                "--channel",
                f.channel.as_str(),
                "--format",
                "ndjson",
            ],
            vec!["channels", "ls"],
            vec!["info", "--format", "json"],
            vec!["subs", "ls"],
            vec!["dump", "--channel", "no-such-channel"],
        ] {
            let mut c = stanctl();
            if let Some(k) = &env {
                c.env("NATS_STREAMING_ENCRYPTION_KEY", k);
            }
            let mut args = vec!["--verbose".to_string(), "--dir".into(), f.dir.clone()];
            args.extend(extra.iter().cloned());
            args.extend(cmd.iter().map(|s| s.to_string()));
            let out = c.args(&args).output().expect("run");
            let all = [out.stdout, out.stderr].concat();
            let text = String::from_utf8_lossy(&all);
            assert!(!text.contains(&f.key), "key leaked by {args:?}");
        }
    }
}

// Each encrypted fixture: the AES file store and the ChaCha cluster node.
per_fixture! { [
    without_a_key_payloads_are_labelled_encrypted_with_their_cipher,
    a_wrong_key_names_the_channel_and_first_failing_sequence,
    the_environment_key_wins_over_the_flag_as_for_the_server,
    the_key_appears_in_no_output_or_error,
    ]
    file_encrypted_v0_23 => "file-encrypted-v0.23",
    cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
}
