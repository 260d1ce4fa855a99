//! Cohort definitions (issue 6, part 1): an entry event, then rules applied one after the
//! other, each reported in an **attrition table** (persons and index events remaining after the
//! rule, as OHDSI cohort tools report it). A definition is TOML (`cohorts/*.toml`) or a SQL file
//! returning `person_id, index_date` (then only the rules given in TOML apply on top of it).
//!
//! Rules, in this order (each only when configured): entry date range (inclusive), age at entry
//! in completed years, region at entry (a residence row valid on the index date), washout (no
//! care episode active on any of the N days before the index date), first index per person.
//! An **activity** (issue 16) is a cohort with entry `activity`: the start of every spell during
//! which the person received what the activity names (care form, provider, referrer), or by
//! `sql` (an ID list or any query), within the period `entry_from`..`entry_to`.
//! Members get an exit date: the earliest of death, emigration, data end and the birthday at
//! `exit_age` (default 18) — the outcome engine's follow-up end.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::db::{DbError, DuckContext};
use crate::sql::cohort as q;

/// Errors building a cohort.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    /// DuckDB failed (a missing `spells` view means no outcome run yet).
    #[error(transparent)]
    Db(#[from] DbError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is not valid TOML or has an unknown or misspelt key.
    #[error("cohort definition {path}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the line and the key).
        source: Box<toml::de::Error>,
    },
    /// The definition is not valid.
    #[error("cohort definition {path}: {message}")]
    Definition {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, CohortError>;

/// The entry event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// A person's first care spell.
    FirstSpell,
    /// Any care spell start.
    AnySpell,
    /// A spell starting with an episode of one of `care_forms`.
    SpellOfForm,
    /// A spell whose index level is at least `min_level`.
    SpellOfLevel,
    /// A safety report.
    SafetyReport,
    /// A measure start.
    MeasureStart,
    /// Birth.
    Birth,
    /// The start of a spell during which the person received an activity: an episode matching
    /// every filter given (`care_forms`, `providers`, `referrers`, `programmes`), or, with
    /// `exclude`, none.
    Activity,
}

impl Entry {
    /// Whether the entry events come from the outcome run's `spells`.
    pub fn reads_spells(self) -> bool {
        matches!(self, Self::FirstSpell | Self::AnySpell | Self::SpellOfForm | Self::SpellOfLevel | Self::Activity)
    }

    /// The query of this kind's candidate index events (`person_id`, `index_date`; only
    /// `spell_of_level` takes a parameter, the minimum level).
    fn events_sql(self) -> &'static str {
        use crate::sql::cohort::entry as e;
        match self {
            Self::FirstSpell => e::FIRST_SPELL,
            Self::AnySpell => e::ANY_SPELL,
            Self::SpellOfLevel => e::SPELL_OF_LEVEL,
            Self::SpellOfForm => e::SPELL_OF_FORM,
            Self::SafetyReport => e::SAFETY_REPORT,
            Self::MeasureStart => e::MEASURE_START,
            Self::Birth => e::BIRTH,
            Self::Activity => e::ACTIVITY,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::FirstSpell => "first_spell",
            Self::AnySpell => "any_spell",
            Self::SpellOfForm => "spell_of_form",
            Self::SpellOfLevel => "spell_of_level",
            Self::SafetyReport => "safety_report",
            Self::MeasureStart => "measure_start",
            Self::Birth => "birth",
            Self::Activity => "activity",
        }
    }
}

