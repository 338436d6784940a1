//! The one finding type: something a reader worked around or `check`
//! noticed, with a stable [`Code`]. Every code is registered once, below,
//! with the severities it is reported at, what it means and what the real
//! server does; `docs/FINDINGS.md` is generated from this registry by
//! [`findings_markdown`] (`scripts/update-completions.sh` rewrites it) and
//! a test fails when it is stale.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// `info`, `warning`, `error`: as JSON output spells it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One entry of the registry.
struct Entry {
    code: Code,
    dotted: &'static str,
    severities: &'static [Severity],
    meaning: &'static str,
    server: &'static str,
}

macro_rules! registry {
    ($( $variant:ident = $dotted:literal [$($sev:ident),+]
        meaning $meaning:literal
        server $server:literal; )*) => {
        /// The kind of a finding. Serialised as its stable dotted name
        /// (`record.torn`), which scripts match on: never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $variant, )*
        }

        const REGISTRY: &[Entry] = &[
            $( Entry {
                code: Code::$variant,
                dotted: $dotted,
                severities: &[$(Severity::$sev),+],
                meaning: $meaning,
                server: $server,
            }, )*
        ];
    };
}

registry! {
    StoreLegacyLayout = "store.legacy_layout" [Error]
        meaning "clients.dat holds the text lines of the v0.1.0 file store"
        server "v0.2.0 and later cannot read it; only v0.1.0 opens the store";
    StoreLocked = "store.locked" [Warning]
        meaning "a live process holds the store lock (.rootdir.lck, or the SQL StoreLock row is fresh): what it writes meanwhile may be missing or partial"
        server "a second fault-tolerant server waits for the lock; the running one keeps writing";
    StoreLockFile = "store.lock_file" [Info]
        meaning "the lock file of a fault-tolerant server, not held now"
        server "an FT server locks it at start-up";
    StoreTruncateLock = "store.truncate_lock" [Info]
        meaning "a server ran with -file_truncate_bad_eof and has not been restarted without it since"
        server "refuses -file_truncate_bad_eof while the file exists; removes it on a start without the flag";
    StoreCompactionLeftover = "store.compaction_leftover" [Warning]
        meaning "the temporary file of a compaction that was interrupted"
        server "ignores it";
    StoreStrayFile = "store.stray_file" [Info]
        meaning "a file in the store root that the store does not use"
        server "ignores it";
    FileUnreadable = "file.unreadable" [Error]
        meaning "a store file cannot be read (permissions, I/O error, not a regular file)"
        server "fails to open it and refuses to start";
    FileVersion = "file.version" [Error]
        meaning "a file's 4-byte version header is missing or not 1"
        server "refuses to start (unable to verify file version / unsupported file version)";
    ServerEmpty = "server.empty" [Info]
        meaning "server.dat holds no server information: the store was never used"
        server "starts with an empty store";
    ServerEmptyWithChannels = "server.empty_with_channels" [Warning]
        meaning "server.dat holds no server information, but channel directories exist"
        server "v0.25.0+: writes new server information and recovers the channels; earlier: starts empty and ignores them";
    ServerMissingWithChannels = "server.missing_with_channels" [Warning]
        meaning "no ServerInfo row, but the Channels table has rows"
        server "v0.25.0+: writes new server information and recovers the channels; earlier: starts empty and ignores them";
    ServerSize = "server.size" [Error]
        meaning "server.dat is larger than its one ServerInfo record"
        server "refuses to start (incorrect file size)";
    ServerNoClusterId = "server.no_cluster_id" [Warning]
        meaning "the stored ServerInfo has an empty cluster id"
        server "starts with its configured cluster id";
    ServerRows = "server.rows" [Warning]
        meaning "the ServerInfo table has more than one row"
        server "reads the row with uniquerow = 1";
    ServerVersion = "server.version" [Error]
        meaning "the ServerInfo row's version is not 1"
        server "refuses to start (unsupported version)";
    ServerIdMismatch = "server.id_mismatch" [Error]
        meaning "the ServerInfo id column differs from the cluster id inside its proto"
        server "refuses to start (id in column does not match cluster ID in data)";
    CrcPolynomial = "crc.polynomial" [Error]
        meaning "the CRCs were written with another polynomial than the configured one"
        server "refuses to start unless run with the matching -file_crc_poly";
    RecordTorn = "record.torn" [Error, Warning]
        meaning "a record is cut short by the end of the file (a crash while writing)"
        server "refuses to start (unexpected EOF) where it reads the file at start-up; -file_truncate_bad_eof truncates it there";
    RecordZeroPadding = "record.zero_padding" [Error, Warning]
        meaning "zero bytes where a record header should be (a crash after the file was extended)"
        server "truncates the file there and continues; in server.dat, or with data after the zeros, refuses to start";
    RecordHeaderOnly = "record.header_only" [Error, Warning]
        meaning "a record header with no payload at the end of the file (quirk Q1)"
        server "reads it as the end of the file without truncating; what is appended later lands after these 8 bytes";
    RecordCrc = "record.crc" [Error]
        meaning "a record's payload does not match the CRC in its header"
        server "refuses to start where it reads the record at start-up (-file_truncate_bad_eof does not repair it); elsewhere fails to deliver it";
    RecordDecode = "record.decode" [Error]
        meaning "a record's payload (or a SQL proto/data column) is not the protobuf it should be"
        server "refuses to start where it decodes it at start-up; elsewhere fails to deliver the message";
    RecordUnknownType = "record.unknown_type" [Error]
        meaning "a client or subscription record has a type the server does not know"
        server "refuses to start (invalid or unexpected record type)";
    RecordNotCanonical = "record.not_canonical" [Warning]
        meaning "a record decodes, but its bytes are not the canonical encoding of its type (a damaged type byte?)"
        server "decodes it, ignoring the unknown fields";
    ClientsMissing = "clients.missing" [Info]
        meaning "clients.dat is absent"
        server "creates it; no client is recovered";
    ClientsClustered = "clients.clustered" [Info]
        meaning "clients.dat of a clustered node holds client records"
        server "recovers them, then relies on the Raft log";
    ChannelInvalidName = "channel.invalid_name" [Warning]
        meaning "a directory of the store root is not a valid channel name"
        server "recovers it as a channel that clients cannot use";
    ChannelEmptyDir = "channel.empty_dir" [Info]
        meaning "a channel directory is empty"
        server "recovers it as an empty channel and creates subs.dat";
    ChannelNotAChannel = "channel.not_a_channel" [Warning]
        meaning "a directory of the store root holds no channel files but other entries"
        server "recovers it as a channel (every directory of the root is one) and creates subs.dat in it";
    ChannelStrayFile = "channel.stray_file" [Info]
        meaning "a file or directory in a channel directory that the store does not use"
        server "ignores it";
    SliceArchived = "slice.archived" [Info]
        meaning "a slice renamed for the slice archive script"
        server "ignores it";
    SliceBadName = "slice.bad_name" [Error]
        meaning "a message file name is not msgs.<number>.dat"
        server "refuses to start (message log has an invalid name)";
    SliceOrphanIndex = "slice.orphan_index" [Warning]
        meaning "an index file without its data file"
        server "ignores it: slices are found by their .dat";
    SliceDuplicateNumber = "slice.duplicate_number" [Warning]
        meaning "two data file names parse to the same slice number (msgs.1.dat and msgs.01.dat)"
        server "recovers both against the same index file";
    SliceOverlap = "slice.overlap" [Warning]
        meaning "a slice starts at or before the last sequence of the slice before it"
        server "assumes lower slice numbers hold lower sequences: limits and lookups may pick the wrong slice";
    SliceGap = "slice.gap" [Warning]
        meaning "sequences are missing between two slices"
        server "serves the channel with the hole";
    SubsMissing = "subs.missing" [Info]
        meaning "a channel has no subs.dat"
        server "creates it; no subscription is recovered";
    SubsClustered = "subs.clustered" [Info]
        meaning "subs.dat of a clustered node holds subscription records"
        server "uses them only to compute the next subscription id";
    SubsNotRecovered = "subs.not_recovered" [Info]
        meaning "a non-durable subscription whose client is not in clients.dat"
        server "skips it at start-up; its records stay until the next compaction";
    SubsGhostQueueMember = "subs.ghost_queue_member" [Warning]
        meaning "a durable queue member whose client is not in clients.dat"
        server "deletes it from the store at start-up";
    SubsBeyondLast = "subs.beyond_last" [Warning]
        meaning "a subscription's last sent sequence is beyond the channel's last message"
        server "keeps it; messages stored later with those sequences are not delivered to it";
    SubsPendingMissing = "subs.pending_missing" [Warning]
        meaning "a subscription's pending sequence is not in the channel"
        server "cannot redeliver it";
    IndexMissing = "index.missing" [Warning, Info]
        meaning "a slice's index file is absent"
        server "rebuilds it from the data file at start-up";
    IndexEmpty = "index.empty" [Info]
        meaning "an index file has no record while its data file has data"
        server "rebuilds the index from the data file (quirk Q2)";
    IndexPartial = "index.partial" [Warning]
        meaning "an index file ends with a partial 32-byte record"
        server "discards the index and rebuilds it from the data file";
    IndexZeroPadding = "index.zero_padding" [Error, Warning]
        meaning "a zero-filled index record"
        server "truncates the index file there; messages after it become orphan data records";
    IndexCrc = "index.crc" [Error, Warning]
        meaning "an index record does not match its CRC"
        server "with file_crc: discards the index and rebuilds it; without: trusts the damaged entry";
    IndexOrder = "index.order" [Error]
        meaning "index sequences do not ascend"
        server "serves the wrong messages for these sequences";
    IndexGap = "index.gap" [Warning]
        meaning "sequences are missing inside an index file"
        server "v0.16.2+ tolerate gaps; older servers may return the wrong message for a sequence";
    IndexTimestampOrder = "index.timestamp_order" [Info]
        meaning "a message's timestamp is earlier than the one before it"
        server "time-based lookups and age limits may skip messages";
    IndexOffsetChain = "index.offset_chain" [Warning]
        meaning "an index entry's offset is not where the previous record ends (quirk Q5)"
        server "reads each message at its indexed offset";
    IndexBadOffset = "index.bad_offset" [Error]
        meaning "an index entry points at no record of the data file"
        server "trusting the index, fails to read these messages; rebuilding it, ignores the index";
    IndexLastMismatch = "index.last_mismatch" [Warning]
        meaning "the last index entry does not match the data file"
        server "v0.10.0+ discard the index and rebuild it from the data file; older servers trust it";
    IndexSizeMismatch = "index.size_mismatch" [Error]
        meaning "a record's size differs from its index entry's"
        server "fails to read the message; for a slice's last message, rebuilds the index";
    IndexSeqMismatch = "index.seq_mismatch" [Error]
        meaning "a record's sequence differs from its index entry's"
        server "serves the record under the index's sequence; for a slice's last message, rebuilds the index";
    IndexTimestampMismatch = "index.timestamp_mismatch" [Warning]
        meaning "a record's timestamp differs from its index entry's"
        server "uses the index timestamp for age limits and time lookups, the record's for delivery";
    DataUnindexed = "data.unindexed" [Warning]
        meaning "records in the middle of a data file have no index entry"
        server "trusting the index, never serves them; rebuilding it, indexes them";
    DataOrphanRecords = "data.orphan_records" [Warning]
        meaning "complete records after the last index entry (quirk Q3)"
        server "trusts the index and ignores them; the next message reuses their sequence";
    DataSizeMismatch = "data.size_mismatch" [Error]
        meaning "a Messages row's size column differs from the length of its data"
        server "fails to decode the message when it is looked up";
    DataSeqMismatch = "data.seq_mismatch" [Error]
        meaning "the message inside a Messages row has another sequence than its seq column"
        server "delivers what the data column holds";
    DataTimestampMismatch = "data.timestamp_mismatch" [Error]
        meaning "a Messages row's timestamp column differs from the message's"
        server "delivers what the data column holds";
    DataUnreadable = "data.unreadable" [Error]
        meaning "the Messages table cannot be read"
        server "-";
    PayloadDecrypt = "payload.decrypt" [Error]
        meaning "payloads do not decrypt with the given key (a wrong key, or damaged payloads)"
        server "cannot deliver them";
    SchemaTableMissing = "schema.table_missing" [Error]
        meaning "a table the server's statements use is missing"
        server "fails to start: unable to prepare statement";
    SchemaTableCase = "schema.table_case" [Warning]
        meaning "a table's name differs in case from the server's statements"
        server "MySQL on Linux: the statements may not find it";
    SchemaColumnMissing = "schema.column_missing" [Error]
        meaning "a column the server's statements use is missing"
        server "fails to start: unable to prepare statement";
    SchemaColumnType = "schema.column_type" [Warning]
        meaning "a column that holds protobuf bytes is not of a binary type"
        server "a text type may reject or alter the bytes";
    SchemaMessagesColumns = "schema.messages_columns" [Error]
        meaning "the Messages table does not have exactly its five columns in order"
        server "its INSERT fails to prepare, or fills the wrong columns";
    SchemaClientsProtoMissing = "schema.clients_proto_missing" [Error, Warning]
        meaning "Clients has no proto column (a schema of a server before v0.10.0)"
        server "v0.10.0+ refuse to start; v0.7.0 - v0.9.2 work";
    SchemaStatementFails = "schema.statement_fails" [Error, Warning]
        meaning "some server versions cannot prepare one of their start-up statements on this schema"
        server "those versions fail to start";
    SchemaDataTooNarrow = "schema.data_too_narrow" [Error, Warning]
        meaning "Messages.data cannot hold the largest message NATS accepts"
        server "storing a larger message fails or is truncated";
    SqlQueryFailed = "sql.query_failed" [Error]
        meaning "a query of the check failed, so that part of the store was not checked"
        server "-";
    SqlRecovery = "sql.recovery" [Error, Warning, Info]
        meaning "reading the SQL store as the server recovers it failed (no more specific sql.* code applies)"
        server "refuses to start";
    SqlNullColumn = "sql.null_column" [Warning]
        meaning "a column the server scans into a number or string is NULL (maxseq, lastsent, seq, hbinbox); read as 0 or empty"
        server "its recovery fails to scan the NULL and it does not start";
    SqlDuplicateChannel = "sql.duplicate_channel" [Warning]
        meaning "a channel name has several live Channels rows"
        server "recovers both and keeps whichever it reads last";
    SqlDeletedChannel = "sql.deleted_channel" [Info]
        meaning "a channel flagged deleted still has message or subscription rows"
        server "does not recover it; leftovers of a deletion interrupted by a stop are never cleaned up";
    SqlBelowFirst = "sql.below_first" [Warning, Info]
        meaning "message or pending rows below the channel's recovered first sequence"
        server "never delivers those messages; with sql_no_caching deletes those pending rows at start-up";
    SqlMaxAge = "sql.max_age" [Info]
        meaning "messages older than the channel's recorded max_age; shown as stored"
        server "a server started with this max_age deletes them at start-up";
    SqlDecode = "sql.decode" [Error, Warning]
        meaning "a proto or pending-list column is NULL or does not decode (Subscriptions, SubsPending, Clients)"
        server "the finding says: does not start, skips the row, or keeps what decoded";
    SqlProtoMismatch = "sql.proto_mismatch" [Error, Warning]
        meaning "a row's columns and its protobuf disagree: an ID, a sequence or a timestamp"
        server "the finding says which one it uses";
    SqlPendingStyles = "sql.pending_styles" [Info]
        meaning "a channel's pending rows are in both the caching and the no-caching style (sql_no_caching changed between runs)"
        server "persists acks in the running mode's style only; messages pending through the other are redelivered after every restart";
    SqlServerInfo = "sql.server_info" [Error, Warning]
        meaning "the ServerInfo row has an unsupported version, or is missing while channels exist"
        server "refuses to start (before v0.25.0 for a missing row)";
    SqlSchema = "sql.schema" [Warning]
        meaning "the reader worked around the schema: a table missing, two tables whose names differ in case, or Messages columns not as the server inserts them"
        server "the finding says: cannot prepare its statements, or stores into the wrong columns";
    OrphanMessages = "orphan.messages" [Warning]
        meaning "Messages rows of a channel id with no Channels row"
        server "never reads them again";
    OrphanDeletedChannel = "orphan.deleted_channel" [Warning]
        meaning "a channel flagged deleted still has messages"
        server "never recovers the channel and never finishes purging it";
    OrphanSubscriptions = "orphan.subscriptions" [Warning]
        meaning "Subscriptions rows of a channel id with no Channels row"
        server "never reads them again";
    OrphanSubsPending = "orphan.subs_pending" [Warning]
        meaning "SubsPending rows of a subscription that no longer exists"
        server "never reads them again";
    RaftLog = "raft.log" [Error, Warning, Info]
        meaning "the Raft log of a clustered node is missing, unreadable or not enough on its own (no more specific raft.* code applies)"
        server "the finding says: what the node replays, skips or refuses";
    RaftBolt = "raft.bolt" [Error, Warning]
        meaning "raft.log's bolt database is damaged: a meta page, the newest commit, a bucket key or value"
        server "bolt uses the other meta page or commit; a damaged entry stops the node";
    RaftEntry = "raft.entry" [Error, Warning]
        meaning "a Raft log entry does not decrypt or decode (entry, operation or configuration), or its Index differs from its key"
        server "the finding says: stops, or skips the operation";
    RaftOperationInvalid = "raft.operation_invalid" [Error]
        meaning "an operation the server's state machine cannot apply: no batch or request, or an unknown type"
        server "panics while applying it";
    RaftGap = "raft.gap" [Error]
        meaning "log entries are missing: between entries, or between the newest snapshot and the first entry"
        server "cannot rebuild the state; the state shown is approximate";
    RaftUncommitted = "raft.uncommitted" [Warning, Info]
        meaning "client or subscription operations after the last index proven committed"
        server "applies them only if it becomes leader";
    RaftSnapshot = "raft.snapshot" [Error, Warning, Info]
        meaning "a snapshot is unfinished, unreadable, skipped or restores only in part"
        server "tries the next older snapshot; fails to start when none restores";
    RaftStoreMismatch = "raft.store_mismatch" [Error, Warning, Info]
        meaning "the Raft log and the message store disagree: cluster or node ID, channel IDs, messages applied or diverged"
        server "the finding says: the store or the log wins, or the node cannot start clustered";
    RaftReplay = "raft.replay" [Warning, Info]
        meaning "replaying the log, an operation is skipped, rejected or approximated as the server does"
        server "the finding says: skips, rejects or approximates it";
    CompatServerVersion = "compat.server_version" [Error]
        meaning "the server version asked about cannot open the store"
        server "refuses to start, or loses or garbles data";
}

