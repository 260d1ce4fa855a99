-- The CSV twin of panel.parquet, read back in file order: comma, header, empty = missing.
COPY (SELECT * FROM read_parquet('{{parquet}}')) TO '{{file}}' (FORMAT csv, HEADER true, DELIMITER ',')
