-- Residence rows of the persons in {{who}} (a table name; an incremental study run reads the
-- changed persons' only).
CREATE VIEW residence AS
SELECT * FROM read_parquet('residence/*/*.parquet') WHERE person_id IN (SELECT person_id FROM {{who}});
