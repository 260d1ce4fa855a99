-- Independent oracle (plain SQL over the store views, docs/definitions.md §4.1.2): the follow-up end of
-- every person at age limit 18: the earliest of death, emigration, extracted_on and the 18th
-- birthday (29 February -> 1 March in a non-leap year). Used as a CTE prefix by the other
-- oracle queries: they start with `WITH fu AS (<this>)`.
SELECT person_id,
       least(death_date, emigration_date, extracted_on,
             CASE WHEN month(birth_date) = 2 AND day(birth_date) = 29
                       AND NOT ((year(birth_date) + 18) % 4 = 0 AND ((year(birth_date) + 18) % 100 <> 0 OR (year(birth_date) + 18) % 400 = 0))
                  THEN make_date(year(birth_date) + 18, 3, 1)
                  ELSE make_date(year(birth_date) + 18, month(birth_date), day(birth_date)) END) AS fu
FROM persons
