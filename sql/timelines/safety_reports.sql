-- Safety reports of one bucket, unordered (sorted per person in Rust). params: the bucket's files (glob)
SELECT person_id, report_id, household_id, report_date, kind
FROM read_parquet(?);
