-- Care episodes of one bucket, only what spells, levels and dates need (runs without the
-- `spells` and `indicators` families), unordered. params: the bucket's files (glob)
SELECT person_id, care_form, start_date, end_date
FROM read_parquet(?);
