-- The new delta of the household view: the previous delta rows of the children not
-- recomputed, and the recomputed children's rows, in the table's order.
SELECT * FROM household_previous_delta WHERE person_id NOT IN (SELECT person_id FROM household_affected)
UNION ALL
SELECT * FROM household_recomputed
ORDER BY person_id, index_no, household_id
