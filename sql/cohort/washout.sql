-- Washout: no care episode active on any of the $1 days before the index date
-- ([index - N, index - 1]; an open episode is active until it ends).
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT c.* FROM cohort_step c
WHERE NOT EXISTS (
    SELECT 1 FROM care_episodes e
    WHERE e.person_id = c.person_id
      AND e.start_date <= c.index_date - 1
      AND coalesce(e.end_date, DATE '9999-12-31') >= c.index_date - $1::INTEGER
);
