-- The study rows: every index row of the study units with what the tables need, dated and
-- placed (docs/definitions.md §5.5, §5.13): its period (year, quarter or all) and index year
-- from the figure's date, the municipality and district of the residence row valid that day
-- (latest valid_from, then the highest codes; `unknown` without one), the person's sex and the
-- age band on that day, and the person's site (the `source` of the persons row the store picks:
-- a day-precise birth date, then the latest extracted_on, then the source that sorts first, as
-- sql/views.sql; read from the store's files so an incremental run sees the same). Sex and age
-- band are those of the row's subject (`subject_id`, else the person). Rows dated outside the
-- study's range are left out.
-- The rows' order is not part of any result (every later step groups or sorts), so DuckDB need
-- not keep it here: keeping it made this statement run out of memory at the default 2 GB on a
-- national store (32 M units joined to every person row); without it, the same tables. The
-- persons, places and sites the rows need are made one at a time first (each in a table of its
-- own), so that no two of their joins and windows hold memory at once: in one statement the
-- national store with five sources still ran out of memory at 2 GB.
SET preserve_insertion_order = false;
CREATE OR REPLACE TEMP TABLE study_rows_people AS
SELECT person_id, sex, birth_date FROM persons
WHERE person_id IN (SELECT coalesce(subject_id, person_id) FROM study_units);
CREATE OR REPLACE TEMP TABLE study_rows_placed AS
WITH pts AS (SELECT DISTINCT person_id, figure_date FROM study_units)
SELECT pt.person_id, pt.figure_date,
       arg_max(r.municipality, (r.valid_from, r.municipality, coalesce(r.district, ''))) AS municipality,
       arg_max(r.district, (r.valid_from, r.municipality, coalesce(r.district, ''))) AS district
FROM pts pt JOIN residence r
  ON r.person_id = pt.person_id AND r.valid_from <= pt.figure_date
 AND (r.valid_to IS NULL OR pt.figure_date <= r.valid_to)
GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE study_rows_sites AS
SELECT person_id, arg_min(source, (birth_date_precision <> 'day', DATE '9999-12-31' - extracted_on, source)) AS site
FROM read_parquet('persons/*/*.parquet')
WHERE person_id IN (SELECT person_id FROM study_units)
GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE study_rows AS
WITH s AS (SELECT * FROM study_settings)
SELECT u.cohort, u.person_id, u.outcome, u.sub, u.window_days, u.category, u.time_days, u.event,
       CASE s.period_kind WHEN 'year' THEN year(u.figure_date)::VARCHAR
                          WHEN 'quarter' THEN year(u.figure_date) || 'Q' || quarter(u.figure_date)
                          ELSE 'all' END AS period,
       year(u.figure_date)::INTEGER AS index_year,
       coalesce(pl.municipality, 'unknown') AS municipality, study_district(pl.municipality, pl.district) AS district,
       p.sex, study_band(study_age(p.birth_date, u.figure_date)) AS age_band,
       u.level, u.care_form, u.measure_kind, u.report_kind, coalesce(st.site, 'unknown') AS site,
       u.provider
FROM study_units u CROSS JOIN s
JOIN study_rows_people p ON p.person_id = coalesce(u.subject_id, u.person_id)
LEFT JOIN study_rows_placed pl ON pl.person_id = u.person_id AND pl.figure_date = u.figure_date
LEFT JOIN study_rows_sites st ON st.person_id = u.person_id
WHERE (s.from_q IS NULL OR study_q(u.figure_date) >= s.from_q) AND (s.to_q IS NULL OR study_q(u.figure_date) <= s.to_q);
DROP TABLE study_rows_people;
DROP TABLE study_rows_placed;
DROP TABLE study_rows_sites;
SET preserve_insertion_order = true;
