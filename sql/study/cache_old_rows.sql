-- The changed persons' previous rows of a cached per-person table: its base file without the
-- persons superseded since, plus its delta file. params: $1 base, $2 superseded, $3 delta
CREATE OR REPLACE TEMP TABLE {{name}} AS
SELECT * FROM read_parquet($1)
WHERE person_id IN (SELECT person_id FROM study_changed)
  AND person_id NOT IN (SELECT person_id FROM read_parquet($2))
UNION ALL
SELECT * FROM read_parquet($3) WHERE person_id IN (SELECT person_id FROM study_changed);
