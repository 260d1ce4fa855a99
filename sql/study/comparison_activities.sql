-- The activities of a comparison file with their reference, before cohort and outcomes, in file order
-- (what the export recomputes from the published cells). params: $1 comparison.parquet
SELECT cohort, reference, any_value(before_cohort) AS before_cohort, string_agg(DISTINCT outcome, ',') AS outcomes,
       any_value(study) AS study
FROM read_parquet($1, file_row_number = true)
GROUP BY cohort, reference
ORDER BY min(file_row_number)
