//! Generates the finding `Code` enum and its registry (included by
//! src/finding.rs) from the data file src/finding/codes.txt, whose top
//! describes its format. Malformed input stops the build with the line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

const CODES: &str = "src/finding/codes.txt";
const GENERATED: &str = "finding_codes.rs";
const SEVERITIES: [(&str, &str); 3] =
    [("error", "Error"), ("warning", "Warning"), ("info", "Info")];

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={CODES}");
    match generate() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn generate() -> Result<(), String> {
    let text = std::fs::read_to_string(CODES).map_err(|e| format!("{CODES}: {e}"))?;
    let codes = parse(&text)?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    let path = PathBuf::from(out_dir).join(GENERATED);
    std::fs::write(&path, rust_source(&codes)).map_err(|e| format!("{}: {e}", path.display()))
}

/// One code as the data file gives it.
struct Code<'a> {
    dotted: &'a str,
    variant: &'a str,
    /// The `Severity` variants.
    severities: Vec<&'static str>,
    meaning: &'a str,
    server: &'a str,
}

fn parse(text: &str) -> Result<Vec<Code<'_>>, String> {
    let mut codes = Vec::new();
    let mut dotted_seen = BTreeMap::new();
    let mut variants_seen = BTreeMap::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    while let Some((number, line)) = lines.next() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |message: String| format!("{CODES}:{number}: {message}");
        let (dotted, variant, severities) = header(line).map_err(at)?;
        if let Some(first) = dotted_seen.insert(dotted, number) {
            return Err(at(format!(
                "code {dotted} is registered again (line {first})"
            )));
        }
        if let Some(first) = variants_seen.insert(variant, number) {
            return Err(at(format!(
                "variant {variant} is registered again (line {first})"
            )));
        }
        let mut field = |word: &str| {
            let (number, line) = lines
                .next()
                .ok_or_else(|| format!("{CODES}: ends inside code {dotted}: no {word} line"))?;
            text_field(line, word).map_err(|m| format!("{CODES}:{number}: {m}"))
        };
        let meaning = field("meaning")?;
        let server = field("server")?;
        codes.push(Code {
            dotted,
            variant,
            severities,
            meaning,
            server,
        });
    }
    if codes.is_empty() {
        return Err(format!("{CODES}: registers no code"));
    }
    Ok(codes)
}

/// `<area.name> <Variant> <severity>[,<severity>...]`.
fn header(line: &str) -> Result<(&str, &str, Vec<&'static str>), String> {
    let fields: Vec<&str> = line.split(' ').collect();
    let [dotted, variant, severities] = fields[..] else {
        return Err(format!(
            "expected `<area.name> <Variant> <severities>` separated by single spaces, found {line:?}"
        ));
    };
    let is_part = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if !dotted
        .split_once('.')
        .is_some_and(|(a, n)| is_part(a) && is_part(n))
    {
        return Err(format!(
            "code {dotted:?} is not area.name (lowercase letters and '_')"
        ));
    }
    let starts_upper = variant
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_uppercase());
    if !starts_upper || !variant.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("variant {variant:?} is not a CamelCase ASCII name"));
    }
    let mut names = Vec::new();
    for name in severities.split(',') {
        let Some(&(_, severity)) = SEVERITIES.iter().find(|(n, _)| *n == name) else {
            return Err(format!(
                "severity {name:?} of {dotted} is not one of error, warning, info"
            ));
        };
        if names.contains(&severity) {
            return Err(format!("severity {name} of {dotted} is listed twice"));
        }
        names.push(severity);
    }
    Ok((dotted, variant, names))
}

/// `    <word> <text>`.
fn text_field<'a>(line: &'a str, word: &str) -> Result<&'a str, String> {
    let text = line
        .strip_prefix("    ")
        .and_then(|l| l.strip_prefix(word))
        .and_then(|l| l.strip_prefix(' '))
        .ok_or_else(|| format!("expected `    {word} <text>`, found {line:?}"))?;
    if text.is_empty() || text.trim() != text || text.contains('\t') {
        return Err(format!(
            "the {word} text is empty, has a tab or whitespace at an end: {line:?}"
        ));
    }
    Ok(text)
}

fn rust_source(codes: &[Code]) -> String {
    let mut out = format!("// Generated by build.rs from {CODES}: edit that file.\n\n");
    out.push_str(
        "/// The kind of a finding. Serialised as its stable dotted name\n\
         /// (`record.torn`), which scripts match on: never rename one.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\n\
         pub enum Code {\n",
    );
    for c in codes {
        let _ = writeln!(out, "    {},", c.variant);
    }
    out.push_str("}\n\nconst REGISTRY: &[Entry] = &[\n");
    // {:?} spells a str as a Rust string literal.
    for c in codes {
        let severities: Vec<String> = c
            .severities
            .iter()
            .map(|s| format!("Severity::{s}"))
            .collect();
        let _ = writeln!(
            out,
            "    Entry {{\n        code: Code::{},\n        dotted: {:?},\n        \
             severities: &[{}],\n        meaning: {:?},\n        server: {:?},\n    }},",
            c.variant,
            c.dotted,
            severities.join(", "),
            c.meaning,
            c.server,
        );
    }
    out.push_str("];\n");
    out
}
