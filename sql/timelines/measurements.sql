-- Measurements of one bucket, in timeline order. params: bucket
SELECT person_id, measurement_id, episode_id, instrument, moment, date, value
FROM measurements
WHERE bucket = ?
ORDER BY person_id, date, measurement_id;
