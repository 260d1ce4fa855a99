-- One index per person: the earliest remaining.
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT person_id, min(index_date) AS index_date FROM cohort_step GROUP BY person_id;
