//! Arrow tables of the per-person outcomes: one batch per result table, tidy, rows in input order
//! (people in slice order, each person's rows in kernel order), `person_id` (Utf8) on every row,
//! dates as Date32, every column nullable (so batches of different buckets share one schema).
//!
//! Window results are long: one row per (index, window) in `reentry_windows` and
//! `safety_windows`, joined to their index table on (`person_id`, `spell_no`) and (`person_id`,
//! `index_no`); statuses are `event`, `no_event`, `censored`, `dropped`. Those two are not
//! written: every column follows from the index row and the run's windows, so they are views
//! over `reentry` and `safety` (`sql/results/*_windows.sql`, [`super::views::derived_views`]),
//! row for row what the kernels' statuses give (`tests/outcomes.rs`). Nor is `monthly_states`
//! (19 million rows at national scale, more than any stored table): it is a view over
//! `escalation` and `transitions` (`sql/results/monthly_states.sql`), tested the same way.
//! Escalation has one window (`window_days` column on its row). Tables and columns:
//!
//! * `spells`: spell_no, start, end, open, index_level, n_episodes
//! * `spell_episodes`: spell_no, episode_id
//! * `reentry`: spell_no, index_date, next_start, t_days, fu_date, fu_reason, dropped, time_days,
//!   cause (1 re-entry, 2 competing, 0 censored; null when dropped)
//! * `reentry_windows`: spell_no, index_date, window_days, status
//! * `prior_care`: spell_no, spell_start, year, prior_care, prior_end, days_since
//! * `escalation`: spell_no, index_date, index_level, index_protection, fu_date, fu_reason,
//!   window_days, status, event_date, t_days, to_level, measure_start, time_days, deesc_status,
//!   deesc_date, deesc_t_days, deesc_level, deesc_time_days
//! * `transitions`: date, from_level, from_protection, to_level, to_protection
//! * `monthly_states`: spell_no, index_date, month, date, status (`in_care`, `no_care`,
//!   `censored`), level, protection (null unless in care)
//! * `safety`: index_no, index_kind (`report`, `spell_end`, `measure_end`), index_date,
//!   report_id, spell_no, measure_id, same_incident_days, fu_date, fu_reason, dropped,
//!   rereport_id, rereport_date, t_days, time_days
//! * `safety_windows`: index_no, index_kind, index_date, window_days, status
//! * `safety_household` (household view, written once every bucket is staged: [`household`]):
//!   index_no, household_id, index_date, fu_date, rereport_date, t_days
//! * `safety_household_windows`: its columns, window_days, status (a view over
//!   `safety_household`, like `safety_windows`)
//! * `measure_episodes`: measure_id, merged_measure_id, kind, start, end, end_reason,
//!   protection, closed, goal_reached, duration_days, censored, out_of_home
//! * `episode_indicators`: episode_id, care_form, level, start, end, end_reason, regular,
//!   goal_attainment, goal_attained, satisfaction, satisfied
//! * `reliable_change`: episode_id, instrument, start_date, start_value, end_date, end_value,
//!   rci, change (`improved`, `unchanged`, `deteriorated`)
//! * `recidivism` (probation family, docs/definitions.md §4.17): index_no, index_kind
//!   (`probation_end`, `first_offence`, `halt`), index_date, measure_id, offence_id, fu_date,
//!   fu_reason, dropped, then per variant (`any_`, `serious_`): offence_id, offence_date (in the
//!   configured reading), t_days, time_days
//! * `recidivism_windows`: index_no, index_kind, index_date, variant (`any`, `serious`),
//!   window_days, status
//! * `risk_change`: measure_id, instrument, start_date, start_value, end_date, end_value, rci,
//!   change (`reduced`, `unchanged`, `increased`)
//! * `person_summary` (linkage family; every person, events or not): sex, birth_date,
//!   birthday_18, g1, heavy, heaviest_level_before_18, measure_before_18, first_care_start,
//!   age_first_care_days, first_measure_start, first_out_of_home_start, birthday_a, fu_date,
//!   fu_reason

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, StringArray, StringBuilder, StructArray,
    UInt8Array, UInt32Array,
};
use duckdb::arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use duckdb::arrow::datatypes::{Field, FieldRef};
use duckdb::arrow::record_batch::RecordBatch;

