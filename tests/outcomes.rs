//! `kohort outcomes` on the `small` scenario: every fixed-window count equals an independent
//! plain-SQL computation over the store views (`tests/oracle/*.sql`), count for count.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;

const FOLLOWUP: &str = include_str!("oracle/followup.sql");
const SPELLS: &str = include_str!("oracle/spells.sql");

/// `small`, ingested, outcomes computed once for the tests of this module.
fn small_store() -> &'static PathBuf {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let tmp = tempfile::tempdir().expect("tmp");
            let scenario = kohort::synth::load_scenario("small").expect("scenario");
            let opts = kohort::synth::SynthOptions {
                format: kohort::synth::OutputFormat::Csv,
                threads: Some(2),
                progress: false,
                scale: None,
            };
            let summary = kohort::synth::generate(&scenario, &tmp.path().join("synth"), &opts).expect("synth");
            let store = tmp.path().join("store");
            for d in &summary.deliveries {
                ingest_cmd(&d.dir, &store, tmp.path()).assert().code(0);
            }
            kohort().arg("outcomes").arg("--store").arg(&store).assert().success();
            (tmp, store)
        })
        .1
}

fn oracle(store: &Path, file: &str) -> Vec<Vec<String>> {
    let sql =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle").join(file)).expect("oracle");
    // The fragments start with comment lines; strip them so they can sit inside a WITH list.
    let strip = |f: &str| f.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join("\n");
    query(store, &sql.replace("{{followup}}", &strip(FOLLOWUP)).replace("{{spells}}", &strip(SPELLS)))
}

#[test]
fn reentry_windows_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(store, "SELECT window_days, status, count(*) FROM reentry_windows GROUP BY ALL");
    let want = oracle(store, "reentry_windows.sql");
    assert_eq!(got, want);
    assert!(got.iter().any(|r| r[1] == "event") && got.iter().any(|r| r[1] == "censored"), "{got:?}");
}

#[test]
fn rereport_windows_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(
        store,
        "SELECT window_days, status, count(*) FROM safety_windows WHERE index_kind = 'report' GROUP BY ALL",
    );
    let want = oracle(store, "safety_windows.sql");
    assert_eq!(got, want);
}

#[test]
fn reentry_curve_starts_with_every_undropped_index_at_risk() {
    let store = small_store();
    let n = query(store, "SELECT count(*) FROM reentry WHERE NOT dropped")[0][0].clone();
    let first = query(store, "SELECT at_risk FROM reentry_km ORDER BY time_days LIMIT 1");
    assert_eq!(first, vec![vec![n.clone()]]);
    let total = query(store, "SELECT sum(events) + sum(censored) FROM reentry_km");
    assert_eq!(total, vec![vec![n]]);
}

#[test]
fn escalation_and_deescalation_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(
        store,
        "SELECT 'escalation', status, count(*) FROM escalation GROUP BY ALL
         UNION ALL SELECT 'deescalation', deesc_status, count(*) FROM escalation GROUP BY ALL",
    );
    let want = oracle(store, "escalation.sql");
    assert_eq!(got, want);
}

#[test]
fn household_view_counts_a_siblings_later_report_the_child_view_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    // 200000002 (sibling of 200000001, household HH-0000001) is reported 137 days later.
    let tables = with_row("safety_reports", "VT-00000009,200000002,HH-0000001,2018-06-01,child_abuse,school");
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    ingest_cmd(&d, &store, tmp.path()).assert().code(0);
    kohort().arg("outcomes").arg("--store").arg(&store).assert().success();
    let a = pseudo("person", "200000001");
    let household = query(
        &store,
        &format!(
            "SELECT window_days, rereport_date::VARCHAR, t_days, status FROM safety_household_windows WHERE person_id = '{a}'"
        ),
    );
    assert_eq!(
        household,
        vec![
            vec!["365".to_owned(), "2018-06-01".to_owned(), "137".to_owned(), "event".to_owned()],
            vec!["730".to_owned(), "2018-06-01".to_owned(), "137".to_owned(), "event".to_owned()],
        ]
    );
    let child = query(
        &store,
        &format!("SELECT window_days, status FROM safety_windows WHERE person_id = '{a}' AND index_kind = 'report'"),
    );
    assert_eq!(
        child,
        vec![vec!["365".to_owned(), "no_event".to_owned()], vec!["730".to_owned(), "no_event".to_owned()]]
    );
    let b = pseudo("person", "200000002");
    let later = query(&store, &format!("SELECT DISTINCT status FROM safety_household_windows WHERE person_id = '{b}'"));
    assert_eq!(later, vec![vec!["no_event".to_owned()]], "an earlier report of the household does not count");
}

