-- The study tables to publish (data-schema/study_tables.md), numbered in a fixed order, with
-- the municipality group of municipality rows (a public membership: the export's relations
-- use it). Reads `input` (input.sql).
SELECT row_number() OVER (ORDER BY study, table_name, cohort, outcome, variant, window_days, period,
                                   region_level, region, split, split_value) AS row_no,
       study, table_name, cohort, outcome, coalesce(window_days::VARCHAR, '') AS window_days, period,
       region_level, region, split, split_value, count, denominator, variant, group_of
FROM input
ORDER BY row_no