use crate::outcomes::config::OutcomeConfig;
use crate::outcomes::household::HouseholdIndex;
use crate::outcomes::kernels::PersonOutcomes;
use crate::outcomes::person_summary::PersonSummary;
use crate::outcomes::probation::{Recidivism, RecidivismIndex};
use crate::outcomes::safety::SafetyIndex;
use crate::store::PersonIds;
use crate::timelines::{PersonId, Pseudonym};

type Column = (FieldRef, ArrayRef);

/// One Arrow batch per result table, in the order listed in the module header.
#[must_use]
pub fn to_batches(people: &[PersonOutcomes]) -> Vec<(&'static str, RecordBatch)> {
    to_batches_for(people, &OutcomeConfig::default())
}

/// [`to_batches`], with the tables `cfg` does not fill ([`OutcomeConfig::fills`]) left empty
/// (their schema stays, so every run has the same tables).
#[must_use]
pub fn to_batches_for(people: &[PersonOutcomes], cfg: &OutcomeConfig) -> Vec<(&'static str, RecordBatch)> {
    let filled = |table: &str| if cfg.fills(table) { people } else { &[] };
    vec![
        ("spells", spells(filled("spells"))),
        ("spell_episodes", spell_episodes(filled("spell_episodes"))),
        ("reentry", reentry(people)),
        ("prior_care", prior_care(people)),
        ("escalation", escalation(people)),
        ("transitions", transitions(people)),
        ("safety", safety(people)),
        ("measure_episodes", measure_episodes(people)),
        ("episode_indicators", episode_indicators(people)),
        ("reliable_change", reliable_change(people)),
        ("recidivism", recidivism(people)),
        ("recidivism_windows", recidivism_windows(people)),
        ("risk_change", risk_change(people)),
    ]
}

/// How a result table's person ids run: several rows per person, one after the other, in the
/// tables of a row per month, window or transition (their ids are dictionary-encoded).
#[must_use]
pub fn person_ids(table: &str) -> PersonIds {
    match table {
        "recidivism_windows" | "transitions" => PersonIds::Repeated,
        _ => PersonIds::Distinct,
    }
}

/// The linkage family's table (`person_summary`); the other families' tables come from
/// [`to_batches_for`].
#[must_use]
pub fn linkage_batches(people: &[PersonOutcomes]) -> Vec<(&'static str, RecordBatch)> {
    vec![("person_summary", person_summary(people))]
}

/// Every row of one table with its person id.
fn rows<'a, R>(people: &'a [PersonOutcomes], table: impl Fn(&'a PersonOutcomes) -> &'a [R]) -> Vec<(PersonId, &'a R)> {
    people.iter().flat_map(|p| table(p).iter().map(move |r| (p.person_id, r))).collect()
}

fn batch(columns: Vec<Column>) -> RecordBatch {
    RecordBatch::from(StructArray::from(columns))
}

fn col(name: &str, array: ArrayRef) -> Column {
    (Arc::new(Field::new(name, array.data_type().clone(), true)), array)
}

fn ids<R>(rows: &[(PersonId, R)]) -> Column {
    // A person's rows follow one another: their digits are written out once.
    let mut last: Option<(PersonId, [u8; 32])> = None;
    hex(
        "person_id",
        rows.iter().map(|r| match last {
            Some((id, digits)) if id == r.0 => Some(digits),
            _ => {
                let digits = r.0.to_hex();
                last = Some((r.0, digits));
                Some(digits)
            }
        }),
    )
}

/// A Utf8 column of pseudonyms, as the 32 hex digits kohort stores.
fn hex(name: &str, v: impl Iterator<Item = Option<[u8; 32]>>) -> Column {
    col(name, Arc::new(hex_array(v)))
}

/// The digits go straight into the array's one value buffer, checked as text once for the
/// whole buffer (not value by value).
pub(super) fn hex_array(v: impl Iterator<Item = Option<[u8; 32]>>) -> StringArray {
    let n = v.size_hint().0;
    let mut values: Vec<u8> = Vec::with_capacity(32 * n);
    let mut valid: Vec<bool> = Vec::with_capacity(n);
    for h in v {
        if let Some(h) = &h {
            values.extend_from_slice(h);
        }
        valid.push(h.is_some());
    }
    if values.is_ascii() && i32::try_from(values.len()).is_ok() {
        // Offsets from 0, up by 32 or 0 a row, within i32; ASCII is text: `new` cannot fail.
        let mut offsets: Vec<i32> = Vec::with_capacity(valid.len() + 1);
        let mut end = 0i32;
        offsets.push(end);
        for &ok in &valid {
            end += if ok { 32 } else { 0 };
            offsets.push(end);
        }
        let nulls = valid.contains(&false).then(|| NullBuffer::from(valid));
        return StringArray::new(OffsetBuffer::new(ScalarBuffer::from(offsets)), Buffer::from_vec(values), nulls);
    }
    // Never for pseudonyms' digits: value by value.
    let mut b = StringBuilder::with_capacity(valid.len(), values.len());
    let mut digits = values.chunks_exact(32);
    for ok in valid {
        match if ok { digits.next() } else { None } {
            Some(h) => b.append_value(String::from_utf8_lossy(h)),
            None => b.append_null(),
        }
    }
    b.finish()
}

