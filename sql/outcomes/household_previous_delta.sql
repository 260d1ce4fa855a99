-- An incremental run's household view, from the previous run: its delta rows.
-- params: $1 the delta file (or the base file), $2 whether the previous run had a delta
CREATE OR REPLACE TEMP TABLE household_previous_delta AS
SELECT * FROM read_parquet($1) WHERE $2;
