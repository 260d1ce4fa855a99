-- The quarterly family questionnaire (docs/definitions.md §2.4) of a store that has the table's
-- folder (every store written since the table is part of the delivery format).
CREATE VIEW questionnaire AS SELECT * FROM read_parquet('questionnaire/*/*.parquet');