impl Code {
    /// Every code, in registry order.
    pub fn all() -> impl Iterator<Item = Code> {
        REGISTRY.iter().map(|e| e.code)
    }

    fn entry(self) -> &'static Entry {
        // The registry lists the variants in declaration order.
        &REGISTRY[self as usize]
    }

    /// The stable dotted name, e.g. `record.torn`.
    pub fn as_str(self) -> &'static str {
        self.entry().dotted
    }

    /// The severities it is reported at (most often the first).
    pub fn severities(self) -> &'static [Severity] {
        self.entry().severities
    }

    /// What it means, in one sentence.
    pub fn meaning(self) -> &'static str {
        self.entry().meaning
    }

    /// What the real server does with it, in general (each finding says
    /// it for its own case).
    pub fn server_behaviour(self) -> &'static str {
        self.entry().server
    }

    /// The code spelled `dotted`, if any.
    pub fn from_dotted(dotted: &str) -> Option<Code> {
        REGISTRY.iter().find(|e| e.dotted == dotted).map(|e| e.code)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// `docs/FINDINGS.md`: every code with its severities, meaning and what the
/// server does, generated from the registry.
pub fn findings_markdown() -> String {
    let mut out = String::from(
        "# Finding codes\n\n\
         Generated from the registry in `src/finding.rs` (`scripts/update-completions.sh`\n\
         rewrites this file; a test fails when it is stale).\n\n\
         Every finding of `stanctl check` (and every warning a reader prints) carries one of\n\
         these codes in its `code` field. The codes are stable: scripts may match on them.\n\
         Each finding also says, for its own case, where it is, what was expected, what was\n\
         found and what the server does; the last column gives the general rule.\n\n\
         | Code | Severity | Meaning | What the server does |\n\
         |---|---|---|---|\n",
    );
    for e in REGISTRY {
        let severities: Vec<&str> = e.severities.iter().map(|s| s.name()).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            e.dotted,
            severities.join(", "),
            e.meaning.replace('|', "\\|"),
            e.server.replace('|', "\\|"),
        ));
    }
    out
}

