-- Age at entry in completed years, between $1 and $2 inclusive (a 29 February birthday is
-- reached on 1 March in other years, as in the outcome engine).
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT c.* FROM cohort_step c JOIN persons p USING (person_id)
WHERE year(c.index_date) - year(p.birth_date)
      - CASE WHEN month(c.index_date) < month(p.birth_date)
               OR (month(c.index_date) = month(p.birth_date) AND day(c.index_date) < day(p.birth_date))
             THEN 1 ELSE 0 END BETWEEN $1 AND $2;
