-- Care episodes of one bucket, unordered (sorted per person in Rust). params: the bucket's files (glob)
SELECT person_id, episode_id, care_form, start_date, end_date, end_reason, municipality
FROM read_parquet(?);
