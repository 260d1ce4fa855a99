//! The study rows (docs/definitions.md §5.5, §5.10): every outcome's index rows
//! (`sql/study/units/<id>.sql`) for the cohort members (or every index, in a monitor study),
//! dated and placed by `sql/study/rows.sql`; and the persons of the rate outcomes per period.

use duckdb::Connection;

use super::StudyError;
use super::catalogue::Kind;
use super::definition::Plan;
use crate::db::DuckContext;
use crate::outcomes::config::OutcomeConfig;
use crate::schema::CareForm;
use crate::sql::study as q;

/// Fill `study_rows` and `study_rate_rows` for the plan's outcomes; `cfg` is the outcome run's.
pub fn build(conn: &Connection, plan: &Plan, cfg: &OutcomeConfig) -> Result<(), StudyError> {
    let wrapper = if plan.is_monitor() { q::UNITS_MONITOR } else { q::UNITS_COHORT };
    if plan.outcomes.iter().any(|o| o.is_family()) {
        family_settings(conn, plan, cfg)?;
        conn.execute_batch(q::FAMILY_INDEX).ctx("study rows: family indexes")?;
    }
    for outcome in &plan.outcomes {
        let spec = outcome.spec();
        let what = format!("study rows of {}", spec.id);
        if spec.kind == Kind::Rate {
            conn.execute_batch(spec.sql).ctx(what)?;
        } else {
            // The units file is kohort's own SQL (sql/study/units/), placed as a subquery.
            let sql = crate::db::render(wrapper, &[("units", spec.sql.trim().trim_end_matches(';'))]);
            conn.execute(&sql, [spec.id]).ctx(what)?;
        }
    }
    conn.execute_batch(q::ROWS).ctx("study rows: dates and regions")?;
    conn.execute_batch(q::DROP_UNITS).ctx("study rows")?;
    Ok(())
}

/// What the family indexes take from the study and the run (docs/definitions.md §4.8.5): the
/// kind of index, the safety age limit and windows, and the out-of-home forms of the run's
/// ladder (§3.3).
fn family_settings(conn: &Connection, plan: &Plan, cfg: &OutcomeConfig) -> Result<(), StudyError> {
    let what = "study family settings";
    conn.execute(
        q::FAMILY_SETTINGS,
        duckdb::params![plan.family_index.name(), cfg.safety_age_limit, cfg.same_incident_days],
    )
    .ctx(what)?;
    let mut app = conn.appender("study_family_windows_of_run").ctx(what)?;
    for w in &cfg.safety_windows {
        app.append_row([*w]).ctx(what)?;
    }
    drop(app);
    let mut app = conn.appender("study_out_of_home_forms").ctx(what)?;
    for form in CareForm::ALL.iter().filter(|f| cfg.level(**f) >= cfg.ladder.out_of_home_from) {
        app.append_row([form.as_str()]).ctx(what)?;
    }
    Ok(())
}