#[test]
fn a_report_id_another_source_gives_another_child_lends_that_child_no_household() {
    // Report ids are the sources' own: a second source reports 200000003 (no household)
    // under VT-00000001, the id prov-a gave 200000001's report in HH-0000001.
    let tmp = tempfile::tempdir().unwrap();
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let mut t = std::collections::BTreeMap::new();
    t.insert(
        "persons",
        "person_id,birth_date,sex,death_date,emigration_date\n200000003,2014-01-10,x,2024-06-30,\n".to_owned(),
    );
    t.insert(
        "safety_reports",
        "report_id,person_id,household_id,report_date,kind,source\nVT-00000001,200000003,,2019-06-01,other,\n"
            .to_owned(),
    );
    let vt = write_delivery(&tmp.path().join("vt"), "veilig-thuis", "2026Q3", "2026-10-01", &t);
    add_toml(&vt, "tables = [\"persons\", \"safety_reports\"]\n");
    let store = tmp.path().join("s");
    ingest_cmd(&a, &store, tmp.path()).assert().code(0);
    ingest_cmd(&vt, &store, tmp.path()).assert().code(0);
    kohort().arg("outcomes").arg("--store").arg(&store).assert().success();
    let (first, third) = (pseudo("person", "200000001"), pseudo("person", "200000003"));
    // Both children have their report index in the child view ...
    let child = query(
        &store,
        &format!(
            "SELECT count(DISTINCT person_id) FROM safety WHERE index_kind = 'report' AND person_id IN ('{first}', '{third}')"
        ),
    );
    assert_eq!(child, vec![vec!["2".to_owned()]]);
    // ... and only the child whose own report names a household is in the household view, once
    // per window, in its own household.
    let household = query(
        &store,
        "SELECT person_id, household_id, window_days::VARCHAR FROM safety_household_windows ORDER BY ALL",
    );
    let hh = pseudo("household", "HH-0000001");
    let want: Vec<Vec<String>> =
        ["365", "730"].iter().map(|w| vec![first.clone(), hh.clone(), (*w).to_owned()]).collect();
    assert_eq!(household, want, "200000003 took 200000001's household through the shared report id");
}

#[test]
fn outcome_files_are_byte_identical_with_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let big = crate::store::big_delivery(&tmp.path().join("big"), 4_000);
    let store = tmp.path().join("s");
    ingest_cmd(&big, &store, tmp.path()).assert().code(0);
    let mut seen = Vec::new();
    for threads in ["1", "2"] {
        kohort_bare().args(["--threads", threads, "--quiet", "outcomes", "--store"]).arg(&store).assert().success();
        let run: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.join("results/current.json")).unwrap()).unwrap();
        seen.push(run["tables"].clone());
    }
    assert_eq!(seen[0], seen[1]);
    assert!(seen[0].as_object().unwrap().len() >= 15, "{}", seen[0]);
}

#[test]
fn rereports_after_spell_ends_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(
        store,
        "SELECT window_days, status, count(*) FROM safety_windows WHERE index_kind = 'spell_end' GROUP BY ALL",
    );
    let want = oracle(store, "safety_spell_end.sql");
    assert_eq!(got, want);
}

#[test]
fn field_indicators_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(
        store,
        "SELECT 'regular', count(*) FILTER (WHERE regular), count(*) FROM episode_indicators
         UNION ALL SELECT 'goal', count(*) FILTER (WHERE goal_attained), count(goal_attained) FROM episode_indicators
         UNION ALL SELECT 'satisfaction', count(*) FILTER (WHERE satisfaction >= 7), count(satisfaction) FROM episode_indicators",
    );
    let want = oracle(store, "indicators.sql");
    assert_eq!(got, want);
}