/// A cohort definition (TOML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortDef {
    /// Name.
    pub name: String,
    /// The entry event (or give `sql`).
    pub entry: Option<Entry>,
    /// A SQL file (relative to the definition) returning `person_id, index_date`.
    pub sql: Option<PathBuf>,
    /// Care forms of `spell_of_form` (and a filter of `activity`).
    #[serde(default)]
    pub care_forms: Vec<String>,
    /// Providers of `activity`: `provider_id` pseudonyms as the store holds them (a delivered
    /// provider code never enters the store, docs/definitions.md §6.1).
    #[serde(default)]
    pub providers: Vec<String>,
    /// Referrers of `activity` (the episodes' `referrer`, exactly as delivered).
    #[serde(default)]
    pub referrers: Vec<String>,
    /// Programmes of `activity` (the episodes' `programme` code, exactly as delivered; the
    /// column is optional in a delivery, docs/definitions.md §2.4).
    #[serde(default)]
    pub programmes: Vec<String>,
    /// `activity` only: the spells with no episode matching the filters (the comparison
    /// group, e.g. usual care) instead of those with one.
    #[serde(default)]
    pub exclude: bool,
    /// Minimum index level of `spell_of_level`.
    #[serde(default)]
    pub min_level: u8,
    /// First entry date (inclusive).
    #[serde(default, deserialize_with = "opt_date")]
    pub entry_from: Option<NaiveDate>,
    /// Last entry date (inclusive).
    #[serde(default, deserialize_with = "opt_date")]
    pub entry_to: Option<NaiveDate>,
    /// Minimum age at entry (completed years).
    pub age_min: Option<u32>,
    /// Maximum age at entry (completed years).
    pub age_max: Option<u32>,
    /// Municipalities (residence at entry).
    #[serde(default)]
    pub municipalities: Vec<String>,
    /// Sites (docs/definitions.md §5.4: the delivering source of the person's row the store
    /// picks, as the study split `site`).
    #[serde(default)]
    pub sites: Vec<String>,
    /// No care in the N days before entry.
    pub washout_days: Option<u32>,
    /// Keep each person's first remaining index only (default true).
    #[serde(default = "yes")]
    pub first_only: bool,
    /// Age at which follow-up ends (exit date); default 18.
    #[serde(default = "eighteen")]
    pub exit_age: u32,
}

/// A TOML local date (`2016-01-01`), when given.
pub(crate) fn opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<NaiveDate>, D::Error> {
    use serde::de::Error as _;
    let dt = toml::value::Datetime::deserialize(d)?;
    match (dt.date, dt.time, dt.offset) {
        (Some(x), None, None) => NaiveDate::from_ymd_opt(i32::from(x.year), u32::from(x.month), u32::from(x.day))
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{dt} is not a calendar date"))),
        _ => Err(D::Error::custom(format!("{dt}: expected a date like 2016-01-01"))),
    }
}

fn yes() -> bool {
    true
}

fn eighteen() -> u32 {
    18
}

/// One attrition row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attrition {
    /// The rule, in words.
    pub rule: String,
    /// Persons remaining.
    pub persons: u64,
    /// Index events remaining.
    pub index_events: u64,
}

/// A built cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cohort {
    /// Members: person, index date, exit date (sorted).
    pub members: Vec<(String, NaiveDate, NaiveDate)>,
    /// Persons and events after each rule.
    pub attrition: Vec<Attrition>,
}

impl CohortDef {
    /// Read a TOML definition.
    pub fn read(path: &Path) -> Result<Self> {
        let text = fs_err::read_to_string(path)?;
        let def: Self = toml::from_str(&text)
            .map_err(|source| CohortError::Toml { path: path.to_owned(), source: Box::new(source) })?;
        def.check(path)
    }

    /// Check a parsed definition (`path` names it in errors): an entry or a SQL file, not both;
    /// `spell_of_form` needs care forms.
    pub fn check(self, path: &Path) -> Result<Self> {
        let def = self;
        let bad = |m: &str| Err(CohortError::Definition { path: path.to_owned(), message: m.to_owned() });
        match (def.entry, &def.sql) {
            (None, None) => return bad("give `entry` or `sql`"),
            (Some(_), Some(_)) => return bad("give `entry` or `sql`, not both"),
            (Some(Entry::SpellOfForm), _) if def.care_forms.is_empty() => {
                return bad("entry `spell_of_form` needs `care_forms`");
            }
            (Some(Entry::Activity), _)
                if def.care_forms.is_empty()
                    && def.providers.is_empty()
                    && def.referrers.is_empty()
                    && def.programmes.is_empty() =>
            {
                return bad(
                    "entry `activity` needs `care_forms`, `providers`, `referrers` or `programmes` (what was received)",
                );
            }
            (entry, _)
                if entry != Some(Entry::Activity)
                    && (!def.providers.is_empty()
                        || !def.referrers.is_empty()
                        || !def.programmes.is_empty()
                        || def.exclude) =>
            {
                return bad("`providers`, `referrers`, `programmes` and `exclude` belong to entry `activity`");
            }
            _ => {}
        }
        if let Some(problem) = unknown_municipalities(&def.municipalities) {
            return bad(&problem);
        }
        Ok(def)
    }
}

