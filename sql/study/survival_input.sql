-- The survival counts of the study by curve: curve numbers follow the curves' sorted order
-- (cohort, region level, region), so the curves come out in a fixed order; a curve's rows
-- come in any order (the estimator sorts them).
WITH curves AS (
    SELECT cohort, region_level, region,
           (row_number() OVER (ORDER BY cohort, region_level, region) - 1)::BIGINT AS curve
    FROM (SELECT DISTINCT cohort, region_level, region FROM study_survival)
)
SELECT c.curve, s.time_days::BIGINT AS time_days, s.event, s.n::BIGINT AS n
FROM study_survival s JOIN curves c USING (cohort, region_level, region)