/// A Utf8 column of record pseudonyms.
fn pseudonyms(name: &str, v: impl Iterator<Item = Option<Pseudonym>>) -> Column {
    hex(name, v.map(|p| p.map(Pseudonym::to_hex)))
}

/// A Utf8 column, its value buffer sized in a first pass (no regrowth).
fn utf8<'a>(name: &str, v: impl Iterator<Item = Option<&'a str>> + Clone) -> Column {
    let bytes = v.clone().map(|s| s.map_or(0, str::len)).sum();
    let mut b = StringBuilder::with_capacity(v.size_hint().0, bytes);
    for s in v {
        b.append_option(s);
    }
    col(name, Arc::new(b.finish()))
}

/// Days from 0001-01-01 (day 1) to 1970-01-01, the Date32 epoch.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

fn date(name: &str, v: impl Iterator<Item = Option<NaiveDate>>) -> Column {
    col(name, Arc::new(v.map(|d| d.map(|d| d.num_days_from_ce() - UNIX_EPOCH_FROM_CE)).collect::<Date32Array>()))
}

fn int(name: &str, v: impl Iterator<Item = Option<i64>>) -> Column {
    col(name, Arc::new(v.collect::<Int64Array>()))
}

fn int32(name: &str, v: impl Iterator<Item = Option<i32>>) -> Column {
    col(name, Arc::new(v.collect::<Int32Array>()))
}

fn uint32(name: &str, v: impl Iterator<Item = Option<u32>>) -> Column {
    col(name, Arc::new(v.collect::<UInt32Array>()))
}

fn uint8(name: &str, v: impl Iterator<Item = Option<u8>>) -> Column {
    col(name, Arc::new(v.collect::<UInt8Array>()))
}

fn boolean(name: &str, v: impl Iterator<Item = Option<bool>>) -> Column {
    col(name, Arc::new(v.collect::<BooleanArray>()))
}

fn float(name: &str, v: impl Iterator<Item = Option<f64>>) -> Column {
    col(name, Arc::new(v.collect::<Float64Array>()))
}

fn spells(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.spells);
    batch(vec![
        ids(&r),
        uint32("spell_no", r.iter().map(|(_, s)| Some(s.spell_no))),
        date("start", r.iter().map(|(_, s)| Some(s.start))),
        date("end", r.iter().map(|(_, s)| s.end)),
        boolean("open", r.iter().map(|(_, s)| Some(s.is_open()))),
        uint8("index_level", r.iter().map(|(_, s)| Some(s.index_level))),
        int("n_episodes", r.iter().map(|(_, s)| Some(i64::from(s.n_episodes)))),
    ])
}

fn spell_episodes(people: &[PersonOutcomes]) -> RecordBatch {
    let spells = rows(people, |p| &p.spells);
    let r: Vec<_> = spells.iter().flat_map(|(p, s)| s.episode_ids.iter().map(move |e| (*p, (s.spell_no, e)))).collect();
    batch(vec![
        ids(&r),
        uint32("spell_no", r.iter().map(|(_, (n, _))| Some(*n))),
        pseudonyms("episode_id", r.iter().map(|(_, (_, e))| Some(**e))),
    ])
}

fn reentry(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.reentry);
    batch(vec![
        ids(&r),
        uint32("spell_no", r.iter().map(|(_, x)| Some(x.spell_no))),
        date("index_date", r.iter().map(|(_, x)| Some(x.index))),
        date("next_start", r.iter().map(|(_, x)| x.next_start)),
        int("t_days", r.iter().map(|(_, x)| x.t)),
        date("fu_date", r.iter().map(|(_, x)| Some(x.fu.end))),
        utf8("fu_reason", r.iter().map(|(_, x)| Some(x.fu.reason.as_str()))),
        boolean("dropped", r.iter().map(|(_, x)| Some(x.dropped))),
        int("time_days", r.iter().map(|(_, x)| x.time)),
        uint8("cause", r.iter().map(|(_, x)| x.cause.map(crate::outcomes::window::Cause::code))),
    ])
}

