//! The study rows (docs/definitions.md §5.5, §5.10): every outcome's index rows
//! (`sql/study/units/<id>.sql`) for the cohort members (or every index, in a monitor study),
//! dated and placed by `sql/study/rows.sql`; and the persons of the rate outcomes per period.

use duckdb::Connection;

use super::StudyError;
use super::catalogue::Kind;
use super::definition::Plan;
use crate::db::DuckContext;
use crate::sql::study as q;

/// Fill `study_rows` and `study_rate_rows` for the plan's outcomes.
pub fn build(conn: &Connection, plan: &Plan) -> Result<(), StudyError> {
    let wrapper = if plan.is_monitor() { q::UNITS_MONITOR } else { q::UNITS_COHORT };
    if plan.outcomes.iter().any(|o| o.is_family()) {
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
