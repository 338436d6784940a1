//! The statements every server version prepares at start-up (docs/FORMAT.md
//! 4.9), taken from `sqlStmts` in `stores/sqlstore.go` of each tag. A
//! schema is usable by a version iff every one of its statements prepares
//! (docs/FORMAT.md 4.10), so `check` prepares them, as the server does, without
//! executing anything.
//!
//! The statement list changed at v0.9.0 (channel deletion), v0.9.2
//! (`` `row` `` quoted), v0.10.0 (`Clients.proto`, new max-bytes floor,
//! `sqlGetLastSeq`) and v0.14.2 (`ORDER BY seq` in two lookups); checked
//! against the statement arrays of every tag.

use super::compat::{v, Version};

/// `(name, MySQL form)` at v0.14.2 - v0.25.6.
const CURRENT: [(&str, &str); 54] = [
    ("sqlDBLockSelect", "SELECT id, tick from StoreLock FOR UPDATE"),
    ("sqlDBLockInsert", "INSERT INTO StoreLock (id, tick) VALUES (?, ?)"),
    ("sqlDBLockUpdate", "UPDATE StoreLock SET id=?, tick=?"),
    ("sqlHasServerInfoRow", "SELECT COUNT(uniquerow) FROM ServerInfo"),
    ("sqlUpdateServerInfo", "UPDATE ServerInfo SET id=?, proto=?, version=? WHERE uniquerow=1"),
    ("sqlAddServerInfo", "INSERT INTO ServerInfo (id, proto, version) VALUES (?, ?, ?)"),
    ("sqlAddClient", "INSERT INTO Clients (id, hbinbox, proto) VALUES (?, ?, ?)"),
    ("sqlDeleteClient", "DELETE FROM Clients WHERE id=?"),
    ("sqlAddChannel", "INSERT INTO Channels (id, name, maxmsgs, maxbytes, maxage) VALUES (?, ?, ?, ?, ?)"),
    ("sqlStoreMsg", "INSERT INTO Messages VALUES (?, ?, ?, ?, ?)"),
    ("sqlLookupMsg", "SELECT timestamp, data FROM Messages WHERE id=? AND seq=?"),
    ("sqlGetSequenceFromTimestamp", "SELECT seq FROM Messages WHERE id=? AND timestamp>=? ORDER BY seq LIMIT 1"),
    ("sqlUpdateChannelMaxSeq", "UPDATE Channels SET maxseq=? WHERE id=?"),
    ("sqlGetExpiredMessages", "SELECT COUNT(seq), COALESCE(MAX(seq), 0), COALESCE(SUM(size), 0) FROM Messages WHERE id=? AND timestamp<=?"),
    ("sqlGetFirstMsgTimestamp", "SELECT timestamp FROM Messages WHERE id=? AND seq>=? ORDER BY seq LIMIT 1"),
    ("sqlDeletedMsgsWithSeqLowerThan", "DELETE FROM Messages WHERE id=? AND seq<=?"),
    ("sqlGetSizeOfMessage", "SELECT size FROM Messages WHERE id=? AND seq=?"),
    ("sqlDeleteMessage", "DELETE FROM Messages WHERE id=? AND seq=?"),
    ("sqlCheckMaxSubs", "SELECT COUNT(subid) FROM Subscriptions WHERE id=? AND deleted=FALSE"),
    ("sqlCreateSub", "INSERT INTO Subscriptions (id, subid, proto) VALUES (?, ?, ?)"),
    ("sqlUpdateSub", "UPDATE Subscriptions SET proto=? WHERE id=? AND subid=?"),
    ("sqlMarkSubscriptionAsDeleted", "UPDATE Subscriptions SET deleted=TRUE WHERE id=? AND subid=?"),
    ("sqlDeleteSubscription", "DELETE FROM Subscriptions WHERE id=? AND subid=?"),
    ("sqlDeleteSubMarkedAsDeleted", "DELETE FROM Subscriptions WHERE id=? AND deleted=TRUE"),
    ("sqlDeleteSubPendingMessages", "DELETE FROM SubsPending WHERE subid=?"),
    ("sqlSubUpdateLastSent", "UPDATE Subscriptions SET lastsent=? WHERE id=? AND subid=?"),
    ("sqlSubAddPending", "INSERT INTO SubsPending (subid, `row`, seq) VALUES (?, ?, ?)"),
    ("sqlSubAddPendingRow", "INSERT INTO SubsPending (subid, `row`, lastsent, pending, acks) VALUES (?, ?, ?, ?, ?)"),
    ("sqlSubDeletePending", "DELETE FROM SubsPending WHERE subid=? AND seq=?"),
    ("sqlSubDeletePendingRow", "DELETE FROM SubsPending WHERE subid=? AND `row`=?"),
    ("sqlRecoverServerInfo", "SELECT id, proto, version FROM ServerInfo WHERE uniquerow=1"),
    ("sqlRecoverClients", "SELECT id, hbinbox, proto FROM Clients"),
    ("sqlRecoverMaxChannelID", "SELECT COALESCE(MAX(id), 0) FROM Channels"),
    ("sqlRecoverMaxSubID", "SELECT COALESCE(MAX(subid), 0) FROM Subscriptions"),
    ("sqlRecoverChannelsList", "SELECT id, name, maxseq FROM Channels WHERE deleted=FALSE"),
    ("sqlRecoverChannelMsgs", "SELECT COUNT(seq), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0), COALESCE(SUM(size), 0), COALESCE(MAX(timestamp), 0) FROM Messages WHERE id=?"),
    ("sqlRecoverChannelSubs", "SELECT lastsent, proto FROM Subscriptions WHERE id=? AND deleted=FALSE"),
    ("sqlRecoverDoPurgeSubsPending", "DELETE FROM SubsPending WHERE subid=? AND (seq > 0 AND seq<?)"),
    ("sqlRecoverSubPending", "SELECT `row`, seq, lastsent, pending, acks FROM SubsPending WHERE subid=?"),
    ("sqlRecoverGetChannelLimits", "SELECT maxmsgs, maxbytes, maxage FROM Channels WHERE id=?"),
    ("sqlRecoverDoExpireMsgs", "DELETE FROM Messages WHERE id=? AND timestamp<=?"),
    ("sqlRecoverGetMessagesCount", "SELECT COUNT(seq) FROM Messages WHERE id=?"),
    ("sqlRecoverGetSeqFloorForMaxMsgs", "SELECT MIN(t.seq) FROM (SELECT seq FROM Messages WHERE id=? ORDER BY seq DESC LIMIT ?)t"),
    ("sqlRecoverGetChannelTotalSize", "SELECT COALESCE(SUM(size), 0) FROM Messages WHERE id=?"),
    ("sqlRecoverGetSeqFloorForMaxBytes", "SELECT COALESCE(MIN(seq), 0) FROM (SELECT seq, @sum:=@sum+size AS total FROM Messages JOIN (SELECT @sum:=0)m WHERE id=? ORDER BY seq DESC)t WHERE t.total<=?"),
    ("sqlRecoverUpdateChannelLimits", "UPDATE Channels SET maxmsgs=?, maxbytes=?, maxage=? WHERE id=?"),
    ("sqlDeleteChannelFast", "UPDATE Channels SET deleted=true WHERE id=?"),
    ("sqlDeleteChannelGetSubIds", "SELECT DISTINCT(SubsPending.subid) FROM SubsPending INNER JOIN Subscriptions ON Subscriptions.id=? AND Subscriptions.subid=SubsPending.subid LIMIT ?"),
    ("sqlDeleteChannelDelSubsPending", "DELETE FROM SubsPending WHERE subid=?"),
    ("sqlDeleteChannelDelSubscriptions", "DELETE FROM Subscriptions WHERE id=?"),
    ("sqlDeleteChannelGetSomeMessagesSeq", "SELECT COALESCE(MAX(seq), 0) FROM (SELECT seq FROM Messages WHERE id=? ORDER BY seq LIMIT ?) AS t1"),
    ("sqlDeleteChannelDelSomeMessages", "DELETE FROM Messages WHERE id=? AND seq<=?"),
    ("sqlDeleteChannelDelChannel", "DELETE FROM Channels WHERE id=?"),
    ("sqlGetLastSeq", "SELECT COALESCE(MAX(seq), 0) FROM Messages WHERE id=?"),
];

