//! Studies: the statistics of the study tables.

use kohort::study::{Z95, wilson_percent};

#[test]
fn wilson_interval_matches_closed_forms() {
    let z2 = Z95 * Z95;
    // 0 of n: [0, z²/(n+z²)].
    let (lo, hi) = wilson_percent(0, 10).expect("n > 0");
    assert!(lo.abs() < 1e-12);
    assert!((hi - 100.0 * z2 / (10.0 + z2)).abs() < 1e-9, "{hi}");
    // n of n: [n/(n+z²), 1].
    let (lo, hi) = wilson_percent(10, 10).expect("n > 0");
    assert!((lo - 100.0 * 10.0 / (10.0 + z2)).abs() < 1e-9, "{lo}");
    assert!((hi - 100.0).abs() < 1e-12);
    // 1 of 2: symmetric around 50 %, half-width z·sqrt(1/8 + z²/16)/(1 + z²/2) (worked by hand).
    let (lo, hi) = wilson_percent(1, 2).expect("n > 0");
    let half = 100.0 * Z95 * (0.125 + z2 / 16.0).sqrt() / (1.0 + z2 / 2.0);
    assert!((lo - (50.0 - half)).abs() < 1e-9 && (hi - (50.0 + half)).abs() < 1e-9, "{lo} {hi}");
    // Independent method: the Wilson interval is where the score test does not reject,
    // |x − n·p| ≤ z·sqrt(n·p·(1 − p)); find its ends by bisection.
    for (x, n) in [(81_u64, 263_u64), (1, 7), (5, 5000), (999, 1000), (37, 40)] {
        let (xf, nf) = (x as f64, n as f64);
        let inside = |p: f64| (xf - nf * p).abs() <= Z95 * (nf * p * (1.0 - p)).sqrt();
        let phat = xf / nf;
        let bisect = |mut out: f64, mut inn: f64| {
            for _ in 0..200 {
                let mid = 0.5 * (out + inn);
                if inside(mid) { inn = mid } else { out = mid }
            }
            100.0 * inn
        };
        let (lo, hi) = wilson_percent(x, n).expect("n > 0");
        assert!((lo - bisect(0.0, phat)).abs() < 1e-9, "{x}/{n}: {lo}");
        assert!((hi - bisect(1.0, phat)).abs() < 1e-9, "{x}/{n}: {hi}");
    }
    assert_eq!(wilson_percent(0, 0), None);
    assert_eq!(wilson_percent(3, 2), None);
}

/// `small`, ingested, outcomes computed, the monitor study run; returns (tmp, store, tables dir).
fn small_study() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    use crate::common::*;
    let (tmp, store) = scenario_store("small", true);
    let study = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    kohort()
        .arg("study")
        .arg(study)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let dir = tmp.path().join("out/small_monitor");
    (tmp, store, dir)
}

type Key = (String, i64, String, String, String, String);

