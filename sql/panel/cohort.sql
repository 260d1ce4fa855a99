-- The panel's members: each person's first remaining index of the cohort (cohort_step) with the
-- exit date of sql/cohort/members.sql, spliced in below ($1 = exit age; the exit is person-level).
CREATE OR REPLACE TEMP TABLE panel_cohort AS
SELECT person_id, min(index_date) AS index_date, min(exit_date) AS exit_date, count(*) AS indexes
FROM (
{{members}}
) GROUP BY person_id;
