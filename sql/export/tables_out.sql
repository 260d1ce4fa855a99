-- The published study tables: suppressed cells have no count, denominator, percentage, CI or
-- rate (reason says why); published counts and denominators are rounded to base $2 when
-- asked (1 = no rounding), and percentages, Wilson 95% intervals and rates are recomputed from
-- the published figures so none of them reveals more than the counts do.
-- params: the tables.parquet file, the rounding base
WITH t AS (
    SELECT row_number() OVER (ORDER BY study, table_name, cohort, outcome, window_days, period,
                                       region_level, region, split, split_value) AS row_no, *
    FROM read_parquet($1)
),
p AS (
    SELECT t.*, pattern.reason,
           CASE WHEN pattern.reason IS NULL THEN (t.count + $2 // 2) // $2 * $2 END AS c_pub,
           CASE WHEN pattern.reason IS NULL THEN (t.denominator + $2 // 2) // $2 * $2 END AS n_pub
    FROM t LEFT JOIN pattern USING (row_no)
),
w AS (
    SELECT *, c_pub / nullif(n_pub, 0)::DOUBLE AS p_hat, 1.959963984540054 AS z FROM p
)
SELECT study, table_name, cohort, outcome, window_days, period, region_level, region, split, split_value,
       c_pub AS count, n_pub AS denominator,
       100 * p_hat AS percentage,
       100 * (p_hat + z * z / (2 * n_pub) - z * sqrt(p_hat * (1 - p_hat) / n_pub + z * z / (4 * n_pub * n_pub)))
           / (1 + z * z / n_pub) AS ci_lower,
       100 * (p_hat + z * z / (2 * n_pub) + z * sqrt(p_hat * (1 - p_hat) / n_pub + z * z / (4 * n_pub * n_pub)))
           / (1 + z * z / n_pub) AS ci_upper,
       population,
       CASE WHEN c_pub IS NOT NULL THEN 1000.0 * c_pub / nullif(population, 0) END AS rate_per_1000,
       reason IS NOT NULL AS suppressed,
       reason
FROM w
ORDER BY row_no
