-- The changed persons with the tables their rows changed in, once each, sorted (written to
-- changes/NNNNNN-<source>.parquet; change lists of older kohort versions have no table_name).
SELECT DISTINCT person_id, table_name FROM changed ORDER BY 1, 2;
