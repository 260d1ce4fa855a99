-- No residence rows: the cache places every changed member.
CREATE VIEW residence AS SELECT * FROM read_parquet('residence/_schema/*.parquet');