#[test]
fn every_cell_equals_a_brute_force_count_over_the_per_index_rows_and_tables_reconcile() {
    use std::collections::BTreeMap;

    use chrono::{Datelike, NaiveDate};

    use crate::common::query;
    let (_tmp, store, dir) = small_study();
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // Persons, residence and the per-index rows, read raw; everything else recomputed here.
    let persons: BTreeMap<String, (NaiveDate, String)> =
        query(&store, "SELECT person_id, birth_date::VARCHAR, sex FROM persons")
            .into_iter()
            .map(|r| (r[0].clone(), (date(&r[1]), r[2].clone())))
            .collect();
    let mut residence: BTreeMap<String, Vec<(NaiveDate, Option<NaiveDate>, String)>> = BTreeMap::new();
    for r in query(
        &store,
        "SELECT person_id, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, ''), municipality FROM residence",
    ) {
        let to = (!r[2].is_empty()).then(|| date(&r[2]));
        residence.entry(r[0].clone()).or_default().push((date(&r[1]), to, r[3].clone()));
    }
    let regions = kohort::reference::YouthRegions::shipped().unwrap();
    // Municipality (the residence row valid on the index date, latest start) and youth region.
    let place = |person: &String, index: NaiveDate| {
        let muni = residence
            .get(person)
            .and_then(|rs| {
                rs.iter().filter(|(f, t, _)| *f <= index && t.is_none_or(|t| index <= t)).max_by_key(|(f, _, _)| *f)
            })
            .map_or("unknown".to_owned(), |(_, _, m)| m.clone());
        let youth = regions.lookup(&muni, index.year()).map_or("unknown".to_owned(), |g| g.youth_region.clone());
        (muni, youth)
    };
    let age = |b: NaiveDate, d: NaiveDate| d.year() - b.year() - i32::from((d.month(), d.day()) < (b.month(), b.day()));
    // Per-index rows: (outcome, person, index date, window, status) of spells starting 2015-2024.
    let rows = query(
        &store,
        "SELECT 'reentry', s.person_id, s.start::VARCHAR, w.window_days, w.status, s.spell_no::VARCHAR, s.index_level::VARCHAR
           FROM spells s JOIN reentry_windows w USING (person_id, spell_no)
         UNION ALL
         SELECT 'escalation', s.person_id, s.start::VARCHAR, e.window_days, e.status, s.spell_no::VARCHAR, s.index_level::VARCHAR
           FROM spells s JOIN escalation e ON e.person_id = s.person_id AND e.index_date = s.start
         UNION ALL
         SELECT 'rereport_after_spell', s.person_id, s.start::VARCHAR, w.window_days, w.status, s.spell_no::VARCHAR, s.index_level::VARCHAR
           FROM spells s JOIN safety x ON x.person_id = s.person_id AND x.spell_no = s.spell_no AND x.index_kind = 'spell_end'
           JOIN safety_windows w ON w.person_id = x.person_id AND w.index_no = x.index_no",
    );
    // The first care form of each spell, from the raw episode rows: the episode with the
    // earliest start (then the smallest id) among the spell's episodes.
    let episodes: BTreeMap<String, (NaiveDate, String)> =
        query(&store, "SELECT episode_id, start_date::VARCHAR, care_form FROM care_episodes")
            .into_iter()
            .map(|r| (r[0].clone(), (date(&r[1]), r[2].clone())))
            .collect();
    let mut first_form: BTreeMap<(String, String), (NaiveDate, String, String)> = BTreeMap::new();
    for r in query(&store, "SELECT person_id, spell_no::VARCHAR, episode_id FROM spell_episodes") {
        let (start, form) = &episodes[&r[2]];
        let cand = (*start, r[2].clone(), form.clone());
        let e = first_form.entry((r[0].clone(), r[1].clone())).or_insert_with(|| cand.clone());
        if (cand.0, &cand.1) < (e.0, &e.1) {
            *e = cand;
        }
    }
    let mut want: BTreeMap<Key, (u64, u64)> = BTreeMap::new();
    for r in rows {
        let (person, index) = (&r[1], date(&r[2]));
        let (birth, sex) = &persons[person];
        let a = age(*birth, index);
        if !(2015..=2024).contains(&index.year()) || !(0..=17).contains(&a) || !(r[4] == "event" || r[4] == "no_event")
        {
            continue;
        }
        let (muni, youth) = place(person, index);
        let band = match a {
            0..=3 => "0-3",
            4..=11 => "4-11",
            _ => "12-17",
        };
        let window: i64 = r[3].parse().unwrap();
        for (level, region) in [("national", "NL".to_owned()), ("municipality", muni.clone()), ("youth_region", youth)]
        {
            let form = first_form.get(&(person.clone(), r[5].clone())).map_or("unknown".to_owned(), |f| f.2.clone());
            for (split, value) in [
                ("total", "total".to_owned()),
                ("sex", sex.clone()),
                ("age_band", band.to_owned()),
                ("index_year", index.year().to_string()),
                ("level", r[6].clone()),
                ("care_form", form),
            ] {
                let e =
                    want.entry((r[0].clone(), window, level.into(), region.clone(), split.into(), value)).or_default();
                e.0 += u64::from(r[4] == "event");
                e.1 += 1;
            }
        }
    }
    // Every row of the tables equals the brute-force cell; every cell is in the tables.
    let file = dir.join("tables.parquet");
    let got = query(
        &store,
        &format!(
            "SELECT outcome, window_days, region_level, region, split, split_value, count, denominator, table_name,
                    percentage, ci_lower, ci_upper FROM read_parquet('{}')",
            file.display()
        ),
    );
    let mut seen = std::collections::BTreeSet::new();
    for r in &got {
        let key: Key = (r[0].clone(), r[1].parse().unwrap(), r[2].clone(), r[3].clone(), r[4].clone(), r[5].clone());
        let (c, n): (u64, u64) = (r[6].parse().unwrap(), r[7].parse().unwrap());
        assert_eq!(want.get(&key), Some(&(c, n)), "{r:?}");
        assert!((r[9].parse::<f64>().unwrap() - 100.0 * c as f64 / n as f64).abs() < 1e-9);
        let (lo, hi) = wilson_percent(c, n).unwrap();
        assert!(
            (r[10].parse::<f64>().unwrap() - lo).abs() < 1e-6 && (r[11].parse::<f64>().unwrap() - hi).abs() < 1e-6,
            "{r:?}"
        );
        seen.insert(key);
    }
    assert_eq!(seen.len(), want.len(), "every brute-force cell is published");
    assert!(want.len() > 300, "{}", want.len());
    for outcome in ["reentry", "escalation", "rereport_after_spell"] {
        assert!(want.keys().any(|k| k.0 == outcome), "no {outcome} cells");
    }
    // Reconciliation: categories sum to the total; regions of a level sum to NL.
    let mut by_total: BTreeMap<(String, i64, String, String, String), u64> = BTreeMap::new();
    let mut by_nation: BTreeMap<(String, i64, String, String, String), u64> = BTreeMap::new();
    for ((o, w, level, region, split, value), (_, n)) in &want {
        if split != "total" {
            *by_total.entry((o.clone(), *w, level.clone(), region.clone(), split.clone())).or_default() += n;
        }
        if level != "national" {
            *by_nation.entry((o.clone(), *w, level.clone(), split.clone(), value.clone())).or_default() += n;
        }
    }
    for ((o, w, level, region, _), n) in by_total {
        assert_eq!(want[&(o, w, level, region, "total".into(), "total".into())].1, n);
    }
    for ((o, w, _, split, value), n) in by_nation {
        assert_eq!(want[&(o, w, "national".into(), "NL".into(), split, value)].1, n);
    }
    // Survival: Kaplan–Meier of time to re-entry per region, by a plain product-limit loop over
    // the members' undropped re-entry rows (event = cause 1, everything else censors).
    let mut obs: BTreeMap<(String, String), Vec<(i64, bool)>> = BTreeMap::new();
    for r in query(
        &store,
        "SELECT s.person_id, s.start::VARCHAR, r.time_days::VARCHAR, (r.cause = 1)::VARCHAR
           FROM spells s JOIN reentry r USING (person_id, spell_no) WHERE NOT r.dropped",
    ) {
        let (person, index) = (&r[0], date(&r[1]));
        let (birth, _) = &persons[person];
        if !(2015..=2024).contains(&index.year()) || !(0..=17).contains(&age(*birth, index)) {
            continue;
        }
        let (muni, youth) = place(person, index);
        let o = (r[2].parse::<i64>().unwrap(), r[3] == "true");
        for key in
            [("national".to_owned(), "NL".to_owned()), ("municipality".into(), muni), ("youth_region".into(), youth)]
        {
            obs.entry(key).or_default().push(o);
        }
    }
    let mut want_km: Vec<(String, String, i64, u64, u64, u64, f64)> = Vec::new();
    for ((level, region), mut o) in obs {
        o.sort_unstable();
        let mut s = 1.0;
        let times: std::collections::BTreeSet<i64> = o.iter().map(|x| x.0).collect();
        for t in times {
            let at_risk = o.iter().filter(|x| x.0 >= t).count() as u64;
            let d = o.iter().filter(|x| x.0 == t && x.1).count() as u64;
            let c = o.iter().filter(|x| x.0 == t && !x.1).count() as u64;
            s *= 1.0 - d as f64 / at_risk as f64;
            want_km.push((level.clone(), region.clone(), t, at_risk, d, c, s));
        }
    }
    let got_km = query(
        &store,
        &format!(
            "SELECT region_level, region, time, at_risk, events, censored, estimate FROM read_parquet('{}')
             WHERE outcome = 'reentry' ORDER BY region_level, region, time",
            dir.join("survival.parquet").display()
        ),
    );
    // (`query` hands rows back as text; order them by the numeric time here.)
    let mut got_km = got_km;
    got_km.sort_by_key(|g| (g[0].clone(), g[1].clone(), g[2].parse::<i64>().unwrap()));
    assert_eq!(got_km.len(), want_km.len());
    assert!(want_km.len() > 100, "{}", want_km.len());
    for (g, w) in got_km.iter().zip(&want_km) {
        assert_eq!((&g[0], &g[1]), (&w.0, &w.1));
        assert_eq!(
            (g[2].parse::<i64>().unwrap(), g[3].parse::<u64>().unwrap(), g[4].parse::<u64>().unwrap()),
            (w.2, w.3, w.4),
            "{g:?}"
        );
        assert_eq!(g[5].parse::<u64>().unwrap(), w.5, "{g:?}");
        assert!((g[6].parse::<f64>().unwrap() - w.6).abs() < 1e-9, "{g:?} vs {w:?}");
    }
    // And the export takes the study's tables as they are.
    crate::common::kohort()
        .args(["export", "tables", "--in"])
        .arg(&dir)
        .arg("--out")
        .arg(dir.with_extension("export"))
        .assert()
        .success();
}

