-- A table of additive counts updated for the changed persons: the cached counts, minus the
-- counts of their previous rows, plus the counts of their new rows; a count left at 0 is gone,
-- as a full run would not have it. {{table}}, {{old}} and {{new}} come from kohort's own code.
-- params: $1 the cached counts file
CREATE OR REPLACE TEMP TABLE {{table}} AS
SELECT * EXCLUDE (n), sum(n)::BIGINT AS n
FROM (
    SELECT * FROM read_parquet($1)
    UNION ALL BY NAME
    SELECT * REPLACE (-n AS n) FROM ({{old}})
    UNION ALL BY NAME
    {{new}}
)
GROUP BY ALL
HAVING sum(n) > 0;