#[test]
fn a_config_file_changes_the_parameters_and_unknown_keys_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = tmp.path().join("s");
    ingest_cmd(&d, &store, tmp.path()).assert().code(0);
    // 200000001: ambulant ends 2018-08-31, foster care starts 2019-01-10 (132 days later).
    kohort().arg("outcomes").arg("--store").arg(&store).assert().success();
    let spells = |store: &Path| query(store, "SELECT count(*) FROM spells")[0][0].clone();
    assert_eq!(spells(&store), "3");
    let cfg = tmp.path().join("outcomes.toml");
    std::fs::write(&cfg, "gap_days = 200\nreentry_windows = [90]\n[instruments.problem_score]\nsd = 10.0\nreliability = 0.85\nlower_is_better = true\n").unwrap();
    kohort().arg("outcomes").arg("--store").arg(&store).arg("--config").arg(&cfg).assert().success();
    assert_eq!(spells(&store), "2", "a 132-day gap merges under gap_days = 200");
    assert_eq!(query(&store, "SELECT DISTINCT window_days FROM reentry_windows"), vec![vec!["90".to_owned()]]);
    std::fs::write(&cfg, "gap_dayz = 14\n").unwrap();
    let out = kohort().arg("outcomes").arg("--store").arg(&store).arg("--config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("outcomes.toml") && err.contains("gap_dayz"), "{err}");
}

#[test]
fn a_reentry_only_run_gives_the_full_runs_rows_and_spells_fills_the_link_table_and_others_build_no_spells() {
    let full = small_store();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let synth = full.parent().expect("tmp").join("synth");
    let mut deliveries: Vec<PathBuf> = std::fs::read_dir(&synth)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .flat_map(|source| std::fs::read_dir(source.path()).unwrap().filter_map(Result::ok).map(|d| d.path()))
        .collect();
    deliveries.sort();
    for d in &deliveries {
        ingest_cmd(d, &store, tmp.path()).assert().code(0);
    }
    kohort().args(["outcomes", "--only", "reentry", "--store"]).arg(&store).assert().success();
    for table in ["spells", "reentry", "reentry_windows", "reentry_km", "reentry_cif"] {
        let sql = format!("SELECT * FROM {table} ORDER BY ALL");
        let got = query(&store, &sql);
        assert!(!got.is_empty(), "{table}");
        assert_eq!(got, query(full, &sql), "{table}: --only reentry equals the full run");
    }
    assert_eq!(query(&store, "SELECT count(*) FROM spell_episodes"), vec![vec!["0".to_owned()]]);
    assert_eq!(query(&store, "SELECT count(*) FROM escalation"), vec![vec!["0".to_owned()]]);
    // A table with rows has a file per bucket with rows; one without rows in any bucket has one
    // empty file, not one per bucket.
    let current: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("results/current.json")).unwrap()).unwrap();
    let run = store.join("results").join(current["run"].as_str().unwrap());
    let files = |table: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(run.join(table))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let reentry = files("reentry");
    assert!(reentry.len() > 1 && reentry.iter().all(|f| f.starts_with('b') && f.ends_with(".parquet")), "{reentry:?}");
    for table in ["escalation", "spell_episodes", "measure_episodes", "episode_indicators", "recidivism"] {
        assert_eq!(files(table), vec!["empty.parquet".to_owned()], "{table}");
    }
    // Every episode sits in exactly one spell.
    let episodes = query(full, "SELECT count(*) FROM care_episodes");
    assert_eq!(query(&store, "SELECT sum(n_episodes) FROM spells"), episodes);
    // A run of other families does not silently replace this one ...
    let out = kohort().args(["outcomes", "--only", "spells", "--store"]).arg(&store).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has reentry as well") && err.contains("--partial"), "{err}");
    // ... and a study refuses a run without the families it is built from, saying what to do.
    let study = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let out = study_cmd(&study, &store, &tmp.path().join("o")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("without escalation, safety") && err.contains("run `kohort outcomes` without --only"),
        "{err}"
    );
    assert!(!err.contains("Catalog Error"), "no DuckDB noise after the message: {err}");
    kohort().args(["outcomes", "--only", "spells", "--partial", "--store"]).arg(&store).assert().success();
    let sql = "SELECT * FROM spell_episodes ORDER BY ALL";
    assert_eq!(query(&store, sql), query(full, sql));
    assert_eq!(query(&store, "SELECT count(DISTINCT episode_id) FROM spell_episodes"), episodes);
    // Families that read the episodes themselves build no spells: the table stays empty, their
    // own tables equal the full run's.
    let only = ["outcomes", "--only", "measures,indicators,probation", "--partial", "--store"];
    kohort().args(only).arg(&store).assert().success();
    assert_eq!(query(&store, "SELECT count(*) FROM spells"), vec![vec!["0".to_owned()]]);
    for table in ["measure_episodes", "measure_duration_km", "episode_indicators", "recidivism"] {
        let sql = format!("SELECT * FROM {table} ORDER BY ALL");
        let got = query(&store, &sql);
        assert!(!got.is_empty(), "{table}");
        assert_eq!(got, query(full, &sql), "{table}: --only measures,indicators,probation equals the full run");
    }
}

