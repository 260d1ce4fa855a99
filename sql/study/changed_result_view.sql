-- A per-person result table of the outcome run, restricted to the changed persons (files: the
-- run's delta files, which hold every person recomputed since its base files, or its files).
CREATE VIEW "{{name}}" AS SELECT * FROM read_parquet('{{files}}') SEMI JOIN study_changed USING (person_id);
