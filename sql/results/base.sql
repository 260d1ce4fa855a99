-- A result table's base files (a full run's, or the last compaction's), whole.
SELECT * FROM read_parquet('{{name}}/*.parquet')
