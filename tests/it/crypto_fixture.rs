//! Decrypt real server-written (v0.23) encrypted stores with
//! `stanctl::crypto` and compare every payload with the fixture MANIFEST.
//!
//! The message files are parsed minimally here (FORMAT.md 1.1, 1.2, 1.4) so
//! this test depends only on the crypto module and `proto::MsgProto`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use prost::Message;
use serde_json::Value;
use sha2::{Digest, Sha256};
use stanctl::crypto::{
    decrypt_payload, decrypt_with_master, envelope_cipher, Cipher, CryptoError, MasterKey,
};
use stanctl::proto::MsgProto;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn manifest(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("MANIFEST.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// All records of `msgs.N.dat` files of a channel directory, by sequence.
fn read_channel(dir: &Path) -> BTreeMap<u64, MsgProto> {
    let mut slices: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_str()?.to_string();
            let n = name.strip_prefix("msgs.")?.strip_suffix(".dat")?;
            Some((n.parse().ok()?, path))
        })
        .collect();
    slices.sort();
    assert!(!slices.is_empty(), "no message slices in {}", dir.display());
    let mut out = BTreeMap::new();
    for (_, path) in slices {
        let buf = std::fs::read(&path).unwrap();
        assert!(buf.len() >= 4, "{}: no version header", path.display());
        assert_eq!(u32::from_le_bytes(buf[..4].try_into().unwrap()), 1);
        let mut pos = 4;
        while pos + 8 <= buf.len() {
            let size = u32::from_le_bytes(buf[pos..pos + 4].try_into().unwrap()) as usize;
            let crc = u32::from_le_bytes(buf[pos + 4..pos + 8].try_into().unwrap());
            if size == 0 && crc == 0 {
                break; // zero-filled tail sentinel
            }
            let start = pos + 8;
            assert!(
                start + size <= buf.len(),
                "{}: truncated record at {pos}",
                path.display()
            );
            let payload = &buf[start..start + size];
            assert_eq!(
                crc32fast::hash(payload),
                crc,
                "{}: CRC mismatch at {pos}",
                path.display()
            );
            let msg = MsgProto::decode(payload).unwrap();
            out.insert(msg.sequence, msg);
            pos = start + size;
        }
    }
    out
}

struct Summary {
    encrypted: usize,
    empty: usize,
}

/// Decrypt every manifest message of every channel under `store` and
/// compare with the manifest's sha256.
fn check_store(fixture_dir: &Path, store: &Path) -> Summary {
    let m = manifest(fixture_dir);
    let enc = &m["store"]["encryption"];
    let key = enc["key"].as_str().unwrap();
    let cipher: Cipher = enc["cipher"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        u64::from(cipher.code()),
        enc["cipher_code_byte"].as_u64().unwrap()
    );
    let master = MasterKey::from_user_key(key.as_bytes());
    let wrong = MasterKey::from_user_key(b"not the key");

    let mut summary = Summary {
        encrypted: 0,
        empty: 0,
    };
    let channels = m["channels"].as_array().unwrap();
    assert!(!channels.is_empty());
    for ch in channels {
        let name = ch["name"].as_str().unwrap();
        let ckey = master.channel_key(name);
        let stored = read_channel(&store.join(name));
        let mut nonces = HashSet::new();
        let mut compared = 0;
        for msg in ch["messages"].as_array().unwrap() {
            let seq = msg["seq"].as_u64().unwrap();
            let Some(rec) = stored.get(&seq) else {
                // Possibly removed by limits after the server reported it.
                assert!(
                    !msg["in_server_view_at_shutdown"].as_bool().unwrap_or(false),
                    "{name}: seq {seq} missing from the store"
                );
                continue;
            };
            compared += 1;
            assert_eq!(
                rec.subject,
                msg["subject"].as_str().unwrap().as_bytes(),
                "{name}/{seq}: subject"
            );
            let want_len = msg["payload_len"].as_u64().unwrap() as usize;
            let data = &rec.data[..];
            if want_len == 0 {
                // Empty payloads are stored unencrypted (field absent).
                assert!(
                    data.is_empty(),
                    "{name}/{seq}: empty payload stored as {data:02x?}"
                );
                assert!(decrypt_payload(&ckey, data).unwrap().is_empty());
                summary.empty += 1;
                continue;
            }
            assert_eq!(
                envelope_cipher(data),
                Some(cipher),
                "{name}/{seq}: not an envelope"
            );
            assert_eq!(data.len(), want_len + 29, "{name}/{seq}: envelope size");
            assert!(
                nonces.insert(data[1..13].to_vec()),
                "{name}/{seq}: nonce reused"
            );
            let plain =
                decrypt_payload(&ckey, data).unwrap_or_else(|e| panic!("{name}/{seq}: {e}"));
            assert_eq!(plain.len(), want_len, "{name}/{seq}: length");
            assert_eq!(
                hex::encode(Sha256::digest(&plain)),
                msg["payload_sha256"].as_str().unwrap(),
                "{name}/{seq}: sha256"
            );
            // Wrong user key, or another channel's key, must not decrypt.
            assert!(matches!(
                decrypt_payload(&wrong.channel_key(name), data),
                Err(CryptoError::AuthenticationFailed { cipher: c }) if c == cipher
            ));
            assert!(decrypt_payload(&master.channel_key("some.other.channel"), data).is_err());
            // The master key alone (Raft log key) is not the message key.
            assert!(decrypt_with_master(&master, data).is_err());
            summary.encrypted += 1;
        }
        assert!(compared > 0, "{name}: nothing compared");
        eprintln!("{name}: {compared} messages compared");
    }
    summary
}

