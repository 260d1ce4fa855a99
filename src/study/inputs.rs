//! The plan, the cohorts and the reference data as the DuckDB tables the study SQL reads
//! (`sql/study/setup.sql`): settings, members, which cohort has which outcomes, region levels,
//! the tables of the splits, the youth-region mapping, region names, the groups of comparable
//! municipalities and the periods of the rate outcomes.

use chrono::NaiveDate;
use duckdb::Connection;

use super::StudyError;
use super::catalogue::{CATALOGUE, Kind};
use super::definition::{PeriodKind, Plan, Reference, Scope};
use crate::db::{DbSettings, DuckContext};
use crate::sql::study as q;

/// A period of the rate outcomes: its label, year, first and last day and reference day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeriodRow {
    /// `2021`, `2021Q3`.
    pub period: String,
    /// Its year.
    pub year: i32,
    /// First day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
    /// The reference day of stock figures.
    pub reference: NaiveDate,
}

/// The periods of the rate outcomes (docs/definitions.md §5.11): every year (or quarter) of
/// the study's range in which the population table has residents and whose last day is not
/// after the store's data end (a period not yet over would count too few); none without rate
/// outcomes.
pub fn rate_periods(store: &crate::store::Store, db: &DbSettings, plan: &Plan) -> Result<Vec<PeriodRow>, StudyError> {
    if !plan.has_rates() {
        return Ok(Vec::new());
    }
    let conn = crate::query::open_store(store, db)?;
    let mut stmt = conn.prepare(q::POPULATION_YEARS).ctx("population years")?;
    let years: Vec<i32> = stmt
        .query_map([], |r| r.get::<_, i32>(0))
        .ctx("population years")?
        .collect::<Result<_, _>>()
        .ctx("population years")?;
    let data_end: Option<NaiveDate> = conn.query_row(q::DATA_END, [], |r| r.get(0)).ctx("the store's data end")?;
    let mut out = Vec::new();
    for year in years {
        let quarters: &[u32] = if plan.periods.kind == PeriodKind::Quarter { &[1, 2, 3, 4] } else { &[0] };
        for &quarter in quarters {
            let pos = (year, quarter.max(1));
            let last_pos = (year, if quarter == 0 { 4 } else { quarter });
            if plan.periods.from.is_some_and(|f| last_pos < f) || plan.periods.to.is_some_and(|t| pos > t) {
                continue;
            }
            if let Some(row) = period_row(year, quarter, plan.reference)
                && data_end.is_some_and(|end| row.last <= end)
            {
                out.push(row);
            }
        }
    }
    Ok(out)
}

/// One period: quarter 0 is the whole year.
fn period_row(year: i32, quarter: u32, reference: Reference) -> Option<PeriodRow> {
    let (first_month, last_month) = if quarter == 0 { (1, 12) } else { (3 * quarter - 2, 3 * quarter) };
    let first = NaiveDate::from_ymd_opt(year, first_month, 1)?;
    let next = if last_month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, last_month + 1, 1)?
    };
    let last = next.pred_opt()?;
    let reference = match reference {
        Reference::PeriodEnd => last,
        Reference::PeriodStart => first,
        Reference::MonthDay(m, d) => NaiveDate::from_ymd_opt(year, m, d)?,
    };
    let period = if quarter == 0 { year.to_string() } else { format!("{year}Q{quarter}") };
    Some(PeriodRow { period, year, first, last, reference })
}

