-- The survival counts by curve number (km_curves.sql), in any order.
WITH curves AS (
    SELECT cohort, outcome, period, region_level, region,
           (row_number() OVER (ORDER BY cohort, outcome, period, region_level, region) - 1)::BIGINT AS curve
    FROM (SELECT DISTINCT cohort, outcome, period, region_level, region FROM study_km_cells)
)
SELECT c.curve, k.time_days::BIGINT AS time_days, k.event, k.n::BIGINT AS n
FROM study_km_cells k JOIN curves c USING (cohort, outcome, period, region_level, region)
