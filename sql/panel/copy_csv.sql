-- The CSV twin of panel.parquet, from the same materialised table: comma, header, empty = missing.
COPY panel_out TO '{{file}}' (FORMAT csv, HEADER true, DELIMITER ',')
