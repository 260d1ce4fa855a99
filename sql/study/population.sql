-- The residents of the population table (docs/definitions.md §2.4, §5.11), once per year,
-- municipality, age and sex: when several sources deliver the same key, the row of the source
-- whose name sorts first counts (a store has one population per municipality in practice).
CREATE OR REPLACE TEMP TABLE study_population AS
SELECT year::INTEGER AS year, municipality, age::INTEGER AS age, sex, arg_min(count, source)::BIGINT AS count
FROM population
GROUP BY ALL;