/// What `file_truncate_bad_eof` would do with a torn record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truncation {
    /// The file would be truncated to this size (= `ok_up_to`).
    pub truncate_to: u64,
    /// Bytes cut off.
    pub drops_bytes: u64,
    /// Sequences lost with them, when known (first, last).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drops_seqs: Option<(u64, u64)>,
}

/// What the user could supply to get further. The library states the
/// need; the command line names the option that supplies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// The store's encryption key.
    EncryptionKey,
    /// Where the cluster's Raft logs are (the server's `cluster_log_path`).
    RaftLogPath,
    /// The CRC polynomial the store was written with (the server's
    /// `file_crc_poly`, stored nowhere).
    CrcPolynomial(u32),
}

/// One problem or notable state: damage a reader worked around, a state
/// the real server treats specially, or what `check` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable identifier of the kind of finding, e.g. `record.torn`.
    pub code: Code,
    /// Human-readable place: `<file> at offset <n>` or `table T, key (k)`.
    pub location: String,
    /// File, relative to the store root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Byte offset in `file` (of the record header for record findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Length in bytes of the record or range at `offset`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// Message sequence concerned, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub message: String,
    pub expected: String,
    pub found: String,
    /// What the real server does with it.
    pub server_behaviour: String,
    /// The last good offset: everything before it is intact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok_up_to: Option<u64>,
    /// What `-file_truncate_bad_eof` would drop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncate_bad_eof: Option<Truncation>,
    /// Statements that fix it, by driver (`mysql`, `postgres`, `sqlite`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fix: BTreeMap<String, String>,
    /// What would let stanctl read further.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Need>,
}

