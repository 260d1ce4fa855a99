-- The rows of a disclosure-controlled export (tables.parquet of `kohort export tables`) that the
-- factsheets show, in file order: file_row_number is the row of tables.csv (0 = the first data
-- row), the id a page gives every figure it shows (data-k="<row>.<field>").
-- params: the export's tables.parquet
SELECT file_row_number, study, cohort, outcome, variant, window_days, period, region_level, region,
       region_name, split, split_value, count, denominator, percentage, ci_lower, ci_upper, population,
       rate_per_1000, youth_region_of, municipality_of, group_of,
       bench_national, vs_national, bench_youth_region, vs_youth_region, bench_municipality,
       vs_municipality, bench_group, vs_group, bench_previous, vs_previous, suppressed
FROM read_parquet(?, file_row_number = true)
ORDER BY file_row_number
