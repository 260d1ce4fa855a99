-- The changed persons with the tables their rows changed in, sorted (written to
-- changes/NNNNNN-<source>.parquet; change lists of older kohort versions have no table_name).
-- A row can be here twice (a person changed through both person columns of a table): the
-- writer drops the repeats, which the sort puts side by side, and counts the persons.
SELECT person_id, table_name FROM changed ORDER BY 1, 2;
