-- A timeline query (the query part) restricted to the persons listed in a table (an
-- incremental run reads only the persons whose data changed). Filtering after the
-- cross-source pick equals filtering before it: the pick is per person.
SELECT * FROM (
{{query}}
) WHERE person_id IN (SELECT person_id FROM {{only}})
