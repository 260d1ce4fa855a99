-- The survival counts of the study by curve (docs/definitions.md §4.14.3, §5.8): the survival
-- atoms rolled up to the study's curve levels (as cells.sql), split total; curve numbers
-- follow the curves' sorted order (cohort, outcome, period, region level, region), so the
-- curves come out in a fixed order; a curve's rows come in any order (the estimator sorts).
CREATE OR REPLACE TEMP TABLE study_km_cells AS
WITH a AS (
    SELECT a.*, c.top_level, c.top_region, coalesce(g.youth_region, 'unknown') AS youth_region,
           coalesce(gm.grp, 'unknown') AS grp
    FROM study_km_atoms a JOIN study_cohorts c USING (cohort)
    LEFT JOIN study_regions g
      ON g.municipality = a.municipality AND g.from_year <= a.index_year AND (g.to_year IS NULL OR a.index_year <= g.to_year)
    LEFT JOIN study_groups gm ON gm.municipality = a.municipality AND gm.period = a.period
)
SELECT a.cohort, a.outcome, a.period, l.region_level, l.region, a.time_days, a.event, sum(a.n)::BIGINT AS n
FROM a CROSS JOIN LATERAL (VALUES ('national', a.top_level, a.top_region), ('youth_region', 'youth_region', a.youth_region),
                                  ('municipality', 'municipality', a.municipality), ('district', 'district', a.district),
                                  ('municipality_group', 'municipality_group', a.grp)) l(asked, region_level, region)
WHERE l.asked IN (SELECT level FROM study_curve_levels)
GROUP BY ALL;
