-- The median number of providers per family (docs/definitions.md §4.8.6) from the published
-- `family_providers` rows only (`published`, tables_out.sql): per cell (table, cohort, window,
-- period, region, split, category), the category holding the middle family of the published
-- category counts in the order 0, 1, 2, 3_or_more — the family at position (n + 1) // 2 and the
-- one at n // 2 + 1 (the same one when n is odd); `a-b` when the two middle families of an even
-- n lie in two categories. No median where a category of the cell is suppressed or n is 0.
WITH p AS (
    SELECT study, table_name, cohort, window_days, period, region_level, region, region_name, split, split_value,
           variant AS category, count,
           CASE variant WHEN '0' THEN 0 WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3_or_more' THEN 3 END AS rank
    FROM published WHERE outcome = 'family_providers'
),
c AS (
    SELECT p.*,
           sum(count) OVER (PARTITION BY study, table_name, cohort, window_days, period, region_level, region, split, split_value
                            ORDER BY rank) AS cum,
           sum(count) OVER (PARTITION BY study, table_name, cohort, window_days, period, region_level, region, split, split_value) AS n,
           bool_and(count IS NOT NULL) OVER (PARTITION BY study, table_name, cohort, window_days, period, region_level, region,
                                             split, split_value) AS shown
    FROM p
),
m AS (
    SELECT study, table_name, cohort, window_days, period, region_level, region, region_name, split, split_value,
           any_value(shown AND n > 0) AS known,
           arg_min(category, rank) FILTER (WHERE cum >= (n + 1) // 2) AS lo,
           arg_min(category, rank) FILTER (WHERE cum >= n // 2 + 1) AS hi
    FROM c GROUP BY ALL
)
SELECT study, table_name, cohort, 'family_providers' AS outcome, window_days, period, region_level, region, region_name,
       split, split_value,
       CASE WHEN known THEN CASE WHEN lo = hi THEN lo ELSE lo || '-' || hi END END AS median_category
FROM m
ORDER BY study, table_name, cohort, window_days, period, region_level, region, split, split_value