/// What is wrong with a cohort's `municipalities`: a code that is not `GM` + 4 digits, or one
/// the reference data (`data-schema/youth_regions.csv`) does not know. A code that matches no
/// residence would only shrink the cohort without a word.
fn unknown_municipalities(codes: &[String]) -> Option<String> {
    let known: std::collections::BTreeSet<String> = crate::reference::YouthRegions::shipped()
        .map(|r| r.rows().map(|row| row.municipality.clone()).collect())
        .unwrap_or_default();
    let mut problems = Vec::new();
    for code in codes {
        let well_formed = code.len() == 6 && code.starts_with("GM") && code[2..].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            let hint = if code.bytes().all(|b| b.is_ascii_digit()) && code.len() <= 4 {
                format!(" (did you mean GM{code:0>4}?)")
            } else {
                String::new()
            };
            problems.push(format!("'{code}' is not a municipality code: GM and 4 digits{hint}"));
        } else if !known.contains(code) {
            problems
                .push(format!("'{code}' is not a municipality of the reference data (data-schema/youth_regions.csv)"));
        }
    }
    (!problems.is_empty()).then(|| format!("municipalities: {}", problems.join("; ")))
}

/// Whether a view of that name exists (the `spells` view needs an outcome run).
fn has_view(conn: &Connection, name: &str) -> Result<bool> {
    let n: i64 = conn.query_row(q::HAS_VIEW, [name], |r| r.get(0)).ctx("looking for the spells view")?;
    Ok(n > 0)
}

fn count(conn: &Connection, rule: String) -> Result<Attrition> {
    let (persons, events): (i64, i64) =
        conn.query_row(q::COUNT, [], |r| Ok((r.get(0)?, r.get(1)?))).ctx("counting the cohort")?;
    Ok(Attrition { rule, persons: persons.unsigned_abs(), index_events: events.unsigned_abs() })
}

/// Build `def` on a connection with the store views and the current outcome run's views
/// ([`crate::query::open_store`]); `base` is the folder a `sql` path is relative to.
pub fn build(conn: &Connection, def: &CohortDef, base: &Path) -> Result<Cohort> {
    let attrition = build_steps(conn, def, base)?;
    let mut stmt = conn.prepare(q::MEMBERS).ctx("cohort members")?;
    let rows = stmt
        .query_map([i64::from(def.exit_age)], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))
        .ctx("cohort members")?;
    let mut members = Vec::new();
    for r in rows {
        members.push(r.ctx("cohort members")?);
    }
    Ok(Cohort { members, attrition })
}

