-- Every child whose base rows of the household view the new delta supersedes.
SELECT person_id FROM household_previous_superseded
UNION
SELECT person_id FROM household_affected
ORDER BY person_id
