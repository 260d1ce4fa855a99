-- The cells of the study: the atoms rolled up to every region level the study asks for
-- (docs/definitions.md §5.7, §5.12, §5.13): the top (national `NL`, or the cohort's `total`),
-- the youth region of the municipality in the index year (the reference mapping; `unknown`
-- without one), the municipality, the district and the group of comparable municipalities.
CREATE OR REPLACE TEMP TABLE study_cells AS
WITH a AS (
    SELECT a.*, c.top_level, c.top_region, coalesce(g.youth_region, 'unknown') AS youth_region,
           coalesce(gm.grp, 'unknown') AS grp
    FROM study_atoms a JOIN study_cohorts c USING (cohort)
    LEFT JOIN study_regions g
      ON g.municipality = a.municipality AND g.from_year <= a.index_year AND (g.to_year IS NULL OR a.index_year <= g.to_year)
    LEFT JOIN study_groups gm ON gm.municipality = a.municipality AND gm.period = a.period
)
SELECT a.cohort, a.outcome, a.sub, a.window_days, a.category, a.period, l.region_level, l.region, a.split,
       a.split_value, sum(a.n)::BIGINT AS n
FROM a CROSS JOIN LATERAL (VALUES ('national', a.top_level, a.top_region), ('youth_region', 'youth_region', a.youth_region),
                                  ('municipality', 'municipality', a.municipality), ('district', 'district', a.district),
                                  ('municipality_group', 'municipality_group', a.grp)) l(asked, region_level, region)
WHERE l.asked IN (SELECT level FROM study_levels)
GROUP BY ALL;
