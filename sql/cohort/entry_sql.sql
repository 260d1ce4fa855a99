-- Step 0 of a cohort given as SQL: the user's query (the text of their cohort file, trusted: it
-- runs with the user's rights), returning person_id and index_date.
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT DISTINCT person_id::VARCHAR AS person_id, index_date::DATE AS index_date FROM (
{{query}}
);
