-- Survival-table counts over a relation of survival rows: per cohort, region, time and
-- whether it is an event, how many indexes end there. They add up over disjoint sets of
-- persons, as the cells do.
SELECT cohort, g.region_level, g.region, time_days, event, count(*) AS n
FROM {{rows}}
CROSS JOIN LATERAL (VALUES ('national', 'NL'), ('municipality', municipality),
                           ('youth_region', youth_region)) g(region_level, region)
GROUP BY ALL
