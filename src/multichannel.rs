//! Several channels at once: which channels a list of names and subject
//! patterns selects, and their messages merged into one stream by
//! timestamp without loading any channel.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::error::{Result, StoreError};
use crate::migrate::subject_matches;
use crate::model::{Message, MessageRange};
use crate::store::{require_channel, StoreReader};

/// The channels of the store that `patterns` select, sorted by name, each
/// once. A pattern is a channel name or a subject with the server's
/// wildcards (`*` one token, `>` the remaining tokens, last). A name the
/// store does not have is an error with "did you mean"; a pattern that
/// selects nothing is an error too: a typo, not an empty answer.
pub fn select_channels(store: &mut dyn StoreReader, patterns: &[String]) -> Result<Vec<String>> {
    let names = store.channel_names()?;
    let mut wanted = vec![false; names.len()];
    for pattern in patterns {
        if let Some(why) = pattern_problem(pattern) {
            return Err(StoreError::Invalid(format!(
                "channel pattern {pattern:?} is not a valid subject ({why})"
            )));
        }
        if !pattern.contains(['*', '>']) {
            require_channel(store, pattern)?;
        }
        let mut any = false;
        for (name, want) in names.iter().zip(wanted.iter_mut()) {
            if subject_matches(pattern, name) {
                *want = true;
                any = true;
            }
        }
        if !any {
            return Err(StoreError::Invalid(format!(
                "channel pattern {pattern:?} matches no channel of the store"
            )));
        }
    }
    Ok(names
        .into_iter()
        .zip(wanted)
        .filter_map(|(name, want)| want.then_some(name))
        .collect())
}

/// Why `pattern` cannot be a subscription subject (the server's
/// `util.IsSubjectValid(subject, true)`): empty tokens, a wildcard inside a
/// token, `>` before the last token.
fn pattern_problem(pattern: &str) -> Option<&'static str> {
    let tokens: Vec<&str> = pattern.split('.').collect();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            return Some("it has an empty token");
        }
        if token.len() > 1 && token.contains(['*', '>']) {
            return Some("a wildcard must be a whole token");
        }
        if *token == ">" && i + 1 != tokens.len() {
            return Some("'>' must be the last token");
        }
    }
    None
}

/// Messages read from a channel at a time: a cursor holds at most this
/// many, or about [`BATCH_BYTES`] of payload.
const BATCH_MSGS: usize = 256;
const BATCH_BYTES: usize = 1 << 20;

/// Where the merge is in one channel: its next messages and the range
/// still to read.
struct Cursor {
    name: String,
    /// The rest of the channel: `from_seq` moves past what was read.
    rest: MessageRange,
    buf: VecDeque<Message>,
    done: bool,
}

/// One item of a merge: the channel (an index into the names given to
/// [`Merged::new`]) and its next message, or an error reading it (the
/// merge goes on past it).
pub type MergedItem = (usize, Result<Message>);

/// Messages of several channels in timestamp order: a k-way merge with one
/// cursor per channel, each holding a small batch read through
/// [`StoreReader::messages`] from where it stopped, so memory stays
/// constant whatever the channels hold.
///
/// Order: by timestamp; equal timestamps by channel name, then sequence.
/// Each channel stays in sequence order even where its timestamps go back
/// (a server clock step): the merge compares the channels' next messages,
/// it never reorders a channel.
pub struct Merged<'s> {
    store: &'s mut dyn StoreReader,
    cursors: Vec<Cursor>,
    /// The next message of each channel that has one: (timestamp, channel
    /// index, seq). Channel indexes follow the names' sorted order, so the
    /// index breaks timestamp ties by name.
    heads: BinaryHeap<Reverse<(i64, usize, u64)>>,
    errors: VecDeque<MergedItem>,
    started: bool,
}

impl<'s> Merged<'s> {
    /// `channels` sorted by name (as [`select_channels`] returns them),
    /// each with its own range (sequences are per channel).
    pub fn new(store: &'s mut dyn StoreReader, channels: Vec<(String, MessageRange)>) -> Self {
        let cursors = channels
            .into_iter()
            .map(|(name, rest)| Cursor {
                name,
                rest,
                buf: VecDeque::new(),
                done: false,
            })
            .collect();
        Merged {
            store,
            cursors,
            heads: BinaryHeap::new(),
            errors: VecDeque::new(),
            started: false,
        }
    }

    /// The channel names, by index.
    pub fn channel(&self, index: usize) -> &str {
        &self.cursors[index].name
    }

    /// Read the next batch of channel `i`. A batch stops right after a
    /// message, so the next one starts at the following sequence; errors
    /// met on the way are queued for the caller.
    fn refill(&mut self, i: usize) {
        let cursor = &mut self.cursors[i];
        if cursor.done {
            return;
        }
        let iter = match self.store.messages(&cursor.name, cursor.rest) {
            Ok(iter) => iter,
            Err(e) => {
                cursor.done = true;
                self.errors.push_back((i, Err(e)));
                return;
            }
        };
        let mut bytes = 0;
        for item in iter {
            match item {
                Ok(m) => {
                    if m.seq == u64::MAX {
                        cursor.done = true;
                    }
                    cursor.rest.from_seq = Some(m.seq.saturating_add(1));
                    bytes += m.data.len();
                    cursor.buf.push_back(m);
                    if cursor.done || cursor.buf.len() >= BATCH_MSGS || bytes >= BATCH_BYTES {
                        return;
                    }
                }
                Err(e) => self.errors.push_back((i, Err(e))),
            }
        }
        cursor.done = true;
    }

    fn push_head(&mut self, i: usize) {
        if self.cursors[i].buf.is_empty() {
            self.refill(i);
        }
        if let Some(m) = self.cursors[i].buf.front() {
            self.heads.push(Reverse((m.timestamp, i, m.seq)));
        }
    }
}

impl Iterator for Merged<'_> {
    type Item = MergedItem;

    fn next(&mut self) -> Option<MergedItem> {
        if !self.started {
            self.started = true;
            for i in 0..self.cursors.len() {
                self.push_head(i);
            }
        }
        if let Some(error) = self.errors.pop_front() {
            return Some(error);
        }
        let Reverse((_, i, _)) = self.heads.pop()?;
        let m = self.cursors[i].buf.pop_front()?;
        self.push_head(i);
        Some((i, Ok(m)))
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_problem;

    #[test]
    fn patterns_as_the_server_checks_subjects() {
        for good in ["orders.*", ">", "orders.>", "*.eu", "a", "*"] {
            assert_eq!(pattern_problem(good), None, "{good}");
        }
        for bad in ["", "orders.", ".x", "a..b", "orders.>.x", "ord*", "a.b>"] {
            assert!(pattern_problem(bad).is_some(), "{bad:?}");
        }
    }
}
