-- The index rows of one outcome in a cohort study: the indexes whose entry date (the spell
-- start, report date or measure start they belong to) is a member's index date, for the
-- cohorts the outcome applies to; dated by the member's index date (region_date = cohort) or
-- the outcome's own (docs/definitions.md §5.5, §5.10). {{units}} is the outcome's SELECT
-- (sql/study/units/<id>.sql; it may add `subject_id` and `provider`, setup.sql: inserted by
-- name, a column a unit lacks stays null). params: $1 the outcome id
INSERT INTO study_units BY NAME
SELECT m.cohort, $1 AS outcome, u.* EXCLUDE (entry_date, index_date),
       CASE WHEN (SELECT use_cohort_date FROM study_settings) THEN m.index_date ELSE u.index_date END AS figure_date
FROM ({{units}}) u
JOIN study_members m ON m.person_id = u.person_id AND m.index_date = u.entry_date
JOIN study_applies a ON a.cohort = m.cohort AND a.outcome = $1;
