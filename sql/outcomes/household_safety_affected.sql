-- The safety rows an incremental household view reads: those of the children it recomputes.
CREATE OR REPLACE TEMP VIEW household_safety AS
SELECT * FROM safety WHERE person_id IN (SELECT person_id FROM household_affected);
