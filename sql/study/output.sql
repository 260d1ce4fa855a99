-- The study's tables as written (data-schema/study_tables.md): the rows of tables.sql with
-- their benchmarks ({{benchmarked}}: benchmarks.sql over study_tables), sorted by every key
-- column so that the files are byte-identical for the same inputs. params: $1 study name
SELECT $1 AS study, table_name, cohort, outcome, variant, window_days, period, region_level, region, region_name,
       split, split_value, count, denominator, percentage, ci_lower, ci_upper, population, rate_per_1000,
       rate_standardised, rate_standardised_lower, rate_standardised_upper, youth_region_of, municipality_of,
       group_of, bench_national, vs_national, bench_youth_region, vs_youth_region, bench_municipality,
       vs_municipality, bench_group, vs_group, bench_previous, vs_previous
FROM ({{benchmarked}})
ORDER BY table_name, cohort, outcome, variant, window_days NULLS FIRST, period, region_level, region, split, split_value
