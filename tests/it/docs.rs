//! The documents under docs/ that are kept in step with the code:
//! docs/FINDINGS.md is generated from the finding registry
//! (src/finding/codes.txt); rewrite it with STANCTL_UPDATE_SNAPSHOTS=1 (as
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

/// Every "FORMAT.md <section>" a comment in src/ cites is a heading of
/// docs/FORMAT.md, so the references resolve inside the repository.
#[test]
fn format_sections_cited_in_src_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/FORMAT.md")).expect("docs/FORMAT.md");
    let headings: Vec<String> = doc
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| l.trim_start_matches('#').split_whitespace().next())
        .map(|n| n.trim_end_matches('.').to_string())
        .collect();
    let mut missing = Vec::new();
    let mut cited = 0;
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source file");
            for (at, _) in text.match_indices("FORMAT.md") {
                // "FORMAT.md 2.8.2", "FORMAT.md section 7", "FORMAT.md §1.4"
                let rest = text[at + "FORMAT.md".len()..].trim_start();
                let rest = rest
                    .trim_start_matches("sections")
                    .trim_start_matches("section")
                    .trim_start_matches('§')
                    .trim_start();
                let number: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let number = number.trim_end_matches('.');
                if number.is_empty() {
                    continue;
                }
                cited += 1;
                if !headings.iter().any(|h| h == number) {
                    missing.push(format!("{}: {number}", path.display()));
                }
            }
        }
    }
    assert!(
        cited > 20,
        "only {cited} citations found: is the parser right?"
    );
    assert!(
        missing.is_empty(),
        "sections cited but not in docs/FORMAT.md: {missing:#?}"
    );
}
