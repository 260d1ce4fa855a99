-- The survival counts over a relation of study rows ({{rows}}, a table name): per cohort,
-- outcome, period, index year, municipality, district, time and whether it is an event, how
-- many curve rows end there. They add up over disjoint sets of persons, as the atoms do.
SELECT cohort, outcome, period, index_year, municipality, district, time_days, event, count(*)::BIGINT AS n
FROM {{rows}}
WHERE time_days IS NOT NULL
GROUP BY ALL
