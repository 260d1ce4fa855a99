-- A per-person result table without rows for any changed person (no delta file).
CREATE VIEW "{{name}}" AS SELECT * FROM read_parquet('{{name}}/*.parquet') LIMIT 0;
