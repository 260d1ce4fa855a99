-- Offences (docs/definitions.md §2.4) of a store that has the table's folder (every store
-- written since offences are part of the delivery format).
CREATE VIEW offences AS SELECT * FROM read_parquet('offences/*/*.parquet');
