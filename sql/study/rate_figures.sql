-- The figures of the rate outcomes (docs/definitions.md §5.11): count = persons, denominator =
-- population = residents of the cell's ages, sexes, regions and year on 1 January; and the directly
-- age-standardised rate per 1,000 to the national age structure (ages 0-17) of the standard year:
-- 1000 x sum over ages a of w_a x count_a / population_a, w_a = the standard population at a over
-- that of the cell's ages with residents. Its 95% interval: Dobson et al. (1991) with Byar's
-- approximation of the Poisson limits of the count, within [0, 1000] (persons per 1,000 residents;
-- none when no person is counted; no upper cap when the count exceeds the population, as it can:
-- residents on 1 January, persons in care all year). Sums run in age order, so the figures do not
-- depend on threads. {{cells}}: the union of rate_split.sql.
INSERT INTO study_figures BY NAME
WITH per_age AS ({{cells}}),
std AS (
    SELECT age, sum(count)::DOUBLE AS s FROM study_population
    WHERE year = (SELECT standard_year FROM study_settings) AND age BETWEEN 0 AND 17
    GROUP BY age
),
w AS (
    SELECT p.*, std.s, p.population > 0 AND std.s IS NOT NULL AND std.s > 0 AS used FROM per_age p LEFT JOIN std USING (age)
),
agg AS (
    SELECT cohort, outcome, period, region_level, region, split, split_value,
           sum(n)::BIGINT AS count, sum(population)::BIGINT AS population,
           list_sum(list(s * n / population ORDER BY age) FILTER (WHERE used)) AS weighted,
           list_sum(list(s * s * n / (population::DOUBLE * population) ORDER BY age) FILTER (WHERE used)) AS weighted_var,
           list_sum(list(s ORDER BY age) FILTER (WHERE used)) AS s_total,
           sum(n) FILTER (WHERE used) AS o
    FROM w
    GROUP BY ALL
),
dsr AS (
    SELECT *, 1000 * weighted / s_total AS d, 1e6 * weighted_var / (s_total * s_total) AS v, 1.959963984540054 AS z
    FROM agg
)
SELECT cohort, outcome, '' AS variant, NULL::INTEGER AS window_days, period, region_level, region, split, split_value,
       count, population AS denominator, population, d AS rate_standardised,
       CASE WHEN o > 0 THEN greatest(0, d + sqrt(v / o) * (o * pow(1 - 1 / (9 * o) - z / (3 * sqrt(o)), 3) - o)) END
           AS rate_standardised_lower,
       CASE WHEN o > 0 THEN least(CASE WHEN count <= population THEN 1000 END, d + sqrt(v / o) * ((o + 1) * pow(1 - 1 / (9 * (o + 1)) + z / (3 * sqrt(o + 1)), 3) - o)) END
           AS rate_standardised_upper
FROM dsr;
