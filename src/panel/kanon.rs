//! k-anonymity of a panel by local recoding (docs/definitions.md §6.9), as GROUP BYs in DuckDB
//! (`sql/panel/kanon_*.sql`) so it scales to the national population.
//!
//! A record is a published person with person-level quasi-identifiers (sex, birth year,
//! municipality of residence on the index date; missing = `unknown`) and a household cluster.
//! A class is the set of records sharing the published values; it is too small when it holds
//! fewer than k persons or, with `household_clusters`, fewer than k distinct clusters (families
//! share quasi-identifiers). Only records of too-small classes are touched, in this fixed order:
//!
//! 1. municipality → youth region (reference data, year of the index date);
//! 2. birth year → 5-year band (`2005-2009`);
//! 3. youth region → `NL`;
//! 4. suppression: the remaining records (all their panel rows) are dropped.
//!
//! Steps of a quasi-identifier that is not checked are skipped. A record whose other columns
//! would narrow its published birth year (`sql/panel/birth_window.sql`) counts in no class and is
//! never recoded; the records still in that state after the steps are withheld. After the steps
//! every published class has at least k persons (and k clusters). The order is fixed and the SQL
//! is a pure function of the records, so the pattern is deterministic.

use duckdb::Connection;
use serde::Serialize;

use super::Result;
use crate::db::DuckContext;
use crate::sql::panel as q;

/// One recoding step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Municipality → youth region.
    MunicipalityToRegion,
    /// Birth year → 5-year band.
    BirthYearToBand,
    /// Youth region → NL.
    RegionToNational,
    /// Suppression of the record.
    Suppress,
    /// Withheld: the record's other columns would narrow its published birth year.
    Withhold,
}

impl Step {
    /// Number used by `kanon_step.sql`.
    fn number(self) -> i32 {
        match self {
            Self::MunicipalityToRegion => 1,
            Self::BirthYearToBand => 2,
            Self::RegionToNational => 3,
            Self::Suppress => 4,
            Self::Withhold => 5,
        }
    }

    /// The quasi-identifier it changes (`None` for suppression).
    pub fn qi(self) -> Option<&'static str> {
        match self {
            Self::MunicipalityToRegion | Self::RegionToNational => Some("municipality"),
            Self::BirthYearToBand => Some("birth_year"),
            Self::Suppress | Self::Withhold => None,
        }
    }

    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::MunicipalityToRegion => "municipality → youth region",
            Self::BirthYearToBand => "birth year → 5-year band",
            Self::RegionToNational => "youth region → NL",
            Self::Suppress => "record suppressed (all its rows dropped)",
            Self::Withhold => "record withheld: its dates or periods would narrow the published birth year",
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepCount {
    /// The step.
    pub step: Step,
    /// The quasi-identifier whose value was generalised (none for suppression).
    pub quasi_identifier: Option<&'static str>,
    /// Persons (records) recoded or suppressed at this step.
    pub persons: u64,
    /// Their panel rows (person-periods): values generalised, or rows dropped.
    pub rows: u64,
}

/// The k-anonymity part of the disclosure report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KanonReport {
    /// Persons before disclosure control.
    pub persons_in: u64,
    /// Classes before recoding.
    pub classes_in: u64,
    /// Steps in order (skipped steps are absent).
    pub steps: Vec<StepCount>,
    /// Records withheld after the steps: their other columns would narrow the published birth
    /// year at their final level, or leave no period in the birth window.
    pub withheld: StepCount,
    /// Persons published.
    pub persons_out: u64,
    /// Published classes.
    pub classes_out: u64,
    /// Smallest published class in persons (0 when nothing is published).
    pub min_class_persons: u64,
    /// Smallest published class in household clusters.
    pub min_class_clusters: u64,
}

