-- The study's cells updated for the changed persons: the previous cells, minus the cells of
-- their previous rows, plus the cells of their new rows; a cell left with no index is gone,
-- as a full run would not have it. params: $1 the previous cells file
CREATE OR REPLACE TEMP TABLE study_cells AS
SELECT cohort, outcome, window_days, region_level, region, split, split_value,
       sum(count)::BIGINT AS count, sum(denominator)::BIGINT AS denominator
FROM (
    SELECT * FROM read_parquet($1)
    UNION ALL
    SELECT * REPLACE (-count AS count, -denominator AS denominator) FROM ({{old}})
    UNION ALL
    {{new}}
)
GROUP BY ALL
HAVING sum(denominator) > 0;
