-- The published rows with their benchmarks ({{benchmarked}}: sql/study/benchmarks.sql over the
-- `published` table of tables_out.sql), in the input's order.
SELECT study, table_name, cohort, outcome, variant, window_days, period, region_level, region, region_name,
       split, split_value, count, denominator, percentage, ci_lower, ci_upper, population, rate_per_1000,
       youth_region_of, municipality_of, group_of, bench_national, vs_national, bench_youth_region,
       vs_youth_region, bench_municipality, vs_municipality, bench_group, vs_group, bench_previous, vs_previous,
       suppressed, reason
FROM ({{benchmarked}})
ORDER BY row_no
