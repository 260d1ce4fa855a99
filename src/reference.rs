//! Reference data: the municipality → youth region (*jeugdregio*) mapping.
//!
//! Shipped as `data-schema/youth_regions.csv` (columns `municipality, youth_region,
//! youth_region_name, valid_from_year, valid_to_year`), compiled into the binary. Municipalities
//! merge, so each row holds for the calendar years `valid_from_year..=valid_to_year` (an empty
//! `valid_to_year` is open-ended): a figure for index year Y uses the rows valid in Y, so a
//! delivery from 2018 still finds Haren (`GM0017`, merged into Groningen on 1 January 2019).
//!
//! Rules chosen:
//! - one municipality has at most one region in any year (overlapping rows are an error);
//! - a municipality without a row valid in the year maps to `None`; callers report it as the
//!   `unknown` region so that regions still sum to the national total;
//! - an override file (same columns) replaces *all* shipped rows of each municipality it names,
//!   and leaves the other municipalities as shipped.
//!
//! Limits: the real youth-region names are given for the municipalities the synthetic scenarios
//! borrow from real codes (Groningen, Fryslân, Drenthe, Twente, ...); the other codes of the
//! `national` scenario are synthetic and grouped into 42 synthetic regions `SYN01`..`SYN42`.

use std::collections::BTreeMap;
use std::path::Path;

/// The shipped mapping, as text.
pub const YOUTH_REGIONS_CSV: &str = include_str!("../data-schema/youth_regions.csv");

const HEADER: [&str; 5] = ["municipality", "youth_region", "youth_region_name", "valid_from_year", "valid_to_year"];

/// A reference file that does not follow its rules; names the file, row (1-based, header = 1),
/// column and rule.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The file could not be read.
    #[error("{file}: cannot read")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A row or value breaks a rule.
    #[error("{file} row {row} column {column}: {rule}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line (the header is row 1).
        row: usize,
        /// Column name.
        column: String,
        /// What is wrong.
        rule: String,
    },
}

/// One row of the mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YouthRegionRow {
    /// `GM` + 4 digits.
    pub municipality: String,
    /// Youth region id.
    pub youth_region: String,
    /// Youth region name.
    pub youth_region_name: String,
    /// First calendar year the row holds.
    pub valid_from_year: i32,
    /// Last calendar year the row holds; `None` = still valid.
    pub valid_to_year: Option<i32>,
}

impl YouthRegionRow {
    fn holds_in(&self, year: i32) -> bool {
        self.valid_from_year <= year && self.valid_to_year.is_none_or(|to| year <= to)
    }
}

/// The municipality → youth region mapping, by municipality, rows sorted by `valid_from_year`.
#[derive(Debug, Clone, Default)]
pub struct YouthRegions {
    by_municipality: BTreeMap<String, Vec<YouthRegionRow>>,
}

impl YouthRegions {
    /// The mapping shipped in `data-schema/youth_regions.csv`.
    ///
    /// # Errors
    /// Only if the shipped file is broken (a test guards it).
    pub fn shipped() -> Result<Self, ReferenceError> {
        Self::parse(YOUTH_REGIONS_CSV, "data-schema/youth_regions.csv")
    }

    /// Reads a mapping file (shipped columns).
    ///
    /// # Errors
    /// Unreadable file, or a row that breaks a rule (see [`YouthRegions::parse`]).
    pub fn from_file(path: &Path) -> Result<Self, ReferenceError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ReferenceError::Io { file: file.clone(), source })?;
        Self::parse(&text, &file)
    }

    /// Parses mapping text; `file` names it in errors.
    ///
    /// # Errors
    /// Wrong header or column count, a municipality not `GM` + 4 digits, an empty region, a year
    /// that is not an integer, `valid_to_year < valid_from_year`, or two rows of one municipality
    /// valid in the same year.
    pub fn parse(text: &str, file: &str) -> Result<Self, ReferenceError> {
        let bad = |row: usize, column: &str, rule: String| ReferenceError::Invalid {
            file: file.to_string(),
            row,
            column: column.to_string(),
            rule,
        };
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut by_municipality: BTreeMap<String, Vec<YouthRegionRow>> = BTreeMap::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 1;
            let record = record.map_err(|e| bad(row, "-", format!("unreadable CSV: {e}")))?;
            if record.len() != HEADER.len() {
                return Err(bad(row, "-", format!("expected {} columns, found {}", HEADER.len(), record.len())));
            }
            if row == 1 {
                for (got, want) in record.iter().zip(HEADER) {
                    if got.trim() != want {
                        return Err(bad(row, want, format!("header must be `{}`", HEADER.join(","))));
                    }
                }
                continue;
            }
            let field = |k: usize| record.get(k).unwrap_or("").trim().to_string();
            let municipality = field(0);
            let b = municipality.as_bytes();
            if b.len() != 6 || &b[..2] != b"GM" || !b[2..].iter().all(u8::is_ascii_digit) {
                return Err(bad(row, HEADER[0], format!("`{municipality}` is not GM + 4 digits")));
            }
            let youth_region = field(1);
            if youth_region.is_empty() {
                return Err(bad(row, HEADER[1], "must not be empty".into()));
            }
            let year = |k: usize| -> Result<Option<i32>, ReferenceError> {
                let v = field(k);
                if v.is_empty() {
                    return Ok(None);
                }
                v.parse::<i32>().map(Some).map_err(|_| bad(row, HEADER[k], format!("`{v}` is not a year")))
            };
            let Some(valid_from_year) = year(3)? else {
                return Err(bad(row, HEADER[3], "must not be empty".into()));
            };
            let valid_to_year = year(4)?;
            if valid_to_year.is_some_and(|to| to < valid_from_year) {
                return Err(bad(row, HEADER[4], "valid_to_year is before valid_from_year".into()));
            }
            let new = YouthRegionRow {
                municipality: municipality.clone(),
                youth_region,
                youth_region_name: field(2),
                valid_from_year,
                valid_to_year,
            };
            let rows = by_municipality.entry(municipality.clone()).or_default();
            let new_to = valid_to_year.unwrap_or(i32::MAX);
            if rows
                .iter()
                .any(|r| r.valid_from_year <= new_to && valid_from_year <= r.valid_to_year.unwrap_or(i32::MAX))
            {
                return Err(bad(row, HEADER[3], format!("validity overlaps another row of {municipality}")));
            }
            rows.push(new);
            rows.sort_by_key(|r| r.valid_from_year);
        }
        Ok(Self { by_municipality })
    }

    /// This mapping with every municipality named in `overrides` replaced by the override rows.
    #[must_use]
    pub fn with_overrides(mut self, overrides: Self) -> Self {
        for (m, rows) in overrides.by_municipality {
            self.by_municipality.insert(m, rows);
        }
        self
    }

    /// The row for `municipality` valid in calendar year `year`, if any.
    #[must_use]
    pub fn lookup(&self, municipality: &str, year: i32) -> Option<&YouthRegionRow> {
        self.by_municipality.get(municipality)?.iter().find(|r| r.holds_in(year))
    }

    /// The rows of one municipality, by `valid_from_year` (none when it is not in the mapping).
    pub fn rows_of(&self, municipality: &str) -> impl Iterator<Item = &YouthRegionRow> {
        self.by_municipality.get(municipality).into_iter().flatten()
    }

    /// Every row, sorted by municipality then `valid_from_year` (e.g. to load into DuckDB).
    pub fn rows(&self) -> impl Iterator<Item = &YouthRegionRow> {
        self.by_municipality.values().flatten()
    }
}

