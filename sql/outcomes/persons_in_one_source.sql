-- Persons in a store of one source: a delivery holds each person once (duplicate ids are
-- quarantined, docs/definitions.md §2.6) and replaces its source's previous delivery as a whole
-- (§2.1), so the person rows are the persons; the count comes from the Parquet footers.
SELECT count(*) FROM persons_all;
