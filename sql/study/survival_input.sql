-- The survival counts of the study, sorted by curve and time, so the curves come out in a
-- fixed order and each curve's rows come together.
SELECT cohort, region_level, region, time_days::BIGINT AS time_days, event, n::BIGINT AS n
FROM study_survival
ORDER BY cohort, region_level, region, time_days, event
