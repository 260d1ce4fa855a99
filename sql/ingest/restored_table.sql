-- The rows of a restored table (a withdrawal), read from its store files, for the change
-- list. params: the list of files
CREATE TABLE {{ok}} AS SELECT * FROM read_parquet(?);