/// Run the study file `text` (written to the temp folder) over `store`; returns its tables
/// folder.
fn run_study(tmp: &std::path::Path, store: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let file = tmp.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    crate::common::kohort()
        .arg("--quiet")
        .arg("study")
        .arg(&file)
        .arg("--store")
        .arg(store)
        .arg("--out")
        .arg(tmp.join("out"))
        .assert()
        .success();
    tmp.join("out").join(name)
}

#[test]
fn a_monitor_study_over_every_index_gives_the_store_wide_figures_of_kohort_outcomes_count_for_count() {
    use std::collections::BTreeMap;

    use crate::common::query;
    let (tmp, store) = crate::common::scenario_store("small", true);
    let dir = run_study(
        tmp.path(),
        &store,
        "nat",
        "name = \"nat\"\nperiods = \"all\"\nsplits = [\"total\"]\nregion_levels = [\"national\"]\n",
    );
    // The engine's store-wide summary, as printed by `kohort outcomes --json`.
    let out = crate::common::kohort().args(["--quiet", "outcomes", "--json", "--store"]).arg(&store).output().unwrap();
    assert!(out.status.success());
    // Summary line -> study outcome (and variant for measure success: protection measures).
    let ids: BTreeMap<&str, (&str, &str)> = [
        ("de-escalation after a spell start", ("deescalation", "")),
        ("escalation after a spell start (doorstroom)", ("escalation", "")),
        ("re-entry after a spell end (herhaald beroep)", ("reentry", "")),
        ("re-report after a measure end", ("rereport_after_measure", "")),
        ("re-report after a report (hermelding)", ("rereport", "")),
        ("re-report after a spell end", ("rereport_after_spell", "")),
        ("re-report in the household after a report (family view)", ("rereport_household", "")),
        ("regular ending (per closed episode)", ("regular_ending", "")),
        ("goal attained fully or partly", ("goal_attainment", "")),
        ("satisfaction >= 7", ("satisfaction", "")),
        ("protection measure ended goal_reached (succesvol beeindigd)", ("measure_success", "protection")),
        ("out-of-home placement during a protection measure", ("out_of_home_during_measure", "")),
    ]
    .into_iter()
    .collect();
    let mut want: BTreeMap<(String, String, String), (u64, u64)> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = v.get("outcome").or_else(|| v.get("indicator")).and_then(|n| n.as_str()).unwrap();
        let Some((id, variant)) = ids.get(name) else {
            panic!("summary line {name} has no study outcome in this test");
        };
        let window = v.get("window_days").map_or(String::new(), ToString::to_string);
        let count = v.get("events").or_else(|| v.get("count")).and_then(serde_json::Value::as_u64).unwrap();
        let n = v["denominator"].as_u64().unwrap();
        want.insert(((*id).to_owned(), (*variant).to_owned(), window), (count, n));
    }
    assert_eq!(want.len(), 18, "{want:?}");
    let got: BTreeMap<(String, String, String), (u64, u64)> = query(
        &store,
        &format!(
            "SELECT outcome, variant, coalesce(window_days::VARCHAR, ''), count, denominator
             FROM read_parquet('{}') WHERE region_level = 'national' AND region = 'NL' AND split = 'total'",
            dir.join("tables.parquet").display()
        ),
    )
    .into_iter()
    .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), (r[3].parse().unwrap(), r[4].parse().unwrap())))
    .collect();
    for (key, figure) in &want {
        assert_eq!(got.get(key), Some(figure), "{key:?}");
    }
    // The outcomes the summary does not print are there too (dropout, transitions, ...).
    for id in ["prior_care", "dropout", "external_ending", "unknown_ending", "transitions"] {
        assert!(got.keys().any(|k| k.0 == id), "no {id} row");
    }
}