#[test]
fn file_store_aes_v0_23() {
    let dir = fixture("file-encrypted-v0.23");
    let s = check_store(&dir, &dir.join("store"));
    assert!(s.encrypted > 100, "only {} encrypted messages", s.encrypted);
    assert!(s.empty > 0);
}

#[test]
fn cluster_store_chacha_v0_23() {
    let dir = fixture("cluster-encrypted-v0.23");
    let s = check_store(&dir, &dir.join("node").join("store"));
    assert!(s.encrypted > 50, "only {} encrypted messages", s.encrypted);
    assert!(s.empty > 0);
}

/// Msgpack raw string / bin header at `pos`: (payload offset, length).
fn msgpack_bytes(buf: &[u8], pos: usize) -> Option<(usize, usize)> {
    let b = *buf.get(pos)?;
    let be = |off: usize, n: usize| -> Option<usize> {
        let s = buf.get(pos + off..pos + off + n)?;
        Some(s.iter().fold(0usize, |acc, &x| (acc << 8) | x as usize))
    };
    match b {
        0xa0..=0xbf => Some((pos + 1, (b & 0x1f) as usize)),
        0xd9 | 0xc4 => Some((pos + 2, be(1, 1)?)),
        0xda | 0xc5 => Some((pos + 3, be(1, 2)?)),
        0xdb | 0xc6 => Some((pos + 5, be(1, 4)?)),
        _ => None,
    }
}

/// Raft log (7.4): without parsing BoltDB, find every `"Data"` key of a
/// msgpack log entry in the raw file and decrypt encrypted command data
/// with the master key. Every decrypted value must look like a
/// `RaftOperation` (first byte 0x08 or 0x12).
#[test]
fn cluster_raft_log_chacha_v0_23() {
    let dir = fixture("cluster-encrypted-v0.23");
    let m = manifest(&dir);
    let key = m["store"]["encryption"]["key"].as_str().unwrap();
    let master = MasterKey::from_user_key(key.as_bytes());
    let wrong = MasterKey::from_user_key(b"not the key");
    let raft_dir = dir.join("node").join("raft");
    let log = std::fs::read_dir(&raft_dir)
        .unwrap()
        .map(|e| e.unwrap().path().join("raft.log"))
        .find(|p| p.exists())
        .unwrap();
    let buf = std::fs::read(log).unwrap();
    let needle = b"\xa4Data";
    let mut decrypted = 0;
    let mut publishes_with_payload = 0;
    let mut i = 0;
    while let Some(off) = buf[i..].windows(needle.len()).position(|w| w == needle) {
        let at = i + off + needle.len();
        i = at;
        let Some((start, len)) = msgpack_bytes(&buf, at) else {
            continue; // nil Data
        };
        let Some(data) = buf.get(start..start + len) else {
            continue;
        };
        if envelope_cipher(data).is_none() {
            continue;
        }
        assert_eq!(envelope_cipher(data), Some(Cipher::ChaCha));
        let op = decrypt_with_master(&master, data).unwrap();
        assert!(
            matches!(op.first(), Some(0x08) | Some(0x12)),
            "decrypted Raft data does not look like a RaftOperation: {:02x?}",
            &op[..op.len().min(8)]
        );
        assert!(decrypt_with_master(&wrong, data).is_err());
        // Inside a decrypted Publish the message data is plaintext: the
        // payload prefix used by this fixture ("cenc-") appears in clear.
        if op[0] == 0x12 && op.windows(5).any(|w| w == b"cenc-") {
            publishes_with_payload += 1;
        }
        decrypted += 1;
    }
    eprintln!("raft log: {decrypted} encrypted entries, {publishes_with_payload} publishes");
    assert!(
        decrypted > 10,
        "only {decrypted} encrypted Raft entries found"
    );
    assert!(publishes_with_payload > 0);
}