impl Finding {
    /// A finding with its message and what the server does about it: the
    /// shape the store readers (file, SQL, Raft) report.
    pub fn described(
        code: Code,
        severity: Severity,
        location: String,
        message: String,
        server: impl Into<String>,
    ) -> Self {
        Finding::new(severity, code, location)
            .msg(message)
            .server(server)
    }

    pub fn new(severity: Severity, code: Code, location: impl Into<String>) -> Self {
        Finding {
            severity,
            code,
            location: location.into(),
            file: None,
            offset: None,
            length: None,
            seq: None,
            table: None,
            key: None,
            message: String::new(),
            expected: String::new(),
            found: String::new(),
            server_behaviour: String::new(),
            ok_up_to: None,
            truncate_bad_eof: None,
            fix: BTreeMap::new(),
            needs: None,
        }
    }

    /// A finding about `file` (relative to the store root), at `offset`.
    pub fn at_file(severity: Severity, code: Code, file: &str, offset: Option<u64>) -> Self {
        let location = match offset {
            Some(o) => format!("{file} at offset {o}"),
            None => file.to_string(),
        };
        let mut f = Finding::new(severity, code, location);
        f.file = Some(file.to_string());
        f.offset = offset;
        f
    }

    /// A finding about a SQL table, optionally one row.
    pub fn at_table(severity: Severity, code: Code, table: &str, key: Option<String>) -> Self {
        let location = match &key {
            Some(k) => format!("table {table}, key ({k})"),
            None => format!("table {table}"),
        };
        let mut f = Finding::new(severity, code, location);
        f.table = Some(table.to_string());
        f.key = key;
        f
    }

