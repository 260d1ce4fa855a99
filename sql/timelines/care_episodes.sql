-- Care episodes of one bucket, in timeline order. params: bucket
SELECT person_id, episode_id, care_form, start_date, end_date, end_reason, municipality
FROM care_episodes
WHERE bucket = ?
ORDER BY person_id, start_date, episode_id;
