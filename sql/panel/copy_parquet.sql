-- Materialise the panel (in panel_rows' order: persons by the rank of the export id, then
-- periods), then write it with DuckDB's parallel Parquet writer. The rows and their order never
-- depend on the thread count (panel.csv is byte-identical for any --threads), but the row-group
-- boundaries of a large file follow how the parallel insert cut the table, so panel.parquet is
-- byte-identical for the same --threads only (see data-schema/panel.md). {{columns}} are
-- catalogue names chosen by kohort (never user text) and {{file}} the staging path, single
-- quotes doubled: COPY takes no parameters.
CREATE OR REPLACE TEMP TABLE panel_out AS SELECT {{columns}} FROM panel_rows;
COPY panel_out TO '{{file}}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880);
