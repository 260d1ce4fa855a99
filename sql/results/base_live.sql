-- A result table's base files without the rows of the persons recomputed since (an
-- incremental run lists them: per bucket in superseded/ for the per-bucket tables, beside
-- the table for a whole-run table); their rows are in the delta files.
SELECT * FROM read_parquet('{{name}}/*.parquet')
WHERE person_id NOT IN (SELECT person_id FROM read_parquet('{{superseded}}'))
