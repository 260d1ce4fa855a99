-- The counts of the rate outcomes over a relation of rate rows ({{rows}}, a table name): per
-- cohort, outcome, period, index year, municipality, district, sex and age, the persons.
SELECT cohort, outcome, period, index_year, municipality, district, sex, age, count(*)::BIGINT AS n
FROM {{rows}}
GROUP BY ALL
