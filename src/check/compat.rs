//! Which server versions can open a store (docs/FORMAT.md section 8), from what
//! is on disk: each detected feature adds constraints ("versions below X
//! cannot open it because ..."), and every release tag gets the worst
//! verdict of the constraints that cover it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A server version: `0.10.0`, `v0.8.0-beta`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// Pre-release suffix (`beta`); sorts before the release.
    pub pre: Option<String>,
}

impl Version {
    pub const fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
            pre: None,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(p) = &self.pre {
            write!(f, "-{p}")?;
        }
        Ok(())
    }
}

/// Why a text is not a server version (or not a released one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("{0:?}: empty pre-release suffix")]
    EmptyPreRelease(String),
    #[error("{0:?}: expected X.Y.Z")]
    Shape(String),
    #[error("{0:?}: expected X.Y.Z (numbers)")]
    NotNumbers(String),
    #[error("{0:?} is not a released nats-streaming-server version; known: {first} to {last} ({all})", first = TAGS[0], last = TAGS[TAGS.len() - 1], all = TAGS.join(", "))]
    NotReleased(String),
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, VersionError> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, Some(p.to_string())),
            Some(_) => return Err(VersionError::EmptyPreRelease(s.to_string())),
            None => (t, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return Err(VersionError::Shape(s.to_string()));
        }
        let mut nums = [0u64; 3];
        for (i, p) in parts.iter().enumerate() {
            nums[i] = p
                .parse::<u64>()
                .map_err(|_| VersionError::NotNumbers(s.to_string()))?;
        }
        Ok(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre,
        })
    }
}

/// Every release tag of nats-streaming-server.
pub const TAGS: [&str; 55] = [
    "v0.1.0",
    "v0.2.0",
    "v0.2.2",
    "v0.3.0",
    "v0.3.4",
    "v0.3.6",
    "v0.3.8",
    "v0.4.0",
    "v0.5.0",
    "v0.6.0",
    "v0.7.0",
    "v0.7.2",
    "v0.8.0-beta",
    "v0.9.0",
    "v0.9.2",
    "v0.10.0",
    "v0.10.2",
    "v0.11.0",
    "v0.11.2",
    "v0.12.0",
    "v0.12.2",
    "v0.14.0",
    "v0.14.1",
    "v0.14.2",
    "v0.14.3",
    "v0.15.0",
    "v0.15.1",
    "v0.16.0",
    "v0.16.2",
    "v0.17.0",
    "v0.18.0",
    "v0.19.0",
    "v0.20.0",
    "v0.21.0",
    "v0.21.1",
    "v0.21.2",
    "v0.22.0",
    "v0.22.1",
    "v0.23.0",
    "v0.23.1",
    "v0.23.2",
    "v0.24.0",
    "v0.24.1",
    "v0.24.2",
    "v0.24.3",
    "v0.24.4",
    "v0.24.5",
    "v0.24.6",
    "v0.25.0",
    "v0.25.1",
    "v0.25.2",
    "v0.25.3",
    "v0.25.4",
    "v0.25.5",
    "v0.25.6",
];

/// A version that was released (`0.10.0`, `v0.8.0-beta`, `0.10`), for
/// options naming a server version: one that never existed is refused,
/// with the range, rather than answered for.
pub fn released(s: &str) -> Result<Version, VersionError> {
    let version: Version = s.parse()?;
    if TAGS.iter().any(|t| v(t) == version) {
        return Ok(version);
    }
    Err(VersionError::NotReleased(s.to_string()))
}

pub fn tags() -> Vec<Version> {
    TAGS.iter().filter_map(|t| t.parse().ok()).collect()
}

/// `"0.10.0"` etc. without the possibility of failure (for constants).
pub fn v(s: &str) -> Version {
    s.parse().unwrap_or(Version::new(0, 0, 0))
}

/// How well a version copes with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Opens it and serves everything.
    Compatible,
    /// Opens it, with something to know (see the reasons).
    Caveats,
    /// Refuses to start, or loses or garbles data.
    Incompatible,
}

/// "Versions in `[from, until)` get `verdict` because `reason`."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub from: Option<Version>,
    pub until: Option<Version>,
    pub verdict: Verdict,
    pub reason: String,
}

