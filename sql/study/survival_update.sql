-- The study's survival counts updated for the changed persons, as the cells are.
-- params: $1 the previous counts file
CREATE OR REPLACE TEMP TABLE study_survival AS
SELECT cohort, region_level, region, time_days, event, sum(n)::BIGINT AS n
FROM (
    SELECT * FROM read_parquet($1)
    UNION ALL
    SELECT * REPLACE (-n AS n) FROM ({{old}})
    UNION ALL
    {{new}}
)
GROUP BY ALL
HAVING sum(n) > 0;
