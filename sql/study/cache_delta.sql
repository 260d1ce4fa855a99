-- A cached per-person table's new delta: the previous delta rows of the persons not changed
-- again, and the changed persons' new rows. params: $1 the previous delta file
SELECT * FROM read_parquet($1) WHERE person_id NOT IN (SELECT person_id FROM study_changed)
UNION ALL
SELECT * FROM {{rows}}