#[test]
fn care_use_rates_equal_brute_force_counts_over_raw_population_rows_and_a_hand_standardisation() {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::{Datelike, NaiveDate};

    use crate::common::query;
    let (tmp, store) = crate::common::scenario_store("small", true);
    let dir = run_study(
        tmp.path(),
        &store,
        "rates",
        "name = \"rates\"\noutcomes = [\"care_use\"]\nperiods = \"year\"\nsplits = [\"age_band\"]\n\
         region_levels = [\"national\", \"municipality\"]\n",
    );
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let persons: BTreeMap<String, (NaiveDate, String)> =
        query(&store, "SELECT person_id, birth_date::VARCHAR, sex FROM persons")
            .into_iter()
            .map(|r| (r[0].clone(), (date(&r[1]), r[2].clone())))
            .collect();
    let mut episodes: BTreeMap<String, Vec<(NaiveDate, Option<NaiveDate>)>> = BTreeMap::new();
    for r in query(&store, "SELECT person_id, start_date::VARCHAR, coalesce(end_date::VARCHAR, '') FROM care_episodes")
    {
        episodes.entry(r[0].clone()).or_default().push((date(&r[1]), (!r[2].is_empty()).then(|| date(&r[2]))));
    }
    let mut residence: BTreeMap<String, Vec<(NaiveDate, Option<NaiveDate>, String)>> = BTreeMap::new();
    for r in query(
        &store,
        "SELECT person_id, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, ''), municipality FROM residence",
    ) {
        residence.entry(r[0].clone()).or_default().push((
            date(&r[1]),
            (!r[2].is_empty()).then(|| date(&r[2])),
            r[3].clone(),
        ));
    }
    // Raw population rows (one source in `small`): (year, municipality, age, sex) -> residents.
    let mut pop: BTreeMap<(i32, String, i32, String), u64> = BTreeMap::new();
    for r in query(&store, "SELECT year::VARCHAR, municipality, age::VARCHAR, sex, count::VARCHAR FROM population") {
        *pop.entry((r[0].parse().unwrap(), r[1].clone(), r[2].parse().unwrap(), r[3].clone())).or_default() +=
            r[4].parse::<u64>().unwrap();
    }
    let age = |b: NaiveDate, d: NaiveDate| d.year() - b.year() - i32::from((d.month(), d.day()) < (b.month(), b.day()));
    // The first day at 18: the 18th birthday (29 February: 1 March in a common year).
    let eighteen = |b: NaiveDate| {
        NaiveDate::from_ymd_opt(b.year() + 18, b.month(), b.day())
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(b.year() + 18, 3, 1).unwrap())
    };
    let band = |a: i32| match a {
        0..=3 => "0-3",
        4..=11 => "4-11",
        _ => "12-17",
    };
    let got = query(
        &store,
        &format!(
            "SELECT period, region_level, region, split, split_value, count, denominator, population, rate_per_1000,
                    coalesce(rate_standardised::VARCHAR, '') FROM read_parquet('{}') WHERE outcome = 'care_use'",
            dir.join("tables.parquet").display()
        ),
    );
    let years: BTreeSet<i32> = got.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(years.len() >= 5, "{years:?}");
    let standard = *years.iter().max().unwrap();
    // Brute force: per (year, municipality, age, sex) the persons with care on a day of the
    // year at 0-17, placed by the residence valid on 31 December, else the row valid latest in
    // the year; counted only where the population table has that cell.
    let mut n: BTreeMap<(i32, String, i32, String), u64> = BTreeMap::new();
    for y in &years {
        let (first, last) = (NaiveDate::from_ymd_opt(*y, 1, 1).unwrap(), NaiveDate::from_ymd_opt(*y, 12, 31).unwrap());
        for (person, eps) in &episodes {
            let (birth, sex) = &persons[person];
            let until = last.min(eighteen(*birth).pred_opt().unwrap());
            let from = first.max(*birth);
            if !eps.iter().any(|(s, e)| *s <= until && e.is_none_or(|e| e >= from)) {
                continue;
            }
            let placed = residence.get(person).and_then(|rs| {
                rs.iter()
                    .filter(|(f, t, _)| *f <= last && t.is_none_or(|t| t >= first))
                    .max_by_key(|(f, t, m)| (t.map_or(last, |t| t.min(last)), *f, m.clone()))
            });
            let Some((_, _, m)) = placed else { continue };
            let a = age(*birth, first).max(0);
            let key = (*y, m.clone(), a, sex.clone());
            if pop.contains_key(&key) {
                *n.entry(key).or_default() += 1;
            }
        }
    }
    // Every published figure: count and population from the brute force and the raw rows, the
    // crude rate from them; the age-standardised rate by hand at the total rows.
    let std_weight: BTreeMap<i32, f64> = (0..=17)
        .map(|a| (a, pop.iter().filter(|(k, _)| k.0 == standard && k.2 == a).map(|(_, v)| *v as f64).sum::<f64>()))
        .collect();
    let mut checked_std = 0;
    for r in &got {
        let (y, level, region, split, value): (i32, &str, &str, &str, &str) =
            (r[0].parse().unwrap(), &r[1], &r[2], &r[3], &r[4]);
        let inside = |k: &(i32, String, i32, String)| {
            k.0 == y
                && (0..=17).contains(&k.2)
                && (level == "national" || k.1 == region)
                && (split == "total" || band(k.2) == value)
        };
        let count: u64 = n.iter().filter(|(k, _)| inside(k)).map(|(_, v)| v).sum();
        let population: u64 = pop.iter().filter(|(k, _)| inside(k)).map(|(_, v)| v).sum();
        assert_eq!((r[5].parse::<u64>().unwrap(), r[7].parse::<u64>().unwrap()), (count, population), "{r:?}");
        assert_eq!(r[6], r[7], "{r:?}: the denominator of a rate is its population");
        let rate = 1000.0 * count as f64 / population as f64;
        assert!((r[8].parse::<f64>().unwrap() - rate).abs() < 1e-9, "{r:?} vs {rate}");
        if split == "total" {
            // 1000 x sum_a w_a n_a / P_a over the ages with residents, w_a = national residents
            // of age a in the standard year over those of the ages used.
            let mut weighted = 0.0;
            let mut weights = 0.0;
            for a in 0..=17 {
                let in_age = |k: &(i32, String, i32, String)| inside(k) && k.2 == a;
                let p: u64 = pop.iter().filter(|(k, _)| in_age(k)).map(|(_, v)| v).sum();
                if p == 0 || std_weight[&a] == 0.0 {
                    continue;
                }
                let c: u64 = n.iter().filter(|(k, _)| in_age(k)).map(|(_, v)| v).sum();
                weighted += std_weight[&a] * c as f64 / p as f64;
                weights += std_weight[&a];
            }
            let want = 1000.0 * weighted / weights;
            let got_std: f64 = r[9].parse().unwrap();
            assert!((got_std - want).abs() < 1e-6, "{r:?}: standardised {got_std} vs {want}");
            if level == "national" && y == standard {
                assert!((got_std - rate).abs() < 1e-6, "national in the standard year: standardised = crude");
            }
            checked_std += 1;
        }
    }
    assert!(checked_std >= 5 * years.len(), "{checked_std}");
    assert!(n.values().sum::<u64>() > 1000, "{}", n.values().sum::<u64>());
}