/// Apply the entry and every rule of `def`, leaving the remaining index events in the temp table
/// `cohort_step (person_id, index_date)` for callers that stay in DuckDB (large cohorts); the
/// exit date is [`q::MEMBERS`] over it with `$1 = exit_age`. Returns the attrition table.
pub fn build_steps(conn: &Connection, def: &CohortDef, base: &Path) -> Result<Vec<Attrition>> {
    conn.execute_batch(q::SETUP).ctx("cohort lists")?;
    {
        let mut forms = conn.appender("cohort_forms").ctx("cohort care forms")?;
        for form in &def.care_forms {
            forms.append_row([form]).ctx("cohort care forms")?;
        }
        let lists = [
            ("cohort_providers", &def.providers),
            ("cohort_referrers", &def.referrers),
            ("cohort_programmes", &def.programmes),
        ];
        for (table, list) in lists {
            let mut app = conn.appender(table).ctx("cohort activity filters")?;
            for value in list {
                app.append_row([value]).ctx("cohort activity filters")?;
            }
        }
        conn.execute(q::ACTIVITY, [def.exclude]).ctx("cohort activity filters")?;
        let mut munis = conn.appender("cohort_munis").ctx("cohort municipalities")?;
        for m in &def.municipalities {
            munis.append_row([m]).ctx("cohort municipalities")?;
        }
        let mut sites = conn.appender("cohort_sites").ctx("cohort sites")?;
        for site in &def.sites {
            sites.append_row([site]).ctx("cohort sites")?;
        }
    }
    let mut attrition = Vec::new();
    match (&def.sql, def.entry) {
        (Some(file), _) => {
            let path = base.join(file);
            let text = fs_err::read_to_string(&path)?;
            let query = text.trim().trim_end_matches(';');
            conn.execute_batch(&crate::db::render(q::ENTRY_SQL, &[("query", query)]))
                .ctx(format!("cohort query {}", path.display()))?;
            attrition.push(count(conn, format!("entry: rows of {}", file.display()))?);
        }
        (None, Some(entry)) => {
            if !entry.reads_spells() && !has_view(conn, "spells")? {
                conn.execute_batch(q::NO_SPELLS).ctx("cohort entry without an outcome run")?;
            }
            let sql = crate::db::render(q::ENTRY, &[("events", entry.events_sql().trim().trim_end_matches(';'))]);
            let ctx = "cohort entry events (is there an outcome run? `kohort outcomes` computes the spells)";
            if entry == Entry::SpellOfLevel {
                conn.execute(&sql, [i64::from(def.min_level)]).ctx(ctx)?;
            } else {
                conn.execute_batch(&sql).ctx(ctx)?;
            }
            attrition.push(count(conn, format!("entry: {}", entry.as_str()))?);
        }
        (None, None) => {
            return Err(CohortError::Definition { path: base.to_owned(), message: "give `entry` or `sql`".into() });
        }
    }
    if def.entry_from.is_some() || def.entry_to.is_some() {
        let from = def.entry_from.map_or_else(|| "0001-01-01".to_owned(), |d| d.to_string());
        let to = def.entry_to.map_or_else(|| "9999-12-31".to_owned(), |d| d.to_string());
        conn.execute(q::DATE_RANGE, duckdb::params![from, to]).ctx("cohort date range")?;
        attrition.push(count(conn, format!("entry date in [{from}, {to}]"))?);
    }
    if def.age_min.is_some() || def.age_max.is_some() {
        let (lo, hi) = (def.age_min.unwrap_or(0), def.age_max.unwrap_or(200));
        conn.execute(q::AGE, duckdb::params![i64::from(lo), i64::from(hi)]).ctx("cohort age")?;
        attrition.push(count(conn, format!("age at entry {lo} to {hi}"))?);
    }
    if !def.municipalities.is_empty() {
        conn.execute_batch(q::REGION).ctx("cohort region")?;
        attrition.push(count(conn, format!("living in {} at entry", def.municipalities.join(", ")))?);
    }
    if !def.sites.is_empty() {
        conn.execute_batch(q::SITE).ctx("cohort site")?;
        attrition.push(count(conn, format!("site {}", def.sites.join(", ")))?);
    }
    if let Some(days) = def.washout_days {
        conn.execute(q::WASHOUT, [i64::from(days)]).ctx("cohort washout")?;
        attrition.push(count(conn, format!("no care in the {days} days before entry"))?);
    }
    if def.first_only {
        conn.execute_batch(q::FIRST).ctx("cohort first index")?;
        attrition.push(count(conn, "first index per person".to_owned())?);
    }
    Ok(attrition)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<CohortDef> {
        let def: CohortDef = toml::from_str(&format!("name = \"a\"\n{text}")).unwrap();
        def.check(Path::new("a.toml"))
    }

    #[test]
    fn an_activity_names_what_was_received_and_its_filters_belong_to_it() {
        assert!(check("entry = \"activity\"\nproviders = [\"ab\"]\nexclude = true\n").is_ok());
        assert!(check("entry = \"activity\"\ncare_forms = [\"ambulant\"]\n").is_ok());
        let err = check("entry = \"activity\"\n").unwrap_err().to_string();
        assert!(err.contains("needs `care_forms`, `providers`, `referrers` or `programmes`"), "{err}");
        let err = check("entry = \"any_spell\"\nprogrammes = [\"MST\"]\n").unwrap_err().to_string();
        assert!(err.contains("belong to entry `activity`"), "{err}");
        assert!(check("entry = \"activity\"\nprogrammes = [\"MST\"]\n").is_ok());
        let err = check("entry = \"any_spell\"\nreferrers = [\"gp\"]\n").unwrap_err().to_string();
        assert!(err.contains("belong to entry `activity`"), "{err}");
        assert!(Entry::Activity.reads_spells());
    }
}
