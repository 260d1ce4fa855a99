-- Measures of one bucket, unordered (sorted per person in Rust). params: the bucket's files (glob)
SELECT person_id, measure_id, kind, start_date, end_date, end_reason
FROM read_parquet(?);
