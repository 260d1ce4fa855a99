-- Survival tables to publish (data-schema/study_tables.md), one curve after the other, in time
-- order. params: the survival.parquet file
SELECT study, table_name, cohort, outcome, period, region_level, region, split, split_value,
       time, at_risk, events, censored, estimate, lower, upper
FROM read_parquet(?)
ORDER BY study, table_name, cohort, outcome, period, region_level, region, split, split_value, time
