-- Residence rows of the persons in {{who}} (an incremental study run reads only those it
-- cannot take from its cache).
CREATE VIEW residence AS SELECT * FROM read_parquet('residence/*/*.parquet') SEMI JOIN {{who}} USING (person_id);
