-- The index children whose household view an incremental run recomputes: every child with a
-- report in a household that holds a report of a changed person, now or in the previous run
-- (a report counts for every child of its household), and the changed persons themselves
-- (their previous rows go even when they have none now). Everybody else's rows stay: their
-- own rows and every report of their households are unchanged.
CREATE OR REPLACE TEMP TABLE household_affected AS
WITH h AS (
    SELECT household_id FROM safety_reports
    WHERE household_id IS NOT NULL AND person_id IN (SELECT person_id FROM household_changed)
    UNION
    SELECT household_id FROM household_previous_changed
)
SELECT person_id FROM safety_reports WHERE household_id IN (SELECT household_id FROM h)
UNION
SELECT person_id FROM household_changed;
