-- Inputs of a study run, filled by kohort (src/study/mod.rs): the settings, the cohort members
-- and which outcomes each cohort has indexes for, the region levels, the periods of the rate
-- outcomes, the youth-region mapping, the region names, and the kinds of the outcomes.
CREATE OR REPLACE TEMP TABLE study_settings (
    period_kind VARCHAR,     -- year, quarter or all
    from_q INTEGER,          -- first period as year * 4 + quarter - 1 (NULL: open)
    to_q INTEGER,            -- last period, the same way
    use_cohort_date BOOLEAN, -- region_date = cohort
    standard_year INTEGER,   -- standard population of age-standardised rates
    class_year INTEGER,      -- population year of the size classes of period `all`
    parent_year INTEGER      -- mapping year of the youth region a row of period `all` lies in
);
CREATE OR REPLACE TEMP TABLE study_members (cohort VARCHAR, person_id VARCHAR, index_date DATE);
-- Per cohort: its top level (national NL, or cohort total) and the outcomes it has indexes for.
CREATE OR REPLACE TEMP TABLE study_cohorts (cohort VARCHAR, top_level VARCHAR, top_region VARCHAR);
CREATE OR REPLACE TEMP TABLE study_applies (cohort VARCHAR, outcome VARCHAR);
CREATE OR REPLACE TEMP TABLE study_outcomes (outcome VARCHAR, kind VARCHAR, position INTEGER);
CREATE OR REPLACE TEMP TABLE study_levels (level VARCHAR);
CREATE OR REPLACE TEMP TABLE study_curve_levels (level VARCHAR);
CREATE OR REPLACE TEMP TABLE study_split_tables (split VARCHAR, table_name VARCHAR);
CREATE OR REPLACE TEMP TABLE study_periods (period VARCHAR, year INTEGER, first_day DATE, last_day DATE, ref_day DATE);
CREATE OR REPLACE TEMP TABLE study_regions (municipality VARCHAR, youth_region VARCHAR, from_year INTEGER, to_year INTEGER);
CREATE OR REPLACE TEMP TABLE study_names (region_level VARCHAR, region VARCHAR, name VARCHAR);
CREATE OR REPLACE TEMP TABLE study_group_members (municipality VARCHAR, grp VARCHAR);
CREATE OR REPLACE TEMP TABLE study_size_classes (grp VARCHAR, lower_bound BIGINT, upper_bound BIGINT);
-- What the family outcomes take from the study and the outcome run (family_index.sql,
-- docs/definitions.md §4.8.5): the kind of family index (report, measure_start, spell_start),
-- the safety age limit and same-incident days, the safety windows and the care forms the run's ladder places out of
-- home (§3.3).
CREATE OR REPLACE TEMP TABLE study_family_settings (entry VARCHAR, age_limit INTEGER, same_incident_days INTEGER);
CREATE OR REPLACE TEMP TABLE study_family_windows_of_run (window_days INTEGER);
CREATE OR REPLACE TEMP TABLE study_out_of_home_forms (care_form VARCHAR);

-- Age in completed years on day d (docs/definitions.md §5.3): the birthday is reached on the
-- day itself; 29 February is reached on 1 March in other years.
CREATE OR REPLACE TEMP MACRO study_age(b, d) AS
    year(d) - year(b) - CASE WHEN month(d) < month(b) OR (month(d) = month(b) AND day(d) < day(b)) THEN 1 ELSE 0 END;
-- The first day on which a person born on b is n years old.
CREATE OR REPLACE TEMP MACRO study_birthday(b, n) AS
    CASE WHEN month(b) = 2 AND day(b) = 29 AND NOT ((year(b) + n) % 4 = 0 AND ((year(b) + n) % 100 <> 0 OR (year(b) + n) % 400 = 0))
         THEN make_date(year(b) + n, 3, 1) ELSE make_date(year(b) + n, month(b), day(b)) END;