/// Run the recoding on `panel_qi` (made by `kanon_init.sql` from `panel_people`, parameters in
/// `panel_settings`); `geo` and `birth` say which steps apply.
pub fn run(conn: &Connection, geo: bool, birth: bool) -> Result<KanonReport> {
    conn.execute_batch(q::KANON_INIT).ctx("k-anonymity: records")?;
    let (classes_in, _, _) = classes(conn)?;
    let persons_in: i64 = conn.query_row(q::QI_COUNT, [], |r| r.get(0)).ctx("k-anonymity")?;
    let mut steps = Vec::new();
    for step in [Step::MunicipalityToRegion, Step::BirthYearToBand, Step::RegionToNational, Step::Suppress] {
        let applies = match step {
            Step::MunicipalityToRegion | Step::RegionToNational => geo,
            Step::BirthYearToBand => birth,
            Step::Suppress | Step::Withhold => true,
        };
        if !applies {
            continue;
        }
        conn.execute(q::KANON_STEP, [step.number()]).ctx(format!("k-anonymity: {}", step.describe()))?;
        let (persons, rows): (i64, i64) = conn
            .query_row(q::KANON_HITS, [step.number()], |r| Ok((r.get(0)?, r.get(1)?)))
            .ctx("k-anonymity: records touched")?;
        steps.push(StepCount {
            step,
            quasi_identifier: step.qi(),
            persons: persons.unsigned_abs(),
            rows: rows.unsigned_abs(),
        });
    }
    let (classes_out, min_p, min_c) = classes(conn)?;
    let suppressed = steps.last().map_or(0, |s| s.persons);
    let (persons, rows): (i64, i64) =
        conn.query_row(q::KANON_WITHHELD, [], |r| Ok((r.get(0)?, r.get(1)?))).ctx("k-anonymity: withheld")?;
    let withheld = StepCount {
        step: Step::Withhold,
        quasi_identifier: None,
        persons: persons.unsigned_abs(),
        rows: rows.unsigned_abs(),
    };
    Ok(KanonReport {
        persons_in: persons_in.unsigned_abs(),
        classes_in,
        steps,
        persons_out: persons_in.unsigned_abs() - suppressed - withheld.persons,
        withheld,
        classes_out,
        min_class_persons: min_p,
        min_class_clusters: min_c,
    })
}

fn classes(conn: &Connection) -> Result<(u64, u64, u64)> {
    let (a, b, c): (i64, i64, i64) =
        conn.query_row(q::CLASSES, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).ctx("k-anonymity: classes")?;
    Ok((a.unsigned_abs(), b.unsigned_abs(), c.unsigned_abs()))
}

#[cfg(test)]
mod tests {
    //! Hand-made records with known results. Each record: (id, cluster, sex, birth year,
    //! municipality, youth region); every person has one panel row (a one-year follow-up, the
    //! year they turn 5, inside the birth window of both their year and their band).
    use super::*;

