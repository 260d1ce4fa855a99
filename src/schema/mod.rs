//! The delivery format (docs/definitions.md §2) read from `data-schema/`, the single source of truth.
//!
//! The validator, the store layout and `kohort schema` are all driven by this module.

mod codes;
mod render;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use codes::{
    CareEndReason, CareForm, MeasureEndReason, MeasureKind, Moment, OffenceSettlement, OffenceSeverity, ReportKind, Sex,
};
pub use render::to_markdown;

/// The embedded default delivery schema.
const DELIVERY_TOML: &str = include_str!("../../data-schema/delivery.toml");
/// The embedded default care ladder.
const LADDER_TOML: &str = include_str!("../../data-schema/care_ladder.toml");

/// Errors reading a schema or ladder file.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The TOML did not parse or did not match the expected shape.
    #[error("schema file {file}")]
    Parse {
        /// Which file.
        file: String,
        /// The parser's message.
        source: toml::de::Error,
    },
    /// A column names a code list that is not defined.
    #[error("schema file {file}: table {table}, column {column} names unknown code list '{codes}'")]
    UnknownCodeList {
        /// Which file.
        file: String,
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The missing list.
        codes: String,
    },
    /// A column would be stored under a name kohort uses itself.
    #[error(
        "schema file {file}: table {table}, column {column} would be stored under a name kohort adds itself ({}); give it a store_name",
        STORE_COLUMNS.join(", ")
    )]
    Reserved {
        /// Which file.
        file: String,
        /// Table name.
        table: String,
        /// Column name.
        column: String,
    },
    /// A table, key, sort or reference names something that is not defined.
    #[error("schema file {file}: table {table}: {what} '{name}' is not defined")]
    Undefined {
        /// Which file.
        file: String,
        /// Table name.
        table: String,
        /// What kind of thing was missing.
        what: &'static str,
        /// Its name.
        name: String,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, SchemaError>;

/// Columns kohort adds to the staging tables and store files itself: no delivered column may
/// be stored under one of these names (a delivered column keeps its name in the delivery and
/// gets a `store_name`).
pub const STORE_COLUMNS: [&str; 5] = ["source", "extracted_on", "src_row", "bucket", "late"];

/// The longest [`ColumnKind::Label`] value, in characters.
pub const LABEL_MAX: usize = 32;

/// Whether `s` is a valid [`ColumnKind::Label`]: an ASCII letter, then up to [`LABEL_MAX`]` - 1`
/// ASCII letters, digits, `_`, `-` or `.`.
pub fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= LABEL_MAX
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// The whole delivery schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Version of the format; stored in every store manifest.
    pub schema_version: u32,
    /// Code lists by name.
    pub codes: BTreeMap<String, CodeList>,
    /// Tables in load order (referenced tables come first).
    pub tables: Vec<Table>,
}

/// A list of allowed codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeList {
    /// What the codes mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The canonical codes, stored as given.
    pub values: Vec<String>,
    /// Other codes accepted for a canonical one (e.g. BIJ code `35` for `foster_care`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, String>,
}

impl CodeList {
    /// The canonical code for a delivered value, if it is allowed.
    pub fn canonical<'a>(&'a self, value: &str) -> Option<&'a str> {
        if let Some(v) = self.values.iter().find(|v| *v == value) {
            return Some(v);
        }
        self.aliases.get(value).map(String::as_str)
    }
}

/// One delivered table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// File stem: `<name>.csv` or `<name>.parquet`.
    pub name: String,
    /// What a row is.
    #[serde(default)]
    pub description: String,
    /// Columns whose values must be unique together (first row stays).
    pub key: Vec<String>,
    /// The person column used for bucketing; absent for non-person tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// Sort order inside a store file.
    pub sort: Vec<String>,
    /// Event table: dates must not fall before birth or after death.
    #[serde(default)]
    pub event: bool,
    /// Optional table: a delivery without its file simply delivers none (as if `tables` left
    /// it out), so deliveries made before the table existed ingest as they did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Pairs (start, end) where end must not be before start.
    #[serde(default)]
    pub intervals: Vec<[String; 2]>,
    /// Columns in delivery order.
    pub columns: Vec<Column>,
}

/// One column of a table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Header name.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub kind: ColumnKind,
    /// Must be present on every row.
    #[serde(default)]
    pub required: bool,
    /// Code list name, for `code` columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<String>,
    /// Pseudonym domain, for `id` columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Table whose key this id must resolve to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
    /// The column's name in the store when it differs from the delivered name (a store
    /// column name kohort uses itself, such as `source`, is never reused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_name: Option<String>,
    /// Allowed values `[min, max]` (inclusive) of an `int` column; a value outside breaks
    /// `bad_format` (a questionnaire score on its 1–5 scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[i64; 2]>,
}