/// Create the input tables and fill them: settings, cohorts and their members, outcomes,
/// levels, split tables, reference data and the rate periods.
pub fn fill(conn: &Connection, plan: &Plan, periods: &[PeriodRow]) -> Result<(), StudyError> {
    conn.execute_batch(q::SETUP).ctx("study inputs")?;
    conn.execute_batch(q::BENCHMARK_MACROS).ctx("study benchmark macros")?;
    settings(conn, plan)?;
    cohorts(conn, plan)?;
    let mut app = conn.appender("study_applies").ctx("study outcomes")?;
    for (cohort, outcome) in &plan.applies {
        app.append_row([cohort.as_str(), outcome.id()]).ctx("study outcomes")?;
    }
    drop(app);
    let mut app = conn.appender("study_outcomes").ctx("study outcomes")?;
    for (i, spec) in CATALOGUE.iter().enumerate() {
        let kind = match spec.kind {
            Kind::Proportion => "proportion",
            Kind::Categories => "categories",
            Kind::Rate => "rate",
            Kind::Curve => "curve",
            Kind::Count => "count",
        };
        app.append_row(duckdb::params![spec.id, kind, i as i64]).ctx("study outcomes")?;
    }
    drop(app);
    let mut app = conn.appender("study_levels").ctx("study region levels")?;
    for level in &plan.levels {
        app.append_row([level.name()]).ctx("study region levels")?;
    }
    drop(app);
    let mut app = conn.appender("study_curve_levels").ctx("study curve levels")?;
    for level in &plan.curve_levels {
        app.append_row([level.name()]).ctx("study curve levels")?;
    }
    drop(app);
    split_tables(conn, plan)?;
    reference(conn, plan)?;
    let mut app = conn.appender("study_periods").ctx("study periods")?;
    for p in periods {
        app.append_row(duckdb::params![p.period, p.year, p.first, p.last, p.reference]).ctx("study periods")?;
    }
    drop(app);
    conn.execute_batch(q::POPULATION).ctx("study population")?;
    Ok(())
}

/// The settings row.
fn settings(conn: &Connection, plan: &Plan) -> Result<(), StudyError> {
    let kind = match plan.periods.kind {
        PeriodKind::Year => "year",
        PeriodKind::Quarter => "quarter",
        PeriodKind::All => "all",
    };
    let q = |p: Option<(i32, u32)>| p.map(|(y, q)| i64::from(y) * 4 + i64::from(q) - 1);
    let use_cohort = plan.region_date == super::definition::RegionDate::Cohort;
    conn.execute(
        q::SETTINGS,
        duckdb::params![
            kind,
            q(plan.periods.from),
            q(plan.periods.to),
            use_cohort,
            plan.standard_year,
            plan.periods.to.map(|t| t.0)
        ],
    )
    .ctx("study settings")?;
    Ok(())
}

/// Cohorts, their members and their top level (docs/definitions.md §5.13): a cohort without a
/// region or site rule and not defined by SQL is national (`NL`); another one's top is level `cohort`,
/// region `total`. A monitor study is the one national cohort `all`.
fn cohorts(conn: &Connection, plan: &Plan) -> Result<(), StudyError> {
    let add = |name: &str, national: bool| -> Result<(), StudyError> {
        let (level, region) = if national { ("national", "NL") } else { ("cohort", "total") };
        conn.execute(q::COHORT, [name, level, region]).ctx("study cohorts")?;
        Ok(())
    };
    match &plan.scope {
        Scope::Monitor => add("all", true)?,
        Scope::Cohorts(list) => {
            for (path, cdef) in list {
                crate::cohort::build_steps(conn, cdef, path.parent().unwrap_or_else(|| std::path::Path::new(".")))?;
                conn.execute(q::MEMBERS_FROM_COHORT, [cdef.name.as_str()]).ctx("study members")?;
                add(&cdef.name, cdef.municipalities.is_empty() && cdef.sites.is_empty() && cdef.sql.is_none())?;
            }
        }
    }
    Ok(())
}

/// The table of each split: a split's own `by_<split>`; the total rows in every other table (or
/// in one table `total` when the study has no other split).
fn split_tables(conn: &Connection, plan: &Plan) -> Result<(), StudyError> {
    let mut app = conn.appender("study_split_tables").ctx("study split tables")?;
    let others: Vec<&super::definition::Split> = plan.splits.iter().filter(|s| !s.is_total()).collect();
    for s in &others {
        app.append_row([s.name(), s.table()]).ctx("study split tables")?;
        app.append_row(["total".to_owned(), s.table()]).ctx("study split tables")?;
    }
    if others.is_empty() {
        app.append_row(["total", "total"]).ctx("study split tables")?;
    }
    Ok(())
}