/// Every person of the store with events, read from the store's timelines.
fn store_timelines(store: &Path) -> Vec<kohort::timelines::PersonTimeline> {
    let s = kohort::store::Store::at(store);
    let conn = kohort::query::open_store(&s, &kohort::db::DbSettings { threads: 2, memory_limit: "1GB".into() })
        .expect("open");
    let mut out = Vec::new();
    for b in 0..s.require_manifest().expect("manifest").buckets {
        out.extend(kohort::timelines::read_bucket(&conn, b, kohort::timelines::Needs::ALL).expect("read bucket"));
    }
    out
}

/// Every person of the store with events, and the outcomes the kernels compute in Rust for
/// them with the default config (the config of the store's run), by hex id.
fn kernel_outcomes(store: &Path) -> Vec<(String, kohort::outcomes::kernels::PersonOutcomes)> {
    let cfg = kohort::outcomes::config::OutcomeConfig::default();
    let people = store_timelines(store);
    people.iter().map(|t| (t.person_id.to_hex_string(), kohort::outcomes::kernels::compute(t, &cfg))).collect()
}

/// The window tables are views over `reentry` and `safety` (`sql/results/*_windows.sql`): on
/// `small`, every row equals the statuses the kernels compute in Rust for each index and window
/// (`kohort::outcomes::window::status`), read from the store's timelines, row for row.
#[test]
fn the_window_views_give_the_kernels_statuses_row_for_row() {
    let store = small_store();
    let (mut reentry, mut safety) = (Vec::new(), Vec::new());
    for (id, out) in kernel_outcomes(store) {
        for r in &out.reentry {
            for (w, status) in &r.windows {
                let row = [&id, &r.spell_no.to_string(), &r.index.to_string(), &w.to_string(), status.as_str()];
                reentry.push(row.map(ToString::to_string).to_vec());
            }
        }
        for (no, x) in out.safety.iter().enumerate() {
            for (w, status) in &x.windows {
                let (no, index) = (no.to_string(), x.index.to_string());
                let row = [&id, &no, x.kind.as_str(), &index, &w.to_string(), status.as_str()];
                safety.push(row.map(ToString::to_string).to_vec());
            }
        }
    }
    reentry.sort();
    safety.sort();
    let got = query(
        store,
        "SELECT person_id, spell_no::VARCHAR, index_date::VARCHAR, window_days::VARCHAR, status FROM reentry_windows",
    );
    assert_eq!(got.len(), reentry.len());
    assert_eq!(got, reentry);
    let got = query(
        store,
        "SELECT person_id, index_no::VARCHAR, index_kind, index_date::VARCHAR, window_days::VARCHAR, status
         FROM safety_windows",
    );
    assert_eq!(got, safety);
    for (rows, col) in [(&reentry, 4), (&safety, 5)] {
        for status in ["event", "no_event", "censored", "dropped"] {
            assert!(rows.iter().any(|r| r[col] == status), "no {status} row: the comparison would not see it");
        }
    }
}