fn prior_care(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.prior_care);
    batch(vec![
        ids(&r),
        uint32("spell_no", r.iter().map(|(_, x)| Some(x.spell_no))),
        date("spell_start", r.iter().map(|(_, x)| Some(x.start))),
        int32("year", r.iter().map(|(_, x)| Some(x.year))),
        boolean("prior_care", r.iter().map(|(_, x)| Some(x.prior_care))),
        date("prior_end", r.iter().map(|(_, x)| x.prior_end)),
        int("days_since", r.iter().map(|(_, x)| x.days_since)),
    ])
}

fn escalation(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.escalation);
    batch(vec![
        ids(&r),
        uint32("spell_no", r.iter().map(|(_, x)| Some(x.spell_no))),
        date("index_date", r.iter().map(|(_, x)| Some(x.index))),
        uint8("index_level", r.iter().map(|(_, x)| Some(x.index_level))),
        boolean("index_protection", r.iter().map(|(_, x)| Some(x.index_protection))),
        date("fu_date", r.iter().map(|(_, x)| Some(x.fu.end))),
        utf8("fu_reason", r.iter().map(|(_, x)| Some(x.fu.reason.as_str()))),
        int("window_days", r.iter().map(|(_, x)| Some(x.window))),
        utf8("status", r.iter().map(|(_, x)| Some(x.status.as_str()))),
        date("event_date", r.iter().map(|(_, x)| x.escalation.map(|s| s.date))),
        int("t_days", r.iter().map(|(_, x)| x.escalation.map(|s| s.t))),
        uint8("to_level", r.iter().map(|(_, x)| x.escalation.map(|s| s.level))),
        boolean("measure_start", r.iter().map(|(_, x)| x.escalation.map(|s| s.measure_start))),
        int("time_days", r.iter().map(|(_, x)| x.time)),
        utf8("deesc_status", r.iter().map(|(_, x)| Some(x.deesc_status.as_str()))),
        date("deesc_date", r.iter().map(|(_, x)| x.deescalation.map(|s| s.date))),
        int("deesc_t_days", r.iter().map(|(_, x)| x.deescalation.map(|s| s.t))),
        uint8("deesc_level", r.iter().map(|(_, x)| x.deescalation.map(|s| s.level))),
        int("deesc_time_days", r.iter().map(|(_, x)| x.deesc_time)),
    ])
}

fn transitions(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.transitions);
    batch(vec![
        ids(&r),
        date("date", r.iter().map(|(_, x)| Some(x.date))),
        uint8("from_level", r.iter().map(|(_, x)| Some(x.from.level))),
        boolean("from_protection", r.iter().map(|(_, x)| Some(x.from.protection))),
        uint8("to_level", r.iter().map(|(_, x)| Some(x.to.level))),
        boolean("to_protection", r.iter().map(|(_, x)| Some(x.to.protection))),
    ])
}

/// Safety rows with their position among the person's indexes.
fn safety_rows(people: &[PersonOutcomes]) -> Vec<(PersonId, (u32, &SafetyIndex))> {
    let number = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    people.iter().flat_map(|p| p.safety.iter().enumerate().map(move |(i, x)| (p.person_id, (number(i), x)))).collect()
}

fn safety(people: &[PersonOutcomes]) -> RecordBatch {
    let r = safety_rows(people);
    batch(vec![
        ids(&r),
        uint32("index_no", r.iter().map(|(_, (i, _))| Some(*i))),
        utf8("index_kind", r.iter().map(|(_, (_, x))| Some(x.kind.as_str()))),
        date("index_date", r.iter().map(|(_, (_, x))| Some(x.index))),
        pseudonyms("report_id", r.iter().map(|(_, (_, x))| x.report_id)),
        uint32("spell_no", r.iter().map(|(_, (_, x))| x.spell_no)),
        pseudonyms("measure_id", r.iter().map(|(_, (_, x))| x.measure_id)),
        int("same_incident_days", r.iter().map(|(_, (_, x))| Some(x.same_incident))),
        date("fu_date", r.iter().map(|(_, (_, x))| Some(x.fu.end))),
        utf8("fu_reason", r.iter().map(|(_, (_, x))| Some(x.fu.reason.as_str()))),
        boolean("dropped", r.iter().map(|(_, (_, x))| Some(x.dropped))),
        pseudonyms("rereport_id", r.iter().map(|(_, (_, x))| x.rereport.map(|r| r.0))),
        date("rereport_date", r.iter().map(|(_, (_, x))| x.rereport.as_ref().map(|r| r.1))),
        int("t_days", r.iter().map(|(_, (_, x))| x.t)),
        int("time_days", r.iter().map(|(_, (_, x))| x.time)),
    ])
}