    type Rec = (&'static str, &'static str, &'static str, i32, &'static str, &'static str);

    fn setup(records: &[Rec], k: i32, clusters: bool, qis: (bool, bool, bool)) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(q::SETUP).unwrap();
        conn.execute(
            "INSERT INTO panel_settings VALUES (12, 'year', DATE '0001-01-01', DATE '9999-12-31', 18, ?, ?, ?, ?, ?,
             0, 18, DATE '0001-01-01', DATE '9999-12-31')",
            duckdb::params![k, clusters, qis.0, qis.1, qis.2],
        )
        .unwrap();
        conn.execute_batch(
            "CREATE TEMP TABLE panel_people (person_id VARCHAR, cluster VARCHAR, sex VARCHAR, birth_year INTEGER,
             municipality VARCHAR, youth_region VARCHAR, f_start DATE, f_end DATE)",
        )
        .unwrap();
        for (id, cl, sex, by, muni, reg) in records {
            conn.execute(
                "INSERT INTO panel_people VALUES (?, ?, ?, ?, ?, ?, make_date(? + 5, 1, 1), make_date(? + 5, 12, 31))",
                duckdb::params![id, cl, sex, by, muni, reg, by, by],
            )
            .unwrap();
        }
        conn.execute_batch(q::BIRTH_WINDOW).unwrap();
        conn
    }

    /// (id, published sex, birth, geo, suppressed), sorted by id.
    fn published(conn: &Connection) -> Vec<(String, String, String, String, bool)> {
        let mut stmt = conn
            .prepare("SELECT person_id, q_sex, q_birth, q_geo, suppressed FROM panel_qi ORDER BY person_id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn counts(r: &KanonReport) -> Vec<(Step, u64)> {
        r.steps.iter().map(|s| (s.step, s.persons)).collect()
    }

    /// k = 2 without clusters. a1,a2: a class of 2 (kept). b1 (GM0002) + b2 (GM0003): alone in their
    /// municipalities, same region R1 and year -> step 1 joins them. c1 (2008) + c2 (2006): alone
    /// after step 1 (years differ) -> step 2 bands both to 2005-2009 in R2. d1 (R3, 2011) + d2 (R4,
    /// 2013): alone after steps 1-2 (regions differ) -> step 3 makes both NL, band 2010-2014.
    /// e1: sex x, alone everywhere -> suppressed.
    #[test]
    fn each_step_takes_exactly_the_records_of_small_classes() {
        let recs: [Rec; 10] = [
            ("a1", "h1", "f", 2010, "GM0001", "R1"),
            ("a2", "h2", "f", 2010, "GM0001", "R1"),
            ("b1", "h3", "m", 2010, "GM0002", "R1"),
            ("b2", "h4", "m", 2010, "GM0003", "R1"),
            ("c1", "h5", "f", 2008, "GM0004", "R2"),
            ("c2", "h6", "f", 2006, "GM0005", "R2"),
            ("d1", "h7", "m", 2011, "GM0006", "R3"),
            ("d2", "h8", "m", 2013, "GM0007", "R4"),
            ("e1", "h9", "x", 2001, "GM0008", "R5"),
            ("e2", "h10", "x", 1990, "unknown", "unknown"),
        ];
        let conn = setup(&recs, 2, false, (true, true, true));
        let r = run(&conn, true, true).unwrap();
        let s =
            |a: &str, b: &str, c: &str, d: &str, e: bool| (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned(), e);
        assert_eq!(
            published(&conn),
            vec![
                s("a1", "f", "2010", "GM0001", false),
                s("a2", "f", "2010", "GM0001", false),
                s("b1", "m", "2010", "R1", false),
                s("b2", "m", "2010", "R1", false),
                s("c1", "f", "2005-2009", "R2", false),
                s("c2", "f", "2005-2009", "R2", false),
                s("d1", "m", "2010-2014", "NL", false),
                s("d2", "m", "2010-2014", "NL", false),
                s("e1", "x", "2000-2004", "NL", true),
                s("e2", "x", "1990-1994", "NL", true),
            ]
        );
        // Step 1 touches everyone but a1, a2 (8); step 2 c, d, e (6); step 3 d, e (4); e suppressed.
        assert_eq!(
            counts(&r),
            vec![
                (Step::MunicipalityToRegion, 8),
                (Step::BirthYearToBand, 6),
                (Step::RegionToNational, 4),
                (Step::Suppress, 2)
            ]
        );
        assert_eq!(r.steps[3].rows, 2);
        assert_eq!((r.persons_in, r.persons_out, r.classes_out, r.min_class_persons), (10, 8, 4, 2));
    }

    /// Household clusters: two siblings (one cluster) form a class of 2 persons but 1 cluster, so
    /// with clusters on they are generalised (and here suppressed); off, they are published.
    #[test]
    fn a_family_alone_in_its_class_is_not_k_anonymous_with_clusters() {
        let recs: [Rec; 4] = [
            ("s1", "fam", "f", 2010, "GM0001", "R1"),
            ("s2", "fam", "f", 2010, "GM0001", "R1"),
            ("t1", "h1", "m", 2000, "GM0009", "R9"),
            ("t2", "h2", "m", 2000, "GM0009", "R9"),
        ];
        let conn = setup(&recs, 2, false, (true, true, true));
        let r = run(&conn, true, true).unwrap();
        assert_eq!(r.steps.iter().map(|s| s.persons).sum::<u64>(), 0, "no clusters: nothing to do");
        let conn = setup(&recs, 2, true, (true, true, true));
        let r = run(&conn, true, true).unwrap();
        assert_eq!(
            counts(&r),
            vec![
                (Step::MunicipalityToRegion, 2),
                (Step::BirthYearToBand, 2),
                (Step::RegionToNational, 2),
                (Step::Suppress, 2)
            ]
        );
        let p = published(&conn);
        assert!(p[0].4 && p[1].4 && !p[2].4 && !p[3].4, "{p:?}");
        assert_eq!((r.min_class_persons, r.min_class_clusters), (2, 2));
    }

    /// Quasi-identifiers not checked are '*' and their steps are skipped: with only sex, k = 3,
    /// the two records of sex x are suppressed straight away.
    #[test]
    fn unchecked_quasi_identifiers_are_ignored_and_their_steps_skipped() {
        let recs: [Rec; 5] = [
            ("a", "1", "f", 2010, "GM0001", "R1"),
            ("b", "2", "f", 2011, "GM0002", "R1"),
            ("c", "3", "f", 2012, "GM0003", "R2"),
            ("d", "4", "x", 2010, "GM0001", "R1"),
            ("e", "5", "x", 2010, "GM0001", "R1"),
        ];
        let conn = setup(&recs, 3, true, (true, false, false));
        let r = run(&conn, false, false).unwrap();
        assert_eq!(counts(&r), vec![(Step::Suppress, 2)]);
        let p = published(&conn);
        assert_eq!(p[0], ("a".into(), "f".into(), "*".into(), "*".into(), false));
        assert!(p[3].4 && p[4].4);
    }
}
