-- A kept table of the source (not in the delivery) staged from its store files, so the
-- delivered tables' references resolve against it: the staged columns, `late` empty.
-- params: the list of files
CREATE TABLE {{name}} AS
SELECT * EXCLUDE (source {{extra}}), NULL::VARCHAR AS late FROM read_parquet(?);
