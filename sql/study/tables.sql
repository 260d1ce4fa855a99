-- The study's rows before the benchmarks (data-schema/study_tables.md): every figure in the table
-- of its split (a `total` row in every table, one table `total` when the study has no other split),
-- with the region's name, the percentage and its Wilson 95% interval in percent (clamped to [0,
-- 100]; none when the count exceeds the denominator, as a rate's can), the crude rate per 1,000,
-- and the regions a row lies in: the municipality of a district, the youth region of a municipality
-- or district (in the period's year; for period `all` in the parent year) and the group of a
-- municipality.
CREATE OR REPLACE TEMP TABLE study_tables AS
WITH s AS (SELECT * FROM study_settings),
f AS (
    SELECT t.table_name, f.*,
           CASE WHEN f.region_level = 'district' AND f.region LIKE 'WK%' THEN 'GM' || substr(f.region, 3, 4)
                WHEN f.region_level = 'district' AND f.region LIKE 'GM%-unknown' THEN left(f.region, 6)
                WHEN f.region_level = 'district' THEN 'unknown' END AS municipality_of,
           CASE WHEN f.period = 'all' THEN s.parent_year ELSE left(f.period, 4)::INTEGER END AS parent_year
    FROM study_figures f JOIN study_split_tables t USING (split) CROSS JOIN s
),
w AS (
    SELECT f.*, count / nullif(denominator, 0)::DOUBLE AS p, 1.959963984540054 AS z,
           CASE WHEN f.region_level IN ('municipality', 'district') THEN coalesce(f.municipality_of, f.region) END AS in_muni
    FROM f
)
SELECT w.table_name, w.cohort, w.outcome, w.variant, w.window_days, w.period, w.region_level, w.region,
       CASE w.region_level
            WHEN 'national' THEN 'Nederland'
            WHEN 'cohort' THEN 'cohort ' || w.cohort
            ELSE coalesce(n.name,
                          CASE WHEN w.region = 'unknown' THEN 'onbekend'
                               WHEN w.region_level = 'district' AND w.region LIKE 'WK%' THEN 'wijk ' || right(w.region, 2)
                               WHEN w.region_level = 'district' THEN 'wijk onbekend' END)
       END AS region_name,
       w.split, w.split_value, w.count, w.denominator,
       100 * w.p AS percentage,
       CASE WHEN w.denominator > 0 AND w.count <= w.denominator THEN greatest(0.0, 100 * (w.p + w.z * w.z / (2 * w.denominator)
                            - w.z * sqrt(w.p * (1 - w.p) / w.denominator + w.z * w.z / (4 * w.denominator * w.denominator)))
                     / (1 + w.z * w.z / w.denominator)) END AS ci_lower,
       CASE WHEN w.denominator > 0 AND w.count <= w.denominator THEN least(100.0, 100 * (w.p + w.z * w.z / (2 * w.denominator)
                           + w.z * sqrt(w.p * (1 - w.p) / w.denominator + w.z * w.z / (4 * w.denominator * w.denominator)))
                    / (1 + w.z * w.z / w.denominator)) END AS ci_upper,
       w.population,
       CASE WHEN w.population > 0 THEN 1000.0 * w.count / w.population END AS rate_per_1000,
       w.rate_standardised, w.rate_standardised_lower, w.rate_standardised_upper,
       CASE WHEN w.in_muni IS NOT NULL THEN coalesce(g.youth_region, 'unknown') END AS youth_region_of,
       w.municipality_of,
       CASE WHEN w.region_level = 'municipality' THEN coalesce(gm.grp, 'unknown') END AS group_of
FROM w
LEFT JOIN study_names n ON n.region_level = w.region_level AND n.region = w.region
LEFT JOIN study_regions g
  ON g.municipality = w.in_muni AND g.from_year <= w.parent_year AND (g.to_year IS NULL OR w.parent_year <= g.to_year)
LEFT JOIN study_groups gm ON gm.municipality = w.region AND gm.period = w.period AND w.region_level = 'municipality';
