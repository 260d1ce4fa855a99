-- changed_lists.sql for change lists that name no tables (older kohort versions): every
-- person counts as changed everywhere. params: $1 the change lists
SELECT DISTINCT person_id, true AS relocated, true AS recared FROM read_parquet($1) WHERE person_id IS NOT NULL ORDER BY person_id