#[test]
fn a_report_id_that_two_persons_share_is_counted_once_for_each_of_them() {
    // Report ids are the sources' own. Two more sources deliver every `small` person again under
    // new ids (benches/derive_delivery.py), and both give their copies the same report ids ("C" +
    // the original id), as the national follow-ups do. Re-reports (child view) and re-reports of
    // households (none here: the copies name no household) count each report of each person
    // once, so every national figure of the copies is the original's: the totals triple.
    let (tmp, store) = crate::common::scenario_store_latest("small");
    let text = "name = \"rr\"\nperiods = \"all\"\nsplits = [\"total\"]\nregion_levels = [\"national\"]\n\
                outcomes = [\"rereport\"]\n";
    let figures = |dir: &std::path::Path| -> Vec<(i64, i64, i64)> {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let sql = format!(
            "SELECT window_days, count, denominator FROM read_parquet('{}')
             WHERE region = 'NL' AND split = 'total' AND outcome = 'rereport' ORDER BY window_days",
            dir.join("tables.parquet").display()
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    crate::common::kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).assert().success();
    let once = figures(&run_study(tmp.path(), &store, "rr", text));
    assert!(once.len() >= 2 && once.iter().all(|&(_, c, d)| c > 0 && d > c), "{once:?}");
    let mut files = Vec::new();
    crate::hostile::walk(&tmp.path().join("synth"), &mut files);
    let mut deliveries: Vec<std::path::PathBuf> = files
        .into_iter()
        .filter(|p| p.ends_with("delivery.toml"))
        .filter_map(|p| p.parent().map(std::path::Path::to_path_buf))
        .collect();
    deliveries.sort();
    // The latest delivery of each source (deliveries are cumulative snapshots).
    let mut latest: std::collections::BTreeMap<String, std::path::PathBuf> = std::collections::BTreeMap::new();
    for d in deliveries {
        let toml = std::fs::read_to_string(d.join("delivery.toml")).unwrap();
        let source = toml.lines().find_map(|l| l.strip_prefix("source = ")).unwrap().trim_matches('"').to_owned();
        latest.insert(source, d);
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/derive_delivery.py");
    for (copy, offset) in [("copy1", "1000000000"), ("copy2", "2000000000")] {
        for (source, dir) in &latest {
            let out = tmp.path().join(format!("{source}-{copy}"));
            let name = format!("{source}-{copy}");
            let run = std::process::Command::new("python3")
                .arg(&script)
                .arg(dir)
                .arg(&out)
                .args(["--every", "1", "--source", &name, "--offset", offset])
                .output()
                .unwrap();
            assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
            crate::common::ingest_cmd(&out, &store, tmp.path()).assert().code(0);
        }
    }
    crate::common::kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).assert().success();
    let three = figures(&run_study(tmp.path(), &store, "rr", text));
    let want: Vec<(i64, i64, i64)> = once.iter().map(|&(w, c, d)| (w, 3 * c, 3 * d)).collect();
    assert_eq!(three, want);
}
