-- A cached per-person table's new delta: the previous delta rows of the persons not changed
-- again, and the changed persons' new rows.
SELECT * FROM read_parquet({{previous}}) WHERE person_id NOT IN (SELECT person_id FROM study_changed)
UNION ALL
SELECT * FROM {{rows}}
