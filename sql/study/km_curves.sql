-- The study's survival curves in a fixed order, numbered from 0.
SELECT cohort, outcome, period, region_level, region,
       (row_number() OVER (ORDER BY cohort, outcome, period, region_level, region) - 1)::BIGINT AS curve
FROM (SELECT DISTINCT cohort, outcome, period, region_level, region FROM study_km_cells)
ORDER BY curve
