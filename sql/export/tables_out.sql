-- The published study tables: suppressed cells have no count, denominator, percentage, CI or
-- rate (reason says why); published counts and denominators are rounded to base $1 when
-- asked (1 = no rounding), and percentages, Wilson 95% intervals (within [0, 100]; none for a
-- rate whose count exceeds its population, which is no proportion) and rates
-- are recomputed from the published figures so none of them reveals more than the counts do.
-- The benchmarks are computed again over the published rows ({{benchmarked}}:
-- sql/study/benchmarks.sql over `published`), so a suppressed figure is no benchmark and no
-- flag. Age-standardised rates are not published (they combine the counts of every age, which
-- the suppression's relations do not hold; docs/definitions.md §6.5).
-- params: the rounding base
CREATE OR REPLACE TEMP TABLE published AS
WITH t AS (
    SELECT row_number() OVER (ORDER BY study, table_name, cohort, outcome, variant, window_days, period,
                                       region_level, region, split, split_value) AS row_no, *
    FROM input
),
p AS (
    SELECT t.*, pattern.reason,
           CASE WHEN pattern.reason IS NULL THEN (t.count + $1 // 2) // $1 * $1 END AS c_pub,
           CASE WHEN pattern.reason IS NULL THEN (t.denominator + $1 // 2) // $1 * $1 END AS n_pub
    FROM t LEFT JOIN pattern USING (row_no)
),
w AS (
    SELECT *, c_pub / nullif(n_pub, 0)::DOUBLE AS p_hat, 1.959963984540054 AS z FROM p
)
SELECT row_no, study, table_name, cohort, outcome, variant, window_days, period, region_level, region, region_name,
       split, split_value, c_pub AS count, n_pub AS denominator,
       100 * p_hat AS percentage,
       CASE WHEN n_pub > 0 AND c_pub <= n_pub THEN greatest(0.0, 100 * (p_hat + z * z / (2 * n_pub) - z * sqrt(p_hat * (1 - p_hat) / n_pub + z * z / (4 * n_pub * n_pub)))
           / (1 + z * z / n_pub)) END AS ci_lower,
       CASE WHEN n_pub > 0 AND c_pub <= n_pub THEN least(100.0, 100 * (p_hat + z * z / (2 * n_pub) + z * sqrt(p_hat * (1 - p_hat) / n_pub + z * z / (4 * n_pub * n_pub)))
           / (1 + z * z / n_pub)) END AS ci_upper,
       population,
       CASE WHEN c_pub IS NOT NULL THEN 1000.0 * c_pub / nullif(population, 0) END AS rate_per_1000,
       youth_region_of, municipality_of, group_of,
       reason IS NOT NULL AS suppressed,
       reason
FROM w;
