-- persons.sql for a bucket that holds one source: a source's person ids are unique (duplicates
-- are quarantined at ingest), so the cross-source rule has nothing to choose and is skipped.
-- params: as persons.sql
SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on
FROM read_parquet($1)
SEMI JOIN (
    SELECT person_id FROM read_parquet($2)
    UNION SELECT person_id FROM read_parquet($4) WHERE $3
    UNION SELECT person_id FROM read_parquet($6) WHERE $5
) USING (person_id);
