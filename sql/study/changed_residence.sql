-- Residence rows of the persons in {{who}} (an incremental study run reads only those it
-- cannot take from its cache).
CREATE VIEW residence AS
SELECT * FROM read_parquet('residence/*/*.parquet') WHERE person_id IN (SELECT person_id FROM {{who}});
