-- Measurements of one bucket, unordered (sorted per person in Rust). params: the bucket's files (glob)
SELECT person_id, measurement_id, episode_id, instrument, moment, date, value
FROM read_parquet(?);