impl Column {
    /// The column's name in the store (and the staging tables).
    pub fn stored_name(&self) -> &str {
        self.store_name.as_deref().unwrap_or(&self.name)
    }
}

/// Value types of delivered columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Identifier, pseudonymised at ingest.
    Id,
    /// ISO date.
    Date,
    /// ISO date or year-month.
    BirthDate,
    /// A code from a list.
    Code,
    /// `GM` + 4 digits.
    Municipality,
    /// `WK` + 6 digits.
    District,
    /// A short code the delivering organisation chose (a programme): a letter, then up to
    /// [`LABEL_MAX`]` - 1` letters, digits, `_`, `-` or `.`. Starting with a letter keeps a
    /// number (a citizen or client number) out of the column: such a value breaks `bad_format`.
    Label,
    /// Non-negative whole number.
    Int,
    /// Decimal number.
    Float,
    /// Free text.
    Text,
}

impl ColumnKind {
    /// Whether the column holds dates (checked against birth, death and `extracted_on`).
    pub fn is_date(self) -> bool {
        matches!(self, Self::Date | Self::BirthDate)
    }
}

impl Schema {
    /// The schema shipped in `data-schema/delivery.toml`.
    pub fn embedded() -> Result<Self> {
        Self::parse(DELIVERY_TOML, "data-schema/delivery.toml")
    }

    /// Parse and check a schema text.
    pub fn parse(text: &str, file: &str) -> Result<Self> {
        let schema: Schema =
            toml::from_str(text).map_err(|source| SchemaError::Parse { file: file.to_owned(), source })?;
        schema.check(file)?;
        Ok(schema)
    }

    fn check(&self, file: &str) -> Result<()> {
        let undefined = |table: &Table, what, name: &str| SchemaError::Undefined {
            file: file.to_owned(),
            table: table.name.clone(),
            what,
            name: name.to_owned(),
        };
        for (i, t) in self.tables.iter().enumerate() {
            for c in &t.columns {
                if let Some(codes) = &c.codes
                    && !self.codes.contains_key(codes)
                {
                    return Err(SchemaError::UnknownCodeList {
                        file: file.to_owned(),
                        table: t.name.clone(),
                        column: c.name.clone(),
                        codes: codes.clone(),
                    });
                }
                if c.range.is_some_and(|[lo, hi]| c.kind != ColumnKind::Int || lo > hi) {
                    return Err(undefined(t, "int column with a range [min, max], min <= max,", &c.name));
                }
                if let Some(r) = &c.references
                    && !self.tables[..i].iter().any(|p| &p.name == r)
                {
                    return Err(undefined(t, "referenced (earlier) table", r));
                }
            }
            if let Some(c) = t.columns.iter().find(|c| STORE_COLUMNS.contains(&c.stored_name())) {
                return Err(SchemaError::Reserved {
                    file: file.to_owned(),
                    table: t.name.clone(),
                    column: c.name.clone(),
                });
            }
            let names = t.key.iter().chain(&t.sort).chain(t.person.iter());
            for n in names.chain(t.intervals.iter().flatten()) {
                if t.column(n).is_none() {
                    return Err(undefined(t, "column", n));
                }
            }
        }
        Ok(())
    }

    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

impl Table {
    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column that holds the reference to `target`'s key, if any.
    pub fn references(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.references.is_some())
    }
}

/// The care ladder (docs/definitions.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ladder {
    /// Name of this ladder variant.
    pub name: String,
    /// Levels from this one up are out-of-home placement.
    pub out_of_home_from: u8,
    /// Measure kinds that are a compulsory frame (their start escalates).
    pub protection_measures: Vec<MeasureKind>,
    /// Level per care form (a form not listed has level 0).
    pub levels: BTreeMap<CareForm, u8>,
}

impl Ladder {
    /// The default ladder shipped in `data-schema/care_ladder.toml`.
    pub fn embedded() -> Result<Self> {
        toml::from_str(LADDER_TOML)
            .map_err(|source| SchemaError::Parse { file: "data-schema/care_ladder.toml".to_owned(), source })
    }

    /// The level of a care form (0 when the ladder does not list it).
    pub fn level(&self, form: CareForm) -> u8 {
        self.levels.get(&form).copied().unwrap_or(0)
    }

    /// Whether a measure kind is a protection measure (its start escalates).
    pub fn is_protection(&self, kind: MeasureKind) -> bool {
        self.protection_measures.contains(&kind)
    }
}
