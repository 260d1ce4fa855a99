-- The store views of an incremental study run, restricted to the changed persons: every rule
-- of a cohort and every column of a study row depends on the person's own rows only, so
-- these give exactly the changed persons' rows of a full run. Their person rows are the ones
-- the outcome run used (run_persons: the cross-source pick of sql/views.sql; a person without
-- care, measures, reports or measurements has no study row). Care episodes and residence:
-- changed_care.sql and changed_residence.sql. The population is read whole: the rates use it
-- only when the counts are turned into figures.
CREATE VIEW persons AS SELECT * FROM run_persons;
CREATE VIEW measures AS SELECT * FROM read_parquet('measures/*/*.parquet') SEMI JOIN study_changed USING (person_id);
CREATE VIEW safety_reports AS
SELECT * FROM read_parquet('safety_reports/*/*.parquet') SEMI JOIN study_changed USING (person_id);
CREATE VIEW population AS SELECT * FROM read_parquet('population/*/*.parquet');
