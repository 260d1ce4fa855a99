-- The comparison table of activities (docs/definitions.md §5.14, data-schema/study_file.md),
-- filled row by row by kohort (row_no keeps its order).
CREATE OR REPLACE TEMP TABLE study_comparison (
    row_no BIGINT, study VARCHAR, cohort VARCHAR, reference VARCHAR, outcome VARCHAR, variant VARCHAR,
    window_days BIGINT, count BIGINT, denominator BIGINT, percentage DOUBLE,
    reference_count BIGINT, reference_denominator BIGINT, reference_percentage DOUBLE,
    difference DOUBLE, difference_lower DOUBLE, difference_upper DOUBLE,
    standardised DOUBLE, standardised_lower DOUBLE, standardised_upper DOUBLE, reference_standardised DOUBLE,
    standardised_difference DOUBLE, standardised_difference_lower DOUBLE, standardised_difference_upper DOUBLE,
    strata BIGINT, before_cohort VARCHAR, before_count BIGINT, before_denominator BIGINT, before_percentage DOUBLE,
    before_difference DOUBLE, before_difference_lower DOUBLE, before_difference_upper DOUBLE
);
