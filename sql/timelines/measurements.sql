-- Measurements of one bucket, unordered (sorted per person in Rust). params: bucket
SELECT person_id, measurement_id, episode_id, instrument, moment, date, value
FROM measurements
WHERE bucket = ?;
