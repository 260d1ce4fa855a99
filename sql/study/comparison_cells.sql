-- The cells a comparison of activities is computed from (docs/definitions.md §5.14): each
-- cohort's top rows (level national or cohort) of period `all`, split total and sex*age_band,
-- of a study table file (the study's own, or the export's published one: a suppressed row has
-- no count). params: $1 the tables.parquet file
SELECT cohort, outcome, coalesce(variant, '') AS variant, window_days::BIGINT AS window_days, split, split_value,
       count::BIGINT, denominator::BIGINT
FROM read_parquet($1, union_by_name = true)
WHERE region_level IN ('national', 'cohort') AND period = 'all' AND split IN ('total', 'sex*age_band')
ORDER BY cohort, outcome, variant, window_days, split, split_value
