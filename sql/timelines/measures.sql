-- Measures of one bucket, in timeline order. params: bucket
SELECT person_id, measure_id, kind, start_date, end_date, end_reason
FROM measures
WHERE bucket = ?
ORDER BY person_id, start_date, measure_id;
