-- Persons and index events remaining.
SELECT count(DISTINCT person_id), count(*) FROM cohort_step