/// The v0.7.0 - v0.9.2 form of statement #44 (also used as-is, with `$n`,
/// for PostgreSQL).
const OLD_MAX_BYTES_FLOOR: &str = "SELECT COALESCE(MIN(seq), 0) FROM (SELECT seq, (SELECT SUM(size) FROM Messages WHERE id=? AND seq<=t.seq) AS total FROM Messages t WHERE id=? ORDER BY seq)t2 WHERE t2.total>?";

/// The PostgreSQL replacement of #44 (v0.10.0+).
const PG_MAX_BYTES_FLOOR: &str = "SELECT COALESCE(MIN(seq), 0) FROM (SELECT seq, SUM(size) OVER (PARTITION BY id ORDER BY seq DESC) AS total FROM Messages WHERE id=$1)t WHERE t.total<=$2";

/// A statement a version prepares at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Position in the server's table.
    pub index: usize,
    pub name: &'static str,
    /// The text as the server sends it to this driver.
    pub sql: String,
}

/// The driver dialects the server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Mysql,
    Postgres,
}

/// First version of each statement list, newest first.
pub fn eras() -> Vec<(Version, &'static str)> {
    vec![
        (v("0.14.2"), "v0.14.2 - v0.25.6"),
        (v("0.10.0"), "v0.10.0 - v0.14.1"),
        (v("0.9.2"), "v0.9.2"),
        (v("0.9.0"), "v0.9.0"),
        (v("0.7.0"), "v0.7.0 - v0.8.0-beta"),
    ]
}