/// The household view of safety (`safety_household`, a whole-run table): a row per index and
/// household, in the order of `rows`.
#[must_use]
pub fn household(rows: &[HouseholdIndex]) -> RecordBatch {
    batch(vec![
        pseudonyms("person_id", rows.iter().map(|h| Some(h.person))),
        uint32("index_no", rows.iter().map(|h| Some(h.index_no))),
        pseudonyms("household_id", rows.iter().map(|h| Some(h.household))),
        date("index_date", rows.iter().map(|h| Some(h.index))),
        date("fu_date", rows.iter().map(|h| Some(h.fu))),
        date("rereport_date", rows.iter().map(|h| h.rereport)),
        int("t_days", rows.iter().map(HouseholdIndex::t)),
    ])
}

fn measure_episodes(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.measure_episodes);
    batch(vec![
        ids(&r),
        pseudonyms("measure_id", r.iter().map(|(_, x)| Some(x.measure_id))),
        pseudonyms("merged_measure_id", r.iter().map(|(_, x)| x.merged_measure_id)),
        utf8("kind", r.iter().map(|(_, x)| Some(x.kind.as_str()))),
        date("start", r.iter().map(|(_, x)| Some(x.start))),
        date("end", r.iter().map(|(_, x)| x.end)),
        utf8("end_reason", r.iter().map(|(_, x)| x.end_reason.map(crate::schema::MeasureEndReason::as_str))),
        boolean("protection", r.iter().map(|(_, x)| Some(x.protection))),
        boolean("closed", r.iter().map(|(_, x)| Some(x.is_closed()))),
        boolean("goal_reached", r.iter().map(|(_, x)| Some(x.goal_reached))),
        int("duration_days", r.iter().map(|(_, x)| x.duration)),
        boolean("censored", r.iter().map(|(_, x)| Some(x.censored))),
        boolean("out_of_home", r.iter().map(|(_, x)| Some(x.out_of_home))),
    ])
}

fn episode_indicators(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.episode_indicators);
    batch(vec![
        ids(&r),
        pseudonyms("episode_id", r.iter().map(|(_, x)| Some(x.episode_id))),
        utf8("care_form", r.iter().map(|(_, x)| Some(x.care_form.as_str()))),
        uint8("level", r.iter().map(|(_, x)| Some(x.level))),
        date("start", r.iter().map(|(_, x)| Some(x.start))),
        date("end", r.iter().map(|(_, x)| Some(x.end))),
        utf8("end_reason", r.iter().map(|(_, x)| x.end_reason.map(crate::schema::CareEndReason::as_str))),
        boolean("regular", r.iter().map(|(_, x)| Some(x.regular))),
        float("goal_attainment", r.iter().map(|(_, x)| x.goal_attainment)),
        boolean("goal_attained", r.iter().map(|(_, x)| x.goal_attained())),
        float("satisfaction", r.iter().map(|(_, x)| x.satisfaction)),
        boolean("satisfied", r.iter().map(|(_, x)| x.satisfied())),
    ])
}

fn reliable_change(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.reliable_change);
    batch(vec![
        ids(&r),
        pseudonyms("episode_id", r.iter().map(|(_, x)| Some(x.episode_id))),
        utf8("instrument", r.iter().map(|(_, x)| Some(x.instrument.as_str()))),
        date("start_date", r.iter().map(|(_, x)| Some(x.start.0))),
        float("start_value", r.iter().map(|(_, x)| Some(x.start.1))),
        date("end_date", r.iter().map(|(_, x)| Some(x.end.0))),
        float("end_value", r.iter().map(|(_, x)| Some(x.end.1))),
        float("rci", r.iter().map(|(_, x)| Some(x.rci))),
        utf8("change", r.iter().map(|(_, x)| Some(x.change.as_str()))),
    ])
}

