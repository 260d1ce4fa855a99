-- Every person whose base rows in the cache are superseded: the previous ones and the
-- changed ones, sorted. params: $1 the previous superseded file
SELECT person_id FROM read_parquet($1) UNION SELECT person_id FROM study_changed ORDER BY person_id
