-- The rows of the persons recomputed since the base files (incremental runs).
SELECT * FROM read_parquet('{{name}}/delta/*.parquet')
