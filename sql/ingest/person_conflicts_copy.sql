-- The previous version's conflicts, unchanged (the delivering source has no persons, now or
-- before). params: the previous conflicts file
SELECT * FROM read_parquet(?) ORDER BY person_id;
