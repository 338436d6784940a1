//! What the server computes at start-up from the SQL rows (docs/FORMAT.md 4.5,
//! 4.6; `SQLStore.Recover` and `recoverPendingRow` in `stores/sqlstore.go`),
//! as pure functions over already-fetched values. Nothing here touches a
//! database, so every rule is unit-tested on its own.

use std::collections::BTreeSet;

use super::error::SqlError;

/// One `SubsPending` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PendingRow {
    pub row: u64,
    /// > 0: a no-caching row (one pending sequence); 0: a caching row.
    pub seq: u64,
    pub last_sent: u64,
    /// JSON lists; `None` = SQL NULL.
    pub pending: Option<Vec<u8>>,
    pub acks: Option<Vec<u8>>,
}

/// A row whose JSON list does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadList {
    pub row: u64,
    pub column: &'static str,
    pub error: SqlError,
}

/// The outcome of replaying a subscription's `SubsPending` rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Replay {
    pub last_sent: u64,
    pub pending: BTreeSet<u64>,
    /// Rows written by a server running with `sql_no_caching` (seq > 0).
    pub no_caching_rows: usize,
    /// Rows written by a caching server (seq = 0, JSON lists).
    pub caching_rows: usize,
    pub bad_lists: Vec<BadList>,
}

/// Decodes a `pending`/`acks` column: a JSON array of unsigned integers.
/// SQL NULL (the MySQL driver's empty list), an empty byte string (the
/// PostgreSQL driver's) and JSON `null` all mean "no elements", as for the
/// server (`len(b) > 0` then `json.Unmarshal` into `[]uint64`).
pub(crate) fn decode_seq_list(blob: Option<&[u8]>) -> Result<Vec<u64>, SqlError> {
    match blob {
        None | Some([]) => Ok(Vec::new()),
        Some(b) => serde_json::from_slice::<Option<Vec<u64>>>(b)
            .map(Option::unwrap_or_default)
            .map_err(|e| SqlError::Value {
                expected: "a JSON array of unsigned integers",
                found: e.to_string(),
            }),
    }
}

/// Replays the rows of one subscription in the given order (the caller
/// orders them by `row`; the server takes the database's order, which is
/// primary-key order on InnoDB and normally insertion order on PostgreSQL).
///
/// `initial_last_sent` is `max(SubState.LastSent, Subscriptions.lastsent)`.
/// A no-caching row adds its sequence; a caching row raises last sent to
/// its `lastsent`, adds its pending list, then removes its acks from what
/// is pending so far. A list that does not decode is reported and skipped
/// (the server stops its recovery with the JSON error).
pub(crate) fn replay_pending(initial_last_sent: u64, rows: &[PendingRow]) -> Replay {
    let mut r = Replay {
        last_sent: initial_last_sent,
        ..Replay::default()
    };
    for row in rows {
        if row.seq > 0 {
            r.no_caching_rows += 1;
            r.last_sent = r.last_sent.max(row.seq);
            r.pending.insert(row.seq);
            continue;
        }
        r.caching_rows += 1;
        r.last_sent = r.last_sent.max(row.last_sent);
        match decode_seq_list(row.pending.as_deref()) {
            Ok(seqs) => r.pending.extend(seqs),
            Err(error) => r.bad_lists.push(BadList {
                row: row.row,
                column: "pending",
                error,
            }),
        }
        match decode_seq_list(row.acks.as_deref()) {
            Ok(seqs) => {
                for s in seqs {
                    r.pending.remove(&s);
                }
            }
            Err(error) => r.bad_lists.push(BadList {
                row: row.row,
                column: "acks",
                error,
            }),
        }
    }
    r
}

