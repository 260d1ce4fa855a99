-- The additive cells of a study over a relation of study-index rows: per cohort, outcome,
-- window, region (NL, municipality and youth region side by side) and split value, the
-- events (count) and the indexes with a known status (denominator). Censored indexes are left
-- out (docs/definitions.md §4.1.5); dropped indexes are not at risk. Cells over disjoint sets of persons add
-- up to the cells of their union: an incremental run subtracts the changed persons' old cells
-- and adds their new ones.
SELECT b.cohort, b.outcome, b.window_days, g.region_level, g.region, s.split, s.split_value,
       count(*) FILTER (WHERE b.status = 'event') AS count, count(*) AS denominator
FROM {{rows}} b
CROSS JOIN LATERAL (VALUES ('national', 'NL'), ('municipality', b.municipality),
                           ('youth_region', b.youth_region)) g(region_level, region)
CROSS JOIN LATERAL (VALUES ('total', 'total'), ('sex', b.sex), ('age_band', b.age_band),
                           ('index_year', b.index_year), ('level', b.level),
                           ('care_form', b.care_form)) s(split, split_value)
WHERE b.status IN ('event', 'no_event')
GROUP BY ALL
