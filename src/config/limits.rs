//! Channel limits: the global `store_limits` and per-channel entries, with
//! the server's inheritance and subject-trie matching.

use crate::model::Limits;

use super::*;

/// Limits as written in one place of the configuration. `None` = key
/// omitted. Durations in nanoseconds. In a per-channel entry `Some(0)` (or
/// a negative value) means "unlimited"; in the global limits `Some(0)` is
/// also unlimited (negative global values are rejected by the parser).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitsSpec {
    pub max_msgs: Option<i64>,
    pub max_bytes: Option<i64>,
    pub max_age_ns: Option<i64>,
    pub max_subs: Option<i64>,
    pub max_inactivity_ns: Option<i64>,
}

/// `store_limits { }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreLimits {
    /// `max_channels` (`None` = server default 100; 0 = unlimited).
    pub max_channels: Option<i64>,
    /// Global per-channel limits (`None` fields = server defaults).
    pub global: LimitsSpec,
    /// Per-channel entries in file order; names may hold `*` / `>`
    /// wildcards. A name given twice keeps its last definition.
    pub channels: Vec<(String, LimitsSpec)>,
}

/// Effective limit values: 0 = unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Effective {
    msgs: i64,
    bytes: i64,
    age: i64,
    subs: i64,
    inactivity: i64,
}

impl Effective {
    pub(super) fn to_limits(self) -> Limits {
        Limits {
            max_msgs: Some(self.msgs),
            max_bytes: Some(self.bytes),
            max_age_ns: Some(self.age),
            max_subs: Some(self.subs),
            max_inactivity_ns: Some(self.inactivity),
        }
    }

    /// The server's `inheritLimits`: an omitted value takes the parent's,
    /// an explicit 0 (or negative) is unlimited.
    pub(super) fn inherit(spec: &LimitsSpec, parent: &Effective) -> Effective {
        fn one(v: Option<i64>, parent: i64) -> i64 {
            match v {
                None => parent,
                Some(v) if v <= 0 => 0,
                Some(v) => v,
            }
        }
        Effective {
            msgs: one(spec.max_msgs, parent.msgs),
            bytes: one(spec.max_bytes, parent.bytes),
            age: one(spec.max_age_ns, parent.age),
            subs: one(spec.max_subs, parent.subs),
            inactivity: one(spec.max_inactivity_ns, parent.inactivity),
        }
    }
}

/// Per-channel limits with inheritance applied once, for looking up many
/// channels (see [`StoreLimits::resolve`]).
#[derive(Debug, Clone)]
pub struct ResolvedLimits {
    global: Effective,
    /// Entries sorted widest first, with their effective limits.
    entries: Vec<(Vec<String>, Effective)>,
}

impl ResolvedLimits {
    /// Same as [`StoreLimits::for_channel`].
    pub fn for_channel(&self, channel: &str) -> Limits {
        let query: Vec<&str> = channel.split('.').collect();
        // `entries` is sorted in the subject trie's match order, so the last
        // matching entry is the one the server's `getChannelLimits` uses.
        self.entries
            .iter()
            .rev()
            .find(|(tokens, _)| pattern_matches(tokens, &query))
            .map(|(_, eff)| *eff)
            .unwrap_or(self.global)
            .to_limits()
    }

    /// The global limits with server defaults filled in.
    pub fn global(&self) -> Limits {
        self.global.to_limits()
    }
}

impl StoreLimits {
    /// Effective `max_channels` (0 = unlimited).
    pub fn effective_max_channels(&self) -> i64 {
        self.max_channels.unwrap_or(DEFAULT_MAX_CHANNELS)
    }

    /// The global limits with server defaults for anything not set.
    pub fn global_effective(&self) -> Limits {
        self.global_eff().to_limits()
    }

    pub(super) fn global_eff(&self) -> Effective {
        let g = &self.global;
        Effective {
            msgs: g.max_msgs.unwrap_or(DEFAULT_MAX_MSGS),
            bytes: g.max_bytes.unwrap_or(DEFAULT_MAX_BYTES),
            age: g.max_age_ns.unwrap_or(DEFAULT_MAX_AGE_NS),
            subs: g.max_subs.unwrap_or(DEFAULT_MAX_SUBS),
            inactivity: g.max_inactivity_ns.unwrap_or(DEFAULT_MAX_INACTIVITY_NS),
        }
    }

