-- persons_all.sql for a bucket that holds one source (its person ids are unique).
-- params: persons glob
SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on
FROM read_parquet($1);
