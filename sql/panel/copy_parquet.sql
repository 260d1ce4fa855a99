-- Write the panel with DuckDB's parallel Parquet writer; the ORDER BY (rank of the export id,
-- period) and insertion order fix the bytes. {{columns}} are catalogue names chosen by kohort
-- (never user text) and {{file}} the staging path, single quotes doubled: COPY takes no parameters.
COPY (
    SELECT {{columns}} FROM panel_rows ORDER BY rank, pnum
) TO '{{file}}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 65536)