    /// Applies inheritance to every per-channel entry the way the server's
    /// `StoreLimits.Build` / `applyInheritance` does (stores/limits.go).
    ///
    /// The server puts the entries in a subject trie. Its match order is:
    /// at the first token where two matching patterns differ, `>` comes
    /// before `*`, which comes before a literal token. An entry inherits
    /// omitted values from the entry just before it in the trie's match of
    /// the entry's own name (global limits if none), and a channel gets the
    /// limits of the last entry matching it. Consequences kept on purpose:
    /// for `a.b`, `a.*` wins over `*.b`; and `foo.>` inherits from `*.*`
    /// when both exist (the trie matches the `>` token of `foo.>` with
    /// `*`), even for channels `*.*` does not match.
    pub fn resolve(&self) -> ResolvedLimits {
        let global = self.global_eff();
        // Last definition of a name wins.
        let mut unique: Vec<(&str, &LimitsSpec)> = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (name, spec) in &self.channels {
            match seen.get(name.as_str()).and_then(|&i| unique.get_mut(i)) {
                Some(slot) => slot.1 = spec,
                None => {
                    seen.insert(name.as_str(), unique.len());
                    unique.push((name.as_str(), spec));
                }
            }
        }
        let mut sorted: Vec<(Vec<&str>, &LimitsSpec)> = unique
            .into_iter()
            .map(|(name, spec)| (name.split('.').collect(), spec))
            .collect();
        sorted.sort_by(|a, b| trie_order(&a.0, &b.0));

        let mut resolved: Vec<(Vec<String>, Effective)> = Vec::with_capacity(sorted.len());
        for (tokens, spec) in &sorted {
            // Entries before this one (in trie order) that the trie returns
            // when matching this entry's own name; the last one is the
            // parent. It always precedes this entry in `sorted`, so it is
            // already resolved.
            let parent = resolved
                .iter()
                .rev()
                .find(|(t, _)| {
                    let t: Vec<&str> = t.iter().map(String::as_str).collect();
                    pattern_matches(&t, tokens)
                })
                .map(|(_, eff)| *eff)
                .unwrap_or(global);
            let eff = Effective::inherit(spec, &parent);
            resolved.push((tokens.iter().map(|s| s.to_string()).collect(), eff));
        }
        ResolvedLimits {
            global,
            entries: resolved,
        }
    }

    /// Effective limits of a channel as the server computes them (docs/FORMAT.md
    /// 6.2): global values (server defaults for anything not set globally),
    /// then matching wildcard entries from widest to most specific, then
    /// the literal entry; in a per-channel entry an explicit 0 means
    /// unlimited (result `Some(0)`), an omitted key inherits. All fields of
    /// the result are `Some`. To look up many channels, call
    /// [`StoreLimits::resolve`] once instead.
    pub fn for_channel(&self, channel: &str) -> Limits {
        self.resolve().for_channel(channel)
    }
}

/// Rank of a token in the server's subject trie order.
pub(super) fn token_rank(t: &str) -> u8 {
    match t {
        ">" => 0,
        "*" => 1,
        _ => 2,
    }
}

/// Order of the trie walk: token by token, `>` < `*` < literal (literals by
/// name, which the server leaves random but never matters for the result),
/// a name before the longer names it prefixes.
pub(super) fn trie_order(a: &[&str], b: &[&str]) -> std::cmp::Ordering {
    let ka = a.iter().map(|t| (token_rank(t), *t));
    let kb = b.iter().map(|t| (token_rank(t), *t));
    ka.cmp(kb)
}

/// Whether the trie returns `pattern` when matched against `query` (whose
/// tokens may themselves be `*` / `>` when the query is an entry name: the
/// trie then matches them only with wildcard patterns).
pub(super) fn pattern_matches<S: AsRef<str>>(pattern: &[S], query: &[&str]) -> bool {
    for (i, p) in pattern.iter().enumerate() {
        let p = p.as_ref();
        let Some(q) = query.get(i) else {
            return false;
        };
        match p {
            ">" => return true,
            "*" => {}
            lit => {
                if lit != *q {
                    return false;
                }
            }
        }
    }
    pattern.len() == query.len()
}

/// The server's `IsChannelNameValid(name, wildcardsAllowed=true)`.
pub(super) fn channel_name_valid(name: &str) -> bool {
    if name.is_empty() || name.starts_with('.') || name.contains('/') {
        return false;
    }
    let tokens: Vec<&str> = name.split('.').collect();
    let last = tokens.len().saturating_sub(1);
    for (i, t) in tokens.iter().enumerate() {
        if t.is_empty() {
            return false;
        }
        if t.contains(['*', '>']) {
            if *t != "*" && *t != ">" {
                return false;
            }
            if *t == ">" && i != last {
                return false;
            }
        }
    }
    true
}
