-- The benchmark columns of every row (docs/definitions.md §5.12), from the rows of {{rows}} (a
-- relation with the study-table columns; the export passes its published rows, so a figure
-- that is not published is no benchmark): the headline figure (percentage, or rate per 1,000
-- for rate outcomes) of the top row (national or the cohort's total), of the youth region, of
-- the municipality (district rows), of the group of comparable municipalities (municipality
-- rows) and of the same region in the previous period, each with its flag
-- (benchmark_macros.sql). Rows are matched within their table, cohort, outcome, variant,
-- window, split and category.
WITH t AS (
    SELECT *, CASE WHEN population IS NULL THEN percentage ELSE rate_per_1000 END AS figure_,
           CASE WHEN population IS NULL THEN denominator ELSE population END AS n_,
           coalesce(window_days, -1) AS w_, study_previous(period) AS prev_
    FROM {{rows}}
)
SELECT t.* EXCLUDE (figure_, n_, w_, prev_),
       nat.figure_ AS bench_national, study_vs_part(t.count, t.n_, nat.count, nat.n_) AS vs_national,
       yr.figure_ AS bench_youth_region, study_vs_part(t.count, t.n_, yr.count, yr.n_) AS vs_youth_region,
       mu.figure_ AS bench_municipality, study_vs_part(t.count, t.n_, mu.count, mu.n_) AS vs_municipality,
       gr.figure_ AS bench_group, study_vs_part(t.count, t.n_, gr.count, gr.n_) AS vs_group,
       pr.figure_ AS bench_previous, study_z_flag(t.count, t.n_, pr.count, pr.n_) AS vs_previous
FROM t
LEFT JOIN t nat
  ON nat.region_level IN ('national', 'cohort') AND t.region_level NOT IN ('national', 'cohort')
 AND nat.table_name = t.table_name AND nat.cohort = t.cohort AND nat.outcome = t.outcome AND nat.variant = t.variant
 AND nat.w_ = t.w_ AND nat.period = t.period AND nat.split = t.split AND nat.split_value = t.split_value
LEFT JOIN t yr
  ON yr.region_level = 'youth_region' AND yr.region = t.youth_region_of
 AND yr.table_name = t.table_name AND yr.cohort = t.cohort AND yr.outcome = t.outcome AND yr.variant = t.variant
 AND yr.w_ = t.w_ AND yr.period = t.period AND yr.split = t.split AND yr.split_value = t.split_value
LEFT JOIN t mu
  ON mu.region_level = 'municipality' AND mu.region = t.municipality_of
 AND mu.table_name = t.table_name AND mu.cohort = t.cohort AND mu.outcome = t.outcome AND mu.variant = t.variant
 AND mu.w_ = t.w_ AND mu.period = t.period AND mu.split = t.split AND mu.split_value = t.split_value
LEFT JOIN t gr
  ON gr.region_level = 'municipality_group' AND gr.region = t.group_of
 AND gr.table_name = t.table_name AND gr.cohort = t.cohort AND gr.outcome = t.outcome AND gr.variant = t.variant
 AND gr.w_ = t.w_ AND gr.period = t.period AND gr.split = t.split AND gr.split_value = t.split_value
LEFT JOIN t pr
  ON pr.region_level = t.region_level AND pr.region = t.region AND pr.period = t.prev_
 AND pr.table_name = t.table_name AND pr.cohort = t.cohort AND pr.outcome = t.outcome AND pr.variant = t.variant
 AND pr.w_ = t.w_ AND pr.split = t.split AND pr.split_value = t.split_value
