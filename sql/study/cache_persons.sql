-- Persons in the study-index rows (the cache's base persons).
SELECT count(DISTINCT person_id) FROM study_index