impl Constraint {
    /// Versions before `until`.
    pub fn before(until: &str, verdict: Verdict, reason: impl Into<String>) -> Self {
        Constraint {
            from: None,
            until: Some(v(until)),
            verdict,
            reason: reason.into(),
        }
    }

    /// `since` and later.
    pub fn since(since: &str, verdict: Verdict, reason: impl Into<String>) -> Self {
        Constraint {
            from: Some(v(since)),
            until: None,
            verdict,
            reason: reason.into(),
        }
    }

    /// `[from, until)`.
    pub fn between(from: &str, until: &str, verdict: Verdict, reason: impl Into<String>) -> Self {
        Constraint {
            from: Some(v(from)),
            until: Some(v(until)),
            verdict,
            reason: reason.into(),
        }
    }

    /// Every version.
    pub fn all(verdict: Verdict, reason: impl Into<String>) -> Self {
        Constraint {
            from: None,
            until: None,
            verdict,
            reason: reason.into(),
        }
    }

    pub fn covers(&self, version: &Version) -> bool {
        self.from.as_ref().is_none_or(|f| version >= f)
            && self.until.as_ref().is_none_or(|u| version < u)
    }
}

// Rules shared by `check` (what a store needs) and `migrate
// --for-server-version` (what to write for a version): one place each.

/// Encrypted payloads (`cipher`, seen at `place`): a server before v0.12.0
/// has no encryption and delivers the envelope as the payload.
pub fn encrypted_payloads(cipher: &str, place: &str) -> [Constraint; 2] {
    [
        Constraint::before(
            "0.12.0",
            Verdict::Incompatible,
            format!("payloads are encrypted ({cipher}{place}): servers before v0.12.0 deliver the encryption envelope as the payload"),
        ),
        Constraint::since(
            "0.12.0",
            Verdict::Caveats,
            format!("payloads are encrypted ({cipher}): the server needs the encryption key"),
        ),
    ]
}

/// A gap in a channel's sequences (at `place`): servers before v0.16.2
/// look messages up by position and may serve the wrong one.
pub fn sequence_gap(place: &str) -> Constraint {
    Constraint::before(
        "0.16.2",
        Verdict::Caveats,
        format!("sequence gaps inside {place}: servers before v0.16.2 assume none and may serve the wrong message"),
    )
}

/// A SQL store: none before v0.7.0.
pub fn sql_store() -> Constraint {
    Constraint::before(
        "0.7.0",
        Verdict::Incompatible,
        "the SQL store exists since v0.7.0",
    )
}

/// A SQLite store: a stanctl extension no server version opens.
pub fn sqlite_store() -> Constraint {
    Constraint::all(
        Verdict::Incompatible,
        "SQLite is not a driver of any nats-streaming-server version",
    )
}

/// Why `version` cannot be given a store under `constraints`, for
/// `migrate --for-server-version`: every incompatibility, and the caveats
/// of versions before a fix (a defect: data served wrong), not those that
/// hold from some version on (e.g. "the server needs the key").
pub fn reasons_against(constraints: &[Constraint], version: &Version) -> Vec<String> {
    constraints
        .iter()
        .filter(|c| c.covers(version) && c.verdict != Verdict::Compatible)
        .filter(|c| c.verdict == Verdict::Incompatible || c.until.is_some())
        .map(|c| c.reason.clone())
        .collect()
}

/// The worst verdict and its reasons for one version.
pub fn evaluate(constraints: &[Constraint], version: &Version) -> (Verdict, Vec<String>) {
    let covering: Vec<&Constraint> = constraints.iter().filter(|c| c.covers(version)).collect();
    let verdict = covering
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Compatible);
    let mut reasons: Vec<String> = Vec::new();
    // The incompatibilities first, then the caveats.
    for want in [Verdict::Incompatible, Verdict::Caveats] {
        for c in &covering {
            if c.verdict == want && !reasons.contains(&c.reason) {
                reasons.push(c.reason.clone());
            }
        }
    }
    (verdict, reasons)
}