/// The statements `version` prepares, in its order; empty before v0.7.0
/// (no SQL store).
pub fn statements(version: &Version, dialect: Dialect) -> Vec<Statement> {
    if *version < v("0.7.0") {
        return Vec::new();
    }
    let mut list: Vec<(&'static str, String)> =
        CURRENT.iter().map(|(n, s)| (*n, s.to_string())).collect();
    if *version < v("0.14.2") {
        for (name, sql) in list.iter_mut() {
            if *name == "sqlGetSequenceFromTimestamp" || *name == "sqlGetFirstMsgTimestamp" {
                *sql = sql.replace(" ORDER BY seq LIMIT 1", " LIMIT 1");
            }
        }
    }
    if *version < v("0.10.0") {
        list.truncate(53);
        for (name, sql) in list.iter_mut() {
            match *name {
                "sqlAddClient" => *sql = "INSERT INTO Clients (id, hbinbox) VALUES (?, ?)".into(),
                "sqlRecoverClients" => *sql = "SELECT id, hbinbox FROM Clients".into(),
                "sqlRecoverGetSeqFloorForMaxBytes" => *sql = OLD_MAX_BYTES_FLOOR.into(),
                _ => {}
            }
        }
    }
    if *version < v("0.9.2") {
        for (_, sql) in list.iter_mut() {
            *sql = sql.replace("`row`", "row");
        }
    }
    if *version < v("0.9.0") {
        list.truncate(46);
    }
    list.into_iter()
        .enumerate()
        .map(|(index, (name, sql))| Statement {
            index,
            name,
            sql: match dialect {
                Dialect::Mysql => sql,
                Dialect::Postgres => postgres_form(version, name, &sql),
            },
        })
        .collect()
}

/// `initSQLStmtsTable`: `?` -> `$n`, `` `row` `` -> `row` (v0.9.2+), and
/// the window-function form of #44 (v0.10.0+).
fn postgres_form(version: &Version, name: &str, sql: &str) -> String {
    if name == "sqlRecoverGetSeqFloorForMaxBytes" && *version >= v("0.10.0") {
        return PG_MAX_BYTES_FLOOR.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out.replace("`row`", "row")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_counts_per_era() {
        assert_eq!(statements(&v("0.6.0"), Dialect::Mysql).len(), 0);
        assert_eq!(statements(&v("0.7.0"), Dialect::Mysql).len(), 46);
        assert_eq!(statements(&v("0.8.0-beta"), Dialect::Mysql).len(), 46);
        assert_eq!(statements(&v("0.9.0"), Dialect::Mysql).len(), 53);
        assert_eq!(statements(&v("0.9.2"), Dialect::Mysql).len(), 53);
        assert_eq!(statements(&v("0.10.0"), Dialect::Mysql).len(), 54);
        assert_eq!(statements(&v("0.25.6"), Dialect::Mysql).len(), 54);
    }

    #[test]
    fn client_statement_per_version() {
        let s = statements(&v("0.23.2"), Dialect::Postgres);
        assert_eq!(
            s[6].sql,
            "INSERT INTO Clients (id, hbinbox, proto) VALUES ($1, $2, $3)"
        );
        let s = statements(&v("0.23.2"), Dialect::Mysql);
        assert_eq!(
            s[6].sql,
            "INSERT INTO Clients (id, hbinbox, proto) VALUES (?, ?, ?)"
        );
        assert_eq!(
            s[38].sql,
            "SELECT `row`, seq, lastsent, pending, acks FROM SubsPending WHERE subid=?"
        );
        let s = statements(&v("0.9.2"), Dialect::Mysql);
        assert_eq!(s[6].sql, "INSERT INTO Clients (id, hbinbox) VALUES (?, ?)");
        let s = statements(&v("0.9.0"), Dialect::Mysql);
        assert_eq!(
            s[38].sql,
            "SELECT row, seq, lastsent, pending, acks FROM SubsPending WHERE subid=?"
        );
        let s = statements(&v("0.14.1"), Dialect::Mysql);
        assert_eq!(
            s[11].sql,
            "SELECT seq FROM Messages WHERE id=? AND timestamp>=? LIMIT 1"
        );
        let s = statements(&v("0.14.2"), Dialect::Postgres);
        assert_eq!(
            s[11].sql,
            "SELECT seq FROM Messages WHERE id=$1 AND timestamp>=$2 ORDER BY seq LIMIT 1"
        );
        assert!(s[44].sql.contains("OVER (PARTITION BY id"));
        let s = statements(&v("0.9.2"), Dialect::Postgres);
        assert!(s[44].sql.ends_with("WHERE t2.total>$3"));
    }
}
