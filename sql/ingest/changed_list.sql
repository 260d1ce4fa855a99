-- The changed persons, once each, sorted (written to changes/NNNNNN-<source>.parquet).
SELECT DISTINCT person_id FROM changed ORDER BY 1;
