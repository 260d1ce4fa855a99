-- The grid of the rate outcomes (docs/definitions.md §5.11): every row of the population table
-- aged 0-17 in a study period, for every cohort and rate outcome, with the persons counted
-- there (0 when none) and its youth region and group. Persons whose year, municipality, age
-- and sex have no population row (an unknown residence, say) are in no rate.
CREATE OR REPLACE TEMP TABLE study_rate_grid AS
WITH pop AS (
    SELECT p.period, p.year, x.municipality, x.sex, x.age, x.count
    FROM study_population x JOIN study_periods p ON x.year = p.year
    WHERE x.age BETWEEN 0 AND 17
),
cnt AS (SELECT cohort, outcome, period, municipality, sex, age, sum(n) AS n FROM study_rate_atoms GROUP BY ALL),
ro AS (SELECT a.cohort, a.outcome FROM study_applies a JOIN study_outcomes o USING (outcome) WHERE o.kind = 'rate')
SELECT ro.cohort, ro.outcome, pop.period, pop.year AS index_year, pop.municipality, pop.sex, pop.age,
       study_band(pop.age) AS age_band, coalesce(cnt.n, 0)::BIGINT AS n, pop.count::BIGINT AS population,
       c.top_level, c.top_region, coalesce(g.youth_region, 'unknown') AS youth_region, coalesce(gm.grp, 'unknown') AS grp
FROM pop CROSS JOIN ro
JOIN study_cohorts c ON c.cohort = ro.cohort
LEFT JOIN cnt ON cnt.cohort = ro.cohort AND cnt.outcome = ro.outcome AND cnt.period = pop.period
             AND cnt.municipality = pop.municipality AND cnt.sex = pop.sex AND cnt.age = pop.age
LEFT JOIN study_regions g
  ON g.municipality = pop.municipality AND g.from_year <= pop.year AND (g.to_year IS NULL OR pop.year <= g.to_year)
LEFT JOIN study_groups gm ON gm.municipality = pop.municipality AND gm.period = pop.period;
