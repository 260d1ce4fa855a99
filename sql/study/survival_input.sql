-- Time to re-entry of the study's cohorts, per cohort and region (NL, municipality and youth
-- region at the index, as in the tables), counted per distinct (time, event): event = a
-- re-entry (cause 1); everything else is censored at its time (the engine's reentry_km
-- reading). Dropped indexes are not at risk. Sorted, so the curves come out in a fixed order.
WITH idx AS (
    SELECT DISTINCT cohort, person_id, index_date, municipality, youth_region
    FROM study_index WHERE outcome = 'reentry'
),
times AS (
    SELECT i.cohort, i.municipality, i.youth_region, r.time_days, r.cause = 1 AS event
    FROM idx i
    JOIN spells s ON s.person_id = i.person_id AND s.start = i.index_date
    JOIN reentry r ON r.person_id = s.person_id AND r.spell_no = s.spell_no
    WHERE NOT r.dropped
)
SELECT cohort, g.region_level, g.region, time_days, event, count(*) AS n
FROM times
CROSS JOIN LATERAL (VALUES ('national', 'NL'), ('municipality', municipality),
                           ('youth_region', youth_region)) g(region_level, region)
GROUP BY ALL
ORDER BY cohort, region_level, region, time_days, event
