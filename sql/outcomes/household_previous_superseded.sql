-- An incremental run's household view, from the previous run: the persons whose base rows its
-- delta superseded. params: $1 that list's file (or any file with person_id), $2 whether the
-- previous run had one
CREATE OR REPLACE TEMP TABLE household_previous_superseded AS
SELECT person_id FROM read_parquet($1) WHERE $2;
