-- The members with their exit (censoring) date: the earliest of death, emigration, the data
-- end and the birthday at the exit age $1 (29 February -> 1 March), as the outcome engine's
-- follow-up end. Sorted, so the file is deterministic.
SELECT c.person_id, c.index_date,
       least(coalesce(p.death_date, DATE '9999-12-31'), coalesce(p.emigration_date, DATE '9999-12-31'),
             p.extracted_on,
             CASE WHEN month(p.birth_date) = 2 AND day(p.birth_date) = 29
                       AND NOT ((year(p.birth_date) + $1) % 4 = 0
                                AND ((year(p.birth_date) + $1) % 100 <> 0 OR (year(p.birth_date) + $1) % 400 = 0))
                  THEN make_date(year(p.birth_date) + $1, 3, 1)
                  ELSE make_date(year(p.birth_date) + $1, month(p.birth_date), day(p.birth_date)) END) AS exit_date
FROM cohort_step c JOIN persons p USING (person_id)
ORDER BY c.person_id, c.index_date
