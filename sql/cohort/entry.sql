-- Step 0 of a cohort: every candidate index event of the entry kind (one per person and date).
-- Spells come from the current outcome run (`spells`, gap as configured there). kohort puts in
-- the one query of the entry kind (sql/cohort/entry/<kind>.sql: each reads only its own table).
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT DISTINCT person_id, index_date FROM (
{{events}}
);
