-- How many persons changed.
SELECT count(DISTINCT person_id) FROM changed;
