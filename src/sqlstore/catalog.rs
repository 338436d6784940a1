//! The server's table names resolved against the database's catalog: the
//! one place that decides which table the server's statements reach (the
//! reader, the writer, check and `sql upgrade` all use it).
//!
//! The server's statements name tables unquoted. PostgreSQL folds unquoted
//! names to lower case, so there the lower-case table is the server's;
//! MySQL/MariaDB and SQLite take the server's spelling. A table only
//! matching in another case is used (check warns), and when two tables
//! match that way the first is used and [`Catalog::ambiguous`] says so.

use std::collections::BTreeMap;

use super::conn::CatalogColumn;
use super::schema::TABLES;
use super::SqlDriver;

/// A STAN table as found in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundTable {
    /// The name in the database.
    pub(crate) actual: String,
    /// Its columns in order, names lower-cased.
    pub(crate) columns: Vec<CatalogColumn>,
}

/// The STAN tables of a database.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    /// Server spelling -> the table found.
    tables: BTreeMap<&'static str, FoundTable>,
    /// `(server spelling, table used, other table)` for names two tables
    /// match in different cases.
    pub(crate) ambiguous: Vec<(&'static str, String, String)>,
}

impl Catalog {
    /// Resolves the server's table names against catalog rows.
    pub(crate) fn resolve(driver: SqlDriver, columns: &[CatalogColumn]) -> Catalog {
        let mut by_table: BTreeMap<&str, Vec<CatalogColumn>> = BTreeMap::new();
        for c in columns {
            by_table
                .entry(c.table.as_str())
                .or_default()
                .push(CatalogColumn {
                    column: c.column.to_ascii_lowercase(),
                    ..c.clone()
                });
        }
        let mut catalog = Catalog::default();
        for want in TABLES {
            let preferred = match driver {
                SqlDriver::Postgres => want.to_ascii_lowercase(),
                _ => want.to_string(),
            };
            let found = if by_table.contains_key(preferred.as_str()) {
                Some(preferred)
            } else {
                let mut matches = by_table.keys().filter(|t| t.eq_ignore_ascii_case(want));
                let first = matches.next().map(|t| t.to_string());
                if let (Some(first), Some(other)) = (&first, matches.next()) {
                    catalog
                        .ambiguous
                        .push((want, first.clone(), other.to_string()));
                }
                first
            };
            if let Some(actual) = found {
                let columns = by_table.remove(actual.as_str()).unwrap_or_default();
                catalog.tables.insert(want, FoundTable { actual, columns });
            }
        }
        catalog
    }

    /// The table the server's `table` resolves to.
    pub(crate) fn get(&self, table: &str) -> Option<&FoundTable> {
        self.tables.get(table)
    }

    /// The database's name for the server's `table`.
    pub(crate) fn actual(&self, table: &str) -> Option<&str> {
        self.get(table).map(|t| t.actual.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Whether every STAN table is there.
    pub(crate) fn complete(&self) -> bool {
        self.tables.len() == TABLES.len()
    }

    /// The lower-cased column names of `table`, in order.
    pub(crate) fn column_names(&self, table: &str) -> Vec<&str> {
        self.get(table).map_or_else(Vec::new, |t| {
            t.columns.iter().map(|c| c.column.as_str()).collect()
        })
    }

    /// A column of `table` (`column` in lower case).
    pub(crate) fn column(&self, table: &str, column: &str) -> Option<&CatalogColumn> {
        self.get(table)
            .and_then(|t| t.columns.iter().find(|c| c.column == column))
    }

    pub(crate) fn has(&self, table: &str, column: &str) -> bool {
        self.column(table, column).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(table: &str, column: &str) -> CatalogColumn {
        CatalogColumn {
            table: table.into(),
            column: column.into(),
            data_type: "integer".into(),
            udt: "int4".into(),
        }
    }

    #[test]
    fn postgres_prefers_the_folded_name_others_the_exact_one() {
        let cols = [
            col("Channels", "ID"),
            col("channels", "id"),
            col("Messages", "id"),
        ];
        let pg = Catalog::resolve(SqlDriver::Postgres, &cols);
        assert_eq!(pg.actual("Channels"), Some("channels"));
        assert_eq!(pg.actual("Messages"), Some("Messages"));
        assert!(pg.ambiguous.is_empty());
        let my = Catalog::resolve(SqlDriver::Mysql, &cols);
        assert_eq!(my.actual("Channels"), Some("Channels"));
        assert!(my.has("Channels", "id"), "column names are lower-cased");
        assert_eq!(my.column_names("Messages"), ["id"]);
        assert!(!my.complete());
        let odd = Catalog::resolve(
            SqlDriver::Sqlite,
            &[col("CHANNELS", "id"), col("channels", "id")],
        );
        assert_eq!(odd.actual("Channels"), Some("CHANNELS"));
        assert_eq!(
            odd.ambiguous,
            [("Channels", "CHANNELS".to_string(), "channels".to_string())]
        );
    }
}
