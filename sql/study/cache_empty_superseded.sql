-- No superseded persons: the list of a fresh cache.
SELECT person_id FROM study_rows LIMIT 0