CREATE OR REPLACE TEMP MACRO study_band(a) AS
    CASE WHEN a BETWEEN 0 AND 3 THEN '0-3' WHEN a BETWEEN 4 AND 11 THEN '4-11' WHEN a BETWEEN 12 AND 17 THEN '12-17'
         WHEN a BETWEEN 18 AND 22 THEN '18-22' ELSE 'other' END;
-- A date's position in quarters (year * 4 + quarter - 1), to compare with the range.
CREATE OR REPLACE TEMP MACRO study_q(d) AS year(d) * 4 + quarter(d) - 1;
-- The district of a residence row: its WK code when it lies in the row's municipality (WK +
-- the municipality's 4 digits + 2), else the municipality's unknown district; `unknown` when
-- the municipality is unknown (docs/definitions.md §5.13).
CREATE OR REPLACE TEMP MACRO study_district(m, w) AS
    CASE WHEN m IS NULL THEN 'unknown'
         WHEN w IS NOT NULL AND length(w) = 8 AND left(w, 6) = 'WK' || substr(m, 3, 4) THEN w
         ELSE m || '-unknown' END;

-- What the outcome rows need from the store: the spells with their level, first care form and
-- first provider (of the first episode by start date, then episode id), the spell and the
-- provider of every episode, and the kind of every report. Providers are the store's
-- `provider_id` pseudonyms (`unknown` when the episode names none).
CREATE OR REPLACE TEMP VIEW study_spells AS
WITH first_form AS (
    SELECT se.person_id, se.spell_no, arg_min(e.care_form, (e.start_date, e.episode_id)) AS care_form,
           arg_min(coalesce(e.provider_id, 'unknown'), (e.start_date, e.episode_id)) AS provider
    FROM spell_episodes se JOIN care_episodes e ON e.episode_id = se.episode_id AND e.person_id = se.person_id
    GROUP BY ALL
)
SELECT s.person_id, s.spell_no, s.start, s."end", coalesce(s.index_level::VARCHAR, 'unknown') AS level,
       coalesce(f.care_form, 'unknown') AS care_form, coalesce(f.provider, 'unknown') AS provider
FROM spells s LEFT JOIN first_form f USING (person_id, spell_no);
CREATE OR REPLACE TEMP VIEW study_episode_spells AS
SELECT se.person_id, se.episode_id, s.start, coalesce(e.provider_id, 'unknown') AS provider
FROM spell_episodes se JOIN spells s USING (person_id, spell_no)
LEFT JOIN care_episodes e ON e.episode_id = se.episode_id AND e.person_id = se.person_id;
-- A report's kind by (person, report id): report ids are the sources' own, so two persons (two
-- sources) can share one; joined on the id alone, a report would count once per person holding it.
CREATE OR REPLACE TEMP VIEW study_report_kinds AS
SELECT person_id, report_id, min(kind) AS kind FROM safety_reports GROUP BY ALL;

-- The index rows of every outcome (units/*.sql), placed and dated by rows.sql. `subject_id`
-- (NULL but for family_children): the person whose sex and age band split the row, when it is
-- not the person (person_id) whose residence and site place it.
CREATE OR REPLACE TEMP TABLE study_units (
    cohort VARCHAR, outcome VARCHAR, person_id VARCHAR, figure_date DATE, sub VARCHAR, window_days INTEGER,
    category VARCHAR, time_days BIGINT, event BOOLEAN, level VARCHAR, care_form VARCHAR, measure_kind VARCHAR,
    report_kind VARCHAR, provider VARCHAR, subject_id VARCHAR
);
-- The persons of the rate outcomes, one row per person and period (units/care_*.sql).
CREATE OR REPLACE TEMP TABLE study_rate_rows (
    cohort VARCHAR, outcome VARCHAR, person_id VARCHAR, period VARCHAR, index_year INTEGER, municipality VARCHAR,
    district VARCHAR, sex VARCHAR, age INTEGER
);