/// First and last sequence of a channel as the server recovers them.
///
/// * `min_seq`, `max_seq`: `MIN/MAX(Messages.seq)` (0 when no rows).
/// * `channel_maxseq`: `Channels.maxseq` (set when expiration removed every
///   message up to the last one).
/// * `subs_last_sent`: the recovered `LastSent` of every subscription the
///   server reads (since v0.22.1 they raise the channel's sequence too).
///
/// `maxseq = max(maxseq column, MAX(seq), every LastSent)`; if it is above
/// the last stored sequence the channel continues after it:
/// `first = maxseq + 1, last = maxseq` (the rows that remain, if any, are
/// then outside the channel's range).
pub(crate) fn recovered_range(
    min_seq: u64,
    max_seq: u64,
    channel_maxseq: u64,
    subs_last_sent: impl IntoIterator<Item = u64>,
) -> (u64, u64) {
    let maxseq = subs_last_sent
        .into_iter()
        .fold(channel_maxseq.max(max_seq), u64::max);
    if maxseq > max_seq {
        (maxseq.saturating_add(1), maxseq)
    } else {
        (min_seq, max_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caching(row: u64, last_sent: u64, pending: Option<&str>, acks: Option<&str>) -> PendingRow {
        PendingRow {
            row,
            seq: 0,
            last_sent,
            pending: pending.map(|s| s.as_bytes().to_vec()),
            acks: acks.map(|s| s.as_bytes().to_vec()),
        }
    }

    fn no_caching(row: u64, seq: u64) -> PendingRow {
        PendingRow {
            row,
            seq,
            ..PendingRow::default()
        }
    }

    #[test]
    fn seq_lists() {
        assert_eq!(decode_seq_list(None).unwrap(), Vec::<u64>::new());
        assert_eq!(decode_seq_list(Some(b"")).unwrap(), Vec::<u64>::new());
        assert_eq!(decode_seq_list(Some(b"null")).unwrap(), Vec::<u64>::new());
        assert_eq!(decode_seq_list(Some(b"[2,3,1]")).unwrap(), vec![2, 3, 1]);
        assert_eq!(
            decode_seq_list(Some(b" [ 18446744073709551615 ] ")).unwrap(),
            vec![u64::MAX]
        );
        assert!(decode_seq_list(Some(b"[-1]")).is_err());
        assert!(decode_seq_list(Some(b"[1.5]")).is_err());
        assert!(decode_seq_list(Some(b"[1,")).is_err());
        assert!(decode_seq_list(Some(b"{\"a\":1}")).is_err());
        assert!(decode_seq_list(Some(&[0xff, 0x00])).is_err());
    }

    /// docs/FORMAT.md section 10: sending 1, 2, 3 and acking 1 in caching mode
    /// (MariaDB writes NULL for an empty list, PostgreSQL an empty string).
    #[test]
    fn caching_rows_both_drivers() {
        let mysql = [
            caching(1, 3, Some("[2,3,1]"), None),
            caching(2, 3, None, Some("[1]")),
        ];
        let pg = [
            caching(1, 3, Some("[3,1,2]"), Some("")),
            caching(2, 3, Some(""), Some("[1]")),
        ];
        for rows in [&mysql[..], &pg[..]] {
            let r = replay_pending(0, rows);
            assert_eq!(r.last_sent, 3);
            assert_eq!(r.pending.iter().copied().collect::<Vec<_>>(), vec![2, 3]);
            assert_eq!((r.caching_rows, r.no_caching_rows), (2, 0));
            assert!(r.bad_lists.is_empty());
        }
    }

    /// Same scenario in no-caching mode: row 1 was deleted by the ack.
    #[test]
    fn no_caching_rows() {
        let r = replay_pending(0, &[no_caching(2, 2), no_caching(3, 3)]);
        assert_eq!(r.last_sent, 3);
        assert_eq!(r.pending.iter().copied().collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!((r.caching_rows, r.no_caching_rows), (0, 2));
    }

    #[test]
    fn acks_only_cancel_earlier_pending() {
        // An ack listed before its pending entry does not cancel it.
        let r = replay_pending(
            0,
            &[
                caching(1, 5, None, Some("[5]")),
                caching(2, 5, Some("[5]"), None),
            ],
        );
        assert_eq!(r.pending.iter().copied().collect::<Vec<_>>(), vec![5]);
        // Within one row, pending is added before acks are applied.
        let r = replay_pending(0, &[caching(1, 5, Some("[4,5]"), Some("[5]"))]);
        assert_eq!(r.pending.iter().copied().collect::<Vec<_>>(), vec![4]);
    }

    #[test]
    fn last_sent_is_the_maximum() {
        // The initial value (proto/column) wins over lower row values.
        let r = replay_pending(24, &[caching(1, 8, Some("[7,8]"), None)]);
        assert_eq!(r.last_sent, 24);
        // A no-caching row raises it; a caching row's lastsent too, even
        // with empty lists.
        let r = replay_pending(2, &[no_caching(1, 9), caching(2, 12, None, None)]);
        assert_eq!(r.last_sent, 12);
        assert_eq!(r.pending.iter().copied().collect::<Vec<_>>(), vec![9]);
    }

    #[test]
    fn mixed_styles_do_not_ack_each_other() {
        // docs/FORMAT.md 4.5 mode-switch quirk: an ack in a JSON row does cancel a
        // sequence made pending by a no-caching row (it is in the same set);
        // but a no-caching ack (a deleted row) leaves the JSON pending alone.
        let r = replay_pending(
            0,
            &[no_caching(1, 4), caching(2, 5, Some("[5]"), Some("[4]"))],
        );
        assert_eq!(r.pending.iter().copied().collect::<Vec<_>>(), vec![5]);
    }

    #[test]
    fn bad_lists_are_reported_and_skipped() {
        let r = replay_pending(
            0,
            &[
                caching(7, 3, Some("[1,2"), Some("[x]")),
                caching(8, 3, Some("[3]"), None),
            ],
        );
        assert_eq!(r.pending.iter().copied().collect::<Vec<_>>(), vec![3]);
        assert_eq!(r.bad_lists.len(), 2);
        assert_eq!((r.bad_lists[0].row, r.bad_lists[0].column), (7, "pending"));
        assert_eq!((r.bad_lists[1].row, r.bad_lists[1].column), (7, "acks"));
    }

    #[test]
    fn ranges() {
        // Plain channel.
        assert_eq!(recovered_range(1, 35, 0, [15, 0]), (1, 35));
        // Never used.
        assert_eq!(recovered_range(0, 0, 0, []), (0, 0));
        // docs/FORMAT.md 4.4: 3 messages expired by max_age, maxseq = 3, no rows.
        assert_eq!(recovered_range(0, 0, 3, []), (4, 3));
        // maxseq below the stored messages (Empty() reset it, or stale).
        assert_eq!(recovered_range(5, 9, 3, []), (5, 9));
        // A subscription's LastSent above the last stored message hides the
        // remaining rows (v0.22.1+ rule).
        assert_eq!(recovered_range(1, 10, 0, [12]), (13, 12));
        // ... and continues an empty channel.
        assert_eq!(recovered_range(0, 0, 0, [7]), (8, 7));
        assert_eq!(recovered_range(0, 0, u64::MAX, []), (u64::MAX, u64::MAX));
    }
}
