//! Helpers shared by the library's unit tests.

/// Bytes from hex digits; anything else (spaces, line breaks) is skipped,
/// so test vectors can be laid out as dumps.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A SQLite store made by running `sql` (the directory lives as long as
/// the returned guard) and its path.
pub(crate) fn sqlite_store(sql: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    // Without this each INSERT is a transaction of its own, synced to disk:
    // thousands of rows took the tests tens of seconds.
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    conn.execute_batch(sql).unwrap();
    (dir, path.display().to_string())
}

/// The SQL that stores message `seq` of channel 1 (subject `foo`) as the
/// server does: its `MsgProto` in `data`, the proto's length in `size`.
pub(crate) fn message_row(seq: u64, timestamp: i64, data: &[u8]) -> String {
    use prost::Message as _;
    let m = crate::proto::MsgProto {
        sequence: seq,
        subject: b"foo".to_vec(),
        data: bytes::Bytes::copy_from_slice(data),
        timestamp,
        ..Default::default()
    };
    let b = m.encode_to_vec();
    format!(
        "INSERT INTO Messages VALUES (1, {seq}, {timestamp}, {}, x'{}');",
        b.len(),
        hex::encode(&b)
    )
}