/// Consecutive release tags with the same verdict and reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRange {
    pub from: String,
    pub to: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// The answer for `--server-version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionVerdict {
    pub version: String,
    pub verdict: Verdict,
    /// Whether the version starts on this store and serves its data.
    pub opens: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// The `compatibility` object of the check report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Compatibility {
    /// Release ranges that open the store (verdict compatible or caveats).
    pub opens_with: Vec<String>,
    /// Every release tag, grouped.
    pub ranges: Vec<VersionRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<VersionVerdict>,
    /// What the store itself tells about its writer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Compatibility {
    pub fn compute(
        constraints: &[Constraint],
        target: Option<&Version>,
        notes: Vec<String>,
    ) -> Self {
        let mut ranges: Vec<VersionRange> = Vec::new();
        for tag in tags() {
            let (verdict, reasons) = evaluate(constraints, &tag);
            match ranges.last_mut() {
                Some(last) if last.verdict == verdict && last.reasons == reasons => {
                    last.to = tag.to_string();
                }
                _ => ranges.push(VersionRange {
                    from: tag.to_string(),
                    to: tag.to_string(),
                    verdict,
                    reasons,
                }),
            }
        }
        // Merge adjacent opening ranges for the summary.
        let mut opens_with: Vec<(String, String)> = Vec::new();
        let mut previous_opened = false;
        for r in &ranges {
            let opens = r.verdict != Verdict::Incompatible;
            match (opens, previous_opened, opens_with.last_mut()) {
                (true, true, Some(last)) => last.1 = r.to.clone(),
                (true, _, _) => opens_with.push((r.from.clone(), r.to.clone())),
                _ => {}
            }
            previous_opened = opens;
        }
        let server_version = target.map(|t| {
            let (verdict, reasons) = evaluate(constraints, t);
            VersionVerdict {
                version: t.to_string(),
                verdict,
                opens: verdict != Verdict::Incompatible,
                reasons,
            }
        });
        Compatibility {
            opens_with: opens_with
                .into_iter()
                .map(|(a, b)| if a == b { a } else { format!("{a} - {b}") })
                .collect(),
            ranges,
            server_version,
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(v("0.10.0"), Version::new(0, 10, 0));
        assert_eq!(v("v0.10.0"), Version::new(0, 10, 0));
        assert_eq!(v("0.10"), Version::new(0, 10, 0));
        assert!(v("0.8.0-beta") < v("0.8.0"));
        assert!(v("0.7.2") < v("0.8.0-beta"));
        assert!(v("0.9.2") < v("0.10.0"));
        assert_eq!(v("0.8.0-beta").to_string(), "v0.8.0-beta");
        assert_eq!(
            "x.y".parse::<Version>(),
            Err(VersionError::NotNumbers("x.y".into()))
        );
        assert_eq!(
            "1.2.3.4".parse::<Version>(),
            Err(VersionError::Shape("1.2.3.4".into()))
        );
        let t = tags();
        assert_eq!(t.len(), TAGS.len());
        assert!(t.windows(2).all(|w| w[0] < w[1]), "tags sorted");
    }

    #[test]
    fn only_released_versions_are_accepted() {
        assert_eq!(released("0.10.0"), Ok(v("0.10.0")));
        assert_eq!(released("v0.25.6"), Ok(v("0.25.6")));
        assert_eq!(released("0.8.0-beta"), Ok(v("0.8.0-beta")));
        for never in ["0.30.0", "1.2", "0.13.0", "0.8.0", "0.25.7", "x"] {
            let e = released(never).unwrap_err().to_string();
            assert!(e.contains(never), "{e}");
        }
        assert_eq!(
            released("0.30.0"),
            Err(VersionError::NotReleased("0.30.0".into()))
        );
        assert!(released("0.30.0")
            .unwrap_err()
            .to_string()
            .contains("v0.1.0 to v0.25.6"));
    }

    #[test]
    fn ranges_group_tags() {
        let c = vec![
            Constraint::before("0.2.0", Verdict::Incompatible, "legacy"),
            Constraint::since("0.10.0", Verdict::Incompatible, "proto"),
            Constraint::before("0.12.0", Verdict::Caveats, "old"),
        ];
        let compat = Compatibility::compute(&c, Some(&v("0.10.0")), vec![]);
        assert_eq!(compat.opens_with, vec!["v0.2.0 - v0.9.2".to_string()]);
        let sv = compat.server_version.unwrap();
        assert_eq!(sv.verdict, Verdict::Incompatible);
        assert_eq!(sv.reasons, vec!["proto".to_string(), "old".to_string()]);
        assert_eq!(compat.ranges.first().unwrap().to, "v0.1.0");
        assert_eq!(compat.ranges.last().unwrap().to, "v0.25.6");
    }
}