/// The shipped municipality names, as text.
pub const MUNICIPALITIES_CSV: &str = include_str!("../data-schema/municipalities.csv");

/// The shipped district names, as text.
pub const DISTRICTS_CSV: &str = include_str!("../data-schema/districts.csv");

/// Names of municipalities (`data-schema/municipalities.csv`: `municipality,name,dissolved`)
/// and districts (`data-schema/districts.csv`: `district,name`), for the `region_name` column
/// of study tables.
///
/// The municipality names are CBS's official names of the real codes the scenarios use,
/// checked against the CBS lists *Gebieden in Nederland* (with `dissolved` the first year a
/// merged municipality no longer existed: Haren and Haarlemmerliede en Spaarnwoude, 2019). The
/// synthetic codes of the `national` scenario have no name. District names are given by the
/// municipalities to CBS (*Wijk- en buurtkaart*); a district without a shipped name is called
/// `wijk NN` after its number.
#[derive(Debug, Clone, Default)]
pub struct RegionNames {
    rows: Vec<(&'static str, String, String)>,
}

impl RegionNames {
    /// The shipped names.
    ///
    /// # Errors
    /// Only if a shipped file is broken (a test guards it).
    pub fn shipped() -> Result<Self, ReferenceError> {
        let mut rows = Vec::new();
        for (level, text, file, prefix, digits) in [
            ("municipality", MUNICIPALITIES_CSV, "data-schema/municipalities.csv", "GM", 4),
            ("district", DISTRICTS_CSV, "data-schema/districts.csv", "WK", 6),
        ] {
            let mut seen = std::collections::BTreeSet::new();
            let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
            for (i, record) in reader.records().enumerate() {
                let row = i + 2;
                let bad = |column: &str, rule: String| ReferenceError::Invalid {
                    file: file.to_owned(),
                    row,
                    column: column.to_owned(),
                    rule,
                };
                let record = record.map_err(|e| bad("-", format!("unreadable CSV: {e}")))?;
                let code = record.get(0).unwrap_or("").trim().to_owned();
                let name = record.get(1).unwrap_or("").trim().to_owned();
                let b = code.as_bytes();
                if b.len() != 2 + digits || !code.starts_with(prefix) || !b[2..].iter().all(u8::is_ascii_digit) {
                    return Err(bad("code", format!("`{code}` is not {prefix} + {digits} digits")));
                }
                if name.is_empty() {
                    return Err(bad("name", "must not be empty".into()));
                }
                if !seen.insert(code.clone()) {
                    return Err(bad("code", format!("`{code}` is listed twice")));
                }
                rows.push((level, code, name));
            }
        }
        Ok(Self { rows })
    }

    /// Every name as (region level, code, name).
    pub fn rows(&self) -> impl Iterator<Item = (&'static str, &str, &str)> {
        self.rows.iter().map(|(l, c, n)| (*l, c.as_str(), n.as_str()))
    }

    /// The name of a code at a level (`municipality` or `district`).
    #[must_use]
    pub fn name(&self, level: &str, code: &str) -> Option<&str> {
        self.rows.iter().find(|(l, c, _)| *l == level && c == code).map(|(_, _, n)| n.as_str())
    }
}
