//! What a data file holds where an index entry points, when it is not the
//! message the entry names (the server's `getMessage` and
//! `ensureLastMsgAndIndexMatch` errors, docs/FORMAT.md 2.4, 2.8.2).

/// A message record read through its index entry that is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    #[error("record of {needed} bytes at offset {offset} runs past the end of the file ({file_len} bytes)")]
    PastEnd {
        needed: u64,
        offset: u64,
        file_len: u64,
    },

    #[error("record size {stored} does not match the index size {indexed}")]
    SizeMismatch { stored: u32, indexed: u32 },

    /// The record's CRC does not match (only when CRCs are verified).
    #[error("corrupted data, expected crc to be 0x{stored:08x}, got 0x{actual:08x}")]
    Crc { stored: u32, actual: u32 },

    #[error("bad MsgProto")]
    BadMsgProto,

    #[error("data record has sequence {found}, index says {indexed}")]
    WrongSeq { found: u64, indexed: u64 },
}

impl RecordProblem {
    /// The problem as messages say it: prefixed with the sequence the
    /// index names, except where the text names it already.
    pub fn describe(&self, seq: u64) -> String {
        match self {
            RecordProblem::WrongSeq { .. } => self.to_string(),
            _ => format!("seq {seq}: {self}"),
        }
    }
}
