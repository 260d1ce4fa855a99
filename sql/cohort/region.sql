-- Region at entry: a residence row valid on the index date (both ends inclusive) in one of the
-- listed municipalities.
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT c.* FROM cohort_step c
WHERE EXISTS (
    SELECT 1 FROM residence r
    WHERE r.person_id = c.person_id AND r.valid_from <= c.index_date
      AND (r.valid_to IS NULL OR c.index_date <= r.valid_to)
      AND r.municipality IN (SELECT municipality FROM cohort_munis)
);
