-- Every person whose base rows in the cache are superseded: the previous ones and the
-- changed ones.
SELECT person_id FROM read_parquet({{previous}}) UNION SELECT person_id FROM study_changed
