-- The store views of an incremental study run, restricted to the changed persons: every rule
-- of a cohort and every column of a study-index row depends on the person's own rows only, so
-- these give exactly the changed persons' rows of a full run. Their person rows are the ones
-- the outcome run used (run_persons: the cross-source pick of sql/views.sql, every cohort
-- member being in the run); their care episodes are read once, with the columns the cohort
-- rules and the index rows use.
CREATE VIEW persons AS SELECT * FROM run_persons;
CREATE TABLE changed_care_episodes AS
SELECT person_id, episode_id, care_form, start_date, end_date
FROM read_parquet('care_episodes/*/*.parquet')
WHERE person_id IN (SELECT person_id FROM study_changed);
CREATE VIEW care_episodes AS SELECT * FROM changed_care_episodes;
CREATE VIEW measures AS SELECT * FROM read_parquet('measures/*/*.parquet') SEMI JOIN study_changed USING (person_id);
CREATE VIEW safety_reports AS
SELECT * FROM read_parquet('safety_reports/*/*.parquet') SEMI JOIN study_changed USING (person_id);