/// Recidivism indexes with their number (1.. per person, kernel order).
fn recidivism_rows(people: &[PersonOutcomes]) -> Vec<(PersonId, (u32, &RecidivismIndex))> {
    people.iter().flat_map(|p| p.recidivism.iter().zip(0u32..).map(move |(x, i)| (p.person_id, (i, x)))).collect()
}

fn recidivism(people: &[PersonOutcomes]) -> RecordBatch {
    let r = recidivism_rows(people);
    let mut columns = vec![
        ids(&r),
        uint32("index_no", r.iter().map(|(_, (i, _))| Some(*i))),
        utf8("index_kind", r.iter().map(|(_, (_, x))| Some(x.kind.as_str()))),
        date("index_date", r.iter().map(|(_, (_, x))| Some(x.date))),
        pseudonyms("measure_id", r.iter().map(|(_, (_, x))| x.measure_id)),
        pseudonyms("offence_id", r.iter().map(|(_, (_, x))| x.offence_id)),
        date("fu_date", r.iter().map(|(_, (_, x))| Some(x.fu.end))),
        utf8("fu_reason", r.iter().map(|(_, (_, x))| Some(x.fu.reason.as_str()))),
        boolean("dropped", r.iter().map(|(_, (_, x))| Some(x.dropped))),
    ];
    for (prefix, pick) in [("any", recid_any as fn(&RecidivismIndex) -> &Recidivism), ("serious", recid_serious)] {
        columns.extend([
            pseudonyms(&format!("{prefix}_offence_id"), r.iter().map(|(_, (_, x))| pick(x).event.map(|e| e.0))),
            date(&format!("{prefix}_offence_date"), r.iter().map(|(_, (_, x))| pick(x).event.map(|e| e.1))),
            int(&format!("{prefix}_t_days"), r.iter().map(|(_, (_, x))| pick(x).t)),
            int(&format!("{prefix}_time_days"), r.iter().map(|(_, (_, x))| pick(x).time)),
        ]);
    }
    batch(columns)
}

fn recid_any(x: &RecidivismIndex) -> &Recidivism {
    &x.any
}

fn recid_serious(x: &RecidivismIndex) -> &Recidivism {
    &x.serious
}

fn recidivism_windows(people: &[PersonOutcomes]) -> RecordBatch {
    let idx = recidivism_rows(people);
    let r: Vec<_> = idx
        .iter()
        .flat_map(|(p, (i, x))| {
            [("any", &x.any), ("serious", &x.serious)]
                .into_iter()
                .flat_map(move |(v, rec)| rec.windows.iter().map(move |w| (*p, (*i, *x, v, w))))
        })
        .collect();
    batch(vec![
        ids(&r),
        uint32("index_no", r.iter().map(|(_, (i, _, _, _))| Some(*i))),
        utf8("index_kind", r.iter().map(|(_, (_, x, _, _))| Some(x.kind.as_str()))),
        date("index_date", r.iter().map(|(_, (_, x, _, _))| Some(x.date))),
        utf8("variant", r.iter().map(|(_, (_, _, v, _))| Some(*v))),
        int("window_days", r.iter().map(|(_, (_, _, _, w))| Some(w.0))),
        utf8("status", r.iter().map(|(_, (_, _, _, w))| Some(w.1.as_str()))),
    ])
}

fn risk_change(people: &[PersonOutcomes]) -> RecordBatch {
    let r = rows(people, |p| &p.risk_change);
    batch(vec![
        ids(&r),
        pseudonyms("measure_id", r.iter().map(|(_, x)| Some(x.measure_id))),
        utf8("instrument", r.iter().map(|(_, x)| Some(x.instrument.as_str()))),
        date("start_date", r.iter().map(|(_, x)| Some(x.start.0))),
        float("start_value", r.iter().map(|(_, x)| Some(x.start.1))),
        date("end_date", r.iter().map(|(_, x)| Some(x.end.0))),
        float("end_value", r.iter().map(|(_, x)| Some(x.end.1))),
        float("rci", r.iter().map(|(_, x)| Some(x.rci))),
        utf8("change", r.iter().map(|(_, x)| Some(x.change.as_str()))),
    ])
}

