-- The previous run's household view of safety, as an incremental run needs it: the persons
-- whose base rows its delta superseded, its delta rows, and the changed persons' rows (base
-- rows not superseded, plus delta rows). The relations are filled in by kohort.
CREATE OR REPLACE TEMP TABLE household_previous_superseded AS {{superseded}};
CREATE OR REPLACE TEMP TABLE household_previous_delta AS {{delta}};
CREATE OR REPLACE TEMP TABLE household_previous_changed AS
SELECT * FROM read_parquet({{base}})
WHERE person_id IN (SELECT person_id FROM household_changed)
  AND person_id NOT IN (SELECT person_id FROM household_previous_superseded)
UNION ALL
SELECT * FROM household_previous_delta WHERE person_id IN (SELECT person_id FROM household_changed);
