-- Care episodes of one bucket, unordered (sorted per person in Rust). params: bucket
SELECT person_id, episode_id, care_form, start_date, end_date, end_reason, municipality
FROM care_episodes
WHERE bucket = ?;
