-- The study's survival curves, in the numbering of survival_input.sql.
SELECT DISTINCT cohort, region_level, region FROM study_survival ORDER BY cohort, region_level, region
