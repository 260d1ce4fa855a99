-- Persons of a table the source delivered before but not now: all of them changed.
-- params: glob of the previous files of this table and source
INSERT INTO changed
SELECT DISTINCT {{pcol}}, '{{table}}' FROM read_parquet(?) WHERE {{pcol}} IS NOT NULL;