    pub fn msg(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = expected.into();
        self
    }

    pub fn found(mut self, found: impl Into<String>) -> Self {
        self.found = found.into();
        self
    }

    pub fn server(mut self, behaviour: impl Into<String>) -> Self {
        self.server_behaviour = behaviour.into();
        self
    }

    pub fn needs(mut self, need: Need) -> Self {
        self.needs = Some(need);
        self
    }

    pub fn length(mut self, length: u64) -> Self {
        self.length = Some(length);
        self
    }

    pub fn seq(mut self, seq: Option<u64>) -> Self {
        self.seq = seq;
        self
    }

    pub fn ok_up_to(mut self, offset: u64) -> Self {
        self.ok_up_to = Some(offset);
        self
    }

    pub fn truncation(mut self, t: Truncation) -> Self {
        self.truncate_bad_eof = Some(t);
        self
    }

    pub fn fix(mut self, driver: &str, statement: impl Into<String>) -> Self {
        self.fix.insert(driver.to_string(), statement.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_in_declaration_order_with_unique_names() {
        let mut seen = std::collections::BTreeSet::new();
        for (i, entry) in REGISTRY.iter().enumerate() {
            assert_eq!(entry.code as usize, i, "{} out of order", entry.dotted);
            assert!(
                seen.insert(entry.dotted),
                "{} registered twice",
                entry.dotted
            );
            assert_eq!(Code::from_dotted(entry.dotted), Some(entry.code));
            assert!(!entry.severities.is_empty(), "{}", entry.dotted);
            assert!(!entry.meaning.is_empty() && !entry.server.is_empty());
            let (area, name) = entry.dotted.split_once('.').unwrap_or((entry.dotted, ""));
            assert!(
                !area.is_empty()
                    && !name.is_empty()
                    && entry
                        .dotted
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_'),
                "{} is not area.name",
                entry.dotted
            );
        }
    }

    #[test]
    fn code_serialises_to_its_dotted_name() {
        assert_eq!(
            serde_json::to_string(&Code::RecordTorn).unwrap(),
            "\"record.torn\""
        );
        assert_eq!(
            Code::SliceDuplicateNumber.to_string(),
            "slice.duplicate_number"
        );
        assert_eq!(Code::from_dotted("index.crc"), Some(Code::IndexCrc));
        assert_eq!(Code::from_dotted("no.such_code"), None);
    }
}
