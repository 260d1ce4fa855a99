-- The persons of a source's persons files. params: $1 the list of files
SELECT DISTINCT person_id FROM read_parquet($1) WHERE person_id IS NOT NULL
