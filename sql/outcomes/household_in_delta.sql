-- How many of the children to recompute are not among the persons the per-bucket deltas hold
-- (0: their safety rows can be read from the delta files alone).
SELECT count(*) FROM household_affected
WHERE person_id NOT IN (SELECT person_id FROM read_parquet('superseded/*.parquet'))
