-- One split of the rate grid, rolled up to the study's region levels (no districts: the
-- population table has none) and kept per single year of age for the standardisation.
-- {{split}}, {{value}} and {{applies}} as in atoms_split.sql.
SELECT '{{split}}' AS split, {{value}} AS split_value, cohort, outcome, period, l.region_level, l.region, age,
       sum(n)::BIGINT AS n, sum(population)::BIGINT AS population
FROM study_rate_grid
CROSS JOIN LATERAL (VALUES ('national', top_level, top_region), ('youth_region', 'youth_region', youth_region),
                           ('municipality', 'municipality', municipality),
                           ('municipality_group', 'municipality_group', grp)) l(asked, region_level, region)
WHERE l.asked IN (SELECT level FROM study_levels) AND {{applies}}
GROUP BY ALL
