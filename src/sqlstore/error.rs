//! Errors of the SQL driver layer, before the caller names where they
//! happened: the reader and the writer put them in a
//! [`crate::error::StoreError::Sql`] naming the table and the row's key.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// The database or its driver refused: its message as the server's Go
    /// drivers print it, secrets scrubbed.
    #[error("{0}")]
    Database(String),

    /// A stored value that is not what its column must hold.
    #[error("expected {expected}, found {found}")]
    Value {
        expected: &'static str,
        found: String,
    },

    /// A value that does not fit the column's type in the database.
    #[error("{value} out of range for {target}")]
    OutOfRange { value: String, target: &'static str },

    /// A value of one kind sent to a column of another.
    #[error("cannot write {value} into a {target} column")]
    Mismatch {
        value: &'static str,
        target: &'static str,
    },

    /// A column the driver cannot decode.
    #[error("column {column}: {message}")]
    Column { column: String, message: String },

    /// A value too large to hold in memory (allocation refused).
    #[error("a value of {len} bytes cannot be held in memory")]
    TooLarge { len: u64 },

    /// A statement and its parameters disagree.
    #[error("statement expects {expected} parameters, got {got}")]
    Parameters { expected: usize, got: usize },
}