/// The youth-region mapping, the names of municipalities, districts, youth regions and
/// groups, and the groups of comparable municipalities.
fn reference(conn: &Connection, plan: &Plan) -> Result<(), StudyError> {
    let regions = crate::reference::YouthRegions::shipped()?;
    let names = crate::reference::RegionNames::shipped()?;
    let mut app = conn.appender("study_regions").ctx("study regions")?;
    for r in regions.rows() {
        app.append_row(duckdb::params![r.municipality, r.youth_region, r.valid_from_year, r.valid_to_year])
            .ctx("study regions")?;
    }
    drop(app);
    let mut app = conn.appender("study_names").ctx("study region names")?;
    let mut youth: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for r in regions.rows() {
        youth.insert(&r.youth_region, &r.youth_region_name);
    }
    for (code, name) in youth {
        app.append_row(["youth_region", code, name]).ctx("study region names")?;
    }
    for (level, code, name) in names.rows() {
        app.append_row([level, code, name]).ctx("study region names")?;
    }
    let classes = size_classes(&plan.size_classes);
    for (grp, _, _, label) in &classes {
        app.append_row(["municipality_group", grp.as_str(), label.as_str()]).ctx("study region names")?;
    }
    let mut named: Vec<&String> = plan.group_members.values().collect();
    named.sort_unstable();
    named.dedup();
    for grp in named {
        app.append_row(["municipality_group", grp.as_str(), grp.as_str()]).ctx("study region names")?;
    }
    drop(app);
    let mut app = conn.appender("study_size_classes").ctx("study size classes")?;
    for (grp, lower, upper, _) in &classes {
        app.append_row(duckdb::params![grp, lower, upper]).ctx("study size classes")?;
    }
    drop(app);
    let mut app = conn.appender("study_group_members").ctx("study groups")?;
    for (m, grp) in &plan.group_members {
        app.append_row([m, grp]).ctx("study groups")?;
    }
    Ok(())
}

/// The size classes from their upper bounds: (group, lower, upper, label), `size_1` the
/// smallest (docs/definitions.md §5.12).
pub fn size_classes(bounds: &[u64]) -> Vec<(String, i64, Option<i64>, String)> {
    let dutch = |n: u64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    };
    let mut out = Vec::new();
    let mut lower = 0;
    for (i, &upper) in bounds.iter().enumerate() {
        let label = if lower == 0 {
            format!("minder dan {} jeugdigen", dutch(upper))
        } else {
            format!("{} tot {} jeugdigen", dutch(lower), dutch(upper))
        };
        out.push((format!("size_{}", i + 1), lower as i64, Some(upper as i64), label));
        lower = upper;
    }
    out.push((format!("size_{}", bounds.len() + 1), lower as i64, None, format!("{} jeugdigen of meer", dutch(lower))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_size_classes_are_worked_out_by_hand() {
        let q = period_row(2024, 1, Reference::PeriodEnd).unwrap();
        assert_eq!(
            (q.period.as_str(), q.first.to_string(), q.last.to_string()),
            ("2024Q1", "2024-01-01".into(), "2024-03-31".into())
        );
        let y = period_row(2023, 0, Reference::MonthDay(1, 1)).unwrap();
        assert_eq!(
            (y.period.as_str(), y.last.to_string(), y.reference.to_string()),
            ("2023", "2023-12-31".into(), "2023-01-01".into())
        );
        let c = size_classes(&[2_500, 10_000]);
        assert_eq!(c[0], ("size_1".into(), 0, Some(2_500), "minder dan 2.500 jeugdigen".into()));
        assert_eq!(c[1], ("size_2".into(), 2_500, Some(10_000), "2.500 tot 10.000 jeugdigen".into()));
        assert_eq!(c[2], ("size_3".into(), 10_000, None, "10.000 jeugdigen of meer".into()));
    }
}
