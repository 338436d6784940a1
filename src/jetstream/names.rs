//! Naming rules: STAN channel → JetStream stream, STAN durable → consumer.
//!
//! JetStream names may not contain whitespace, `.`, `*`, `>`, path
//! separators or control characters. The rule used here is stricter and
//! easy to predict: every character outside `A-Z a-z 0-9 - _` becomes `_`
//! (`orders.eu` → `orders_eu`). When two sources end up with the same name,
//! each of them that was not named explicitly gets `_` and the first 8 hex
//! digits of the SHA-256 of its source name appended, so the result does not
//! depend on which channels or subscriptions a run selects.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Longest name produced (JetStream names become directory names).
pub const MAX_NAME_LEN: usize = 200;

/// First 8 hex digits of the SHA-256 of `s`.
pub fn short_hash(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    hex::encode(&digest[..4])
}

/// Replace every character outside `[A-Za-z0-9_-]` by `_`; shorten names
/// longer than [`MAX_NAME_LEN`] (keeping a hash of the whole).
pub fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push('_');
    }
    if out.len() > MAX_NAME_LEN {
        out.truncate(MAX_NAME_LEN - 9);
        out.push('_');
        out.push_str(&short_hash(name));
    }
    out
}

/// Whether JetStream accepts `name` as a stream or consumer name.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '.' | '*' | '>' | '/' | '\\')
        })
}

/// Whether `subject` is a valid literal NATS subject (no wildcards, no
/// empty tokens, no whitespace).
pub fn is_valid_subject(subject: &str) -> bool {
    !subject.is_empty()
        && subject
            .split('.')
            .all(|t| !t.is_empty() && t != "*" && t != ">")
        && !subject.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether NATS accepts `group` as a queue group name (no whitespace).
pub fn is_valid_queue(group: &str) -> bool {
    !group.is_empty() && !group.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Two or more sources that would get the same name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameClash {
    #[error("{} are all given the name {name:?}", keys.join(", "))]
    Explicit { keys: Vec<String>, name: String },
    #[error("{first} and {second} both end up named {name:?}")]
    Suffixed {
        first: String,
        second: String,
        name: String,
    },
}

/// One name to assign: a source key (channel, or subscription key), the
/// name the rule gives, and whether the user chose it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub key: String,
    pub name: String,
    pub explicit: bool,
}

/// Resolve collisions among `candidates` (see the module docs). Returns
/// key → final name, or an error naming the colliding keys when explicit
/// names collide.
pub fn resolve(candidates: &[Candidate]) -> Result<BTreeMap<String, String>, NameClash> {
    let mut by_name: BTreeMap<&str, Vec<&Candidate>> = BTreeMap::new();
    for c in candidates {
        by_name.entry(c.name.as_str()).or_default().push(c);
    }
    let mut out = BTreeMap::new();
    for (name, group) in &by_name {
        if let [only] = group.as_slice() {
            out.insert(only.key.clone(), name.to_string());
            continue;
        }
        let explicit: Vec<&str> = group
            .iter()
            .filter(|c| c.explicit)
            .map(|c| c.key.as_str())
            .collect();
        if explicit.len() > 1 {
            return Err(NameClash::Explicit {
                keys: explicit.iter().map(|k| k.to_string()).collect(),
                name: name.to_string(),
            });
        }
        for c in group {
            let final_name = if c.explicit {
                c.name.clone()
            } else {
                let mut base = c.name.clone();
                base.truncate(MAX_NAME_LEN - 9);
                format!("{base}_{}", short_hash(&c.key))
            };
            out.insert(c.key.clone(), final_name);
        }
    }
    // A suffixed name could, in theory, meet another name.
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (key, name) in &out {
        if let Some(other) = seen.insert(name.as_str(), key.as_str()) {
            return Err(NameClash::Suffixed {
                first: other.to_string(),
                second: key.clone(),
                name: name.clone(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        assert_eq!(sanitize("orders.eu"), "orders_eu");
        assert_eq!(sanitize("a b/c\\d*e>f"), "a_b_c_d_e_f");
        assert_eq!(sanitize("ok-name_1"), "ok-name_1");
        assert_eq!(sanitize(""), "_");
        assert_eq!(sanitize("é"), "_");
        let long = "x".repeat(300);
        let s = sanitize(&long);
        assert_eq!(s.len(), MAX_NAME_LEN);
        assert!(is_valid_name(&s));
    }

    #[test]
    fn validates() {
        assert!(is_valid_name("orders_eu"));
        assert!(!is_valid_name("orders.eu"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name(""));
        assert!(is_valid_subject("a.b.c"));
        assert!(!is_valid_subject("a..b"));
        assert!(!is_valid_subject("a.*"));
        assert!(!is_valid_subject("a b"));
    }

    #[test]
    fn resolves_collisions() {
        let c = |key: &str, name: &str, explicit| Candidate {
            key: key.into(),
            name: name.into(),
            explicit,
        };
        let out = resolve(&[
            c("a.b", "a_b", false),
            c("a_b", "a_b", false),
            c("x", "x", false),
        ])
        .expect("resolve");
        assert_eq!(out["x"], "x");
        assert_eq!(out["a.b"], format!("a_b_{}", short_hash("a.b")));
        assert_eq!(out["a_b"], format!("a_b_{}", short_hash("a_b")));
        let out = resolve(&[c("a.b", "a_b", true), c("a_b", "a_b", false)]).expect("resolve");
        assert_eq!(out["a.b"], "a_b");
        assert_ne!(out["a_b"], "a_b");
        assert_eq!(
            resolve(&[c("a", "n", true), c("b", "n", true)])
                .map_err(|e| e.to_string())
                .err()
                .as_deref(),
            Some(r#"a, b are all given the name "n""#)
        );
    }
}
