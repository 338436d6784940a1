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
