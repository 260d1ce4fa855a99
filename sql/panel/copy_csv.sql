-- The CSV twin of panel.parquet, read back from it in file order (comma, header, empty =
-- missing). {{parquet}} and {{file}} are staging paths, single quotes doubled: COPY takes no
-- parameters.
COPY (SELECT * FROM read_parquet('{{parquet}}')) TO '{{file}}' (FORMAT csv, HEADER true, DELIMITER ',')
