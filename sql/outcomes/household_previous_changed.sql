-- An incremental run's household view, from the previous run: the changed persons' rows (base
-- rows not superseded, plus delta rows). params: $1 the base file
CREATE OR REPLACE TEMP TABLE household_previous_changed AS
SELECT * FROM read_parquet($1)
WHERE person_id IN (SELECT person_id FROM household_changed)
  AND person_id NOT IN (SELECT person_id FROM household_previous_superseded)
UNION ALL
SELECT * FROM household_previous_delta WHERE person_id IN (SELECT person_id FROM household_changed);