fn person_summary(people: &[PersonOutcomes]) -> RecordBatch {
    let r: Vec<(PersonId, &PersonSummary)> =
        people.iter().filter_map(|p| p.person_summary.as_ref().map(|s| (p.person_id, s))).collect();
    batch(vec![
        ids(&r),
        utf8("sex", r.iter().map(|(_, x)| Some(x.sex.as_str()))),
        date("birth_date", r.iter().map(|(_, x)| Some(x.birth_date))),
        date("birthday_18", r.iter().map(|(_, x)| x.birthday_18)),
        boolean("g1", r.iter().map(|(_, x)| Some(x.g1))),
        boolean("heavy", r.iter().map(|(_, x)| Some(x.heavy))),
        uint8("heaviest_level_before_18", r.iter().map(|(_, x)| Some(x.heaviest_level_before_18))),
        boolean("measure_before_18", r.iter().map(|(_, x)| Some(x.measure_before_18))),
        date("first_care_start", r.iter().map(|(_, x)| x.first_care_start)),
        int("age_first_care_days", r.iter().map(|(_, x)| x.age_first_care_days)),
        date("first_measure_start", r.iter().map(|(_, x)| x.first_measure_start)),
        date("first_out_of_home_start", r.iter().map(|(_, x)| x.first_out_of_home_start)),
        date("birthday_a", r.iter().map(|(_, x)| x.birthday_a)),
        date("fu_date", r.iter().map(|(_, x)| Some(x.fu.end))),
        utf8("fu_reason", r.iter().map(|(_, x)| Some(x.fu.reason.as_str()))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::config::OutcomeConfig;
    use crate::outcomes::kernels::compute;
    use crate::outcomes::testkit::{ep, person, report};
    use duckdb::arrow::array::Array;

    #[test]
    fn a_hex_column_holds_each_pseudonym_or_null_as_a_builder_would() {
        let ids: Vec<Option<[u8; 32]>> = (0..5000u128)
            .map(|i| {
                (i % 7 != 3).then(|| {
                    Pseudonym::from_digest(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835).to_be_bytes())
                        .to_hex()
                })
            })
            .collect();
        let mut b = StringBuilder::new();
        for h in &ids {
            b.append_option(h.as_ref().map(|h| String::from_utf8_lossy(h).into_owned()));
        }
        let want = b.finish();
        let got = hex_array(ids.iter().copied());
        assert_eq!(got, want);
        assert_eq!(got.null_count(), ids.iter().filter(|h| h.is_none()).count());
        // Without a null, no validity buffer (as a builder); text that is not ASCII goes value by value.
        assert!(hex_array([Some([b'a'; 32])].into_iter()).nulls().is_none());
        let odd = hex_array([Some([0xc3; 32]), None].into_iter());
        assert_eq!((odd.len(), odd.null_count()), (2, 1));
        assert_eq!(odd.value(0), String::from_utf8_lossy(&[0xc3; 32]));
    }

    #[test]
    fn every_table_with_person_ids_and_window_rows() {
        let mut a = person("2010-01-01");
        a.episodes =
            vec![ep("E1", "ambulant", "2020-01-01", "2020-02-01", "planned"), ep("E2", "secure", "2021-01-01", "", "")];
        a.reports = vec![report("R1", "2020-05-01")];
        let mut b = person("2011-01-01");
        b.person_id = PersonId::label("P2");
        b.episodes = vec![ep("E3", "local_team", "2022-01-01", "2022-03-01", "")];
        let cfg = OutcomeConfig::default();
        let out = to_batches(&[compute(&a, &cfg), compute(&b, &cfg)]);
        let n: Vec<(&str, usize)> = out.iter().map(|(name, b)| (*name, b.num_rows())).collect();
        assert_eq!(n[..3], [("spells", 3), ("spell_episodes", 3), ("reentry", 2)]);
        assert_eq!(n.len(), 13, "the window tables and the monthly states are views, not batches");
        let spells = &out[0].1;
        let person = spells.column(0).as_any().downcast_ref::<StringArray>().map(|a| a.value(2).to_owned());
        let start = spells.column(2).as_any().downcast_ref::<Date32Array>().and_then(|a| a.value_as_date(2));
        assert_eq!(start, Some(chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default()));
        assert_eq!(person, Some(PersonId::label("P2").to_hex_string()));
        assert_eq!(spells.schema().field(2).data_type(), &duckdb::arrow::datatypes::DataType::Date32);
        let empty = to_batches(&[]);
        assert!(empty.iter().all(|(_, b)| b.num_rows() == 0 && b.num_columns() > 1));
    }
}
