//! The documents under docs/ that are kept in step with the code:
//! docs/FINDINGS.md is generated from the finding registry
//! (src/finding.rs); rewrite it with STANCTL_UPDATE_SNAPSHOTS=1 (as
//! scripts/update-completions.sh does) after a deliberate change.

use std::path::Path;

#[test]
fn findings_doc_is_in_step_with_the_registry() {
    let generated = stanctl::finding::findings_markdown();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/FINDINGS.md");
    if std::env::var_os("STANCTL_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, &generated).expect("write docs/FINDINGS.md");
    }
    let on_disk = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{} is stale: run scripts/update-completions.sh (or this test with \
         STANCTL_UPDATE_SNAPSHOTS=1) and read the diff",
        file.display()
    );
    // Every registered code has its row, by its stable name.
    for code in stanctl::finding::Code::all() {
        assert!(on_disk.contains(&format!("| `{code}` |")), "{code} missing");
    }
}
