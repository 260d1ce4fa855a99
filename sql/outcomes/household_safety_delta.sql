-- household_safety_affected.sql when every child it recomputes is among the persons the
-- per-bucket deltas hold: their safety rows are read from the delta files alone.
CREATE OR REPLACE TEMP VIEW household_safety AS
SELECT * FROM read_parquet('safety/delta/*.parquet') WHERE person_id IN (SELECT person_id FROM household_affected);
