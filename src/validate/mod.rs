//! Validation rules (docs/definitions.md §2.6, §2.7) and the row-local validator.
//!
//! Rules that look at one row (missing value, unparsable, unknown code, bad format, end
//! before start) run here in Rust while the file streams in; rules that need other rows
//! (duplicate id, dangling reference, own ancestor, before birth, after death) run as SQL
//! in DuckDB afterwards (`ingest::crossrow`). A row gets one rule: the first that fails in
//! the order of [`Rule`].

mod parse;
mod row;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use parse::{parse_birth_date, parse_date};
pub use row::{ChunkOutcome, HeaderInfo, RowValidator, ValidatorError, staged_schema};

/// A validation rule, in precedence order: a row is quarantined under the first that fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The row has more or fewer fields than the header.
    WrongColumnCount,
    /// A field is not valid UTF-8.
    MalformedUtf8,
    /// A required value is empty.
    MissingValue,
    /// A date or number does not parse.
    Unparsable,
    /// A code is not in its list (codes are case-sensitive).
    UnknownCode,
    /// A municipality or district code has the wrong form.
    BadFormat,
    /// An end date lies before its start date.
    EndBeforeStart,
    /// The row's key repeats an earlier row's (the first row stays).
    DuplicateId,
    /// A referenced person, episode or household is absent or quarantined.
    DanglingReference,
    /// A relation makes a person their own ancestor.
    OwnAncestor,
    /// A date lies after the delivery's `extracted_on`.
    AfterExtractedOn,
    /// An event date lies before the person's birth.
    BeforeBirth,
    /// An event date lies after the person's death.
    AfterDeath,
}

impl Rule {
    /// Every rule, in precedence order.
    pub const ALL: [Rule; 13] = [
        Rule::WrongColumnCount,
        Rule::MalformedUtf8,
        Rule::MissingValue,
        Rule::Unparsable,
        Rule::UnknownCode,
        Rule::BadFormat,
        Rule::EndBeforeStart,
        Rule::DuplicateId,
        Rule::DanglingReference,
        Rule::OwnAncestor,
        Rule::AfterExtractedOn,
        Rule::BeforeBirth,
        Rule::AfterDeath,
    ];

    /// The rule's id as written in reports, quarantine files and SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::WrongColumnCount => "wrong_column_count",
            Rule::MalformedUtf8 => "malformed_utf8",
            Rule::MissingValue => "missing_value",
            Rule::Unparsable => "unparsable",
            Rule::UnknownCode => "unknown_code",
            Rule::BadFormat => "bad_format",
            Rule::EndBeforeStart => "end_before_start",
            Rule::DuplicateId => "duplicate_id",
            Rule::DanglingReference => "dangling_reference",
            Rule::OwnAncestor => "own_ancestor",
            Rule::AfterExtractedOn => "after_extracted_on",
            Rule::BeforeBirth => "before_birth",
            Rule::AfterDeath => "after_death",
        }
    }

    /// The rule with this id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One quarantined row: where it was, which rule it broke and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantined {
    /// Table (file stem).
    pub table: String,
    /// 1-based data row (the header is not counted).
    pub row: u64,
    /// 1-based physical line in a CSV file (0 for Parquet).
    pub line: u64,
    /// The column at fault, where one is.
    pub column: Option<String>,
    /// The rule broken.
    pub rule: Rule,
    /// What is wrong and what to do.
    pub message: String,
    /// The delivered record as text (holds raw identifiers: kept outside the store).
    pub record: String,
}
