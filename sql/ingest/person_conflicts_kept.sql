-- The kept part of person_conflicts_since.sql: the previous version's conflicts of every
-- person the delivering source does not deliver (now or before). params: $3 the previous file
UNION ALL
SELECT * FROM read_parquet($3) ANTI JOIN s USING (person_id)
