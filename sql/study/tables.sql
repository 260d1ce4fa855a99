-- The study's tables in the tidy long form of data-schema/study_tables.md: per cohort, outcome
-- and window; national (NL), every municipality and every youth region side by side (mirror
-- data); split by nothing (total), sex, age band at index, index year (the trend), the index
-- spell's level and its first care form. One table
-- per split (`by_<split>`), each holding its own copy of the total rows, from the cells of
-- cells.sql: count = events within the window, denominator = events + no events. Wilson 95%
-- interval in percent. params: $1 study name
WITH cells AS (SELECT * FROM study_cells),
tabled AS (
    SELECT 'by_' || split AS table_name, * FROM cells WHERE split <> 'total'
    UNION ALL
    SELECT 'by_' || t.split AS table_name, c.*
    FROM cells c CROSS JOIN (VALUES ('sex'), ('age_band'), ('index_year'), ('level'), ('care_form')) t(split)
    WHERE c.split = 'total'
),
w AS (
    SELECT *, count / denominator::DOUBLE AS p, 1.959963984540054 AS z FROM tabled
)
SELECT $1 AS study, table_name, cohort, outcome, window_days::INTEGER AS window_days, 'all' AS period,
       region_level, region, split, split_value, count::BIGINT AS count, denominator::BIGINT AS denominator,
       100 * p AS percentage,
       100 * (p + z * z / (2 * denominator) - z * sqrt(p * (1 - p) / denominator + z * z / (4 * denominator * denominator)))
           / (1 + z * z / denominator) AS ci_lower,
       100 * (p + z * z / (2 * denominator) + z * sqrt(p * (1 - p) / denominator + z * z / (4 * denominator * denominator)))
           / (1 + z * z / denominator) AS ci_upper,
       NULL::BIGINT AS population, NULL::DOUBLE AS rate_per_1000
FROM w
ORDER BY study, table_name, cohort, outcome, window_days, period, region_level, region, split, split_value