/// `monthly_states` is a view over `escalation` and `transitions`
/// (`sql/results/monthly_states.sql`): on `small`, every row equals the month the kernels
/// compute in Rust (`kohort::outcomes::monthly::states`), row for row, every status seen.
#[test]
fn the_monthly_states_view_gives_the_kernels_months_row_for_row() {
    use kohort::outcomes::{followup::follow_up, monthly, spells, state::Care};
    let store = small_store();
    let cfg = kohort::outcomes::config::OutcomeConfig::default();
    let mut want = Vec::new();
    for t in store_timelines(store) {
        let id = t.person_id.to_hex_string();
        let spells = spells::build(&t.episodes, &cfg);
        let fu = follow_up(&t, cfg.escalation_age_limit);
        for m in monthly::states(&Care::new(&t, &cfg), &spells, fu, cfg.escalation_window) {
            let state = m.status.state();
            want.push(vec![
                id.clone(),
                m.spell_no.to_string(),
                m.index.to_string(),
                m.month.to_string(),
                m.date.to_string(),
                m.status.as_str().to_owned(),
                state.map(|s| s.level.to_string()).unwrap_or_default(),
                state.map(|s| s.protection.to_string()).unwrap_or_default(),
            ]);
        }
    }
    want.sort();
    let got = query(
        store,
        "SELECT person_id, spell_no::VARCHAR, index_date::VARCHAR, month::VARCHAR, date::VARCHAR, status,
                level::VARCHAR, protection::VARCHAR
         FROM monthly_states",
    );
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    for status in ["in_care", "no_care", "censored"] {
        assert!(want.iter().any(|r| r[5] == status), "no {status} month: the comparison would not see it");
    }
    assert!(want.iter().any(|r| r[7] == "true"), "no month under a protection measure");
}

/// A date from its ISO text.
fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("an ISO date")
}

/// The rows of `safety_household_windows` as (person, window, status), by person and window.
fn windows_of(conn: &duckdb::Connection) -> Vec<(String, i64, String)> {
    let mut stmt = conn
        .prepare("SELECT person_id, window_days, status FROM safety_household_windows ORDER BY ALL")
        .expect("query the view");
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("rows");
    rows.map(|r| r.expect("a row")).collect()
}

#[test]
fn household_windows_are_a_view_over_a_row_per_index_and_read_older_runs_rows_as_stored() {
    let cfg = kohort::outcomes::config::OutcomeConfig {
        safety_windows: vec![730, 365],
        ..kohort::outcomes::config::OutcomeConfig::default()
    };
    let has = |t: &str| t == "safety_household";
    // (person, index, fu, re-report): an event in both windows, censored, dropped, an event
    // after the first window, and no event with fu between the windows.
    let cases = [
        ("a", "2020-01-01", "2022-01-01", Some("2020-06-01")),
        ("b", "2020-01-01", "2020-06-01", None),
        ("c", "2020-01-01", "2020-01-01", None),
        ("d", "2020-01-01", "2021-06-01", Some("2021-03-01")),
        ("e", "2020-01-01", "2021-06-01", None),
    ];
    let conn = duckdb::Connection::open_in_memory().expect("DuckDB");
    conn.execute_batch(
        "CREATE TABLE safety_household (person_id VARCHAR, index_no UINTEGER, household_id VARCHAR,
         index_date DATE, fu_date DATE, rereport_date DATE, t_days BIGINT)",
    )
    .expect("table");
    let mut want = Vec::new();
    for (p, index, fu, re) in cases {
        conn.execute(
            "INSERT INTO safety_household VALUES (?, 0, 'h', ?::DATE, ?::DATE, ?::DATE, ?::DATE - ?::DATE)",
            duckdb::params![p, index, fu, re, re, index],
        )
        .expect("row");
        for w in [365, 730] {
            want.push((
                p.to_owned(),
                w,
                kohort::outcomes::window::status(day(index), re.map(day), day(fu), w).as_str().to_owned(),
            ));
        }
    }
    let views = kohort::results::views::derived_views(&cfg, kohort::results::RESULTS_FORMAT, has);
    assert_eq!(views.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["safety_household_windows"]);
    conn.execute_batch(&views[0].1).expect("the view");
    assert_eq!(windows_of(&conn), want, "the view's statuses are window::status's");
    // A run of format 3 stored the window rows themselves: its view reads them as they are.
    let old = duckdb::Connection::open_in_memory().expect("DuckDB");
    old.execute_batch(
        "CREATE TABLE safety_household AS SELECT * FROM (VALUES ('x', 365::BIGINT, 'event'), ('x', 730, 'event'))
         t(person_id, window_days, status)",
    )
    .expect("table");
    old.execute_batch(&kohort::results::views::derived_views(&cfg, 3, has)[0].1).expect("the view");
    let stored = vec![("x".to_owned(), 365, "event".to_owned()), ("x".to_owned(), 730, "event".to_owned())];
    assert_eq!(windows_of(&old), stored);
    assert!(kohort::results::views::derived_views(&cfg, 4, |_| false).is_empty());
}
