-- Care episodes of a store written before schema version 3 (their files have no `programme`
-- column): the column is there, empty, so every query over the view still binds.
CREATE OR REPLACE VIEW care_episodes AS
SELECT *, NULL::VARCHAR AS programme FROM read_parquet('care_episodes/*/*.parquet');
