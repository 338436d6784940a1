//! What a data file holds where an index entry points, when it is not the
//! message the entry names (the server's `getMessage` and
//! `ensureLastMsgAndIndexMatch` errors, docs/FORMAT.md 2.4, 2.8.2).

use super::walk::CrcMismatch;

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
    SizeMismatch { stored: u64, indexed: u32 },

    /// The record's CRC does not match (only when CRCs are verified).
    #[error(transparent)]
    Crc(#[from] CrcMismatch),

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

/// Why the record an index's last entry points at does not match it
/// (`ensureLastMsgAndIndexMatch`): the server rebuilds the index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LastRecordProblem {
    /// The data file cannot be read: the OS error's kind and text (kept
    /// as text so that walk events can be cloned and compared).
    #[error("{message}")]
    Io {
        kind: std::io::ErrorKind,
        message: String,
    },

    #[error("offset {offset} is beyond the end of the file ({file_len} bytes): EOF")]
    BeyondEnd { offset: u64, file_len: u64 },

    #[error("unable to read last record: zero-filled header")]
    ZeroHeader,

    #[error("unable to read last record: unexpected EOF (record needs {needed} bytes, {available} left)")]
    Torn { needed: u64, available: u64 },

    #[error("unable to read last record: unexpected EOF")]
    TornHeader,

    #[error("unable to read last record: EOF")]
    Eof,

    #[error("expected record size to be {indexed} bytes, got {stored} bytes")]
    Size { indexed: u32, stored: u64 },

    #[error(transparent)]
    Crc(#[from] CrcMismatch),

    #[error("error decoding message: {0}")]
    Decode(prost::DecodeError),

    #[error("last message sequence in index is {indexed}, data file is {found}")]
    Seq { indexed: u64, found: u64 },
}

impl From<std::io::Error> for LastRecordProblem {
    fn from(e: std::io::Error) -> Self {
        LastRecordProblem::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts are those the findings and errors printed when these
    /// were strings; tests and users match on them.
    #[test]
    fn texts_are_unchanged() {
        let crc = RecordProblem::Crc(CrcMismatch {
            stored: 0x72c2_2422,
            computed: 0xff4a_d9c0,
        });
        assert_eq!(
            crc.describe(12),
            "seq 12: corrupted data, expected crc to be 0x72c22422, got 0xff4ad9c0"
        );
        let wrong = RecordProblem::WrongSeq {
            found: 6,
            indexed: 5,
        };
        assert_eq!(
            wrong.describe(5),
            "data record has sequence 6, index says 5"
        );
        assert_eq!(
            LastRecordProblem::Torn {
                needed: 40,
                available: 3
            }
            .to_string(),
            "unable to read last record: unexpected EOF (record needs 40 bytes, 3 left)"
        );
        let io = LastRecordProblem::from(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(
            io.to_string(),
            std::io::Error::from(std::io::ErrorKind::NotFound).to_string()
        );
    }
}
