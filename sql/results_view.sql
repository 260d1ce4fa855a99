-- A view over one result table of the current outcome run (the run folder is on the
-- connection's file_search_path). {{name}} is a result table name from kohort's own code.
CREATE VIEW "{{name}}" AS SELECT * FROM read_parquet('{{name}}/*.parquet');
