-- The persons changed since a run: the union of the store's change lists for every later
-- version (STORE/changes/NNNNNN-<source>.parquet). params: the list of change files
SELECT DISTINCT person_id FROM read_parquet($1) WHERE person_id IS NOT NULL;
