-- Persons in the study rows and rate rows (the cache's base persons).
SELECT count(*) FROM (SELECT person_id FROM study_rows UNION SELECT person_id FROM study_rate_rows)
