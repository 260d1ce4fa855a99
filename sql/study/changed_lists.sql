-- The persons changed since a study's cache, sorted, and whether their residence rows and
-- their care episodes changed (or may have: a change list of an older kohort names no
-- tables). params: $1 the change lists
SELECT person_id, bool_or(table_name IS NULL OR table_name = 'residence') AS relocated,
       bool_or(table_name IS NULL OR table_name = 'care_episodes') AS recared
FROM read_parquet($1, union_by_name = true)
WHERE person_id IS NOT NULL
GROUP BY person_id
ORDER BY person_id
